package deposit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

var rmNov = date.MustParseMonth("2026-11")

// exec runs a statement directly (test setup: states other services reach).
func (e *env) rmExec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.ExecContext(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// setRounding adds a deposit.rounding version through maker-checker.
func (e *env) rmRounding(mode string, from date.Date) {
	e.t.Helper()
	if err := e.db.InTx(e.ctx, func(tx *db.Tx) error {
		return e.policy.AddVersion(e.ctx, tx, policy.Version{Key: policy.DepositRounding, Value: mode, EffectiveFrom: from,
			CreatedBy: "staff:maker", ApprovedBy: "staff:checker"})
	}); err != nil {
		e.t.Fatal(err)
	}
}

// snapshot is a fingerprint of everything a refused call must not change.
func (e *env) rmSnapshot() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT COUNT(*) FROM remittance`, `SELECT COUNT(*) FROM remittance_line`, `SELECT COUNT(*) FROM bank_receipt`,
		`SELECT COUNT(*) FROM journal_entry`, `SELECT COUNT(*) FROM posting`, `SELECT COUNT(*) FROM audit_log`,
		`SELECT COALESCE(SUM(balance_fen), 0) FROM ledger_account`, `SELECT COUNT(*) FROM ledger_account`,
	} {
		var n int64
		if err := e.db.GetContext(e.ctx, &n, q); err != nil {
			e.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d|", n)
	}
	var units []struct {
		No, Status, First, Paid string
	}
	if err := e.db.SelectContext(e.ctx, &units, `SELECT unit_no AS no, status, first_month AS first, paid_through AS paid FROM unit ORDER BY unit_no`); err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "%v|", units)
	var emps []string
	if err := e.db.SelectContext(e.ctx, &emps, `SELECT paid_through FROM employee_account ORDER BY id`); err != nil {
		e.t.Fatal(err)
	}
	b.WriteString(strings.Join(emps, ","))
	var bills []string
	if err := e.db.SelectContext(e.ctx, &bills, `SELECT status FROM remittance ORDER BY id`); err != nil {
		e.t.Fatal(err)
	}
	b.WriteString(strings.Join(bills, ","))
	return b.String()
}

func (e *env) rmBalance(code string) money.Fen {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Balance
}

func (e *env) rmCount(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.GetContext(e.ctx, &n, q, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// credit registers an incoming transfer at the simulated bank.
func (e *env) rmCredit(serial string, amount money.Fen) {
	e.bank.Credit(exchange.Receipt{Serial: serial, BankCode: bank, Amount: amount, PayerAccount: "6222000000001", PayerName: "测试单位",
		ReceivedOn: today})
}

func (e *env) rmAccounts(unitNo string) []string {
	e.t.Helper()
	emps, _, err := e.svc.Employees(e.ctx, unitNo, deposit.EmployeeFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]string, len(emps))
	for i, em := range emps {
		out[i] = em.AccountNo
	}
	return out
}

func TestGenerateBillAmounts(t *testing.T) {
	// domain.md §1.5: base 12,345.67 at 12%/12% (and 12%/5%) in several rounding modes.
	cases := []struct {
		name           string
		mode           string // "" = the seeded default HALF_UP_YUAN
		personBps      int64
		unit, personal money.Fen
	}{
		{"default half-up yuan 12/12", "", 1200, 148100, 148100},
		{"half-up fen", policy.HalfUpFen, 1200, 148148, 148148},
		{"half-up jiao 12/5", policy.HalfUpJiao, 500, 148150, 61730},
		{"ceil yuan 12/5", policy.CeilYuan, 500, 148200, 61800},
		{"trunc yuan", policy.TruncYuan, 1200, 148100, 148100},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, rmFresh(t, d))
				if tc.mode != "" {
					e.rmRounding(tc.mode, rmNov.First())
				}
				u := e.importUnit(0, 2)
				accts := e.rmAccounts(u.UnitNo)
				e.rmExec(`UPDATE employee_account SET base_fen = ? WHERE account_no = ?`, 1_234_567, accts[0])
				e.rmExec(`UPDATE unit SET ratio_person_bps = ? WHERE unit_no = ?`, tc.personBps, u.UnitNo)
				b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
				if err != nil {
					t.Fatal(err)
				}
				if b.Headcount != 2 || len(b.Lines) != 2 || b.Status != deposit.BillGenerated || b.Kind != deposit.BillRemit || b.Month != rmNov {
					t.Fatalf("bill = %+v", b)
				}
				l := b.Lines[0]
				if l.AccountNo != accts[0] || l.Base != 1_234_567 || l.UnitFen != tc.unit || l.PersonFen != tc.personal || l.Name == "" {
					t.Fatalf("line = %+v, want %s + %s", l, tc.unit, tc.personal)
				}
				other, _ := deposit.Contribution(1_000_000, tc.personBps, map[bool]string{true: policy.HalfUpYuan, false: tc.mode}[tc.mode == ""])
				if b.UnitPart != tc.unit+120000 || b.PersonalPart != tc.personal+other || b.Total != b.UnitPart+b.PersonalPart {
					t.Fatalf("totals = %s + %s = %s", b.UnitPart, b.PersonalPart, b.Total)
				}
				e.verifyBooks()
			})
		}
	})
}

// fresh returns a new empty store of d's dialect (for table cases that each
// need their own).
func rmFresh(t *testing.T, d *db.DB) *db.DB {
	if d.Dialect == db.MySQL {
		return dbtest.MySQL(t)
	}
	return dbtest.SQLite(t)
}

func TestBillJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 1)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(b)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "month", "headcount", "unit_part_fen", "personal_part_fen", "total_fen", "status", "lines"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("bill JSON lacks %q: %s", k, raw)
			}
		}
		line := m["lines"].([]any)[0].(map[string]any)
		for _, k := range []string{"account_no", "name", "base_fen", "unit_fen", "personal_fen"} {
			if _, ok := line[k]; !ok {
				t.Fatalf("line JSON lacks %q: %s", k, raw)
			}
		}
		if m["month"] != "2026-11" || m["total_fen"] != float64(240000) {
			t.Fatalf("bill JSON = %s", raw)
		}
	})
}

func TestGenerateBillRefused(t *testing.T) {
	cases := []struct {
		name  string
		setup string // SQL run before the call
		month string
		want  error
		msg   string // part of the message
	}{
		{"month already paid", "", "2026-10", deposit.ErrMonthPaid, "2026-11"},
		{"month not next", "", "2026-12", deposit.ErrMonthNotNext, "2026-11"},
		{"future month", `UPDATE unit SET paid_through = '2026-11'`, "2026-12", deposit.ErrMonthFuture, "2026-11"},
		{"deferral", `UPDATE unit SET status = '03'`, "2026-11", deposit.ErrUnitStatus, "缓缴"},
		{"closed", `UPDATE unit SET status = '04'`, "2026-11", deposit.ErrUnitStatus, "销户"},
		{"sealed", `UPDATE unit SET status = '05'`, "2026-11", deposit.ErrUnitStatus, "封存"},
		{"no contributors", `UPDATE employee_account SET status = '02'`, "2026-11", deposit.ErrNoContributors, ""},
		{"first month not as registered", `UPDATE unit SET paid_through = '', first_month = '2026-09'`, "2026-11", deposit.ErrMonthNotNext, "2026-09"},
		{"before the opening month", `UPDATE unit SET status = '02', paid_through = '', first_month = ''`, "2026-10", deposit.ErrMonthNotNext, "2026-11"},
		{"zero month", "", "", deposit.ErrInvalidInput, ""},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, rmFresh(t, d))
				u := e.importUnit(0, 2)
				if tc.setup != "" {
					e.rmExec(tc.setup)
				}
				before := e.rmSnapshot()
				var m date.Month
				if tc.month != "" {
					m = date.MustParseMonth(tc.month)
				}
				_, err := e.svc.GenerateBill(e.ctx, u.UnitNo, m)
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if !strings.Contains(errs.E(err).Message, tc.msg) {
					t.Fatalf("message %q does not name %q", errs.E(err).Message, tc.msg)
				}
				if after := e.rmSnapshot(); after != before {
					t.Fatalf("refused call changed the store:\n%s\n%s", before, after)
				}
			})
		}
		e := newEnv(t, d)
		if _, err := e.svc.GenerateBill(e.ctx, "999", rmNov); !errors.Is(err, deposit.ErrUnitNotFound) {
			t.Fatalf("unknown unit: %v", err)
		}
	})
}

func TestGenerateBillRoster(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 4)
		a := e.rmAccounts(u.UnitNo)
		e.rmExec(`UPDATE employee_account SET status = '02' WHERE account_no = ?`, a[1])            // sealed
		e.rmExec(`UPDATE employee_account SET paid_through = '2026-11' WHERE account_no = ?`, a[2]) // paid here by a transfer-in
		e.rmExec(`UPDATE employee_account SET start_month = '2026-12' WHERE account_no = ?`, a[3])  // starts next month
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		if b.Headcount != 1 || b.Lines[0].AccountNo != a[0] || b.Total != 240000 {
			t.Fatalf("bill = %+v", b)
		}
		audits := e.rmCount(`SELECT COUNT(*) FROM audit_log`)
		// The same roster: the stored bill, nothing written.
		again, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil || again.ID != b.ID || again.Total != b.Total || len(again.Lines) != 1 || e.rmCount(`SELECT COUNT(*) FROM audit_log`) != audits {
			t.Fatalf("again = %+v, %v", again, err)
		}
		// Unsealed and with a new base: regenerated in place.
		e.rmExec(`UPDATE employee_account SET status = '01', base_fen = 500000 WHERE account_no = ?`, a[1])
		re, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil || re.ID != b.ID || re.Headcount != 2 || re.Total != 240000+120000 {
			t.Fatalf("regenerated = %+v, %v", re, err)
		}
		if n := e.rmCount(`SELECT COUNT(*) FROM remittance_line WHERE remittance_id = ?`, b.ID); n != 2 {
			t.Fatalf("lines after regeneration = %d", n)
		}
		if n := e.rmCount(`SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.bill_regenerate'`); n != 1 {
			t.Fatalf("regenerate audits = %d", n)
		}
		got, err := e.svc.Bill(e.ctx, u.UnitNo, b.ID)
		if err != nil || got.Total != re.Total || len(got.Lines) != 2 || got.Lines[1].Name == "" {
			t.Fatalf("Bill = %+v, %v", got, err)
		}
		other := e.importUnit(1, 1)
		if _, err := e.svc.Bill(e.ctx, other.UnitNo, b.ID); !errors.Is(err, deposit.ErrBillNotFound) {
			t.Fatalf("another unit's bill: %v", err)
		}
		e.verifyBooks()
	})
}

