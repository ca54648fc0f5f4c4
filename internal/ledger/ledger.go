// Package ledger is the platform's double-entry book: accounts with a type and an
// owner, journal entries keyed by a unique business serial (业务流水号), balanced
// postings with running balances, and reversals (冲账) that reference the entry
// they undo. Every movement of money in the platform is one call to Post (or
// PostTx inside a business transaction); nothing else writes these tables.
//
// Promises, each tested on SQLite and MariaDB:
//   - an entry's debits equal its credits, or nothing is written;
//   - posting a serial that exists returns the first result and writes nothing
//     (the same serial with different lines is a conflict, never a second post);
//   - an account that may not overdraw never goes below zero, also under
//     concurrent postings (row locks on MySQL, BEGIN IMMEDIATE on SQLite);
//   - corrections are reversals; postings are never updated or deleted;
//   - Verify proves every entry balances and every stored balance equals the sum
//     of its postings.
package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// AccountType is the accounting class of an account. Asset and expense accounts
// are debit-normal (a debit raises the balance); the others are credit-normal.
type AccountType string

// The account types.
const (
	Asset     AccountType = "asset"
	Liability AccountType = "liability"
	Equity    AccountType = "equity"
	Income    AccountType = "income"
	Expense   AccountType = "expense"
)

// DebitNormal reports whether a debit raises the account's balance.
func (t AccountType) DebitNormal() bool { return t == Asset || t == Expense }

// Valid reports whether t is one of the account types.
func (t AccountType) Valid() bool {
	switch t {
	case Asset, Liability, Equity, Income, Expense:
		return true
	}
	return false
}

// Side is the side of a posting: debit (借) or credit (贷).
type Side string

// The sides.
const (
	Debit  Side = "D"
	Credit Side = "C"
)

// Limits of one entry.
const (
	MaxLines     = 250_000 // a remittance for a very large unit is one entry
	MaxMemoRunes = 200
)

// Errors returned by the ledger. Callers compare with errors.Is.
var (
	ErrUnbalanced        = errs.New(errs.Invalid, "ledger.unbalanced", "借贷不平衡：借方合计必须等于贷方合计")
	ErrTooFewLines       = errs.New(errs.Invalid, "ledger.too_few_lines", "记账分录至少需要一借一贷两行")
	ErrTooManyLines      = errs.Newf(errs.Invalid, "ledger.too_many_lines", "一笔分录最多 %d 行", MaxLines)
	ErrBadSide           = errs.New(errs.Invalid, "ledger.bad_side", "记账方向只能是 D（借）或 C（贷）")
	ErrBadAmount         = errs.New(errs.Invalid, "ledger.bad_amount", "每行金额必须大于零且不超过上限")
	ErrBadBizType        = errs.New(errs.Invalid, "ledger.bad_biz_type", "业务类型代码应为 2 位数字（见代码表 GJHTQYWLX）")
	ErrMemoTooLong       = errs.Newf(errs.Invalid, "ledger.memo_too_long", "摘要最多 %d 个字", MaxMemoRunes)
	ErrUnknownAccount    = errs.New(errs.NotFound, "ledger.unknown_account", "账户不存在")
	ErrInsufficient      = errs.New(errs.Conflict, "ledger.insufficient_funds", "账户余额不足")
	ErrSerialReused      = errs.New(errs.Conflict, "ledger.serial_reused", "业务流水号已被另一笔不同内容的业务使用")
	ErrEntryNotFound     = errs.New(errs.NotFound, "ledger.entry_not_found", "业务流水号不存在")
	ErrAlreadyReversed   = errs.New(errs.Conflict, "ledger.already_reversed", "该笔业务已冲账，不能重复冲账")
	ErrReverseReversal   = errs.New(errs.Conflict, "ledger.reversal_of_reversal", "冲账分录不能再次冲账")
	ErrAccountExists     = errs.New(errs.Conflict, "ledger.account_exists", "账户代码已存在且属性不同")
	ErrBadAccountSpec    = errs.New(errs.Invalid, "ledger.bad_account", "账户信息不完整或类型不正确")
	ErrBusinessDateUnset = errs.New(errs.Unavailable, "ledger.no_business_date", "营业日期未设置，暂不能记账")
)

