package loan

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/core/loan/schedule"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
)

// Loan account statuses (domain.md §3.13).
const (
	LoanNormal  = "normal"  // 正常
	LoanOverdue = "overdue" // 逾期
	LoanSettled = "settled" // 已结清
)

// Instalment statuses.
const (
	InstScheduled = "scheduled" // 未到期 (or due today, not yet collected)
	InstOverdue   = "overdue"   // 逾期
	InstPaid      = "paid"      // 已还
)

// Sources of a loan transaction.
const (
	SourceSeller = "seller" // disbursement to the seller
	SourceBank   = "bank"   // bank debit of the repayment account
	SourceFund   = "fund"   // the fund account (冲还贷 / 提取还贷)
)

// Loan is a disbursed loan (贷款账户).
type Loan struct {
	ID            int64      `db:"id"`
	LoanNo        string     `db:"loan_no"`
	ApplicationID int64      `db:"application_id"`
	PersonID      int64      `db:"person_id"`
	AccountNo     string     `db:"account_no"`
	CoPersonID    *int64     `db:"co_person_id"`
	CoAccountNo   string     `db:"co_account_no"`
	ContractNo    string     `db:"contract_no"`
	LedgerCode    string     `db:"ledger_code"`
	Home          Home       `db:"home"`
	Method        string     `db:"method"`
	Principal     money.Fen  `db:"principal_fen"` // 发放额
	Balance       money.Fen  `db:"balance_fen"`   // 贷款余额 (principal outstanding)
	ContractRate  int64      `db:"contract_rate_ppm"`
	Rate          int64      `db:"rate_ppm"` // in force now
	TermMonths    int        `db:"term_months"`
	Fixed         money.Fen  `db:"fixed_fen"` // monthly instalment (等额本息) or principal share (等额本金)
	DueDay        int        `db:"due_day"`
	DisbursedOn   date.Date  `db:"disbursed_on"`
	MaturityOn    date.Date  `db:"maturity_on"`
	Status        string     `db:"status"`
	RepayCard     string     `db:"repay_card"`
	RepricedYear  int        `db:"repriced_year"`
	OverdueCount  int        `db:"overdue_count"` // 累计逾期期数
	SettledOn     *date.Date `db:"settled_on"`
	CreatedAt     time.Time  `db:"created_at"`
	// InterestBasis is the plan's interest basis (schedule.Basis: monthly,
	// actual_360), the policy value in force on the contract date.
	InterestBasis string `db:"interest_basis"`
}

// StatusName is the Chinese name of the loan's status.
func (l *Loan) StatusName() string {
	switch l.Status {
	case LoanNormal:
		return "正常"
	case LoanOverdue:
		return "逾期"
	case LoanSettled:
		return "已结清"
	}
	return l.Status
}

// Instalment is one period of a loan's plan with what was paid.
type Instalment struct {
	Period        int        `db:"period"`
	DueOn         date.Date  `db:"due_on"`
	Principal     money.Fen  `db:"principal_fen"`
	Interest      money.Fen  `db:"interest_fen"`
	PaidPrincipal money.Fen  `db:"paid_principal_fen"`
	PaidInterest  money.Fen  `db:"paid_interest_fen"`
	Penalty       money.Fen  `db:"penalty_fen"` // accrued up to PenaltyFrom
	PaidPenalty   money.Fen  `db:"paid_penalty_fen"`
	PenaltyFrom   *date.Date `db:"penalty_from"`
	Status        string     `db:"status"`
	PaidOn        *date.Date `db:"paid_on"`
}

// Payment is the instalment's planned payment (principal + interest).
func (i *Instalment) Payment() money.Fen { return i.Principal + i.Interest }

// Txn is a loan business detail line (贷款业务明细).
type Txn struct {
	Serial       string    `db:"serial"`
	Kind         string    `db:"kind"` // DKYWMXLX
	Period       int       `db:"period"`
	BizDate      date.Date `db:"biz_date"`
	Amount       money.Fen `db:"amount_fen"`
	Principal    money.Fen `db:"principal_fen"`
	Interest     money.Fen `db:"interest_fen"`
	Penalty      money.Fen `db:"penalty_fen"`
	BalanceAfter money.Fen `db:"balance_after_fen"`
	Source       string    `db:"source"`
	Memo         string    `db:"memo"`
}

