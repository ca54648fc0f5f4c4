package unithall

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"gjj/channels/hallkit"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

type remittancesData struct {
	Next  date.Month
	Month string // the generate form's input
	Bills []deposit.Bill
}

func (h *hall) remittances(c echo.Context) error {
	return h.renderRemittances(c, "", nil)
}

// renderRemittances shows the generate form (month prefilled with the next
// unpaid month unless the agent typed one) and the bill history.
func (h *hall) renderRemittances(c echo.Context, month string, err error) error {
	ctx := c.Request().Context()
	u, uerr := h.d.Deposit.Unit(ctx, unitNo(c))
	if uerr != nil {
		return uerr
	}
	bills, berr := h.d.Deposit.Bills(ctx, u.UnitNo, 36)
	if berr != nil {
		return berr
	}
	sum, serr := h.d.Deposit.UnitSummary(ctx, u.UnitNo)
	if serr != nil {
		return serr
	}
	d := remittancesData{Next: sum.NextMonth, Month: month, Bills: bills}
	if err == nil && month == "" {
		d.Month = d.Next.String()
	}
	v := view{Title: "汇缴业务", Menu: "remittances", Unit: u, Data: d}
	if err != nil {
		return h.formError(c, err, "remittances", v)
	}
	return h.render(c, http.StatusOK, "remittances", v)
}

func (h *hall) generateBill(c echo.Context) error {
	in := strings.TrimSpace(c.FormValue("month"))
	month, err := parseMonth("汇缴年月", in)
	if err != nil {
		return h.renderRemittances(c, in, err)
	}
	b, err := h.d.Deposit.GenerateBill(c.Request().Context(), unitNo(c), month)
	if err != nil {
		return h.renderRemittances(c, in, err)
	}
	return done(c, billPath(b.ID), "generated")
}

func billPath(id int64) string { return "/unit/remittances/" + strconv.FormatInt(id, 10) }

func billID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, deposit.ErrBillNotFound
	}
	return id, nil
}

type billData struct {
	Bill     *deposit.Bill
	Payable  bool      // generated, not yet posted
	Suspense money.Fen // the unit's 暂收未分摊 balance (offers allocation when enough)
	Serial   string    // payment form
	Amount   string
}

func (h *hall) bill(c echo.Context) error {
	return h.renderBill(c, billData{}, nil)
}

// renderBill shows a bill with its lines and, while it is unpaid, the payment
// forms; err is the refusal of one of them, shown with the input kept.
func (h *hall) renderBill(c echo.Context, d billData, err error) error {
	id, ierr := billID(c)
	if ierr != nil {
		return ierr
	}
	ctx := c.Request().Context()
	b, berr := h.d.Deposit.Bill(ctx, unitNo(c), id)
	if berr != nil {
		return berr
	}
	susp, serr := h.d.Deposit.SuspenseBalance(ctx, unitNo(c))
	if serr != nil {
		return serr
	}
	d.Bill, d.Suspense, d.Payable = b, susp, b.Status == deposit.BillGenerated
	if err == nil && d.Amount == "" {
		d.Amount = yuanInput(b.Total)
	}
	title := fmt.Sprintf("%s清册 · %s", billKindNames[b.Kind], b.Month)
	v := view{Title: title, Menu: "remittances", Data: d}
	if b.Kind == deposit.BillSupplement {
		v.Menu = "supplements"
	}
	if err != nil {
		return h.formError(c, err, "bill", v)
	}
	return h.render(c, http.StatusOK, "bill", v)
}

// pay pays the bill with a bank transfer the agent made: the bank serial and
// the amount transferred (the core checks both with the bank).
func (h *hall) pay(c echo.Context) error {
	d := billData{Serial: strings.TrimSpace(c.FormValue("bank_serial")), Amount: strings.TrimSpace(c.FormValue("amount"))}
	id, err := billID(c)
	if err != nil {
		return err
	}
	amount, err := parseYuan("缴款金额", d.Amount, true)
	if err != nil {
		return h.renderBill(c, d, err)
	}
	if _, err := h.d.Deposit.PayBill(c.Request().Context(), unitNo(c), id, d.Serial, amount); err != nil {
		return h.renderBill(c, d, err)
	}
	return done(c, billPath(id), "paid")
}

// allocate pays the bill from the unit's 暂收未分摊 balance.
func (h *hall) allocate(c echo.Context) error {
	id, err := billID(c)
	if err != nil {
		return err
	}
	if _, err := h.d.Deposit.AllocateSuspense(c.Request().Context(), unitNo(c), id); err != nil {
		return h.renderBill(c, billData{}, err)
	}
	return done(c, billPath(id), "allocated")
}