func TestPayBill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 3)
		other := e.importUnit(1, 1)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		const total = 3 * 240000
		if b.Total != total {
			t.Fatalf("total = %s", b.Total)
		}
		e.rmCredit("BK001", total)
		e.rmCredit("BK002", 5)
		bankBefore := e.rmBalance(ledger.BankCode(bank))

		// Refused, nothing written.
		refused := []struct {
			name   string
			unit   string
			id     int64
			serial string
			amount money.Fen
			want   error
		}{
			{"unknown serial", u.UnitNo, b.ID, "BK404", total, exchange.ErrUnknownReceipt},
			{"claim differs from the bank", u.UnitNo, b.ID, "BK001", total - 1, deposit.ErrClaimMismatch},
			{"bad serial", u.UnitNo, b.ID, "BK 1", total, deposit.ErrBankSerial},
			{"zero amount", u.UnitNo, b.ID, "BK001", 0, deposit.ErrPaymentAmount},
			{"another unit's bill", other.UnitNo, b.ID, "BK001", total, deposit.ErrBillNotFound},
			{"unknown bill", u.UnitNo, b.ID + 100, "BK001", total, deposit.ErrBillNotFound},
			{"unknown unit", "404", b.ID, "BK001", total, deposit.ErrUnitNotFound},
		}
		for _, tc := range refused {
			before := e.rmSnapshot()
			if _, err := e.svc.PayBill(e.ctx, tc.unit, tc.id, tc.serial, tc.amount); !errors.Is(err, tc.want) {
				t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
			if after := e.rmSnapshot(); after != before {
				t.Fatalf("%s changed the store", tc.name)
			}
		}
		if errs.KindOf(exchange.ErrUnknownReceipt) != errs.NotFound {
			t.Fatal("unknown receipt must be a 404")
		}

		res, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "BK001", total)
		if err != nil {
			t.Fatal(err)
		}
		serial := "REM-" + u.UnitNo + "-2026-11"
		if res.Status != deposit.PaymentPosted || res.Bill.Status != deposit.BillPosted || res.Bill.EntrySerial != serial ||
			res.Bill.BankSerial == nil || *res.Bill.BankSerial != "BK001" || res.Bill.Total != total {
			t.Fatalf("result = %+v", res)
		}
		for _, a := range e.rmAccounts(u.UnitNo) {
			if bal := e.rmBalance(ledger.PersonalCode(a)); bal != money.Yuan(1000)+240000 {
				t.Fatalf("balance of %s = %s", a, bal)
			}
			em, _ := e.svc.Employee(e.ctx, a)
			if em.PaidThrough != rmNov {
				t.Fatalf("employee paid through %s", em.PaidThrough)
			}
		}
		if got := e.rmBalance(ledger.BankCode(bank)) - bankBefore; got != total {
			t.Fatalf("bank moved %s", got)
		}
		uu, _ := e.svc.Unit(e.ctx, u.UnitNo)
		if uu.PaidThrough != rmNov || uu.Status != deposit.UnitNormal {
			t.Fatalf("unit = %+v", uu)
		}
		ent, err := e.ledger.Entry(e.ctx, serial)
		if err != nil || ent.BizType != policy.BizRemit || len(ent.Lines) != 4 {
			t.Fatalf("entry = %+v, %v", ent, err)
		}

		// The same serial again: the first result, nothing written.
		before := e.rmSnapshot()
		again, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "BK001", total)
		if err != nil || again.Status != deposit.PaymentPosted || again.Bill.ID != b.ID || again.Bill.Status != deposit.BillPosted {
			t.Fatalf("again = %+v, %v", again, err)
		}
		if e.rmSnapshot() != before {
			t.Fatal("repeated payment wrote")
		}
		// Another serial for the posted bill; the used serial for another unit's bill.
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "BK002", 5); !errors.Is(err, deposit.ErrBillStatus) {
			t.Fatalf("second payment of a posted bill: %v", err)
		}
		ob, err := e.svc.GenerateBill(e.ctx, other.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		e.rmCredit("BK003", ob.Total)
		before = e.rmSnapshot()
		if _, err := e.svc.PayBill(e.ctx, other.UnitNo, ob.ID, "BK001", total); !errors.Is(err, deposit.ErrReceiptUsed) {
			t.Fatalf("used serial on another unit: %v", err)
		}
		if e.rmSnapshot() != before {
			t.Fatal("refused payments wrote")
		}
		// The next month is generated once the business month allows it.
		if _, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov); !errors.Is(err, deposit.ErrMonthPaid) {
			t.Fatalf("paid month again: %v", err)
		}
		if _, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov.Next()); !errors.Is(err, deposit.ErrMonthFuture) {
			t.Fatalf("next month before it starts: %v", err)
		}
		list, err := e.svc.Bills(e.ctx, u.UnitNo, 0)
		if err != nil || len(list) != 1 || list[0].Status != deposit.BillPosted || list[0].Lines != nil {
			t.Fatalf("bills = %+v, %v", list, err)
		}
		sum, err := e.svc.UnitSummary(e.ctx, u.UnitNo)
		if err != nil || sum.Headcount != 3 || sum.SealedCount != 0 || sum.PaidThrough != rmNov || sum.BalanceFen != 3*(money.Yuan(1000)+240000) ||
			sum.SuspenseFen != 0 || sum.ArrearsMonths != 0 {
			t.Fatalf("summary = %+v, %v", sum, err)
		}
		if n := e.rmCount(`SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.remittance_post' AND object = ?`, "unit:"+u.UnitNo); n != 1 {
			t.Fatalf("post audits = %d", n)
		}
		e.verifyBooks()
	})
}