// KindName is the Chinese name of the transaction kind (A.15).
func (t *Txn) KindName() string {
	return map[string]string{"01": "发放", "02": "正常还款", "03": "提前还款", "04": "逾期还款", "05": "公积金提取还款",
		"06": "结清"}[t.Kind]
}

const loanCols = `id, loan_no, application_id, person_id, account_no, co_person_id, co_account_no, contract_no, ledger_code,
	home, method, principal_fen, balance_fen, contract_rate_ppm, rate_ppm, term_months, fixed_fen, due_day, disbursed_on,
	maturity_on, status, repay_card, repriced_year, overdue_count, settled_on, created_at, interest_basis`

func (s *Service) loanByNo(ctx context.Context, q db.Querier, no, lock string) (*Loan, error) {
	var l Loan
	err := q.GetContext(ctx, &l, `SELECT `+loanCols+` FROM loan WHERE loan_no = ?`+lock, no)
	if db.NoRows(err) {
		return nil, ErrLoanNotFound.With("loan_no", no)
	}
	if err != nil {
		return nil, fmt.Errorf("loan: read %s: %w", no, err)
	}
	l.CreatedAt = l.CreatedAt.UTC()
	return &l, nil
}

// Loan returns a loan by its number. personID > 0 limits it to loans where
// the person is borrower or co-borrower (personal channels); staff pass 0.
// Errors: ErrLoanNotFound (also for someone else's loan).
func (s *Service) Loan(ctx context.Context, personID int64, no string) (*Loan, error) {
	l, err := s.loanByNo(ctx, s.db, no, "")
	if err != nil {
		return nil, err
	}
	if personID > 0 && l.PersonID != personID && (l.CoPersonID == nil || *l.CoPersonID != personID) {
		return nil, ErrLoanNotFound.With("loan_no", no)
	}
	return l, nil
}

// Loans lists the person's loans (borrower or co-borrower), newest first.
func (s *Service) Loans(ctx context.Context, personID int64) ([]Loan, error) {
	out := []Loan{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+loanCols+` FROM loan WHERE person_id = ? OR co_person_id = ? ORDER BY id DESC`,
		personID, personID); err != nil {
		return nil, fmt.Errorf("loan: loans of person %d: %w", personID, err)
	}
	return out, nil
}

// Plan returns the loan's instalments in period order (paid, overdue and
// scheduled).
func (s *Service) Plan(ctx context.Context, l *Loan) ([]Instalment, error) {
	return instalments(ctx, s.db, l.ID, "")
}

func instalments(ctx context.Context, q db.Querier, loanID int64, where string, args ...any) ([]Instalment, error) {
	out := []Instalment{}
	if where != "" {
		where = " AND " + where
	}
	if err := q.SelectContext(ctx, &out, `SELECT period, due_on, principal_fen, interest_fen, paid_principal_fen, paid_interest_fen,
		penalty_fen, paid_penalty_fen, penalty_from, status, paid_on FROM loan_instalment WHERE loan_id = ?`+where+` ORDER BY period`,
		append([]any{loanID}, args...)...); err != nil {
		return nil, fmt.Errorf("loan: instalments of %d: %w", loanID, err)
	}
	return out, nil
}

// Txns returns the loan's business detail (贷款业务明细), oldest first.
func (s *Service) Txns(ctx context.Context, l *Loan) ([]Txn, error) {
	out := []Txn{}
	if err := s.db.SelectContext(ctx, &out, `SELECT serial, kind, period, biz_date, amount_fen, principal_fen, interest_fen, penalty_fen,
		balance_after_fen, source, memo FROM loan_txn WHERE loan_id = ? ORDER BY id`, l.ID); err != nil {
		return nil, fmt.Errorf("loan: detail of %s: %w", l.LoanNo, err)
	}
	return out, nil
}

type txnRow struct {
	LoanID                                             int64
	Serial, Kind, Source, Memo                         string
	Period                                             int
	BizDate                                            date.Date
	Amount, Principal, Interest, Penalty, BalanceAfter money.Fen
}

