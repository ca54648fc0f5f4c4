package withdrawal_test

import (
	"fmt"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

func staffPrincipal(name string) *identity.Principal {
	return &identity.Principal{Kind: "staff", Subject: "staff:" + name, Name: name}
}

// buildInput is a 建造、翻建、大修 application of the employee (counter only by default).
func buildInput(emp demo.Employee, amount money.Fen) withdrawal.Input {
	return withdrawal.Input{Reason: "build", Amount: amount, BankCard: demo.BankCard(emp), ProofNo: "JS-2026-1", CostFen: money.Yuan(30_000)}
}

var buildMaterials = []string{"建设工程规划许可证", "用地证明", "工程预算"}

// TestCounterFilingRefusals: what the counter must supply, each refusal with
// its code and the field or material it names; nothing is stored.
func TestCounterFilingRefusals(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		ctx := e.staff("counter1")
		cases := []struct {
			name     string
			p        *identity.Principal
			app      withdrawal.CounterApplication
			code     string
			material string
		}{
			{"person session", &identity.Principal{Kind: "person", SubjectID: 1, Subject: "person:1"},
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(1_000)), Materials: buildMaterials},
				"withdrawal.not_staff", ""},
			{"no account", staffPrincipal("counter1"),
				withdrawal.CounterApplication{Input: buildInput(li, money.Yuan(1_000)), Materials: buildMaterials}, "withdrawal.invalid_input", ""},
			{"unknown account", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: "299999999999", Input: buildInput(li, money.Yuan(1_000)), Materials: buildMaterials},
				"deposit.employee_not_found", ""},
			{"one material missing", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(1_000)), Materials: buildMaterials[:2]},
				"withdrawal.material_missing", "工程预算"},
			{"no materials", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(1_000))},
				"withdrawal.material_missing", "建设工程规划许可证"},
			{"unknown material", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(1_000)),
					Materials: append([]string{"户口本"}, buildMaterials...)}, "withdrawal.material_unknown", "户口本"},
			{"heir on a reason without heirs", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(1_000)), Materials: buildMaterials,
					HeirName: "李小明", HeirIDNumber: chen.IDNumber}, "withdrawal.heir_not_allowed", ""},
			{"declared cost below the amount", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(30_001)), Materials: buildMaterials},
				"withdrawal.amount_cap", ""},
			{"someone else's card", staffPrincipal("counter1"),
				withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: withdrawal.Input{Reason: "build", Amount: money.Yuan(1_000),
					BankCard: demo.BankCard(chen), ProofNo: "JS-1", CostFen: money.Yuan(30_000)}, Materials: buildMaterials},
				"withdrawal.bank_card", ""},
		}
		for i, c := range cases {
			_, err := e.svc.FileAtCounter(ctx, c.p, fmt.Sprintf("ref-%d", i), c.app)
			if codeOf(err) != c.code {
				t.Errorf("%s: got %v, want %s", c.name, err, c.code)
				continue
			}
			if c.material != "" {
				if got, _ := errs.E(err).Details["material"].(string); got != c.material || !strings.Contains(errs.E(err).Message, c.material) {
					t.Errorf("%s: names %q (%s), want %q", c.name, got, errs.E(err).Message, c.material)
				}
			}
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.Forbidden && k != errs.NotFound && k != errs.Conflict {
				t.Errorf("%s: not a 4xx: %v", c.name, err)
			}
		}
		if n := e.count("withdrawal_application"); n != 0 {
			t.Errorf("%d applications stored by refused filings", n)
		}
		if e.balance(li) != li.Opening {
			t.Error("money moved")
		}
		// The online channels keep refusing the counter-only reasons.
		for _, ch := range []string{"web", "app", "wechat"} {
			for _, item := range []string{"TQ-02", "TQ-07", "TQ-09", "TQ-12"} {
				if _, err := a.Gate.Admit(e.ctx, ch, item); codeOf(err) != "channel.closed" {
					t.Errorf("%s %s online: %v", ch, item, err)
				}
			}
		}
		// A person cannot smuggle a counter filing through Submit.
		p, pctx := e.person(li, "web")
		in := buildInput(li, money.Yuan(1_000))
		in.SMSCode = goodCode
		in.Counter = &withdrawal.CounterFiling{FiledBy: "staff:counter1", Materials: buildMaterials}
		r, err := e.svc.Submit(pctx, p, "self", in)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.Get(e.ctx, r.ID)
		if got.Fields.Counter != nil || r.Status != withdrawal.StatusPendingReview {
			t.Errorf("person's own submission recorded as a counter filing: %+v", got.Fields)
		}
	})
}