func TestFirstRemittanceOpensUnit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		// A newly opened unit (02): nothing paid, no first month yet.
		e.rmExec(`UPDATE unit SET status = '02', first_month = '', paid_through = '', opened_on = '2026-09-01'`)
		e.rmExec(`UPDATE employee_account SET paid_through = '', start_month = '2026-10'`)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil || b.Headcount != 2 {
			t.Fatalf("bill = %+v, %v", b, err)
		}
		// One pending first bill at a time.
		if _, err := e.svc.GenerateBill(e.ctx, u.UnitNo, date.MustParseMonth("2026-10")); !errors.Is(err, deposit.ErrMonthNotNext) ||
			!strings.Contains(errs.E(err).Message, "2026-11") {
			t.Fatalf("second first bill: %v", err)
		}
		e.rmCredit("FIRST1", b.Total)
		if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "FIRST1", b.Total); err != nil {
			t.Fatal(err)
		}
		uu, _ := e.svc.Unit(e.ctx, u.UnitNo)
		if uu.Status != deposit.UnitNormal || uu.FirstMonth != rmNov || uu.PaidThrough != rmNov {
			t.Fatalf("unit after first remittance = %+v", uu)
		}
		e.verifyBooks()
	})
}

func TestUnitSummaryArrears(t *testing.T) {
	cases := []struct {
		setup string
		want  int
	}{
		{``, 0},
		{`UPDATE unit SET paid_through = '2026-08'`, 2},
		{`UPDATE unit SET paid_through = '2026-11'`, 0},
		{`UPDATE unit SET paid_through = '', first_month = '2026-09'`, 2},
		{`UPDATE unit SET paid_through = '', first_month = ''`, 0},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 2)
		e.rmExec(`UPDATE employee_account SET status = '02' WHERE account_no = ?`, e.rmAccounts(u.UnitNo)[0])
		for _, tc := range cases {
			e.rmExec(`UPDATE unit SET paid_through = '2026-10', first_month = '2020-01'`)
			if tc.setup != "" {
				e.rmExec(tc.setup)
			}
			s, err := e.svc.UnitSummary(e.ctx, u.UnitNo)
			if err != nil || s.ArrearsMonths != tc.want || s.Headcount != 1 || s.SealedCount != 1 || s.BalanceFen != money.Yuan(2000) {
				t.Fatalf("%q: summary = %+v, %v", tc.setup, s, err)
			}
		}
		if _, err := e.svc.UnitSummary(e.ctx, "404"); !errors.Is(err, deposit.ErrUnitNotFound) {
			t.Fatalf("unknown unit: %v", err)
		}
	})
}

