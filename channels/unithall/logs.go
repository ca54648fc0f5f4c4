package unithall

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"gjj/internal/audit"
	"gjj/internal/platform/money"
)

// LogPageSize is how many audit entries a page of the log shows.
const LogPageSize = 50

type logRow struct {
	audit.Entry
	ObjectText, Summary, ActorText string
}

type logsData struct {
	Rows    []logRow
	MoreURL string
}

// logs is the unit's operation log (操作日志查询), newest first, a page at a
// time (deposit.UnitLog: the unit, its deferrals, its employees' accounts and
// its agents' logins, whoever acted).
func (h *hall) logs(c echo.Context) error {
	p := principal(c)
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	rows, err := h.d.Deposit.UnitLog(c.Request().Context(), p.UnitNo, before, LogPageSize)
	if err != nil {
		return err
	}
	d := logsData{}
	for _, e := range rows {
		d.Rows = append(d.Rows, logRow{Entry: e, ObjectText: objectText(e.Object), Summary: summaryText(e.After, e.Before),
			ActorText: actorText(e.Actor, p.Subject, e.Action == "identity.login" && e.Object == p.Subject)})
	}
	if len(rows) == LogPageSize {
		d.MoreURL = "/unit/logs?before=" + strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	return h.render(c, http.StatusOK, "logs", view{Title: "操作日志", Menu: "logs", Data: d})
}

// actorText names who acted, without disclosing other people's identifiers.
func actorText(actor, self string, login bool) string {
	switch {
	case actor == self, actor == "anonymous" && login:
		return "本人"
	case strings.HasPrefix(actor, "person:"):
		return "其他经办人"
	case strings.HasPrefix(actor, "staff:"):
		return "管理中心工作人员"
	}
	return "系统"
}

// objectText names an audit object for the unit's agent.
func objectText(obj string) string {
	kind, id, _ := strings.Cut(obj, ":")
	switch kind {
	case "unit":
		return "单位 " + id
	case "employee":
		return "个人账号 " + id
	case "deferral":
		return "缓缴申请 " + id
	case "person":
		return "经办人本人"
	}
	return obj
}

// summaryLabels name the summary fields a unit sees; other fields are not shown.
var summaryLabels = []struct{ key, label string }{
	{"name", "姓名"}, {"id", "证件号码"}, {"month", "月份"}, {"start_month", "起始年月"}, {"end_month", "截止年月"},
	{"effective_month", "生效年月"}, {"headcount", "人数"}, {"base_fen", "缴存基数"}, {"total_fen", "金额"},
	{"amount_fen", "金额"}, {"unit_ratio", "单位比例"}, {"personal_ratio", "个人比例"}, {"bill_id", "清册编号"},
	{"bank_serial", "银行流水号"}, {"paid_through", "缴至年月"}, {"rows", "行数"}, {"reason", "原因"},
	{"cert_no", "证明编号"}, {"unit_no", "单位账号"},
}

// summaryText shows an audit summary (compact JSON, already masked by the
// core) as "label：value" pairs; the first non-empty of the summaries given.
func summaryText(summaries ...string) string {
	for _, s := range summaries {
		if s == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return ""
		}
		var parts []string
		for _, l := range summaryLabels {
			v, ok := m[l.key]
			if !ok || v == nil || v == "" {
				continue
			}
			text := fmt.Sprint(v)
			if f, isNum := v.(float64); isNum {
				text = strconv.FormatFloat(f, 'f', -1, 64)
				if strings.HasSuffix(l.key, "_fen") {
					text = money.Fen(int64(f)).Format() + " 元"
				}
			}
			parts = append(parts, l.label+"："+text)
		}
		return strings.Join(parts, "；")
	}
	return ""
}
