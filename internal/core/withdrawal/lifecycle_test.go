package withdrawal_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/core/withdrawal"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/workcal"
)

// TestRentAutoApprovedAndPaid: a rent withdrawal passes every rule, is
// approved at once and paid; the ledger moves the money personal →
// clearing → bank, the person gets an SMS, and a replay of the key answers
// the first receipt without writing anything.
func TestRentAutoApprovedAndPaid(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		p, ctx := e.person(li, "app")
		bank0 := e.ledgerBalance(ledger.BankCode(app.SettlementBank))
		r, err := e.svc.Submit(ctx, p, "key-1", rentInput(li, money.Yuan(4_500)))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != withdrawal.StatusPaid || r.Replayed || r.Amount != money.Yuan(4_500) || r.Reason != "rent" {
			t.Fatalf("receipt %+v", r)
		}
		for _, c := range r.Checks {
			if !c.Passed {
				t.Errorf("check %+v", c)
			}
		}
		if got := e.balance(li); got != li.Opening-money.Yuan(4_500) {
			t.Errorf("balance %v", got)
		}
		if got := e.ledgerBalance(ledger.CodeWithdrawalClearing); got != 0 {
			t.Errorf("clearing %v", got)
		}
		if got := e.ledgerBalance(ledger.BankCode(app.SettlementBank)); got != bank0-money.Yuan(4_500) {
			t.Errorf("bank %v, was %v", got, bank0)
		}
		for _, serial := range []string{fmt.Sprintf("WD-%d", r.ID), fmt.Sprintf("WD-PAID-%d", r.ID)} {
			en, err := a.Ledger.Entry(e.ctx, serial)
			if err != nil || en.BizType != "11" {
				t.Errorf("entry %s: %+v %v", serial, en, err)
			}
		}
		orders := e.bank.Orders()
		if len(orders) != 1 || orders[0].PayeeCard != demo.BankCard(li) || orders[0].Amount != money.Yuan(4_500) || orders[0].PayeeName != li.Name {
			t.Errorf("orders %+v", orders)
		}
		m := e.sms.last(t, "withdrawal.paid")
		if m.phone != li.Mobile || m.vars["reason"] != "租房" || m.vars["amount"] != "4,500.00" || m.vars["card_tail"] != "1202" ||
			m.vars["balance"] != (li.Opening-money.Yuan(4_500)).Format() {
			t.Errorf("sms %+v", m)
		}

		got, err := e.svc.PersonApplication(e.ctx, p.SubjectID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range got.Events {
			actions = append(actions, ev.Action)
		}
		if strings.Join(actions, ",") != "submit,auto_approve,paid" || got.Channel != "app" || got.PaidOn == nil || *got.PaidOn != e.today ||
			got.BankSerial == "" || got.ReviewLevel != 0 {
			t.Errorf("application %+v actions %v", got, actions)
		}
		if _, err := e.svc.PersonApplication(e.ctx, p.SubjectID+1, r.ID); !isCode(err, "withdrawal.not_found") {
			t.Errorf("another person's application: %v", err)
		}

		// The same key and application: the first answer, nothing written.
		rows, entries, audits := e.count("withdrawal_application"), e.count("journal_entry"), e.count("audit_log")
		in := rentInput(li, money.Yuan(4_500))
		in.SMSCode = "000000" // a retry may carry another code: it is not checked again
		again, err := e.svc.Submit(ctx, p, "key-1", in)
		if err != nil || !again.Replayed || again.ID != r.ID || again.Status != r.Status || len(again.Checks) != len(r.Checks) {
			t.Fatalf("replay %+v %v", again, err)
		}
		// The same key with another application: refused.
		if _, err := e.svc.Submit(ctx, p, "key-1", rentInput(li, money.Yuan(4_000))); !isCode(err, "withdrawal.idempotency_conflict") {
			t.Errorf("other body: %v", err)
		}
		if e.count("withdrawal_application") != rows || e.count("journal_entry") != entries || e.count("audit_log") != audits {
			t.Error("a replay wrote something")
		}
		// A second rent within the interval is refused by the rule.
		_, err = e.svc.Submit(ctx, p, "key-2", rentInput(li, money.Yuan(100)))
		if !isCode(err, "withdrawal.interval") {
			t.Errorf("second rent: %v", err)
		}
		e.verify()
	})
}

