package kiosk

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/pdfkit"
)

// errPDFFont answers a print when the server lacks the Chinese font.
var errPDFFont = errs.New(errs.Unavailable, "kiosk.pdf_font_missing", "服务器缺少打印所需的中文字体，请联系网点工作人员")

// statementPrint is what a printed statement shows.
type statementPrint struct {
	St       *deposit.Statement
	IDMasked string
	From, To date.Date // zero: open
	PrintNo  string
	Kiosk    string
	Center   string
}

// renderStatementPDF draws a personal statement (个人账户明细) as A4 pages:
// the account header, then one row per posting, newest first. It never
// panics.
func renderStatementPDF(sp statementPrint, w io.Writer) (err error) {
	fnt, _, err := pdfkit.LoadFont(deposit.PDFFontPath, deposit.FontCandidates)
	if err != nil {
		var fe *pdfkit.FontError
		errors.As(err, &fe)
		return errPDFFont.With("font_paths", strings.Join(fe.Paths, ", "))
	}
	defer pdfkit.Recover(&err, "kiosk: render statement")
	d, err := pdfkit.New(pdfkit.Info{Title: "住房公积金个人账户明细 " + sp.St.AccountNo, Author: sp.Center}, fnt)
	if err != nil {
		return errPDFFont.Wrap(err)
	}
	pdf := d.PDF
	const left, bottom = 48.0, 800.0
	text := func(x, y, size float64, s string) {
		d.Font(size)
		d.Baseline(x, y, s)
	}
	cols := []float64{left, left + 78, left + 170, left + 262, left + 354, left + 446}
	header := func(y float64) float64 {
		for i, h := range []string{"记账日期", "业务类型", "收入（元）", "支出（元）", "余额（元）", "摘要"} {
			text(cols[i], y, 10, h)
		}
		pdf.Line(left, y+5, 547, y+5)
		return y + 20
	}
	pdf.AddPage()
	text(left, 60, 18, "住房公积金个人账户明细")
	text(left, 90, 11, fmt.Sprintf("姓名：%s    证件号码：%s", sp.St.Name, sp.IDMasked))
	text(left, 108, 11, fmt.Sprintf("个人账号：%s    单位：%s", sp.St.AccountNo, sp.St.UnitName))
	text(left, 126, 11, fmt.Sprintf("账户状态：%s    当前余额：%s 元", sp.St.StatusName, sp.St.Balance.Format()))
	period := "全部"
	if !sp.From.IsZero() || !sp.To.IsZero() {
		period = dateOrDash(sp.From) + " 至 " + dateOrDash(sp.To)
	}
	text(left, 144, 11, fmt.Sprintf("查询期间：%s    打印编号：%s    终端：%s", period, sp.PrintNo, sp.Kiosk))
	y := header(172)
	if len(sp.St.Lines) == 0 {
		text(left, y, 10, "所选期间没有明细。")
	}
	for _, l := range sp.St.Lines {
		if y > bottom {
			pdf.AddPage()
			y = header(60)
		}
		memo := []rune(l.Memo)
		if len(memo) > 8 {
			memo = append(memo[:8], '…')
		}
		text(cols[0], y, 9, l.Date.String())
		text(cols[1], y, 9, l.BizTypeName)
		text(cols[2], y, 9, amount(l.Income))
		text(cols[3], y, 9, amount(l.Expense))
		text(cols[4], y, 9, l.BalanceAfter.Format())
		text(cols[5], y, 9, string(memo))
		y += 16
	}
	text(left, min(y+24, 820), 9, sp.Center+" · 自助终端打印，仅供参考；正式证明请打印缴存证明（可在线核验）。")
	return d.Output(w)
}

func amount(f money.Fen) string {
	if f == 0 {
		return ""
	}
	return f.Format()
}

func dateOrDash(d date.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}
