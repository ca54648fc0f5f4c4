package deposit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boombuler/barcode/qr"
	"github.com/signintech/gopdf"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/pdfkit"
	"gjj/internal/policy"
)

// Errors of deposit certificates (in addition to errors.go).
var (
	ErrCertificateNotFound = errs.New(errs.NotFound, "deposit.certificate_not_found", "未找到该证明，请核对验证码")
	ErrCertificateRevoked  = errs.New(errs.Conflict, "deposit.certificate_revoked", "该证明已作废")
	ErrPDFFontMissing      = errs.New(errs.Unavailable, "deposit.pdf_font_missing",
		"未找到生成证明所需的中文字体，请安装 fonts-lxgw-wenkai 或用 GJJ_PDF_FONT 指定一个 TrueType (.ttf) 中文字体文件")
	ErrPDFGlyphMissing = errs.New(errs.Unavailable, "deposit.pdf_glyph_missing", "证明字体缺少部分汉字，无法正确打印，请更换字体后重试")
)

// IssuingCenter is the name of the issuing center printed on certificates
// (出具机构). Deployments set it once at start-up, before serving.
var IssuingCenter = "住房公积金管理中心"

// VerifyBaseURL is the public site root printed on certificates for
// verification ("可登录 <VerifyBaseURL>/verify/<code> 核验"), without a trailing
// slash. Deployments set it once at start-up; it is never taken from a
// request's Host header (which a client controls).
var VerifyBaseURL = "https://gjj.example.gov.cn"

// PDFFontPath is the TrueType font used by CertificatePDF; the wiring sets it
// from GJJ_PDF_FONT. Empty means the first existing file of FontCandidates.
var PDFFontPath = ""

// FontCandidates are the font files probed when no font path is configured:
// TrueType (glyf) fonts with full CJK and Latin coverage. .ttc collections and
// CFF-based OpenType fonts (e.g. Noto Sans CJK) cannot be embedded by gopdf.
var FontCandidates = []string{
	"/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
}

// Certificate is an issued deposit certificate (缴存证明).
type Certificate struct {
	CertNo      string             `json:"cert_no"`     // 证明编号
	VerifyCode  string             `json:"verify_code"` // 验证码 (public verification)
	AccountNo   string             `json:"account_no"`
	IssuedOn    date.Date          `json:"issued_on"` // business date
	IssuedAt    time.Time          `json:"issued_at"`
	IssuedBy    string             `json:"-"`
	ContentHash string             `json:"content_hash"` // SHA-256 hex of the canonical content JSON
	Content     CertificateContent `json:"content"`
	RevokedAt   *time.Time         `json:"revoked_at,omitempty"`
}

// CertificateContent is what a certificate states. Its JSON (json.Marshal of
// this struct: fixed field order, no maps) is the canonical form stored in
// certificate.content and hashed into content_hash. It never holds the full
// ID number.
type CertificateContent struct {
	CertNo            string     `json:"cert_no"`              // 证明编号
	Name              string     `json:"name"`                 // 姓名
	IDTypeName        string     `json:"id_type_name"`         // 证件类型
	IDNumberMasked    string     `json:"id_number_masked"`     // 证件号码（部分隐藏）
	AccountNo         string     `json:"account_no"`           // 个人账号
	UnitNo            string     `json:"unit_no"`              // 单位账号
	UnitName          string     `json:"unit_name"`            // 单位名称
	OpenedOn          date.Date  `json:"opened_on"`            // 开户日期
	Status            string     `json:"status"`               // 账户状态 (GRZHZT code)
	StatusName        string     `json:"status_name"`          // 账户状态 name
	Base              money.Fen  `json:"base_fen"`             // 缴存基数
	UnitRatio         string     `json:"unit_ratio"`           // 单位缴存比例, e.g. "12%"
	PersonalRatio     string     `json:"personal_ratio"`       // 个人缴存比例
	UnitMonthly       money.Fen  `json:"unit_monthly_fen"`     // 月缴存额 unit part
	PersonalMonthly   money.Fen  `json:"personal_monthly_fen"` // 月缴存额 personal part
	Monthly           money.Fen  `json:"monthly_fen"`          // 月缴存额 (0 unless status 01)
	Rounding          string     `json:"rounding"`             // deposit.rounding in force
	PaidThrough       date.Month `json:"paid_through"`         // 缴至年月 ("" = never paid)
	Balance           money.Fen  `json:"balance_fen"`          // 账户余额 on the issue date
	StartMonth        date.Month `json:"start_month"`          // 缴存起始年月
	ConsecutiveMonths int        `json:"consecutive_months"`   // 连续缴存月数 (see IssueCertificate)
	Center            string     `json:"center"`               // 出具机构
	IssuedOn          date.Date  `json:"issued_on"`            // 出具日期
}

