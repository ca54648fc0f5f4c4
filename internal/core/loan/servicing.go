package loan

import (
	"context"
	"errors"
	"fmt"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// DayReport says what servicing did on one business date.
type DayReport struct {
	Date      date.Date `json:"date"`
	Repriced  int       `json:"repriced"`  // loans whose rate changed
	Due       int       `json:"due"`       // loans with something due
	Collected int       `json:"collected"` // of those, fully collected
	Overdue   int       `json:"overdue"`   // of those, left overdue
	Settled   int       `json:"settled"`   // loans repaid in full
	FromFund  money.Fen `json:"from_fund_fen"`
	FromBank  money.Fen `json:"from_bank_fen"`
	// Failed lists loans whose servicing failed ("loan_no: reason"); they
	// are retried by the next run.
	Failed []string `json:"failed,omitempty"`
}

// ServiceDay services every open loan for the business date day (the
// day-end job calls it before advancing the date): first repricing on the
// policy's reprice day (loan.reprice_existing_on, 1 January), then for each
// loan with instalments due on or before day: collection from the fund
// account(s) under an offset agreement, then a bank debit of the rest, then
// whatever is still unpaid becomes overdue with penalty interest accruing
// from its due date. Each loan is serviced in its own transactions with
// serials per loan and date, so running it again for the same day (after a
// crash) collects nothing twice. beat, if not nil, is called after each loan
// (the day-end job's heartbeat).
func (s *Service) ServiceDay(ctx context.Context, day date.Date, beat func()) (*DayReport, error) {
	rep := &DayReport{Date: day}
	repriced, err := s.repriceDue(ctx, day, beat)
	if err != nil {
		return rep, err
	}
	rep.Repriced = repriced
	var nos []string
	if err := s.db.SelectContext(ctx, &nos, `SELECT l.loan_no FROM loan l WHERE l.status <> ? AND EXISTS (SELECT 1 FROM loan_instalment i
		WHERE i.loan_id = l.id AND i.status IN (?, ?) AND i.due_on <= ?) ORDER BY l.id`, LoanSettled, InstScheduled, InstOverdue, day); err != nil {
		return rep, fmt.Errorf("loan: loans due on %s: %w", day, err)
	}
	for _, no := range nos {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		r, err := s.collect(ctx, no, day)
		if err != nil {
			rep.Failed = append(rep.Failed, no+": "+err.Error())
			continue
		}
		rep.Due++
		rep.FromFund += r.fund
		rep.FromBank += r.bank
		switch {
		case r.settled:
			rep.Settled++
			rep.Collected++
		case r.overdue:
			rep.Overdue++
		default:
			rep.Collected++
		}
		if beat != nil {
			beat()
		}
	}
	return rep, nil
}

type collection struct {
	fund, bank       money.Fen
	overdue, settled bool
	newlyOverdue     int
	overdueAmount    money.Fen
	overduePeriods   int
}

// penaltyRule is how penalty interest is computed on a date.
type penaltyRule struct {
	multiplier int64 // bps of the rate
	compound   bool  // also on overdue interest
}

func (s *Service) penaltyRule(ctx context.Context, q db.Querier, on date.Date) (penaltyRule, error) {
	mult, err := s.policy.Bps(ctx, policy.LoanPenaltyMultiplier, on)
	if err != nil {
		return penaltyRule{}, err
	}
	comp, err := s.policy.Bool(ctx, policy.LoanPenaltyCompound, on)
	if err != nil {
		return penaltyRule{}, err
	}
	return penaltyRule{multiplier: mult, compound: comp}, nil
}

// penaltyBase is what penalty interest accrues on for an instalment:
// the unpaid principal (and with compounding the unpaid interest).
func (r penaltyRule) base(in *Instalment) money.Fen {
	b := in.Principal - in.PaidPrincipal
	if r.compound {
		b += in.Interest - in.PaidInterest
	}
	return b
}

// accrue brings the instalment's penalty up to day (not persisted).
func (r penaltyRule) accrue(in *Instalment, rate int64, day date.Date) error {
	from := in.DueOn
	if in.PenaltyFrom != nil {
		from = *in.PenaltyFrom
	}
	if days := from.DaysUntil(day); days > 0 {
		p, err := schedule.Penalty(r.base(in), rate, r.multiplier, days)
		if err != nil {
			return err
		}
		in.Penalty += p
	}
	if from.Before(day) {
		d := day
		in.PenaltyFrom = &d
	}
	return nil
}

// owed is what remains unpaid of the instalments (penalty accrued to day).
func owed(ins []Instalment) money.Fen {
	var t money.Fen
	for _, in := range ins {
		t += in.Principal - in.PaidPrincipal + in.Interest - in.PaidInterest + in.Penalty - in.PaidPenalty
	}
	return t
}

// allocation is what one repayment paid of one instalment.
type allocation struct {
	principal, interest, penalty money.Fen
}

// allocate spends amount on the instalments (all due on or before day, in
// period order, penalty already accrued to day) in the order 罚息 → 逾期利息
// → 逾期本金 → 当期利息 → 当期本金 (domain.md §3.9) and returns what each got
// and what was left.
func allocate(ins []Instalment, amount money.Fen, day date.Date) ([]allocation, money.Fen) {
	out := make([]allocation, len(ins))
	take := func(want money.Fen) money.Fen {
		t := min(want, amount)
		amount -= t
		return t
	}
	for i := range ins {
		out[i].penalty = take(ins[i].Penalty - ins[i].PaidPenalty)
	}
	for _, current := range []bool{false, true} {
		for i := range ins {
			if ins[i].DueOn.Before(day) == !current {
				out[i].interest += take(ins[i].Interest - ins[i].PaidInterest - out[i].interest)
			}
		}
		for i := range ins {
			if ins[i].DueOn.Before(day) == !current {
				out[i].principal += take(ins[i].Principal - ins[i].PaidPrincipal - out[i].principal)
			}
		}
	}
	return out, amount
}

// dueRows locks the loan and reads its unpaid instalments due on or before
// day with penalty accrued to day.
func (s *Service) dueRows(ctx context.Context, tx *db.Tx, no string, day date.Date) (*Loan, []Instalment, penaltyRule, error) {
	l, err := s.loanByNo(ctx, tx, no, tx.Dialect.ForUpdate())
	if err != nil {
		return nil, nil, penaltyRule{}, err
	}
	ins, err := instalments(ctx, tx, l.ID, "status IN (?, ?) AND due_on <= ?", InstScheduled, InstOverdue, day)
	if err != nil {
		return nil, nil, penaltyRule{}, err
	}
	rule, err := s.penaltyRule(ctx, tx, day)
	if err != nil {
		return nil, nil, penaltyRule{}, err
	}
	for i := range ins {
		if err := rule.accrue(&ins[i], l.Rate, day); err != nil {
			return nil, nil, penaltyRule{}, err
		}
	}
	return l, ins, rule, nil
}

// payDue spends amount on the due instalments inside tx: it stores the
// instalments (penalty accrued to day, what was paid), posts one ledger entry
// debiting the sources and crediting the receivable, interest income and
// penalty income, writes a detail line per instalment and updates the loan.
// It returns the principal repaid.
func (s *Service) payDue(ctx context.Context, tx *db.Tx, l *Loan, ins []Instalment, day date.Date, amount money.Fen,
	serial, source string, debits []ledger.Line, memo string) (money.Fen, error) {
	alloc, left := allocate(ins, amount, day)
	if left != 0 {
		return 0, fmt.Errorf("loan: %s: %s left over after allocation", serial, left)
	}
	var p, i, f money.Fen
	for k := range alloc {
		p += alloc[k].principal
		i += alloc[k].interest
		f += alloc[k].penalty
	}
	lines := append([]ledger.Line(nil), debits...)
	lines = appendCredit(lines, l.LedgerCode, p)
	lines = appendCredit(lines, ledger.CodeLoanInterestIncome, i)
	lines = appendCredit(lines, ledger.CodePenaltyIncome, f)
	biz := policy.BizOther
	if source == SourceFund {
		biz = policy.BizPartialWithdrawal // 偿还购房贷款本息 withdrawal row (§3.11)
	}
	if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: biz, BizDate: day, Memo: memo, Lines: lines}); err != nil {
		return 0, err
	}
	balance := l.Balance - p
	for k := range ins {
		in := &ins[k]
		a := alloc[k]
		in.PaidPrincipal += a.principal
		in.PaidInterest += a.interest
		in.PaidPenalty += a.penalty
		status, paidOn := in.Status, in.PaidOn
		if in.PaidPrincipal == in.Principal && in.PaidInterest == in.Interest && in.PaidPenalty == in.Penalty {
			status, paidOn = InstPaid, &day
		}
		if _, err := tx.ExecContext(ctx, `UPDATE loan_instalment SET paid_principal_fen = ?, paid_interest_fen = ?, penalty_fen = ?,
			paid_penalty_fen = ?, penalty_from = ?, status = ?, paid_on = ? WHERE loan_id = ? AND period = ?`,
			in.PaidPrincipal, in.PaidInterest, in.Penalty, in.PaidPenalty, in.PenaltyFrom, status, paidOn, l.ID, in.Period); err != nil {
			return 0, fmt.Errorf("loan: update instalment %s/%d: %w", l.LoanNo, in.Period, err)
		}
		in.Status, in.PaidOn = status, paidOn
		if a.principal+a.interest+a.penalty == 0 {
			continue
		}
		kind := policy.LoanBizRepay
		switch {
		case source == SourceFund:
			kind = policy.LoanBizFundRepay
		case in.DueOn.Before(day):
			kind = policy.LoanBizOverdueRepay
		}
		if err := insertTxn(ctx, tx, txnRow{LoanID: l.ID, Serial: serial, Kind: kind, Period: in.Period, BizDate: day,
			Amount: a.principal + a.interest + a.penalty, Principal: a.principal, Interest: a.interest, Penalty: a.penalty,
			BalanceAfter: balance, Source: source, Memo: memo}); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE loan SET balance_fen = ?, updated_at = ? WHERE id = ?`, balance, db.Now(), l.ID); err != nil {
		return 0, fmt.Errorf("loan: update balance of %s: %w", l.LoanNo, err)
	}
	l.Balance = balance
	return p, nil
}

func appendCredit(lines []ledger.Line, account string, amount money.Fen) []ledger.Line {
	if amount <= 0 {
		return lines
	}
	return append(lines, ledger.Line{Account: account, Side: ledger.Credit, Amount: amount})
}

// collect collects one loan's due instalments on day (see ServiceDay).
func (s *Service) collect(ctx context.Context, no string, day date.Date) (*collection, error) {
	res := &collection{}
	fundSerial := fmt.Sprintf("LN-%s-F-%s", no, day)
	bankSerial := fmt.Sprintf("LN-%s-B-%s", no, day)

	// 1. The fund account(s) under an offset agreement (冲还贷).
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res.fund = 0
		if done, err := serialDone(ctx, tx, fundSerial); err != nil || done {
			return err
		}
		l, ins, _, err := s.dueRows(ctx, tx, no, day)
		if err != nil || len(ins) == 0 {
			return err
		}
		agreement, err := activeOffset(ctx, tx, l.ID)
		if err != nil || agreement == nil {
			return err
		}
		need := owed(ins)
		accounts := []string{l.AccountNo}
		if agreement.IncludeCo && l.CoAccountNo != "" {
			accounts = append(accounts, l.CoAccountNo)
		}
		var debits []ledger.Line
		var took money.Fen
		for _, acct := range accounts {
			avail, err := s.fundAvailable(ctx, acct, day)
			if err != nil {
				return err
			}
			if t := min(avail, need-took); t > 0 {
				debits = append(debits, ledger.Line{Account: ledger.PersonalCode(acct), Side: ledger.Debit, Amount: t})
				took += t
			}
		}
		if took == 0 {
			return nil
		}
		if _, err := s.payDue(ctx, tx, l, ins, day, took, fundSerial, SourceFund, debits,
			fmt.Sprintf("冲还贷 贷款 %s", no)); err != nil {
			return err
		}
		res.fund = took
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "loan.collect", Object: loanObject(no),
			After: audit.Summary(map[string]any{"date": day.String(), "source": SourceFund, "amount_fen": took, "balance_fen": l.Balance})})
		return err
	})
	if err != nil {
		return nil, err
	}

	// 2. The bank repayment account, outside any transaction (the bank call).
	var l *Loan
	var need money.Fen
	if err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var ins []Instalment
		var err error
		l, ins, _, err = s.dueRows(ctx, tx, no, day)
		need = owed(ins)
		return err
	}); err != nil {
		return nil, err
	}
	var debit exchange.BankResult
	var bankErr error
	done, err := serialDone(ctx, s.db, bankSerial)
	if err != nil {
		return nil, err
	}
	if need > 0 && !done {
		debit, bankErr = s.bank.Debit(ctx, exchange.DebitOrder{Serial: bankSerial, Card: l.RepayCard, Amount: need, On: day})
	}

	// 3. Book the debit; whatever is still unpaid becomes overdue.
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res.bank, res.overdue, res.settled, res.newlyOverdue, res.overdueAmount, res.overduePeriods = 0, false, false, 0, 0, 0
		l2, ins, _, err := s.dueRows(ctx, tx, no, day)
		if err != nil {
			return err
		}
		if bankErr == nil && debit.OK {
			if done, err := serialDone(ctx, tx, bankSerial); err != nil {
				return err
			} else if !done {
				amount := min(need, owed(ins))
				if amount > 0 {
					if _, err := s.payDue(ctx, tx, l2, ins, day, amount, bankSerial, SourceBank,
						[]ledger.Line{{Account: ledger.BankCode(s.bankCode), Side: ledger.Debit, Amount: amount}},
						fmt.Sprintf("银行扣款还贷 贷款 %s %s", no, debit.BankSerial)); err != nil {
						return err
					}
					res.bank = amount
				}
			}
		}
		return s.settleState(ctx, tx, l2, ins, day, res)
	})
	if err != nil {
		return nil, err
	}
	l, err = s.loanByNo(ctx, s.db, no, "")
	if err != nil {
		return nil, err
	}
	switch {
	case res.settled:
		s.notifyLoan(ctx, l, "loan.settled", map[string]string{"date": cnDate(day)})
	case res.newlyOverdue > 0:
		s.notifyLoan(ctx, l, "loan.overdue", map[string]string{"periods": fmt.Sprint(res.overduePeriods), "amount": res.overdueAmount.Format()})
	case res.fund+res.bank > 0:
		s.notifyLoan(ctx, l, "loan.repaid", map[string]string{"date": cnDate(day), "amount": (res.fund + res.bank).Format(),
			"balance": l.Balance.Format()})
	}
	if bankErr != nil && !errors.Is(bankErr, exchange.ErrBankUnavailable) {
		return res, bankErr
	}
	return res, nil
}

// settleState marks the instalments still unpaid after day's collection as
// overdue (penalty accruing from the due date), and the loan overdue,
// normal or settled. ins are the loan's due instalments as now stored.
func (s *Service) settleState(ctx context.Context, tx *db.Tx, l *Loan, ins []Instalment, day date.Date, res *collection) error {
	newly := 0
	var overdueAmt money.Fen
	periods := 0
	for _, in := range ins {
		if in.Status == InstPaid {
			continue
		}
		periods++
		overdueAmt += in.Principal - in.PaidPrincipal + in.Interest - in.PaidInterest + in.Penalty - in.PaidPenalty
		if in.Status == InstScheduled {
			newly++
			from := in.DueOn
			if in.PenaltyFrom != nil {
				from = *in.PenaltyFrom
			}
			if _, err := tx.ExecContext(ctx, `UPDATE loan_instalment SET status = ?, penalty_fen = ?, penalty_from = ? WHERE loan_id = ? AND period = ?`,
				InstOverdue, in.Penalty, from, l.ID, in.Period); err != nil {
				return fmt.Errorf("loan: mark %s/%d overdue: %w", l.LoanNo, in.Period, err)
			}
		}
	}
	var rest int
	if err := tx.GetContext(ctx, &rest, `SELECT COUNT(*) FROM loan_instalment WHERE loan_id = ? AND status <> ?`, l.ID, InstPaid); err != nil {
		return fmt.Errorf("loan: open instalments of %s: %w", l.LoanNo, err)
	}
	status := LoanNormal
	switch {
	case periods > 0:
		status = LoanOverdue
	case rest == 0 && l.Balance == 0:
		status = LoanSettled
	}
	res.overdue, res.settled, res.newlyOverdue, res.overdueAmount, res.overduePeriods = periods > 0, status == LoanSettled, newly, overdueAmt, periods
	if status == l.Status && newly == 0 {
		return nil
	}
	if status == LoanSettled {
		return s.markSettled(ctx, tx, l, day, "repaid")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE loan SET status = ?, overdue_count = overdue_count + ?, updated_at = ? WHERE id = ?`,
		status, newly, db.Now(), l.ID); err != nil {
		return fmt.Errorf("loan: update status of %s: %w", l.LoanNo, err)
	}
	_, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.status", Object: loanObject(l.LoanNo),
		Before: audit.Summary(map[string]string{"status": l.Status}),
		After: audit.Summary(map[string]any{"status": status, "date": day.String(), "overdue_periods": periods,
			"overdue_fen": overdueAmt, "newly_overdue": newly})})
	return err
}

