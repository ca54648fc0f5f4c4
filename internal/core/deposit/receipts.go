package deposit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// receiptRow is a recorded bank receipt (bank_receipt).
type receiptRow struct {
	ID           int64     `db:"id"`
	Serial       string    `db:"bank_serial"`
	BankCode     string    `db:"bank_code"`
	Amount       money.Fen `db:"amount_fen"`
	Status       string    `db:"status"`
	UnitID       *int64    `db:"unit_id"`
	RemittanceID *int64    `db:"remittance_id"`
	EntrySerial  string    `db:"entry_serial"`
}

// receiptBySerial returns the recorded receipt with the bank serial,
// row-locked (MySQL), or nil.
func receiptBySerial(ctx context.Context, tx *db.Tx, serial string) (*receiptRow, error) {
	var r receiptRow
	err := tx.GetContext(ctx, &r, `SELECT id, bank_serial, bank_code, amount_fen, status, unit_id, remittance_id, entry_serial
		FROM bank_receipt WHERE bank_serial = ?`+tx.Dialect.ForUpdate(), serial)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bank receipt %s: %w", serial, err)
	}
	return &r, nil
}

// insertReceiptTx records the receipt. A serial recorded concurrently by
// another transaction makes the caller's transaction rerun (it then finds it).
func (s *Service) insertReceiptTx(ctx context.Context, tx *db.Tx, r *exchange.Receipt, status string, unitID int64, billID *int64,
	entrySerial string, now time.Time) error {
	on := r.ReceivedOn
	if on.IsZero() {
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return err
		}
		on = today
	}
	bank := r.BankCode
	if bank == "" {
		bank = s.bankCode
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO bank_receipt (bank_serial, bank_code, amount_fen, payer_account, payer_name, memo, received_on,
		status, unit_id, remittance_id, entry_serial, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Serial, bank, r.Amount, clipRunes(r.PayerAccount, 40), clipRunes(r.PayerName, 100), clipRunes(r.Memo, 200), on,
		status, unitID, billID, entrySerial, now, now)
	if db.IsDuplicate(err) {
		return fmt.Errorf("%w: bank serial %s recorded concurrently", db.ErrRetry, r.Serial)
	}
	if err != nil {
		return fmt.Errorf("record bank receipt %s: %w", r.Serial, err)
	}
	return nil
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// receiptToSuspenseTx books the receipt to the unit's 暂收未分摊: records it
// with status suspense and posts "RCV-<bank_serial>" (biz type 99) debiting
// the bank and crediting the unit's suspense account; audited. claimedFor is
// the bill the payer meant it for, if any (for the audit record).
func (s *Service) receiptToSuspenseTx(ctx context.Context, tx *db.Tx, u *Unit, r *exchange.Receipt, claimedFor *Bill) error {
	bankAcct, err := s.bankAccountTx(ctx, tx, r.BankCode)
	if err != nil {
		return err
	}
	serial := "RCV-" + r.Serial
	e, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: policy.BizOther, Memo: "暂收未分摊 " + u.Name,
		Lines: []ledger.Line{
			{Account: bankAcct, Side: ledger.Debit, Amount: r.Amount},
			{Account: ledger.CodeUnitSuspense + u.UnitNo, Side: ledger.Credit, Amount: r.Amount},
		}})
	if err != nil {
		return err
	}
	if e.Replayed {
		return remitErr(ErrReceiptUsed, "银行流水号 %s 已登记入账，不能再次使用", r.Serial).With("bank_serial", r.Serial)
	}
	if err := s.insertReceiptTx(ctx, tx, r, PaymentSuspense, u.ID, nil, serial, db.Now()); err != nil {
		return err
	}
	after := map[string]any{"bank_serial": r.Serial, "amount_fen": r.Amount, "entry": serial}
	if claimedFor != nil {
		after["claimed_bill_id"] = claimedFor.ID
		after["bill_total_fen"] = claimedFor.Total
	}
	_, err = s.audit.Append(ctx, tx, audit.Record{Action: "deposit.receipt_suspense", Object: "unit:" + u.UnitNo, After: audit.Summary(after)})
	return err
}

