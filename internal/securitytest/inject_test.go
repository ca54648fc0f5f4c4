package securitytest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
)

// sqlPayloads are classic SQL-injection strings.
var sqlPayloads = []string{
	`' OR 1=1 --`,
	`' OR '1'='1`,
	`1; DROP TABLE person; --`,
	`" OR ""="`,
	`') UNION SELECT id_number, name FROM person --`,
	`%' OR 1=1 #`,
	`1 AND SLEEP(5)`,
	`\'; SELECT pg_sleep(1); --`,
}

// queryParams are the query parameters the list and search routes take,
// each probed alone.
var queryParams = []string{"q", "status", "name", "id_number", "account_no", "unit_no", "from", "to", "actor", "object",
	"action", "kind", "reason", "page", "limit", "cursor", "before", "sort", "month", "year", "item", "channel"}

// searchRoutes is a sample of list and search routes, with the role that
// may call them.
var searchRoutes = []struct {
	r    role
	path string
}{
	{reviewer, "/api/admin/v1/withdrawals"},
	{reviewer, "/api/admin/v1/loan-applications"},
	{reviewer, "/api/admin/v1/preregistrations"},
	{reviewer, "/api/admin/v1/deferrals"},
	{reviewer, "/api/admin/v1/accounts/" + personA.AccountNo + "/statement"},
	{auditor, "/api/admin/v1/change-requests"},
	{auditor, "/api/admin/v1/sms-outbox"},
	{auditor, "/api/admin/v1/workorders"},
	{unitAgent, "/api/unit/v1/employees"},
	{unitAgent, "/api/unit/v1/remittances"},
	{appPerson, "/api/app/v1/statement"},
	{appPerson, "/api/app/v1/withdrawals"},
	{appPerson, "/api/app/v1/notices"},
	{reviewer, "/admin/accounts"},
	{auditor, "/admin/audit"},
	{auditor, "/admin/changes"},
	{unitAgent, "/unit/employees"},
	{unitAgent, "/unit/logs"},
	{webPerson, "/web/statement"},
	{anonymous, "/verify"},
}

// rowsIn counts what an answer lists: the longest JSON array in it, or the
// table rows of a page.
func rowsIn(body []byte, html bool) int {
	if html {
		return strings.Count(string(body), "<tr")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return 0
	}
	return longestArray(v)
}

func longestArray(v any) int {
	n := 0
	switch x := v.(type) {
	case []any:
		n = len(x)
		for _, e := range x {
			n = max(n, longestArray(e))
		}
	case map[string]any:
		for _, e := range x {
			n = max(n, longestArray(e))
		}
	}
	return n
}

