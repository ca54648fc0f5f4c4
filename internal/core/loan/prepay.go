package loan

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Prepayment modes after a partial prepayment (domain.md §3.8).
const (
	ModeShorten = "shorten" // keep the instalment, fewer periods
	ModeReduce  = "reduce"  // keep the periods, smaller instalment
)

// ErrInstalmentDue: an instalment is due (or overdue) and not yet repaid.
var ErrInstalmentDue = errs.New(errs.Conflict, "loan.instalment_due", "贷款有已到期未归还的期供，请在当期还款完成后再办理提前还款")

// PrepayInput is a prepayment request.
type PrepayInput struct {
	// Amount is what the borrower offers for a partial prepayment: it
	// repays principal plus the interest on that principal since the last
	// due date. Ignored when Full.
	Amount money.Fen
	Full   bool   // 提前结清: repay everything
	Mode   string // shorten | reduce (partial only)
	Source string // bank (debit the repayment account) | fund (the borrower's fund account, 提取还贷)
	// Key makes the request idempotent (the bank debit and the posting use
	// it): a retry with the same key repays once. 1–40 characters
	// [A-Za-z0-9_.:-]; a refused debit needs a new key.
	Key string
}

// PrepayResult is what a prepayment did.
type PrepayResult struct {
	Loan      *Loan
	Principal money.Fen // principal repaid
	Interest  money.Fen // interest since the last due date
	Total     money.Fen
	Settled   bool
	// PeriodsLeft and Fixed describe the new plan (zero when settled).
	PeriodsLeft int
	Fixed       money.Fen
	Replayed    bool
}

