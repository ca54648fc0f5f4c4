package portal_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gjj/channels/portal"
	"gjj/internal/app"
	"gjj/internal/core/deposit"
	"gjj/internal/demo"
	"gjj/internal/platform/config"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/reqctx"
	"gjj/internal/platform/testenv"
	"gjj/internal/platform/web"
)

// verifyApps runs f on a demo-seeded platform on SQLite and on MariaDB.
func verifyApps(t *testing.T, f func(t *testing.T, a *app.App)) {
	specs := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "gjj.db") },
		"mysql":  func(t *testing.T) string { return "mysql:" + dbtest.MySQLDatabase(t) },
	}
	for _, name := range []string{"sqlite", "mysql"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, err := app.Open(ctx, config.Config{Database: specs[name](t), Addr: ":0", LogLevel: "error", BodyLimit: "1M"},
				slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			if _, err := a.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
			f(t, a)
		})
	}
}

func get(e http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html")
	e.ServeHTTP(rec, req)
	return rec
}

// pdfReady reports whether the font and pdftotext are installed; without
// them the PDF checks are skipped, unless GJJ_TEST_REQUIRE lists "pdf".
func pdfReady(t *testing.T) bool {
	_, errTool := exec.LookPath("pdftotext")
	font := false
	for _, p := range deposit.FontCandidates {
		if _, err := os.Stat(p); err == nil {
			font = true
		}
	}
	if errTool == nil && font {
		return true
	}
	msg := "certificate PDF check needs pdftotext (poppler-utils) and fonts-lxgw-wenkai"
	if testenv.Required("pdf") {
		t.Fatal(msg)
	}
	t.Log(msg + ": PDF checks skipped")
	return false
}

func TestVerify(t *testing.T) {
	verifyApps(t, func(t *testing.T, a *app.App) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "staff:test", Channel: "counter"})
		emp := demo.Employees[0] // 王建国
		cert, err := a.Deposit.IssueCertificate(ctx, "", emp.AccountNo)
		if err != nil {
			t.Fatal(err)
		}
		revoked, err := a.Deposit.IssueCertificate(ctx, demo.UnitNo, demo.Employees[1].AccountNo)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Deposit.RevokeCertificate(ctx, revoked.CertNo, "出具错误"); err != nil {
			t.Fatal(err)
		}
		e := web.New(web.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		portal.Register(e)
		portal.RegisterVerify(e, a.Deposit)

		ct := cert.Content
		for _, path := range []string{"/verify/" + cert.VerifyCode, "/verify/" + strings.ToLower(cert.VerifyCode)} {
			rec := get(e, path)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=UTF-8" {
				t.Fatalf("%s: %d %s", path, rec.Code, body)
			}
			for _, want := range []string{"真实有效", "王*国", emp.AccountNo, demo.UnitName, cert.CertNo, ct.Balance.Format() + " 元",
				ct.PaidThrough.String()[:4] + "年" + ct.PaidThrough.String()[5:] + "月", ct.IssuedOn.String()[:4] + "年",
				`href="/verify/` + cert.VerifyCode + `/pdf"`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}
			for _, bad := range []string{"王建国", emp.IDNumber, "<script", "http://", "https://"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s shows %q", path, bad)
				}
			}
		}

		for _, path := range []string{"/verify/" + revoked.VerifyCode, "/verify/ABCDEFGHJKLMNPQR", "/verify/%3Cscript%3E"} {
			rec := get(e, path)
			body := rec.Body.String()
			if rec.Code != http.StatusNotFound || !strings.Contains(body, "未找到该证明，请核对验证码") || strings.Contains(body, "<script>") {
				t.Fatalf("%s: %d %s", path, rec.Code, body)
			}
			if rec := get(e, path+"/pdf"); rec.Code != http.StatusNotFound {
				t.Fatalf("%s/pdf: %d", path, rec.Code)
			}
		}

		// The form and its redirect.
		if rec := get(e, "/verify"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `action="/verify"`) {
			t.Fatalf("/verify: %d %s", rec.Code, rec.Body)
		}
		if rec := get(e, "/verify?code="+strings.ToLower(cert.VerifyCode[:8])+"-"+cert.VerifyCode[8:]); rec.Code != http.StatusSeeOther ||
			rec.Header().Get("Location") != "/verify/"+cert.VerifyCode {
			t.Fatalf("/verify?code=: %d %v", rec.Code, rec.Header())
		}
		if rec := get(e, "/verify?code=nonsense"); rec.Code != http.StatusNotFound {
			t.Fatalf("/verify?code=nonsense: %d", rec.Code)
		}

		// The PDF again.
		if !pdfReady(t) {
			return
		}
		rec := get(e, "/verify/"+cert.VerifyCode+"/pdf")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
			t.Fatalf("pdf: %d %v", rec.Code, rec.Header())
		}
		path := filepath.Join(t.TempDir(), "c.pdf")
		if err := os.WriteFile(path, rec.Body.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(out)), "")
		for _, want := range []string{"住房公积金缴存证明", "王建国", cert.CertNo, ct.IDNumberMasked, "/verify/" + cert.VerifyCode} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(text, emp.IDNumber) {
			t.Fatal("PDF shows the full ID number")
		}
	})
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"王建国": "王*国", "李明": "李*", "欧阳娜娜": "欧**娜", "张": "*", "": "",
		"买买提·艾力": "买**·*力"} {
		if got := portal.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}