// TestRefusals: bad input and rules that fail leave nothing behind: no
// application, no posting, no audit record, no gate usage kept.
func TestRefusals(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		pl, ctxL := e.person(li, "app")
		pz, ctxZ := e.person(zhang, "web")
		pw, ctxW := e.person(wang, "app")
		if _, err := a.Deposit.FreezeEmployee(e.staff("reviewer"), chen.AccountNo, "法院冻结"); err != nil {
			t.Fatal(err)
		}
		pc, ctxC := e.person(chen, "app")
		// 王建国's account is closed by a 销户 withdrawal first.
		e.setRules(func(d *rules.Doc) { d.Review.AutoApproveMaxFen = money.Yuan(100_000) })
		if r, err := e.svc.Submit(ctxW, pw, "close", withdrawal.Input{Reason: "retire", BankCard: demo.BankCard(wang), SMSCode: goodCode}); err != nil ||
			r.Status != withdrawal.StatusPaid {
			t.Fatalf("retire %+v %v", r, err)
		}
		a.Housing.SetHomes(li.IDNumber, 0)
		// 李明 has an application waiting for review (medical).
		pending, err := e.svc.Submit(ctxL, pl, "med", withdrawal.Input{Reason: "medical", Amount: money.Yuan(1_000), ProofNo: "ZD-1",
			CostFen: money.Yuan(2_000), BankCard: demo.BankCard(li), SMSCode: goodCode})
		if err != nil || pending.Status != withdrawal.StatusPendingReview {
			t.Fatalf("medical %+v %v", pending, err)
		}

		cases := []struct {
			name string
			do   func() error
			code string
		}{
			{"above the balance", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "k1", rentInput(zhang, zhang.Opening+1))
				return err
			}, "withdrawal.balance"},
			{"above the cap", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "k2", rentInput(zhang, money.Yuan(4_500)+1))
				return err
			}, "withdrawal.amount_cap"},
			{"unknown reason", func() error {
				in := rentInput(zhang, 100)
				in.Reason = "holiday"
				_, err := e.svc.Submit(ctxZ, pz, "k3", in)
				return err
			}, "withdrawal.unknown_reason"},
			{"reason not allowed with a loan", func() error {
				e.loans.mu.Lock()
				e.loans.open[pz.SubjectID] = true
				e.loans.mu.Unlock()
				defer func() { e.loans.mu.Lock(); delete(e.loans.open, pz.SubjectID); e.loans.mu.Unlock() }()
				_, err := e.svc.Submit(ctxZ, pz, "k4", rentInput(zhang, 100))
				return err
			}, "withdrawal.loan"},
			{"repay loan without a loan", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "k5", withdrawal.Input{Reason: "repay_loan", Amount: 100, BankCard: demo.BankCard(zhang), SMSCode: goodCode})
				return err
			}, "withdrawal.loan"},
			{"second pending", func() error {
				_, err := e.svc.Submit(ctxL, pl, "k6", rentInput(li, 100))
				return err
			}, "withdrawal.pending"},
			{"frozen", func() error {
				_, err := e.svc.Submit(ctxC, pc, "k7", rentInput(chen, 100))
				return err
			}, "withdrawal.account_status"},
			{"closed", func() error {
				_, err := e.svc.Submit(ctxW, pw, "k8", rentInput(wang, 100))
				return err
			}, "withdrawal.account_status"},
			{"wrong OTP", func() error {
				in := rentInput(zhang, 100)
				in.SMSCode = "135790"
				_, err := e.svc.Submit(ctxZ, pz, "k9", in)
				return err
			}, "identity.otp_wrong"},
			{"L1 session", func() error {
				p1 := *pz
				p1.Level = 1
				_, err := e.svc.Submit(ctxZ, &p1, "k10", rentInput(zhang, 100))
				return err
			}, "identity.level_required"},
			{"another person's card", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "k11", rentInput(li, 100))
				return err
			}, "withdrawal.bank_card"},
			{"owns a home", func() error {
				a.Housing.SetHomes(zhang.IDNumber, 1)
				defer a.Housing.SetHomes(zhang.IDNumber, 0)
				_, err := e.svc.Submit(ctxZ, pz, "k12", rentInput(zhang, 100))
				return err
			}, "withdrawal.no_home"},
			{"missing key", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "", rentInput(zhang, 100))
				return err
			}, "withdrawal.idempotency_key"},
			{"zero amount", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "k13", rentInput(zhang, 0))
				return err
			}, "withdrawal.invalid_input"},
			{"purchase of an unknown contract", func() error {
				_, err := e.svc.Submit(ctxZ, pz, "k14", withdrawal.Input{Reason: "purchase", Amount: 100, ContractNo: "HT-NONE",
					BankCard: demo.BankCard(zhang), SMSCode: goodCode})
				return err
			}, "withdrawal.contract"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := apitest.Snapshot(t, a)
				rows := e.count("withdrawal_application")
				err := c.do()
				if codeOf(err) != c.code {
					t.Fatalf("error %v, want %s", err, c.code)
				}
				apitest.Unchanged(t, a, before)
				if e.count("withdrawal_application") != rows {
					t.Error("an application was stored")
				}
			})
		}
		// A rule refusal names every rule's result.
		_, err = e.svc.Submit(ctxZ, pz, "k20", rentInput(zhang, zhang.Opening+1))
		checks, _ := errs.E(err).Details["checks"].([]withdrawal.Check)
		if len(checks) < 5 {
			t.Errorf("checks of a refusal: %v", err)
		}
		e.verify()
	})
}

