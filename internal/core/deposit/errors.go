package deposit

import "gjj/internal/platform/errs"

// Errors of the deposit core. Messages are shown to users; where a bound is
// violated the error carries it in Details and in a formatted message.
var (
	ErrUnitNotFound     = errs.New(errs.NotFound, "deposit.unit_not_found", "单位账户不存在")
	ErrEmployeeNotFound = errs.New(errs.NotFound, "deposit.employee_not_found", "个人账户不存在")
	ErrNotYourEmployee  = errs.New(errs.Forbidden, "deposit.not_your_employee", "该职工不属于本单位，不能办理")
	ErrUnitStatus       = errs.New(errs.Conflict, "deposit.unit_status", "单位账户当前状态不能办理此业务")
	ErrEmployeeStatus   = errs.New(errs.Conflict, "deposit.employee_status", "个人账户当前状态不能办理此业务")
	ErrDuplicateAccount = errs.New(errs.Conflict, "deposit.duplicate_account", "该职工已有住房公积金账户（每人只能有一个账户）")
	ErrDuplicateUnit    = errs.New(errs.Conflict, "deposit.duplicate_unit", "该统一社会信用代码已登记单位账户或已有待审核的开户预约")
	ErrBaseOutOfRange   = errs.New(errs.Invalid, "deposit.base_out_of_range", "缴存基数超出允许范围")
	ErrRatioOutOfRange  = errs.New(errs.Invalid, "deposit.ratio_out_of_range", "缴存比例超出允许范围")
	ErrMonthNotNext     = errs.New(errs.Conflict, "deposit.month_not_next", "汇缴月份必须是下一个未缴月份")
	ErrMonthPaid        = errs.New(errs.Conflict, "deposit.month_paid", "该月份已汇缴")
	ErrPaymentMismatch  = errs.New(errs.Conflict, "deposit.payment_mismatch", "到账金额与清册金额不符，款项已转入暂收未分摊")
	ErrReceiptNotFound  = errs.New(errs.NotFound, "deposit.receipt_not_found", "银行未查到该笔到账流水")
	ErrBillStatus       = errs.New(errs.Conflict, "deposit.bill_status", "清册当前状态不能办理此业务")
	ErrBillNotFound     = errs.New(errs.NotFound, "deposit.bill_not_found", "汇缴清册不存在")
	ErrNoContributors   = errs.New(errs.Conflict, "deposit.no_contributors", "单位没有正常缴存的职工，无需生成清册")
	ErrInvalidInput     = errs.New(errs.Invalid, "deposit.invalid_input", "提交的信息不完整或格式不正确")
)
