package channel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// Errors of CheckAmount (match with errors.Is). Both are errs.Forbidden and
// carry "channel", "item", "limit_fen" and "alternatives" (channels where the
// item is open now and whose own limit admits the amount); the daily one also
// "used_fen" (already counted today on this channel).
var (
	ErrSingleLimit = errs.New(errs.Forbidden, "channel.single_limit", "金额超过该渠道的单笔限额")
	ErrDailyLimit  = errs.New(errs.Forbidden, "channel.daily_limit", "金额超过该渠道的单日累计限额")
	// ErrBadAmount: the amount is zero or negative, or above money.Max.
	ErrBadAmount = errs.New(errs.Invalid, "channel.bad_amount", "金额必须大于零")
)

// usageKeepDays is how long daily usage rows are kept (business days).
const usageKeepDays = 7

// CheckAmount applies the item × channel amount limits of the switch matrix
// to one transaction of subject (whoever the per-day limit counts for: the
// person's ID number or account number, the unit number; stored only as a
// SHA-256 hash): the amount must not exceed the single limit, and the
// subject's total on this channel and item for the business date, this amount
// included, must not exceed the daily limit. When the daily limit applies the
// amount is counted at once (atomically, shared by every instance through the
// database); if the business then refuses the transaction, give it back with
// ReleaseAmount. Limits of 0 mean none. Call it after the gate admitted the
// request, before the core moves money.
//
// Errors: ErrSingleLimit, ErrDailyLimit (errs.Forbidden, with details);
// ErrBadAmount (errs.Invalid); errs.Internal channel.unknown for an
// unregistered code or channel.no_subject for an empty subject; store errors.
// A nil Gate checks nothing.
func (g *Gate) CheckAmount(ctx context.Context, channel, item, subject string, amount money.Fen) error {
	if g == nil {
		return nil
	}
	it, err := checkAmountArgs(channel, item, subject, amount)
	if err != nil {
		return err
	}
	cfg := g.config(ctx)
	cell := cellOf(cfg, channel, item)
	if cell == nil {
		return nil
	}
	ch, _ := catalog.ChannelByCode(channel)
	if cell.SingleLimitFen > 0 && amount > cell.SingleLimitFen {
		alts := g.amountAlternatives(ctx, cfg, channel, it, amount)
		e := *ErrSingleLimit
		e.Message = fmt.Sprintf("本笔金额 %s 元超过%s办理「%s」的单笔限额 %s 元", amount.Format(), ch.Name, it.Name, cell.SingleLimitFen.Format())
		if len(alts) > 0 {
			e.Message += "，请通过以下渠道办理：" + names(alts)
		}
		return e.With("channel", channel).With("item", item).With("limit_fen", int64(cell.SingleLimitFen)).With("alternatives", alts)
	}
	if cell.DailyLimitFen <= 0 {
		return nil
	}
	ok, used, err := g.reserve(ctx, cfg.bizDate, channel, item, subjectHash(subject), amount, cell.DailyLimitFen)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	alts := g.amountAlternatives(ctx, cfg, channel, it, amount)
	e := *ErrDailyLimit
	e.Message = fmt.Sprintf("今日已在%s办理「%s」%s 元，加上本笔 %s 元将超过单日累计限额 %s 元", ch.Name, it.Name,
		used.Format(), amount.Format(), cell.DailyLimitFen.Format())
	if len(alts) > 0 {
		e.Message += "，请通过以下渠道办理：" + names(alts)
	}
	return e.With("channel", channel).With("item", item).With("limit_fen", int64(cell.DailyLimitFen)).
		With("used_fen", int64(used)).With("alternatives", alts)
}

// ReleaseAmount gives back an amount CheckAmount counted against the daily
// limit on the current business date, when the business refused or undid the
// transaction. Usage never goes below zero; nothing happens when no daily
// limit applies. Errors: as CheckAmount's argument errors; store errors.
func (g *Gate) ReleaseAmount(ctx context.Context, channel, item, subject string, amount money.Fen) error {
	if g == nil {
		return nil
	}
	if _, err := checkAmountArgs(channel, item, subject, amount); err != nil {
		return err
	}
	cfg := g.config(ctx)
	if cell := cellOf(cfg, channel, item); cell == nil || cell.DailyLimitFen <= 0 {
		return nil
	}
	_, err := g.db.ExecContext(ctx, `UPDATE channel_amount_day
		SET used_fen = CASE WHEN used_fen > ? THEN used_fen - ? ELSE 0 END, updated_at = ?
		WHERE biz_date = ? AND channel = ? AND item = ? AND subject_hash = ?`,
		amount, amount, db.Now(), cfg.bizDate, channel, item, subjectHash(subject))
	return err
}

