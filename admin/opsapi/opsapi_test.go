package opsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/platform/config"
)

const (
	opsToken = "ops-test-token-7f3a9c21"
	opsBase  = "/api/ops/v1"
	bankAcct = "1002-BANK-102"
	clearing = "2301-CLEARING"
	// Demo employees' personal accounts (internal/demo): 201000000001 holds
	// 86,421.00 yuan, 201000000004 holds 4,567.00 yuan.
	pfWang  = "2201-PF-201000000001"
	pfZhang = "2201-PF-201000000004"
)

// ---------------------------------------------------------------------------
// Platforms with the ops API on (internal/apitest) and their clients.

// withOps opens platforms with the ops API on.
var withOps = apitest.WithConfig(func(c *config.Config) { c.OpsToken = opsToken })

// newClient is a client of e that sends the ops token unless a call says
// otherwise.
func newClient(t *testing.T, e *echo.Echo) *apitest.Client {
	t.Helper()
	c := apitest.NewClient(t, e, apitest.OpsSchemes)
	c.DefaultAuth = apitest.Bearer(opsToken)
	return c
}

func server(t *testing.T, a *app.App) *apitest.Client {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, e)
}

// checkAudited asserts that the newest audit record is the action on the
// object, written by the ops token, with a JSON summary.
func checkAudited(t *testing.T, a *app.App, action, object string) {
	t.Helper()
	e := apitest.LastAudit(t, a)
	if e.Action != action || e.Object != object || e.Actor != "ops:token" || e.Channel != "system" || e.Result != audit.ResultOK {
		t.Errorf("audit record %+v, want %s on %s by ops:token", e.Record, action, object)
	}
	if !json.Valid([]byte(e.After)) {
		t.Errorf("audit summary is not JSON: %s", e.After)
	}
	if e.RequestID == "" {
		t.Errorf("audit record has no request id")
	}
}

// ---------------------------------------------------------------------------
// JSON shapes of the answers (the fields the tests look at).

type accountJSON struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	Type           string `json:"type"`
	OwnerType      string `json:"owner_type"`
	OwnerID        string `json:"owner_id"`
	AllowOverdraft bool   `json:"allow_overdraft"`
	BalanceFen     int64  `json:"balance_fen"`
	PostingCount   int64  `json:"posting_count"`
	CreatedAt      string `json:"created_at"`
}

type lineJSON struct {
	LineNo          int    `json:"line_no"`
	Account         string `json:"account"`
	Side            string `json:"side"`
	AmountFen       int64  `json:"amount_fen"`
	BalanceAfterFen int64  `json:"balance_after_fen"`
	AccountSeq      int64  `json:"account_seq"`
}

type entryJSON struct {
	Serial         string     `json:"serial"`
	BizType        string     `json:"biz_type"`
	BizDate        string     `json:"biz_date"`
	Memo           string     `json:"memo"`
	ReversesSerial string     `json:"reverses_serial"`
	Channel        string     `json:"channel"`
	Actor          string     `json:"actor"`
	CreatedAt      string     `json:"created_at"`
	Lines          []lineJSON `json:"lines"`
	Replayed       bool       `json:"replayed"`
}

type statementJSON struct {
	Account accountJSON `json:"account"`
	Balance string      `json:"balance"`
	Recent  []struct {
		Seq             int64  `json:"seq"`
		Serial          string `json:"serial"`
		Side            string `json:"side"`
		AmountFen       int64  `json:"amount_fen"`
		BalanceAfterFen int64  `json:"balance_after_fen"`
		Czbz            string `json:"czbz"`
	} `json:"recent"`
}

type paramJSON struct {
	Key           string `json:"key"`
	Value         string `json:"value"`
	EffectiveFrom string `json:"effective_from"`
	On            string `json:"on"`
	CreatedBy     string `json:"created_by"`
	ApprovedBy    string `json:"approved_by"`
}

// ln is one request line.
type ln struct {
	Account string `json:"account"`
	Side    string `json:"side"`
	Amount  int64  `json:"amount_fen"`
}

