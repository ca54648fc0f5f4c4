package portal

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
)

//go:embed templates/layout.html templates/verify.html
var verifyFiles embed.FS

var verifyPage = template.Must(template.ParseFS(verifyFiles, "templates/layout.html", "templates/verify.html"))

// verifyView is the data of the verification page. Found is false with a
// Code for "not found", and with no Code for the empty form.
type verifyView struct {
	Title       string
	Found       bool
	Code        string
	CertNo      string
	Name        string // masked: 王*国
	AccountNo   string
	UnitName    string
	PaidThrough string
	Balance     string
	IssuedOn    string
	Center      string
}

// RegisterVerify adds the public certificate verification (缴存证明核验)
// to e; anyone holding a certificate's verification code may use it, without
// logging in:
//
//   - GET /verify — a form asking for the code; /verify?code=… redirects to
//     /verify/<code> (the code normalised);
//   - GET /verify/:code — a page saying whether the certificate is genuine,
//     with its key facts (name masked, account, unit, paid-through month,
//     balance when issued, issue date), or 404 "未找到该证明，请核对验证码"
//     for an unknown or revoked certificate;
//   - GET /verify/:code/pdf — the certificate PDF rendered again
//     (deposit.Service.CertificatePDF); 404 as above, 503 when no font is
//     installed.
//
// Called once by the command wiring with the deposit service; it does not
// touch the routes Register adds.
func RegisterVerify(e *echo.Echo, svc *deposit.Service) {
	e.GET("/verify", func(c echo.Context) error {
		if raw := c.QueryParam("code"); raw != "" {
			if code := deposit.NormalizeVerifyCode(raw); code != "" {
				return c.Redirect(http.StatusSeeOther, "/verify/"+url.PathEscape(code))
			}
			return renderVerify(c, http.StatusNotFound, verifyView{Title: "证明核验", Code: shownCode(raw)})
		}
		return renderVerify(c, http.StatusOK, verifyView{Title: "证明核验"})
	})
	e.GET("/verify/:code", func(c echo.Context) error {
		raw := c.Param("code")
		cert, err := svc.Certificate(c.Request().Context(), raw)
		if errors.Is(err, deposit.ErrCertificateNotFound) {
			return renderVerify(c, http.StatusNotFound, verifyView{Title: "证明核验", Code: shownCode(raw)})
		}
		if err != nil {
			return err
		}
		ct := cert.Content
		return renderVerify(c, http.StatusOK, verifyView{Title: "证明核验", Found: true, Code: cert.VerifyCode, CertNo: cert.CertNo,
			Name: MaskName(ct.Name), AccountNo: ct.AccountNo, UnitName: ct.UnitName, PaidThrough: cnMonth(ct.PaidThrough),
			Balance: ct.Balance.Format() + " 元", IssuedOn: cnDate(ct.IssuedOn), Center: ct.Center})
	})
	e.GET("/verify/:code/pdf", func(c echo.Context) error {
		ctx := c.Request().Context()
		cert, err := svc.Certificate(ctx, c.Param("code"))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := svc.CertificatePDF(ctx, cert, &buf); err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`inline; filename="certificate-%s.pdf"`, cert.CertNo))
		h.Set(echo.HeaderCacheControl, "no-store")
		h.Set("X-Robots-Tag", "noindex")
		return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
	})
}

// renderVerify executes the page fully before writing (a template error is a
// clean 500). Verification pages are never cached or indexed.
func renderVerify(c echo.Context, status int, v verifyView) error {
	var buf bytes.Buffer
	if err := verifyPage.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("X-Robots-Tag", "noindex")
	return c.HTMLBlob(status, buf.Bytes())
}

// shownCode is the code as typed, cut to a sane length for echoing back.
func shownCode(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 24 {
		s = string([]rune(s)[:24]) + "…"
	}
	return s
}

// MaskName hides a person's name for public pages: the first and last
// characters stay and the others become "*" (王建国 → 王*国, 欧阳娜娜 → 欧**娜);
// a two-character name keeps its first (李明 → 李*), one character is "*". A
// middle dot (·) in minority and foreign names is kept.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	out := make([]rune, len(r))
	for i, ch := range r {
		switch {
		case i == 0 || i == len(r)-1 || ch == '·' || ch == '•':
			out[i] = ch
		default:
			out[i] = '*'
		}
	}
	return string(out)
}

func cnDate(d date.Date) string {
	if d.IsZero() {
		return "—"
	}
	return fmt.Sprintf("%d年%02d月%02d日", d.Year(), int(d.Month()), d.Day())
}

func cnMonth(m date.Month) string {
	if m.IsZero() {
		return "—"
	}
	return fmt.Sprintf("%d年%02d月", m.Year(), int(m.Month()))
}
