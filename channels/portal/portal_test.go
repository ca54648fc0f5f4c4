package portal_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gjj/channels/portal"
	"gjj/internal/platform/web"
)

func TestPages(t *testing.T) {
	e := web.New(web.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	portal.Register(e)
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{"住房公积金", "缴存", "提取", "贷款", `href="/web/"`, `href="/unit/"`, `href="/admin/"`, `href="/api/"`,
			"网上业务大厅", "手机APP", "微信公众号", "12329", "自助终端"}},
		{"/api/", []string{"接口文档", "建设中", `href="/"`}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=UTF-8" {
				t.Fatalf("Content-Type = %q", ct)
			}
			body := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", tt.path, w)
				}
			}
			for _, bad := range []string{"http://", "https://", "<script"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s references %q (no CDN, no scripts)", tt.path, bad)
				}
			}
		})
	}
}