// Prepay repays part of the person's loan ahead of schedule, or all of it
// (提前结清), on the business date. The loan must be current (no instalment
// due and unpaid); a partial prepayment must reach loan.prepay.min_amount
// and the year's count loan.prepay.max_per_year. The money comes from the
// bank repayment account (exchange.LoanBank.Debit) or the borrower's fund
// account. The rest of the plan is re-amortised: shorten keeps the
// instalment, reduce keeps the periods. The channel checks the step-up code
// (L3) before calling. Audited (loan.prepay); SMS to the borrower.
//
// Errors: ErrLoanNotFound, ErrStatus (settled), ErrLoanOverdue,
// ErrInstalmentDue, ErrPrepayAmount, ErrPrepayCount, ErrInvalidInput (mode,
// source, key), ErrPaymentFailed (bank refused or fund balance short),
// exchange.ErrBankUnavailable, ledger and store errors.
func (s *Service) Prepay(ctx context.Context, personID int64, no string, in PrepayInput) (*PrepayResult, error) {
	if _, err := ident.ParseSerial(in.Key); err != nil || len(in.Key) > 40 {
		return nil, ErrInvalidInput.With("field", "key")
	}
	if in.Source != SourceBank && in.Source != SourceFund {
		return nil, ErrInvalidInput.With("field", "source")
	}
	if !in.Full && in.Mode != ModeShorten && in.Mode != ModeReduce {
		return nil, ErrInvalidInput.With("field", "mode")
	}
	serial := "LN-" + no + "-P-" + in.Key
	if done, err := serialDone(ctx, s.db, serial); err != nil {
		return nil, err
	} else if done {
		return s.prepayReplay(ctx, personID, no, serial)
	}
	l, err := s.Loan(ctx, personID, no)
	if err != nil {
		return nil, err
	}
	q, err := s.prepayQuote(ctx, s.db, l, in)
	if err != nil {
		return nil, err
	}
	var debit exchange.BankResult
	if in.Source == SourceBank {
		debit, err = s.bank.Debit(ctx, exchange.DebitOrder{Serial: serial, Card: l.RepayCard, Amount: q.total, On: q.day})
		if err != nil {
			return nil, err
		}
		if !debit.OK {
			_, _ = s.audit.Write(ctx, audit.Record{Action: "loan.prepay", Object: loanObject(no), Result: audit.ResultFailed,
				After: audit.Summary(map[string]any{"amount_fen": q.total, "reason": debit.Reason})})
			return nil, ErrPaymentFailed.With("reason", debit.Reason)
		}
	}
	var out *PrepayResult
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		l, err := s.loanByNo(ctx, tx, no, tx.Dialect.ForUpdate())
		if err != nil {
			return err
		}
		if done, err := serialDone(ctx, tx, serial); err != nil || done {
			return err
		}
		q2, err := s.prepayQuote(ctx, tx, l, in)
		if err != nil {
			return err
		}
		if q2.total != q.total {
			// The loan changed between the debit and now; the debit stands
			// for the amount asked, which is what we book.
			return ErrStatus.With("reason", "loan changed during prepayment")
		}
		src := ledger.Line{Account: ledger.BankCode(s.bankCode), Side: ledger.Debit, Amount: q.total}
		biz := policy.BizOther
		if in.Source == SourceFund {
			avail, err := s.fundAvailable(ctx, l.AccountNo, q.day)
			if err != nil {
				return err
			}
			if avail < q.total {
				return ErrPaymentFailed.With("reason", "公积金账户可用余额不足").With("available_fen", int64(avail))
			}
			src = ledger.Line{Account: ledger.PersonalCode(l.AccountNo), Side: ledger.Debit, Amount: q.total}
			biz = policy.BizPartialWithdrawal
		}
		lines := appendCredit([]ledger.Line{src}, l.LedgerCode, q.principal)
		lines = appendCredit(lines, ledger.CodeLoanInterestIncome, q.interest)
		kindName, kind := "提前还款", policy.LoanBizPrepay
		if q.settles {
			kindName, kind = "提前结清", policy.LoanBizSettle
		}
		memo := fmt.Sprintf("%s 贷款 %s", kindName, no)
		if debit.BankSerial != "" {
			memo += " " + debit.BankSerial
		}
		if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: biz, BizDate: q.day, Memo: memo, Lines: lines}); err != nil {
			return err
		}
		balance := l.Balance - q.principal
		if err := insertTxn(ctx, tx, txnRow{LoanID: l.ID, Serial: serial, Kind: kind, BizDate: q.day, Amount: q.total,
			Principal: q.principal, Interest: q.interest, BalanceAfter: balance, Source: in.Source, Memo: memo}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE loan SET balance_fen = ?, updated_at = ? WHERE id = ?`, balance, db.Now(), l.ID); err != nil {
			return fmt.Errorf("loan: update balance of %s: %w", no, err)
		}
		before := map[string]any{"balance_fen": l.Balance, "fixed_fen": l.Fixed, "maturity_on": l.MaturityOn.String()}
		l.Balance = balance
		out = &PrepayResult{Principal: q.principal, Interest: q.interest, Total: q.total, Settled: q.settles}
		if q.settles {
			if _, err := tx.ExecContext(ctx, `DELETE FROM loan_instalment WHERE loan_id = ? AND status = ?`, l.ID, InstScheduled); err != nil {
				return fmt.Errorf("loan: drop plan of %s: %w", no, err)
			}
			if err := s.markSettled(ctx, tx, l, q.day, "prepaid"); err != nil {
				return err
			}
		} else {
			m, _ := schedule.ParseMethod(l.Method)
			fixed, n := l.Fixed, 0
			if in.Mode == ModeShorten {
				if n, err = schedule.Shorten(m, balance, l.Rate, l.Fixed); err != nil {
					return err
				}
			} else {
				n = q.left
				if fixed, err = schedule.Reduce(m, balance, n, l.Rate); err != nil {
					return err
				}
			}
			if out.PeriodsLeft, out.Fixed, err = s.reamortise(ctx, tx, l, q.day, balance, l.Rate, fixed, n); err != nil {
				return err
			}
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.prepay", Object: loanObject(no), Before: audit.Summary(before),
			After: audit.Summary(map[string]any{"serial": serial, "full": q.settles, "mode": in.Mode, "source": in.Source,
				"principal_fen": q.principal, "interest_fen": q.interest, "balance_fen": balance, "fixed_fen": out.Fixed,
				"periods_left": out.PeriodsLeft})}); err != nil {
			return err
		}
		out.Loan, err = s.loanByNo(ctx, tx, no, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil { // a concurrent retry booked it first
		return s.prepayReplay(ctx, personID, no, serial)
	}
	if out.Settled {
		s.notifyLoan(ctx, out.Loan, "loan.settled", map[string]string{"date": cnDate(q.day)})
	} else {
		s.notifyLoan(ctx, out.Loan, "loan.prepaid", map[string]string{"amount": out.Total.Format(), "balance": out.Loan.Balance.Format()})
	}
	return out, nil
}

type prepayFigures struct {
	day                        date.Date
	principal, interest, total money.Fen
	settles                    bool
	left                       int // scheduled periods before the prepayment
}

// prepayQuote checks the loan can be prepaid now and splits the amount.
func (s *Service) prepayQuote(ctx context.Context, q db.Querier, l *Loan, in PrepayInput) (*prepayFigures, error) {
	switch l.Status {
	case LoanSettled:
		return nil, ErrStatus.With("status", l.Status)
	case LoanOverdue:
		return nil, ErrLoanOverdue
	}
	day, err := s.dates.TodayTx(ctx, q)
	if err != nil {
		return nil, err
	}
	var due int
	if err := q.GetContext(ctx, &due, `SELECT COUNT(*) FROM loan_instalment WHERE loan_id = ? AND status <> ? AND due_on <= ?`,
		l.ID, InstPaid, day); err != nil {
		return nil, fmt.Errorf("loan: due instalments of %s: %w", l.LoanNo, err)
	}
	if due > 0 {
		return nil, ErrInstalmentDue
	}
	var last []date.Date
	if err := q.SelectContext(ctx, &last, `SELECT due_on FROM loan_instalment WHERE loan_id = ? AND due_on <= ? ORDER BY due_on DESC LIMIT 1`,
		l.ID, day); err != nil {
		return nil, fmt.Errorf("loan: last due date of %s: %w", l.LoanNo, err)
	}
	from := l.DisbursedOn
	if len(last) > 0 {
		from = last[0]
	}
	days := from.DaysUntil(day)
	f := &prepayFigures{day: day}
	if err := q.GetContext(ctx, &f.left, `SELECT COUNT(*) FROM loan_instalment WHERE loan_id = ? AND status = ?`, l.ID, InstScheduled); err != nil {
		return nil, fmt.Errorf("loan: plan of %s: %w", l.LoanNo, err)
	}
	full := func() (*prepayFigures, error) {
		acc, err := schedule.AccruedInterest(l.Balance, l.Rate, days)
		if err != nil {
			return nil, err
		}
		f.principal, f.interest, f.total, f.settles = l.Balance, acc, l.Balance+acc, true
		return f, nil
	}
	if in.Full {
		return full()
	}
	minAmount, err := s.policy.Fen(ctx, policy.LoanPrepayMinAmount, day)
	if err != nil {
		return nil, err
	}
	if in.Amount <= 0 || in.Amount > schedule.MaxPrincipal {
		return nil, ErrPrepayAmount.With("amount_fen", int64(in.Amount))
	}
	p, i, err := schedule.SplitPrepayment(in.Amount, l.Rate, days)
	if err != nil {
		return nil, err
	}
	if p >= l.Balance {
		return full()
	}
	if in.Amount < minAmount {
		e := ErrPrepayAmount.With("min_fen", int64(minAmount))
		e.Message = fmt.Sprintf("部分提前还款金额不得少于 %s 元", minAmount.Format())
		return nil, e
	}
	maxPerYear, err := s.policy.Int(ctx, policy.LoanPrepayMaxPerYear, day)
	if err != nil {
		return nil, err
	}
	var count int
	if err := q.GetContext(ctx, &count, `SELECT COUNT(DISTINCT serial) FROM loan_txn WHERE loan_id = ? AND kind = ? AND biz_date >= ? AND biz_date <= ?`,
		l.ID, policy.LoanBizPrepay, date.Of(day.Year(), 1, 1), day); err != nil {
		return nil, fmt.Errorf("loan: prepayments of %s: %w", l.LoanNo, err)
	}
	if int64(count) >= maxPerYear {
		return nil, ErrPrepayCount.With("max_per_year", maxPerYear)
	}
	f.principal, f.interest, f.total = p, i, in.Amount
	return f, nil
}

func (s *Service) prepayReplay(ctx context.Context, personID int64, no, serial string) (*PrepayResult, error) {
	l, err := s.Loan(ctx, personID, no)
	if err != nil {
		return nil, err
	}
	var t Txn
	if err := s.db.GetContext(ctx, &t, `SELECT serial, kind, period, biz_date, amount_fen, principal_fen, interest_fen, penalty_fen,
		balance_after_fen, source, memo FROM loan_txn WHERE serial = ? LIMIT 1`, serial); err != nil {
		return nil, fmt.Errorf("loan: replay %s: %w", serial, err)
	}
	r := &PrepayResult{Loan: l, Principal: t.Principal, Interest: t.Interest, Total: t.Amount, Settled: t.Kind == policy.LoanBizSettle,
		Fixed: l.Fixed, Replayed: true}
	if !r.Settled {
		if err := s.db.GetContext(ctx, &r.PeriodsLeft, `SELECT COUNT(*) FROM loan_instalment WHERE loan_id = ? AND status = ?`,
			l.ID, InstScheduled); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// reamortise replaces the loan's scheduled instalments that fall due after
// day by a plan of balance over at most n periods at the rate with the fixed
// amount on the loan's recorded interest basis (actual_360: the days between
// the stored due dates), and stores the loan's new fixed amount, rate and maturity. It
// returns the periods and the fixed amount of the new plan.
func (s *Service) reamortise(ctx context.Context, tx *db.Tx, l *Loan, day date.Date, balance money.Fen, rate int64,
	fixed money.Fen, n int) (int, money.Fen, error) {
	var first int
	if err := tx.GetContext(ctx, &first, `SELECT COALESCE(MIN(period), 0) FROM loan_instalment WHERE loan_id = ? AND status = ? AND due_on > ?`,
		l.ID, InstScheduled, day); err != nil {
		return 0, 0, fmt.Errorf("loan: first scheduled period of %s: %w", l.LoanNo, err)
	}
	if first == 0 {
		return 0, 0, ErrStatus.With("reason", "no scheduled instalments")
	}
	m, err := schedule.ParseMethod(l.Method)
	if err != nil {
		return 0, 0, err
	}
	plan, err := amortisePlan(l, first, balance, n, rate, m, fixed)
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM loan_instalment WHERE loan_id = ? AND status = ? AND period >= ?`,
		l.ID, InstScheduled, first); err != nil {
		return 0, 0, fmt.Errorf("loan: drop plan of %s: %w", l.LoanNo, err)
	}
	if err := insertPlan(ctx, tx, l.ID, plan.Periods, first-1, l.DisbursedOn, l.DueDay); err != nil {
		return 0, 0, err
	}
	maturity := dueDate(l.DisbursedOn, l.DueDay, first-1+len(plan.Periods))
	if _, err := tx.ExecContext(ctx, `UPDATE loan SET fixed_fen = ?, rate_ppm = ?, maturity_on = ?, updated_at = ? WHERE id = ?`,
		plan.Fixed, rate, maturity, db.Now(), l.ID); err != nil {
		return 0, 0, fmt.Errorf("loan: update plan of %s: %w", l.LoanNo, err)
	}
	l.Fixed, l.Rate, l.MaturityOn = plan.Fixed, rate, maturity
	return len(plan.Periods), plan.Fixed, nil
}

