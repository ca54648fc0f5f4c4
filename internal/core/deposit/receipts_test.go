package deposit_test

import (
	"errors"
	"strings"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// TestMismatchThenAllocate: a transfer that does not match the bill goes to
// the unit's suspense; a second transfer tops it up; allocation pays the bill.
func TestMismatchThenAllocate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 3)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		const total = 3 * 240000
		e.rmCredit("SHORT1", total-20000)
		_, err = e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "SHORT1", total-20000)
		if !errors.Is(err, deposit.ErrPaymentMismatch) || !strings.Contains(errs.E(err).Message, "7,000.00") {
			t.Fatalf("short payment: %v", err)
		}
		susp := ledger.CodeUnitSuspense + u.UnitNo
		if bal := e.rmBalance(susp); bal != total-20000 {
			t.Fatalf("suspense = %s", bal)
		}
		if got, _ := e.svc.Bill(e.ctx, u.UnitNo, b.ID); got.Status != deposit.BillGenerated {
			t.Fatalf("bill after mismatch = %+v", got)
		}
		if ent, err := e.ledger.Entry(e.ctx, "RCV-SHORT1"); err != nil || len(ent.Lines) != 2 {
			t.Fatalf("suspense entry = %+v, %v", ent, err)
		}
		// The same claim again: the same answer, nothing new.
		before := e.rmSnapshot()
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "SHORT1", total-20000); !errors.Is(err, deposit.ErrPaymentMismatch) {
			t.Fatalf("repeated short payment: %v", err)
		}
		// Allocation while the suspense is short: refused, the message says how much is there.
		_, err = e.svc.AllocateSuspense(e.ctx, u.UnitNo, b.ID)
		if !errors.Is(err, deposit.ErrSuspenseShort) || !strings.Contains(errs.E(err).Message, "7,000.00") || !strings.Contains(errs.E(err).Message, "200.00") {
			t.Fatalf("short allocation: %v", err)
		}
		if e.rmSnapshot() != before {
			t.Fatal("refused calls wrote")
		}
		// The rest arrives on the bank statement: no bill of that amount, so suspense.
		res, err := e.svc.ImportReceipt(e.ctx, exchange.Receipt{Serial: "REST1", BankCode: bank, Amount: 20000, PayerName: u.Name, ReceivedOn: today}, u.UnitNo)
		if err != nil || res.Status != deposit.PaymentSuspense || res.Bill != nil {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if bal, err := e.svc.SuspenseBalance(e.ctx, u.UnitNo); err != nil || bal != total {
			t.Fatalf("suspense balance = %s, %v", bal, err)
		}
		paid, err := e.svc.AllocateSuspense(e.ctx, u.UnitNo, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantSerial := "ALC-" + u.UnitNo + "-2026-11-0"
		if paid.Status != deposit.BillPosted || paid.EntrySerial != wantSerial || paid.BankSerial != nil || paid.Total != total {
			t.Fatalf("allocated bill = %+v", paid)
		}
		if bal := e.rmBalance(susp); bal != 0 {
			t.Fatalf("suspense after allocation = %s", bal)
		}
		for _, a := range e.rmAccounts(u.UnitNo) {
			if bal := e.rmBalance(ledger.PersonalCode(a)); bal != money.Yuan(1000)+240000 {
				t.Fatalf("balance of %s = %s", a, bal)
			}
		}
		uu, _ := e.svc.Unit(e.ctx, u.UnitNo)
		if uu.PaidThrough != rmNov {
			t.Fatalf("unit paid through %s", uu.PaidThrough)
		}
		if _, err := e.svc.AllocateSuspense(e.ctx, u.UnitNo, b.ID); !errors.Is(err, deposit.ErrBillStatus) {
			t.Fatalf("second allocation: %v", err)
		}
		// The short transfer claimed again once the bill is posted: the bill's status, not a mismatch.
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "SHORT1", total-20000); !errors.Is(err, deposit.ErrBillStatus) {
			t.Fatalf("short serial for a posted bill: %v", err)
		}
		if n := e.rmCount(`SELECT COUNT(*) FROM bank_receipt WHERE status = 'suspense'`); n != 2 {
			t.Fatalf("suspense receipts = %d", n)
		}
		lines, err := e.svc.UnitStatement(e.ctx, u.UnitNo, today, today)
		if err != nil || len(lines) != 3 {
			t.Fatalf("unit statement = %+v, %v", lines, err)
		}
		e.verifyBooks()
	})
}