// TestPayBillConcurrent: 20 payments of one bill at once, half with the same
// serial and half with serials of their own: exactly one posting.
func TestPayBillConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 5)
		b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		serials := make([]string, n)
		for i := range n {
			serials[i] = "SAME"
			if i%2 == 1 {
				serials[i] = fmt.Sprintf("OWN%02d", i)
			}
			e.rmCredit(serials[i], b.Total)
		}
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, serials[i], b.Total)
				if err == nil && (res.Status != deposit.PaymentPosted || res.Bill.BankSerial == nil || *res.Bill.BankSerial != serials[i]) {
					err = fmt.Errorf("unexpected result %+v", res)
				}
				results[i] = err
			}()
		}
		wg.Wait()
		ok := map[string]int{}
		for i, err := range results {
			switch {
			case err == nil:
				ok[serials[i]]++
			case errors.Is(err, deposit.ErrBillStatus):
			default:
				t.Fatalf("payment %d (%s): %v", i, serials[i], err)
			}
		}
		if len(ok) != 1 {
			t.Fatalf("successful serials = %v, want exactly one", ok)
		}
		if n := e.rmCount(`SELECT COUNT(*) FROM journal_entry WHERE serial LIKE 'REM-%'`); n != 1 {
			t.Fatalf("remittance entries = %d", n)
		}
		if n := e.rmCount(`SELECT COUNT(*) FROM bank_receipt`); n != 1 {
			t.Fatalf("receipts = %d", n)
		}
		for _, a := range e.rmAccounts(u.UnitNo) {
			if bal := e.rmBalance(ledger.PersonalCode(a)); bal != money.Yuan(1000)+240000 {
				t.Fatalf("balance of %s = %s", a, bal)
			}
		}
		e.verifyBooks()
	})
}

