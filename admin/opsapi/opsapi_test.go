package opsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
)

// specPath is openapi.yaml at the repository root, seen from this package's
// directory (go test runs in it).
const specPath = "../../openapi.yaml"

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
// The OpenAPI document and the validating client.

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// spec loads and validates openapi.yaml once per test binary.
func spec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		// format: date is an RFC 3339 full-date, a real calendar day
		// (kin-openapi's default only checks the shape: 2026-02-30 passes).
		openapi3.DefineStringFormatCallback("date", func(s string) error {
			_, err := time.Parse(time.DateOnly, s)
			return err
		})
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath)
		if err != nil {
			specErr = fmt.Errorf("load %s: %w", specPath, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = fmt.Errorf("validate %s: %w", specPath, err)
			return
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("router of %s: %w", specPath, err)
			return
		}
		specDoc, specRouter = doc, r
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specDoc, specRouter
}

// bearerAuth checks the opsToken security scheme the way a client library
// would: a bearer token is present. Whether it is the right one is the
// server's business.
func bearerAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "opsToken" {
		return fmt.Errorf("unexpected security scheme %q", in.SecuritySchemeName)
	}
	tok, ok := strings.CutPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return errors.New("no bearer token")
	}
	return nil
}

// specCheck says what the request validator must conclude about a request.
type specCheck int

const (
	specValid   specCheck = iota // the request conforms to openapi.yaml (default)
	specInvalid                  // the request deliberately violates openapi.yaml; the validator must refuse it
	specSkip                     // do not validate the request (the response is still validated)
)

// call is one request to the server.
type call struct {
	method, path string
	body         any    // nil: no body; string or []byte: sent as is; anything else: JSON-encoded
	contentType  string // default application/json when there is a body; "-" for none
	auth         string // "" the right bearer token; "-" no Authorization header; otherwise the header value
	chunked      bool   // hide the length (Transfer-Encoding: chunked)
	spec         specCheck
}

// result is the server's answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// client sends calls to one echo instance and validates every request and
// response against openapi.yaml.
type client struct {
	e      *echo.Echo
	router routers.Router
}

func newClient(t *testing.T, e *echo.Echo) *client {
	_, r := spec(t)
	return &client{e: e, router: r}
}

func (c *client) build(cl call, body []byte) *http.Request {
	var rd io.Reader
	if cl.body != nil {
		rd = bytes.NewReader(body)
		if cl.chunked {
			rd = struct{ io.Reader }{rd}
		}
	}
	req := httptest.NewRequest(cl.method, cl.path, rd)
	if cl.chunked {
		req.ContentLength = -1
	}
	switch {
	case cl.contentType == "-":
	case cl.contentType != "":
		req.Header.Set("Content-Type", cl.contentType)
	case cl.body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	switch cl.auth {
	case "":
		req.Header.Set("Authorization", "Bearer "+opsToken)
	case "-":
	default:
		req.Header.Set("Authorization", cl.auth)
	}
	return req
}

func encodeBody(t *testing.T, v any) []byte {
	t.Helper()
	switch b := v.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (c *client) do(t *testing.T, cl call) result {
	t.Helper()
	ctx := context.Background()
	body := encodeBody(t, cl.body)

	// The route is found on a copy, so validation cannot touch what is sent.
	probe := c.build(cl, body)
	route, params, err := c.router.FindRoute(probe)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.yaml: %v", cl.method, cl.path, err)
	}
	reqInput := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerAuth, MultiError: true},
	}
	if cl.spec != specSkip {
		err := openapi3filter.ValidateRequest(ctx, reqInput)
		switch {
		case cl.spec == specValid && err != nil:
			t.Errorf("request %s %s does not conform to openapi.yaml: %v", cl.method, cl.path, err)
		case cl.spec == specInvalid && err == nil:
			t.Errorf("openapi.yaml accepts the invalid request %s %s %.200s", cl.method, cl.path, body)
		}
	}

	rec := httptest.NewRecorder()
	c.e.ServeHTTP(rec, c.build(cl, body))
	res := result{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}

	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 res.status,
		Header:                 res.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	respInput.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(ctx, respInput); err != nil {
		t.Errorf("response to %s %s does not conform to openapi.yaml: %v\n%.2000s", cl.method, cl.path, err, res.body)
	}
	return res
}