// repriceDue reprices every open loan not yet repriced this year once the
// business date has reached the year's reprice day (loan.reprice_existing_on,
// 01-01; domain.md §3.6): the rate in force on the reprice day for the
// loan's contract term and home applies to the instalments due from that day
// on, re-amortised over the same periods. Loans with an original term of at
// most 12 months keep the contract rate. Returns how many loans changed rate.
func (s *Service) repriceDue(ctx context.Context, day date.Date, beat func()) (int, error) {
	mon, d, err := s.policy.MonthDay(ctx, policy.LoanRepriceExistingOn, day)
	if err != nil {
		return 0, err
	}
	on := date.Of(day.Year(), mon, d)
	if day.Before(on) {
		return 0, nil
	}
	var nos []string
	if err := s.db.SelectContext(ctx, &nos, `SELECT loan_no FROM loan WHERE status <> ? AND repriced_year < ? AND disbursed_on < ? ORDER BY id`,
		LoanSettled, day.Year(), on); err != nil {
		return 0, fmt.Errorf("loan: loans to reprice: %w", err)
	}
	changed := 0
	for _, no := range nos {
		c, err := s.reprice(ctx, no, on)
		if err != nil {
			return changed, fmt.Errorf("loan: reprice %s: %w", no, err)
		}
		if c {
			changed++
		}
		if beat != nil {
			beat()
		}
	}
	return changed, nil
}

