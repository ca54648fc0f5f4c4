package policy

import (
	"context"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// CodeItem is one entry of a code table (JGJ/T 320-2014 appendix A), valid from
// ValidFrom through ValidTo inclusive; a zero ValidTo means "still valid".
type CodeItem struct {
	TableID   string    `db:"table_id" json:"table_id"`
	Code      string    `db:"code" json:"code"`
	Name      string    `db:"name" json:"name"`
	StdRef    string    `db:"std_ref" json:"std_ref"` // appendix table, e.g. "A.4"
	ValidFrom date.Date `db:"valid_from" json:"valid_from"`
	ValidTo   date.Date `db:"valid_to" json:"valid_to"`
}

// Code table identifiers (the JGJ/T 320 field names).
const (
	TableZJLX      = "ZJLX"      // A.1 个人证件类型
	TableLLLX      = "LLLX"      // A.2 利率类型
	TableDWZHZT    = "DWZHZT"    // A.4 单位账户状态
	TableGJHTQYWLX = "GJHTQYWLX" // A.5 归集和提取业务类型
	TableGRZHZT    = "GRZHZT"    // A.6 个人账户状态
	TableTQYY      = "TQYY"      // A.7 提取原因 / 销户原因
	TableTQFS      = "TQFS"      // A.8 提取方式
	TableCZBZ      = "CZBZ"      // A.9 冲账标识
	TableDKDBLX    = "DKDBLX"    // A.10 贷款担保类型
	TableDKHKFS    = "DKHKFS"    // A.11 贷款还款方式
	TableDKFXDJ    = "DKFXDJ"    // A.14 贷款风险等级
	TableDKYWMXLX  = "DKYWMXLX"  // A.15 贷款业务明细类型
)

// A.1 个人证件类型 (ZJLX).
const (
	IDTypeResidentID       = "01" // 身份证
	IDTypeOfficer          = "02" // 军官证
	IDTypePassport         = "03" // 护照
	IDTypeForeignPermanent = "04" // 外国人永久居留证
	IDTypeOther            = "99" // 其他
)

// A.4 单位账户状态 (DWZHZT).
const (
	UnitAcctNormal   = "01" // 正常
	UnitAcctOpened   = "02" // 开户
	UnitAcctDeferred = "03" // 缓缴
	UnitAcctClosed   = "04" // 销户
	UnitAcctSealed   = "05" // 封存
	UnitAcctOther    = "99" // 其他
)

// A.5 归集和提取业务类型 (GJHTQYWLX), the business type of personal and unit
// business detail rows.
const (
	BizRemit             = "01" // 汇缴
	BizSupplement        = "02" // 补缴
	BizOpen              = "03" // 开户
	BizUnseal            = "04" // 启封
	BizSeal              = "05" // 封存
	BizInternalTransfer  = "06" // 内部转移
	BizTransferOut       = "07" // 外部转出
	BizTransferIn        = "08" // 外部转入
	BizInterest          = "09" // 年终结息
	BizBaseAdjust        = "10" // 基数调整
	BizPartialWithdrawal = "11" // 部分提取
	BizCloseWithdrawal   = "12" // 销户提取
	BizDeferral          = "13" // 缓缴处理
	BizFreeze            = "14" // 冻结
	BizUnfreeze          = "15" // 解冻
	BizOther             = "99" // 其他
)

// A.6 个人账户状态 (GRZHZT).
const (
	PersonAcctNormal         = "01" // 正常
	PersonAcctSealed         = "02" // 封存
	PersonAcctMergedClosed   = "03" // 合并销户
	PersonAcctTransferClosed = "04" // 外部转出销户
	PersonAcctWithdrawClosed = "05" // 提取销户
	PersonAcctFrozen         = "06" // 冻结
	PersonAcctOther          = "99" // 其他
)

// A.7 提取原因 (TQYY) as seeded, following the BtzjManagement 贯标 mapping
// (06 死亡, 08 偿还购房贷款本息). Other systems swap 06 and 08 (domain.md §2.2):
// the table is data and a center may override it from its own dictionary, so
// code must not assume these values beyond the seed; prefer rules keyed by
// the stored code.
const (
	ReasonPurchase      = "01" // 购买住房
	ReasonBuildRepair   = "02" // 建造、翻建、大修住房
	ReasonRetirement    = "03" // 离休、退休
	ReasonDisability    = "04" // 完全丧失劳动能力，并与单位终止劳动关系
	ReasonEmigration    = "05" // 户口迁出所在市、县或出境定居
	ReasonDeath         = "06" // 死亡
	ReasonRent          = "07" // 房租超出家庭工资收入的规定比例
	ReasonLoanRepayment = "08" // 偿还购房贷款本息
	ReasonMedical       = "09" // 大病医疗
	ReasonOther         = "99" // 其他
)

// A.8 提取方式 (TQFS).
const (
	WithdrawCash     = "01" // 现金提取
	WithdrawTransfer = "02" // 转账提取
	WithdrawOther    = "99" // 其他
)

// A.9 冲账标识 (CZBZ).
const (
	NotReversal = "01" // 非冲账
	Reversal    = "02" // 冲账
)

// A.10 贷款担保类型 (DKDBLX).
const (
	GuaranteeMortgage = "01" // 抵押
	GuaranteePledge   = "02" // 质押
	GuaranteeSurety   = "03" // 保证
	GuaranteeOther    = "99" // 其他
)

// A.11 贷款还款方式 (DKHKFS).
const (
	RepayEqualInstalment = "01" // 等额本息
	RepayEqualPrincipal  = "02" // 等额本金
	RepayBullet          = "03" // 一次还本付息
	RepayFree            = "04" // 自由还款
	RepayOther           = "99" // 其他
)

// A.14 贷款风险等级 (DKFXDJ), the five-level loan classification.
const (
	RiskNormal      = "01" // 正常
	RiskSpecial     = "02" // 关注
	RiskSubstandard = "03" // 次级
	RiskDoubtful    = "04" // 可疑
	RiskLoss        = "05" // 损失
	RiskOther       = "99" // 其他
)

// A.15 贷款业务明细类型 (DKYWMXLX).
const (
	LoanBizDisburse     = "01" // 发放
	LoanBizRepay        = "02" // 正常还款
	LoanBizPrepay       = "03" // 提前还款
	LoanBizOverdueRepay = "04" // 逾期还款
	LoanBizFundRepay    = "05" // 公积金提取还款
	LoanBizSettle       = "06" // 结清
	LoanBizExtend       = "07" // 展期
	LoanBizShorten      = "08" // 缩期
	LoanBizWriteOff     = "09" // 核销
	LoanBizOther        = "99" // 其他
)

// codeTable is the seed of one table.
type codeTable struct {
	id, stdRef string
	items      [][2]string // code, name
}

// codesFrom is the valid_from of every seeded code: before any business held.
const codesFrom = "2000-01-01"

// codeSeed is the shipped content of the code tables (domain.md §5.2, §2.2).
// It is data: a deployment may override it from its 业务系统 dictionary by
// closing an item (valid_to) and adding another.
var codeSeed = []codeTable{
	{TableZJLX, "A.1", [][2]string{
		{IDTypeResidentID, "身份证"}, {IDTypeOfficer, "军官证"}, {IDTypePassport, "护照"},
		{IDTypeForeignPermanent, "外国人永久居留证"}, {IDTypeOther, "其他"},
	}},
	// LLLX as found in one system (domain.md §5.2 "verify"); no Go constants until confirmed.
	{TableLLLX, "A.2", [][2]string{
		{"01", "五年以下贷款"}, {"02", "五年以上贷款"}, {"03", "公积金贷款"}, {"04", "活期"},
		{"05", "三个月定期"}, {"06", "六个月"}, {"07", "一年"}, {"08", "两年"}, {"09", "三年"},
		{"10", "五年"}, {"11", "一天通知"}, {"12", "七天通知"}, {"13", "协定"}, {"99", "其他"},
	}},
	{TableDWZHZT, "A.4", [][2]string{
		{UnitAcctNormal, "正常"}, {UnitAcctOpened, "开户"}, {UnitAcctDeferred, "缓缴"},
		{UnitAcctClosed, "销户"}, {UnitAcctSealed, "封存"}, {UnitAcctOther, "其他"},
	}},
	{TableGJHTQYWLX, "A.5", [][2]string{
		{BizRemit, "汇缴"}, {BizSupplement, "补缴"}, {BizOpen, "开户"}, {BizUnseal, "启封"},
		{BizSeal, "封存"}, {BizInternalTransfer, "内部转移"}, {BizTransferOut, "外部转出"},
		{BizTransferIn, "外部转入"}, {BizInterest, "年终结息"}, {BizBaseAdjust, "基数调整"},
		{BizPartialWithdrawal, "部分提取"}, {BizCloseWithdrawal, "销户提取"}, {BizDeferral, "缓缴处理"},
		{BizFreeze, "冻结"}, {BizUnfreeze, "解冻"}, {BizOther, "其他"},
	}},
	{TableGRZHZT, "A.6", [][2]string{
		{PersonAcctNormal, "正常"}, {PersonAcctSealed, "封存"}, {PersonAcctMergedClosed, "合并销户"},
		{PersonAcctTransferClosed, "外部转出销户"}, {PersonAcctWithdrawClosed, "提取销户"},
		{PersonAcctFrozen, "冻结"}, {PersonAcctOther, "其他"},
	}},
	// TQYY follows the BtzjManagement 贯标 column of domain.md §2.2 (06 死亡,
	// 08 偿还购房贷款本息). This is data, not law: the center may override it.
	{TableTQYY, "A.7", [][2]string{
		{ReasonPurchase, "购买住房"}, {ReasonBuildRepair, "建造、翻建、大修住房"},
		{ReasonRetirement, "离休、退休"}, {ReasonDisability, "完全丧失劳动能力，并与单位终止劳动关系"},
		{ReasonEmigration, "户口迁出所在市、县或出境定居"}, {ReasonDeath, "死亡"},
		{ReasonRent, "房租超出家庭工资收入的规定比例"}, {ReasonLoanRepayment, "偿还购房贷款本息"},
		{ReasonMedical, "大病医疗"}, {ReasonOther, "其他"},
	}},
	{TableTQFS, "A.8", [][2]string{
		{WithdrawCash, "现金提取"}, {WithdrawTransfer, "转账提取"}, {WithdrawOther, "其他"},
	}},
	{TableCZBZ, "A.9", [][2]string{{NotReversal, "非冲账"}, {Reversal, "冲账"}}},
	{TableDKDBLX, "A.10", [][2]string{
		{GuaranteeMortgage, "抵押"}, {GuaranteePledge, "质押"}, {GuaranteeSurety, "保证"}, {GuaranteeOther, "其他"},
	}},
	{TableDKHKFS, "A.11", [][2]string{
		{RepayEqualInstalment, "等额本息"}, {RepayEqualPrincipal, "等额本金"}, {RepayBullet, "一次还本付息"},
		{RepayFree, "自由还款"}, {RepayOther, "其他"},
	}},
	{TableDKFXDJ, "A.14", [][2]string{
		{RiskNormal, "正常"}, {RiskSpecial, "关注"}, {RiskSubstandard, "次级"}, {RiskDoubtful, "可疑"},
		{RiskLoss, "损失"}, {RiskOther, "其他"},
	}},
	{TableDKYWMXLX, "A.15", [][2]string{
		{LoanBizDisburse, "发放"}, {LoanBizRepay, "正常还款"}, {LoanBizPrepay, "提前还款"},
		{LoanBizOverdueRepay, "逾期还款"}, {LoanBizFundRepay, "公积金提取还款"}, {LoanBizSettle, "结清"},
		{LoanBizExtend, "展期"}, {LoanBizShorten, "缩期"}, {LoanBizWriteOff, "核销"}, {LoanBizOther, "其他"},
	}},
}

// SeedCodes installs the shipped code tables with valid_from 2000-01-01. Items
// whose (table, code, valid_from) exists are left alone, so it is safe to run at
// every start; it returns how many rows it inserted. Called by the wiring and tests.
func (s *Store) SeedCodes(ctx context.Context) (int, error) {
	from := date.MustParse(codesFrom)
	return db.Get(ctx, s.db, func(tx *db.Tx) (int, error) {
		n := 0
		q := tx.Dialect.InsertIgnore() + ` INTO code_item (table_id, code, name, std_ref, valid_from, valid_to) VALUES (?, ?, ?, ?, ?, NULL)`
		for _, t := range codeSeed {
			for _, it := range t.items {
				k, err := tx.ExecCount(ctx, q, t.id, it[0], it[1], t.stdRef, from)
				if err != nil {
					return 0, err
				}
				n += int(k)
			}
		}
		return n, nil
	})
}

const codeCols = `table_id, code, name, std_ref, valid_from, valid_to`

// Code returns the item of a code table valid on the given date (the one with
// the latest valid_from when several are). Any package may call it, e.g. to
// check a code received from a channel or to show its name.
//
// Errors: errs.NotFound policy.unknown_code when the table has no such code
// valid on that date (also for an unknown table).
func (s *Store) Code(ctx context.Context, tableID, code string, on date.Date) (CodeItem, error) {
	var it CodeItem
	err := s.db.GetContext(ctx, &it, `SELECT `+codeCols+` FROM code_item
		WHERE table_id = ? AND code = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)
		ORDER BY valid_from DESC LIMIT 1`, tableID, code, on, on)
	if db.NoRows(err) {
		return CodeItem{}, errs.Newf(errs.NotFound, "policy.unknown_code", "代码表 %s 中没有 %s 有效的代码“%s”", tableID, on, code).
			With("table", tableID).With("code", code)
	}
	if err != nil {
		return CodeItem{}, err
	}
	return it, nil
}

// CodeTable returns the items of a table valid on the given date, sorted by
// code, one per code (the latest valid_from). An unknown table gives an empty
// list. Any package may call it, e.g. to fill a drop-down.
func (s *Store) CodeTable(ctx context.Context, tableID string, on date.Date) ([]CodeItem, error) {
	var all []CodeItem
	err := s.db.SelectContext(ctx, &all, `SELECT `+codeCols+` FROM code_item
		WHERE table_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)
		ORDER BY code, valid_from DESC`, tableID, on, on)
	if err != nil {
		return nil, err
	}
	out := make([]CodeItem, 0, len(all))
	for _, it := range all {
		if len(out) > 0 && out[len(out)-1].Code == it.Code {
			continue // an older version of the same code
		}
		out = append(out, it)
	}
	return out, nil
}
