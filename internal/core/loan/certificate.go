package loan

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"

	"github.com/signintech/gopdf"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/platform/pdfkit"
)

// Errors of the settlement certificate.
var (
	ErrPDFFont  = errs.New(errs.Unavailable, "loan.pdf_font_missing", "服务器缺少生成证明所需的中文字体，请联系系统管理员")
	ErrPDFGlyph = errs.New(errs.Internal, "loan.pdf_glyph_missing", "证明中含有字体不支持的字符")
)

// Settlement is what a 结清证明 states.
type Settlement struct {
	LoanNo, ContractNo, Name, IDMasked, Center string
	Principal, PrincipalRepaid                 money.Fen
	Interest, Penalty                          money.Fen
	DisbursedOn, SettledOn, IssuedOn           date.Date
}

// SettlementOf gathers the content of a settled loan's certificate: the
// borrower (ID masked), the loan, the totals repaid from its business
// detail. Errors: ErrNotSettled.
func (s *Service) SettlementOf(ctx context.Context, l *Loan) (*Settlement, error) {
	if l.Status != LoanSettled || l.SettledOn == nil {
		return nil, ErrNotSettled
	}
	e, err := s.deposit.Employee(ctx, l.AccountNo)
	if err != nil {
		return nil, err
	}
	today, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	st := &Settlement{LoanNo: l.LoanNo, ContractNo: l.ContractNo, Name: e.Name, IDMasked: ident.MaskIDNumber(e.IDNumber),
		Center: deposit.IssuingCenter, Principal: l.Principal, DisbursedOn: l.DisbursedOn, SettledOn: *l.SettledOn, IssuedOn: today}
	txns, err := s.Txns(ctx, l)
	if err != nil {
		return nil, err
	}
	for _, t := range txns {
		if t.Kind == "01" {
			continue
		}
		st.PrincipalRepaid += t.Principal
		st.Interest += t.Interest
		st.Penalty += t.Penalty
	}
	return st, nil
}

// SettlementPDF writes the 结清证明 of a settled loan as a one-page A4 PDF,
// with the font of the deposit certificates (deposit.PDFFontPath or
// deposit.FontCandidates). The person's channels call it for their own loan
// (after Loan checked the person); staff for any. Errors: ErrNotSettled,
// ErrPDFFont, ErrPDFGlyph, write errors.
func (s *Service) SettlementPDF(ctx context.Context, l *Loan, w io.Writer) error {
	st, err := s.SettlementOf(ctx, l)
	if err != nil {
		return err
	}
	return RenderSettlementPDF(st, w)
}

// RenderSettlementPDF draws the certificate with the font of the deposit
// certificates. It never panics. Errors: ErrPDFFont, ErrPDFGlyph, write
// errors.
func RenderSettlementPDF(st *Settlement, w io.Writer) (err error) {
	font, _, err := pdfkit.LoadFont(deposit.PDFFontPath, deposit.FontCandidates)
	if err != nil {
		var fe *pdfkit.FontError
		errors.As(err, &fe)
		return ErrPDFFont.With("font_paths", strings.Join(fe.Paths, ", "))
	}
	defer pdfkit.Recover(&err, "loan: render settlement "+st.LoanNo)
	d, err := pdfkit.New(pdfkit.Info{Title: "住房公积金贷款结清证明 " + st.LoanNo, Author: st.Center}, font)
	if err != nil {
		return ErrPDFFont.Wrap(err)
	}
	pdf := d.PDF
	pdf.AddPage()
	const left, width = 62.0, pdfkit.PageW - 124
	put := func(x, y float64, size float64, s string, align int, wdt float64) {
		d.Font(size)
		d.Box(x, y, wdt, size+4, s, align)
	}
	put(left, 70, 22, "住房公积金个人住房贷款结清证明", gopdf.Center, width)
	put(left, 110, 11, "证明编号：JQ"+st.LoanNo, gopdf.Right, width)
	rows := [][2]string{
		{"借款人", st.Name}, {"证件号码", st.IDMasked}, {"贷款账号", st.LoanNo}, {"借款合同编号", st.ContractNo},
		{"贷款金额", st.Principal.Format() + " 元"}, {"发放日期", cnDate(st.DisbursedOn)},
		{"累计归还本金", st.PrincipalRepaid.Format() + " 元"}, {"累计归还利息", st.Interest.Format() + " 元"},
		{"累计归还罚息", st.Penalty.Format() + " 元"}, {"结清日期", cnDate(st.SettledOn)},
	}
	y := 150.0
	pdf.SetLineWidth(0.6)
	for _, r := range rows {
		pdf.Line(left, y, left+width, y)
		put(left+8, y+8, 12, r[0], gopdf.Left, 140)
		put(left+160, y+8, 12, r[1], gopdf.Left, width-170)
		y += 30
	}
	pdf.Line(left, y, left+width, y)
	put(left, y+30, 12, "经核实，上述借款人在我中心办理的住房公积金个人住房贷款本息已全部结清，特此证明。", gopdf.Left, width)
	put(left, y+100, 12, st.Center, gopdf.Right, width-20)
	put(left, y+124, 12, cnDate(st.IssuedOn), gopdf.Right, width-20)
	// The seal: a red ring around the center's name.
	pdf.SetStrokeColor(200, 30, 30)
	pdf.SetTextColor(200, 30, 30)
	pdf.SetLineWidth(2)
	cx, cy, rad := left+width-90, y+112, 52.0
	const steps = 72
	for i := 0; i < steps; i++ {
		a1, a2 := 2*math.Pi*float64(i)/steps, 2*math.Pi*float64(i+1)/steps
		pdf.Line(cx+rad*math.Cos(a1), cy+rad*math.Sin(a1), cx+rad*math.Cos(a2), cy+rad*math.Sin(a2))
	}
	put(cx-rad, cy-8, 10, "业务专用章", gopdf.Center, 2*rad)
	pdf.SetTextColor(0, 0, 0)
	if err := d.Err(); err != nil {
		return err
	}
	if chars := d.Missing(); chars != "" {
		return ErrPDFGlyph.With("chars", chars)
	}
	return d.Output(w)
}
