package staffapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

// otherBranchEmployee imports a second unit with one employee and puts it
// under branch.
func otherBranchEmployee(t *testing.T, a *app.App, branch string) demo.Employee {
	t.Helper()
	ctx := context.Background()
	emp := demo.Employee{IDNumber: apitest.ResidentID("35010219900101001"), Name: "周八", Mobile: "13900000021", AccountNo: "202000000001",
		Base: 800_000, Opening: 6_000_000}
	paid, first := wdToday(t, a).MonthOf().Add(-1), date.MustParseMonth("2020-01")
	in := deposit.ImportUnit{UnitNo: "100000000002", USCC: apitest.USCC("91350100M00020001"), Name: "另一家贸易有限公司", Address: "福州市台江区示例路 2 号",
		LegalRep: "周强", Payday: 15, UnitBps: 1200, PersonBps: 1200, FirstMonth: first, PaidThrough: paid,
		Employees: []deposit.ImportEmployee{{ImportPerson: deposit.ImportPerson{IDNumber: emp.IDNumber, Name: emp.Name, Mobile: emp.Mobile},
			AccountNo: emp.AccountNo, BankCard: demo.BankCard(emp), Base: emp.Base, StartMonth: first, PaidThrough: paid, Opening: emp.Opening}}}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := a.Deposit.ImportUnitTx(ctx, tx, in)
		return err
	}); err != nil {
		t.Fatalf("import the second unit: %v", err)
	}
	if err := access.AssignUnitBranch(ctx, a.DB, a.Audit, in.UnitNo, branch); err != nil {
		t.Fatal(err)
	}
	return emp
}

func applyLoan(t *testing.T, a *app.App, emp demo.Employee) *loan.Application {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := a.DB.GetContext(ctx, &id, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
		t.Fatal(err)
	}
	ap, err := a.Loan.Apply(reqctx.WithActor(ctx, reqctx.Actor{ID: "person:test", Channel: "app"}), id, loan.ApplicationInput{
		QuoteInput: loan.QuoteInput{HousePrice: money.Yuan(500_000), TermMonths: 240, Method: "equal_installment", Home: loan.HomeFirst,
			Amount: money.Yuan(100_000)}, HouseAddress: "福州市鼓楼区示例路 8 号 1-101", SellerName: "示例房地产开发有限公司",
		SellerAccount: "6222999900001111", SellerBank: "示例银行鼓楼支行"})
	if err != nil {
		t.Fatalf("loan for %s: %v", emp.Name, err)
	}
	return ap
}