// decode unmarshals the answer, which must have the wanted status and be JSON.
func decode[T any](t *testing.T, r result, status int) T {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %.2000s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, r.body)
	}
	return v
}

// checkProblem asserts a problem+json answer with the status, the stable code,
// a Chinese detail and the request id of the X-Request-ID header.
func checkProblem(t *testing.T, r result, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %.2000s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p map[string]any
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, r.body)
	}
	if p["code"] != code {
		t.Fatalf("code %v, want %s; body %s", p["code"], code, r.body)
	}
	if p["status"] != float64(status) {
		t.Errorf("status member %v, want %d", p["status"], status)
	}
	detail, _ := p["detail"].(string)
	if !strings.ContainsFunc(detail, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		t.Errorf("detail %q is not a Chinese message", detail)
	}
	if rid := r.header.Get("X-Request-ID"); rid == "" || p["request_id"] != rid {
		t.Errorf("request_id %v, header %q", p["request_id"], rid)
	}
	return p
}

// ---------------------------------------------------------------------------
// Platform instances on SQLite and MariaDB.

// eachStore runs f as the subtests "sqlite" and "mysql", each with a freshly
// opened platform on its own empty database, demo data seeded, the ops API on.
func eachStore(t *testing.T, f func(t *testing.T, a *app.App)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		f(t, openApp(t, "sqlite:"+filepath.Join(t.TempDir(), "gjj.db")))
	})
	t.Run("mysql", func(t *testing.T) {
		f(t, openApp(t, "mysql:"+dbtest.MySQLDatabase(t)))
	})
}

func openApp(t *testing.T, database string) *app.App {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	a, err := app.Open(ctx, config.Config{Database: database, Addr: ":0", LogLevel: "info", BodyLimit: "1M", OpsToken: opsToken}, log)
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.SeedDemo(ctx); err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	return a
}

func server(t *testing.T, a *app.App) *client {
	t.Helper()
	e, err := a.Server()
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, e)
}

// counts are the row counts of the tables a write may touch.
type counts struct{ Entries, Postings, Accounts, Audit int64 }

func countRows(t *testing.T, a *app.App) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	for _, q := range []struct {
		table string
		dst   *int64
	}{{"journal_entry", &c.Entries}, {"posting", &c.Postings}, {"ledger_account", &c.Accounts}, {"audit_log", &c.Audit}} {
		if err := a.DB.GetContext(ctx, q.dst, "SELECT COUNT(*) FROM "+q.table); err != nil {
			t.Fatalf("count %s: %v", q.table, err)
		}
	}
	return c
}

// verifyClean asserts that the ledger and the audit chain verify.
func verifyClean(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	rep, err := ledger.Verify(ctx, a.DB)
	if err != nil {
		t.Fatalf("ledger.Verify: %v", err)
	}
	if !rep.OK() {
		t.Errorf("ledger.Verify: %+v", rep.Problems)
	}
	arep, err := a.Audit.Verify(ctx, a.DB)
	if err != nil {
		t.Fatalf("audit Verify: %v", err)
	}
	if !arep.OK() {
		t.Errorf("audit Verify: %v (omitted %d)", arep.Problems, arep.Omitted)
	}
}