func (s *Service) reprice(ctx context.Context, no string, on date.Date) (bool, error) {
	var changed bool
	var l *Loan
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		changed = false
		var err error
		l, err = s.loanByNo(ctx, tx, no, tx.Dialect.ForUpdate())
		if err != nil {
			return err
		}
		if l.RepricedYear >= on.Year() || l.Status == LoanSettled {
			return nil
		}
		mark := func() error {
			_, err := tx.ExecContext(ctx, `UPDATE loan SET repriced_year = ?, updated_at = ? WHERE id = ?`, on.Year(), db.Now(), l.ID)
			return err
		}
		if l.TermMonths <= 12 {
			return mark()
		}
		rate, err := s.RateOn(ctx, on, l.Home, l.TermMonths)
		if err != nil {
			return err
		}
		if rate == l.Rate {
			return mark()
		}
		future, err := instalments(ctx, tx, l.ID, "status = ? AND due_on >= ?", InstScheduled, on)
		if err != nil {
			return err
		}
		if len(future) == 0 {
			return mark()
		}
		var balance money.Fen
		for _, in := range future {
			balance += in.Principal
		}
		m, _ := schedule.ParseMethod(l.Method)
		fixed, err := schedule.Reduce(m, balance, len(future), rate)
		if err != nil {
			return err
		}
		old := map[string]any{"rate_ppm": l.Rate, "fixed_fen": l.Fixed}
		if _, _, err := s.reamortise(ctx, tx, l, on.AddDays(-1), balance, rate, fixed, len(future)); err != nil {
			return err
		}
		if err := mark(); err != nil {
			return err
		}
		changed = true
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "loan.reprice", Object: loanObject(no), Before: audit.Summary(old),
			After: audit.Summary(map[string]any{"rate_ppm": rate, "fixed_fen": fixed, "from": on.String(), "periods": len(future)})})
		return err
	})
	if err == nil && changed {
		s.notifyLoan(ctx, l, "loan.repriced", map[string]string{"date": cnDate(on), "rate": strings.TrimSuffix(policy.FormatPPM(l.Rate), "%") + "%",
			"payment": l.Fixed.Format()})
	}
	return changed, err
}
