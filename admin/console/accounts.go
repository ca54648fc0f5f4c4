package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// AccountPageSize is how many accounts a page of the lookup shows.
const AccountPageSize = 20

// Errors of the account lookup form.
var (
	errNoCriteria    = errs.New(errs.Invalid, "console.lookup_criteria", "请至少输入个人账号、姓名或证件号码中的一项")
	errAccountFormat = errs.New(errs.Invalid, "console.lookup_account", "个人账号应为数字（可只输入前几位）")
	errIDFormat      = errs.New(errs.Invalid, "console.lookup_id",
		"证件号码应为 18 位居民身份证号码，或前 6 位加 8 个 * 加后 4 位的脱敏号码（如 350102********3011）")
	errReason = errs.New(errs.Invalid, "console.reveal_reason", "请填写查看完整信息的事由（4 至 200 个字）")
)

var (
	digits   = regexp.MustCompile(`^[0-9]{1,20}$`)
	maskedID = regexp.MustCompile(`^[0-9]{6}\*{8}[0-9]{3}[0-9X]$`)
)

// lookupInput is the lookup form as typed.
type lookupInput struct {
	AccountNo, Name, ID string
	Page                int
}

type accountsData struct {
	In       lookupInput
	Searched bool
	Rows     []deposit.Employee
	Total    int
	PrevURL  string
	NextURL  string
}

// parse validates the form into a search of the deposit core.
func (in lookupInput) parse() (deposit.EmployeeSearch, error) {
	q := deposit.EmployeeSearch{AccountNo: in.AccountNo, Name: in.Name}
	if q.AccountNo != "" && !digits.MatchString(q.AccountNo) {
		return q, errAccountFormat
	}
	if utf8.RuneCountInString(q.Name) > 40 {
		return q, errs.New(errs.Invalid, "console.lookup_name", "姓名过长")
	}
	if in.ID != "" {
		id := strings.ToUpper(in.ID)
		switch {
		case maskedID.MatchString(id):
			q.IDNumber = id
		default:
			rid, err := ident.ParseResidentID(id)
			if err != nil {
				return q, errIDFormat
			}
			q.IDNumber = rid.Number()
		}
	}
	if q.AccountNo == "" && q.Name == "" && q.IDNumber == "" {
		return q, errNoCriteria
	}
	return q, nil
}

// accounts is the account lookup (个人账户查询): by account number (prefix),
// name or ID number (full or masked), across every unit, a page at a time.
// Results are masked; opening one shows the masked record.
func (h *handler) accounts(c echo.Context) error {
	in := lookupInput{AccountNo: strings.TrimSpace(c.QueryParam("account_no")), Name: strings.TrimSpace(c.QueryParam("name")),
		ID: strings.TrimSpace(c.QueryParam("id_number"))}
	in.Page, _ = strconv.Atoi(c.QueryParam("page"))
	in.Page = max(in.Page, 1)
	d := accountsData{In: in}
	v := view{Title: "个人账户查询", Menu: "/admin/accounts", Data: &d}
	if in.AccountNo == "" && in.Name == "" && in.ID == "" {
		return h.render(c, http.StatusOK, "accounts", v)
	}
	d.Searched = true
	q, err := in.parse()
	if err != nil {
		return h.formError(c, err, "accounts", v)
	}
	q.Offset, q.Limit = (in.Page-1)*AccountPageSize, AccountPageSize
	var (
		rows  []deposit.Employee
		total int
	)
	if sc := h.scopeOf(c); sc.Center {
		rows, total, err = h.d.Deposit.SearchEmployees(c.Request().Context(), q)
	} else {
		rows, total, err = h.branchEmployees(c, sc, q) // scope.go
	}
	if err != nil {
		return err
	}
	d.Total = total
	if len(rows) > 0 {
		d.Rows = rows
	}
	page := func(n int) string {
		u := url.Values{}
		for k, v := range map[string]string{"account_no": in.AccountNo, "name": in.Name, "id_number": in.ID} {
			if v != "" {
				u.Set(k, v)
			}
		}
		u.Set("page", strconv.Itoa(n))
		return "/admin/accounts?" + u.Encode()
	}
	if in.Page > 1 {
		d.PrevURL = page(in.Page - 1)
	}
	if in.Page*AccountPageSize < total {
		d.NextURL = page(in.Page + 1)
	}
	return h.render(c, http.StatusOK, "accounts", v)
}

// accountData is one account's record: masked unless Revealed.
type accountData struct {
	E        *deposit.Employee
	Lines    []deposit.StatementLine
	Revealed bool
	Reason   string
}

// statementLines is how many recent postings the record shows.
const statementLines = 20

// account shows one account's record with ID number, mobile and bank card
// masked and its latest postings; the read is audited (staff.read).
func (h *handler) account(c echo.Context) error {
	if ok, err := h.checkAccount(c); !ok || err != nil {
		return err
	}
	return h.renderAccount(c, http.StatusOK, accountData{}, nil)
}

// reveal shows the full record after the staff member gives a reason. The
// reason is audited (staff.reveal, with the account as object) before any
// unmasked value is rendered; without a valid reason nothing is shown or
// written. The answer is the page itself (no redirect), never cached.
func (h *handler) reveal(c echo.Context) error {
	if ok, err := h.checkAccount(c); !ok || err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	d := accountData{Reason: reason}
	if n := utf8.RuneCountInString(reason); n < 4 || n > 200 {
		return h.renderAccount(c, http.StatusBadRequest, d, errReason)
	}
	ctx := c.Request().Context()
	e, err := h.d.Deposit.Employee(ctx, c.Param("account_no"))
	if err != nil {
		return err
	}
	if _, err := h.d.Audit.Write(ctx, audit.Record{Action: "staff.reveal", Object: "employee:" + e.AccountNo,
		After: audit.Summary(map[string]string{"reason": reason, "fields": "id_number,mobile,bank_card"})}); err != nil {
		return err
	}
	d.Revealed = true
	return h.renderAccount(c, http.StatusOK, d, nil)
}

func (h *handler) renderAccount(c echo.Context, status int, d accountData, formErr error) error {
	ctx := c.Request().Context()
	e, err := h.d.Deposit.Employee(ctx, c.Param("account_no"))
	if err != nil {
		return err
	}
	st, err := h.d.Deposit.Statement(ctx, "", e.AccountNo, deposit.StatementQuery{Limit: statementLines})
	if err != nil {
		return err
	}
	if !d.Revealed && formErr == nil {
		if _, err := h.d.Audit.Write(ctx, audit.Record{Action: "staff.read", Object: "employee:" + e.AccountNo}); err != nil {
			return err
		}
	}
	d.E, d.Lines = e, st.Lines
	v := view{Title: "个人账户 " + e.AccountNo, Menu: "/admin/accounts", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "account", v)
	}
	return h.render(c, status, "account", v)
}