type postReq struct {
	Serial  string `json:"serial"`
	BizType string `json:"biz_type"`
	BizDate string `json:"biz_date,omitempty"`
	Memo    string `json:"memo,omitempty"`
	Lines   []ln   `json:"lines"`
}

func post(c *apitest.Client, t *testing.T, body any) apitest.Result {
	t.Helper()
	return c.Do(t, apitest.Call{Method: http.MethodPost, Path: opsBase + "/ledger/entries", Body: body})
}

func get(c *apitest.Client, t *testing.T, path string) apitest.Result {
	t.Helper()
	return c.Do(t, apitest.Call{Method: http.MethodGet, Path: opsBase + path})
}

// ---------------------------------------------------------------------------
// Tests.

// TestSpecCoversRoutes checks that openapi.yaml is a valid document and that
// it describes exactly the JSON API routes (every /api/<name>/v<N>/… route:
// ops, unit, staff and any added later) and the health routes the server
// registers. GET /api/ itself is the portal's HTML placeholder page, not an
// API route.
func TestSpecCoversRoutes(t *testing.T) {
	doc, _ := apitest.Spec(t)
	// Every optional channel on, so that its routes are served too (nothing
	// here calls the WeChat API).
	allOn := apitest.WithConfig(func(c *config.Config) {
		c.WeChatAppID, c.WeChatSecret, c.WeChatToken = "wx0000000000000000", "spec-test-secret", "spec-test-token"
		c.WeChatAPIBase, c.PublicURL = "http://127.0.0.1:9", "http://localhost:8080"
	})
	a := apitest.OpenApp(t, apitest.SQLite(t), withOps, allOn)
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	api := regexp.MustCompile(`^/api/[a-z]+/v[0-9]+(/|$)`)
	var served []string
	for _, r := range e.Routes() {
		p := r.Path
		switch {
		case r.Method == echo.RouteNotFound || strings.HasSuffix(p, "/*"): // a group's catch-all (404 after auth)
			continue
		case api.MatchString(p), p == "/healthz", p == "/readyz", p == "/metrics":
			served = append(served, r.Method+" "+param.ReplaceAllString(p, "{$1}"))
		}
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	served = slices.Compact(served)
	if !slices.Equal(served, documented) {
		t.Errorf("routes and openapi.yaml differ:\nserved     %q\ndocumented %q", served, documented)
	}
}

func TestHappyPaths(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := server(t, a)
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const pfNew = "2201-PF-209900000001"

		t.Run("open account", func(t *testing.T) {
			spec := map[string]any{"code": pfNew, "name": "个人住房公积金 测试", "type": "liability", "owner_type": "person", "owner_id": "209900000001"}
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: opsBase + "/ledger/accounts", Body: spec})
			acct := apitest.Decode[accountJSON](t, r, http.StatusCreated)
			if acct.Code != pfNew || acct.Type != "liability" || acct.OwnerID != "209900000001" || acct.AllowOverdraft || acct.BalanceFen != 0 || acct.PostingCount != 0 {
				t.Errorf("opened %+v", acct)
			}
			apitest.Wrote(t, a, before, map[string]int64{"ledger_account": 1, "audit_log": 1})
			checkAudited(t, a, "ledger.open_account", "ledger_account:"+pfNew)

			before = apitest.Snapshot(t, a)
			r = c.Do(t, apitest.Call{Method: http.MethodPost, Path: opsBase + "/ledger/accounts", Body: spec})
			again := apitest.Decode[accountJSON](t, r, http.StatusOK)
			if again != acct {
				t.Errorf("second open %+v, first %+v", again, acct)
			}
			apitest.Unchanged(t, a, before)
			apitest.VerifyClean(t, a)
		})

		t.Run("open account audit summary stays JSON", func(t *testing.T) {
			// Owner fields are free text; a quote must not break (or forge)
			// the audit summary.
			spec := map[string]any{"code": "2101-SUSP-Q1", "name": "暂收 测试", "type": "liability", "owner_type": "unit",
				"owner_id": `x","type":"asset\`}
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: http.MethodPost, Path: opsBase + "/ledger/accounts", Body: spec})
			apitest.Decode[accountJSON](t, r, http.StatusCreated)
			apitest.Wrote(t, a, before, map[string]int64{"ledger_account": 1, "audit_log": 1})
			checkAudited(t, a, "ledger.open_account", "ledger_account:2101-SUSP-Q1")
			var sum map[string]string
			if err := json.Unmarshal([]byte(apitest.LastAudit(t, a).After), &sum); err != nil || sum["type"] != "liability" ||
				sum["owner"] != `unit:x","type":"asset\` {
				t.Errorf("audit summary %s (%v)", apitest.LastAudit(t, a).After, err)
			}
			apitest.VerifyClean(t, a)
		})

		body := postReq{Serial: "T-POST-0001", BizType: "01", Memo: "汇缴 测试", Lines: []ln{
			{bankAcct, "D", 150000}, {pfNew, "C", 100000}, {pfWang, "C", 50000},
		}}
		var first entryJSON
		t.Run("post entry", func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			first = apitest.Decode[entryJSON](t, post(c, t, body), http.StatusCreated)
			if first.Serial != body.Serial || first.BizType != "01" || first.BizDate != today.String() || first.Memo != body.Memo ||
				first.Replayed || first.ReversesSerial != "" || first.Actor != "ops:token" || first.Channel != "system" || len(first.Lines) != 3 {
				t.Fatalf("posted %+v", first)
			}
			if l := first.Lines[1]; l.LineNo != 2 || l.Account != pfNew || l.Side != "C" || l.AmountFen != 100000 || l.BalanceAfterFen != 100000 || l.AccountSeq != 1 {
				t.Errorf("line 2 %+v", l)
			}
			if l := first.Lines[2]; l.Account != pfWang || l.BalanceAfterFen != 8_642_100+50000 || l.AccountSeq != 2 {
				t.Errorf("line 3 %+v", l)
			}
			apitest.Wrote(t, a, before, map[string]int64{"journal_entry": 1, "posting": 3, "audit_log": 1})
			checkAudited(t, a, "ledger.post", "journal_entry:T-POST-0001")
			apitest.VerifyClean(t, a)
		})

		t.Run("replay entry", func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			again := apitest.Decode[entryJSON](t, post(c, t, body), http.StatusOK)
			if !again.Replayed {
				t.Errorf("replay not marked replayed")
			}
			again.Replayed = false
			if !entryEqual(again, first) {
				t.Errorf("replay %+v, first %+v", again, first)
			}
			// The memo describes and is not part of what the entry does.
			other := body
			other.Memo = "重发"
			apitest.Decode[entryJSON](t, post(c, t, other), http.StatusOK)
			apitest.Unchanged(t, a, before)
			apitest.VerifyClean(t, a)
		})

		t.Run("get entry", func(t *testing.T) {
			e := apitest.Decode[entryJSON](t, get(c, t, "/ledger/entries/T-POST-0001"), http.StatusOK)
			if e.Replayed || !entryEqual(e, first) {
				t.Errorf("get %+v, posted %+v", e, first)
			}
		})

		t.Run("get account", func(t *testing.T) {
			s := apitest.Decode[statementJSON](t, get(c, t, "/ledger/accounts/"+pfNew), http.StatusOK)
			if s.Account.Code != pfNew || s.Account.BalanceFen != 100000 || s.Balance != "1000.00" || s.Account.PostingCount != 1 ||
				len(s.Recent) != 1 || s.Recent[0].Serial != "T-POST-0001" || s.Recent[0].Czbz != "01" || s.Recent[0].Seq != 1 {
				t.Errorf("statement %+v", s)
			}
			s = apitest.Decode[statementJSON](t, get(c, t, "/ledger/accounts/"+pfWang+"?limit=1"), http.StatusOK)
			if s.Account.PostingCount != 2 || s.Balance != "86921.00" || len(s.Recent) != 1 || s.Recent[0].Serial != "T-POST-0001" || s.Recent[0].Seq != 2 {
				t.Errorf("statement limit=1 %+v", s)
			}
			s = apitest.Decode[statementJSON](t, get(c, t, "/ledger/accounts/"+clearing), http.StatusOK)
			if s.Account.PostingCount != 0 || s.Balance != "0.00" || s.Recent == nil || len(s.Recent) != 0 {
				t.Errorf("empty statement %+v", s)
			}
		})

		revPath := opsBase + "/ledger/entries/T-POST-0001/reversal"
		revBody := map[string]any{"serial": "T-REV-0001", "memo": "冲正 测试"}
		var rev entryJSON
		t.Run("reverse", func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			rev = apitest.Decode[entryJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: revPath, Body: revBody}), http.StatusCreated)
			if rev.Serial != "T-REV-0001" || rev.ReversesSerial != "T-POST-0001" || rev.BizType != "01" || rev.Memo != "冲正 测试" || rev.Replayed || len(rev.Lines) != 3 {
				t.Fatalf("reversal %+v", rev)
			}
			for i, l := range rev.Lines {
				if l.Account != first.Lines[i].Account || l.AmountFen != first.Lines[i].AmountFen || l.Side == first.Lines[i].Side {
					t.Errorf("reversal line %d %+v does not mirror %+v", i+1, l, first.Lines[i])
				}
			}
			if rev.Lines[1].BalanceAfterFen != 0 {
				t.Errorf("balance after reversal %d", rev.Lines[1].BalanceAfterFen)
			}
			apitest.Wrote(t, a, before, map[string]int64{"journal_entry": 1, "posting": 3, "audit_log": 1})
			checkAudited(t, a, "ledger.reverse", "journal_entry:T-POST-0001")

			s := apitest.Decode[statementJSON](t, get(c, t, "/ledger/accounts/"+pfNew), http.StatusOK)
			if s.Balance != "0.00" || len(s.Recent) != 2 || s.Recent[0].Serial != "T-REV-0001" || s.Recent[0].Czbz != "02" || s.Recent[0].Side != "D" {
				t.Errorf("statement after reversal %+v", s)
			}
			apitest.VerifyClean(t, a)
		})

		t.Run("replay reversal", func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			again := apitest.Decode[entryJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: revPath, Body: revBody}), http.StatusOK)
			if !again.Replayed {
				t.Errorf("replayed reversal not marked replayed")
			}
			again.Replayed = false
			if !entryEqual(again, rev) {
				t.Errorf("replay %+v, first %+v", again, rev)
			}
			apitest.Unchanged(t, a, before)
			apitest.VerifyClean(t, a)
		})

		t.Run("param on date", func(t *testing.T) {
			for _, tc := range []struct{ path, value, from, on string }{
				{"/params/deposit.ratio.unit.max?on=2024-01-01", "1200", "2000-01-01", "2024-01-01"},
				{"/params/loan.rate.first.le5y?on=2023-01-01", "26000", "2022-10-01", "2023-01-01"},
				{"/params/loan.rate.first.le5y?on=2022-09-30", "27500", "2015-08-26", "2022-09-30"},
				{"/params/loan.rate.first.le5y?on=2025-05-08", "21000", "2025-05-08", "2025-05-08"},
				{"/params/interest.rate", "15000", "2016-02-21", today.String()},
			} {
				p := apitest.Decode[paramJSON](t, get(c, t, tc.path), http.StatusOK)
				want := paramJSON{Key: p.Key, Value: tc.value, EffectiveFrom: tc.from, On: tc.on, CreatedBy: "system:seed", ApprovedBy: "system:seed"}
				if p != want || !strings.HasPrefix(tc.path, "/params/"+p.Key) {
					t.Errorf("%s = %+v, want %+v", tc.path, p, want)
				}
			}
		})

		t.Run("business date", func(t *testing.T) {
			d := apitest.Decode[map[string]string](t, get(c, t, "/business-date"), http.StatusOK)
			if d["business_date"] != today.String() {
				t.Errorf("business date %v, want %s", d, today)
			}
		})

		apitest.VerifyClean(t, a)
	}, withOps)
}

func entryEqual(a, b entryJSON) bool {
	return a.Serial == b.Serial && a.BizType == b.BizType && a.BizDate == b.BizDate && a.Memo == b.Memo &&
		a.ReversesSerial == b.ReversesSerial && a.Channel == b.Channel && a.Actor == b.Actor && a.CreatedAt == b.CreatedAt &&
		a.Replayed == b.Replayed && slices.Equal(a.Lines, b.Lines)
}

func TestBadInput(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		// State the cases refer to: T-BASE-1 posted; T-BASE-2 posted and
		// reversed by T-BASE-2R.
		for _, b := range []postReq{
			{Serial: "T-BASE-1", BizType: "01", Lines: []ln{{bankAcct, "D", 1000}, {pfWang, "C", 1000}}},
			{Serial: "T-BASE-2", BizType: "01", Lines: []ln{{bankAcct, "D", 2000}, {pfWang, "C", 2000}}},
		} {
			apitest.Decode[entryJSON](t, post(c, t, b), http.StatusCreated)
		}
		apitest.Decode[entryJSON](t, c.Do(t, apitest.Call{Method: http.MethodPost, Path: opsBase + "/ledger/entries/T-BASE-2/reversal",
			Body: map[string]string{"serial": "T-BASE-2R"}}), http.StatusCreated)

		entries := opsBase + "/ledger/entries"
		valid := func(serial string) postReq {
			return postReq{Serial: serial, BizType: "01", Lines: []ln{{bankAcct, "D", 500}, {pfWang, "C", 500}}}
		}
		withLines := func(lines string) string {
			return `{"serial":"T-BAD-1","biz_type":"01","lines":[` + lines + `]}`
		}
		bigMemo := `{"serial":"T-BIG","biz_type":"01","memo":"` + strings.Repeat("x", 1<<20+10) + `","lines":[]}`

		tests := []struct {
			name   string
			call   apitest.Call
			status int
			code   string
		}{
			{"malformed json", apitest.Call{Method: "POST", Path: entries, Body: `{"serial":"T-BAD-1","biz_type":"01",`, Spec: apitest.SpecInvalid}, 400, "request.malformed_json"},
			{"syntax error", apitest.Call{Method: "POST", Path: entries, Body: `{"serial" "T-BAD-1"}`, Spec: apitest.SpecInvalid}, 400, "request.malformed_json"},
			// kin-openapi's JSON decoder ignores data after the first value, so the
			// validator cannot be asked to refuse this one.
			{"trailing data", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":5},{"account":"2201-PF-201000000001","side":"C","amount_fen":5}`) + `{}`, Spec: apitest.SpecSkip}, 400, "request.malformed_json"},
			{"empty body", apitest.Call{Method: "POST", Path: entries, Body: "", Spec: apitest.SpecInvalid}, 400, "request.empty_body"},
			{"wrong content type", apitest.Call{Method: "POST", Path: entries, Body: valid("T-BAD-CT"), ContentType: "text/plain", Spec: apitest.SpecInvalid}, 415, "request.unsupported_media_type"},
			{"no content type", apitest.Call{Method: "POST", Path: entries, Body: valid("T-BAD-CT"), ContentType: "-", Spec: apitest.SpecInvalid}, 415, "request.unsupported_media_type"},
			{"oversize body", apitest.Call{Method: "POST", Path: entries, Body: bigMemo, Spec: apitest.SpecInvalid}, 413, "request.too_large"},
			{"oversize chunked body", apitest.Call{Method: "POST", Path: entries, Body: bigMemo, Chunked: true, Spec: apitest.SpecInvalid}, 413, "request.too_large"},
			{"unknown field", apitest.Call{Method: "POST", Path: entries, Body: `{"serial":"T-BAD-1","biz_type":"01","amount":1,"lines":[]}`, Spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
			{"unknown line field", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount":5},{"account":"2201-PF-201000000001","side":"C","amount_fen":5}`), Spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
			{"negative amount", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":-500},{"account":"2201-PF-201000000001","side":"C","amount_fen":-500}`), Spec: apitest.SpecInvalid}, 400, "ledger.bad_amount"},
			{"zero amount", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":0},{"account":"2201-PF-201000000001","side":"C","amount_fen":0}`), Spec: apitest.SpecInvalid}, 400, "ledger.bad_amount"},
			{"amount over the maximum", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":1000000000000001},{"account":"2201-PF-201000000001","side":"C","amount_fen":1000000000000001}`), Spec: apitest.SpecInvalid}, 400, "ledger.bad_amount"},
			{"amount 1e30", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":1e30},{"account":"2201-PF-201000000001","side":"C","amount_fen":1e30}`), Spec: apitest.SpecInvalid}, 400, "request.invalid_field"},
			{"amount 2^63", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":9223372036854775808},{"account":"2201-PF-201000000001","side":"C","amount_fen":9223372036854775808}`), Spec: apitest.SpecInvalid}, 400, "request.invalid_field"},
			{"fractional amount", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":1.5},{"account":"2201-PF-201000000001","side":"C","amount_fen":1.5}`), Spec: apitest.SpecInvalid}, 400, "request.invalid_field"},
			{"amount as string", apitest.Call{Method: "POST", Path: entries, Body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":"5"},{"account":"2201-PF-201000000001","side":"C","amount_fen":"5"}`), Spec: apitest.SpecInvalid}, 400, "request.invalid_field"},
			{"unbalanced lines", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "D", 500}, {pfWang, "C", 499}}}}, 400, "ledger.unbalanced"},
			{"one line", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "D", 500}}}, Spec: apitest.SpecInvalid}, 400, "ledger.too_few_lines"},
			{"bad side", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "X", 500}, {pfWang, "C", 500}}}, Spec: apitest.SpecInvalid}, 400, "ledger.bad_side"},
			{"bad biz type", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "1", Lines: valid("x").Lines}, Spec: apitest.SpecInvalid}, 400, "ledger.bad_biz_type"},
			{"bad biz date", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "01", BizDate: "2026-13-01", Lines: valid("x").Lines}, Spec: apitest.SpecInvalid}, 400, "date.syntax"},
			{"memo too long", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "01", Memo: strings.Repeat("汇", 201), Lines: valid("x").Lines}, Spec: apitest.SpecInvalid}, 400, "ledger.memo_too_long"},
			{"unknown account", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "D", 500}, {"2201-PF-209999999999", "C", 500}}}}, 404, "ledger.unknown_account"},
			{"serial with spaces", apitest.Call{Method: "POST", Path: entries, Body: valid("T BAD 1"), Spec: apitest.SpecInvalid}, 400, "ident.serial_syntax"},
			{"serial too long", apitest.Call{Method: "POST", Path: entries, Body: valid(strings.Repeat("S", 65)), Spec: apitest.SpecInvalid}, 400, "ident.serial_syntax"},
			{"same serial, different lines", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BASE-1", BizType: "01", Lines: []ln{{bankAcct, "D", 1001}, {pfWang, "C", 1001}}}}, 409, "ledger.serial_reused"},
			{"withdrawal over the balance", apitest.Call{Method: "POST", Path: entries, Body: postReq{Serial: "T-BAD-WD", BizType: "02", Lines: []ln{{pfZhang, "D", 456_701}, {clearing, "C", 456_701}}}}, 409, "ledger.insufficient_funds"},
			{"reversal of unknown serial", apitest.Call{Method: "POST", Path: entries + "/T-NONE/reversal", Body: map[string]string{"serial": "T-BAD-R1"}}, 404, "ledger.entry_not_found"},
			{"second reversal", apitest.Call{Method: "POST", Path: entries + "/T-BASE-2/reversal", Body: map[string]string{"serial": "T-BAD-R2"}}, 409, "ledger.already_reversed"},
			{"reversal of a reversal", apitest.Call{Method: "POST", Path: entries + "/T-BASE-2R/reversal", Body: map[string]string{"serial": "T-BAD-R3"}}, 409, "ledger.reversal_of_reversal"},
			{"reversal serial already used", apitest.Call{Method: "POST", Path: entries + "/T-BASE-1/reversal", Body: map[string]string{"serial": "T-BASE-2"}}, 409, "ledger.serial_reused"},
			{"reversal bad serial", apitest.Call{Method: "POST", Path: entries + "/T-BASE-1/reversal", Body: map[string]string{"serial": "冲 1"}, Spec: apitest.SpecInvalid}, 400, "ident.serial_syntax"},
			{"reversal unknown field", apitest.Call{Method: "POST", Path: entries + "/T-BASE-1/reversal", Body: `{"serial":"T-BAD-R4","lines":[]}`, Spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
			{"reversal without serial", apitest.Call{Method: "POST", Path: entries + "/T-BASE-1/reversal", Body: `{}`, Spec: apitest.SpecInvalid}, 400, "ident.serial_syntax"},
			{"open account unknown field", apitest.Call{Method: "POST", Path: opsBase + "/ledger/accounts", Body: `{"code":"9999-T-1","name":"测试","type":"asset","owner_type":"center","balance_fen":100}`, Spec: apitest.SpecInvalid}, 400, "request.unknown_field"},
			{"open account bad type", apitest.Call{Method: "POST", Path: opsBase + "/ledger/accounts", Body: map[string]any{"code": "9999-T-1", "name": "测试", "type": "cash", "owner_type": "center"}, Spec: apitest.SpecInvalid}, 400, "ledger.bad_account"},
			{"open account blank name", apitest.Call{Method: "POST", Path: opsBase + "/ledger/accounts", Body: map[string]any{"code": "9999-T-1", "name": "  ", "type": "asset", "owner_type": "center"}, Spec: apitest.SpecInvalid}, 400, "ledger.bad_account"},
			{"open account changes attributes", apitest.Call{Method: "POST", Path: opsBase + "/ledger/accounts", Body: map[string]any{"code": pfWang, "name": "个人住房公积金 王建国", "type": "liability", "owner_type": "person", "owner_id": "201000000001", "allow_overdraft": true}}, 409, "ledger.account_exists"},
			{"unknown account read", apitest.Call{Method: "GET", Path: opsBase + "/ledger/accounts/2201-PF-209999999999"}, 404, "ledger.unknown_account"},
			{"bad limit", apitest.Call{Method: "GET", Path: opsBase + "/ledger/accounts/" + pfWang + "?limit=0", Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
			{"limit not a number", apitest.Call{Method: "GET", Path: opsBase + "/ledger/accounts/" + pfWang + "?limit=ten", Spec: apitest.SpecInvalid}, 400, "request.invalid_query"},
			{"unknown entry read", apitest.Call{Method: "GET", Path: entries + "/T-NONE"}, 404, "ledger.entry_not_found"},
			{"bad on date", apitest.Call{Method: "GET", Path: opsBase + "/params/interest.rate?on=2026-02-30", Spec: apitest.SpecInvalid}, 400, "date.syntax"},
			{"on date not a date", apitest.Call{Method: "GET", Path: opsBase + "/params/interest.rate?on=yesterday", Spec: apitest.SpecInvalid}, 400, "date.syntax"},
			{"unknown param key", apitest.Call{Method: "GET", Path: opsBase + "/params/no.such.key"}, 400, "policy.unknown_key"},
			{"param not yet in force", apitest.Call{Method: "GET", Path: opsBase + "/params/deposit.base.min?on=2020-01-01"}, 404, "policy.not_in_force"},
			{"missing token", apitest.Call{Method: "POST", Path: entries, Body: valid("T-BAD-AUTH"), Auth: "-", Spec: apitest.SpecInvalid}, 401, "ops.unauthenticated"},
			{"wrong token", apitest.Call{Method: "POST", Path: entries, Body: valid("T-BAD-AUTH"), Auth: "Bearer wrong-token"}, 401, "ops.unauthenticated"},
			{"token with another scheme", apitest.Call{Method: "POST", Path: entries, Body: valid("T-BAD-AUTH"), Auth: "Basic " + opsToken, Spec: apitest.SpecInvalid}, 401, "ops.unauthenticated"},
			{"token prefix", apitest.Call{Method: "POST", Path: entries, Body: valid("T-BAD-AUTH"), Auth: "Bearer " + opsToken[:len(opsToken)-1]}, 401, "ops.unauthenticated"},
			{"missing token on read", apitest.Call{Method: "GET", Path: opsBase + "/business-date", Auth: "-", Spec: apitest.SpecInvalid}, 401, "ops.unauthenticated"},
			{"missing token before body checks", apitest.Call{Method: "POST", Path: entries, Body: `{"serial":`, Auth: "-", Spec: apitest.SpecInvalid}, 401, "ops.unauthenticated"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := apitest.Snapshot(t, a)
				apitest.CheckProblem(t, c.Do(t, tt.call), tt.status, tt.code)
				apitest.Unchanged(t, a, before)
				apitest.VerifyClean(t, a)
			})
		}

		t.Run("disabled", func(t *testing.T) {
			off := *a
			off.Config.OpsToken = ""
			e, err := off.Server()
			if err != nil {
				t.Fatal(err)
			}
			oc := newClient(t, e)
			for _, cl := range []apitest.Call{
				{Method: "POST", Path: entries, Body: valid("T-BAD-OFF")},
				{Method: "POST", Path: entries, Body: valid("T-BAD-OFF"), Auth: "-", Spec: apitest.SpecInvalid},
				{Method: "POST", Path: entries, Body: valid("T-BAD-OFF"), Auth: "Bearer ", Spec: apitest.SpecInvalid},
				{Method: "GET", Path: opsBase + "/business-date"},
				{Method: "POST", Path: entries + "/T-BASE-1/reversal", Body: map[string]string{"serial": "T-BAD-OFF-R"}},
			} {
				before := apitest.Snapshot(t, a)
				apitest.CheckProblem(t, oc.Do(t, cl), http.StatusForbidden, "ops.disabled")
				apitest.Unchanged(t, a, before)
			}
			apitest.VerifyClean(t, a)
		})
	}, withOps)
}