func TestImportReceipt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		other := e.importUnit(1, 1)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		r := exchange.Receipt{Serial: "STMT-0001", Amount: b.Total, PayerName: u.Name, Memo: "11月公积金", ReceivedOn: today}
		res, err := e.svc.ImportReceipt(e.ctx, r, u.UnitNo)
		if err != nil || res.Status != deposit.PaymentPosted || res.Bill == nil || res.Bill.ID != b.ID || res.Bill.EntrySerial != "REM-"+u.UnitNo+"-2026-11" {
			t.Fatalf("import = %+v, %v", res, err)
		}
		// The statement imported twice: the same outcome, nothing written.
		before := e.rmSnapshot()
		again, err := e.svc.ImportReceipt(e.ctx, r, u.UnitNo)
		if err != nil || again.Status != deposit.PaymentPosted || again.Bill == nil || again.Bill.ID != b.ID {
			t.Fatalf("again = %+v, %v", again, err)
		}
		refused := []struct {
			name string
			r    exchange.Receipt
			unit string
			want error
		}{
			{"used by another unit", r, other.UnitNo, deposit.ErrReceiptUsed},
			{"same serial, other amount", exchange.Receipt{Serial: r.Serial, Amount: 1}, u.UnitNo, deposit.ErrReceiptUsed},
			{"bad serial", exchange.Receipt{Serial: "", Amount: 1}, u.UnitNo, deposit.ErrBankSerial},
			{"negative amount", exchange.Receipt{Serial: "X1", Amount: -1}, u.UnitNo, deposit.ErrPaymentAmount},
			{"bad bank code", exchange.Receipt{Serial: "X1", Amount: 1, BankCode: "1021"}, u.UnitNo, deposit.ErrInvalidInput},
			{"unknown unit", exchange.Receipt{Serial: "X1", Amount: 1}, "404", deposit.ErrUnitNotFound},
		}
		for _, tc := range refused {
			if _, err := e.svc.ImportReceipt(e.ctx, tc.r, tc.unit); !errors.Is(err, tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if e.rmSnapshot() != before {
			t.Fatal("repeated or refused imports wrote")
		}
		// A receipt at another settlement bank opens that bank's deposit account.
		res, err = e.svc.ImportReceipt(e.ctx, exchange.Receipt{Serial: "ICBC-1", BankCode: "105", Amount: 777}, other.UnitNo)
		if err != nil || res.Status != deposit.PaymentSuspense {
			t.Fatalf("other bank = %+v, %v", res, err)
		}
		if bal := e.rmBalance(ledger.BankCode("105")); bal != 777 {
			t.Fatalf("bank 105 = %s", bal)
		}
		sum, err := e.svc.UnitSummary(e.ctx, other.UnitNo)
		if err != nil || sum.SuspenseFen != 777 || sum.ArrearsMonths != 0 || sum.PaidThrough.String() != "2026-10" {
			t.Fatalf("summary = %+v, %v", sum, err)
		}
		// A unit in deferral: the money is booked to suspense, no bill is paid.
		e.rmExec(`UPDATE unit SET status = '03' WHERE unit_no = ?`, other.UnitNo)
		res, err = e.svc.ImportReceipt(e.ctx, exchange.Receipt{Serial: "DEF-1", Amount: 240000}, other.UnitNo)
		if err != nil || res.Status != deposit.PaymentSuspense {
			t.Fatalf("deferred unit = %+v, %v", res, err)
		}
		e.verifyBooks()
	})
}

// TestLosingPaymentImported: the transfer whose PayBill lost to another
// payment of the same bill is booked later with ImportReceipt.
func TestLosingPaymentImported(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 1)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		e.rmCredit("WIN", b.Total)
		e.rmCredit("LOSE", b.Total)
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "WIN", b.Total); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "LOSE", b.Total); !errors.Is(err, deposit.ErrBillStatus) {
			t.Fatalf("losing payment: %v", err)
		}
		lose, _ := e.bank.Receipt(e.ctx, "LOSE")
		res, err := e.svc.ImportReceipt(e.ctx, lose, u.UnitNo)
		if err != nil || res.Status != deposit.PaymentSuspense {
			t.Fatalf("import of the losing transfer = %+v, %v", res, err)
		}
		if bal, _ := e.svc.SuspenseBalance(e.ctx, u.UnitNo); bal != b.Total {
			t.Fatalf("suspense = %s", bal)
		}
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "LOSE", b.Total); !errors.Is(err, deposit.ErrBillStatus) {
			t.Fatalf("the losing serial again: %v", err)
		}
		// A transfer on the statement before the bill existed sits in the
		// suspense: PayBill with it points to allocation, which pays the bill.
		other := e.importUnit(1, 1)
		e.rmCredit("PRE-1", 240000)
		pre, _ := e.bank.Receipt(e.ctx, "PRE-1")
		if res, err := e.svc.ImportReceipt(e.ctx, pre, other.UnitNo); err != nil || res.Status != deposit.PaymentSuspense {
			t.Fatalf("early transfer = %+v, %v", res, err)
		}
		ob, err := e.svc.GenerateBill(e.ctx, other.UnitNo, rmNov)
		if err != nil || ob.Total != 240000 {
			t.Fatalf("bill = %+v, %v", ob, err)
		}
		_, err = e.svc.PayBill(e.ctx, other.UnitNo, ob.ID, "PRE-1", 240000)
		if !errors.Is(err, deposit.ErrReceiptUsed) || !strings.Contains(errs.E(err).Message, "暂收未分摊") {
			t.Fatalf("pay with a suspense receipt: %v", err)
		}
		if _, err := e.svc.AllocateSuspense(e.ctx, other.UnitNo, ob.ID); err != nil {
			t.Fatal(err)
		}
		e.verifyBooks()
	})
}