// TestCounterFilingReviewPay: staff file a 建造 withdrawal with the
// materials checked; the filer cannot approve it, another reviewer does and
// it is paid; a retry of the filing answers the first receipt; a death
// withdrawal is paid to the heir's card and closes the account.
func TestCounterFilingReviewPay(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		ctx := e.staff("counter1")
		amount := money.Yuan(20_000)
		ca := withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, amount),
			Materials: []string{" 工程预算", "用地证明", "建设工程规划许可证", "用地证明"}}
		r, err := e.svc.FileAtCounter(ctx, staffPrincipal("counter1"), "ctr-1", ca)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != withdrawal.StatusPendingReview || r.Amount != amount {
			t.Fatalf("receipt %+v", r)
		}
		again, err := e.svc.FileAtCounter(ctx, staffPrincipal("counter1"), "ctr-1", ca)
		if err != nil || !again.Replayed || again.ID != r.ID {
			t.Fatalf("retry %+v %v", again, err)
		}
		got, err := e.svc.Get(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Channel != "counter" || got.Fields.Counter == nil || got.Fields.Counter.FiledBy != "staff:counter1" ||
			strings.Join(got.Fields.Counter.Materials, ",") != "工程预算,建设工程规划许可证,用地证明" || got.ReviewLevel != 1 {
			t.Errorf("application %+v counter %+v", got, got.Fields.Counter)
		}
		var sawMaterials, sawCounter bool
		for _, c := range got.Checks {
			sawMaterials = sawMaterials || (c.Rule == "materials" && c.Outcome == withdrawal.Pass)
			sawCounter = sawCounter || (c.Rule == "counter" && c.Outcome == withdrawal.Review)
		}
		if !sawMaterials || !sawCounter {
			t.Errorf("checks %+v", got.Checks)
		}
		if len(got.Events) != 1 || got.Events[0].Action != "counter_submit" || got.Events[0].Actor != "staff:counter1" {
			t.Errorf("events %+v", got.Events)
		}
		trail, err := a.Audit.List(e.ctx, audit.Filter{Object: fmt.Sprintf("withdrawal:%d", r.ID), Action: "withdrawal.counter_submit"})
		if err != nil || len(trail) != 1 || !strings.Contains(trail[0].After, "建设工程规划许可证") {
			t.Errorf("audit %+v %v", trail, err)
		}
		if _, err := e.svc.Approve(ctx, r.ID, "STAFF:counter1", ""); codeOf(err) != "withdrawal.filer_reviews" {
			t.Fatalf("filer approves: %v", err)
		}
		if e.balance(li) != li.Opening {
			t.Error("money moved before review")
		}
		paid, err := e.svc.Approve(e.staff("reviewer"), r.ID, "staff:reviewer", "材料齐全")
		if err != nil || paid.Status != withdrawal.StatusPaid {
			t.Fatalf("approve %+v %v", paid, err)
		}
		if e.balance(li) != li.Opening-amount {
			t.Errorf("balance %v", e.balance(li))
		}

		// 死亡：the heir receives the whole balance on their own card.
		heirCard := "6222020200998877"
		before := e.ledgerBalance(ledger.BankCode(app.SettlementBank))
		d, err := e.svc.FileAtCounter(ctx, staffPrincipal("counter1"), "ctr-2", withdrawal.CounterApplication{AccountNo: chen.AccountNo,
			Input: withdrawal.Input{Reason: "death", BankCard: heirCard, ProofNo: "SW-1"}, Materials: []string{"死亡证明", "继承权公证书或法院判决书"},
			HeirName: "陈小芳", HeirIDNumber: li.IDNumber})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.Get(e.ctx, d.ID)
		if got.PayeeName != "陈小芳" || got.BankCard != heirCard {
			t.Errorf("payee %q %q", got.PayeeName, got.BankCard)
		}
		paid, err = e.svc.Approve(e.staff("reviewer"), d.ID, "staff:reviewer", "继承权公证书已核")
		if err != nil || paid.Status != withdrawal.StatusPaid {
			t.Fatalf("approve death %+v %v", paid, err)
		}
		if e.balance(chen) != 0 || e.accountStatus(chen) != "05" {
			t.Errorf("account after death withdrawal: %v %s", e.balance(chen), e.accountStatus(chen))
		}
		orders := e.bank.Orders()
		last := orders[len(orders)-1]
		if last.PayeeCard != heirCard || last.PayeeName != "陈小芳" || last.Amount != paid.Amount {
			t.Errorf("payment order %+v", last)
		}
		if moved := before - e.ledgerBalance(ledger.BankCode(app.SettlementBank)); moved != paid.Amount && moved != -paid.Amount {
			t.Errorf("bank account moved %v, want %v", moved, paid.Amount)
		}
		e.verify()
	})
}

