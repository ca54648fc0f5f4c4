package ledger

import (
	"context"
	"fmt"

	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
)

// Report is the result of Verify.
type Report struct {
	Entries      int64     `json:"entries"`
	Accounts     int64     `json:"accounts"`
	Postings     int64     `json:"postings"`
	TotalDebits  money.Fen `json:"total_debits_fen"`
	TotalCredits money.Fen `json:"total_credits_fen"`
	Problems     []Problem `json:"problems"`
}

// Problem is one broken invariant, naming the entry or account at fault.
type Problem struct {
	Kind   string `json:"kind"` // unbalanced_entry, too_few_lines, balance_mismatch, running_balance, sequence_gap, overdrawn, reversal_mismatch, trial_balance
	Ref    string `json:"ref"`  // entry serial or account code
	Detail string `json:"detail"`
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// maxProblems bounds the report; verification goes on counting past it.
const maxProblems = 1000

func (r *Report) add(kind, ref, format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, Problem{Kind: kind, Ref: ref, Detail: fmt.Sprintf(format, args...)})
	}
}

// Verify checks the whole ledger: every entry has a debit and a credit and
// balances; every account's stored balance and posting count equal what its
// postings add up to; running balances chain without gaps; no non-overdraft
// account is below zero at any posting; every reversal mirrors its original;
// total debits equal total credits. It reads; it changes nothing. Run it on a
// quiet store (or accept that postings made during the run may be reported).
func Verify(ctx context.Context, q db.Querier) (*Report, error) {
	r := &Report{}
	if err := q.GetContext(ctx, &r.Entries, `SELECT COUNT(*) FROM journal_entry`); err != nil {
		return nil, err
	}
	if err := q.GetContext(ctx, &r.Accounts, `SELECT COUNT(*) FROM ledger_account`); err != nil {
		return nil, err
	}

	// Entries: balanced, at least one debit and one credit.
	rows, err := q.QueryxContext(ctx, `SELECT e.serial,
			COALESCE(SUM(CASE WHEN p.side = 'D' THEN p.amount_fen ELSE 0 END), 0) AS dr,
			COALESCE(SUM(CASE WHEN p.side = 'C' THEN p.amount_fen ELSE 0 END), 0) AS cr,
			COUNT(p.id) AS n,
			COALESCE(SUM(CASE WHEN p.side = 'D' THEN 1 ELSE 0 END), 0) AS nd
		FROM journal_entry e LEFT JOIN posting p ON p.entry_id = e.id
		GROUP BY e.id, e.serial
		HAVING SUM(CASE WHEN p.side = 'D' THEN p.amount_fen ELSE 0 END) <> SUM(CASE WHEN p.side = 'C' THEN p.amount_fen ELSE 0 END)
			OR COUNT(p.id) < 2 OR SUM(CASE WHEN p.side = 'D' THEN 1 ELSE 0 END) = 0 OR SUM(CASE WHEN p.side = 'C' THEN 1 ELSE 0 END) = 0
			OR SUM(p.amount_fen) IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("verify entries: %w", err)
	}
	for rows.Next() {
		var serial string
		var dr, cr, n, nd int64
		if err := rows.Scan(&serial, &dr, &cr, &n, &nd); err != nil {
			rows.Close()
			return nil, err
		}
		if dr != cr {
			r.add("unbalanced_entry", serial, "借方 %s ≠ 贷方 %s", money.Fen(dr), money.Fen(cr))
		} else {
			r.add("too_few_lines", serial, "分录只有 %d 行（借方 %d 行），至少需要一借一贷", n, nd)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Accounts: running balances, sequence, stored balance and count.
	type acct struct {
		ID             int64       `db:"id"`
		Code           string      `db:"code"`
		Type           AccountType `db:"type"`
		AllowOverdraft bool        `db:"allow_overdraft"`
		Balance        money.Fen   `db:"balance_fen"`
		PostingCount   int64       `db:"posting_count"`
	}
	var accts []acct
	if err := q.SelectContext(ctx, &accts, `SELECT id, code, type, allow_overdraft, balance_fen, posting_count FROM ledger_account ORDER BY id`); err != nil {
		return nil, fmt.Errorf("verify accounts: %w", err)
	}
	byID := make(map[int64]*acct, len(accts))
	for i := range accts {
		byID[accts[i].ID] = &accts[i]
	}
	type state struct {
		seq     int64
		balance money.Fen
	}
	st := make(map[int64]*state, len(accts))
	prows, err := q.QueryxContext(ctx, `SELECT account_id, account_seq, side, amount_fen, balance_after_fen FROM posting ORDER BY account_id, account_seq`)
	if err != nil {
		return nil, fmt.Errorf("verify postings: %w", err)
	}
	for prows.Next() {
		var accountID, seq int64
		var side string
		var amount, after money.Fen
		if err := prows.Scan(&accountID, &seq, &side, &amount, &after); err != nil {
			prows.Close()
			return nil, err
		}
		r.Postings++
		if side == string(Debit) {
			r.TotalDebits += amount
		} else {
			r.TotalCredits += amount
		}
		a := byID[accountID]
		if a == nil {
			r.add("orphan_posting", fmt.Sprint(accountID), "记账行引用了不存在的账户")
			continue
		}
		s := st[accountID]
		if s == nil {
			s = &state{}
			st[accountID] = s
		}
		if seq != s.seq+1 {
			r.add("sequence_gap", a.Code, "账户记账序号从 %d 跳到 %d（缺少或多出记账行）", s.seq, seq)
		}
		delta := amount
		if (side == string(Debit)) != a.Type.DebitNormal() {
			delta = -delta
		}
		s.balance += delta
		s.seq = seq
		if after != s.balance {
			r.add("running_balance", a.Code, "第 %d 笔记账后余额记为 %s，按发生额累计应为 %s", seq, after, s.balance)
			s.balance = after // report each break once, not every later line
		}
		if s.balance < 0 && !a.AllowOverdraft {
			r.add("overdrawn", a.Code, "第 %d 笔记账后余额 %s 小于零", seq, s.balance)
		}
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return nil, err
	}
	// Stored balances against the sum of postings, computed independently of
	// the running balances above.
	var sums []struct {
		AccountID int64 `db:"account_id"`
		DrMinusCr int64 `db:"net"`
		N         int64 `db:"n"`
	}
	if err := q.SelectContext(ctx, &sums, `SELECT account_id, SUM(CASE WHEN side = 'D' THEN amount_fen ELSE -amount_fen END) AS net, COUNT(*) AS n
		FROM posting GROUP BY account_id`); err != nil {
		return nil, fmt.Errorf("verify balances: %w", err)
	}
	net := make(map[int64][2]int64, len(sums))
	for _, s := range sums {
		net[s.AccountID] = [2]int64{s.DrMinusCr, s.N}
	}
	for _, a := range accts {
		v := net[a.ID]
		want := money.Fen(v[0])
		if !a.Type.DebitNormal() {
			want = -want
		}
		if a.Balance != want {
			r.add("balance_mismatch", a.Code, "账户余额为 %s，记账行合计为 %s", a.Balance, want)
		}
		if a.PostingCount != v[1] {
			r.add("balance_mismatch", a.Code, "账户记账笔数为 %d，实际记账行 %d 行", a.PostingCount, v[1])
		}
	}
	if r.TotalDebits != r.TotalCredits {
		r.add("trial_balance", "*", "全部借方合计 %s ≠ 全部贷方合计 %s", r.TotalDebits, r.TotalCredits)
	}

	// Reversals mirror their originals line by line.
	var mism []struct {
		Serial string `db:"serial"`
	}
	if err := q.SelectContext(ctx, &mism, `SELECT r.serial FROM journal_entry r
		JOIN journal_entry o ON o.id = r.reverses_id
		WHERE EXISTS (
			SELECT 1 FROM posting rp LEFT JOIN posting op ON op.entry_id = o.id AND op.line_no = rp.line_no
			WHERE rp.entry_id = r.id AND (op.id IS NULL OR op.account_id <> rp.account_id OR op.amount_fen <> rp.amount_fen OR op.side = rp.side))
		OR (SELECT COUNT(*) FROM posting WHERE entry_id = r.id) <> (SELECT COUNT(*) FROM posting WHERE entry_id = o.id)`); err != nil {
		return nil, fmt.Errorf("verify reversals: %w", err)
	}
	for _, m := range mism {
		r.add("reversal_mismatch", m.Serial, "冲账分录与原分录不对应")
	}
	return r, nil
}
