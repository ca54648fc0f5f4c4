package unithall

import (
	"html/template"
	"strings"

	"gjj/channels/hallkit"
	"gjj/internal/core/deposit"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Labels of the codes the pages show. The code tables (JGJ/T 320) live in the
// policy store; these are the hall's display labels of the seeded codes.
var (
	unitStatusNames = map[string]string{
		deposit.UnitNormal: "正常", deposit.UnitOpened: "开户", deposit.UnitDeferred: "缓缴",
		deposit.UnitClosed: "销户", deposit.UnitSealed: "封存",
	}
	empStatusNames = map[string]string{
		deposit.EmpNormal: "正常", deposit.EmpSealed: "封存", deposit.EmpMerged: "合并销户",
		deposit.EmpTransferred: "外部转出销户", deposit.EmpWithdrawn: "提取销户", deposit.EmpFrozen: "冻结",
	}
	billKindNames   = map[string]string{deposit.BillRemit: "汇缴", deposit.BillSupplement: "补缴"}
	billStatusNames = map[string]string{deposit.BillGenerated: "待缴款", deposit.BillPosted: "已入账"}
	deferralNames   = map[string]string{
		deposit.DeferralPending: "待审核", deposit.DeferralApproved: "已批准",
		deposit.DeferralRejected: "已驳回", deposit.DeferralEnded: "已结束",
	}
	// actionNames name the audited operations a unit sees in its log.
	actionNames = map[string]string{
		"identity.login":              "登录",
		"deposit.employee_open":       "职工开户",
		"deposit.employee_seal":       "职工封存",
		"deposit.employee_unseal":     "职工启封",
		"deposit.employee_freeze":     "账户冻结",
		"deposit.employee_unfreeze":   "账户解冻",
		"deposit.employee_transfer":   "同城转移",
		"deposit.base_adjust":         "基数调整",
		"deposit.base_import":         "基数批量调整",
		"deposit.ratio_adjust":        "比例调整",
		"deposit.bill_generate":       "生成汇缴清册",
		"deposit.bill_regenerate":     "重新生成汇缴清册",
		"deposit.remittance_post":     "汇缴入账",
		"deposit.supplement_generate": "生成补缴清册",
		"deposit.supplement_post":     "补缴入账",
		"deposit.receipt_suspense":    "到账转入暂收未分摊",
		"deposit.suspense_allocate":   "暂收款分摊缴纳",
		"deposit.deferral_apply":      "申请缓缴",
		"deposit.deferral_approve":    "缓缴审批通过",
		"deposit.deferral_reject":     "缓缴审批驳回",
		"deposit.deferral_end":        "缓缴结束",
		"deposit.unit_change":         "单位信息变更",
		"deposit.unit_seal":           "单位封存",
		"deposit.unit_unseal":         "单位启封",
		"deposit.unit_close":          "单位销户",
		"deposit.prereg_approve":      "开户预约审核通过",
		"deposit.import_unit":         "单位数据迁移",
		"demo.seed":                   "演示数据初始化",
		"deposit.certificate_issue":   "开具缴存证明",
	}
	resultNames  = map[string]string{"ok": "成功", "refused": "拒绝", "failed": "失败"}
	channelNames = map[string]string{Channel: "单位网厅/接口", "counter": "管理中心", "system": "系统"}
)

func label(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// yuanInput shows an amount as the text of a yuan input field ("1234.56").
func yuanInput(f money.Fen) string { return f.String() }

// percentInput shows basis points as the number of a percent input ("12", "12.5").
func percentInput(bps int64) string { return strings.TrimSuffix(policy.FormatBps(bps), "%") }

// funcs are the kit's template functions (yuan, month, day, time) and the
// unit hall's own.
var funcs = hallkit.Funcs(template.FuncMap{
	"pct":          policy.FormatBps,
	"maskID":       ident.MaskIDNumber,
	"unitStatus":   func(c string) string { return label(unitStatusNames, c) },
	"empStatus":    func(c string) string { return label(empStatusNames, c) },
	"billKind":     func(c string) string { return label(billKindNames, c) },
	"billStatus":   func(c string) string { return label(billStatusNames, c) },
	"deferralName": func(c string) string { return label(deferralNames, c) },
	"actionName":   func(c string) string { return label(actionNames, c) },
	"resultName":   func(c string) string { return label(resultNames, c) },
	"channelName":  func(c string) string { return label(channelNames, c) },
	"add":          func(a, b int) int { return a + b },
	"sum":          func(a, b money.Fen) money.Fen { return a + b },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
})