// lastAudit returns the newest audit record.
func lastAudit(t *testing.T, a *app.App) audit.Entry {
	t.Helper()
	es, err := a.Audit.List(context.Background(), audit.Filter{Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit list: %v %v", es, err)
	}
	return es[0]
}

// checkAudited asserts that exactly one audit row was added since before,
// with the action and object, written by the ops token, with a JSON summary.
func checkAudited(t *testing.T, a *app.App, before counts, action, object string) {
	t.Helper()
	after := countRows(t, a)
	if after.Audit != before.Audit+1 {
		t.Fatalf("audit rows %d → %d, want one more", before.Audit, after.Audit)
	}
	e := lastAudit(t, a)
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

func sameCounts(t *testing.T, before, after counts) {
	t.Helper()
	if before != after {
		t.Errorf("rows written: before %+v, after %+v", before, after)
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

func post(c *client, t *testing.T, body any) result {
	t.Helper()
	return c.do(t, call{method: http.MethodPost, path: opsBase + "/ledger/entries", body: body})
}

func get(c *client, t *testing.T, path string) result {
	t.Helper()
	return c.do(t, call{method: http.MethodGet, path: opsBase + path})
}

// ---------------------------------------------------------------------------
// Tests.

// TestSpecCoversRoutes checks that openapi.yaml is a valid document and that
// it describes exactly the JSON API routes (every /api/<name>/v<N>/… route:
// ops, unit, staff and any added later) and the health routes the server
// registers. GET /api/ itself is the portal's HTML placeholder page, not an
// API route.
func TestSpecCoversRoutes(t *testing.T) {
	doc, _ := spec(t)
	a := openApp(t, "sqlite:"+filepath.Join(t.TempDir(), "gjj.db"))
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
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := server(t, a)
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const pfNew = "2201-PF-209900000001"

		t.Run("open account", func(t *testing.T) {
			spec := map[string]any{"code": pfNew, "name": "个人住房公积金 测试", "type": "liability", "owner_type": "person", "owner_id": "209900000001"}
			before := countRows(t, a)
			r := c.do(t, call{method: http.MethodPost, path: opsBase + "/ledger/accounts", body: spec})
			acct := decode[accountJSON](t, r, http.StatusCreated)
			if acct.Code != pfNew || acct.Type != "liability" || acct.OwnerID != "209900000001" || acct.AllowOverdraft || acct.BalanceFen != 0 || acct.PostingCount != 0 {
				t.Errorf("opened %+v", acct)
			}
			if after := countRows(t, a); after.Accounts != before.Accounts+1 {
				t.Errorf("ledger_account rows %d → %d", before.Accounts, after.Accounts)
			}
			checkAudited(t, a, before, "ledger.open_account", "ledger_account:"+pfNew)

			before = countRows(t, a)
			r = c.do(t, call{method: http.MethodPost, path: opsBase + "/ledger/accounts", body: spec})
			again := decode[accountJSON](t, r, http.StatusOK)
			if again != acct {
				t.Errorf("second open %+v, first %+v", again, acct)
			}
			sameCounts(t, before, countRows(t, a))
			verifyClean(t, a)
		})

		t.Run("open account audit summary stays JSON", func(t *testing.T) {
			// Owner fields are free text; a quote must not break (or forge)
			// the audit summary.
			spec := map[string]any{"code": "2101-SUSP-Q1", "name": "暂收 测试", "type": "liability", "owner_type": "unit",
				"owner_id": `x","type":"asset\`}
			before := countRows(t, a)
			r := c.do(t, call{method: http.MethodPost, path: opsBase + "/ledger/accounts", body: spec})
			decode[accountJSON](t, r, http.StatusCreated)
			checkAudited(t, a, before, "ledger.open_account", "ledger_account:2101-SUSP-Q1")
			var sum map[string]string
			if err := json.Unmarshal([]byte(lastAudit(t, a).After), &sum); err != nil || sum["type"] != "liability" ||
				sum["owner"] != `unit:x","type":"asset\` {
				t.Errorf("audit summary %s (%v)", lastAudit(t, a).After, err)
			}
			verifyClean(t, a)
		})

		body := postReq{Serial: "T-POST-0001", BizType: "01", Memo: "汇缴 测试", Lines: []ln{
			{bankAcct, "D", 150000}, {pfNew, "C", 100000}, {pfWang, "C", 50000},
		}}
		var first entryJSON
		t.Run("post entry", func(t *testing.T) {
			before := countRows(t, a)
			first = decode[entryJSON](t, post(c, t, body), http.StatusCreated)
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
			after := countRows(t, a)
			if after.Entries != before.Entries+1 || after.Postings != before.Postings+3 {
				t.Errorf("rows %+v → %+v, want one entry and three postings more", before, after)
			}
			checkAudited(t, a, before, "ledger.post", "journal_entry:T-POST-0001")
			verifyClean(t, a)
		})

		t.Run("replay entry", func(t *testing.T) {
			before := countRows(t, a)
			again := decode[entryJSON](t, post(c, t, body), http.StatusOK)
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
			decode[entryJSON](t, post(c, t, other), http.StatusOK)
			sameCounts(t, before, countRows(t, a))
			verifyClean(t, a)
		})

		t.Run("get entry", func(t *testing.T) {
			e := decode[entryJSON](t, get(c, t, "/ledger/entries/T-POST-0001"), http.StatusOK)
			if e.Replayed || !entryEqual(e, first) {
				t.Errorf("get %+v, posted %+v", e, first)
			}
		})

		t.Run("get account", func(t *testing.T) {
			s := decode[statementJSON](t, get(c, t, "/ledger/accounts/"+pfNew), http.StatusOK)
			if s.Account.Code != pfNew || s.Account.BalanceFen != 100000 || s.Balance != "1000.00" || s.Account.PostingCount != 1 ||
				len(s.Recent) != 1 || s.Recent[0].Serial != "T-POST-0001" || s.Recent[0].Czbz != "01" || s.Recent[0].Seq != 1 {
				t.Errorf("statement %+v", s)
			}
			s = decode[statementJSON](t, get(c, t, "/ledger/accounts/"+pfWang+"?limit=1"), http.StatusOK)
			if s.Account.PostingCount != 2 || s.Balance != "86921.00" || len(s.Recent) != 1 || s.Recent[0].Serial != "T-POST-0001" || s.Recent[0].Seq != 2 {
				t.Errorf("statement limit=1 %+v", s)
			}
			s = decode[statementJSON](t, get(c, t, "/ledger/accounts/"+clearing), http.StatusOK)
			if s.Account.PostingCount != 0 || s.Balance != "0.00" || s.Recent == nil || len(s.Recent) != 0 {
				t.Errorf("empty statement %+v", s)
			}
		})

		revPath := opsBase + "/ledger/entries/T-POST-0001/reversal"
		revBody := map[string]any{"serial": "T-REV-0001", "memo": "冲正 测试"}
		var rev entryJSON
		t.Run("reverse", func(t *testing.T) {
			before := countRows(t, a)
			rev = decode[entryJSON](t, c.do(t, call{method: http.MethodPost, path: revPath, body: revBody}), http.StatusCreated)
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
			after := countRows(t, a)
			if after.Entries != before.Entries+1 || after.Postings != before.Postings+3 {
				t.Errorf("rows %+v → %+v", before, after)
			}
			checkAudited(t, a, before, "ledger.reverse", "journal_entry:T-POST-0001")

			s := decode[statementJSON](t, get(c, t, "/ledger/accounts/"+pfNew), http.StatusOK)
			if s.Balance != "0.00" || len(s.Recent) != 2 || s.Recent[0].Serial != "T-REV-0001" || s.Recent[0].Czbz != "02" || s.Recent[0].Side != "D" {
				t.Errorf("statement after reversal %+v", s)
			}
			verifyClean(t, a)
		})

		t.Run("replay reversal", func(t *testing.T) {
			before := countRows(t, a)
			again := decode[entryJSON](t, c.do(t, call{method: http.MethodPost, path: revPath, body: revBody}), http.StatusOK)
			if !again.Replayed {
				t.Errorf("replayed reversal not marked replayed")
			}
			again.Replayed = false
			if !entryEqual(again, rev) {
				t.Errorf("replay %+v, first %+v", again, rev)
			}
			sameCounts(t, before, countRows(t, a))
			verifyClean(t, a)
		})

		t.Run("param on date", func(t *testing.T) {
			for _, tc := range []struct{ path, value, from, on string }{
				{"/params/deposit.ratio.unit.max?on=2024-01-01", "1200", "2000-01-01", "2024-01-01"},
				{"/params/loan.rate.first.le5y?on=2023-01-01", "26000", "2022-10-01", "2023-01-01"},
				{"/params/loan.rate.first.le5y?on=2022-09-30", "27500", "2015-08-26", "2022-09-30"},
				{"/params/loan.rate.first.le5y?on=2025-05-08", "21000", "2025-05-08", "2025-05-08"},
				{"/params/interest.rate", "15000", "2016-02-21", today.String()},
			} {
				p := decode[paramJSON](t, get(c, t, tc.path), http.StatusOK)
				want := paramJSON{Key: p.Key, Value: tc.value, EffectiveFrom: tc.from, On: tc.on, CreatedBy: "system:seed", ApprovedBy: "system:seed"}
				if p != want || !strings.HasPrefix(tc.path, "/params/"+p.Key) {
					t.Errorf("%s = %+v, want %+v", tc.path, p, want)
				}
			}
		})

		t.Run("business date", func(t *testing.T) {
			d := decode[map[string]string](t, get(c, t, "/business-date"), http.StatusOK)
			if d["business_date"] != today.String() {
				t.Errorf("business date %v, want %s", d, today)
			}
		})

		verifyClean(t, a)
	})
}

func entryEqual(a, b entryJSON) bool {
	return a.Serial == b.Serial && a.BizType == b.BizType && a.BizDate == b.BizDate && a.Memo == b.Memo &&
		a.ReversesSerial == b.ReversesSerial && a.Channel == b.Channel && a.Actor == b.Actor && a.CreatedAt == b.CreatedAt &&
		a.Replayed == b.Replayed && slices.Equal(a.Lines, b.Lines)
}

func TestBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		// State the cases refer to: T-BASE-1 posted; T-BASE-2 posted and
		// reversed by T-BASE-2R.
		for _, b := range []postReq{
			{Serial: "T-BASE-1", BizType: "01", Lines: []ln{{bankAcct, "D", 1000}, {pfWang, "C", 1000}}},
			{Serial: "T-BASE-2", BizType: "01", Lines: []ln{{bankAcct, "D", 2000}, {pfWang, "C", 2000}}},
		} {
			decode[entryJSON](t, post(c, t, b), http.StatusCreated)
		}
		decode[entryJSON](t, c.do(t, call{method: http.MethodPost, path: opsBase + "/ledger/entries/T-BASE-2/reversal",
			body: map[string]string{"serial": "T-BASE-2R"}}), http.StatusCreated)

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
			call   call
			status int
			code   string
		}{
			{"malformed json", call{method: "POST", path: entries, body: `{"serial":"T-BAD-1","biz_type":"01",`, spec: specInvalid}, 400, "request.malformed_json"},
			{"syntax error", call{method: "POST", path: entries, body: `{"serial" "T-BAD-1"}`, spec: specInvalid}, 400, "request.malformed_json"},
			// kin-openapi's JSON decoder ignores data after the first value, so the
			// validator cannot be asked to refuse this one.
			{"trailing data", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":5},{"account":"2201-PF-201000000001","side":"C","amount_fen":5}`) + `{}`, spec: specSkip}, 400, "request.malformed_json"},
			{"empty body", call{method: "POST", path: entries, body: "", spec: specInvalid}, 400, "request.empty_body"},
			{"wrong content type", call{method: "POST", path: entries, body: valid("T-BAD-CT"), contentType: "text/plain", spec: specInvalid}, 415, "request.unsupported_media_type"},
			{"no content type", call{method: "POST", path: entries, body: valid("T-BAD-CT"), contentType: "-", spec: specInvalid}, 415, "request.unsupported_media_type"},
			{"oversize body", call{method: "POST", path: entries, body: bigMemo, spec: specInvalid}, 413, "request.too_large"},
			{"oversize chunked body", call{method: "POST", path: entries, body: bigMemo, chunked: true, spec: specInvalid}, 413, "request.too_large"},
			{"unknown field", call{method: "POST", path: entries, body: `{"serial":"T-BAD-1","biz_type":"01","amount":1,"lines":[]}`, spec: specInvalid}, 400, "request.unknown_field"},
			{"unknown line field", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount":5},{"account":"2201-PF-201000000001","side":"C","amount_fen":5}`), spec: specInvalid}, 400, "request.unknown_field"},
			{"negative amount", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":-500},{"account":"2201-PF-201000000001","side":"C","amount_fen":-500}`), spec: specInvalid}, 400, "ledger.bad_amount"},
			{"zero amount", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":0},{"account":"2201-PF-201000000001","side":"C","amount_fen":0}`), spec: specInvalid}, 400, "ledger.bad_amount"},
			{"amount over the maximum", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":1000000000000001},{"account":"2201-PF-201000000001","side":"C","amount_fen":1000000000000001}`), spec: specInvalid}, 400, "ledger.bad_amount"},
			{"amount 1e30", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":1e30},{"account":"2201-PF-201000000001","side":"C","amount_fen":1e30}`), spec: specInvalid}, 400, "request.invalid_field"},
			{"amount 2^63", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":9223372036854775808},{"account":"2201-PF-201000000001","side":"C","amount_fen":9223372036854775808}`), spec: specInvalid}, 400, "request.invalid_field"},
			{"fractional amount", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":1.5},{"account":"2201-PF-201000000001","side":"C","amount_fen":1.5}`), spec: specInvalid}, 400, "request.invalid_field"},
			{"amount as string", call{method: "POST", path: entries, body: withLines(`{"account":"1002-BANK-102","side":"D","amount_fen":"5"},{"account":"2201-PF-201000000001","side":"C","amount_fen":"5"}`), spec: specInvalid}, 400, "request.invalid_field"},
			{"unbalanced lines", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "D", 500}, {pfWang, "C", 499}}}}, 400, "ledger.unbalanced"},
			{"one line", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "D", 500}}}, spec: specInvalid}, 400, "ledger.too_few_lines"},
			{"bad side", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "X", 500}, {pfWang, "C", 500}}}, spec: specInvalid}, 400, "ledger.bad_side"},
			{"bad biz type", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "1", Lines: valid("x").Lines}, spec: specInvalid}, 400, "ledger.bad_biz_type"},
			{"bad biz date", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "01", BizDate: "2026-13-01", Lines: valid("x").Lines}, spec: specInvalid}, 400, "date.syntax"},
			{"memo too long", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "01", Memo: strings.Repeat("汇", 201), Lines: valid("x").Lines}, spec: specInvalid}, 400, "ledger.memo_too_long"},
			{"unknown account", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-1", BizType: "01", Lines: []ln{{bankAcct, "D", 500}, {"2201-PF-209999999999", "C", 500}}}}, 404, "ledger.unknown_account"},
			{"serial with spaces", call{method: "POST", path: entries, body: valid("T BAD 1"), spec: specInvalid}, 400, "ident.serial_syntax"},
			{"serial too long", call{method: "POST", path: entries, body: valid(strings.Repeat("S", 65)), spec: specInvalid}, 400, "ident.serial_syntax"},
			{"same serial, different lines", call{method: "POST", path: entries, body: postReq{Serial: "T-BASE-1", BizType: "01", Lines: []ln{{bankAcct, "D", 1001}, {pfWang, "C", 1001}}}}, 409, "ledger.serial_reused"},
			{"withdrawal over the balance", call{method: "POST", path: entries, body: postReq{Serial: "T-BAD-WD", BizType: "02", Lines: []ln{{pfZhang, "D", 456_701}, {clearing, "C", 456_701}}}}, 409, "ledger.insufficient_funds"},
			{"reversal of unknown serial", call{method: "POST", path: entries + "/T-NONE/reversal", body: map[string]string{"serial": "T-BAD-R1"}}, 404, "ledger.entry_not_found"},
			{"second reversal", call{method: "POST", path: entries + "/T-BASE-2/reversal", body: map[string]string{"serial": "T-BAD-R2"}}, 409, "ledger.already_reversed"},
			{"reversal of a reversal", call{method: "POST", path: entries + "/T-BASE-2R/reversal", body: map[string]string{"serial": "T-BAD-R3"}}, 409, "ledger.reversal_of_reversal"},
			{"reversal serial already used", call{method: "POST", path: entries + "/T-BASE-1/reversal", body: map[string]string{"serial": "T-BASE-2"}}, 409, "ledger.serial_reused"},
			{"reversal bad serial", call{method: "POST", path: entries + "/T-BASE-1/reversal", body: map[string]string{"serial": "冲 1"}, spec: specInvalid}, 400, "ident.serial_syntax"},
			{"reversal unknown field", call{method: "POST", path: entries + "/T-BASE-1/reversal", body: `{"serial":"T-BAD-R4","lines":[]}`, spec: specInvalid}, 400, "request.unknown_field"},
			{"reversal without serial", call{method: "POST", path: entries + "/T-BASE-1/reversal", body: `{}`, spec: specInvalid}, 400, "ident.serial_syntax"},
			{"open account unknown field", call{method: "POST", path: opsBase + "/ledger/accounts", body: `{"code":"9999-T-1","name":"测试","type":"asset","owner_type":"center","balance_fen":100}`, spec: specInvalid}, 400, "request.unknown_field"},
			{"open account bad type", call{method: "POST", path: opsBase + "/ledger/accounts", body: map[string]any{"code": "9999-T-1", "name": "测试", "type": "cash", "owner_type": "center"}, spec: specInvalid}, 400, "ledger.bad_account"},
			{"open account blank name", call{method: "POST", path: opsBase + "/ledger/accounts", body: map[string]any{"code": "9999-T-1", "name": "  ", "type": "asset", "owner_type": "center"}, spec: specInvalid}, 400, "ledger.bad_account"},
			{"open account changes attributes", call{method: "POST", path: opsBase + "/ledger/accounts", body: map[string]any{"code": pfWang, "name": "个人住房公积金 王建国", "type": "liability", "owner_type": "person", "owner_id": "201000000001", "allow_overdraft": true}}, 409, "ledger.account_exists"},
			{"unknown account read", call{method: "GET", path: opsBase + "/ledger/accounts/2201-PF-209999999999"}, 404, "ledger.unknown_account"},
			{"bad limit", call{method: "GET", path: opsBase + "/ledger/accounts/" + pfWang + "?limit=0", spec: specInvalid}, 400, "request.invalid_query"},
			{"limit not a number", call{method: "GET", path: opsBase + "/ledger/accounts/" + pfWang + "?limit=ten", spec: specInvalid}, 400, "request.invalid_query"},
			{"unknown entry read", call{method: "GET", path: entries + "/T-NONE"}, 404, "ledger.entry_not_found"},
			{"bad on date", call{method: "GET", path: opsBase + "/params/interest.rate?on=2026-02-30", spec: specInvalid}, 400, "date.syntax"},
			{"on date not a date", call{method: "GET", path: opsBase + "/params/interest.rate?on=yesterday", spec: specInvalid}, 400, "date.syntax"},
			{"unknown param key", call{method: "GET", path: opsBase + "/params/no.such.key"}, 400, "policy.unknown_key"},
			{"param not yet in force", call{method: "GET", path: opsBase + "/params/deposit.base.min?on=2020-01-01"}, 404, "policy.not_in_force"},
			{"missing token", call{method: "POST", path: entries, body: valid("T-BAD-AUTH"), auth: "-", spec: specInvalid}, 401, "ops.unauthenticated"},
			{"wrong token", call{method: "POST", path: entries, body: valid("T-BAD-AUTH"), auth: "Bearer wrong-token"}, 401, "ops.unauthenticated"},
			{"token with another scheme", call{method: "POST", path: entries, body: valid("T-BAD-AUTH"), auth: "Basic " + opsToken, spec: specInvalid}, 401, "ops.unauthenticated"},
			{"token prefix", call{method: "POST", path: entries, body: valid("T-BAD-AUTH"), auth: "Bearer " + opsToken[:len(opsToken)-1]}, 401, "ops.unauthenticated"},
			{"missing token on read", call{method: "GET", path: opsBase + "/business-date", auth: "-", spec: specInvalid}, 401, "ops.unauthenticated"},
			{"missing token before body checks", call{method: "POST", path: entries, body: `{"serial":`, auth: "-", spec: specInvalid}, 401, "ops.unauthenticated"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := countRows(t, a)
				checkProblem(t, c.do(t, tt.call), tt.status, tt.code)
				sameCounts(t, before, countRows(t, a))
				verifyClean(t, a)
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
			for _, cl := range []call{
				{method: "POST", path: entries, body: valid("T-BAD-OFF")},
				{method: "POST", path: entries, body: valid("T-BAD-OFF"), auth: "-", spec: specInvalid},
				{method: "POST", path: entries, body: valid("T-BAD-OFF"), auth: "Bearer ", spec: specInvalid},
				{method: "GET", path: opsBase + "/business-date"},
				{method: "POST", path: entries + "/T-BASE-1/reversal", body: map[string]string{"serial": "T-BAD-OFF-R"}},
			} {
				before := countRows(t, a)
				checkProblem(t, oc.do(t, cl), http.StatusForbidden, "ops.disabled")
				sameCounts(t, before, countRows(t, a))
			}
			verifyClean(t, a)
		})
	})
}