// markSettled closes a repaid loan: settled, no longer open for its people,
// its offset agreement ends.
func (s *Service) markSettled(ctx context.Context, tx *db.Tx, l *Loan, day date.Date, how string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE loan SET status = ?, settled_on = ?, open_person_id = NULL, open_co_person_id = NULL,
		updated_at = ? WHERE id = ?`, LoanSettled, day, db.Now(), l.ID); err != nil {
		return fmt.Errorf("loan: settle %s: %w", l.LoanNo, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE loan_offset SET status = ?, cancelled_on = ?, active_loan_id = NULL WHERE active_loan_id = ?`,
		OffsetEnded, day, l.ID); err != nil {
		return fmt.Errorf("loan: end offset of %s: %w", l.LoanNo, err)
	}
	_, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.settle", Object: loanObject(l.LoanNo),
		Before: audit.Summary(map[string]string{"status": l.Status}),
		After:  audit.Summary(map[string]string{"status": LoanSettled, "date": day.String(), "how": how})})
	return err
}

// fundAvailable is what an offset may take from a fund account on day: the
// balance above withdraw.min_retained_balance, zero for a frozen or closed
// account.
func (s *Service) fundAvailable(ctx context.Context, accountNo string, day date.Date) (money.Fen, error) {
	e, err := s.deposit.Employee(ctx, accountNo)
	if err != nil {
		return 0, err
	}
	if e.Status != deposit.EmpNormal && e.Status != deposit.EmpSealed {
		return 0, nil
	}
	keep, err := s.policy.Fen(ctx, policy.WithdrawMinRetainedBalance, day)
	if err != nil {
		return 0, err
	}
	a, err := s.ledger.Account(ctx, ledger.PersonalCode(accountNo))
	if err != nil {
		return 0, err
	}
	return max(a.Balance-keep, 0), nil
}