// TestSQLInjectionProbes: every query parameter of a sample of list and
// search routes, and every string field of the JSON login and check bodies,
// gets SQL-injection strings: never a 5xx, never more rows than the same
// route lists for a harmless value that matches nothing, and the store is
// unchanged.
func TestSQLInjectionProbes(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		v := newEnv(t, a)
		for _, sr := range searchRoutes {
			html := isPage(sr.path)
			for _, param := range queryParams {
				base := v.do(sr.r, http.MethodGet, sr.path+"?"+param+"=zzzznomatch", nil, nil)
				if base.Code >= 500 {
					t.Errorf("GET %s ?%s=zzzznomatch as %s: %s", sr.path, param, sr.r, excerpt(base))
					continue
				}
				baseRows := rowsIn(base.Body.Bytes(), html)
				before := apitest.Snapshot(t, a)
				for _, p := range sqlPayloads {
					rec := v.do(sr.r, http.MethodGet, sr.path+"?"+param+"="+url.QueryEscape(p), nil, nil)
					if rec.Code >= 500 {
						t.Errorf("GET %s ?%s=%q as %s: %s", sr.path, param, p, sr.r, excerpt(rec))
						continue
					}
					if rec.Code == http.StatusOK && base.Code == http.StatusOK {
						if n := rowsIn(rec.Body.Bytes(), html); n > baseRows {
							t.Errorf("GET %s ?%s=%q as %s lists %d rows, a value matching nothing %d", sr.path, param, p, sr.r, n, baseRows)
						}
					}
				}
				d := apitest.Delta(before, apitest.Snapshot(t, a))
				delete(d, "audit_log") // staff reads of personal data are audited
				if len(d) > 0 {
					t.Errorf("probes of %s ?%s wrote %v", sr.path, param, d)
				}
			}
		}

		// JSON string fields of logins and checks.
		bodies := []struct {
			r      role
			path   string
			fields []string
		}{
			{anonymous, "/api/app/v1/sessions", []string{"id_number", "password"}},
			{anonymous, "/api/app/v1/sessions", []string{"phone", "sms_code"}},
			{anonymous, "/api/unit/v1/sessions", []string{"unit_code", "agent_id_number", "password", "totp"}},
			{anonymous, "/api/admin/v1/sessions", []string{"username", "password", "totp"}},
			{anonymous, "/api/app/v1/sms-codes", []string{"phone", "purpose"}},
			{govAgency, "/api/gov/v1/checks/basic", []string{"authorization_ref", "purpose"}},
			{kioskDevice, "/api/kiosk/v1/sessions", []string{"id_number", "password"}},
			{hotlineIVR, "/api/hotline/v1/ivr/verify", []string{"id_number", "pin"}},
		}
		for _, b := range bodies {
			for _, p := range sqlPayloads {
				m := map[string]string{}
				for _, f := range b.fields {
					m[f] = p
				}
				body, _ := json.Marshal(m)
				switch b.r { // the caller's own session exists before the snapshot
				case kioskDevice:
					v.session(b.r, "kiosk")
				case hotlineIVR:
					v.session(b.r, "hotline")
				}
				before := apitest.Snapshot(t, a)
				rec := v.do(b.r, http.MethodPost, b.path, body, nil)
				v.forget(b.r)
				if rec.Code >= 500 {
					t.Errorf("POST %s %s as %s: %s", b.path, body, b.r, excerpt(rec))
				}
				if rec.Code >= 200 && rec.Code < 300 {
					t.Errorf("POST %s %s as %s was accepted: %s", b.path, body, b.r, excerpt(rec))
				}
				d := apitest.Delta(before, apitest.Snapshot(t, a))
				delete(d, "audit_log") // refused logins are audited
				if len(d) > 0 {
					t.Errorf("POST %s %s wrote %v", b.path, body, d)
				}
			}
		}
	}, allChannels)
}

// TestXMLAttacksOnWeChatCallback: WeChat's signed message callback refuses
// an entity-expansion bomb, an external entity and an oversize body with a
// 4xx, never expands or reads anything, and still answers a normal message.
func TestXMLAttacksOnWeChatCallback(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		v := newEnv(t, a)
		laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
			`<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
			`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
			`<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">` +
			`<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">` +
			`<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">` +
			`<!ENTITY lol9 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">]>` +
			`<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>` +
			`<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>`
		xxe := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
			`<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>` +
			`<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>`
		huge := `<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>` +
			`<MsgType>text</MsgType><Content>` + strings.Repeat("余额", 1<<19) + `</Content><MsgId>3</MsgId></xml>`
		for _, tt := range []struct{ name, body string }{
			{"billion laughs", laughs}, {"external entity", xxe}, {"oversize", huge},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before := apitest.Snapshot(t, a)
				rec := v.do(wechatSrv, http.MethodPost, "/wechat/callback", []byte(tt.body), &reqOpts{header: map[string]string{"Content-Type": "text/xml"}})
				if rec.Code < 400 || rec.Code >= 500 {
					t.Errorf("answer %s, want a 4xx refusal", excerpt(rec))
				}
				for _, leak := range []string{"root:", "lollol"} {
					if strings.Contains(rec.Body.String(), leak) {
						t.Errorf("the answer contains %q: %s", leak, excerpt(rec))
					}
				}
				unchangedButRefusal(t, a, before, tt.name)
			})
		}
		// A normal message still gets through.
		ok := `<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>` +
			`<MsgType>text</MsgType><Content>帮助</Content><MsgId>4</MsgId></xml>`
		if rec := v.do(wechatSrv, http.MethodPost, "/wechat/callback", []byte(ok), &reqOpts{header: map[string]string{"Content-Type": "text/xml"}}); rec.Code != http.StatusOK {
			t.Errorf("a normal message: %s", excerpt(rec))
		}
	}, allChannels)
}