func TestHealth(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		c := server(t, a)
		noAuth := func(path string) call { return call{method: http.MethodGet, path: path, auth: "-"} }

		if h := decode[map[string]string](t, c.do(t, noAuth("/healthz")), http.StatusOK); h["status"] != "ok" {
			t.Errorf("/healthz %v", h)
		}
		r := decode[struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}](t, c.do(t, noAuth("/readyz")), http.StatusOK)
		if r.Status != "ready" || r.Checks["database"] != "ok" {
			t.Errorf("/readyz %+v", r)
		}
		m := c.do(t, noAuth("/metrics"))
		if m.status != http.StatusOK || !strings.HasPrefix(m.header.Get("Content-Type"), "text/plain") ||
			!bytes.Contains(m.body, []byte(`gjj_http_requests_total{method="GET",route="/readyz",status="200"} 1`)) {
			t.Errorf("/metrics %d %s\n%.500s", m.status, m.header.Get("Content-Type"), m.body)
		}

		// With the database gone the instance is not ready.
		verifyClean(t, a)
		if err := a.DB.Close(); err != nil {
			t.Fatal(err)
		}
		p := checkProblem(t, c.do(t, noAuth("/readyz")), http.StatusServiceUnavailable, "platform.not_ready")
		if checks, _ := p["checks"].(map[string]any); !strings.HasPrefix(fmt.Sprint(checks["database"]), "down: ") {
			t.Errorf("checks %v", p["checks"])
		}
		if h := decode[map[string]string](t, c.do(t, noAuth("/healthz")), http.StatusOK); h["status"] != "ok" {
			t.Errorf("/healthz with the database down %v", h)
		}
	})
}
