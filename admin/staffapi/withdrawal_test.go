package staffapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// wdStepUp accepts the code "246810" for an L2 session (the identity
// service's step-up check is tested with the app API).
type wdStepUp struct{}

func (wdStepUp) StepUp(_ context.Context, p *identity.Principal, code string) error {
	if p.Level < 2 || code != "246810" {
		return identity.ErrOTPWrong
	}
	return nil
}

// wdSubmit files an application for a demo employee through a second
// withdrawal service on the same store (the staff API serves a.Withdrawal).
func wdSubmit(t *testing.T, a *app.App, emp demo.Employee, in withdrawal.Input) *withdrawal.Receipt {
	t.Helper()
	svc := withdrawal.New(withdrawal.Deps{DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		StepUp: wdStepUp{}, Contracts: a.Housing, Property: a.Housing, Payments: a.Payments, BankCode: app.SettlementBank})
	ctx := context.Background()
	var id int64
	if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
		t.Fatal(err)
	}
	p := &identity.Principal{Kind: "person", SubjectID: id, Subject: fmt.Sprintf("person:%d", id), Level: 2}
	in.BankCard, in.SMSCode = demo.BankCard(emp), "246810"
	r, err := svc.Submit(reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: "web"}), p, fmt.Sprintf("k-%s-%s", emp.AccountNo, in.Reason), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wdStaff makes a staff user with roles and returns a session's
