package appapi_test

import (
	"context"
	"net/http"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/demo"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
)

// loanDay is the business date of the loan API tests: after the 2025-05-08
// rates (first home > 5 years 2.6%) and early enough in 李明's life that a
// 30-year term fits the age rule.
var loanDay = date.MustParse("2026-03-10")

type loanPlanJSON struct {
	Method            string `json:"method"`
	Rate              string `json:"rate"`
	MonthlyPaymentFen int64  `json:"monthly_payment_fen"`
	TotalInterestFen  int64  `json:"total_interest_fen"`
	TotalPaymentFen   int64  `json:"total_payment_fen"`
	Schedule          []struct {
		Period       int   `json:"period"`
		PaymentFen   int64 `json:"payment_fen"`
		PrincipalFen int64 `json:"principal_fen"`
		InterestFen  int64 `json:"interest_fen"`
		BalanceFen   int64 `json:"balance_fen"`
	} `json:"schedule"`
}

type loanQuoteJSON struct {
	loanPlanJSON
	Limits []struct {
		Rule          string `json:"rule"`
		LimitFen      *int64 `json:"limit_fen"`
		MaxTermMonths *int   `json:"max_term_months"`
		Binding       bool   `json:"binding"`
	} `json:"limits"`
	LimitFen      int64 `json:"limit_fen"`
	MaxTermMonths int   `json:"max_term_months"`
	AmountFen     int64 `json:"amount_fen"`
	Eligible      bool  `json:"eligible"`
	Checks        []struct {
		Rule   string `json:"rule"`
		Passed bool   `json:"passed"`
		Detail string `json:"detail"`
	} `json:"checks"`
}

func loanSetDay(t *testing.T, a *app.App, d date.Date) {
	t.Helper()
	if _, err := a.Dates.Set(context.Background(), d, true); err != nil {
		t.Fatal(err)
	}
}

// TestLoanCalculator: the public calculator needs no login and answers the
// domain.md §3.7 vectors to the fen; bad figures are 400 with their codes.
func TestLoanCalculator(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		calc := func(body any, check apitest.SpecCheck) apitest.Result {
			return c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/calculators/loan", Body: body, Auth: "-", Spec: check})
		}
		p := apitest.Decode[loanPlanJSON](t, calc(map[string]any{"amount_fen": 100_000_000, "term_months": 360, "rate": "2.6",
			"method": "equal_installment"}, apitest.SpecValid), http.StatusOK)
		if p.MonthlyPaymentFen != 400340 || p.TotalInterestFen != 44122235 || len(p.Schedule) != 360 || p.Rate != "2.6%" ||
			p.Schedule[0].InterestFen != 216667 || p.Schedule[359].PaymentFen != 400175 || p.Schedule[359].BalanceFen != 0 {
			t.Errorf("等额本息 answer: monthly %d interest %d periods %d rate %s", p.MonthlyPaymentFen, p.TotalInterestFen, len(p.Schedule), p.Rate)
		}
		q := apitest.Decode[loanPlanJSON](t, calc(map[string]any{"amount_fen": 10_000_000, "term_months": 12, "rate": "2.6%",
			"method": "equal_principal"}, apitest.SpecValid), http.StatusOK)
		want := []int64{855000, 853194, 851389, 849583, 847777, 845972, 844166, 842361, 840555, 838750, 836944, 835143}
		for i, per := range q.Schedule {
			if per.PaymentFen != want[i] {
				t.Errorf("等额本金 period %d pays %d, want %d", i+1, per.PaymentFen, want[i])
			}
		}
		for _, bad := range []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"amount_fen": 100, "term_months": 12, "rate": "abc", "method": "equal_installment"}, "loan.bad_rate"},
			{map[string]any{"amount_fen": 100, "term_months": 0, "rate": "2.6", "method": "equal_installment"}, "loan.bad_term"},
			{map[string]any{"amount_fen": 100, "term_months": 361, "rate": "2.6", "method": "equal_installment"}, "loan.bad_term"},
			{map[string]any{"amount_fen": 0, "term_months": 12, "rate": "2.6", "method": "equal_installment"}, "loan.bad_amount"},
			{map[string]any{"amount_fen": 100, "term_months": 12, "rate": "2.6", "method": "balloon"}, "loan.bad_method"},
		} {
			apitest.CheckProblem(t, calc(bad.body, apitest.SpecValid), http.StatusBadRequest, bad.code)
		}
		apitest.CheckProblem(t, calc(map[string]any{"amount_fen": 100, "term_months": 12, "rate": "2.6", "method": "equal_installment",
			"extra": 1}, apitest.SpecInvalid), http.StatusBadRequest, "request.unknown_field")
	})
}

