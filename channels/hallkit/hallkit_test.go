package hallkit_test

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/channels/hallkit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

var errCSRF = errs.New(errs.Forbidden, "testhall.csrf", "页面已失效")

// kit is a hall at /t; its sessions are never checked in these tests (the
// halls' own suites cover Require and SignedIn against a platform).
func kit() *hallkit.Hall {
	return &hallkit.Hall{Root: "/t", Channel: "web", SessionCookie: "t_session", CSRFCookie: "t_csrf", ErrCSRF: errCSRF,
		Flashes: map[string]string{"saved": "已保存。", "imported": "已导入 %d 条。"}}
}

// call runs h on a request and returns the recorder and the handler's error.
func call(h echo.HandlerFunc, req *http.Request) (*httptest.ResponseRecorder, error) {
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(req, rec)
	return rec, h(c)
}

func TestSafeNext(t *testing.T) {
	k := kit()
	for _, tc := range []struct{ in, want string }{
		{"/t/", "/t/"},
		{"/t/statement?from=2026-01-01", "/t/statement?from=2026-01-01"},
		{"", ""},
		{"/t", ""},
		{"/other/", ""},
		{"https://evil.example/t/", ""},
		{"//evil.example/t/", ""},
		{"/t/login", ""},
		{"/t/login/sms", ""},
		{"/t/a\\b", ""},
		{"/t/a\r\nSet-Cookie: x=1", ""},
	} {
		if got := k.SafeNext(tc.in); got != tc.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestToLogin(t *testing.T) {
	k := kit()
	for _, tc := range []struct {
		name, method, target string
		htmx                 bool
		status               int
		where                string
	}{
		{"a page", http.MethodGet, "/t/statement?from=2026-01-01", false, http.StatusSeeOther, "/t/login?next=%2Ft%2Fstatement%3Ffrom%3D2026-01-01"},
		{"the home page", http.MethodGet, "/t/", false, http.StatusSeeOther, "/t/login"},
		{"a form", http.MethodPost, "/t/profile", false, http.StatusSeeOther, "/t/login"},
		{"htmx", http.MethodGet, "/t/statement", true, http.StatusNoContent, "/t/login?next=%2Ft%2Fstatement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.htmx {
				req.Header.Set("HX-Request", "true")
			}
			rec, err := call(k.ToLogin, req)
			if err != nil {
				t.Fatal(err)
			}
			where := rec.Header().Get("Location")
			if tc.htmx {
				where = rec.Header().Get("HX-Redirect")
			}
			if rec.Code != tc.status || where != tc.where {
				t.Errorf("answer = %d %q, want %d %q", rec.Code, where, tc.status, tc.where)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	k := kit()
	for _, tc := range []struct {
		name   string
		set    func(echo.Context)
		proto  string
		want   []string
		absent []string
	}{
		{"set", func(c echo.Context) { k.SetSession(c, "tok") }, "", []string{"t_session=tok", "Path=/t", "HttpOnly", "SameSite=Lax"}, []string{"Secure", "Max-Age"}},
		{"set behind https", func(c echo.Context) { k.SetSession(c, "tok") }, "https", []string{"t_session=tok", "Secure"}, nil},
		{"clear", k.ClearSession, "", []string{"t_session=", "Path=/t", "Max-Age=0"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/t/", nil)
			if tc.proto != "" {
				req.RemoteAddr = "127.0.0.1:41000" // the proxy, on a trusted address
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			rec, _ := call(func(c echo.Context) error { tc.set(c); return nil }, req)
			sc := rec.Header().Get("Set-Cookie")
			for _, s := range tc.want {
				if !strings.Contains(sc, s) {
					t.Errorf("cookie %q lacks %s", sc, s)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(sc, s) {
					t.Errorf("cookie %q has %s", sc, s)
				}
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	k := kit()
	mw := k.CSRF()
	var token string
	ok := mw(func(c echo.Context) error { token = hallkit.CSRFToken(c); return c.NoContent(http.StatusOK) })

	rec, err := call(ok, httptest.NewRequest(http.MethodGet, "/t/", nil))
	if err != nil || token == "" {
		t.Fatalf("GET = %v, token %q", err, token)
	}
	sc := rec.Header().Get("Set-Cookie")
	for _, s := range []string{"t_csrf=" + token, "Path=/t", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(sc, s) {
			t.Errorf("CSRF cookie %q lacks %s", sc, s)
		}
	}
	post := func(field, header string, extra map[string]string) *http.Request {
		form := url.Values{}
		if field != "" {
			form.Set("_csrf", field)
		}
		req := httptest.NewRequest(http.MethodPost, "/t/profile", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "t_csrf", Value: token})
		if header != "" {
			req.Header.Set(echo.HeaderXCSRFToken, header)
		}
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		return req
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		pass bool
	}{
		{"form field", post(token, "", nil), true},
		{"htmx header", post("", token, nil), true},
		{"same origin without the token", post("", "", map[string]string{"Sec-Fetch-Site": "same-origin"}), true},
		{"same site with the token", post(token, "", map[string]string{"Sec-Fetch-Site": "same-site"}), true},
		{"no token", post("", "", nil), false},
		{"wrong token", post("x"+token, "", nil), false},
		{"same site without the token", post("", "", map[string]string{"Sec-Fetch-Site": "same-site"}), false},
		{"cross site with the token", post(token, "", map[string]string{"Sec-Fetch-Site": "cross-site"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(ok, tc.req)
			if tc.pass && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.pass && !errors.Is(err, errCSRF) {
				t.Fatalf("error = %v, want %v", err, errCSRF)
			}
		})
	}
}

func TestMount(t *testing.T) {
	e := echo.New()
	kit().Mount(e, fstest.MapFS{"hall.css": {Data: []byte(".menu{}")}})
	srv := httptest.NewServer(e)
	defer srv.Close()
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		path, ctype, body string
		status            int
	}{
		{"/t/static/hall.css", "text/css", ".menu{}", http.StatusOK},               // the hall's own
		{"/t/static/base.css", "text/css", "--brand", http.StatusOK},               // the kit's
		{"/t/static/htmx.min.js", "javascript", "htmx", http.StatusOK},             // the kit's
		{"/t/static/none.css", "", "", http.StatusNotFound},                        // neither
		{"/t/static/", "", "", http.StatusNotFound},                                // no listing
		{"/t", "", "", http.StatusMovedPermanently},                                // to /t/
		{"/t/static/hall.css/", "", "", http.StatusNotFound},                       // a file is no folder
		{"/t/static/htmx.LICENSE.txt", "text/plain", "htmx 2.0.11", http.StatusOK}, // the licence ships
	} {
		resp, err := cl.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s = %d, want %d", tc.path, resp.StatusCode, tc.status)
			continue
		}
		if tc.status == http.StatusMovedPermanently && resp.Header.Get("Location") != "/t/" {
			t.Errorf("%s redirects to %q", tc.path, resp.Header.Get("Location"))
		}
		if tc.status != http.StatusOK {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, tc.ctype) || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s = %q %.60q", tc.path, ct, b)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=3600" {
			t.Errorf("%s Cache-Control = %q", tc.path, cc)
		}
	}
}

func TestFlashAndDone(t *testing.T) {
	k := kit()
	rec, err := call(func(c echo.Context) error { return hallkit.Done(c, "/t/list", "imported", 3) }, httptest.NewRequest(http.MethodPost, "/t/list", nil))
	if err != nil || rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/t/list?n=3&ok=imported" {
		t.Fatalf("Done = %v %d %q", err, rec.Code, rec.Header().Get("Location"))
	}
	for _, tc := range []struct{ query, want string }{
		{"ok=saved", "已保存。"},
		{"ok=imported&n=3", "已导入 3 条。"},
		{"ok=imported", ""},
		{"ok=imported&n=x", ""},
		{"ok=unknown", ""},
		{"", ""},
	} {
		var got string
		call(func(c echo.Context) error { got = k.Flash(c); return nil }, httptest.NewRequest(http.MethodGet, "/t/?"+tc.query, nil))
		if got != tc.want {
			t.Errorf("Flash(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestRefusal(t *testing.T) {
	for _, tc := range []struct {
		err   error
		shown bool
	}{
		{errs.New(errs.Invalid, "x.bad", "输入有误"), true},
		{errs.New(errs.NotFound, "x.none", "不存在"), true},
		{errs.New(errs.Busy, "x.busy", "繁忙"), true},
		{errs.New(errs.Forbidden, "x.no", "无权"), true},
		{errs.New(errs.Internal, "internal", "内部错误"), false},
		{errs.New(errs.Unavailable, "x.down", "不可用"), false},
		{errors.New("plain"), false},
		{nil, false},
	} {
		if got := hallkit.Refusal(tc.err); (got != nil) != tc.shown {
			t.Errorf("Refusal(%v) = %v, want shown %v", tc.err, got, tc.shown)
		}
	}
}

func TestInShell(t *testing.T) {
	show := func(c echo.Context, err error) error { return c.String(http.StatusConflict, "shown: "+err.Error()) }
	refused := errs.New(errs.Conflict, "x.state", "状态已变化")
	for _, tc := range []struct {
		name   string
		next   echo.HandlerFunc
		status int
		body   string
	}{
		{"ok", func(c echo.Context) error { return c.String(http.StatusOK, "page") }, http.StatusOK, "page"},
		{"refused", func(echo.Context) error { return refused }, http.StatusConflict, "shown: "},
		{"answered, then failed", func(c echo.Context) error { _ = c.String(http.StatusOK, "half"); return refused }, http.StatusOK, "half"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := call(hallkit.InShell(tc.next, show), httptest.NewRequest(http.MethodGet, "/t/", nil))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("answer = %d %q", rec.Code, rec.Body.String())
			}
		})
	}
}

// hallFS is a hall's templates using the kit's fragments.
var hallFS = fstest.MapFS{
	"templates/layout.html": {Data: []byte(`{{define "layout"}}<head>{{template "hall.assets" "/t"}}</head>` +
		`{{if .In}}{{template "hall.frame" .}}{{else}}{{template "hall.bare" .}}{{end}}{{end}}` +
		`{{define "menu"}}<a href="/t/">首页</a>{{end}}{{define "alerts"}}{{if .Error}}<p id="err">{{.Error}}</p>{{end}}{{end}}`)},
	"templates/home.html": {Data: []byte(`{{define "content"}}<p id="when">{{time .At}} {{yuan .Sum}} {{shout "x"}}</p>{{end}}`)},
	"templates/bad.html":  {Data: []byte(`{{define "content"}}{{.Missing.Field}}{{end}}`)},
}

type testView struct {
	In           bool
	Title, Flash string
	Error        string
	At           time.Time
	Sum          money.Fen
}

func TestParseAndRender(t *testing.T) {
	pages := hallkit.Parse(hallFS, hallkit.Funcs(template.FuncMap{"shout": strings.ToUpper}), []string{"templates/layout.html"}, "home", "bad")
	at := time.Date(2026, 3, 15, 1, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		v      testView
		want   []string
		absent []string
	}{
		{"signed in", testView{In: true, Title: "首页", Flash: "已保存。", Error: "输入有误", At: at, Sum: 123456},
			[]string{`href="/t/static/base.css"`, `href="/t/static/hall.css"`, `src="/t/static/htmx.min.js"`, `class="frame"`,
				`<a href="/t/">首页</a>`, `<h1 class="page-title">首页</h1>`, `id="flash">已保存。</div>`, `<p id="err">输入有误</p>`,
				`<p id="when">2026-03-15 09:30 1,234.56 X</p>`, "咨询电话 12329"},
			[]string{"login-wrap"}},
		{"anyone", testView{Title: "登录", At: at}, []string{`<main class="login-wrap">`, `id="when"`}, []string{`class="frame"`, `id="flash"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := call(func(c echo.Context) error { return pages.Render(c, http.StatusAccepted, "home", tc.v) },
				httptest.NewRequest(http.MethodGet, "/t/", nil))
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusAccepted || rec.Header().Get("Content-Security-Policy") != hallkit.ContentSecurityPolicy ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("answer = %d %q %q", rec.Code, rec.Header().Get("Content-Security-Policy"), rec.Header().Get("Content-Type"))
			}
			for _, s := range tc.want {
				if !strings.Contains(rec.Body.String(), s) {
					t.Errorf("page lacks %s:\n%s", s, rec.Body)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(rec.Body.String(), s) {
					t.Errorf("page has %s", s)
				}
			}
		})
	}
	// An unknown page is an error, and so is a template error; neither
	// writes anything: the platform answers a clean 500.
	rec, err := call(func(c echo.Context) error { return pages.Render(c, http.StatusOK, "none", testView{}) },
		httptest.NewRequest(http.MethodGet, "/t/", nil))
	if err == nil || rec.Body.Len() != 0 {
		t.Fatalf("unknown page = %v, wrote %d bytes", err, rec.Body.Len())
	}
	rec, err = call(func(c echo.Context) error { return hallkit.Render(c, http.StatusOK, pages["bad"], testView{}) },
		httptest.NewRequest(http.MethodGet, "/t/", nil))
	if err == nil || rec.Body.Len() != 0 || rec.Header().Get("Content-Security-Policy") != "" {
		t.Fatalf("template error = %v, wrote %d bytes", err, rec.Body.Len())
	}
}

func TestFormat(t *testing.T) {
	at := time.Date(2026, 12, 31, 16, 5, 0, 0, time.UTC) // 2027-01-01 00:05 in Beijing
	var none *time.Time
	for _, tc := range []struct{ got, want string }{
		{hallkit.MonthText(date.MustParseMonth("2026-03")), "2026-03"},
		{hallkit.MonthText(date.Month{}), "—"},
		{hallkit.DateText(date.MustParse("2026-03-15")), "2026-03-15"},
		{hallkit.DateText(date.Date{}), "—"},
		{hallkit.TimeText(at), "2027-01-01 00:05"},
		{hallkit.TimeText(&at), "2027-01-01 00:05"},
		{hallkit.TimeText(time.Time{}), "—"},
		{hallkit.TimeText(none), "—"},
		{hallkit.TimeText("2026-01-01"), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	fm := hallkit.Funcs(template.FuncMap{"time": func() string { return "own" }})
	if fm["time"].(func() string)() != "own" || fm["yuan"] == nil || fm["month"] == nil || fm["day"] == nil {
		t.Error("a hall's own function does not win, or a kit function is missing")
	}
}