// Authorization header value.
func wdStaff(t *testing.T, a *app.App, username string, roles ...string) string {
	t.Helper()
	ctx := context.Background()
	if len(roles) > 0 {
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO staff_user (username, display_name, branch, status, created_at)
			VALUES (?, ?, 'center', 'active', ?)`, username, username, db.Now()); err != nil {
			t.Fatal(err)
		}
		for _, r := range roles {
			if err := a.Access.Grant(access.Grant{Subject: "staff:" + username, Role: r, Domain: access.Center}); err != nil {
				t.Fatal(err)
			}
		}
	}
	token, _, err := a.Identity.NewSession(ctx, identity.Principal{Kind: "staff", Subject: "staff:" + username, Name: username}, "counter")
	if err != nil {
		t.Fatal(err)
	}
	return apitest.Bearer(token)
}

type wdReviewJSON struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	ReviewLevel   int    `json:"review_level"`
	FirstReviewer string `json:"first_reviewer"`
	FinalReviewer string `json:"final_reviewer"`
	Comment       string `json:"comment"`
	Overdue       bool   `json:"overdue"`
	Materials     []string
	Checks        []struct {
		Rule    string `json:"rule"`
		Outcome string `json:"outcome"`
		Detail  string `json:"detail"`
	} `json:"checks"`
	Events []struct {
		Actor  string `json:"actor"`
		Action string `json:"action"`
	} `json:"events"`
}

// TestWithdrawalReview: the queue, an application with every rule result,
// four-eyes above the threshold (the second approval by the same reviewer is
// refused, by another pays), return for correction and rejection with a
// reason; refusals write nothing; reads are audited.
func TestWithdrawalReview(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := apitest.Server(t, a, []string{"staffSession"})
		lin, li, zhang := demo.Unregistered, demo.Employees[1], demo.Employees[3]
		a.Housing.AddPurchase(exchange.PurchaseContract{ContractNo: "HT-R-1", BuyerIDs: []string{lin.IDNumber}, Price: money.Yuan(500_000),
			Loan: money.Yuan(200_000), SignedOn: wdToday(t, a).AddDays(-5)})
		big := wdSubmit(t, a, lin, withdrawal.Input{Reason: "purchase", Amount: money.Yuan(110_000), ContractNo: "HT-R-1"})
		med := wdSubmit(t, a, li, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(500), ProofNo: "SY-1"})
		third := wdSubmit(t, a, zhang, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(300), ProofNo: "SY-2"})
		reviewer := wdStaff(t, a, "reviewer")
		second := wdStaff(t, a, "reviewer2", access.RoleReviewer)
		auditor := wdStaff(t, a, "auditor1", access.RoleAuditor)
		path := func(id int64, verb string) string {
			if verb == "" {
				return fmt.Sprintf("%s/withdrawals/%d", staffBase, id)
			}
			return fmt.Sprintf("%s/withdrawals/%d/%s", staffBase, id, verb)
		}

		q := apitest.Decode[struct{ Items []wdReviewJSON }](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: staffBase + "/withdrawals", Auth: reviewer}), http.StatusOK)
		if len(q.Items) != 3 {
			t.Fatalf("queue %+v", q)
		}
		one := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: path(big.ID, ""), Auth: auditor}), http.StatusOK)
		if one.ReviewLevel != 2 || len(one.Checks) == 0 || len(one.Events) != 1 || one.Events[0].Action != "submit" {
			t.Fatalf("application %+v", one)
		}
		if e := apitest.LastAudit(t, a); e.Action != "staff.read" || e.Actor != "staff:auditor1" {
			t.Errorf("read not audited: %+v", e.Record)
		}

		bad := []badCase{
			{"auditor approves", apitest.Call{Method: http.MethodPost, Path: path(big.ID, "approve"), Auth: auditor}, 403, "access.forbidden"},
			{"unknown application", apitest.Call{Method: http.MethodPost, Path: path(99999, "approve"), Auth: reviewer}, 404, "withdrawal.not_found"},
			{"return without a reason", apitest.Call{Method: http.MethodPost, Path: path(med.ID, "return"), Auth: reviewer,
				Body: map[string]string{"comment": " "}, Spec: apitest.SpecInvalid}, 400, "withdrawal.comment_required"},
			{"bad status filter", apitest.Call{Method: http.MethodGet, Path: staffBase + "/withdrawals?status=lost", Auth: reviewer}, 400, "withdrawal.invalid_input"},
			{"bad limit", apitest.Call{Method: http.MethodGet, Path: staffBase + "/withdrawals?limit=0", Auth: reviewer, Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
		}
		runBad(t, a, c, bad)

		// Four eyes.
		first := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(big.ID, "approve"), Auth: reviewer,
			Body: map[string]string{"comment": "合同已核验"}}), http.StatusOK)
		if first.Status != "pending_final" || first.FirstReviewer != "staff:reviewer" {
			t.Fatalf("first approval %+v", first)
		}
		runBad(t, a, c, []badCase{{"same reviewer twice", apitest.Call{Method: http.MethodPost, Path: path(big.ID, "approve"), Auth: reviewer}, 403, "withdrawal.four_eyes"}})
		final := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(big.ID, "approve"), Auth: second}), http.StatusOK)
		if final.Status != "paid" || final.FinalReviewer != "staff:reviewer2" {
			t.Fatalf("final approval %+v", final)
		}

		// Return and reject.
		ret := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(med.ID, "return"), Auth: reviewer,
			Body: map[string]string{"comment": "请补充失业登记证明"}}), http.StatusOK)
		if ret.Status != "returned" || ret.Comment != "请补充失业登记证明" {
			t.Fatalf("return %+v", ret)
		}
		runBad(t, a, c, []badCase{{"approve a returned one", apitest.Call{Method: http.MethodPost, Path: path(med.ID, "approve"), Auth: reviewer}, 409, "withdrawal.status"}})
		rej := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: path(third.ID, "reject"), Auth: second,
			Body: map[string]string{"comment": "证明与登记信息不符"}}), http.StatusOK)
		if rej.Status != "rejected" {
			t.Fatalf("reject %+v", rej)
		}
		q = apitest.Decode[struct{ Items []wdReviewJSON }](t, c.Do(t, apitest.Call{Method: http.MethodGet,
			Path: staffBase + "/withdrawals?status=returned,rejected&limit=10", Auth: reviewer}), http.StatusOK)
		if len(q.Items) != 2 {
			t.Errorf("returned and rejected: %+v", q)
		}
		q = apitest.Decode[struct{ Items []wdReviewJSON }](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: staffBase + "/withdrawals", Auth: reviewer}), http.StatusOK)
		if len(q.Items) != 0 {
			t.Errorf("queue after the decisions: %+v", q)
		}
		apitest.VerifyClean(t, a)
	})
}

func wdToday(t *testing.T, a *app.App) date.Date {
	t.Helper()
	d, err := a.Dates.Today(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
