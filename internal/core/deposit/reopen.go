package deposit

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// CloseForWithdrawalTx closes an employee account for a 提取销户 inside the
// caller's transaction (the withdrawal core, at approval, after it settled
// the interest with SettleAccountTo and posted the payout): the account
// becomes 05 提取销户 on the date on (status date and closing date), keeps
// the status it had (01 or 02) as its previous status for ReopenClosedTx, and
// records the reason (the withdrawal reason's name, cut to 100 characters).
// It returns that previous status. Audited (deposit.account_close).
//
// Errors: ErrInvalidInput (zero date); ErrEmployeeNotFound; ErrEmployeeStatus
// when the account is not 01 or 02; store errors.
func (s *Service) CloseForWithdrawalTx(ctx context.Context, tx *db.Tx, accountNo, reason string, on date.Date) (string, error) {
	if on.IsZero() {
		return "", remitErr(ErrInvalidInput, "请指定销户日期").With("field", "on")
	}
	emp, err := lockEmployee(ctx, tx, accountNo)
	if err != nil {
		return "", err
	}
	if emp.Status != EmpNormal && emp.Status != EmpSealed {
		return "", ErrEmployeeStatus.With("account_no", accountNo).With("status", emp.Status)
	}
	if r := []rune(strings.TrimSpace(reason)); len(r) > 100 {
		reason = string(r[:100])
	} else {
		reason = string(r)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE employee_account SET status = ?, prev_status = ?, status_reason = ?, status_on = ?,
		closed_on = ?, updated_at = ? WHERE id = ?`, EmpWithdrawn, emp.Status, reason, on, on, db.Now(), emp.ID); err != nil {
		return "", fmt.Errorf("close employee account %s: %w", accountNo, err)
	}
	_, err = s.audit.Append(ctx, tx, audit.Record{Action: "deposit.account_close", Object: "employee:" + accountNo,
		Before: audit.Summary(map[string]any{"status": emp.Status}),
		After:  audit.Summary(map[string]any{"status": EmpWithdrawn, "reason": reason, "closed_on": on.String()})})
	if err != nil {
		return "", err
	}
	return emp.Status, nil
}

// ReopenClosedTx undoes a 提取销户 whose payout failed, inside the caller's
// transaction (the withdrawal core, after it reversed the payout posting so
// the money is back on the account). The account returns to status (its
// status before the close, 01 or 02) with no closing date, and the interest
// of the current fund year that SettleAccountTo credited at the close is
// taken back (one posting debiting the account and crediting interest
// expense, serial "INT-UNDO-…") and its interest_item removed: the annual
// settlement then pays the whole fund year, as for an account never closed.
// A previous fund year that the close settled as a whole year stays settled
// (that interest was owed in full). Audited (deposit.account_reopen).
//
// Errors: ErrEmployeeNotFound; ErrEmployeeStatus when the account is not 05
// or status is not 01/02; ledger and store errors.
func (s *Service) ReopenClosedTx(ctx context.Context, tx *db.Tx, accountNo, status string) (money.Fen, error) {
	emp, err := lockEmployee(ctx, tx, accountNo)
	if err != nil {
		return 0, err
	}
	if emp.Status != EmpWithdrawn || (status != EmpNormal && status != policy.PersonAcctSealed) {
		return 0, ErrEmployeeStatus.With("account_no", accountNo).With("status", emp.Status)
	}
	today, err := s.dates.TodayTx(ctx, tx)
	if err != nil {
		return 0, err
	}
	var undone money.Fen
	if emp.ClosedOn != nil {
		if undone, err = s.undoCloseInterest(ctx, tx, emp, *emp.ClosedOn); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE employee_account SET status = ?, prev_status = '', status_reason = '', status_on = ?,
		closed_on = NULL, updated_at = ? WHERE id = ?`, status, today, db.Now(), emp.ID); err != nil {
		return 0, fmt.Errorf("reopen employee account %s: %w", accountNo, err)
	}
	_, err = s.audit.Append(ctx, tx, audit.Record{Action: "deposit.account_reopen", Object: "employee:" + accountNo,
		Before: audit.Summary(map[string]any{"status": emp.Status, "closed_on": emp.ClosedOn.String()}),
		After:  audit.Summary(map[string]any{"status": status, "interest_undone_fen": int64(undone)})})
	if err != nil {
		return 0, err
	}
	return undone, nil
}

// undoCloseInterest takes back the current fund year's part of the closing
// interest credited on closedOn and removes its interest_item.
func (s *Service) undoCloseInterest(ctx context.Context, tx *db.Tx, emp *Employee, closedOn date.Date) (money.Fen, error) {
	year := interestFundYearOf(closedOn.AddDays(-1))
	_, yearEnd := FundYear(year)
	var items []struct {
		Interest money.Fen `db:"interest_fen"`
		PeriodTo date.Date `db:"period_to"`
		Serial   string    `db:"entry_serial"`
	}
	if err := tx.SelectContext(ctx, &items, `SELECT interest_fen, period_to, entry_serial FROM interest_item
		WHERE employee_account_id = ? AND year = ?`, emp.ID, year); err != nil {
		return 0, fmt.Errorf("read interest item of %s: %w", emp.AccountNo, err)
	}
	base := closeSerial(emp.AccountNo, closedOn)
	if len(items) != 1 || items[0].PeriodTo == yearEnd || !(items[0].Serial == base || strings.HasPrefix(items[0].Serial, base+"-")) {
		return 0, nil // nothing of this close in the current year (or a whole year: owed)
	}
	it := items[0]
	if it.Interest > 0 {
		undo := "INT-UNDO-" + strings.TrimPrefix(it.Serial, "INT-CLOSE-")
		if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: undo, BizType: policy.BizInterest, BizDate: closedOn,
			Memo: "销户未成功，冲回本年度销户结息", Lines: []ledger.Line{
				{Account: ledger.PersonalCode(emp.AccountNo), Side: ledger.Debit, Amount: it.Interest},
				{Account: ledger.CodeInterestExpense, Side: ledger.Credit, Amount: it.Interest},
			}}); err != nil {
			return 0, fmt.Errorf("take back closing interest %s: %w", it.Serial, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM interest_item WHERE employee_account_id = ? AND year = ?`, emp.ID, year); err != nil {
		return 0, fmt.Errorf("remove interest item of %s: %w", emp.AccountNo, err)
	}
	return it.Interest, nil
}

// closeSerial is the base serial of SettleAccountTo's posting; a close on a
// day whose earlier close was undone gets "-2", "-3"… (closeSerialFree).
func closeSerial(accountNo string, to date.Date) string {
	return "INT-CLOSE-" + accountNo + "-" + to.String()
}

// closeSerialFree returns the first of base, base-2, base-3… that no journal
// entry uses yet.
func closeSerialFree(ctx context.Context, tx *db.Tx, base string) (string, error) {
	serial := base
	for n := 2; ; n++ {
		var used int
		if err := tx.GetContext(ctx, &used, `SELECT COUNT(*) FROM journal_entry WHERE serial = ?`, serial); err != nil {
			return "", fmt.Errorf("check serial %s: %w", serial, err)
		}
		if used == 0 {
			return serial, nil
		}
		if n > 100 {
			return "", errs.New(errs.Conflict, "deposit.close_retries", "该账户当日销户结息次数过多")
		}
		serial = fmt.Sprintf("%s-%d", base, n)
	}
}
