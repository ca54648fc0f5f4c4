package halltest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"gjj/channels/hallkit/halltest"
)

// TestBrowser: the browser keeps cookies, follows no redirect, picks up the
// CSRF token of a page and sends it with Post, without changing the caller's
// form.
func TestBrowser(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1", Path: "/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<main><form><input type="hidden" name="_csrf" value="tok-1"></form></main>`)
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		ck, _ := r.Cookie("sid")
		if ck == nil || r.PostFormValue("_csrf") != "tok-1" || r.Header.Get("Accept") != "text/html,application/xhtml+xml" {
			http.Error(w, "refused", http.StatusForbidden)
			return
		}
		http.Redirect(w, r, "/done?x="+r.PostFormValue("x"), http.StatusSeeOther)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	b := halltest.NewBrowser(t, srv.URL)
	p := halltest.HTML(t, b.Get(t, "/form"), http.StatusOK)
	if b.CSRF != "tok-1" || b.Cookie("/", "sid") != "s1" {
		t.Fatalf("token %q, cookie %q", b.CSRF, b.Cookie("/", "sid"))
	}
	halltest.Contains(t, p, `name="_csrf"`)
	halltest.Lacks(t, p, "refused")

	form := url.Values{"x": {"1"}}
	halltest.Redirect(t, b.Post(t, "/form", form), "/done?x=1")
	if _, ok := form["_csrf"]; ok {
		t.Error("Post changed the caller's form")
	}
	if p := b.Post(t, "/form", url.Values{"_csrf": {"other"}}); p.Status != http.StatusForbidden {
		t.Errorf("a form's own _csrf was replaced: %d", p.Status)
	}
	b.SetCookie("/", &http.Cookie{Name: "sid", Value: "s2", Path: "/"})
	if b.Cookie("/", "sid") != "s2" {
		t.Error("SetCookie did not replace the cookie")
	}
	if got := halltest.Excerpt("<head><title>x</title></head><main><h1>标题</h1>\n<p>正文</p></main>"); got != "标题 正文" {
		t.Errorf("Excerpt = %q", got)
	}
}
