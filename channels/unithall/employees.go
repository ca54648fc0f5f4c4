package unithall

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// PageSize is the number of employees per page of the roster.
const PageSize = 50

// statusOptions are the choices of the roster's status filter.
var statusOptions = []struct{ Code, Name string }{
	{"", "全部状态"}, {deposit.EmpNormal, "正常"}, {deposit.EmpSealed, "封存"}, {deposit.EmpFrozen, "冻结"},
	{deposit.EmpMerged, "合并销户"}, {deposit.EmpTransferred, "外部转出销户"}, {deposit.EmpWithdrawn, "提取销户"},
}

type rosterData struct {
	Query, Status    string
	Statuses         any
	Items            []deposit.Employee
	Total            int
	Page, Pages      int
	PrevURL, NextURL string
}

func (h *hall) employees(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	status := c.QueryParam("status")
	if _, ok := empStatusNames[status]; !ok {
		status = ""
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	f := deposit.EmployeeFilter{Status: status, Query: q, Offset: (page - 1) * PageSize, Limit: PageSize}
	list, total, err := h.d.Deposit.Employees(c.Request().Context(), unitNo(c), f)
	if err != nil {
		return err
	}
	d := rosterData{Query: q, Status: status, Statuses: statusOptions, Items: list, Total: total, Page: page,
		Pages: max(1, (total+PageSize-1)/PageSize)}
	link := func(p int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if status != "" {
			v.Set("status", status)
		}
		v.Set("page", strconv.Itoa(p))
		return "/unit/employees?" + v.Encode()
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if page < d.Pages {
		d.NextURL = link(page + 1)
	}
	return h.render(c, http.StatusOK, "employees", view{Title: "职工管理", Menu: "employees", Data: d})
}

// ownEmployee returns the unit's employee with the account number; an account
// of another unit is not found (its existence is not disclosed).
func (h *hall) ownEmployee(c echo.Context, accountNo string) (*deposit.Employee, error) {
	list, _, err := h.d.Deposit.Employees(c.Request().Context(), unitNo(c), deposit.EmployeeFilter{Query: accountNo, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || list[0].AccountNo != accountNo {
		return nil, deposit.ErrEmployeeNotFound.With("account_no", accountNo)
	}
	return &list[0], nil
}

// sealReasons are the usual reasons for 封存 (the agent may add a remark).
var sealReasons = []string{"离职", "调出本市", "退休", "死亡", "终止劳动合同", "其他"}

type employeeData struct {
	Emp         *deposit.Employee
	CanSeal     bool // 01 正常
	CanUnseal   bool // 02 封存
	CanCertify  bool // not closed
	SealReasons []string
	Reason      string // seal form
	Remark      string
	Base        string // base form, yuan
	BaseMonth   string
}

func (h *hall) employee(c echo.Context) error {
	e, err := h.ownEmployee(c, c.Param("account_no"))
	if err != nil {
		return err
	}
	return h.renderEmployee(c, http.StatusOK, employeeData{Emp: e, Base: yuanInput(e.Base)}, nil)
}

// renderEmployee shows the employee page, with err's message when a form on it
// was refused.
func (h *hall) renderEmployee(c echo.Context, status int, d employeeData, err error) error {
	d.SealReasons = sealReasons
	d.CanSeal, d.CanUnseal = d.Emp.Status == deposit.EmpNormal, d.Emp.Status == deposit.EmpSealed
	d.CanCertify = !d.Emp.Closed()
	v := view{Title: "职工详情 " + d.Emp.Name, Menu: "employees", Data: d}
	if err != nil {
		return h.formError(c, err, "employee", v)
	}
	return h.render(c, status, "employee", v)
}

// employeeForm re-reads the employee for a form's answer page.
func (h *hall) employeeForm(c echo.Context, d employeeData, err error) error {
	e, rerr := h.ownEmployee(c, c.Param("account_no"))
	if rerr != nil {
		return err // the account is not the unit's: the core's refusal says so
	}
	d.Emp = e
	return h.renderEmployee(c, http.StatusOK, d, err)
}

func (h *hall) seal(c echo.Context) error {
	d := employeeData{Reason: c.FormValue("reason"), Remark: strings.TrimSpace(c.FormValue("remark"))}
	reason := d.Reason
	switch {
	case d.Remark != "" && reason != "":
		reason += "：" + d.Remark
	case d.Remark != "":
		reason = d.Remark
	}
	acct := c.Param("account_no")
	if _, err := h.d.Deposit.SealEmployee(c.Request().Context(), unitNo(c), acct, reason); err != nil {
		return h.employeeForm(c, d, err)
	}
	return done(c, "/unit/employees/"+url.PathEscape(acct), "sealed")
}

func (h *hall) unseal(c echo.Context) error {
	acct := c.Param("account_no")
	if _, err := h.d.Deposit.UnsealEmployee(c.Request().Context(), unitNo(c), acct); err != nil {
		return h.employeeForm(c, employeeData{}, err)
	}
	return done(c, "/unit/employees/"+url.PathEscape(acct), "unsealed")
}

func (h *hall) adjustBase(c echo.Context) error {
	d := employeeData{Base: strings.TrimSpace(c.FormValue("base")), BaseMonth: strings.TrimSpace(c.FormValue("effective_month"))}
	acct := c.Param("account_no")
	base, err := parseYuan("缴存基数", d.Base, true)
	if err != nil {
		return h.employeeForm(c, d, err)
	}
	month, err := parseMonth("生效年月", d.BaseMonth)
	if err != nil {
		return h.employeeForm(c, d, err)
	}
	if _, err := h.d.Deposit.AdjustBase(c.Request().Context(), unitNo(c), acct, base, month); err != nil {
		return h.employeeForm(c, d, err)
	}
	return done(c, "/unit/employees/"+url.PathEscape(acct), "base")
}

// certificate issues a deposit certificate (缴存证明) for the employee and
// answers its PDF as a download; the PDF carries the certificate number and
// the code anyone can check at /verify/<code>.
func (h *hall) certificate(c echo.Context) error {
	ctx := c.Request().Context()
	cert, err := h.d.Deposit.IssueCertificate(ctx, unitNo(c), c.Param("account_no"))
	if err != nil {
		return h.employeeForm(c, employeeData{}, err)
	}
	var buf bytes.Buffer
	if err := h.d.Deposit.CertificatePDF(ctx, cert, &buf); err != nil {
		return err
	}
	return download(c, "缴存证明-"+cert.CertNo+".pdf", "application/pdf", buf.Bytes())
}

// openInput is the 职工开户 form as typed.
type openInput struct {
	Name, IDNumber, Phone, Base, BankCard, StartMonth string
}

func (h *hall) openForm(c echo.Context) error {
	return h.render(c, http.StatusOK, "employee_new", view{Title: "职工开户", Menu: "employees", Data: openInput{}})
}

func (h *hall) openEmployee(c echo.Context) error {
	in := openInput{
		Name: strings.TrimSpace(c.FormValue("name")), IDNumber: strings.TrimSpace(c.FormValue("id_number")),
		Phone: strings.TrimSpace(c.FormValue("phone")), Base: strings.TrimSpace(c.FormValue("base")),
		BankCard: strings.TrimSpace(c.FormValue("bank_card")), StartMonth: strings.TrimSpace(c.FormValue("start_month")),
	}
	v := view{Title: "职工开户", Menu: "employees", Data: in}
	base, err := parseYuan("缴存基数", in.Base, true)
	if err != nil {
		return h.formError(c, err, "employee_new", v)
	}
	start, err := parseMonth("起缴年月", in.StartMonth)
	if err != nil {
		return h.formError(c, err, "employee_new", v)
	}
	e, err := h.d.Deposit.OpenEmployee(c.Request().Context(), unitNo(c), deposit.EmployeeInput{
		IDNumber: in.IDNumber, Name: in.Name, Mobile: in.Phone, BaseFen: base, BankCard: in.BankCard, StartMonth: start})
	if err != nil {
		return h.formError(c, err, "employee_new", v)
	}
	return done(c, "/unit/employees/"+url.PathEscape(e.AccountNo), "opened")
}

type transferInput struct{ AccountNo string }

func (h *hall) transferForm(c echo.Context) error {
	return h.render(c, http.StatusOK, "transfer", view{Title: "同城转移（转入）", Menu: "employees", Data: transferInput{}})
}

func (h *hall) transfer(c echo.Context) error {
	in := transferInput{AccountNo: strings.TrimSpace(c.FormValue("account_no"))}
	v := view{Title: "同城转移（转入）", Menu: "employees", Data: in}
	if in.AccountNo == "" {
		return h.formError(c, errs.New(errs.Invalid, deposit.ErrInvalidInput.Code, "请填写转入职工的个人账号"), "transfer", v)
	}
	e, err := h.d.Deposit.TransferEmployee(c.Request().Context(), unitNo(c), in.AccountNo)
	if err != nil {
		return h.formError(c, err, "transfer", v)
	}
	return done(c, "/unit/employees/"+url.PathEscape(e.AccountNo), "transferred")
}

type importData struct {
	Month  string
	Report []deposit.RowError
}

func (h *hall) importForm(c echo.Context) error {
	return h.render(c, http.StatusOK, "import", view{Title: "缴存基数批量调整", Menu: "employees", Data: importData{}})
}

// importBases applies an uploaded .xlsx of bases; a sheet with any bad row
// applies nothing and shows the per-row report.
func (h *hall) importBases(c echo.Context) error {
	d := importData{Month: strings.TrimSpace(c.FormValue("effective_month"))}
	v := view{Title: "缴存基数批量调整", Menu: "employees", Data: &d}
	month, err := parseMonth("生效年月", d.Month)
	if err != nil {
		return h.formError(c, err, "import", v)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return h.formError(c, errs.New(errs.Invalid, deposit.ErrBadSheet.Code, "请选择要上传的 Excel 表格（.xlsx）"), "import", v)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	n, report, err := h.d.Deposit.ImportBases(c.Request().Context(), unitNo(c), f, month)
	if err != nil {
		d.Report = report
		return h.formError(c, err, "import", v)
	}
	return done(c, "/unit/employees", "imported", n)
}

func (h *hall) exportEmployees(c echo.Context) error {
	var buf bytes.Buffer
	if err := h.d.Deposit.ExportEmployeesXLSX(c.Request().Context(), unitNo(c), &buf); err != nil {
		return err
	}
	return sendXLSX(c, fmt.Sprintf("职工名册-%s.xlsx", unitNo(c)), buf.Bytes())
}

// sendXLSX answers a workbook as a download.
func sendXLSX(c echo.Context, name string, body []byte) error {
	return download(c, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body)
}

// download answers body as a file named name (UTF-8, RFC 5987; an ASCII
// fallback name for old clients).
func download(c echo.Context, name, contentType string, body []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf(`attachment; filename="download%s"; filename*=UTF-8''%s`, path.Ext(name), url.PathEscape(name)))
	return c.Blob(http.StatusOK, contentType, body)
}

// parseYuan reads a yuan amount field; an empty optional field is zero.
func parseYuan(field, s string, required bool) (money.Fen, error) {
	if s == "" {
		if required {
			return 0, errs.Newf(errs.Invalid, "unithall.required", "请填写%s", field).With("field", field)
		}
		return 0, nil
	}
	f, err := money.ParseYuan(s)
	if err != nil {
		return 0, fieldErr(field, err)
	}
	return f, nil
}

// parseMonth reads a YYYY-MM field; empty is the zero month (the core's default).
func parseMonth(field, s string) (date.Month, error) {
	if s == "" {
		return date.Month{}, nil
	}
	m, err := date.ParseMonth(s)
	if err != nil {
		return date.Month{}, fieldErr(field, err)
	}
	return m, nil
}

// parseDate reads a YYYY-MM-DD field; empty is the zero date.
func parseDate(field, s string) (date.Date, error) {
	if s == "" {
		return date.Date{}, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		return date.Date{}, fieldErr(field, err)
	}
	return d, nil
}

// fieldErr names the form field in a parser's message.
func fieldErr(field string, err error) error {
	e := *errs.E(err)
	e.Message = field + "：" + e.Message
	return e.With("field", field)
}