// TestReviewFourEyes: an application above the four-eyes threshold needs 初审
// and a 终审 by another reviewer; it is paid after the second approval.
func TestReviewFourEyes(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		lin := demo.Unregistered // 120,000.00
		p, ctx := e.person(lin, "web")
		house := exchange.PurchaseContract{ContractNo: "HT-7", BuyerIDs: []string{lin.IDNumber, li.IDNumber}, Price: money.Yuan(300_000),
			Loan: money.Yuan(150_000), SignedOn: e.today.AddDays(-100)}
		a.Housing.AddPurchase(house)
		amount := money.Yuan(100_000) + 1
		r, err := e.svc.Submit(ctx, p, "buy", withdrawal.Input{Reason: "purchase", Amount: amount, ContractNo: "HT-7",
			BankCard: demo.BankCard(lin), SMSCode: goodCode})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != withdrawal.StatusPendingReview {
			t.Fatalf("receipt %+v", r)
		}
		app1, _ := e.svc.Get(e.ctx, r.ID)
		if app1.ReviewLevel != 2 || app1.DeadlineOn != workingDaysAfter(e.today, 3) || app1.Overdue {
			t.Errorf("application %+v", app1)
		}
		q, err := e.svc.Queue(e.ctx, withdrawal.QueueFilter{})
		if err != nil || len(q) != 1 || q[0].ID != r.ID {
			t.Fatalf("queue %v %v", q, err)
		}
		if e.balance(lin) != lin.Opening {
			t.Error("money moved before approval")
		}
		got, err := e.svc.Approve(e.staff("reviewer"), r.ID, "staff:reviewer", "材料齐全")
		if err != nil || got.Status != withdrawal.StatusPendingFinal || got.FirstReviewer != "staff:reviewer" {
			t.Fatalf("first approval %+v %v", got, err)
		}
		if _, err := e.svc.Approve(e.staff("reviewer"), r.ID, "STAFF:reviewer", ""); !isCode(err, "withdrawal.four_eyes") {
			t.Fatalf("same reviewer: %v", err)
		}
		if e.balance(lin) != lin.Opening {
			t.Error("money moved before the final approval")
		}
		got, err = e.svc.Approve(e.staff("reviewer2"), r.ID, "staff:reviewer2", "同意")
		if err != nil || got.Status != withdrawal.StatusPaid || got.FinalReviewer != "staff:reviewer2" {
			t.Fatalf("final approval %+v %v", got, err)
		}
		if e.balance(lin) != lin.Opening-amount {
			t.Errorf("balance %v", e.balance(lin))
		}
		if _, err := e.svc.Approve(e.staff("reviewer2"), r.ID, "staff:reviewer2", ""); !isCode(err, "withdrawal.status") {
			t.Errorf("approve a paid application: %v", err)
		}
		// The other buyer of the same home only gets what is left of
		// price − loan (49,999.99 yuan).
		pl, ctxL := e.person(li, "app")
		_, err = e.svc.Submit(ctxL, pl, "buy2", withdrawal.Input{Reason: "purchase", Amount: money.Yuan(50_000),
			ContractNo: "HT-7", BankCard: demo.BankCard(li), SMSCode: goodCode})
		if !isCode(err, "withdrawal.amount_cap") || !strings.Contains(errs.E(err).Message, "49,999.99") {
			t.Errorf("second buyer above what is left: %v", err)
		}
		if r2, err := e.svc.Submit(ctxL, pl, "buy3", withdrawal.Input{Reason: "purchase", Amount: money.Yuan(49_999),
			ContractNo: "HT-7", BankCard: demo.BankCard(li), SMSCode: goodCode}); err != nil || r2.Status != withdrawal.StatusPaid {
			t.Errorf("second buyer within what is left: %+v %v", r2, err)
		}
		e.verify()
	})
}

