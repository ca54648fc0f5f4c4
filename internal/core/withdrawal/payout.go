package withdrawal

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// pay sends the payment instruction of an application in paying. A bank that
// does not accept it leaves the application paying; ResendPayments sends it
// again (the bank executes an instruction serial once).
func (s *Service) pay(ctx context.Context, id int64) {
	app, err := s.load(ctx, s.d.DB, "id = ?", false, id)
	if err != nil {
		s.d.Log.Warn("withdrawal: payment not sent", "id", id, "err", err)
		return
	}
	if app.Status != StatusPaying {
		return
	}
	// Record the sending first: a bank answering at once (the callback)
	// finds it done.
	if _, err := s.d.DB.ExecContext(ctx, `UPDATE withdrawal_application SET pay_sent_at = ? WHERE id = ?`, db.Now(), id); err != nil {
		s.d.Log.Warn("withdrawal: payment not sent", "id", id, "err", err)
		return
	}
	o := exchange.PaymentOrder{Serial: app.PaySerial, BankCode: s.d.BankCode, PayeeCard: app.BankCard, PayeeName: app.PayeeName,
		Amount: app.Amount, Memo: "住房公积金" + app.ReasonName}
	if err := s.d.Payments.Pay(ctx, o); err != nil {
		s.d.Log.Warn("withdrawal: payment instruction not accepted; it will be sent again", "id", id, "serial", app.PaySerial, "err", err)
		_, _ = s.d.DB.ExecContext(ctx, `UPDATE withdrawal_application SET pay_sent_at = NULL WHERE id = ? AND status = ?`, id, StatusPaying)
	}
}

// ResendPayments sends again the payment instructions of applications still
// paying whose instruction was not accepted, or was sent more than olderThan
// ago without a result. The bank executes each serial once, so sending again
// is safe. For the day-end job and operations (`gjj withdrawals resend`).
// Returns how many instructions were sent.
func (s *Service) ResendPayments(ctx context.Context, olderThan time.Duration) (int, error) {
	var ids []int64
	if err := s.d.DB.SelectContext(ctx, &ids, `SELECT id FROM withdrawal_application WHERE status = ?
		AND (pay_sent_at IS NULL OR pay_sent_at < ?) ORDER BY id`, StatusPaying, db.Now().Add(-olderThan)); err != nil {
		return 0, fmt.Errorf("applications to pay: %w", err)
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		s.pay(ctx, id)
	}
	return len(ids), nil
}