// Dates supplies the business date (营业日期) used for postings. The bizdate
// service implements it.
type Dates interface {
	TodayTx(ctx context.Context, q db.Querier) (date.Date, error)
}

// Ledger posts and reads journal entries. It is safe for concurrent use.
type Ledger struct {
	db    *db.DB
	dates Dates
}

// New returns a ledger over the store, taking business dates from dates.
func New(d *db.DB, dates Dates) *Ledger { return &Ledger{db: d, dates: dates} }

// Account is a ledger account. Balance is kept on the account's normal side:
// for a liability such as a personal fund account it is what the center owes.
type Account struct {
	ID             int64       `db:"id" json:"-"`
	Code           string      `db:"code" json:"code"`
	Name           string      `db:"name" json:"name"`
	Type           AccountType `db:"type" json:"type"`
	OwnerType      string      `db:"owner_type" json:"owner_type"`
	OwnerID        string      `db:"owner_id" json:"owner_id"`
	AllowOverdraft bool        `db:"allow_overdraft" json:"allow_overdraft"`
	Balance        money.Fen   `db:"balance_fen" json:"balance_fen"`
	PostingCount   int64       `db:"posting_count" json:"posting_count"`
	CreatedAt      time.Time   `db:"created_at" json:"created_at"`
	// Created is set by OpenAccount when this call opened the account.
	Created bool `db:"-" json:"-"`
}

// AccountSpec describes an account to open.
type AccountSpec struct {
	Code           string      `json:"code"`
	Name           string      `json:"name"`
	Type           AccountType `json:"type"`
	OwnerType      string      `json:"owner_type"`
	OwnerID        string      `json:"owner_id"`
	AllowOverdraft bool        `json:"allow_overdraft"`
}

// Line is one line of an entry to post.
type Line struct {
	Account string    `json:"account"` // account code
	Side    Side      `json:"side"`
	Amount  money.Fen `json:"amount_fen"`
}

// Request is an entry to post.
type Request struct {
	Serial  string    // unique business serial; a retry uses the same one
	BizType string    // GJHTQYWLX code, e.g. "01" 汇缴
	BizDate date.Date // zero means the current business date
	Memo    string
	Lines   []Line
}

// Entry is a posted journal entry.
type Entry struct {
	ID             int64        `json:"-"`
	Serial         string       `json:"serial"`
	BizType        string       `json:"biz_type"`
	BizDate        date.Date    `json:"biz_date"`
	Memo           string       `json:"memo"`
	ReversesSerial string       `json:"reverses_serial,omitempty"`
	Channel        string       `json:"channel"`
	Actor          string       `json:"actor"`
	CreatedAt      time.Time    `json:"created_at"`
	Lines          []PostedLine `json:"lines"`
	// Replayed is true when the serial had been posted before and this is the
	// first result returned again; nothing was written.
	Replayed bool `json:"replayed"`
}

// PostedLine is a posting with the account's balance after it.
type PostedLine struct {
	LineNo       int       `db:"line_no" json:"line_no"`
	Account      string    `db:"code" json:"account"`
	Side         Side      `db:"side" json:"side"`
	Amount       money.Fen `db:"amount_fen" json:"amount_fen"`
	BalanceAfter money.Fen `db:"balance_after_fen" json:"balance_after_fen"`
	AccountSeq   int64     `db:"account_seq" json:"account_seq"`
}

// OpenAccount opens an account, or returns the existing one when an account
// with the same code and the same type and owner exists (ErrAccountExists when
// they differ).
func (l *Ledger) OpenAccount(ctx context.Context, s AccountSpec) (*Account, error) {
	return db.Get(ctx, l.db, func(tx *db.Tx) (*Account, error) { return l.OpenAccountTx(ctx, tx, s) })
}

