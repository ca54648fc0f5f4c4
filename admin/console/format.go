package console

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"gjj/internal/channel/catalog"
	"gjj/internal/core/deposit"
	"gjj/internal/core/withdrawal"
	"gjj/internal/notice"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// beijing is the time zone pages show wall-clock times in (stored in UTC).
var beijing = date.Shanghai

// Display labels of the codes the pages show.
var (
	unitStatusNames = map[string]string{
		deposit.UnitNormal: "正常", deposit.UnitOpened: "开户", deposit.UnitDeferred: "缓缴",
		deposit.UnitClosed: "销户", deposit.UnitSealed: "封存",
	}
	empStatusNames = map[string]string{
		deposit.EmpNormal: "正常", deposit.EmpSealed: "封存", deposit.EmpMerged: "合并销户",
		deposit.EmpTransferred: "外部转出销户", deposit.EmpWithdrawn: "提取销户", deposit.EmpFrozen: "冻结",
	}
	resultNames    = map[string]string{"ok": "成功", "refused": "拒绝", "failed": "失败", "locked": "锁定"}
	smsStatusNames = map[string]string{
		"queued": "待发送", "sent": "已发送", "stored": "已存入发件箱", "failed": "发送失败",
		"delivered": "已送达", "undelivered": "未送达",
	}
	kindNames = map[policy.Kind]string{
		policy.KindBps: "比例", policy.KindPPM: "利率", policy.KindFen: "金额", policy.KindInt: "整数",
		policy.KindEnum: "枚举", policy.KindBool: "开关", policy.KindMonthDay: "月日", policy.KindJSON: "结构化规则",
	}
	classNames     = map[catalog.Class]string{catalog.ClassQuery: "查询类", catalog.ClassApply: "申请类", catalog.ClassFund: "资金类"}
	runStatusNames = map[string]string{deposit.RunRunning: "进行中", deposit.RunDone: "已完成"}
)

func label(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// channelName is the Chinese name of a channel code.
func channelName(code string) string {
	if ch, ok := catalog.ChannelByCode(code); ok {
		return ch.Name
	}
	return code
}

// itemName is the Chinese name of a service item code.
func itemName(code string) string {
	if it, ok := catalog.ItemByCode(code); ok {
		return it.Name
	}
	return code
}

// timeText shows a UTC time in Beijing time.
func timeText(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.In(beijing).Format("2006-01-02 15:04:05")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return timeText(*v)
	}
	return ""
}

// ratio shows part/whole as a percentage with one decimal, "—" when whole is 0.
func ratio(part, whole int64) string {
	if whole <= 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64) + "%"
}

var funcs = template.FuncMap{
	"yuan":         func(f money.Fen) string { return f.Format() },
	"pct":          policy.FormatBps,
	"day":          func(d date.Date) string { return dateText(d) },
	"month":        func(m date.Month) string { return monthText(m) },
	"time":         timeText,
	"maskID":       ident.MaskIDNumber,
	"maskMobile":   ident.MaskMobile,
	"maskCard":     ident.MaskCard,
	"unitStatus":   func(c string) string { return label(unitStatusNames, c) },
	"empStatus":    func(c string) string { return label(empStatusNames, c) },
	"resultName":   func(c string) string { return label(resultNames, c) },
	"smsStatus":    func(c string) string { return label(smsStatusNames, c) },
	"runStatus":    func(c string) string { return label(runStatusNames, c) },
	"channelName":  channelName,
	"itemName":     itemName,
	"className":    func(c catalog.Class) string { return classNames[c] },
	"kindName":     func(k policy.Kind) string { return kindNames[k] },
	"ratio":        ratio,
	"changeKind":   func(k any) string { return label(changeKindNames, fmt.Sprint(k)) },
	"changeStatus": func(s any) string { return label(changeStatusNames, fmt.Sprint(s)) },
	"add":          func(a, b int) int { return a + b },
	"num":          func(n int64) string { return strconv.FormatInt(n, 10) },
	"rate":         func(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) },
	"load":         func(r float64) string { return fmt.Sprintf("%.2f", r) },
	// reviews_withdrawals.go, reviews_loans.go, notices.go
	"wdStatus":     withdrawal.StatusName,
	"wdAction":     withdrawal.ActionName,
	"wdOutcome":    wdOutcome,
	"loanReview":   loanReviewName,
	"loanStatus":   loanStatusName,
	"loanHome":     loanHomeName,
	"loanMethod":   loanMethodName,
	"permille":     policy.FormatPPM,
	"noticeCat":    notice.CategoryName,
	"channelNames": channelNames,
	"idleMinutes":  idleMinutes, // idle.go
}

func monthText(m date.Month) string {
	if m.IsZero() {
		return "—"
	}
	return m.String()
}

func dateText(d date.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// errMessage is the Chinese message of err.
func errMessage(err error) string { return errs.E(err).Message }
