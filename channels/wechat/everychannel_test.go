package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"gjj/channels/hotline12329"
	"gjj/channels/kiosk"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/signing/signtest"
)

const hotlineKey = "hotline-key-of-the-tests-2026"

// TestRegisteredOnAppLogsInEverywhere is the issue's "a person registered on
// the app logs in on WeChat, the kiosk and the hotline with the same
// credential or PIN": 林静 registers on the app (SMS code, password) and
// sets her query PIN there; then the same password binds her WeChat (OAuth
// against the fake WeChat API) and logs her in on a kiosk, and the PIN
// verifies her on the 12329 hotline's IVR. A wrong password or PIN is
// refused on each.
func TestRegisteredOnAppLogsInEverywhere(t *testing.T) {
	fake := newFake(t)
	withHotline := apitest.WithConfig(func(c *config.Config) { c.HotlineKey = hotlineKey })
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		e := demo.Unregistered
		const password, pin = "Lin2026everywhere", "246813"

		// 1. The app: registration, then the query PIN (password confirms it).
		in := apitest.CaptureSMS(a)
		appc := apitest.Server(t, a, []string{"appSession"})
		r := appc.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/sms-codes", Body: map[string]string{"phone": e.Mobile, "purpose": "register"}})
		if r.Status != http.StatusAccepted {
			t.Fatalf("sms code: %s", r)
		}
		r = appc.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/registrations", Body: map[string]string{
			"id_number": e.IDNumber, "name": e.Name, "phone": e.Mobile, "sms_code": in.Code(t, e.Mobile, "otp.register"), "password": password}})
		personID := int64(apitest.Decode[map[string]float64](t, r, http.StatusCreated)["person_id"])
		sess := apitest.Decode[map[string]any](t, appc.Do(t, apitest.Call{Method: http.MethodPost, Path: "/api/app/v1/sessions",
			Body: map[string]string{"id_number": e.IDNumber, "password": password}}), http.StatusCreated)
		token, _ := sess["token"].(string)
		if r := appc.Do(t, apitest.Call{Method: http.MethodPut, Path: "/api/app/v1/query-pin", Auth: apitest.Bearer(token),
			Body: map[string]string{"password": password, "pin": pin}}); r.Status/100 != 2 {
			t.Fatalf("query PIN: %s", r)
		}

		// 2. WeChat: first OAuth visit → bind page; a wrong password binds
		// nothing; the app's password binds and signs in; later straight in.
		const openID = "oLIN_JING_00000000000000000"
		srv := hallServer(t, a)
		b := newBrowser(t, srv)
		if p := b.enter(t, fake.code(openID, ""), ""); p.status != http.StatusSeeOther || b.local(p.location()) != "/wechat/bind" {
			t.Fatalf("unbound callback: %d %s", p.status, p.location())
		}
		b.get(t, "/wechat/bind")
		if p := b.submit(t, "/wechat/bind", url.Values{"login": {e.IDNumber}, "password": {"Wrong#2026x"}}); p.status != http.StatusUnauthorized {
			t.Fatalf("wrong password on WeChat: %d", p.status)
		}
		if p := b.submit(t, "/wechat/bind", url.Values{"login": {e.IDNumber}, "password": {password}}); p.status != http.StatusSeeOther {
			t.Fatalf("bind with the app's password: %d %s", p.status, p.body)
		}
		if got := wechatBindings(t, a, personID); !slices.Equal(got, []string{openID}) {
			t.Fatalf("bindings %v", got)
		}
		signedIn(t, b, e.Name)
		b2 := newBrowser(t, srv)
		if p := b2.enter(t, fake.code(openID, ""), ""); p.status != http.StatusSeeOther || p.location() != "/web/" {
			t.Fatalf("bound callback: %d %s", p.status, p.location())
		}
		signedIn(t, b2, e.Name)

		// 3. The kiosk: ID number (from the card reader) + the same password.
		key, err := a.Kiosk.Devices.Register(ctx, "K-EVERY-01", "鼓楼网点", "大厅 1 号机", "staff:maker")
		if err != nil {
			t.Fatal(err)
		}
		srvE, err := a.Server()
		if err != nil {
			t.Fatal(err)
		}
		k := &signtest.Client{E: srvE, IDHeader: kiosk.HeaderKiosk, ID: "K-EVERY-01", Key: []byte(key)}
		apitest.CheckProblem(t, k.Do(t, http.MethodPost, kiosk.Base+"/sessions", map[string]string{"id_number": e.IDNumber, "password": "Wrong#2026x"}),
			http.StatusUnauthorized, "identity.bad_credentials")
		ks := apitest.Decode[map[string]string](t, k.Do(t, http.MethodPost, kiosk.Base+"/sessions",
			map[string]string{"id_number": e.IDNumber, "password": password}), http.StatusCreated)
		k.Token = ks["token"]
		acc := apitest.Decode[map[string]any](t, k.Do(t, http.MethodGet, kiosk.Base+"/account", nil), http.StatusOK)
		if acc["account_no"] != e.AccountNo || acc["name"] != e.Name {
			t.Errorf("kiosk account %v", acc)
		}

		// 4. The hotline IVR: ID number + the PIN set on the app.
		if st, body := hotlineVerify(t, srvE, e.IDNumber, "246810"); st != http.StatusUnauthorized || !bytes.Contains(body, []byte(`"hotline.verify_failed"`)) {
			t.Errorf("wrong PIN on the hotline: %d %s", st, body)
		}
		st, body := hotlineVerify(t, srvE, e.IDNumber, pin)
		var hs struct {
			Session string `json:"session"`
			Name    string `json:"name"`
		}
		if err := json.Unmarshal(body, &hs); st != http.StatusOK || err != nil || len(hs.Session) != 64 || hs.Name != "林*" {
			t.Fatalf("hotline verify: %d %s", st, body)
		}
		apitest.VerifyClean(t, a)
	}, withWeChat(fake), withHotline)
}

var hotlineNonce int

// hotlineVerify calls the IVR's caller check signed as the call centre.
func hotlineVerify(t *testing.T, e http.Handler, idNumber, pin string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"id_number": idNumber, "pin": pin})
	hotlineNonce++
	ts, nonce, uri := strconv.FormatInt(time.Now().Unix(), 10), fmt.Sprintf("everychannel-%d-%08d", time.Now().UnixNano(), hotlineNonce), "/api/hotline/v1/ivr/verify"
	req := httptest.NewRequest(http.MethodPost, uri, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("X-Nonce", nonce)
	req.Header.Set("X-Signature", hotline12329.Sign(hotlineKey, http.MethodPost, uri, ts, nonce, body))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}
