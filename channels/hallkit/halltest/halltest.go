// Package halltest is the test support of the online halls' page tests
// (channels/unithall, channels/webhall): a browser without JavaScript (a
// cookie jar, no automatic redirects, the CSRF token of the last page read),
// assertions on the pages it gets, and headless Chromium for the browser
// tests (chromium.go).
//
// Tests only: it imports "testing" and fails tests; production code never
// imports it.
package halltest

import (
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Browser is a browser without JavaScript on one server: it keeps cookies,
// follows no redirects and remembers the CSRF token of the last page it read.
type Browser struct {
	Base   string       // the server's URL, e.g. httptest.Server.URL
	Client *http.Client // with the cookie jar
	CSRF   string       // the _csrf field of the last page that had one
}

// NewBrowser returns a browser with an empty cookie jar for the server at
// base.
func NewBrowser(t testing.TB, base string) *Browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{Base: base, Client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Page is an answer as the browser read it.
type Page struct {
	Status int
	Header http.Header
	Body   string
}

// Location is the redirect target of the answer ("" if none).
func (p Page) Location() string { return p.Header.Get("Location") }

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRFToken is the value of the first hidden _csrf field of a page body, or
// "".
func CSRFToken(body string) string {
	if m := csrfField.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// Do sends req as a browser would (Accept preferring HTML), reads the whole
// answer and keeps its CSRF token if it has one. A transport error fails the
// test.
func (b *Browser) Do(t testing.TB, req *http.Request) Page {
	t.Helper()
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
	if tok := CSRFToken(p.Body); tok != "" {
		b.CSRF = tok
	}
	return p
}

// Get opens path (with its query) on the server.
func (b *Browser) Get(t testing.TB, path string) Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Do(t, req)
}

// Post submits a form with the current CSRF token (unless form has a _csrf
// value of its own); the caller's form is not changed.
func (b *Browser) Post(t testing.TB, path string, form url.Values) Page {
	t.Helper()
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.CSRF)
	}
	return b.PostRaw(t, path, form, nil)
}

// PostRaw submits a form as it is, with extra headers.
func (b *Browser) PostRaw(t testing.TB, path string, form url.Values, header map[string]string) Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return b.Do(t, req)
}

// Cookie is the value of the cookie name the jar sends to path ("" if none).
func (b *Browser) Cookie(path, name string) string {
	u, err := url.Parse(b.Base + path)
	if err != nil {
		return ""
	}
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// SetCookie puts a cookie into the jar as if the server at path had set it.
func (b *Browser) SetCookie(path string, c *http.Cookie) {
	u, err := url.Parse(b.Base + path)
	if err != nil {
		panic(err)
	}
	b.Client.Jar.SetCookies(u, []*http.Cookie{c})
}

// HTML checks that a page has the status and is HTML, and returns it.
func HTML(t testing.TB, p Page, status int) Page {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status = %d, want %d: %s", p.Status, status, Excerpt(p.Body))
	}
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type = %q, want text/html", ct)
	}
	return p
}

// Redirect checks a 303 to location.
func Redirect(t testing.TB, p Page, location string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Location() != location {
		t.Fatalf("answer = %d %q, want 303 %q: %s", p.Status, p.Location(), location, Excerpt(p.Body))
	}
}

// Contains checks that the page has every text.
func Contains(t testing.TB, p Page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("page lacks %q: %s", s, Excerpt(p.Body))
		}
	}
}

// Lacks checks that the page has none of the texts.
func Lacks(t testing.TB, p Page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Errorf("page shows %q: %s", s, Excerpt(p.Body))
		}
	}
}

var tags = regexp.MustCompile(`(?s)<[^>]*>`)

// Excerpt is the visible text from the main part of a page on (at most
// 1,200 bytes), for failure messages.
func Excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	body = tags.ReplaceAllString(body, " ")
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 1200 {
		body = body[:1200] + "…"
	}
	return body
}