func checkAmountArgs(channel, item, subject string, amount money.Fen) (catalog.Item, error) {
	it, err := lookup(channel, item)
	if err != nil {
		return catalog.Item{}, err
	}
	if amount <= 0 || amount > money.Max {
		return catalog.Item{}, ErrBadAmount
	}
	if strings.TrimSpace(subject) == "" {
		return catalog.Item{}, errs.New(errs.Internal, "channel.no_subject", "限额检查缺少办理人")
	}
	return it, nil
}

func cellOf(cfg *snapshot, channel, item string) *catalog.Cell {
	if row := cfg.matrix.Items[item]; row != nil {
		return row.Channels[channel]
	}
	return nil
}

func subjectHash(subject string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(subject)))
	return hex.EncodeToString(h[:])
}

// reserve adds amount to the subject's usage of the day if the total stays
// within limit, atomically; otherwise it reports the usage as it is. The add
// is one upsert statement that takes the row's write lock at once: an
// insert-then-update pair would take a shared lock first and deadlock on
// MariaDB when several requests of one subject race.
func (g *Gate) reserve(ctx context.Context, day date.Date, channel, item, hash string, amount, limit money.Fen) (bool, money.Fen, error) {
	if amount > limit {
		used, err := g.usage(ctx, day, channel, item, hash)
		return false, used, err
	}
	upsert := `INSERT INTO channel_amount_day (biz_date, channel, item, subject_hash, used_fen, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (biz_date, channel, item, subject_hash) DO UPDATE SET used_fen = used_fen + excluded.used_fen, updated_at = excluded.updated_at
		WHERE used_fen <= ?`
	if g.db.Dialect == db.MySQL {
		// Rows affected: 1 inserted, 2 updated, 0 left as it was (over the limit).
		upsert = `INSERT INTO channel_amount_day (biz_date, channel, item, subject_hash, used_fen, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE updated_at = IF(used_fen <= ?, VALUES(updated_at), updated_at),
			used_fen = IF(used_fen <= ?, used_fen + VALUES(used_fen), used_fen)`
	}
	args := []any{day, channel, item, hash, amount, db.Now(), limit - amount}
	if g.db.Dialect == db.MySQL {
		args = append(args, limit-amount)
	}
	for attempt := 0; ; attempt++ {
		res, err := g.db.ExecContext(ctx, upsert, args...)
		if err != nil {
			if db.Retryable(err) && attempt < 5 {
				continue
			}
			return false, 0, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return true, 0, nil
		}
		used, err := g.usage(ctx, day, channel, item, hash)
		return false, used, err
	}
}

func (g *Gate) usage(ctx context.Context, day date.Date, channel, item, hash string) (money.Fen, error) {
	var used money.Fen
	err := g.db.GetContext(ctx, &used, `SELECT COALESCE(MAX(used_fen), 0) FROM channel_amount_day
		WHERE biz_date = ? AND channel = ? AND item = ? AND subject_hash = ?`, day, channel, item, hash)
	return used, err
}

// amountAlternatives are the alternatives whose single limit admits amount.
func (g *Gate) amountAlternatives(ctx context.Context, cfg *snapshot, channel string, it catalog.Item, amount money.Fen) []Alternative {
	return g.alternativesWhere(ctx, cfg, channel, it, g.now(), func(c *catalog.Cell) bool {
		return c.SingleLimitFen == 0 || c.SingleLimitFen >= amount
	})
}

// pruneUsage drops daily usage rows of old business dates.
func (g *Gate) pruneUsage(ctx context.Context) error {
	cfg := g.config(ctx)
	_, err := g.db.ExecContext(ctx, `DELETE FROM channel_amount_day WHERE biz_date < ?`, cfg.bizDate.AddDays(-usageKeepDays))
	if err != nil {
		return fmt.Errorf("channel: prune amount usage: %w", err)
	}
	return nil
}