// TestReturnResubmitRejectCancel: a returned application keeps the slot and
// comes back through Resubmit; rejection and cancellation free it.
func TestReturnResubmitRejectCancel(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		p, ctx := e.person(li, "app")
		in := withdrawal.Input{Reason: "medical", Amount: money.Yuan(3_000), ProofNo: "ZD-1", CostFen: money.Yuan(2_000),
			BankCard: demo.BankCard(li), SMSCode: goodCode}
		if _, err := e.svc.Submit(ctx, p, "m1", in); !isCode(err, "withdrawal.amount_cap") {
			t.Fatalf("above the declared cost: %v", err)
		}
		in.Amount = money.Yuan(2_000)
		r, err := e.svc.Submit(ctx, p, "m1", in)
		if err != nil || r.Status != withdrawal.StatusPendingReview {
			t.Fatalf("%+v %v", r, err)
		}
		if _, err := e.svc.Return(e.staff("reviewer"), r.ID, "staff:reviewer", " "); !isCode(err, "withdrawal.comment_required") {
			t.Errorf("return without a reason: %v", err)
		}
		got, err := e.svc.Return(e.staff("reviewer"), r.ID, "staff:reviewer", "请补充医保结算单")
		if err != nil || got.Status != withdrawal.StatusReturned || got.Comment != "请补充医保结算单" {
			t.Fatalf("return %+v %v", got, err)
		}
		if e.sms.last(t, "withdrawal.decided").vars["result"] == "" {
			t.Error("no SMS on return")
		}
		if _, err := e.svc.Submit(ctx, p, "m2", rentInput(li, 100)); !isCode(err, "withdrawal.pending") {
			t.Errorf("new application while returned: %v", err)
		}
		if _, err := e.svc.Approve(e.staff("reviewer"), r.ID, "staff:reviewer", ""); !isCode(err, "withdrawal.status") {
			t.Errorf("approve a returned application: %v", err)
		}
		in.Amount, in.CostFen = money.Yuan(2_500), money.Yuan(2_600)
		got, err = e.svc.Resubmit(ctx, p, r.ID, in)
		if err != nil || got.Status != withdrawal.StatusPendingReview || got.Amount != money.Yuan(2_500) || got.Fields.CostFen != money.Yuan(2_600) {
			t.Fatalf("resubmit %+v %v", got, err)
		}
		got, err = e.svc.Reject(e.staff("reviewer"), r.ID, "staff:reviewer", "诊断证明不符")
		if err != nil || got.Status != withdrawal.StatusRejected {
			t.Fatalf("reject %+v %v", got, err)
		}
		if _, err := e.svc.Cancel(ctx, p.SubjectID, r.ID); !isCode(err, "withdrawal.status") {
			t.Errorf("cancel a rejected application: %v", err)
		}
		// The slot is free again: a new one, then cancelled by the applicant.
		r2, err := e.svc.Submit(ctx, p, "m3", in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Cancel(ctx, p.SubjectID+1, r2.ID); !isCode(err, "withdrawal.not_found") {
			t.Errorf("cancel someone else's: %v", err)
		}
		got, err = e.svc.Cancel(ctx, p.SubjectID, r2.ID)
		if err != nil || got.Status != withdrawal.StatusCancelled {
			t.Fatalf("cancel %+v %v", got, err)
		}
		list, err := e.svc.PersonApplications(e.ctx, p.SubjectID)
		if err != nil || len(list) != 2 || list[0].ID != r2.ID {
			t.Errorf("list %v %v", list, err)
		}
		if e.balance(li) != li.Opening {
			t.Error("money moved")
		}
		e.verify()
	})
}