// certificateRow is a certificate table row.
type certificateRow struct {
	ID          int64      `db:"id"`
	CertNo      string     `db:"cert_no"`
	VerifyCode  string     `db:"verify_code"`
	EmployeeID  int64      `db:"employee_account_id"`
	AccountNo   string     `db:"account_no"`
	IssuedOn    date.Date  `db:"issued_on"`
	IssuedAt    time.Time  `db:"issued_at"`
	IssuedBy    string     `db:"issued_by"`
	ContentHash string     `db:"content_hash"`
	Content     string     `db:"content"`
	RevokedAt   *time.Time `db:"revoked_at"`
}

const certCols = `id, cert_no, verify_code, employee_account_id, account_no, issued_on, issued_at, issued_by, content_hash, content, revoked_at`

// verifyAlphabet leaves out the look-alikes 0/O and 1/I: 32 symbols, so a
// random byte maps to one symbol without bias (256 = 8 × 32) and 16 symbols
// carry 80 bits.
const verifyAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// verifyCodeLen is the length of a verification code.
const verifyCodeLen = 16

// newVerifyCode returns a random verification code from crypto/rand.
func newVerifyCode() (string, error) {
	var b [verifyCodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	for i := range b {
		b[i] = verifyAlphabet[b[i]&31]
	}
	return string(b[:]), nil
}

// NormalizeVerifyCode upper-cases a verification code as typed by a person and
// drops spaces and hyphens; it returns "" when the result cannot be a code.
func NormalizeVerifyCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(s)))
	if len(s) != verifyCodeLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(verifyAlphabet, rune(s[i])) {
			return ""
		}
	}
	return s
}

// maxCertSeq is the largest daily sequence of a certificate number.
const maxCertSeq = 999_999

// IssueCertificate issues a deposit certificate (缴存证明) for an employee
// account as of the business date and returns it; render it with
// CertificatePDF. A unit agent (unit hall, unit API) passes its unit number
// and may only certify its own employees (ErrNotYourEmployee); staff and the
// account holder (personal channels, after checking the account is the
// caller's) pass unitNo "".
//
// The certificate states the account as it is now: name, masked ID number,
// account, unit, opening date, status, base, ratios, the monthly amount (unit
// and personal parts each rounded by Contribution in the deposit.rounding
// mode in force on the first day of the business month — 0 unless the account
// is 01 正常, since only those accounts are billed), paid-through month,
// balance, start month and the number of consecutive months contributed.
//
// 连续缴存月数 counts back from paid_through: a month counts while it is not
// before start_month and either the account has a line for it on a posted
// 汇缴/补缴 bill, or it is before the platform's first bill for the account —
// the earlier of the first posted 汇缴 month of the account's unit and the
// account's own first posted 汇缴 month (a 补缴 reaching back into earlier
// years does not move it) — because months before that were migrated from
// the previous system, where paid_through ≥ month is the only record. The
// first month (going back) without either ends the run. An account never paid
// (paid_through "") has 0 months.
//
// cert_no is "ZM" + business date (YYYYMMDD) + a 6-digit daily sequence; the
// verification code is 16 symbols from crypto/rand. One transaction writes
// the certificate and its audit record (deposit.certificate_issue).
//
// Errors: ErrInvalidInput (no account number), ErrEmployeeNotFound,
// ErrNotYourEmployee, ErrEmployeeStatus (03/04/05 closed accounts), Conflict
// deposit.certificate_daily_limit (a million certificates in one day).
func (s *Service) IssueCertificate(ctx context.Context, unitNo, accountNo string) (*Certificate, error) {
	accountNo = strings.TrimSpace(accountNo)
	if accountNo == "" {
		return nil, remitErr(ErrInvalidInput, "请填写个人账号").With("field", "account_no")
	}
	// Policy and code-table reads go through the pool, before the
	// transaction; the transaction checks the business date they were read
	// for is still the business date and starts over when it moved.
	for attempt := 0; ; attempt++ {
		ref, err := s.certReference(ctx)
		if err != nil {
			return nil, err
		}
		var out *Certificate
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			out = nil
			c, err := s.issueCertificateTx(ctx, tx, unitNo, accountNo, ref)
			out = c
			return err
		})
		if errors.Is(err, errDateMoved) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

var errDateMoved = errors.New("deposit: business date changed during certificate issue")

