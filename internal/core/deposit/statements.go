package deposit

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Statement is a personal statement (明细账, JGJ/T 320 表5.0.5): a header with
// the account's current state and its postings, newest first.
type Statement struct {
	AccountNo   string          `json:"account_no"`
	Name        string          `json:"name"`
	UnitName    string          `json:"unit_name"`
	Status      string          `json:"status"`
	StatusName  string          `json:"status_name"`
	Balance     money.Fen       `json:"balance_fen"`
	Carry       money.Fen       `json:"carry_fen"`   // 上年结转余额
	Current     money.Fen       `json:"current_fen"` // 当年归集余额
	Base        money.Fen       `json:"base_fen"`
	UnitRatio   string          `json:"unit_ratio"`
	PersonRatio string          `json:"personal_ratio"`
	PaidThrough date.Month      `json:"paid_through"`
	Lines       []StatementLine `json:"lines"`
}

// StatementLine is one posting of a personal statement.
type StatementLine struct {
	Seq          int64      `json:"seq"`
	Date         date.Date  `json:"date"`     // 记账日期
	BizType      string     `json:"biz_type"` // GJHTQYWLX code
	BizTypeName  string     `json:"biz_type_name"`
	Month        date.Month `json:"month,omitzero"` // 汇补缴年月 for 汇缴/补缴 rows
	Income       money.Fen  `json:"income_fen"`     // 收入 (credit to the account)
	Expense      money.Fen  `json:"expense_fen"`    // 支出 (debit)
	BalanceAfter money.Fen  `json:"balance_fen"`
	Memo         string     `json:"memo"`
	Reversal     string     `json:"czbz"` // 01 非冲账, 02 冲账
	Serial       string     `json:"serial"`
}

// StatementQuery selects statement lines: business dates in [From, To] (zero
// = open), lines older than BeforeSeq (0 = newest) and at most Limit (1..1000).
type StatementQuery = ledger.StatementQuery

// Statement returns the personal statement of an account. A unit agent may
// only read its own employees (unitNo non-empty → ErrNotYourEmployee for
// others); staff and the account holder pass unitNo "".
func (s *Service) Statement(ctx context.Context, unitNo, accountNo string, q StatementQuery) (*Statement, error) {
	e, err := employeeByNo(ctx, s.db, accountNo)
	if err != nil {
		return nil, err
	}
	var u Unit
	if err := s.db.GetContext(ctx, &u, `SELECT `+unitCols+` FROM unit WHERE id = ?`, e.UnitID); err != nil {
		return nil, fmt.Errorf("read unit of %s: %w", accountNo, err)
	}
	if unitNo != "" && u.UnitNo != unitNo {
		return nil, ErrNotYourEmployee.With("account_no", accountNo)
	}
	lines, err := s.ledger.Statement(ctx, ledger.PersonalCode(accountNo), q)
	if err != nil {
		return nil, err
	}
	names, err := s.codeNames(ctx, policy.TableGJHTQYWLX)
	if err != nil {
		return nil, err
	}
	statusNames, err := s.codeNames(ctx, policy.TableGRZHZT)
	if err != nil {
		return nil, err
	}
	months, err := s.remittanceMonths(ctx, lines)
	if err != nil {
		return nil, err
	}
	st := &Statement{AccountNo: e.AccountNo, Name: e.Name, UnitName: u.Name, Status: e.Status, StatusName: statusNames[e.Status],
		Balance: e.Balance, Base: e.Base, UnitRatio: policy.FormatBps(u.UnitBps), PersonRatio: policy.FormatBps(u.PersonBps),
		PaidThrough: e.PaidThrough, Lines: make([]StatementLine, 0, len(lines))}
	st.Carry = min(e.Carry, e.Balance)
	st.Current = e.Balance - st.Carry
	for _, l := range lines {
		sl := StatementLine{Seq: l.Seq, Date: l.BizDate, BizType: l.BizType, BizTypeName: names[l.BizType], Month: months[l.Serial],
			BalanceAfter: l.BalanceAfter, Memo: l.Memo, Reversal: l.Reversal, Serial: l.Serial}
		if l.Side == ledger.Credit {
			sl.Income = l.Amount
		} else {
			sl.Expense = l.Amount
		}
		st.Lines = append(st.Lines, sl)
	}
	return st, nil
}