// PaymentResult takes the bank's result of a payment instruction (the bank's
// callback; exchange.PaymentCallback). Paid: clearing is posted against the
// settlement bank's deposit account (serial WD-PAID-<id>) and the
// application is 已到账. Failed: the approval posting is reversed (serial
// WD-REV-<id>), a closed 销户 account is reopened with its former status, the
// application is 支付失败; the applicant gets an SMS either way. The same
// result again changes nothing and answers nil (exactly once: the status is
// checked with the row locked, and the ledger reverses an entry once); a
// result contradicting the recorded one is ErrPaymentConflict and is
// audited for manual reconciliation.
//
// Errors: ErrNotFound (unknown serial), ErrPaymentConflict, ErrStatus, store
// and ledger errors.
func (s *Service) PaymentResult(ctx context.Context, r exchange.PaymentResult) error {
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: "bank:" + s.d.BankCode, Channel: "system"})
	var app *Application
	changed := false
	err := s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		changed = false
		var err error
		if app, err = s.load(ctx, tx, "pay_serial = ?", true, r.Serial); err != nil {
			return err
		}
		switch {
		case app.Status == StatusPaid && r.Paid, app.Status == StatusPayFailed && !r.Paid:
			return nil // the bank repeated its notification
		case app.Status == StatusPaid || app.Status == StatusPayFailed:
			return ErrPaymentConflict.With("serial", r.Serial).With("status", app.Status)
		case app.Status != StatusPaying:
			return ErrStatus.With("status", app.Status)
		}
		today, err := s.d.Dates.TodayTx(ctx, tx)
		if err != nil {
			return err
		}
		before := map[string]any{"status": app.Status}
		now := db.Now()
		changed = true
		if r.Paid {
			serial := fmt.Sprintf("WD-PAID-%d", app.ID)
			if _, err := s.d.Ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: rules.Type(app.Type).BizType(), BizDate: today,
				Memo: clip("提取付款 "+app.PaySerial+" 银行已付", ledger.MaxMemoRunes), Lines: []ledger.Line{
					{Account: ledger.CodeWithdrawalClearing, Side: ledger.Debit, Amount: app.Amount},
					{Account: ledger.BankCode(s.d.BankCode), Side: ledger.Credit, Amount: app.Amount},
				}}); err != nil {
				return err
			}
			app.Status, app.BankSerial, app.PaidOn, app.PaidAt = StatusPaid, clip(r.BankSerial, 64), &today, &now
			if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, bank_serial = ?, paid_on = ?, paid_at = ?,
				open_account_id = NULL, updated_at = ? WHERE id = ?`, app.Status, app.BankSerial, today, now, now, app.ID); err != nil {
				return err
			}
			return s.event(ctx, tx, app, "paid", "", before, map[string]any{"bank_serial": app.BankSerial, "entry_serial": serial})
		}
		serial := fmt.Sprintf("WD-REV-%d", app.ID)
		if _, err := s.d.Ledger.ReverseTx(ctx, tx, ledger.ReverseRequest{Original: app.EntrySerial, Serial: serial,
			Memo: clip("提取付款失败，款项退回 "+app.EntrySerial, ledger.MaxMemoRunes)}); err != nil {
			return err
		}
		if app.Type == string(rules.Close) {
			var from string
			if err := tx.GetContext(ctx, &from, `SELECT closed_from_status FROM withdrawal_application WHERE id = ?`, app.ID); err != nil {
				return err
			}
			if from == "" {
				from = "01"
			}
			// The deposit core reopens it and takes back this fund year's
			// closing interest, so the annual settlement pays the whole year.
			if _, err := s.d.Deposit.ReopenClosedTx(ctx, tx, app.AccountNo, from); err != nil {
				return fmt.Errorf("reopen employee account: %w", err)
			}
		}
		why := clip(r.Reason, 60)
		if why == "" {
			why = "银行未说明原因"
		}
		app.Status, app.PayError = StatusPayFailed, why
		if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, pay_error = ?, open_account_id = NULL, updated_at = ?
			WHERE id = ?`, app.Status, why, now, app.ID); err != nil {
			return err
		}
		return s.event(ctx, tx, app, "pay_failed", why, before, map[string]any{"reversal_serial": serial})
	})
	if err != nil {
		if errs.CodeOf(err) == ErrPaymentConflict.Code && app != nil {
			s.d.Log.Error("withdrawal: bank result contradicts the recorded one", "id", app.ID, "serial", r.Serial, "paid", r.Paid)
			if _, aerr := s.d.Audit.Write(ctx, auditConflict(app, r)); aerr != nil {
				s.d.Log.Error("withdrawal: audit of a payment conflict failed", "err", aerr)
			}
		}
		return err
	}
	if !changed {
		return nil
	}
	if app.Status == StatusPaid {
		s.notify(ctx, app, notify.WithdrawalPaid, map[string]string{"date": shanghaiDay(*app.PaidAt), "card_tail": tail(app.BankCard)})
	} else {
		s.notify(ctx, app, notify.WithdrawalPayFailed, map[string]string{"why": app.PayError})
	}
	return nil
}

func auditConflict(app *Application, r exchange.PaymentResult) audit.Record {
	return audit.Record{Action: "withdrawal.payment_conflict", Object: fmt.Sprintf("withdrawal:%d", app.ID),
		Before: audit.Summary(map[string]any{"status": app.Status}),
		After:  audit.Summary(map[string]any{"bank_paid": r.Paid, "bank_serial": r.BankSerial}), Result: audit.ResultRefused}
}