// OpenAccountTx is OpenAccount inside the caller's transaction.
func (l *Ledger) OpenAccountTx(ctx context.Context, tx *db.Tx, s AccountSpec) (*Account, error) {
	if _, err := ident.ParseSerial(s.Code); err != nil || len(s.Code) > 40 || strings.TrimSpace(s.Name) == "" ||
		!s.Type.Valid() || s.OwnerType == "" || len(s.OwnerType) > 16 || len(s.OwnerID) > 40 || len([]rune(s.Name)) > 100 {
		return nil, ErrBadAccountSpec
	}
	if a, err := accountByCode(ctx, tx, s.Code); err == nil {
		if a.Type != s.Type || a.OwnerType != s.OwnerType || a.OwnerID != s.OwnerID || a.AllowOverdraft != s.AllowOverdraft {
			return nil, ErrAccountExists.With("code", s.Code)
		}
		return a, nil
	} else if !errors.Is(err, ErrUnknownAccount) {
		return nil, err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ledger_account (code, name, type, owner_type, owner_id, allow_overdraft, balance_fen, posting_count, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)`, s.Code, s.Name, s.Type, s.OwnerType, s.OwnerID, s.AllowOverdraft, db.Now())
	if err != nil {
		if db.IsDuplicate(err) {
			return nil, fmt.Errorf("%w: account %s opened concurrently", db.ErrRetry, s.Code)
		}
		return nil, fmt.Errorf("open account %s: %w", s.Code, err)
	}
	a, err := accountByCode(ctx, tx, s.Code)
	if err != nil {
		return nil, err
	}
	a.Created = true
	return a, nil
}

// Account returns the account with the given code (ErrUnknownAccount if none).
func (l *Ledger) Account(ctx context.Context, code string) (*Account, error) {
	return accountByCode(ctx, l.db, code)
}

func accountByCode(ctx context.Context, q db.Querier, code string) (*Account, error) {
	var a Account
	err := q.GetContext(ctx, &a, `SELECT id, code, name, type, owner_type, owner_id, allow_overdraft, balance_fen, posting_count, created_at
		FROM ledger_account WHERE code = ?`, code)
	if db.NoRows(err) {
		return nil, ErrUnknownAccount.With("account", code)
	}
	if err != nil {
		return nil, fmt.Errorf("read account %s: %w", code, err)
	}
	return &a, nil
}

// Post posts the entry in its own transaction. See PostTx.
func (l *Ledger) Post(ctx context.Context, r Request) (*Entry, error) {
	return db.Get(ctx, l.db, func(tx *db.Tx) (*Entry, error) { return l.PostTx(ctx, tx, r) })
}

// PostTx posts the entry inside the caller's transaction, so a business state
// change and its money movement commit together. The actor and channel come
// from reqctx. If the serial exists with the same lines, the first entry is
// returned with Replayed set and nothing is written; with different lines the
// result is ErrSerialReused. A line that would take a non-overdraft account
// below zero fails the whole entry with ErrInsufficient. When a concurrent
// transaction posts the same serial first, PostTx returns an error wrapping
// db.ErrRetry so db.InTx reruns the transaction, which then replays.
func (l *Ledger) PostTx(ctx context.Context, tx *db.Tx, r Request) (*Entry, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return l.post(ctx, tx, r, nil)
}

func (r Request) validate() error {
	if _, err := ident.ParseSerial(r.Serial); err != nil {
		return err
	}
	if len(r.BizType) != 2 || r.BizType[0] < '0' || r.BizType[0] > '9' || r.BizType[1] < '0' || r.BizType[1] > '9' {
		return ErrBadBizType
	}
	if len([]rune(r.Memo)) > MaxMemoRunes {
		return ErrMemoTooLong
	}
	if len(r.Lines) < 2 {
		return ErrTooFewLines
	}
	if len(r.Lines) > MaxLines {
		return ErrTooManyLines
	}
	var debit, credit money.Fen
	hasD, hasC := false, false
	for i, ln := range r.Lines {
		if err := ln.Amount.CheckPositive(); err != nil {
			return ErrBadAmount.With("line", i+1)
		}
		if ln.Account == "" {
			return ErrUnknownAccount.With("line", i+1)
		}
		var err error
		switch ln.Side {
		case Debit:
			debit, err = money.Add(debit, ln.Amount)
			hasD = true
		case Credit:
			credit, err = money.Add(credit, ln.Amount)
			hasC = true
		default:
			return ErrBadSide.With("line", i+1)
		}
		if err != nil {
			return ErrBadAmount.With("line", i+1)
		}
	}
	if !hasD || !hasC {
		return ErrTooFewLines
	}
	if debit != credit {
		return ErrUnbalanced.With("debit_fen", int64(debit)).With("credit_fen", int64(credit))
	}
	return nil
}

// fingerprint identifies what an entry does, so a replayed serial can be told
// apart from a reused one. The memo is descriptive and not part of it.
func (r Request) fingerprint(reverses string) string {
	h := sha256.New()
	fmt.Fprintf(h, "v1\x00%s\x00%s\x00%s\x00", r.BizType, r.BizDate, reverses)
	for _, ln := range r.Lines {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", ln.Account, ln.Side, ln.Amount)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type entryRow struct {
	ID          int64     `db:"id"`
	Serial      string    `db:"serial"`
	BizType     string    `db:"biz_type"`
	BizDate     date.Date `db:"biz_date"`
	Memo        string    `db:"memo"`
	Fingerprint string    `db:"fingerprint"`
	ReversesID  *int64    `db:"reverses_id"`
	Channel     string    `db:"channel"`
	Actor       string    `db:"actor"`
	CreatedAt   time.Time `db:"created_at"`
}

const entryCols = `id, serial, biz_type, biz_date, memo, fingerprint, reverses_id, channel, actor, created_at`

func (l *Ledger) post(ctx context.Context, tx *db.Tx, r Request, reverses *entryRow) (*Entry, error) {
	revSerial := ""
	if reverses != nil {
		revSerial = reverses.Serial
	}
	fp := r.fingerprint(revSerial)

	// 1. A serial that exists: replay or refuse.
	if e, err := replay(ctx, tx, r.Serial, fp); e != nil || err != nil {
		return e, err
	}

	bizDate := r.BizDate
	if bizDate.IsZero() {
		d, err := l.dates.TodayTx(ctx, tx)
		var unset *errs.Error
		if errors.As(err, &unset) {
			return nil, ErrBusinessDateUnset.Wrap(err)
		}
		if err != nil {
			return nil, err // a store error (e.g. the connection is gone): InTx classifies it
		}
		bizDate = d
	}

	// 2. Lock every account the entry touches, in code order (no deadlocks
	// between entries touching the same accounts).
	accts, err := lockAccounts(ctx, tx, r.Lines)
	if err != nil {
		return nil, err
	}

	// 3. The entry header; its unique serial is the idempotency guard.
	actor := reqctx.ActorOf(ctx)
	var revID any
	if reverses != nil {
		revID = reverses.ID
	}
	now := db.Now()
	res, err := tx.ExecContext(ctx, `INSERT INTO journal_entry (serial, biz_type, biz_date, memo, fingerprint, reverses_id, channel, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Serial, r.BizType, bizDate, r.Memo, fp, revID, clip(actor.Channel, 16), clip(actor.ID, 64), now)
	if err != nil {
		if db.IsDuplicate(err) {
			if reverses != nil {
				// Either the serial or the original's single reversal slot was
				// taken concurrently; a fresh transaction tells which.
				return nil, fmt.Errorf("%w: reversal of %s raced", db.ErrRetry, reverses.Serial)
			}
			return nil, fmt.Errorf("%w: serial %s posted concurrently", db.ErrRetry, r.Serial)
		}
		return nil, fmt.Errorf("insert journal entry %s: %w", r.Serial, err)
	}
	entryID, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}

	// 4. Postings with running balances; refuse overdrafts.
	e := &Entry{ID: entryID, Serial: r.Serial, BizType: r.BizType, BizDate: bizDate, Memo: r.Memo, ReversesSerial: revSerial,
		Channel: clip(actor.Channel, 16), Actor: clip(actor.ID, 64), CreatedAt: now, Lines: make([]PostedLine, 0, len(r.Lines))}
	rows := make([]any, 0, len(r.Lines)*8)
	for i, ln := range r.Lines {
		a := accts[ln.Account]
		delta := ln.Amount
		if (ln.Side == Debit) != a.Type.DebitNormal() {
			delta = -delta
		}
		nb, err := money.Add(a.Balance, delta)
		if err != nil {
			return nil, ErrBadAmount.With("line", i+1)
		}
		if nb < 0 && !a.AllowOverdraft {
			return nil, ErrInsufficient.With("account", a.Code).With("balance_fen", int64(a.Balance)).With("amount_fen", int64(ln.Amount))
		}
		a.Balance = nb
		a.PostingCount++
		a.touched = true
		e.Lines = append(e.Lines, PostedLine{LineNo: i + 1, Account: a.Code, Side: ln.Side, Amount: ln.Amount, BalanceAfter: nb, AccountSeq: a.PostingCount})
		rows = append(rows, entryID, i+1, a.ID, a.PostingCount, string(ln.Side), int64(ln.Amount), int64(nb), bizDate)
	}
	const cols = 8
	const batch = 500
	for start := 0; start < len(rows); start += batch * cols {
		end := min(start+batch*cols, len(rows))
		n := (end - start) / cols
		q := `INSERT INTO posting (entry_id, line_no, account_id, account_seq, side, amount_fen, balance_after_fen, biz_date) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?),", n), ",")
		if _, err := tx.ExecContext(ctx, q, rows[start:end]...); err != nil {
			return nil, fmt.Errorf("insert postings of %s: %w", r.Serial, err)
		}
	}
	if err := updateBalances(ctx, tx, accts); err != nil {
		return nil, fmt.Errorf("update balances of %s: %w", r.Serial, err)
	}
	return e, nil
}

// updateBalances stores the new balances and posting counts of the touched
// accounts. On MySQL, where every statement is a network round trip, accounts
// are updated 500 at a time with CASE expressions; SQLite runs in-process and
// is fastest with one small UPDATE per account.
func updateBalances(ctx context.Context, tx *db.Tx, accts map[string]*lockedAccount) error {
	touched := make([]*lockedAccount, 0, len(accts))
	for _, a := range accts {
		if a.touched {
			touched = append(touched, a)
		}
	}
	sort.Slice(touched, func(i, j int) bool { return touched[i].ID < touched[j].ID })
	if tx.Dialect != db.MySQL {
		for _, a := range touched {
			if _, err := tx.ExecContext(ctx, `UPDATE ledger_account SET balance_fen = ?, posting_count = ? WHERE id = ?`,
				a.Balance, a.PostingCount, a.ID); err != nil {
				return err
			}
		}
		return nil
	}
	const batch = 500
	for start := 0; start < len(touched); start += batch {
		part := touched[start:min(start+batch, len(touched))]
		var bal, cnt, in strings.Builder
		args := make([]any, 0, len(part)*5)
		for _, a := range part {
			bal.WriteString(" WHEN ? THEN ?")
			args = append(args, a.ID, int64(a.Balance))
		}
		for _, a := range part {
			cnt.WriteString(" WHEN ? THEN ?")
			args = append(args, a.ID, a.PostingCount)
		}
		for i, a := range part {
			if i > 0 {
				in.WriteString(", ")
			}
			in.WriteString("?")
			args = append(args, a.ID)
		}
		q := `UPDATE ledger_account SET balance_fen = CASE id` + bal.String() + ` END, posting_count = CASE id` + cnt.String() +
			` END WHERE id IN (` + in.String() + `)`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

type lockedAccount struct {
	Account
	touched bool
}

// lockAccounts reads and row-locks the accounts named by lines, in code order.
func lockAccounts(ctx context.Context, tx *db.Tx, lines []Line) (map[string]*lockedAccount, error) {
	seen := make(map[string]bool, len(lines))
	codes := make([]string, 0, len(lines))
	for _, ln := range lines {
		if !seen[ln.Account] {
			seen[ln.Account] = true
			codes = append(codes, ln.Account)
		}
	}
	sort.Strings(codes)
	out := make(map[string]*lockedAccount, len(codes))
	const chunk = 1000
	for start := 0; start < len(codes); start += chunk {
		part := codes[start:min(start+chunk, len(codes))]
		q := `SELECT id, code, name, type, owner_type, owner_id, allow_overdraft, balance_fen, posting_count, created_at
			FROM ledger_account WHERE code IN (?` + strings.Repeat(", ?", len(part)-1) + `) ORDER BY code` + tx.Dialect.ForUpdate()
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c
		}
		var got []Account
		if err := tx.SelectContext(ctx, &got, q, args...); err != nil {
			return nil, fmt.Errorf("lock accounts: %w", err)
		}
		for i := range got {
			out[got[i].Code] = &lockedAccount{Account: got[i]}
		}
	}
	for _, c := range codes {
		if out[c] == nil {
			return nil, ErrUnknownAccount.With("account", c)
		}
	}
	return out, nil
}

// replay returns the entry already posted under serial (Replayed set) when its
// fingerprint is fp, ErrSerialReused when it differs, and nil, nil when the
// serial is new.
func replay(ctx context.Context, q db.Querier, serial, fp string) (*Entry, error) {
	prev, err := entryBySerial(ctx, q, serial)
	if errors.Is(err, ErrEntryNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if prev.Fingerprint != fp {
		return nil, ErrSerialReused.With("serial", serial)
	}
	e, err := loadEntry(ctx, q, prev)
	if err != nil {
		return nil, err
	}
	e.Replayed = true
	return e, nil
}

func entryBySerial(ctx context.Context, q db.Querier, serial string) (*entryRow, error) {
	var e entryRow
	err := q.GetContext(ctx, &e, `SELECT `+entryCols+` FROM journal_entry WHERE serial = ?`, serial)
	if db.NoRows(err) {
		return nil, ErrEntryNotFound.With("serial", serial)
	}
	if err != nil {
		return nil, fmt.Errorf("read entry %s: %w", serial, err)
	}
	return &e, nil
}

func loadEntry(ctx context.Context, q db.Querier, row *entryRow) (*Entry, error) {
	e := &Entry{ID: row.ID, Serial: row.Serial, BizType: row.BizType, BizDate: row.BizDate, Memo: row.Memo,
		Channel: row.Channel, Actor: row.Actor, CreatedAt: row.CreatedAt}
	if row.ReversesID != nil {
		if err := q.GetContext(ctx, &e.ReversesSerial, `SELECT serial FROM journal_entry WHERE id = ?`, *row.ReversesID); err != nil {
			return nil, fmt.Errorf("read reversed entry: %w", err)
		}
	}
	if err := q.SelectContext(ctx, &e.Lines, `SELECT p.line_no, a.code, p.side, p.amount_fen, p.balance_after_fen, p.account_seq
		FROM posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.entry_id = ? ORDER BY p.line_no`, row.ID); err != nil {
		return nil, fmt.Errorf("read postings of %s: %w", row.Serial, err)
	}
	return e, nil
}

// Entry returns the posted entry with the serial (ErrEntryNotFound if none).
func (l *Ledger) Entry(ctx context.Context, serial string) (*Entry, error) {
	row, err := entryBySerial(ctx, l.db, serial)
	if err != nil {
		return nil, err
	}
	return loadEntry(ctx, l.db, row)
}

// ReverseRequest asks to reverse (冲账) the entry posted under Original.
type ReverseRequest struct {
	Original string // serial of the entry to reverse
	Serial   string // serial of the reversal itself (idempotency key)
	Memo     string
}

// Reverse posts the mirror image of an entry (every line on the other side),
// referencing it, on the current business date. An entry is reversed at most
// once (ErrAlreadyReversed), a reversal cannot be reversed (ErrReverseReversal),
// an unknown original is ErrEntryNotFound, and a reversal that would overdraw an
// account (money already withdrawn) is ErrInsufficient. Replaying the same
// reversal serial returns the first result.
func (l *Ledger) Reverse(ctx context.Context, r ReverseRequest) (*Entry, error) {
	return db.Get(ctx, l.db, func(tx *db.Tx) (*Entry, error) { return l.ReverseTx(ctx, tx, r) })
}

// ReverseTx is Reverse inside the caller's transaction.
func (l *Ledger) ReverseTx(ctx context.Context, tx *db.Tx, r ReverseRequest) (*Entry, error) {
	if _, err := ident.ParseSerial(r.Serial); err != nil {
		return nil, err
	}
	if _, err := ident.ParseSerial(r.Original); err != nil {
		return nil, ErrEntryNotFound.With("serial", r.Original)
	}
	orig, err := entryBySerial(ctx, tx, r.Original)
	if err != nil {
		return nil, err
	}
	if orig.ReversesID != nil {
		return nil, ErrReverseReversal.With("serial", r.Original)
	}
	origEntry, err := loadEntry(ctx, tx, orig)
	if err != nil {
		return nil, err
	}
	req := Request{Serial: r.Serial, BizType: orig.BizType, Memo: r.Memo, Lines: make([]Line, len(origEntry.Lines))}
	if req.Memo == "" {
		req.Memo = "冲账 " + orig.Serial
	}
	for i, pl := range origEntry.Lines {
		side := Debit
		if pl.Side == Debit {
			side = Credit
		}
		req.Lines[i] = Line{Account: pl.Account, Side: side, Amount: pl.Amount}
	}
	if len([]rune(req.Memo)) > MaxMemoRunes {
		return nil, ErrMemoTooLong
	}
	// A replay of this reversal returns the first result; any other entry that
	// already reversed the original makes this one a duplicate.
	if e, err := replay(ctx, tx, r.Serial, req.fingerprint(orig.Serial)); e != nil || err != nil {
		return e, err
	}
	var by string
	err = tx.GetContext(ctx, &by, `SELECT serial FROM journal_entry WHERE reverses_id = ?`, orig.ID)
	if err == nil {
		return nil, ErrAlreadyReversed.With("serial", r.Original).With("reversed_by", by)
	}
	if !db.NoRows(err) {
		return nil, fmt.Errorf("check reversal of %s: %w", r.Original, err)
	}
	return l.post(ctx, tx, req, orig)
}

// StatementQuery selects statement lines: postings with a business date in
// [From, To] (zero bounds are open), account_seq below BeforeSeq (0 = from the
// newest), at most Limit (1..1000, default 100), newest first.
type StatementQuery struct {
	From, To  date.Date
	BeforeSeq int64
	Limit     int
}

// Statement returns an account's postings selected by q, newest first.
func (l *Ledger) Statement(ctx context.Context, code string, q StatementQuery) ([]StatementLine, error) {
	a, err := accountByCode(ctx, l.db, code)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	if q.BeforeSeq <= 0 {
		q.BeforeSeq = a.PostingCount + 1
	}
	where := `p.account_id = ? AND p.account_seq < ?`
	args := []any{a.ID, q.BeforeSeq}
	if !q.From.IsZero() {
		where += ` AND p.biz_date >= ?`
		args = append(args, q.From)
	}
	if !q.To.IsZero() {
		where += ` AND p.biz_date <= ?`
		args = append(args, q.To)
	}
	var out []StatementLine
	err = l.db.SelectContext(ctx, &out, `SELECT p.account_seq, e.serial, e.biz_type, p.biz_date, e.memo, p.side, p.amount_fen, p.balance_after_fen,
		CASE WHEN e.reverses_id IS NULL THEN '01' ELSE '02' END AS czbz
		FROM posting p JOIN journal_entry e ON e.id = p.entry_id
		WHERE `+where+` ORDER BY p.account_seq DESC LIMIT `+strconv.Itoa(q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("statement of %s: %w", code, err)
	}
	return out, nil
}

// StatementLine is one line of an account statement (明细账).
type StatementLine struct {
	Seq          int64     `db:"account_seq" json:"seq"`
	Serial       string    `db:"serial" json:"serial"`
	BizType      string    `db:"biz_type" json:"biz_type"`
	BizDate      date.Date `db:"biz_date" json:"biz_date"`
	Memo         string    `db:"memo" json:"memo"`
	Side         Side      `db:"side" json:"side"`
	Amount       money.Fen `db:"amount_fen" json:"amount_fen"`
	BalanceAfter money.Fen `db:"balance_after_fen" json:"balance_after_fen"`
	Reversal     string    `db:"czbz" json:"czbz"` // CZBZ: 01 非冲账, 02 冲账
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