// TestBranchScopedReviews: through the staff API the demo branch reviewer
// (roles only in branch:GL01, the demo unit's branch) lists only the demo
// unit's withdrawal and loan applications, reads and decides those, and gets
// 403 access.other_branch (audited as staff.refused, nothing decided) for
// the applications of a unit of branch CS02; the counter filing and the
// pre-registrations stay center-only (403 access.forbidden); the center
// reviewer lists both.
func TestBranchScopedReviews(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		if _, err := a.Dates.Set(ctx, date.MustParse("2026-03-10"), true); err != nil {
			t.Fatal(err)
		}
		c := apitest.Server(t, a, []string{"staffSession"})
		other := otherBranchEmployee(t, a, "CS02")
		li, zhang := demo.Employees[1], demo.Employees[3]
		wdOwn := wdSubmit(t, a, li, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(500), ProofNo: "SY-B1"})
		wdOther := wdSubmit(t, a, other, withdrawal.Input{Reason: "unemployment", Amount: money.Yuan(300), ProofNo: "SY-B2"})
		lnOwn, lnOther := applyLoan(t, a, zhang), applyLoan(t, a, other)
		branch := wdStaff(t, a, "branch") // demo user: reviewer in branch:GL01 only
		center := wdStaff(t, a, "reviewer")
		wd := func(id int64, verb string) string {
			return strings.TrimSuffix(fmt.Sprintf("%s/withdrawals/%d/%s", staffBase, id, verb), "/")
		}
		ln := func(id int64, verb string) string {
			return strings.TrimSuffix(fmt.Sprintf("%s/loan-applications/%d/%s", staffBase, id, verb), "/")
		}
		ids := func(auth, path string) map[int64]bool {
			t.Helper()
			q := apitest.Decode[struct{ Items []wdReviewJSON }](t, c.Do(t, apitest.Call{Method: http.MethodGet, Path: path, Auth: auth}), http.StatusOK)
			out := map[int64]bool{}
			for _, it := range q.Items {
				out[it.ID] = true
			}
			return out
		}

		// Lists.
		for _, tc := range []struct {
			who, auth, path string
			own, other      int64
			wantOther       bool
		}{
			{"branch withdrawals", branch, staffBase + "/withdrawals", wdOwn.ID, wdOther.ID, false},
			{"branch loans", branch, staffBase + "/loan-applications", lnOwn.ID, lnOther.ID, false},
			{"center withdrawals", center, staffBase + "/withdrawals", wdOwn.ID, wdOther.ID, true},
			{"center loans", center, staffBase + "/loan-applications", lnOwn.ID, lnOther.ID, true},
		} {
			got := ids(tc.auth, tc.path)
			if !got[tc.own] || got[tc.other] != tc.wantOther || len(got) != map[bool]int{false: 1, true: 2}[tc.wantOther] {
				t.Errorf("%s: %v", tc.who, got)
			}
		}
		// Their own branch's applications: read.
		for _, p := range []string{wd(wdOwn.ID, ""), ln(lnOwn.ID, "")} {
			if r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: p, Auth: branch}); r.Status != http.StatusOK {
				t.Errorf("own %s: %s", p, r)
			}
		}

		// Another branch's: refused, audited, nothing decided.
		for _, tc := range []struct {
			name string
			call apitest.Call
			code string
		}{
			{"withdrawal read", apitest.Call{Method: http.MethodGet, Path: wd(wdOther.ID, "")}, "access.other_branch"},
			{"withdrawal approve", apitest.Call{Method: http.MethodPost, Path: wd(wdOther.ID, "approve")}, "access.other_branch"},
			{"withdrawal return", apitest.Call{Method: http.MethodPost, Path: wd(wdOther.ID, "return"), Body: map[string]string{"comment": "补材料"}}, "access.other_branch"},
			{"withdrawal reject", apitest.Call{Method: http.MethodPost, Path: wd(wdOther.ID, "reject"), Body: map[string]string{"comment": "不符"}}, "access.other_branch"},
			{"loan read", apitest.Call{Method: http.MethodGet, Path: ln(lnOther.ID, "")}, "access.other_branch"},
			{"loan approve", apitest.Call{Method: http.MethodPost, Path: ln(lnOther.ID, "approve")}, "access.other_branch"},
			{"loan reject", apitest.Call{Method: http.MethodPost, Path: ln(lnOther.ID, "reject"), Body: map[string]string{"comment": "不符"}}, "access.other_branch"},
			{"loan contract", apitest.Call{Method: http.MethodPost, Path: ln(lnOther.ID, "contract"), Body: map[string]string{"mortgage_ref": "TX-1"}}, "access.other_branch"},
			{"loan disbursement", apitest.Call{Method: http.MethodPost, Path: ln(lnOther.ID, "disbursement")}, "access.other_branch"},
			{"pre-registrations", apitest.Call{Method: http.MethodGet, Path: staffBase + "/preregistrations"}, "access.forbidden"},
			{"counter filing", apitest.Call{Method: http.MethodPost, Path: staffBase + "/withdrawals", Body: map[string]string{"account_no": li.AccountNo},
				Header: map[string]string{"Idempotency-Key": "branch-counter-1"}, Spec: apitest.SpecInvalid}, "access.forbidden"},
		} {
			tc.call.Auth = branch
			before := apitest.LastAudit(t, a)
			apitest.CheckProblem(t, c.Do(t, tc.call), http.StatusForbidden, tc.code)
			if tc.code == "access.other_branch" {
				if e := apitest.LastAudit(t, a); e.Seq == before.Seq || e.Action != "staff.refused" || e.Actor != "staff:branch" ||
					!strings.Contains(e.After, "other_branch") {
					t.Errorf("%s: refusal audit %+v", tc.name, e.Record)
				}
			}
		}
		if got, err := a.Withdrawal.Get(ctx, wdOther.ID); err != nil || got.Status != withdrawal.StatusPendingReview {
			t.Errorf("other branch's withdrawal decided: %+v %v", got, err)
		}
		if got, err := a.Loan.Application(ctx, 0, lnOther.ID); err != nil || got.Status != loan.AppReviewing || len(got.Reviews) != 0 {
			t.Errorf("other branch's loan decided: %+v %v", got, err)
		}

		// Their own branch's: decided.
		ret := apitest.Decode[wdReviewJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: wd(wdOwn.ID, "return"), Auth: branch,
			Body: map[string]string{"comment": "请补充失业登记证明"}}), http.StatusOK)
		if ret.Status != withdrawal.StatusReturned {
			t.Errorf("own return %+v", ret)
		}
		lv := apitest.Decode[loanAppJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: ln(lnOwn.ID, "approve"), Auth: branch}), http.StatusOK)
		if len(lv.Reviews) != 1 || lv.Reviews[0].Reviewer != "staff:branch" {
			t.Errorf("own loan approve %+v", lv)
		}
		// The center reviewer reads the other branch's.
		if r := c.Do(t, apitest.Call{Method: http.MethodGet, Path: wd(wdOther.ID, ""), Auth: center}); r.Status != http.StatusOK {
			t.Errorf("center reads the other branch's: %s", r)
		}
		apitest.VerifyClean(t, a)
	})
}