// certRef is what a certificate reads outside its transaction.
type certRef struct {
	today      date.Date
	rounding   string
	statusName map[string]string
	idTypeName map[string]string
}

func (s *Service) certReference(ctx context.Context) (*certRef, error) {
	today, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	r := &certRef{today: today}
	if r.rounding, err = s.policy.String(ctx, policy.DepositRounding, today.MonthOf().First()); err != nil {
		return nil, err
	}
	if r.statusName, err = s.codeNamesOn(ctx, policy.TableGRZHZT, today); err != nil {
		return nil, err
	}
	if r.idTypeName, err = s.codeNamesOn(ctx, policy.TableZJLX, today); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Service) codeNamesOn(ctx context.Context, table string, on date.Date) (map[string]string, error) {
	items, err := s.policy.CodeTable(ctx, table, on)
	if err != nil {
		return nil, fmt.Errorf("code table %s: %w", table, err)
	}
	m := make(map[string]string, len(items))
	for _, it := range items {
		m[it.Code] = it.Name
	}
	return m, nil
}

func (s *Service) issueCertificateTx(ctx context.Context, tx *db.Tx, unitNo, accountNo string, ref *certRef) (*Certificate, error) {
	e, err := lockEmployee(ctx, tx, accountNo)
	if err != nil {
		return nil, err
	}
	var u Unit
	if err := tx.GetContext(ctx, &u, `SELECT `+unitCols+` FROM unit WHERE id = ?`, e.UnitID); err != nil {
		return nil, fmt.Errorf("read unit of %s: %w", accountNo, err)
	}
	if unitNo != "" && u.UnitNo != unitNo {
		return nil, ErrNotYourEmployee.With("account_no", accountNo)
	}
	if e.Closed() {
		return nil, remitErr(ErrEmployeeStatus, "个人账户 %s 已销户（状态 %s %s），不能出具缴存证明", accountNo, e.Status, ref.statusName[e.Status]).
			With("account_no", accountNo).With("status", e.Status)
	}
	today, err := s.dates.TodayTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	if today != ref.today {
		return nil, errDateMoved
	}
	months, err := consecutiveMonths(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	content := CertificateContent{
		Name: e.Name, IDTypeName: ref.idTypeName[e.IDType], IDNumberMasked: ident.MaskIDNumber(e.IDNumber),
		AccountNo: e.AccountNo, UnitNo: u.UnitNo, UnitName: u.Name, OpenedOn: e.OpenedOn,
		Status: e.Status, StatusName: ref.statusName[e.Status], Base: e.Base,
		UnitRatio: policy.FormatBps(u.UnitBps), PersonalRatio: policy.FormatBps(u.PersonBps), Rounding: ref.rounding,
		PaidThrough: e.PaidThrough, Balance: e.Balance, StartMonth: e.StartMonth, ConsecutiveMonths: months,
		Center: IssuingCenter, IssuedOn: today,
	}
	if content.StatusName == "" {
		content.StatusName = e.Status
	}
	if e.Status == EmpNormal {
		if content.UnitMonthly, err = Contribution(e.Base, u.UnitBps, ref.rounding); err != nil {
			return nil, err
		}
		if content.PersonalMonthly, err = Contribution(e.Base, u.PersonBps, ref.rounding); err != nil {
			return nil, err
		}
		if content.Monthly, err = money.Add(content.UnitMonthly, content.PersonalMonthly); err != nil {
			return nil, err
		}
	}
	c, err := insertCertificate(ctx, tx, e, content)
	if err != nil {
		return nil, err
	}
	c.IssuedBy = actorID(ctx)
	if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "deposit.certificate_issue", Object: "employee:" + e.AccountNo,
		After: audit.Summary(map[string]any{"cert_no": c.CertNo, "issued_on": c.IssuedOn.String(), "content_hash": c.ContentHash})}); err != nil {
		return nil, err
	}
	return c, nil
}

// maxNumberTries bounds how often one transaction moves on to the next
// certificate number after finding it taken.
const maxNumberTries = 50

