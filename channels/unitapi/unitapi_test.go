package unitapi_test

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
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
)

const unitBase = "/api/unit/v1"

// The second unit, taken over with deposit.ImportUnitTx, and its employee.
const (
	otherUnitNo = "100000000002"
	otherEmp    = "202000000001"
)

// ---------------------------------------------------------------------------
// JSON shapes of the answers (the fields the tests look at).

type sessionJSON struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	Unit      struct {
		AccountNo string `json:"account_no"`
		Name      string `json:"name"`
	} `json:"unit"`
}

type accountJSON struct {
	AccountNo     string `json:"account_no"`
	Name          string `json:"name"`
	USCC          string `json:"uscc"`
	Status        string `json:"status"`
	UnitRatio     string `json:"unit_ratio"`
	PersonalRatio string `json:"personal_ratio"`
	FirstMonth    string `json:"first_month"`
	PaidThrough   string `json:"paid_through"`
	Headcount     int    `json:"headcount"`
	SealedCount   int    `json:"sealed_count"`
	BalanceFen    int64  `json:"balance_fen"`
	SuspenseFen   int64  `json:"suspense_fen"`
	ArrearsMonths int    `json:"arrears_months"`
}

type employeeJSON struct {
	AccountNo   string `json:"account_no"`
	Name        string `json:"name"`
	IDNumber    string `json:"id_number"`
	Status      string `json:"status"`
	BaseFen     int64  `json:"base_fen"`
	BalanceFen  int64  `json:"balance_fen"`
	PaidThrough string `json:"paid_through"`
}

type employeeListJSON struct {
	Total  int            `json:"total"`
	Offset int            `json:"offset"`
	Items  []employeeJSON `json:"items"`
}

type billLineJSON struct {
	AccountNo   string `json:"account_no"`
	Name        string `json:"name"`
	Month       string `json:"month"`
	BaseFen     int64  `json:"base_fen"`
	UnitBps     int64  `json:"unit_ratio_bps"`
	PersonalBps int64  `json:"personal_ratio_bps"`
	UnitFen     int64  `json:"unit_fen"`
	PersonalFen int64  `json:"personal_fen"`
}

type billJSON struct {
	ID              int64          `json:"id"`
	Kind            string         `json:"kind"`
	Month           string         `json:"month"`
	Batch           int            `json:"batch"`
	Status          string         `json:"status"`
	Headcount       int            `json:"headcount"`
	UnitPartFen     int64          `json:"unit_part_fen"`
	PersonalPartFen int64          `json:"personal_part_fen"`
	TotalFen        int64          `json:"total_fen"`
	Rounding        string         `json:"rounding"`
	GeneratedAt     string         `json:"generated_at"`
	PostedAt        string         `json:"posted_at"`
	BankSerial      string         `json:"bank_serial"`
	EntrySerial     string         `json:"entry_serial"`
	Lines           []billLineJSON `json:"lines"`
}

type paymentJSON struct {
	Status string   `json:"status"`
	Bill   billJSON `json:"bill"`
}

type statementJSON struct {
	AccountNo   string `json:"account_no"`
	Status      string `json:"status"`
	BalanceFen  int64  `json:"balance_fen"`
	PaidThrough string `json:"paid_through"`
	Lines       []struct {
		Seq         int64  `json:"seq"`
		Date        string `json:"date"`
		BizType     string `json:"biz_type"`
		BizTypeName string `json:"biz_type_name"`
		Month       string `json:"month"`
		IncomeFen   int64  `json:"income_fen"`
		ExpenseFen  int64  `json:"expense_fen"`
		BalanceFen  int64  `json:"balance_fen"`
		Serial      string `json:"serial"`
	} `json:"lines"`
}

// ---------------------------------------------------------------------------
// Helpers of the unit API.

// loginBody is a login request of the demo agent.
func loginBody(unitCode, password, code string) map[string]string {
	return map[string]string{"unit_code": unitCode, "agent_id_number": demo.AgentID, "password": password, "totp": code}
}

// login logs the demo agent in and returns the Authorization header value.
func login(t *testing.T, c *apitest.Client, otp *apitest.OTP, unitCode string) string {
	t.Helper()
	r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/sessions", Body: loginBody(unitCode, demo.Password, otp.Code(t, "agent"))})
	s := apitest.Decode[sessionJSON](t, r, http.StatusCreated)
	return apitest.Bearer(s.Token)
}

// demoBalance is the sum of the demo employees' opening balances.
func demoBalance() int64 {
	var sum int64
	for _, e := range demo.Employees {
		sum += int64(e.Opening)
	}
	return sum
}

// yuanHalfUp is base × bps rounded half up to whole yuan, in fen (the
// default deposit.rounding, 四舍五入到元), computed independently of the core.
func yuanHalfUp(base, bps int64) int64 {
	return (base*bps + 500_000) / 1_000_000 * 100
}

// importOtherUnit takes over a second unit with one contributing employee,
// paid through the month before the business month like the demo unit.
func importOtherUnit(t *testing.T, a *app.App, month date.Month) {
	t.Helper()
	ctx := context.Background()
	in := deposit.ImportUnit{UnitNo: otherUnitNo, USCC: apitest.USCC("91350100M00020001"), Name: "另一家贸易有限公司", Address: "福州市台江区示例路 2 号",
		LegalRep: "周强", Payday: 15, UnitBps: 1200, PersonBps: 1200, FirstMonth: date.MustParseMonth("2020-01"), PaidThrough: month.Add(-1),
		Employees: []deposit.ImportEmployee{{
			ImportPerson: deposit.ImportPerson{IDNumber: apitest.ResidentID("35010219900101001"), Name: "周八", Mobile: "13900000021"},
			AccountNo:    otherEmp, BankCard: "6222020200009999", Base: 800_000, StartMonth: date.MustParseMonth("2020-01"),
			PaidThrough: month.Add(-1), Opening: 100_000}},
	}
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := a.Deposit.ImportUnitTx(ctx, tx, in)
		return err
	}); err != nil {
		t.Fatalf("import the second unit: %v", err)
	}
}

