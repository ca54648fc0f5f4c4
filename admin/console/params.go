package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/access/change"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// paramGroups name the parameter families by key prefix, in display order.
var paramGroups = []struct{ prefix, title string }{
	{"deposit.", "缴存"}, {"interest.", "结息"}, {"withdraw.", "提取"}, {"loan.", "贷款"}, {"channel.", "渠道"},
	{"calendar.", "工作日历"},
}

// paramRow is one parameter with the version in force on the business date
// and the next scheduled one.
type paramRow struct {
	Spec     policy.Spec
	Group    string
	Current  *policy.Version
	Display  string // the value in force as people read it
	Next     *policy.Version
	Versions int
}

type paramsData struct {
	BizDate date.Date
	Rows    []paramRow
}

// params lists every registered parameter (policy.Keys) with the value in
// force on the business date, its effective date, the next scheduled version
// and the number of versions. Read-only: changes are maker-checker change
// requests.
func (h *handler) params(c echo.Context) error {
	ctx := c.Request().Context()
	biz, err := h.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	d := paramsData{BizDate: biz}
	for _, g := range paramGroups {
		for _, key := range policy.Keys() {
			if !strings.HasPrefix(key, g.prefix) {
				continue
			}
			row, err := h.paramRow(c, key, biz)
			if err != nil {
				return err
			}
			row.Group = g.title
			d.Rows = append(d.Rows, *row)
		}
	}
	return h.render(c, http.StatusOK, "params", view{Title: "业务参数", Menu: "/admin/params", Data: d})
}

func (h *handler) paramRow(c echo.Context, key string, biz date.Date) (*paramRow, error) {
	sp, _ := policy.Lookup(key)
	vs, err := h.d.Policy.Versions(c.Request().Context(), key)
	if err != nil {
		return nil, err
	}
	row := &paramRow{Spec: sp, Versions: len(vs), Display: "未配置"}
	for i := range vs {
		v := &vs[i]
		if v.EffectiveFrom.After(biz) {
			if row.Next == nil {
				row.Next = v
			}
			continue
		}
		row.Current = v
	}
	if row.Current != nil {
		row.Display = sp.Display(row.Current.Value)
		if sp.Kind == policy.KindJSON {
			row.Display = "结构化规则（见详情）"
		}
	}
	return row, nil
}

// versionRow is one version of a parameter with its state on the business date.
type versionRow struct {
	policy.Version
	Display string
	State   string // "current", "superseded" or "future"
}

type paramData struct {
	paramRow
	BizDate date.Date
	History []versionRow // newest effective date first
	// Pretty is the value in force, indented, for JSON parameters.
	Pretty string
	// CanPropose shows the propose form (param_maker; not for the JSON
	// parameters, which change through the channel page's forms).
	CanPropose bool
	Form       paramForm
	Pending    []change.Request // pending change requests of this parameter
}

var errUnknownParam = errs.New(errs.NotFound, "policy.unknown_key", "没有这个参数")

// param shows one parameter: what it is, its allowed values, the value in
// force and every version (maker, checker, change request, effective date).
func (h *handler) param(c echo.Context) error { return h.renderParam(c, paramForm{}, nil) }

// renderParam renders the parameter page, with the propose form as typed and
// its refusal when formErr is set.
func (h *handler) renderParam(c echo.Context, form paramForm, formErr error) error {
	key := c.Param("key")
	if _, ok := policy.Lookup(key); !ok {
		return errUnknownParam.With("key", clip(key, 64))
	}
	ctx := c.Request().Context()
	biz, err := h.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	row, err := h.paramRow(c, key, biz)
	if err != nil {
		return err
	}
	vs, err := h.d.Policy.Versions(ctx, key)
	if err != nil {
		return err
	}
	d := paramData{paramRow: *row, BizDate: biz, Form: form,
		CanPropose: row.Spec.Kind != policy.KindJSON && h.canSubmit(c, change.KindParam)}
	if d.Pending, err = h.pendingFor(c, change.KindParam, key); err != nil {
		return err
	}
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		r := versionRow{Version: v, Display: row.Spec.Display(v.Value), State: "superseded"}
		switch {
		case v.EffectiveFrom.After(biz):
			r.State = "future"
		case row.Current != nil && v.EffectiveFrom.String() == row.Current.EffectiveFrom.String() && v.Seq == row.Current.Seq:
			r.State = "current"
		}
		if row.Spec.Kind == policy.KindJSON {
			r.Display = clip(v.Value, 120) + "…"
		}
		d.History = append(d.History, r)
	}
	if row.Current != nil && row.Spec.Kind == policy.KindJSON {
		var buf bytes.Buffer
		if json.Indent(&buf, []byte(row.Current.Value), "", "  ") == nil {
			d.Pretty = buf.String()
		} else {
			d.Pretty = row.Current.Value
		}
	}
	v := view{Title: "参数：" + row.Spec.Title, Menu: "/admin/params", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "param", v)
	}
	return h.render(c, http.StatusOK, "param", v)
}
