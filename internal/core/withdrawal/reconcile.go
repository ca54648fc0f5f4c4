package withdrawal

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/exchange"
	"gjj/internal/platform/errs"
)

// ReconcileReport says what a reconciliation did.
type ReconcileReport struct {
	Checked int `json:"checked"` // payouts past the timeout asked for
	Paid    int `json:"paid"`    // the bank had paid: now 已到账
	Failed  int `json:"failed"`  // the bank had failed it: reversed, 支付失败
	Resent  int `json:"resent"`  // the bank never got the instruction: sent again
	Pending int `json:"pending"` // the bank still works on it
	Errors  int `json:"errors"`  // the bank or the store could not answer (tried again next run)
}

// Reconcile settles the payouts whose bank callback never arrived (付款结果
// 查询): every application still paying whose instruction went out longer
// ago than withdraw.rules review.payment_query_minutes (default 30), or was
// never accepted, is asked for at the bank (exchange.Payments.Query). A
// result is applied through PaymentResult — exactly once: a callback
// arriving at the same moment, or a second reconciliation, finds the
// application decided under its row lock and changes nothing; the posting
// is made or reversed once. An instruction the bank never got is sent again
// (the bank executes a serial once). Still pending: left for the next run.
// The day-end job (gjj eod) and `gjj withdrawals reconcile` call it.
//
// Errors: ErrNoRules, store errors reading the list. A bank or store error
// on one payout is logged and counted (Errors), not returned.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	doc, _, err := s.Rules(ctx)
	if err != nil {
		return rep, err
	}
	cutoff := s.d.Now().UTC().Add(-time.Duration(doc.Review.PaymentQueryAfter()) * time.Minute)
	var rows []struct {
		ID     int64  `db:"id"`
		Serial string `db:"pay_serial"`
	}
	if err := s.d.DB.SelectContext(ctx, &rows, `SELECT id, pay_serial FROM withdrawal_application WHERE status = ?
		AND (pay_sent_at IS NULL OR pay_sent_at < ?) ORDER BY id`, StatusPaying, cutoff); err != nil {
		return rep, fmt.Errorf("payouts to reconcile: %w", err)
	}
	for _, row := range rows {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Checked++
		r, err := s.d.Payments.Query(ctx, row.Serial)
		switch {
		case err == nil:
			if err := s.PaymentResult(ctx, r); err != nil {
				rep.Errors++
				s.d.Log.Warn("withdrawal: reconciled result not applied", "id", row.ID, "serial", row.Serial, "err", err)
				continue
			}
			if r.Paid {
				rep.Paid++
			} else {
				rep.Failed++
			}
		case errs.CodeOf(err) == exchange.ErrUnknownPayment.Code:
			s.pay(ctx, row.ID)
			rep.Resent++
		case errs.CodeOf(err) == exchange.ErrPaymentPending.Code:
			rep.Pending++
		default:
			rep.Errors++
			s.d.Log.Warn("withdrawal: payment query failed", "id", row.ID, "serial", row.Serial, "err", err)
		}
	}
	if rep.Checked > 0 {
		s.d.Log.Info("withdrawal: payouts reconciled", "checked", rep.Checked, "paid", rep.Paid, "failed", rep.Failed,
			"resent", rep.Resent, "pending", rep.Pending, "errors", rep.Errors)
	}
	return rep, nil
}