// TestLoanQuoteAPI: a signed-in person's quote shows every limit, the rate
// of the rate table and a plan; the age rule refuses a term for an older
// borrower as a failed check, not an error.
func TestLoanQuoteAPI(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		loanSetDay(t, a, loanDay)
		c := server(t, a)
		body := map[string]any{"house_price_fen": money.Yuan(1_000_000), "term_months": 360, "method": "equal_installment", "home": "first"}
		r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/loan-quotes", Body: body, Auth: "-", Spec: apitest.SpecInvalid})
		apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.no_session")

		auth := login(t, c, demo.Employees[1].IDNumber, demo.Password) // 李明: balance 53,210, base 9,800
		q := apitest.Decode[loanQuoteJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/loan-quotes", Body: body, Auth: auth}), http.StatusOK)
		want := map[string]int64{"cap": 40_000_000, "price": 80_000_000, "balance": 53_210_00 * 10, "capacity": (980_000 + 117_600) * 4 / 10 * 360}
		for _, l := range q.Limits {
			if l.Rule == "age_term" {
				if l.MaxTermMonths == nil || *l.MaxTermMonths != 360 || l.Binding {
					t.Errorf("age_term %+v", l)
				}
				continue
			}
			if l.LimitFen == nil || *l.LimitFen != want[l.Rule] || l.Binding != (l.Rule == "cap") {
				t.Errorf("limit %s = %v binding %v, want %d", l.Rule, l.LimitFen, l.Binding, want[l.Rule])
			}
		}
		m, _ := schedule.Instalment(money.Yuan(400_000), 360, 26000)
		if q.LimitFen != 40_000_000 || q.AmountFen != 40_000_000 || q.Rate != "2.6%" || !q.Eligible || len(q.Schedule) != 360 ||
			q.MonthlyPaymentFen != int64(m) {
			t.Errorf("quote limit %d amount %d rate %s eligible %v periods %d monthly %d (want %d); checks %+v",
				q.LimitFen, q.AmountFen, q.Rate, q.Eligible, len(q.Schedule), q.MonthlyPaymentFen, m, q.Checks)
		}

		// Second home, 5 years: the second-home floor rate of ≤ 5 years.
		body2 := map[string]any{"house_price_fen": money.Yuan(300_000), "term_months": 60, "method": "equal_principal", "home": "second",
			"amount_fen": money.Yuan(150_000)}
		q2 := apitest.Decode[loanQuoteJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/loan-quotes", Body: body2, Auth: auth}), http.StatusOK)
		if q2.Rate != "2.525%" || q2.LimitFen != 21_000_000 || q2.AmountFen != 15_000_000 || !q2.Eligible {
			t.Errorf("second home quote rate %s limit %d amount %d eligible %v", q2.Rate, q2.LimitFen, q2.AmountFen, q2.Eligible)
		}

		// 王建国 (born 1949) is past retirement + 5 years: the term check fails.
		old := login(t, c, demo.Employees[0].IDNumber, demo.Password)
		q3 := apitest.Decode[loanQuoteJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/loan-quotes", Body: body, Auth: old}), http.StatusOK)
		failed := map[string]bool{}
		for _, ch := range q3.Checks {
			if !ch.Passed {
				failed[ch.Rule] = true
				if !apitest.IsChinese(ch.Detail) {
					t.Errorf("check detail %q", ch.Detail)
				}
			}
		}
		if q3.Eligible || !failed["term"] || q3.MaxTermMonths != 0 || len(failed) != 1 {
			t.Errorf("older borrower: eligible %v max term %d failed %v", q3.Eligible, q3.MaxTermMonths, failed)
		}

		for _, bad := range []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"house_price_fen": 100, "term_months": 360, "method": "equal_installment", "home": "third"}, "loan.bad_home"},
			{map[string]any{"house_price_fen": 0, "term_months": 360, "method": "equal_installment", "home": "first"}, "loan.invalid_input"},
			{map[string]any{"house_price_fen": 100, "term_months": 360, "method": "x", "home": "first"}, "loan.bad_method"},
			{map[string]any{"house_price_fen": 100, "term_months": 360, "method": "equal_installment", "home": "first",
				"co_borrower": map[string]string{"account_no": demo.Employees[2].AccountNo, "id_number": demo.Employees[3].IDNumber}}, "loan.co_borrower"},
		} {
			apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: base + "/loan-quotes", Body: bad.body, Auth: auth}),
				http.StatusBadRequest, bad.code)
		}
	})
}