// TestConcurrentUnits: bills of several units generated and paid in parallel.
func TestConcurrentUnits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		units := []*deposit.Unit{e.importUnit(0, 30), e.importUnit(1, 30), e.importUnit(2, 30)}
		var wg sync.WaitGroup
		errc := make(chan error, len(units)*2)
		for i, u := range units {
			for k := range 2 { // two agents of the unit do the same thing
				wg.Add(1)
				go func() {
					defer wg.Done()
					b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
					if errors.Is(err, deposit.ErrMonthPaid) { // the other agent was quicker
						errc <- nil
						return
					}
					if err != nil {
						errc <- err
						return
					}
					serial := fmt.Sprintf("PAR%d", i)
					e.rmCredit(serial, b.Total)
					res, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, serial, b.Total)
					if err == nil && res.Status != deposit.PaymentPosted {
						err = fmt.Errorf("agent %d: %+v", k, res)
					}
					errc <- err
				}()
			}
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		var months []string
		if err := e.db.SelectContext(e.ctx, &months, `SELECT DISTINCT paid_through FROM employee_account`); err != nil {
			t.Fatal(err)
		}
		sort.Strings(months)
		if len(months) != 1 || months[0] != "2026-11" || e.rmCount(`SELECT COUNT(*) FROM journal_entry WHERE serial LIKE 'REM-%'`) != 3 {
			t.Fatalf("paid through %v", months)
		}
		e.verifyBooks()
	})
}