func entryCount(t *testing.T, a *app.App, serial string) int {
	t.Helper()
	var n int
	if err := a.DB.GetContext(context.Background(), &n, `SELECT COUNT(*) FROM journal_entry WHERE serial = ?`, serial); err != nil {
		t.Fatal(err)
	}
	return n
}

// badCase is a request the server must refuse without writing anything.
type badCase struct {
	name   string
	call   apitest.Call
	status int
	code   string
	check  func(t *testing.T, p map[string]any) // more checks on the problem
}

func runBad(t *testing.T, a *app.App, c *apitest.Client, cases []badCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			before := apitest.Snapshot(t, a)
			p := apitest.CheckProblem(t, c.Do(t, tt.call), tt.status, tt.code)
			if tt.check != nil {
				tt.check(t, p)
			}
			apitest.Unchanged(t, a, before)
			apitest.VerifyClean(t, a)
		})
	}
}

// ---------------------------------------------------------------------------
// Tests.

func TestUnitAPI(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		c := apitest.Server(t, a, apitest.SessionSchemes)
		otp := apitest.NewOTP()
		today, err := a.Dates.Today(ctx)
		if err != nil {
			t.Fatal(err)
		}
		month := today.MonthOf() // the demo unit is paid through the month before
		var agent, agent2 string // Authorization headers of two sessions

		t.Run("login", func(t *testing.T) {
			code := otp.Code(t, "agent")
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/sessions", Body: loginBody(demo.UnitNo, demo.Password, code)})
			s := apitest.Decode[sessionJSON](t, r, http.StatusCreated)
			if s.Token == "" || s.Unit.AccountNo != demo.UnitNo || s.Unit.Name != demo.UnitName {
				t.Errorf("session %+v", s)
			}
			if exp, err := time.Parse(time.RFC3339, s.ExpiresAt); err != nil || exp.Before(time.Now().Add(110*time.Minute)) ||
				exp.After(time.Now().Add(121*time.Minute)) {
				t.Errorf("expires_at %q (%v), want in about 2 hours", s.ExpiresAt, err)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1, "user_session": 1})
			if e := apitest.LastAudit(t, a); e.Action != "identity.login" || e.Result != audit.ResultOK {
				t.Errorf("login audit %+v", e.Record)
			}
			agent = apitest.Bearer(s.Token)

			// The same code again is a replay.
			before = apitest.Snapshot(t, a)
			r = c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/sessions", Body: loginBody(demo.UnitNo, demo.Password, code)})
			apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			if e := apitest.LastAudit(t, a); e.Action != "identity.login" || e.Result == audit.ResultOK {
				t.Errorf("refused login audit %+v", e.Record)
			}

			// A wrong password, a unit the agent does not act for: refused
			// alike, only the refusal audited.
			for _, body := range []map[string]string{
				loginBody(demo.UnitNo, "Wrong#2026", code), // the password is checked first
				loginBody(otherUnitNo, demo.Password, code),
				loginBody("100000000099", demo.Password, code),
			} {
				before = apitest.Snapshot(t, a)
				r = c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/sessions", Body: body})
				apitest.CheckProblem(t, r, http.StatusUnauthorized, "identity.bad_credentials")
				apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			}

			// The unified social credit code works as the unit code too
			// (and resets the failure count).
			agent2 = login(t, c, otp, demo.UnitUSCC)
			apitest.VerifyClean(t, a)
		})
		if agent == "" || agent2 == "" {
			t.Fatal("no session")
		}

		t.Run("login bad input", func(t *testing.T) {
			sessions := unitBase + "/sessions"
			runBad(t, a, c, []badCase{
				{"unknown field", apitest.Call{Method: "POST", Path: sessions, Body: `{"unit_code":"100000000001","agent_id_number":"11010519491231002X","password":"x","totp":"123456","remember":true}`, Spec: apitest.SpecInvalid}, 400, "request.unknown_field", nil},
				{"not json", apitest.Call{Method: "POST", Path: sessions, Body: `unit_code=100000000001`, ContentType: "application/x-www-form-urlencoded", Spec: apitest.SpecInvalid}, 415, "request.unsupported_media_type", nil},
				{"empty body", apitest.Call{Method: "POST", Path: sessions, Body: "", Spec: apitest.SpecInvalid}, 400, "request.empty_body", nil},
			})
		})

		t.Run("no session", func(t *testing.T) {
			staffToken, _, err := a.Identity.NewSession(ctx, identity.Principal{Kind: "staff", Subject: "staff:reviewer", Name: "业务审核"}, "counter")
			if err != nil {
				t.Fatal(err)
			}
			open := map[string]any{"id_number": apitest.ResidentID("11010119900307001"), "name": "赵六", "phone": "13900000011", "base_fen": 500_000,
				"bank_card": "6222020200001234567"}
			runBad(t, a, c, []badCase{
				{"no token", apitest.Call{Method: "GET", Path: unitBase + "/account", Spec: apitest.SpecInvalid}, 401, "identity.no_session", nil},
				{"unknown token", apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: apitest.Bearer("no-such-token")}, 401, "identity.no_session", nil},
				{"another scheme", apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: "Basic " + agent[len("Bearer "):], Spec: apitest.SpecInvalid}, 401, "identity.no_session", nil},
				{"staff token", apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: apitest.Bearer(staffToken)}, 401, "identity.no_session", nil},
				{"write without token", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: open, Spec: apitest.SpecInvalid}, 401, "identity.no_session", nil},
				{"write with staff token", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: open, Auth: apitest.Bearer(staffToken)}, 401, "identity.no_session", nil},
			})
		})

		t.Run("account", func(t *testing.T) {
			r := c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent})
			acct := apitest.Decode[accountJSON](t, r, http.StatusOK)
			want := accountJSON{AccountNo: demo.UnitNo, Name: demo.UnitName, USCC: demo.UnitUSCC, Status: "01", UnitRatio: "12%", PersonalRatio: "12%",
				FirstMonth: "2020-01", PaidThrough: month.Add(-1).String(), Headcount: len(demo.Employees), BalanceFen: demoBalance()}
			if acct != want {
				t.Errorf("account\n got %+v\nwant %+v", acct, want)
			}
			apitest.VerifyClean(t, a)
		})

		t.Run("employees are listed masked", func(t *testing.T) {
			r := c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees", Auth: agent})
			list := apitest.Decode[employeeListJSON](t, r, http.StatusOK)
			if list.Total != len(demo.Employees) || list.Offset != 0 || len(list.Items) != len(demo.Employees) {
				t.Fatalf("list %+v", list)
			}
			for i, e := range demo.Employees {
				it := list.Items[i]
				want := employeeJSON{AccountNo: e.AccountNo, Name: e.Name, IDNumber: e.IDNumber[:6] + "********" + e.IDNumber[14:], Status: "01",
					BaseFen: int64(e.Base), BalanceFen: int64(e.Opening), PaidThrough: month.Add(-1).String()}
				if it != want {
					t.Errorf("item %d\n got %+v\nwant %+v", i, it, want)
				}
				if bytes.Contains(r.Body, []byte(e.IDNumber)) || bytes.Contains(r.Body, []byte(e.Mobile)) {
					t.Errorf("the list shows %s's full ID number or mobile", e.Name)
				}
			}

			// Filters and paging.
			for _, q := range []struct {
				query    string
				total    int
				accounts []string
			}{
				{"?q=%E6%9D%8E%E6%98%8E", 1, []string{"201000000002"}}, // 李明
				{"?q=20100000000", 5, []string{"201000000001", "201000000002", "201000000003", "201000000004", "201000000005"}},
				{"?status=02", 0, nil},
				{"?status=01&offset=3&limit=1", 5, []string{"201000000004"}},
			} {
				r := c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees" + q.query, Auth: agent})
				l := apitest.Decode[employeeListJSON](t, r, http.StatusOK)
				var got []string
				for _, it := range l.Items {
					got = append(got, it.AccountNo)
				}
				if l.Total != q.total || !slices.Equal(got, q.accounts) {
					t.Errorf("%s: total %d %v, want %d %v", q.query, l.Total, got, q.total, q.accounts)
				}
			}

			// A person registered with a passport (or a migrated number that
			// is no resident ID) is masked too, never shown in full.
			const passport = "E12345678"
			var personID int64
			if err := a.DB.GetContext(ctx, &personID, `SELECT person_id FROM employee_account WHERE account_no = ?`, "201000000005"); err != nil {
				t.Fatal(err)
			}
			if _, err := a.DB.ExecContext(ctx, `UPDATE person SET id_type = '03', id_number = ? WHERE id = ?`, passport, personID); err != nil {
				t.Fatal(err)
			}
			r = c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees?q=201000000005", Auth: agent})
			l := apitest.Decode[employeeListJSON](t, r, http.StatusOK)
			if len(l.Items) != 1 || l.Items[0].IDNumber != "****5678" || bytes.Contains(r.Body, []byte(passport)) {
				t.Errorf("passport holder listed as %s", r.Body)
			}
			if _, err := a.DB.ExecContext(ctx, `UPDATE person SET id_type = '01', id_number = ? WHERE id = ?`, demo.Employees[4].IDNumber, personID); err != nil {
				t.Fatal(err)
			}

			runBad(t, a, c, []badCase{
				{"limit zero", apitest.Call{Method: "GET", Path: unitBase + "/employees?limit=0", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_query", nil},
				{"limit too big", apitest.Call{Method: "GET", Path: unitBase + "/employees?limit=501", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_query", nil},
				{"offset not a number", apitest.Call{Method: "GET", Path: unitBase + "/employees?offset=x", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_query", nil},
			})
			apitest.VerifyClean(t, a)
		})

		newID := apitest.ResidentID("11010119900307001")
		var newAcct string
		t.Run("open employee", func(t *testing.T) {
			body := map[string]any{"id_number": newID, "name": "赵六", "phone": "13900000011", "base_fen": 500_000, "bank_card": "6222020200001234567"}
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: body, Auth: agent})
			opened := apitest.Decode[map[string]string](t, r, http.StatusCreated)
			newAcct = opened["account_no"]
			if !regexp.MustCompile(`^29[0-9]{10}$`).MatchString(newAcct) || opened["status"] != "01" {
				t.Fatalf("opened %v", opened)
			}
			apitest.Wrote(t, a, before, map[string]int64{"employee_account": 1, "person": 1, "ledger_account": 1, "base_history": 1, "audit_log": 1})
			if e := apitest.LastAudit(t, a); e.Action != "deposit.employee_open" || e.Object != "employee:"+newAcct || strings.Contains(e.After, newID) {
				t.Errorf("audit %+v", e.Record)
			}
			r = c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees?q=" + newAcct, Auth: agent})
			l := apitest.Decode[employeeListJSON](t, r, http.StatusOK)
			want := employeeJSON{AccountNo: newAcct, Name: "赵六", IDNumber: newID[:6] + "********" + newID[14:], Status: "01", BaseFen: 500_000,
				PaidThrough: month.Add(-1).String()}
			if len(l.Items) != 1 || l.Items[0] != want {
				t.Errorf("new employee listed %+v, want %+v", l.Items, want)
			}

			// A 15-digit ID number is converted to 18 digits.
			old15 := "110101850101002"
			before = apitest.Snapshot(t, a)
			r = c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/employees", Auth: agent, Body: map[string]any{"id_number": old15, "name": "钱七",
				"phone": "13900000012", "base_fen": 400_000, "bank_card": "622202020000123456", "start_month": month.Next().String()}})
			opened = apitest.Decode[map[string]string](t, r, http.StatusCreated)
			apitest.Wrote(t, a, before, map[string]int64{"employee_account": 1, "person": 1, "ledger_account": 1, "base_history": 1, "audit_log": 1})
			var stored string
			if err := a.DB.GetContext(ctx, &stored, `SELECT p.id_number FROM person p JOIN employee_account e ON e.person_id = p.id
				WHERE e.account_no = ?`, opened["account_no"]); err != nil || stored != apitest.ResidentID("11010119850101002") {
				t.Errorf("15-digit ID stored as %q (%v)", stored, err)
			}
			apitest.VerifyClean(t, a)
		})

		t.Run("open employee bad input", func(t *testing.T) {
			valid := func(id string, base int64) map[string]any {
				return map[string]any{"id_number": id, "name": "孙九", "phone": "13900000013", "base_fen": base, "bank_card": "6222020200007654321"}
			}
			fresh := apitest.ResidentID("35010219931122003")
			badChecksum := fresh[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", fresh[17])+1)%11])
			bounds := func(t *testing.T, p map[string]any) {
				if p["min_fen"] != float64(190_000) || p["max_fen"] != float64(2_368_100) {
					t.Errorf("bounds min_fen %v max_fen %v, want 190000 and 2368100", p["min_fen"], p["max_fen"])
				}
				if d, _ := p["detail"].(string); !strings.Contains(d, "1,900.00") || !strings.Contains(d, "23,681.00") {
					t.Errorf("detail %q does not name the bounds", d)
				}
			}
			runBad(t, a, c, []badCase{
				{"ID checksum", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(badChecksum, 500_000), Auth: agent}, 400, "ident.id_checksum", nil},
				{"ID birth date", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(apitest.ResidentID("11010119901307001"), 500_000), Auth: agent}, 400, "ident.id_birth_date", nil},
				{"ID length", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid("1101011990030700", 500_000), Auth: agent, Spec: apitest.SpecInvalid}, 400, "ident.id_length", nil},
				{"duplicate", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(newID, 500_000), Auth: agent}, 409, "deposit.duplicate_account", nil},
				{"duplicate through the 15-digit number", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid("350102880512301", 500_000), Auth: agent}, 409, "deposit.duplicate_account", nil},
				{"duplicate of a demo employee", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(demo.AgentID, 500_000), Auth: agent}, 409, "deposit.duplicate_account", nil},
				{"base below the floor", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(fresh, 100), Auth: agent}, 400, "deposit.base_out_of_range", bounds},
				{"base above the cap", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(fresh, 2_368_101), Auth: agent}, 400, "deposit.base_out_of_range", bounds},
				{"base zero", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(fresh, 0), Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.base_out_of_range", nil},
				{"base fractional", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: strings.Replace(string(apitest.EncodeBody(t, valid(fresh, 500_000))), "500000", "5000.5", 1), Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_field", nil},
				{"start month too late", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: func() map[string]any {
					b := valid(fresh, 500_000)
					b["start_month"] = month.Add(2).String()
					return b
				}(), Auth: agent}, 400, "deposit.start_month", nil},
				{"bad phone", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: func() map[string]any {
					b := valid(fresh, 500_000)
					b["phone"] = "12345"
					return b
				}(), Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input", nil},
				{"no name", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: func() map[string]any {
					b := valid(fresh, 500_000)
					b["name"] = "  "
					return b
				}(), Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input", nil},
				{"unknown field", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: func() map[string]any {
					b := valid(fresh, 500_000)
					b["mobile"] = "13900000013"
					return b
				}(), Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.unknown_field", nil},
				{"oversize body", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: func() map[string]any {
					b := valid(fresh, 500_000)
					b["name"] = strings.Repeat("孙", 1<<19)
					return b
				}(), Auth: agent, Spec: apitest.SpecInvalid}, 413, "request.too_large", nil},
				{"text/plain", apitest.Call{Method: "POST", Path: unitBase + "/employees", Body: valid(fresh, 500_000), ContentType: "text/plain", Auth: agent, Spec: apitest.SpecInvalid}, 415, "request.unsupported_media_type", nil},
			})
		})

		t.Run("seal and unseal", func(t *testing.T) {
			const acct = "201000000004"
			seal := unitBase + "/employees/" + acct + "/seal"
			unseal := unitBase + "/employees/" + acct + "/unseal"

			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: seal, Body: map[string]string{"reason": "离职"}, Auth: agent})
			e := apitest.Decode[employeeJSON](t, r, http.StatusOK)
			if e.AccountNo != acct || e.Status != "02" || !apitest.MaskedID.MatchString(e.IDNumber) {
				t.Errorf("sealed %+v", e)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			l := apitest.Decode[employeeListJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees?status=02", Auth: agent}), http.StatusOK)
			if l.Total != 1 || l.Items[0].AccountNo != acct {
				t.Errorf("sealed list %+v", l)
			}
			runBad(t, a, c, []badCase{
				{"seal a sealed account", apitest.Call{Method: "POST", Path: seal, Body: map[string]string{"reason": "离职"}, Auth: agent}, 409, "deposit.employee_status", nil},
			})

			before = apitest.Snapshot(t, a)
			e = apitest.Decode[employeeJSON](t, c.Do(t, apitest.Call{Method: "POST", Path: unseal, Auth: agent}), http.StatusOK)
			if e.Status != "01" {
				t.Errorf("unsealed %+v", e)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			runBad(t, a, c, []badCase{
				{"unseal a normal account", apitest.Call{Method: "POST", Path: unseal, Auth: agent}, 409, "deposit.employee_status", nil},
				{"seal without reason", apitest.Call{Method: "POST", Path: seal, Body: map[string]string{"reason": " "}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input", nil},
				{"seal with empty body", apitest.Call{Method: "POST", Path: seal, Body: "", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.empty_body", nil},
				{"seal unknown account", apitest.Call{Method: "POST", Path: unitBase + "/employees/209999999999/seal", Body: map[string]string{"reason": "离职"}, Auth: agent}, 404, "deposit.employee_not_found", nil},
			})
			apitest.VerifyClean(t, a)
		})

		// A second unit with one employee; its bill for this month exists too.
		importOtherUnit(t, a, month)
		otherBill, err := a.Deposit.GenerateBill(ctx, otherUnitNo, month)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("another unit's employee", func(t *testing.T) {
			emp := unitBase + "/employees/" + otherEmp
			notYours := "deposit.not_your_employee"
			runBad(t, a, c, []badCase{
				{"seal", apitest.Call{Method: "POST", Path: emp + "/seal", Body: map[string]string{"reason": "离职"}, Auth: agent}, 403, notYours, nil},
				{"unseal", apitest.Call{Method: "POST", Path: emp + "/unseal", Auth: agent}, 403, notYours, nil},
				{"base", apitest.Call{Method: "PUT", Path: emp + "/base", Body: map[string]any{"base_fen": 900_000}, Auth: agent}, 403, notYours, nil},
				{"statement", apitest.Call{Method: "GET", Path: emp + "/statement", Auth: agent}, 403, notYours, nil},
				{"supplement", apitest.Call{Method: "POST", Path: unitBase + "/supplements", Body: map[string]any{"items": []any{map[string]any{"account_no": otherEmp, "months": []string{month.Add(-2).String()}}}}, Auth: agent}, 403, notYours, nil},
				{"transfer in while not sealed", apitest.Call{Method: "POST", Path: emp + "/transfer-in", Auth: agent}, 409, "deposit.employee_status", nil},
				{"read the other unit's bill", apitest.Call{Method: "GET", Path: fmt.Sprintf("%s/remittances/%d", unitBase, otherBill.ID), Auth: agent}, 404, "deposit.bill_not_found", nil},
				{"pay the other unit's bill", apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/remittances/%d/payment", unitBase, otherBill.ID),
					Body: map[string]any{"amount_fen": int64(otherBill.Total), "bank_serial": "BK-OTHER-1"}, Auth: agent}, 404, "exchange.unknown_receipt", nil},
			})
			a.Bank.Credit(exchange.Receipt{Serial: "BK-OTHER-1", BankCode: "102", Amount: otherBill.Total, ReceivedOn: today})
			runBad(t, a, c, []badCase{
				{"pay the other unit's bill with a real receipt", apitest.Call{Method: "POST", Path: fmt.Sprintf("%s/remittances/%d/payment", unitBase, otherBill.ID),
					Body: map[string]any{"amount_fen": int64(otherBill.Total), "bank_serial": "BK-OTHER-1"}, Auth: agent}, 404, "deposit.bill_not_found", nil},
			})

			// Once its unit sealed it, the account can be transferred in (同城转移).
			if _, err := a.Deposit.SealEmployee(ctx, "", otherEmp, "调出"); err != nil {
				t.Fatal(err)
			}
			before := apitest.Snapshot(t, a)
			e := apitest.Decode[employeeJSON](t, c.Do(t, apitest.Call{Method: "POST", Path: emp + "/transfer-in", Auth: agent}), http.StatusOK)
			if e.AccountNo != otherEmp || e.Status != "01" || e.BalanceFen != 100_000 || e.IDNumber != "350102********001"+apitest.ResidentID("35010219900101001")[17:] {
				t.Errorf("transferred %+v", e)
			}
			apitest.Wrote(t, a, before, map[string]int64{"audit_log": 1})
			runBad(t, a, c, []badCase{
				{"transfer in twice", apitest.Call{Method: "POST", Path: emp + "/transfer-in", Auth: agent}, 409, "deposit.employee_status", nil},
				{"transfer in unknown", apitest.Call{Method: "POST", Path: unitBase + "/employees/209999999999/transfer-in", Auth: agent}, 404, "deposit.employee_not_found", nil},
			})
			apitest.VerifyClean(t, a)
		})

		t.Run("base adjustment", func(t *testing.T) {
			path := unitBase + "/employees/201000000002/base"
			before := apitest.Snapshot(t, a)
			e := apitest.Decode[employeeJSON](t, c.Do(t, apitest.Call{Method: "PUT", Path: path, Body: map[string]any{"base_fen": 1_000_000}, Auth: agent}), http.StatusOK)
			if e.BaseFen != 1_000_000 || e.AccountNo != "201000000002" {
				t.Errorf("adjusted %+v", e)
			}
			apitest.Wrote(t, a, before, map[string]int64{"base_history": 1, "audit_log": 1})
			bounds := func(t *testing.T, p map[string]any) {
				if p["min_fen"] != float64(190_000) || p["max_fen"] != float64(2_368_100) {
					t.Errorf("bounds min_fen %v max_fen %v", p["min_fen"], p["max_fen"])
				}
			}
			runBad(t, a, c, []badCase{
				{"below the floor", apitest.Call{Method: "PUT", Path: path, Body: map[string]any{"base_fen": 100}, Auth: agent}, 400, "deposit.base_out_of_range", bounds},
				{"above the cap", apitest.Call{Method: "PUT", Path: path, Body: map[string]any{"base_fen": 99_999_999}, Auth: agent}, 400, "deposit.base_out_of_range", bounds},
				{"negative", apitest.Call{Method: "PUT", Path: path, Body: map[string]any{"base_fen": -1}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.base_out_of_range", nil},
				{"month out of window", apitest.Call{Method: "PUT", Path: path, Body: map[string]any{"base_fen": 900_000, "effective_month": "2020-01"}, Auth: agent}, 400, "deposit.month_out_of_window", nil},
				{"month syntax", apitest.Call{Method: "PUT", Path: path, Body: map[string]any{"base_fen": 900_000, "effective_month": "2026-13"}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "date.month_syntax", nil},
				{"unknown account", apitest.Call{Method: "PUT", Path: unitBase + "/employees/209999999999/base", Body: map[string]any{"base_fen": 900_000}, Auth: agent}, 404, "deposit.employee_not_found", nil},
			})
			apitest.VerifyClean(t, a)
		})

		t.Run("ratio adjustment", func(t *testing.T) {
			bounds := func(t *testing.T, p map[string]any) {
				if p["min"] != "5%" || p["max"] != "12%" {
					t.Errorf("bounds min %v max %v, want 5%% and 12%%", p["min"], p["max"])
				}
				if d, _ := p["detail"].(string); !strings.Contains(d, "5%") || !strings.Contains(d, "12%") {
					t.Errorf("detail %q does not name the bounds", d)
				}
			}
			runBad(t, a, c, []badCase{
				{"unit ratio above the cap", apitest.Call{Method: "PUT", Path: unitBase + "/ratios", Body: map[string]string{"unit_ratio": "13%", "personal_ratio": "12%"}, Auth: agent}, 400, "deposit.ratio_out_of_range", bounds},
				{"personal ratio below the floor", apitest.Call{Method: "PUT", Path: unitBase + "/ratios", Body: map[string]string{"unit_ratio": "12%", "personal_ratio": "4.5%"}, Auth: agent}, 400, "deposit.ratio_out_of_range", bounds},
				{"month already paid", apitest.Call{Method: "PUT", Path: unitBase + "/ratios", Body: map[string]string{"unit_ratio": "10%", "personal_ratio": "10%", "effective_month": month.Add(-1).String()}, Auth: agent}, 400, "deposit.month_out_of_window", nil},
				{"unknown field", apitest.Call{Method: "PUT", Path: unitBase + "/ratios", Body: map[string]string{"unit_ratio": "10%", "personal_ratio": "10%", "ratio": "10%"}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.unknown_field", nil},
			})
			t.Run("no percent sign", func(t *testing.T) {
				before := apitest.Snapshot(t, a)
				r := c.Do(t, apitest.Call{Method: "PUT", Path: unitBase + "/ratios", Body: map[string]string{"unit_ratio": "12", "personal_ratio": "12%"}, Auth: agent, Spec: apitest.SpecInvalid})
				var p map[string]any
				_ = json.Unmarshal(r.Body, &p)
				code, _ := p["code"].(string)
				if !strings.HasPrefix(code, "policy.") {
					t.Fatalf("code %q, want a policy.percent code", code)
				}
				apitest.CheckProblem(t, r, http.StatusBadRequest, code)
				apitest.Unchanged(t, a, before)
			})

			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "PUT", Path: unitBase + "/ratios", Body: map[string]string{"unit_ratio": "10%", "personal_ratio": "10%"}, Auth: agent})
			got := apitest.Decode[map[string]string](t, r, http.StatusOK)
			if got["unit_ratio"] != "10%" || got["personal_ratio"] != "10%" {
				t.Errorf("ratios %v", got)
			}
			apitest.Wrote(t, a, before, map[string]int64{"ratio_history": 1, "audit_log": 1})
			acct := apitest.Decode[accountJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent}), http.StatusOK)
			if acct.UnitRatio != "10%" || acct.PersonalRatio != "10%" {
				t.Errorf("account ratios %s %s", acct.UnitRatio, acct.PersonalRatio)
			}
			apitest.VerifyClean(t, a)
		})

		var bill billJSON
		t.Run("generate bill", func(t *testing.T) {
			runBad(t, a, c, []badCase{
				{"month not next", apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": month.Next().String()}, Auth: agent}, 409, "deposit.month_not_next",
					func(t *testing.T, p map[string]any) {
						if p["expected"] != month.String() {
							t.Errorf("expected %v, want %s", p["expected"], month)
						}
					}},
				{"month paid", apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": month.Add(-1).String()}, Auth: agent}, 409, "deposit.month_paid", nil},
				{"month syntax", apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": "2026-7"}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "date.month_syntax", nil},
				{"no month", apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "date.month_syntax", nil},
			})

			// The expected roster: every contributing employee not yet paid
			// for the month, with the current base and the new 10% ratios.
			l := apitest.Decode[employeeListJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees?status=01&limit=500", Auth: agent}), http.StatusOK)
			var want []billLineJSON
			var total int64
			for _, e := range l.Items {
				if e.PaidThrough >= month.String() {
					continue
				}
				part := yuanHalfUp(e.BaseFen, 1000)
				want = append(want, billLineJSON{AccountNo: e.AccountNo, Name: e.Name, Month: month.String(), BaseFen: e.BaseFen,
					UnitBps: 1000, PersonalBps: 1000, UnitFen: part, PersonalFen: part})
				total += 2 * part
			}
			if len(want) != 7 { // five demo employees, 赵六 and the transferred 周八 (钱七 starts next month)
				t.Fatalf("roster of %d, want 7: %+v", len(want), l.Items)
			}

			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": month.String()}, Auth: agent})
			bill = apitest.Decode[billJSON](t, r, http.StatusCreated)
			if bill.Kind != "01" || bill.Month != month.String() || bill.Batch != 0 || bill.Status != "generated" || bill.Headcount != len(want) ||
				bill.TotalFen != total || bill.UnitPartFen != total/2 || bill.PersonalPartFen != total/2 || bill.EntrySerial != "" {
				t.Errorf("bill %+v, want %d lines totalling %d", bill, len(want), total)
			}
			if !slices.Equal(bill.Lines, want) {
				t.Errorf("bill lines\n got %+v\nwant %+v", bill.Lines, want)
			}
			apitest.Wrote(t, a, before, map[string]int64{"remittance": 1, "remittance_line": int64(len(want)), "audit_log": 1})

			// Generating it again while nothing changed returns it and writes nothing.
			before = apitest.Snapshot(t, a)
			again := apitest.Decode[billJSON](t, c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": month.String()}, Auth: agent}), http.StatusCreated)
			if again.ID != bill.ID || again.TotalFen != bill.TotalFen || !slices.Equal(again.Lines, bill.Lines) {
				t.Errorf("second generation %+v, first %+v", again, bill)
			}
			apitest.Unchanged(t, a, before)

			got := apitest.Decode[billJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: fmt.Sprintf("%s/remittances/%d", unitBase, bill.ID), Auth: agent}), http.StatusOK)
			if got.ID != bill.ID || !slices.Equal(got.Lines, bill.Lines) {
				t.Errorf("read bill %+v", got)
			}
			list := apitest.Decode[struct{ Items []billJSON }](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/remittances", Auth: agent}), http.StatusOK)
			if len(list.Items) != 1 || list.Items[0].ID != bill.ID || list.Items[0].Lines != nil {
				t.Errorf("bill list %+v", list.Items)
			}
			runBad(t, a, c, []badCase{
				{"unknown bill", apitest.Call{Method: "GET", Path: unitBase + "/remittances/999999", Auth: agent}, 404, "deposit.bill_not_found", nil},
				{"bill id not a number", apitest.Call{Method: "GET", Path: unitBase + "/remittances/abc", Auth: agent, Spec: apitest.SpecInvalid}, 404, "deposit.bill_not_found", nil},
				{"list limit", apitest.Call{Method: "GET", Path: unitBase + "/remittances?limit=0", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_query", nil},
				{"list limit above what is served", apitest.Call{Method: "GET", Path: unitBase + "/remittances?limit=121", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_query", nil},
			})
			apitest.VerifyClean(t, a)
		})
		if bill.ID == 0 {
			t.Fatal("no bill")
		}

		t.Run("pay bill", func(t *testing.T) {
			pay := fmt.Sprintf("%s/remittances/%d/payment", unitBase, bill.ID)
			total := bill.TotalFen
			short := total - 100
			a.Bank.Credit(exchange.Receipt{Serial: "BK-SHORT-1", BankCode: "102", Amount: money.Fen(short), ReceivedOn: today})
			runBad(t, a, c, []badCase{
				{"serial the bank does not know", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total, "bank_serial": "BK-NONE-1"}, Auth: agent}, 404, "exchange.unknown_receipt", nil},
				{"claim differs from the bank", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total, "bank_serial": "BK-SHORT-1"}, Auth: agent}, 409, "deposit.amount_not_as_bank", nil},
				{"zero amount", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": 0, "bank_serial": "BK-SHORT-1"}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.payment_amount", nil},
				{"bad serial", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total, "bank_serial": "BK 1"}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.bank_serial", nil},
				{"no serial", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.bank_serial", nil},
				{"unknown bill", apitest.Call{Method: "POST", Path: unitBase + "/remittances/999999/payment", Body: map[string]any{"amount_fen": short, "bank_serial": "BK-SHORT-1"}, Auth: agent}, 404, "deposit.bill_not_found", nil},
			})

			// A transfer of another amount than the bill's is booked to the
			// unit's 暂收未分摊 and refused as a payment; the bill stays unpaid.
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": short, "bank_serial": "BK-SHORT-1"}, Auth: agent})
			p := apitest.CheckProblem(t, r, http.StatusConflict, "deposit.payment_mismatch")
			if p["bill_total_fen"] != float64(total) || p["received_fen"] != float64(short) {
				t.Errorf("mismatch problem %v", p)
			}
			apitest.Wrote(t, a, before, map[string]int64{"journal_entry": 1, "posting": 2, "bank_receipt": 1, "audit_log": 1})
			if entryCount(t, a, "RCV-BK-SHORT-1") != 1 {
				t.Errorf("the short transfer is not booked to suspense")
			}
			acct := apitest.Decode[accountJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent}), http.StatusOK)
			if acct.SuspenseFen != short || acct.PaidThrough != month.Add(-1).String() {
				t.Errorf("after the short transfer: suspense %d paid through %s", acct.SuspenseFen, acct.PaidThrough)
			}
			runBad(t, a, c, []badCase{
				{"the short transfer again", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": short, "bank_serial": "BK-SHORT-1"}, Auth: agent}, 409, "deposit.payment_mismatch", nil},
			})

			// The right amount posts the bill.
			a.Bank.Credit(exchange.Receipt{Serial: "BK-PAY-1", BankCode: "102", Amount: money.Fen(total), ReceivedOn: today})
			entry := "REM-" + demo.UnitNo + "-" + month.String()
			before = apitest.Snapshot(t, a)
			r = c.Do(t, apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total, "bank_serial": "BK-PAY-1"}, Auth: agent})
			paid := apitest.Decode[paymentJSON](t, r, http.StatusOK)
			if paid.Status != "posted" || paid.Bill.ID != bill.ID || paid.Bill.Status != "posted" || paid.Bill.BankSerial != "BK-PAY-1" ||
				paid.Bill.EntrySerial != entry || paid.Bill.TotalFen != total || paid.Bill.PostedAt == "" {
				t.Errorf("payment %+v", paid)
			}
			apitest.Wrote(t, a, before, map[string]int64{"journal_entry": 1, "posting": int64(1 + len(bill.Lines)), "bank_receipt": 1, "audit_log": 1})
			if entryCount(t, a, entry) != 1 {
				t.Errorf("entry %s not posted once", entry)
			}

			// The same serial again: the first result, nothing posted twice.
			before = apitest.Snapshot(t, a)
			r = c.Do(t, apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total, "bank_serial": "BK-PAY-1"}, Auth: agent})
			if again := apitest.Decode[paymentJSON](t, r, http.StatusOK); again.Status != paid.Status || again.Bill.ID != paid.Bill.ID ||
				again.Bill.EntrySerial != paid.Bill.EntrySerial || again.Bill.BankSerial != paid.Bill.BankSerial || again.Bill.TotalFen != paid.Bill.TotalFen {
				t.Errorf("repeated payment %+v, first %+v", again, paid)
			}
			apitest.Unchanged(t, a, before)
			if entryCount(t, a, entry) != 1 {
				t.Errorf("entry %s posted twice", entry)
			}

			acct = apitest.Decode[accountJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent}), http.StatusOK)
			if acct.PaidThrough != month.String() || acct.ArrearsMonths != 0 || acct.SuspenseFen != short {
				t.Errorf("after payment: %+v", acct)
			}
			a.Bank.Credit(exchange.Receipt{Serial: "BK-PAY-2", BankCode: "102", Amount: money.Fen(total), ReceivedOn: today})
			runBad(t, a, c, []badCase{
				{"pay a posted bill", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": total, "bank_serial": "BK-PAY-2"}, Auth: agent}, 409, "deposit.bill_status", nil},
				{"the month again", apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": month.String()}, Auth: agent}, 409, "deposit.month_paid", nil},
				{"next month before it began", apitest.Call{Method: "POST", Path: unitBase + "/remittances", Body: map[string]string{"month": month.Next().String()}, Auth: agent}, 409, "deposit.month_future", nil},
			})

			// The statement shows the 汇缴 line with its month.
			line := bill.Lines[0]
			st := apitest.Decode[statementJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees/" + line.AccountNo + "/statement", Auth: agent}), http.StatusOK)
			if len(st.Lines) < 2 {
				t.Fatalf("statement %+v", st)
			}
			l0 := st.Lines[0]
			if l0.BizType != "01" || l0.BizTypeName != "汇缴" || l0.Month != month.String() || l0.IncomeFen != line.UnitFen+line.PersonalFen ||
				l0.ExpenseFen != 0 || l0.Serial != entry || l0.Date != today.String() || l0.BalanceFen != st.BalanceFen {
				t.Errorf("statement line %+v, want 汇缴 %s of %d", l0, month, line.UnitFen+line.PersonalFen)
			}
			if st.PaidThrough != month.String() || st.BalanceFen != int64(demo.Employees[0].Opening)+line.UnitFen+line.PersonalFen {
				t.Errorf("statement header %+v", st)
			}
			if mig := st.Lines[1]; mig.Serial != "MIG-"+line.AccountNo || mig.BizType != "99" {
				t.Errorf("opening line %+v", mig)
			}
			one := apitest.Decode[statementJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/employees/" + line.AccountNo + "/statement?limit=1&from=" + today.String(), Auth: agent}), http.StatusOK)
			if len(one.Lines) != 1 || one.Lines[0].Serial != entry {
				t.Errorf("limited statement %+v", one.Lines)
			}
			runBad(t, a, c, []badCase{
				{"statement bad date", apitest.Call{Method: "GET", Path: unitBase + "/employees/" + line.AccountNo + "/statement?from=2026-02-30", Auth: agent, Spec: apitest.SpecInvalid}, 400, "request.invalid_query", nil},
				{"statement unknown account", apitest.Call{Method: "GET", Path: unitBase + "/employees/209999999999/statement", Auth: agent}, 404, "deposit.employee_not_found", nil},
			})
			apitest.VerifyClean(t, a)
		})

		t.Run("paying with the suspense serial after posting", func(t *testing.T) {
			pay := fmt.Sprintf("%s/remittances/%d/payment", unitBase, bill.ID)
			runBad(t, a, c, []badCase{
				{"short transfer for a posted bill", apitest.Call{Method: "POST", Path: pay, Body: map[string]any{"amount_fen": bill.TotalFen - 100, "bank_serial": "BK-SHORT-1"}, Auth: agent}, 409, "deposit.bill_status", nil},
			})
		})

		t.Run("supplement", func(t *testing.T) {
			m := month.Add(-3)
			before := apitest.Snapshot(t, a)
			r := c.Do(t, apitest.Call{Method: "POST", Path: unitBase + "/supplements", Auth: agent,
				Body: map[string]any{"items": []any{map[string]any{"account_no": "201000000003", "months": []string{m.String()}}}}})
			sup := apitest.Decode[billJSON](t, r, http.StatusCreated)
			base := int64(demo.Employees[2].Base)
			part := yuanHalfUp(base, 1200) // the ratios in force in that month
			wantLine := billLineJSON{AccountNo: "201000000003", Name: "陈芳", Month: m.String(), BaseFen: base, UnitBps: 1200, PersonalBps: 1200,
				UnitFen: part, PersonalFen: part}
			if sup.Kind != "02" || sup.Batch != 1 || sup.Month != m.String() || sup.Status != "generated" || sup.TotalFen != 2*part ||
				len(sup.Lines) != 1 || sup.Lines[0] != wantLine {
				t.Errorf("supplement %+v, want line %+v", sup, wantLine)
			}
			apitest.Wrote(t, a, before, map[string]int64{"remittance": 1, "remittance_line": 1, "audit_log": 1})
			runBad(t, a, c, []badCase{
				{"month paid by the bill", apitest.Call{Method: "POST", Path: unitBase + "/supplements", Auth: agent,
					Body: map[string]any{"items": []any{map[string]any{"account_no": "201000000003", "months": []string{month.String()}}}}}, 409, "deposit.supplement_covered", nil},
				{"no items", apitest.Call{Method: "POST", Path: unitBase + "/supplements", Body: map[string]any{"items": []any{}}, Auth: agent, Spec: apitest.SpecInvalid}, 400, "deposit.invalid_input", nil},
				{"month syntax", apitest.Call{Method: "POST", Path: unitBase + "/supplements", Auth: agent, Spec: apitest.SpecInvalid,
					Body: map[string]any{"items": []any{map[string]any{"account_no": "201000000003", "months": []string{"2025-00"}}}}}, 400, "date.month_syntax", nil},
			})
			apitest.VerifyClean(t, a)
		})

		t.Run("logout", func(t *testing.T) {
			// RFC 9110 allows more than one space after the scheme; the
			// session that authenticated the call is the one revoked.
			token := agent[len("Bearer "):]
			r := c.Do(t, apitest.Call{Method: "DELETE", Path: unitBase + "/sessions/current", Auth: "Bearer  " + token})
			if r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("logout %s", r)
			}
			apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent}), http.StatusUnauthorized, "identity.no_session")
			// The other session lives on until it logs out.
			apitest.Decode[accountJSON](t, c.Do(t, apitest.Call{Method: "GET", Path: unitBase + "/account", Auth: agent2}), http.StatusOK)
			if r := c.Do(t, apitest.Call{Method: "DELETE", Path: unitBase + "/sessions/current", Auth: agent2}); r.Status != http.StatusNoContent {
				t.Fatalf("logout %s", r)
			}
			apitest.CheckProblem(t, c.Do(t, apitest.Call{Method: "DELETE", Path: unitBase + "/sessions/current", Auth: agent2}), http.StatusUnauthorized, "identity.no_session")
			apitest.VerifyClean(t, a)
		})
	})
}