// TestCounterResubmit: a counter filing the reviewer returned cannot be
// resubmitted online; staff correct it at the counter (materials checked
// again, rules again, refusals leave it returned), it goes back to 初审 with
// the corrector recorded and audited; neither the filer nor the corrector
// may approve it, a third reviewer does and the corrected amount is paid.
// An application the person submitted online is not corrected at the
// counter.
func TestCounterResubmit(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		e := newEnv(t, a)
		r, err := e.svc.FileAtCounter(e.staff("counter1"), staffPrincipal("counter1"), "ctr-r1",
			withdrawal.CounterApplication{AccountNo: li.AccountNo, Input: buildInput(li, money.Yuan(20_000)), Materials: buildMaterials})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ResubmitAtCounter(e.staff("counter2"), staffPrincipal("counter2"), r.ID, withdrawal.CounterCorrection{
			Input: buildInput(li, money.Yuan(20_000)), Materials: buildMaterials}); codeOf(err) != "withdrawal.status" {
			t.Errorf("correct an application that was not returned: %v", err)
		}
		if _, err := e.svc.Return(e.staff("reviewer"), r.ID, "staff:reviewer", "工程预算金额与申报费用不符"); err != nil {
			t.Fatal(err)
		}
		p, pctx := e.person(li, "web")
		online := buildInput(li, money.Yuan(15_000))
		online.SMSCode = goodCode
		if _, err := e.svc.Resubmit(pctx, p, r.ID, online); codeOf(err) != "withdrawal.counter_correction" {
			t.Errorf("person resubmits a counter filing online: %v", err)
		}

		ctx := e.staff("counter2")
		corrected := buildInput(li, money.Yuan(15_000))
		corrected.CostFen = money.Yuan(18_000)
		cases := []struct {
			name string
			p    *identity.Principal
			id   int64
			c    withdrawal.CounterCorrection
			code string
		}{
			{"person session", p, r.ID, withdrawal.CounterCorrection{Input: corrected, Materials: buildMaterials}, "withdrawal.not_staff"},
			{"unknown application", staffPrincipal("counter2"), r.ID + 1000,
				withdrawal.CounterCorrection{Input: corrected, Materials: buildMaterials}, "withdrawal.not_found"},
			{"material not checked again", staffPrincipal("counter2"), r.ID,
				withdrawal.CounterCorrection{Input: corrected, Materials: buildMaterials[1:]}, "withdrawal.material_missing"},
			{"unknown material", staffPrincipal("counter2"), r.ID,
				withdrawal.CounterCorrection{Input: corrected, Materials: append([]string{"户口本"}, buildMaterials...)}, "withdrawal.material_unknown"},
			{"another reason", staffPrincipal("counter2"), r.ID, withdrawal.CounterCorrection{Input: withdrawal.Input{Reason: "medical",
				Amount: money.Yuan(1_000), BankCard: demo.BankCard(li), ProofNo: "ZD-1", CostFen: money.Yuan(2_000)},
				Materials: []string{"诊断证明", "医疗费用票据", "医保结算单"}}, "withdrawal.unknown_reason"},
			{"heir on a reason without heirs", staffPrincipal("counter2"), r.ID, withdrawal.CounterCorrection{Input: corrected,
				Materials: buildMaterials, HeirName: "李小明", HeirIDNumber: chen.IDNumber}, "withdrawal.heir_not_allowed"},
			{"amount above the corrected cost", staffPrincipal("counter2"), r.ID, withdrawal.CounterCorrection{
				Input: buildInput(li, money.Yuan(30_001)), Materials: buildMaterials}, "withdrawal.amount_cap"},
		}
		for _, c := range cases {
			if _, err := e.svc.ResubmitAtCounter(ctx, c.p, c.id, c.c); codeOf(err) != c.code {
				t.Errorf("%s: got %v, want %s", c.name, err, c.code)
			}
		}
		if got, _ := e.svc.Get(e.ctx, r.ID); got.Status != withdrawal.StatusReturned || got.Amount != money.Yuan(20_000) || len(got.Events) != 2 {
			t.Fatalf("after refused corrections: %s %v, %d events", got.Status, got.Amount, len(got.Events))
		}

		got, err := e.svc.ResubmitAtCounter(ctx, staffPrincipal("counter2"), r.ID, withdrawal.CounterCorrection{Input: corrected,
			Materials: []string{"工程预算", " 用地证明", "建设工程规划许可证"}})
		if err != nil {
			t.Fatal(err)
		}
		ctr := got.Fields.Counter
		if got.Status != withdrawal.StatusPendingReview || got.Amount != money.Yuan(15_000) || got.Fields.CostFen != money.Yuan(18_000) ||
			got.Comment != "" || got.Channel != "counter" || ctr == nil || ctr.FiledBy != "staff:counter1" ||
			strings.Join(ctr.CorrectedBy, ",") != "staff:counter2" || strings.Join(ctr.Materials, ",") != "工程预算,建设工程规划许可证,用地证明" {
			t.Fatalf("corrected %+v counter %+v", got, ctr)
		}
		last := got.Events[len(got.Events)-1]
		if last.Action != "counter_resubmit" || last.Actor != "staff:counter2" || last.Status != withdrawal.StatusPendingReview {
			t.Errorf("event %+v", last)
		}
		trail, err := a.Audit.List(e.ctx, audit.Filter{Object: fmt.Sprintf("withdrawal:%d", r.ID), Action: "withdrawal.counter_resubmit"})
		if err != nil || len(trail) != 1 || trail[0].Actor != "staff:counter2" || !strings.Contains(trail[0].After, "工程预算") ||
			!strings.Contains(trail[0].Before, "returned") {
			t.Errorf("audit %+v %v", trail, err)
		}
		if _, err := e.svc.ResubmitAtCounter(ctx, staffPrincipal("counter2"), r.ID, withdrawal.CounterCorrection{Input: corrected,
			Materials: buildMaterials}); codeOf(err) != "withdrawal.status" {
			t.Errorf("second correction: %v", err)
		}
		for _, who := range []string{"counter1", "counter2"} {
			if _, err := e.svc.Approve(e.staff(who), r.ID, "staff:"+who, ""); codeOf(err) != "withdrawal.filer_reviews" {
				t.Errorf("%s approves: %v", who, err)
			}
		}
		if e.balance(li) != li.Opening {
			t.Fatal("money moved before review")
		}
		paid, err := e.svc.Approve(e.staff("reviewer"), r.ID, "staff:reviewer", "补正材料已核")
		if err != nil || paid.Status != withdrawal.StatusPaid {
			t.Fatalf("approve %+v %v", paid, err)
		}
		if e.balance(li) != li.Opening-money.Yuan(15_000) {
			t.Errorf("balance %v", e.balance(li))
		}

		// The person's own online application is corrected by the person.
		pz, zctx := e.person(zhang, "app")
		own, err := e.svc.Submit(zctx, pz, "own-1", withdrawal.Input{Reason: "medical", Amount: money.Yuan(1_000), ProofNo: "ZD-2",
			CostFen: money.Yuan(2_000), BankCard: demo.BankCard(zhang), SMSCode: goodCode})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Return(e.staff("reviewer"), own.ID, "staff:reviewer", "请补充票据"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ResubmitAtCounter(ctx, staffPrincipal("counter2"), own.ID, withdrawal.CounterCorrection{
			Input: withdrawal.Input{Reason: "medical", Amount: money.Yuan(1_000), ProofNo: "ZD-2", CostFen: money.Yuan(2_000),
				BankCard: demo.BankCard(zhang)}, Materials: []string{"诊断证明", "医疗费用票据", "医保结算单"}}); codeOf(err) != "withdrawal.not_counter_filed" {
			t.Errorf("counter correction of an online application: %v", err)
		}
		e.verify()
	})
}