func insertTxn(ctx context.Context, tx *db.Tx, t txnRow) error {
	memo := []rune(t.Memo)
	if len(memo) > 200 {
		memo = memo[:200]
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO loan_txn (loan_id, serial, kind, period, biz_date, amount_fen, principal_fen, interest_fen,
		penalty_fen, balance_after_fen, source, memo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.LoanID, t.Serial, t.Kind, t.Period, t.BizDate, t.Amount, t.Principal, t.Interest, t.Penalty, t.BalanceAfter, t.Source,
		string(memo), db.Now())
	if err != nil {
		return fmt.Errorf("loan: insert detail %s: %w", t.Serial, err)
	}
	return nil
}

// serialDone reports whether a loan transaction with the serial exists.
func serialDone(ctx context.Context, q db.Querier, serial string) (bool, error) {
	var n int
	if err := q.GetContext(ctx, &n, `SELECT COUNT(*) FROM loan_txn WHERE serial = ?`, serial); err != nil {
		return false, fmt.Errorf("loan: look up %s: %w", serial, err)
	}
	return n > 0, nil
}

func loanObject(no string) string { return "loan:" + no }

// OpenLoan returns the open (not settled) loan in which the holder of the
// fund account is borrower or co-borrower, nil when none. For the channels
// and the counter.
func (s *Service) OpenLoan(ctx context.Context, accountNo string) (*Loan, error) {
	var nos []string
	if err := s.db.SelectContext(ctx, &nos, `SELECT loan_no FROM loan WHERE status <> ? AND (account_no = ? OR co_account_no = ?)
		ORDER BY id DESC LIMIT 1`, LoanSettled, accountNo, accountNo); err != nil {
		return nil, fmt.Errorf("loan: open loan of %s: %w", accountNo, err)
	}
	if len(nos) == 0 {
		return nil, nil
	}
	return s.loanByNo(ctx, s.db, nos[0], "")
}

// OutstandingLoan reports whether the person is borrower or co-borrower of a
// loan that is not settled. It implements withdrawal.LoanFacts (only
// repayment withdrawals while a loan is outstanding).
func (s *Service) OutstandingLoan(ctx context.Context, personID int64) (bool, error) {
	no, err := openLoanOf(ctx, s.db, personID)
	return no != "", err
}

// Repayable is the most a repayment withdrawal (偿还本中心贷款提取) may pay
// towards the person's open loan on the date: the principal outstanding, the
// unpaid interest and penalty of instalments due by then (penalty accrued to
// the date) and the interest accrued since the last due date on the
// principal not yet due (domain.md §3.8). Zero when the person has no open
// loan. It implements withdrawal.LoanFacts.
func (s *Service) Repayable(ctx context.Context, personID int64, on date.Date) (money.Fen, error) {
	no, err := openLoanOf(ctx, s.db, personID)
	if err != nil || no == "" {
		return 0, err
	}
	l, err := s.loanByNo(ctx, s.db, no, "")
	if err != nil {
		return 0, err
	}
	rule, err := s.penaltyRule(ctx, s.db, on)
	if err != nil {
		return 0, err
	}
	due, err := instalments(ctx, s.db, l.ID, "status IN (?, ?) AND due_on <= ?", InstScheduled, InstOverdue, on)
	if err != nil {
		return 0, err
	}
	total, future := l.Balance, l.Balance
	last := l.DisbursedOn
	for i := range due {
		in := &due[i]
		if err := rule.accrue(in, l.Rate, on); err != nil {
			return 0, err
		}
		total += in.Interest - in.PaidInterest + in.Penalty - in.PaidPenalty
		future -= in.Principal - in.PaidPrincipal
	}
	var lastDue []date.Date
	if err := s.db.SelectContext(ctx, &lastDue, `SELECT due_on FROM loan_instalment WHERE loan_id = ? AND due_on <= ? ORDER BY due_on DESC LIMIT 1`,
		l.ID, on); err != nil {
		return 0, fmt.Errorf("loan: last due date of %s: %w", no, err)
	}
	if len(lastDue) > 0 {
		last = lastDue[0]
	}
	acc, err := schedule.AccruedInterest(max(future, 0), l.Rate, max(last.DaysUntil(on), 0))
	if err != nil {
		return 0, err
	}
	return total + acc, nil
}