// TestPayBillStale: an employee closed, or paid for the month elsewhere,
// after the bill was generated: the payment is refused with nothing written
// (PayBill), or the money goes to suspense (ImportReceipt); regenerating fixes it.
func TestPayBillStale(t *testing.T) {
	cases := []struct {
		name, setup string
	}{
		{"closed by withdrawal", `UPDATE employee_account SET status = '05' WHERE account_no = ?`},
		{"paid for the month elsewhere", `UPDATE employee_account SET paid_through = '2026-11' WHERE account_no = ?`},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, rmFresh(t, d))
				u := e.importUnit(0, 2)
				a := e.rmAccounts(u.UnitNo)
				b, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
				if err != nil {
					t.Fatal(err)
				}
				e.rmExec(tc.setup, a[1])
				e.rmCredit("ST1", b.Total)
				before := e.rmSnapshot()
				if _, err := e.svc.PayBill(e.ctx, u.UnitNo, b.ID, "ST1", b.Total); !errors.Is(err, deposit.ErrBillStale) ||
					!strings.Contains(errs.E(err).Message, a[1]) {
					t.Fatalf("stale bill: %v", err)
				}
				if e.rmSnapshot() != before {
					t.Fatal("refused payment wrote")
				}
				r, _ := e.bank.Receipt(e.ctx, "ST1")
				if res, err := e.svc.ImportReceipt(e.ctx, r, u.UnitNo); err != nil || res.Status != deposit.PaymentSuspense {
					t.Fatalf("import for a stale bill = %+v, %v", res, err)
				}
				re, err := e.svc.GenerateBill(e.ctx, u.UnitNo, rmNov)
				if err != nil || re.ID != b.ID || re.Headcount != 1 {
					t.Fatalf("regenerated = %+v, %v", re, err)
				}
				if _, err := e.svc.AllocateSuspense(e.ctx, u.UnitNo, re.ID); err != nil {
					t.Fatal(err)
				}
				if bal, _ := e.svc.SuspenseBalance(e.ctx, u.UnitNo); bal != b.Total-re.Total {
					t.Fatalf("suspense left = %s", bal)
				}
				e.verifyBooks()
			})
		}
	})
}