// codeNames maps the codes of a code table to their names on the business date.
func (s *Service) codeNames(ctx context.Context, table string) (map[string]string, error) {
	today, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	items, err := s.policy.CodeTable(ctx, table, today)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(items))
	for _, it := range items {
		m[it.Code] = it.Name
	}
	return m, nil
}

// remittanceMonths maps the entry serials of remittance postings on the page
// to the month they paid (汇补缴年月).
func (s *Service) remittanceMonths(ctx context.Context, lines []ledger.StatementLine) (map[string]date.Month, error) {
	serials := make([]any, 0, len(lines))
	for _, l := range lines {
		if l.BizType == policy.BizRemit || l.BizType == policy.BizSupplement {
			serials = append(serials, l.Serial)
		}
	}
	out := map[string]date.Month{}
	if len(serials) == 0 {
		return out, nil
	}
	var rows []struct {
		Serial string     `db:"entry_serial"`
		Month  date.Month `db:"month"`
	}
	q := `SELECT entry_serial, month FROM remittance WHERE entry_serial IN (?` + strings.Repeat(", ?", len(serials)-1) + `)`
	if err := s.db.SelectContext(ctx, &rows, q, serials...); err != nil {
		return nil, fmt.Errorf("remittance months: %w", err)
	}
	for _, r := range rows {
		out[r.Serial] = r.Month
	}
	return out, nil
}

// UnitStatementLine is one line of a unit statement (单位业务明细, 表5.0.3):
// a posted remittance or supplement, or a receipt booked to suspense.
type UnitStatementLine struct {
	Date        date.Date  `db:"posted_on" json:"date"`
	BizType     string     `db:"kind" json:"biz_type"` // 01 汇缴, 02 补缴, 99 暂收
	BizTypeName string     `db:"-" json:"biz_type_name"`
	Month       date.Month `db:"month" json:"month,omitzero"`
	Amount      money.Fen  `db:"amount_fen" json:"amount_fen"`
	Headcount   int        `db:"headcount" json:"headcount"`
	Serial      string     `db:"serial" json:"serial"`
}

// UnitStatement lists a unit's posted remittances, supplements and suspense
// receipts with a date in [from, to] (zero = open), newest first, at most 500.
func (s *Service) UnitStatement(ctx context.Context, unitNo string, from, to date.Date) ([]UnitStatementLine, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, err
	}
	if from.IsZero() {
		from = date.MustParse("1900-01-01")
	}
	if to.IsZero() {
		to = date.MustParse("9999-12-31")
	}
	var out []UnitStatementLine
	err = s.db.SelectContext(ctx, &out, `SELECT je.biz_date AS posted_on, r.kind, r.month, r.total_fen AS amount_fen, r.headcount, r.entry_serial AS serial
		FROM remittance r JOIN journal_entry je ON je.serial = r.entry_serial
		WHERE r.unit_id = ? AND r.status = 'posted' AND je.biz_date >= ? AND je.biz_date <= ?
		UNION ALL
		SELECT b.received_on AS posted_on, '99' AS kind, '' AS month, b.amount_fen, 0 AS headcount, b.entry_serial AS serial
		FROM bank_receipt b WHERE b.unit_id = ? AND b.status = 'suspense' AND b.received_on >= ? AND b.received_on <= ?
		ORDER BY posted_on DESC, serial DESC LIMIT 500`, u.ID, from, to, u.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("unit statement of %s: %w", unitNo, err)
	}
	names, err := s.codeNames(ctx, policy.TableGJHTQYWLX)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].BizType == policy.BizOther {
			out[i].BizTypeName = "暂收未分摊"
		} else {
			out[i].BizTypeName = names[out[i].BizType]
		}
	}
	return out, nil
}