func TestHealth(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		noAuth := func(path string) apitest.Call { return apitest.Call{Method: http.MethodGet, Path: path, Auth: "-"} }

		if h := apitest.Decode[map[string]string](t, c.Do(t, noAuth("/healthz")), http.StatusOK); h["status"] != "ok" {
			t.Errorf("/healthz %v", h)
		}
		r := apitest.Decode[struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}](t, c.Do(t, noAuth("/readyz")), http.StatusOK)
		if r.Status != "ready" || r.Checks["database"] != "ok" {
			t.Errorf("/readyz %+v", r)
		}
		m := c.Do(t, noAuth("/metrics"))
		if m.Status != http.StatusOK || !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") ||
			!bytes.Contains(m.Body, []byte(`gjj_http_requests_total{method="GET",route="/readyz",status="200"} 1`)) {
			t.Errorf("/metrics %d %s\n%.500s", m.Status, m.Header.Get("Content-Type"), m.Body)
		}

		// With the database gone the instance is not ready.
		apitest.VerifyClean(t, a)
		if err := a.DB.Close(); err != nil {
			t.Fatal(err)
		}
		p := apitest.CheckProblem(t, c.Do(t, noAuth("/readyz")), http.StatusServiceUnavailable, "platform.not_ready")
		if checks, _ := p["checks"].(map[string]any); !strings.HasPrefix(fmt.Sprint(checks["database"]), "down: ") {
			t.Errorf("checks %v", p["checks"])
		}
		if h := apitest.Decode[map[string]string](t, c.Do(t, noAuth("/healthz")), http.StatusOK); h["status"] != "ok" {
			t.Errorf("/healthz with the database down %v", h)
		}
	}, withOps)
}