// TestPayoutFailureReversesOnce: the bank reports a failed payment twice (and
// concurrently): the approval posting is reversed once, the account gets its
// money back, the person one SMS; a contradicting result is refused.
func TestPayoutFailureReversesOnce(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		e.bank.Hold(true)
		e.bank.FailCard(demo.BankCard(li), "收款账户已销户")
		p, ctx := e.person(li, "app")
		r, err := e.svc.Submit(ctx, p, "f1", rentInput(li, money.Yuan(3_000)))
		if err != nil || r.Status != withdrawal.StatusPaying {
			t.Fatalf("%+v %v", r, err)
		}
		if e.balance(li) != li.Opening-money.Yuan(3_000) || e.ledgerBalance(ledger.CodeWithdrawalClearing) != money.Yuan(3_000) {
			t.Fatal("approval not posted to clearing")
		}
		serial := fmt.Sprintf("WDP-%d", r.ID)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.bank.Deliver(e.ctx, serial); err != nil {
					t.Errorf("deliver: %v", err)
				}
			}()
		}
		wg.Wait()
		if err := e.bank.Deliver(e.ctx, serial); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Get(e.ctx, r.ID)
		if got.Status != withdrawal.StatusPayFailed || got.PayError != "收款账户已销户" {
			t.Fatalf("application %+v", got)
		}
		var reversals int
		if err := a.DB.GetContext(e.ctx, &reversals, `SELECT COUNT(*) FROM journal_entry WHERE reverses_id IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
		if reversals != 1 {
			t.Errorf("%d reversals", reversals)
		}
		if _, err := a.Ledger.Entry(e.ctx, fmt.Sprintf("WD-REV-%d", r.ID)); err != nil {
			t.Error(err)
		}
		if e.balance(li) != li.Opening || e.ledgerBalance(ledger.CodeWithdrawalClearing) != 0 {
			t.Errorf("balance %v clearing %v", e.balance(li), e.ledgerBalance(ledger.CodeWithdrawalClearing))
		}
		if n := e.sms.count("withdrawal.pay_failed"); n != 1 {
			t.Errorf("%d failure SMS", n)
		}
		if m := e.sms.last(t, "withdrawal.pay_failed"); m.vars["why"] != "收款账户已销户" || m.vars["balance"] != li.Opening.Format() {
			t.Errorf("sms %+v", m)
		}
		err = e.svc.PaymentResult(e.ctx, exchange.PaymentResult{Serial: serial, Paid: true, BankSerial: "B1"})
		if !isCode(err, "withdrawal.payment_result_conflict") {
			t.Errorf("contradicting result: %v", err)
		}
		if err := e.svc.PaymentResult(e.ctx, exchange.PaymentResult{Serial: "WDP-999999", Paid: true}); !isCode(err, "withdrawal.not_found") {
			t.Errorf("unknown serial: %v", err)
		}
		// The account is free for a new application (to a card that works).
		e.bank.FailCard(demo.BankCard(li), "")
		e.bank.Hold(false)
		e.setRules(func(d *rules.Doc) { d.Reasons["rent"].IntervalMonths = 0 })
		if r2, err := e.svc.Submit(ctx, p, "f2", rentInput(li, money.Yuan(3_000))); err != nil || r2.Status != withdrawal.StatusPaid {
			t.Errorf("again: %+v %v", r2, err)
		}
		e.verify()
	})
}

// TestCloseWithdrawal: a 销户 withdrawal (退休) settles interest to date, pays
// out everything and closes the account; when the payment fails, the money
// and the account come back.
func TestCloseWithdrawal(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		// Forty days on, so the closing interest is not zero.
		if today, err := a.Dates.Today(e.ctx); err != nil {
			t.Fatal(err)
		} else if _, err := a.Dates.Set(e.ctx, today.AddDays(40), false); err != nil {
			t.Fatal(err)
		}
		p, ctx := e.person(wang, "app")
		if _, err := e.svc.Submit(ctx, p, "c0", withdrawal.Input{Reason: "retire", Amount: 5, BankCard: demo.BankCard(wang), SMSCode: goodCode}); !isCode(err, "withdrawal.amount_cap") {
			t.Errorf("销户 with an amount: %v", err)
		}
		r, err := e.svc.Submit(ctx, p, "c1", withdrawal.Input{Reason: "retire", BankCard: demo.BankCard(wang), SMSCode: goodCode})
		if err != nil {
			t.Fatal(err)
		}
		// 86,421 yuan is above the 50,000 yuan automatic ceiling: one review.
		if r.Status != withdrawal.StatusPendingReview || r.Amount != wang.Opening || r.Type != "close" {
			t.Fatalf("receipt %+v", r)
		}
		e.bank.Hold(true)
		got, err := e.svc.Approve(e.staff("reviewer"), r.ID, "staff:reviewer", "")
		if err != nil || got.Status != withdrawal.StatusPaying {
			t.Fatalf("approve %+v %v", got, err)
		}
		if got.Amount != wang.Opening+got.Interest || got.Interest < 0 {
			t.Errorf("amount %v interest %v", got.Amount, got.Interest)
		}
		if e.balance(wang) != 0 || e.accountStatus(wang) != "05" {
			t.Errorf("after approval: balance %v status %s", e.balance(wang), e.accountStatus(wang))
		}
		if en, err := a.Ledger.Entry(e.ctx, fmt.Sprintf("WD-%d", r.ID)); err != nil || en.BizType != "12" {
			t.Errorf("entry %+v %v", en, err)
		}
		e.bank.FailCard(demo.BankCard(wang), "户名不符")
		// The bank's answer for this serial was recorded as paid when it was
		// held; a result is what the bank says, so deliver a failure directly.
		if err := e.svc.PaymentResult(e.ctx, exchange.PaymentResult{Serial: got.PaySerial, Reason: "户名不符"}); err != nil {
			t.Fatal(err)
		}
		// The money is back; this fund year's closing interest is taken back
		// (a previous whole year the close settled stays), so the annual run
		// pays the whole current year as if the account had never closed.
		today, err := a.Dates.Today(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		cur := today.Year()
		if today.Month() >= time.July {
			cur++
		}
		var prev money.Fen
		if err := a.DB.GetContext(e.ctx, &prev, `SELECT COALESCE(SUM(i.interest_fen), 0) FROM interest_item i
			JOIN employee_account ea ON ea.id = i.employee_account_id WHERE ea.account_no = ? AND i.year = ?`, wang.AccountNo, cur-1); err != nil {
			t.Fatal(err)
		}
		if e.balance(wang) != wang.Opening+prev || e.accountStatus(wang) != "01" || prev > got.Interest {
			t.Errorf("after the failure: balance %v (opening %v + previous year %v) status %s", e.balance(wang), wang.Opening, prev, e.accountStatus(wang))
		}
		if n := e.count("interest_item WHERE year = " + fmt.Sprint(cur)); n != 0 {
			t.Errorf("%d interest items of the current year remain after the undo", n)
		}
		yearStart, yearEnd := deposit.FundYear(cur)
		if _, err := a.Dates.Set(e.ctx, yearEnd.AddDays(1), false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Deposit.SettleYear(e.ctx, cur, nil); err != nil {
			t.Fatal(err)
		}
		var from, to date.Date
		var interest money.Fen
		if err := a.DB.QueryRowxContext(e.ctx, `SELECT i.period_from, i.period_to, i.interest_fen FROM interest_item i
			JOIN employee_account ea ON ea.id = i.employee_account_id WHERE ea.account_no = ? AND i.year = ?`, wang.AccountNo, cur).Scan(&from, &to, &interest); err != nil {
			t.Fatal(err)
		}
		if from != yearStart || to != yearEnd || interest <= 0 {
			t.Errorf("annual settlement of the reopened account: %s..%s %v", from, to, interest)
		}
		e.verify()
	})
}

// TestConcurrentWithdrawals: 100 clients on two channels, served by two
// service instances on one store, withdraw 1,000 yuan each from one account
// of 12,888.88 yuan, retrying while another application is open. Exactly 12
// are paid, none overdraws, and the ledger verifies.
func TestConcurrentWithdrawals(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		e.setRules(func(d *rules.Doc) { d.Reasons["rent"].IntervalMonths = 0 })
		var (
			mu      sync.Mutex
			paid    int
			refused = map[string]int{}
			wg      sync.WaitGroup
		)
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				channel, svc := "app", e.svc
				if i%2 == 1 {
					channel, svc = "web", e.svc2
				}
				p, ctx := e.person(chen, channel)
				deadline := time.Now().Add(2 * time.Minute)
				for try := 0; ; try++ {
					r, err := svc.Submit(ctx, p, fmt.Sprintf("c-%d-%d", i, try), rentInput(chen, money.Yuan(1_000)))
					code := codeOf(err)
					if code == "withdrawal.pending" && time.Now().Before(deadline) {
						time.Sleep(time.Duration(20+rand.IntN(60)) * time.Millisecond)
						continue
					}
					mu.Lock()
					defer mu.Unlock()
					if err == nil && r.Status == withdrawal.StatusPaid {
						paid++
					} else {
						if refused[code] == 0 && code == "internal" {
							t.Logf("internal: %v", err)
						}
						refused[code]++
					}
					return
				}
			}()
		}
		wg.Wait()
		if paid != 12 || refused["withdrawal.balance"] != 88 {
			t.Errorf("paid %d, refused %v", paid, refused)
		}
		if got := e.balance(chen); got != chen.Opening-money.Yuan(12_000) || got < 0 {
			t.Errorf("balance %v", got)
		}
		if got := e.ledgerBalance(ledger.CodeWithdrawalClearing); got != 0 {
			t.Errorf("clearing %v", got)
		}
		var n int
		if err := a.DB.GetContext(e.ctx, &n, `SELECT COUNT(*) FROM withdrawal_application WHERE status = 'paid'`); err != nil || n != 12 {
			t.Errorf("%d paid applications (%v)", n, err)
		}
		e.verify()
	})
}

// TestResendAndDeadline: a bank that is down leaves the application paying
// until the instruction is sent again; an application waiting past its
// deadline is overdue.
func TestResendAndDeadline(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		e.bank.Down(true)
		p, ctx := e.person(li, "app")
		r, err := e.svc.Submit(ctx, p, "d1", rentInput(li, money.Yuan(1_000)))
		if err != nil || r.Status != withdrawal.StatusPaying {
			t.Fatalf("%+v %v", r, err)
		}
		e.bank.Down(false)
		n, err := e.svc.ResendPayments(e.ctx, time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("resend %d %v", n, err)
		}
		if got, _ := e.svc.Get(e.ctx, r.ID); got.Status != withdrawal.StatusPaid {
			t.Errorf("status %s", got.Status)
		}
		if n, _ := e.svc.ResendPayments(e.ctx, 0); n != 0 {
			t.Errorf("resent %d paid ones", n)
		}

		pz, ctxZ := e.person(zhang, "web")
		r2, err := e.svc.Submit(ctxZ, pz, "d2", withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(100), ProofNo: "SY-9",
			BankCard: demo.BankCard(zhang), SMSCode: goodCode})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Get(e.ctx, r2.ID)
		if got.Overdue || got.DeadlineOn != workingDaysAfter(e.today, 3) {
			t.Fatalf("deadline %s overdue %v", got.DeadlineOn, got.Overdue)
		}
		if _, err := a.Dates.Set(e.ctx, got.DeadlineOn.AddDays(1), false); err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.Get(e.ctx, r2.ID)
		q, _ := e.svc.Queue(e.ctx, withdrawal.QueueFilter{})
		if !got.Overdue || len(q) != 1 || !q[0].Overdue {
			t.Errorf("not overdue after the deadline: %+v %+v", got, q)
		}
		if _, err := e.svc.Queue(e.ctx, withdrawal.QueueFilter{Statuses: []string{"lost"}}); !isCode(err, "withdrawal.invalid_input") {
			t.Errorf("unknown status: %v", err)
		}
		e.verify()
	})
}

// workingDaysAfter counts by the shipped calendar (holidays and 调休).
func workingDaysAfter(d date.Date, n int) date.Date {
	return workcal.Default2026().AddWorkingDays(d, n)
}

// TestCloseAgainAfterFailedPayout: a second 销户 on the day an earlier one's
// payout failed credits the closing interest again (its own serial) and pays
// out everything; the ledger verifies.
func TestCloseAgainAfterFailedPayout(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		// Forty days on, so the closing interest is not zero.
		if today, err := a.Dates.Today(e.ctx); err != nil {
			t.Fatal(err)
		} else if _, err := a.Dates.Set(e.ctx, today.AddDays(40), false); err != nil {
			t.Fatal(err)
		}
		p, ctx := e.person(wang, "app")
		var interests []money.Fen
		for i, fail := range []bool{true, false} {
			r, err := e.svc.Submit(ctx, p, fmt.Sprintf("again-%d", i), withdrawal.Input{Reason: "retire", BankCard: demo.BankCard(wang), SMSCode: goodCode})
			if err != nil {
				t.Fatal(err)
			}
			e.bank.Hold(fail)
			got, err := e.svc.Approve(e.staff("reviewer"), r.ID, "staff:reviewer", "")
			if err != nil {
				t.Fatal(err)
			}
			interests = append(interests, got.Interest)
			if fail {
				if err := e.svc.PaymentResult(e.ctx, exchange.PaymentResult{Serial: got.PaySerial, Reason: "户名不符"}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got, err = e.svc.Get(e.ctx, r.ID); err != nil || got.Status != withdrawal.StatusPaid {
				t.Fatalf("second close: %+v %v", got, err)
			}
		}
		if e.balance(wang) != 0 || e.accountStatus(wang) != "05" {
			t.Errorf("after the second close: balance %v status %s", e.balance(wang), e.accountStatus(wang))
		}
		// The current year's closing interest is credited again, the previous
		// year's (settled by the first close) is not paid twice.
		var prev money.Fen
		if err := a.DB.GetContext(e.ctx, &prev, `SELECT COALESCE(SUM(i.interest_fen), 0) FROM interest_item i
			JOIN employee_account ea ON ea.id = i.employee_account_id
			WHERE ea.account_no = ? AND i.entry_serial NOT LIKE 'INT-CLOSE-%-2'`, wang.AccountNo); err != nil {
			t.Fatal(err)
		}
		if cur := interests[0] - prev; cur <= 0 || interests[1] != cur {
			t.Errorf("closing interest: first %v (previous year %v), second %v; want the current year's part again", interests[0], prev, interests[1])
		}
		e.verify()
	})
}
