package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
)

const (
	gwKey       = "k3y-for-tests"
	gwSignature = "【某市住房公积金】"
)

// fakeGateway is an SMS gateway that checks every request the way a real
// one would (key, fresh timestamp, HMAC signature, JSON body) and then
// answers as told.
type fakeGateway struct {
	answer func(w http.ResponseWriter, r *http.Request)

	mu   sync.Mutex
	got  []gatewayBody
	errs []string
}

type gatewayBody struct {
	Phone     string `json:"phone"`
	Text      string `json:"text"`
	Signature string `json:"signature"`
}

func (f *fakeGateway) refuse(w http.ResponseWriter, why string) {
	f.mu.Lock()
	f.errs = append(f.errs, why)
	f.mu.Unlock()
	http.Error(w, why, http.StatusUnauthorized)
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.refuse(w, "read body")
		return
	}
	ts := r.Header.Get(notify.HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	switch {
	case r.Method != http.MethodPost:
		f.refuse(w, "method "+r.Method)
		return
	case r.Header.Get("Content-Type") != "application/json":
		f.refuse(w, "content type")
		return
	case r.Header.Get(notify.HeaderKey) != gwKey:
		f.refuse(w, "key")
		return
	case err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute:
		f.refuse(w, "timestamp")
		return
	case r.Header.Get(notify.HeaderSignature) != notify.Sign(gwKey, ts, body):
		f.refuse(w, "signature")
		return
	}
	var b gatewayBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		f.refuse(w, "body")
		return
	}
	f.mu.Lock()
	f.got = append(f.got, b)
	f.mu.Unlock()
	f.answer(w, r)
}

func newFake(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*fakeGateway, *httptest.Server) {
	f := &fakeGateway{answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestSign(t *testing.T) {
	// HMAC-SHA256("key", "1700000000\n{}"), computed independently:
	// printf '1700000000\n{}' | openssl dgst -sha256 -hmac key
	const want = "dc69947da92a4b74a8dc1043568a9cd906a846272955d61394a6ff449c53eb36"
	got := notify.Sign("key", "1700000000", []byte("{}"))
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if notify.Sign("key", "1700000001", []byte("{}")) == got || notify.Sign("key2", "1700000000", []byte("{}")) == got ||
		notify.Sign("key", "1700000000", []byte("{ }")) == got {
		t.Error("signature does not depend on timestamp, key and body")
	}
}

// TestHTTPGateway sends through the HTTP driver to fakes: accepted (status
// "sent", secret masked in the stored text but sent in full), refused,
// failing, silent and unreachable gateways (status "failed").
func TestHTTPGateway(t *testing.T) {
	ok, okSrv := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"gw-20260715-0001"}`)
	})
	_, failSrv := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "carrier down", http.StatusInternalServerError)
	})
	_, noIDSrv := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"result":"ok"}`)
	})
	release := make(chan struct{})
	_, slowSrv := newFake(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the servers close
	redirect := httptest.NewServer(http.RedirectHandler(okSrv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	short := &http.Client{Timeout: 100 * time.Millisecond}
	cases := []struct {
		name   string
		gw     notify.Gateway
		status string
		errTxt string
	}{
		{"accepted", notify.NewHTTPGateway(okSrv.URL, gwKey, gwSignature, nil), notify.StatusSent, ""},
		{"wrong key", notify.NewHTTPGateway(okSrv.URL, "other-key", gwSignature, nil), notify.StatusFailed, "gateway answered HTTP 401"},
		{"500", notify.NewHTTPGateway(failSrv.URL, gwKey, gwSignature, nil), notify.StatusFailed, "gateway answered HTTP 500"},
		{"no id", notify.NewHTTPGateway(noIDSrv.URL, gwKey, gwSignature, nil), notify.StatusFailed, "gateway answered HTTP 200 without a message id"},
		{"redirect", notify.NewHTTPGateway(redirect.URL, gwKey, gwSignature, nil), notify.StatusFailed, "gateway answered HTTP 307"},
		{"client timeout", notify.NewHTTPGateway(slowSrv.URL, gwKey, gwSignature, short), notify.StatusFailed, "gateway timeout"},
		{"unreachable", notify.NewHTTPGateway(goneURL, gwKey, gwSignature, nil), notify.StatusFailed, "gateway unreachable"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := audit.New(d)
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				s := notify.New(d, tt.gw, a)
				if s.Gateway() != "http" {
					t.Errorf("gateway %q", s.Gateway())
				}
				ok.mu.Lock()
				seen := len(ok.got)
				ok.mu.Unlock()
				m, err := s.SendSMS(ctx, notify.SMS{Phone: phone, Template: notify.OTPRegister, Vars: map[string]string{"code": "590417"}})
				masked := strings.Replace(wantTexts[notify.OTPRegister], "482915", notify.Mask, 1)
				if tt.status == notify.StatusSent {
					if err != nil || m.Status != notify.StatusSent || m.ProviderID != "gw-20260715-0001" || m.SentAt == nil || m.Error != "" {
						t.Fatalf("send = %+v, %v", m, err)
					}
					ok.mu.Lock()
					got := ok.got[seen:]
					ok.mu.Unlock()
					full := strings.Replace(wantTexts[notify.OTPRegister], "482915", "590417", 1)
					if len(got) != 1 || got[0] != (gatewayBody{Phone: phone, Text: gwSignature + full, Signature: gwSignature}) {
						t.Errorf("gateway received %+v", got)
					}
				} else {
					if errs.CodeOf(err) != "notify.gateway_unavailable" || errs.KindOf(err) != errs.Unavailable {
						t.Fatalf("err = %v", err)
					}
					if m == nil || m.Status != notify.StatusFailed || m.Error != tt.errTxt || m.SentAt != nil || m.ProviderID != "" {
						t.Fatalf("message %+v", m)
					}
				}
				if m.Text != masked {
					t.Errorf("returned text %q, want %q", m.Text, masked)
				}
				list, err := s.Outbox(ctx, notify.Filter{Phone: phone, Limit: 1})
				if err != nil || len(list) != 1 {
					t.Fatalf("outbox %v %v", list, err)
				}
				if r := list[0]; r.ID != m.ID || r.Status != tt.status || r.Text != masked || r.Error != tt.errTxt || r.ProviderID != m.ProviderID ||
					(r.SentAt == nil) != (m.SentAt == nil) {
					t.Errorf("stored %+v, want status %s, text %q, error %q", r, tt.status, masked, tt.errTxt)
				}
			})
		}
		verifyAudit(t, d, a)
	})
	ok.mu.Lock()
	defer ok.mu.Unlock()
	if len(ok.errs) != 2 { // the two "wrong key" calls, one per store
		t.Errorf("fake refused %v; want only the wrong key twice", ok.errs)
	}
}