// ImportReceipt books an incoming transfer for the unit that is not tied to a
// bill — a line of an imported bank statement (自动对账), or a transfer whose
// PayBill lost to another payment of the same bill. Called by staff and the
// statement-import job; the receipt comes from the bank, so it is trusted.
//
// When its amount equals the total of the unit's next generated 汇缴 bill
// (the bill for paid_through+1, or the first month), that bill is paid exactly
// as PayBill pays it (status posted, serial "REM-<unit_no>-<month>");
// otherwise — no such bill, another amount, a unit not in 01/02, or a stale
// bill — it is booked to the unit's 暂收未分摊 (status suspense, serial
// "RCV-<bank_serial>") for a later AllocateSuspense. Importing the same
// serial again for the same unit returns the first outcome and writes
// nothing; a serial booked to another unit, or again with another amount, is
// ErrReceiptUsed. Other errors: ErrBankSerial, ErrPaymentAmount,
// ErrUnitNotFound.
func (s *Service) ImportReceipt(ctx context.Context, r exchange.Receipt, unitNo string) (*PaymentResult, error) {
	if err := checkBankSerial(r.Serial); err != nil {
		return nil, err
	}
	if r.Amount.CheckPositive() != nil {
		return nil, ErrPaymentAmount.With("amount_fen", int64(r.Amount))
	}
	if r.BankCode != "" && (len(r.BankCode) != 3 || checkBankSerial(r.BankCode) != nil) {
		return nil, remitErr(ErrInvalidInput, "银行代码应为 3 位（联行号前三位）").With("bank_code", r.BankCode)
	}
	var res *PaymentResult
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res = nil
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		prev, err := receiptBySerial(ctx, tx, r.Serial)
		if err != nil {
			return err
		}
		if prev != nil {
			if prev.UnitID == nil || *prev.UnitID != u.ID || prev.Amount != r.Amount {
				return remitErr(ErrReceiptUsed, "银行流水号 %s 已登记入账，不能再次使用", r.Serial).With("bank_serial", r.Serial)
			}
			res = &PaymentResult{Status: prev.Status}
			if prev.Status == PaymentPosted && prev.RemittanceID != nil {
				b, err := billOf(ctx, tx, u.ID, *prev.RemittanceID, "")
				if err != nil {
					return err
				}
				res.Bill = b
			}
			return nil
		}
		b, err := nextRemitBill(ctx, tx, u)
		if err != nil {
			return err
		}
		if b != nil && b.Total == r.Amount && payableCheck(u, b) == nil {
			err := s.postBillTx(ctx, tx, u, b, &r)
			if err == nil {
				res = &PaymentResult{Status: PaymentPosted, Bill: b}
				return nil
			}
			if !errors.Is(err, ErrBillStale) { // stale: nothing written yet, book to suspense
				return err
			}
		}
		if err := s.receiptToSuspenseTx(ctx, tx, u, &r, nil); err != nil {
			return err
		}
		res = &PaymentResult{Status: PaymentSuspense}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// nextRemitBill returns the unit's generated 汇缴 bill for its next unpaid
// month, row-locked, or nil.
func nextRemitBill(ctx context.Context, tx *db.Tx, u *Unit) (*Bill, error) {
	var month date.Month
	switch {
	case !u.PaidThrough.IsZero():
		month = u.PaidThrough.Next()
	case !u.FirstMonth.IsZero():
		month = u.FirstMonth
	default: // no first month yet: the earliest generated bill
		var b Bill
		err := tx.GetContext(ctx, &b, `SELECT `+billCols+` FROM remittance WHERE unit_id = ? AND kind = ? AND status = ?
			ORDER BY month LIMIT 1`+tx.Dialect.ForUpdate(), u.ID, BillRemit, BillGenerated)
		if db.NoRows(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read next bill: %w", err)
		}
		return &b, nil
	}
	b, err := billByKeyTx(ctx, tx, u.ID, BillRemit, month, 0)
	if err != nil || b == nil || b.Status != BillGenerated {
		return nil, err
	}
	return b, nil
}

// AllocateSuspense pays one of the unit's generated bills (汇缴 or 补缴) from
// its 暂收未分摊 balance (分摊): one ledger entry, serial
// "ALC-<unit_no>-<month>-<batch>", debits the unit's suspense account and
// credits the employees' personal accounts; the bill is posted as by PayBill
// (for 汇缴 the paid-through months advance); audited. Called by staff or the
// unit's agent.
//
// Errors (nothing written): ErrUnitNotFound, ErrBillNotFound, ErrBillStatus
// (already posted), ErrUnitStatus, ErrMonthNotNext / ErrMonthPaid,
// ErrBillStale, and ErrSuspenseShort when the suspense balance is below the
// bill total (the message says how much is there).
func (s *Service) AllocateSuspense(ctx context.Context, unitNo string, billID int64) (*Bill, error) {
	var out *Bill
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		out = nil
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		b, err := billOf(ctx, tx, u.ID, billID, tx.Dialect.ForUpdate())
		if err != nil {
			return err
		}
		if err := payableCheck(u, b); err != nil {
			return err
		}
		var bal money.Fen
		err = tx.GetContext(ctx, &bal, `SELECT balance_fen FROM ledger_account WHERE code = ?`+tx.Dialect.ForUpdate(), ledger.CodeUnitSuspense+u.UnitNo)
		if err != nil && !db.NoRows(err) {
			return fmt.Errorf("read suspense of %s: %w", u.UnitNo, err)
		}
		if bal < b.Total {
			return remitErr(ErrSuspenseShort, "暂收未分摊余额 %s 元，不足清册金额 %s 元（还差 %s 元）", bal.Format(), b.Total.Format(), (b.Total-bal).Format()).
				With("suspense_fen", int64(bal)).With("bill_total_fen", int64(b.Total))
		}
		if err := s.postBillTx(ctx, tx, u, b, nil); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SuspenseBalance returns the unit's 暂收未分摊 balance. Called by the unit's
// agent or staff. Errors: ErrUnitNotFound.
func (s *Service) SuspenseBalance(ctx context.Context, unitNo string) (money.Fen, error) {
	if _, err := unitByNo(ctx, s.db, unitNo); err != nil {
		return 0, err
	}
	a, err := s.ledger.Account(ctx, ledger.CodeUnitSuspense+unitNo)
	if errors.Is(err, ledger.ErrUnknownAccount) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return a.Balance, nil
}