// insertCertificate numbers, hashes and inserts the certificate of content's
// business date. The number is the day's highest + 1 as this transaction sees
// it; when a concurrent transaction took it (a unique-key error, which on
// MariaDB and SQLite fails only the statement) the next number is tried in the
// same transaction, so concurrent issues queue instead of failing.
func insertCertificate(ctx context.Context, tx *db.Tx, e *Employee, content CertificateContent) (*Certificate, error) {
	today := content.IssuedOn
	prefix := "ZM" + today.Time().Format("20060102")
	var last []string
	if err := tx.SelectContext(ctx, &last, `SELECT cert_no FROM certificate WHERE cert_no >= ? AND cert_no <= ?
		ORDER BY cert_no DESC LIMIT 1`, prefix+"000000", prefix+"999999"); err != nil {
		return nil, fmt.Errorf("last certificate number: %w", err)
	}
	seq := 1
	if len(last) > 0 {
		n, err := strconv.Atoi(strings.TrimPrefix(last[0], prefix))
		if err != nil {
			return nil, fmt.Errorf("certificate number %q: %w", last[0], err)
		}
		seq = n + 1
	}
	for try := 1; ; try++ {
		if seq > maxCertSeq {
			return nil, errs.Newf(errs.Conflict, "deposit.certificate_daily_limit", "%s 出具的缴存证明已达每日上限 %d 份，请次日再办理", today, maxCertSeq).
				With("issued_on", today.String())
		}
		content.CertNo = fmt.Sprintf("%s%06d", prefix, seq)
		code, err := newVerifyCode()
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(content)
		if err != nil {
			return nil, fmt.Errorf("encode certificate content: %w", err)
		}
		sum := sha256.Sum256(raw)
		c := &Certificate{CertNo: content.CertNo, VerifyCode: code, AccountNo: e.AccountNo, IssuedOn: today, IssuedAt: db.Now(),
			ContentHash: hex.EncodeToString(sum[:]), Content: content}
		_, err = tx.ExecContext(ctx, `INSERT INTO certificate (cert_no, verify_code, employee_account_id, account_no, issued_on, issued_at,
			issued_by, content_hash, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.CertNo, c.VerifyCode, e.ID, c.AccountNo, c.IssuedOn, c.IssuedAt, actorID(ctx), c.ContentHash, string(raw))
		switch {
		case db.IsDuplicate(err) && try < maxNumberTries:
			seq++ // taken by a concurrent issue (or, once in 2^80, the code)
		case db.IsDuplicate(err):
			return nil, fmt.Errorf("%w: certificate numbers of %s taken concurrently", db.ErrRetry, today)
		case err != nil:
			return nil, fmt.Errorf("insert certificate: %w", err)
		default:
			return c, nil
		}
	}
}

// Certificate returns the certificate with the verification code for public
// verification (anyone holding the code: the verify page, a lending center).
// The code is normalised (case, spaces, hyphens). A revoked certificate, an
// unknown or malformed code are all ErrCertificateNotFound; a row whose
// content no longer matches its hash is an internal error, never "genuine".
func (s *Service) Certificate(ctx context.Context, verifyCode string) (*Certificate, error) {
	code := NormalizeVerifyCode(verifyCode)
	if code == "" {
		return nil, ErrCertificateNotFound
	}
	var row certificateRow
	err := s.db.GetContext(ctx, &row, `SELECT `+certCols+` FROM certificate WHERE verify_code = ? AND revoked_at IS NULL`, code)
	if db.NoRows(err) {
		return nil, ErrCertificateNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	return row.certificate()
}

// certificate decodes a row, checking the content against its hash.
func (r *certificateRow) certificate() (*Certificate, error) {
	sum := sha256.Sum256([]byte(r.Content))
	if hex.EncodeToString(sum[:]) != r.ContentHash {
		return nil, errs.Newf(errs.Internal, "deposit.certificate_corrupt", "证明 %s 的内容与其摘要不符", r.CertNo).
			With("cert_no", r.CertNo)
	}
	c := &Certificate{CertNo: r.CertNo, VerifyCode: r.VerifyCode, AccountNo: r.AccountNo, IssuedOn: r.IssuedOn, IssuedAt: r.IssuedAt,
		IssuedBy: r.IssuedBy, ContentHash: r.ContentHash, RevokedAt: r.RevokedAt}
	if err := json.Unmarshal([]byte(r.Content), &c.Content); err != nil {
		return nil, fmt.Errorf("decode certificate %s: %w", r.CertNo, err)
	}
	if c.Content.CertNo != r.CertNo || c.Content.AccountNo != r.AccountNo {
		return nil, errs.Newf(errs.Internal, "deposit.certificate_corrupt", "证明 %s 的内容与其记录不符", r.CertNo).
			With("cert_no", r.CertNo)
	}
	return c, nil
}

// RevokeCertificate revokes (作废) a certificate, e.g. one issued in error or
// reported forged-upon; its verification code then answers "not found". Staff
// only; the reason (1–100 characters) goes into the audit record.
//
// Errors: ErrInvalidInput, ErrCertificateNotFound, ErrCertificateRevoked.
func (s *Service) RevokeCertificate(ctx context.Context, certNo, reason string) (*Certificate, error) {
	certNo, reason = strings.TrimSpace(certNo), strings.TrimSpace(reason)
	if certNo == "" {
		return nil, remitErr(ErrInvalidInput, "请填写证明编号").With("field", "cert_no")
	}
	if n := utf8.RuneCountInString(reason); n == 0 || n > 100 {
		return nil, remitErr(ErrInvalidInput, "请填写作废原因（1–100 个字）").With("field", "reason")
	}
	var out *Certificate
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		out = nil
		var row certificateRow
		err := tx.GetContext(ctx, &row, `SELECT `+certCols+` FROM certificate WHERE cert_no = ?`+tx.Dialect.ForUpdate(), certNo)
		if db.NoRows(err) {
			return ErrCertificateNotFound.With("cert_no", certNo)
		}
		if err != nil {
			return fmt.Errorf("lock certificate %s: %w", certNo, err)
		}
		if row.RevokedAt != nil {
			return remitErr(ErrCertificateRevoked, "证明 %s 已于 %s 作废", certNo, row.RevokedAt.Format(time.DateOnly)).With("cert_no", certNo)
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE certificate SET revoked_at = ? WHERE id = ?`, now, row.ID); err != nil {
			return fmt.Errorf("revoke certificate %s: %w", certNo, err)
		}
		row.RevokedAt = &now
		c, err := row.certificate()
		if err != nil {
			return err
		}
		out = c
		_, err = s.audit.Append(ctx, tx, audit.Record{Action: "deposit.certificate_revoke", Object: "certificate:" + certNo,
			Before: audit.Summary(map[string]any{"revoked": false}),
			After:  audit.Summary(map[string]any{"revoked": true, "reason": reason, "account_no": row.AccountNo})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// PDF rendering

// PDFOptions configures RenderCertificatePDF.
type PDFOptions struct {
	// FontPath is a TrueType (glyf) .ttf with CJK and Latin glyphs; ""
	// probes FontCandidates.
	FontPath string
	// BaseURL is the public site root for the verification line; "" uses
	// VerifyBaseURL.
	BaseURL string
}

// CertificatePDF renders c as a one-page A4 PDF to w with PDFFontPath (or the
// first of FontCandidates) and VerifyBaseURL. Any channel holding a
// certificate may call it (the issuing channel right after
// IssueCertificate, the verify page for a re-download).
//
// Errors: ErrPDFFontMissing (Unavailable) when no usable font is found,
// ErrPDFGlyphMissing when the font lacks a character of the content.
func (s *Service) CertificatePDF(ctx context.Context, c *Certificate, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return RenderCertificatePDF(c, w, PDFOptions{FontPath: PDFFontPath, BaseURL: VerifyBaseURL})
}

// Page geometry (points, A4 portrait).
const (
	pageW    = pdfkit.PageW
	pageH    = pdfkit.PageH
	marginX  = 62.0
	contentW = pageW - 2*marginX
)

// RenderCertificatePDF renders c as a one-page A4 PDF to w. It never panics:
// a failure inside the PDF library is returned as an error.
//
// Errors: ErrPDFFontMissing, ErrPDFGlyphMissing, write errors.
func RenderCertificatePDF(c *Certificate, w io.Writer, opt PDFOptions) (err error) {
	if c == nil {
		return errors.New("deposit: no certificate to render")
	}
	font, fontPath, err := pdfkit.LoadFont(opt.FontPath, FontCandidates)
	if err != nil {
		var fe *pdfkit.FontError
		errors.As(err, &fe)
		return ErrPDFFontMissing.With("font_paths", strings.Join(fe.Paths, ", "))
	}
	base := strings.TrimRight(opt.BaseURL, "/")
	if base == "" {
		base = strings.TrimRight(VerifyBaseURL, "/")
	}
	defer pdfkit.Recover(&err, "deposit: render certificate "+c.CertNo)
	doc, err := pdfkit.New(pdfkit.Info{Title: "住房公积金缴存证明 " + c.CertNo, Author: c.Content.Center, Subject: "住房公积金缴存证明",
		Created: c.IssuedAt}, font)
	if err != nil {
		return ErrPDFFontMissing.With("font_path", fontPath).Wrap(err)
	}
	r := &certPDF{Doc: doc}
	r.PDF.AddPage()
	if err := r.draw(c, base); err != nil {
		return err
	}
	if chars := r.Missing(); chars != "" {
		return ErrPDFGlyphMissing.With("chars", chars).With("font_path", fontPath)
	}
	return r.Output(w)
}

// certPDF draws one certificate page (pdfkit.Doc: the first drawing error
// sticks).
type certPDF struct {
	*pdfkit.Doc
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

func yuan(f money.Fen) string { return f.Format() + " 元" }

// certRows are the label/value rows of the certificate table.
func certRows(c *CertificateContent) [][2]string {
	idLabel := "证件号码"
	if c.IDTypeName != "" && c.IDTypeName != "身份证" {
		idLabel = "证件号码（" + c.IDTypeName + "）"
	}
	monthly := yuan(c.Monthly)
	if c.Status == EmpNormal {
		monthly += "（单位 " + yuan(c.UnitMonthly) + " + 个人 " + yuan(c.PersonalMonthly) + "）"
	} else {
		monthly += "（账户" + c.StatusName + "，当前未缴存）"
	}
	span := "—"
	if !c.PaidThrough.IsZero() {
		span = cnMonth(c.StartMonth) + " 至 " + cnMonth(c.PaidThrough)
	}
	return [][2]string{
		{"姓名", c.Name},
		{idLabel, c.IDNumberMasked},
		{"个人账号", c.AccountNo},
		{"单位名称", c.UnitName},
		{"开户日期", cnDate(c.OpenedOn)},
		{"账户状态", c.StatusName},
		{"缴存基数", yuan(c.Base)},
		{"单位缴存比例", c.UnitRatio},
		{"个人缴存比例", c.PersonalRatio},
		{"月缴存额", monthly},
		{"缴至年月", cnMonth(c.PaidThrough)},
		{"账户余额", yuan(c.Balance) + "（截至 " + cnDate(c.IssuedOn) + "）"},
		{"缴存起止年月", span},
		{"连续缴存月数", strconv.Itoa(c.ConsecutiveMonths) + " 个月"},
	}
}

func (r *certPDF) draw(c *Certificate, base string) error {
	p := r.PDF
	ct := &c.Content
	verifyURL := base + "/verify/" + c.VerifyCode

	// Double frame.
	r.Color(60, 60, 60)
	p.SetLineWidth(1.6)
	p.RectFromUpperLeftWithStyle(28, 28, pageW-56, pageH-56, "D")
	p.SetLineWidth(0.5)
	p.RectFromUpperLeftWithStyle(33, 33, pageW-66, pageH-66, "D")

	// Title with a red double rule under it.
	r.Color(0, 0, 0)
	r.Font(25)
	if r.Err() == nil {
		r.Fail(p.SetCharSpacing(3))
	}
	r.Box(marginX, 60, contentW, 34, "住房公积金缴存证明", gopdf.Center|gopdf.Middle)
	if r.Err() == nil {
		r.Fail(p.SetCharSpacing(0))
	}
	r.Color(170, 25, 25)
	p.SetLineWidth(1.4)
	p.Line(marginX+95, 101, pageW-marginX-95, 101)
	p.SetLineWidth(0.5)
	p.Line(marginX+95, 104.5, pageW-marginX-95, 104.5)

	r.Color(0, 0, 0)
	r.Font(10.5)
	r.Box(marginX, 112, contentW, 16, "证明编号："+ct.CertNo, gopdf.Right|gopdf.Middle)

	// Opening sentence.
	r.Font(12)
	y := 138.0
	intro := "兹证明下列职工在" + ct.Center + "开立住房公积金个人账户，截至" + cnDate(ct.IssuedOn) + "缴存情况如下："
	for i, ln := range r.wrap(intro, contentW-24) {
		x := marginX + 24
		if i > 0 {
			x = marginX
		}
		r.Text(x, y, ln)
		y += 19
	}
	y += 5

	// Table: label | value, every line drawn explicitly.
	const labelW, padX, lineH, minRowH = 112.0, 10.0, 16.0, 24.0
	valueW := contentW - labelW
	r.Font(11.5)
	top := y
	p.SetLineWidth(0.5)
	for i, row := range certRows(ct) {
		lines := r.wrap(row[1], valueW-2*padX)
		h := max(minRowH, float64(len(lines))*lineH+8)
		r.Color(243, 243, 243)
		p.RectFromUpperLeftWithStyle(marginX, y, labelW, h, "F")
		r.Color(0, 0, 0)
		if i > 0 {
			p.Line(marginX, y, marginX+contentW, y)
		}
		r.Box(marginX, y, labelW, h, row[0], gopdf.Center|gopdf.Middle)
		ty := y + (h-float64(len(lines))*lineH)/2
		for _, ln := range lines {
			r.Box(marginX+labelW+padX, ty, valueW-2*padX, lineH, ln, gopdf.Left|gopdf.Middle)
			ty += lineH
		}
		y += h
	}
	p.Line(marginX+labelW, top, marginX+labelW, y)
	p.SetLineWidth(1.1)
	p.RectFromUpperLeftWithStyle(marginX, top, contentW, y-top, "D")

	// Closing, issuer and seal.
	r.Font(12)
	r.Text(marginX+24, y+14, "特此证明。")
	iy := y + 50
	r.Font(12.5)
	r.Box(pageW-marginX-240, iy, 220, 20, ct.Center, gopdf.Right|gopdf.Middle)
	r.Box(pageW-marginX-240, iy+24, 220, 20, cnDate(ct.IssuedOn), gopdf.Right|gopdf.Middle)
	r.seal(pageW-marginX-20-r.Width(ct.Center)/2, iy+22, 46, ct.Center)

	// Footer: notes and verification, anchored to the bottom of the frame.
	fy := pageH - 33 - 118.0
	r.Color(90, 90, 90)
	p.SetLineWidth(0.4)
	p.Line(marginX, fy, pageW-marginX, fy)
	const qrSide = 74.0
	textW := contentW - qrSide - 14
	r.Font(8.5)
	r.Color(70, 70, 70)
	ny := fy + 8
	label := "说明："
	indent := r.Width(label)
	for i, n := range []string{
		"本证明所载信息以出具日" + ct.Center + "的记录为准；出具后账户发生变动的，以最新记录为准。",
		"为保护个人信息，证件号码已作部分隐藏处理。",
		"本证明可通过下方验证码或二维码核验真伪，核验结果与本证明不一致的，以核验结果为准。",
	} {
		num := strconv.Itoa(i+1) + ". "
		if i == 0 {
			r.Text(marginX, ny, label)
		}
		for j, ln := range r.wrap(n, textW-indent-r.Width(num)) {
			if j == 0 {
				r.Text(marginX+indent, ny, num)
			}
			r.Text(marginX+indent+r.Width(num), ny, ln)
			ny += 12
		}
	}
	r.Color(0, 0, 0)
	r.Font(10)
	r.Text(marginX, ny+6, "证明编号："+ct.CertNo+"    验证码："+c.VerifyCode)
	// The verification line stays on one line (smaller type for a long
	// base URL) and wraps only when even 7 pt does not fit.
	line, size := "可登录 "+verifyURL+" 核验", 10.0
	for r.Width(line) > textW && size > 7 {
		size -= 0.5
		r.Font(size)
	}
	ly := ny + 22
	for _, ln := range r.wrap(line, textW) {
		r.Text(marginX, ly, ln)
		ly += size + 3
	}
	r.Font(7.5)
	r.Color(110, 110, 110)
	r.Text(marginX, max(ly+5, ny+40), "内容摘要（SHA-256）："+c.ContentHash)
	r.qr(verifyURL, pageW-marginX-qrSide, fy+10, qrSide)
	return r.Err()
}

// wrap breaks s into lines no wider than w. Runs of Latin letters, digits and
// URL punctuation stay together unless longer than a line; closing
// punctuation never starts a line (it hangs past the edge) and opening
// punctuation never ends one.
func (r *certPDF) wrap(s string, w float64) []string {
	if r.Width(s) <= w {
		return []string{s}
	}
	var tokens []string
	for rest := s; rest != ""; {
		ch, n := utf8.DecodeRuneInString(rest)
		if isWordByte(ch) {
			k := wordEnd(rest)
			tokens = append(tokens, rest[:k])
			rest = rest[k:]
			continue
		}
		tokens = append(tokens, rest[:n])
		rest = rest[n:]
	}
	var lines []string
	cur := ""
	for _, t := range tokens {
		first, _ := utf8.DecodeRuneInString(t)
		switch {
		case cur == "":
			cur = t
		case r.Width(cur+t) <= w || strings.ContainsRune(noLineStart, first):
			cur += t
		default:
			// Do not end a line with an opening bracket.
			last, n := utf8.DecodeLastRuneInString(cur)
			carry := ""
			if strings.ContainsRune(noLineEnd, last) && len(cur) > n {
				cur, carry = cur[:len(cur)-n], cur[len(cur)-n:]
			}
			lines = append(lines, strings.TrimRight(cur, " "))
			cur = strings.TrimLeft(carry+t, " ")
		}
		for r.Err() == nil && r.Width(cur) > w && utf8.RuneCountInString(cur) > 1 && isLongWord(cur) {
			// A single Latin run wider than the line: cut it by runes.
			cut := len(cur)
			for cut > 1 && r.Width(cur[:cut]) > w {
				_, n := utf8.DecodeLastRuneInString(cur[:cut])
				cut -= n
			}
			lines = append(lines, cur[:cut])
			cur = cur[cut:]
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

const (
	noLineStart = "，。、；：？！）》」』”’％%,.;:?!)]"
	noLineEnd   = "（《「『“‘([ "
)

func isWordByte(ch rune) bool {
	return ch < utf8.RuneSelf && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
		strings.ContainsRune("/.:-_?=&%#*+,", ch))
}

// wordEnd returns the length of the unbreakable run at the start of s: Latin
// letters, digits and URL punctuation, with a number's unit (年月日号元个) and
// the number after it kept together, so "2026年11月21日" never breaks.
func wordEnd(s string) int {
	k := 0
	for k < len(s) {
		if isWordByte(rune(s[k])) {
			k++
			continue
		}
		ch, n := utf8.DecodeRuneInString(s[k:])
		if k > 0 && s[k-1] >= '0' && s[k-1] <= '9' && strings.ContainsRune("年月日号元个", ch) {
			k += n
			continue
		}
		break
	}
	return k
}

func isLongWord(s string) bool {
	for _, ch := range s {
		if !isWordByte(ch) {
			return false
		}
	}
	return true
}

// seal draws the center's round red seal (a visual mark, not a digital
// signature): a ring, a five-pointed star, the center's name along the upper
// arc and "证明专用章" below the star.
func (r *certPDF) seal(cx, cy, radius float64, name string) {
	if r.Err() != nil {
		return
	}
	p := r.PDF
	if err := p.SetTransparency(gopdf.Transparency{Alpha: 0.82, BlendModeType: gopdf.Multiply}); err != nil {
		r.Fail(err)
		return
	}
	defer p.ClearTransparency()
	r.Color(205, 30, 30)
	p.SetLineWidth(2.6)
	p.Oval(cx-radius, cy-radius, cx+radius, cy+radius)
	p.SetLineWidth(0.7)
	p.Oval(cx-radius+4.5, cy-radius+4.5, cx+radius-4.5, cy+radius-4.5)
	// Star.
	const outer, inner = 13.0, 5.2
	var pts []gopdf.Point
	for i := range 10 {
		rad := outer
		if i%2 == 1 {
			rad = inner
		}
		a := float64(i) * 36 * degToRad
		pts = append(pts, gopdf.Point{X: cx + rad*sinF(a), Y: cy - rad*cosF(a)})
	}
	p.Polygon(pts, "F")
	// Name along the arc, centred on the top.
	chars := []rune(name)
	n := len(chars)
	if n > 0 {
		size := 10.5
		if n > 12 {
			size = 9
		}
		r.Font(size)
		span := min(250.0, float64(n)*21)
		for i, ch := range chars {
			ang := -span/2 + span*(float64(i)+0.5)/float64(n)
			a := ang * degToRad
			tr := radius - 8 - size*0.5
			x, y := cx+tr*sinF(a), cy-tr*cosF(a)
			p.Rotate(-ang, x, y)
			r.Box(x-size/2, y-size/2, size, size, string(ch), gopdf.Center|gopdf.Middle)
			p.RotateReset()
		}
	}
	r.Font(7.5)
	r.Box(cx-30, cy+15, 60, 10, "证明专用章", gopdf.Center|gopdf.Middle)
}

// qr draws the verification URL as a QR code (vector modules) at x, y with
// the given side length.
func (r *certPDF) qr(text string, x, y, side float64) {
	if r.Err() != nil {
		return
	}
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		r.Fail(fmt.Errorf("qr code: %w", err))
		return
	}
	b := code.Bounds()
	n := b.Dx()
	mod := side / float64(n)
	r.Color(0, 0, 0)
	for j := 0; j < n; j++ {
		for i := 0; i < n; {
			if !isDark(code.At(b.Min.X+i, b.Min.Y+j)) {
				i++
				continue
			}
			k := i
			for k < n && isDark(code.At(b.Min.X+k, b.Min.Y+j)) {
				k++
			}
			// One rectangle per run of dark modules, slightly overlapping
			// vertically so no hairline gaps appear between rows.
			r.PDF.RectFromUpperLeftWithStyle(x+float64(i)*mod, y+float64(j)*mod, float64(k-i)*mod, mod+0.05, "F")
			i = k
		}
	}
}

func isDark(c color.Color) bool {
	red, _, _, _ := c.RGBA()
	return red < 0x8000
}

const degToRad = math.Pi / 180

func sinF(a float64) float64 { return math.Sin(a) }
func cosF(a float64) float64 { return math.Cos(a) }