// simulateTransfer (demo only) plays the unit's bank: it credits the
// simulated settlement bank with a fresh serial and exactly the bill total,
// then pays the bill with that transfer as the agent would.
func (h *hall) simulateTransfer(c echo.Context) error {
	id, err := billID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	b, err := h.d.Deposit.Bill(ctx, unitNo(c), id)
	if err != nil {
		return err
	}
	if b.Status != deposit.BillGenerated {
		return h.renderBill(c, billData{}, deposit.ErrBillStatus)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	serial := fmt.Sprintf("SIM%s%s", time.Now().UTC().Format("20060102150405"), strings.ToUpper(hex.EncodeToString(rnd[:])))
	h.d.Bank.Credit(exchange.Receipt{Serial: serial, Amount: b.Total, PayerName: "模拟转账", Memo: "单位网上业务大厅演示"})
	d := billData{Serial: serial, Amount: yuanInput(b.Total)}
	if _, err := h.d.Deposit.PayBill(ctx, unitNo(c), id, serial, b.Total); err != nil {
		return h.renderBill(c, d, err)
	}
	return done(c, billPath(id), "paid")
}

// billXLSX downloads a bill (header, lines, totals) as an Excel workbook.
func (h *hall) billXLSX(c echo.Context) error {
	id, err := billID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	b, err := h.d.Deposit.Bill(ctx, unitNo(c), id)
	if err != nil {
		return err
	}
	u, err := h.d.Deposit.Unit(ctx, unitNo(c))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeBillXLSX(&buf, u, b); err != nil {
		return err
	}
	name := fmt.Sprintf("%s清册-%s-%s.xlsx", billKindNames[b.Kind], u.UnitNo, b.Month)
	if b.Kind == deposit.BillSupplement {
		name = fmt.Sprintf("补缴清册-%s-%d.xlsx", u.UnitNo, b.ID)
	}
	return sendXLSX(c, name, buf.Bytes())
}

// billColumns are the column titles of a bill's lines in the workbook.
var billColumns = []string{"序号", "个人账号", "姓名", "缴存年月", "缴存基数(元)", "单位比例", "个人比例", "单位部分(元)", "个人部分(元)", "合计(元)"}

func writeBillXLSX(w *bytes.Buffer, u *deposit.Unit, b *deposit.Bill) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := billKindNames[b.Kind] + "清册"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	moneyStyle, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	cell := func(col, row int) string {
		ref, _ := excelize.CoordinatesToCellName(col, row)
		return ref
	}
	text := func(col, row int, s string) error { return f.SetCellStr(sheet, cell(col, row), s) }
	amount := func(col, row int, v money.Fen) error {
		if err := f.SetCellFloat(sheet, cell(col, row), mustFloat(v), 2, 64); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell(col, row), cell(col, row), moneyStyle)
	}
	status := billStatusNames[b.Status]
	if b.BankSerial != nil {
		status += "（银行流水号 " + *b.BankSerial + "）"
	}
	head := [][2]string{
		{"单位名称", u.Name}, {"单位账号", u.UnitNo}, {"清册类型", billKindNames[b.Kind] + "清册"},
		{"缴存年月", b.Month.String()}, {"清册编号", strconv.FormatInt(b.ID, 10)}, {"状态", status},
		{"生成时间", hallkit.TimeText(b.GeneratedAt)},
	}
	if err := text(1, 1, "住房公积金"+billKindNames[b.Kind]+"清册"); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", title); err != nil {
		return err
	}
	row := 2
	for _, kv := range head {
		if err := text(1, row, kv[0]); err != nil {
			return err
		}
		if err := text(2, row, kv[1]); err != nil {
			return err
		}
		row++
	}
	row++
	for i, t := range billColumns {
		if err := text(i+1, row, t); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, cell(1, row), cell(len(billColumns), row), bold); err != nil {
		return err
	}
	for i, ln := range b.Lines {
		row++
		if err := f.SetCellInt(sheet, cell(1, row), int64(i+1)); err != nil {
			return err
		}
		for j, s := range []string{ln.AccountNo, ln.Name, ln.Month.String()} {
			if err := text(j+2, row, s); err != nil {
				return err
			}
		}
		if err := amount(5, row, ln.Base); err != nil {
			return err
		}
		if err := text(6, row, policy.FormatBps(ln.UnitBps)); err != nil {
			return err
		}
		if err := text(7, row, policy.FormatBps(ln.PersonBps)); err != nil {
			return err
		}
		for j, v := range []money.Fen{ln.UnitFen, ln.PersonFen, ln.UnitFen + ln.PersonFen} {
			if err := amount(j+8, row, v); err != nil {
				return err
			}
		}
	}
	row++
	if err := text(1, row, fmt.Sprintf("合计（%d 人）", b.Headcount)); err != nil {
		return err
	}
	for j, v := range []money.Fen{b.UnitPart, b.PersonalPart, b.Total} {
		if err := amount(j+8, row, v); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, cell(1, row), cell(1, row), bold); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 12, "B": 16, "C": 12, "D": 11, "E": 14, "F": 9, "G": 9, "H": 14, "I": 14, "J": 14} {
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// mustFloat is an amount in yuan as a float for a spreadsheet cell; the cell
// is written with two decimals, which round-trips any amount of up to 15
// significant digits.
func mustFloat(v money.Fen) float64 {
	y, _ := strconv.ParseFloat(v.String(), 64)
	return y
}
