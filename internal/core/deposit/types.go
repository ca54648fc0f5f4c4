package deposit

import (
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Unit account statuses (DWZHZT, JGJ/T 320 A.4).
const (
	UnitNormal   = policy.UnitAcctNormal   // 01 正常
	UnitOpened   = policy.UnitAcctOpened   // 02 开户: registered, no first remittance yet
	UnitDeferred = policy.UnitAcctDeferred // 03 缓缴
	UnitClosed   = policy.UnitAcctClosed   // 04 销户
	UnitSealed   = policy.UnitAcctSealed   // 05 封存
)

// Employee account statuses (GRZHZT, JGJ/T 320 A.6).
const (
	EmpNormal      = policy.PersonAcctNormal         // 01 正常
	EmpSealed      = policy.PersonAcctSealed         // 02 封存
	EmpMerged      = policy.PersonAcctMergedClosed   // 03 合并销户
	EmpTransferred = policy.PersonAcctTransferClosed // 04 外部转出销户
	EmpWithdrawn   = policy.PersonAcctWithdrawClosed // 05 提取销户
	EmpFrozen      = policy.PersonAcctFrozen         // 06 冻结
)

// Unit is a unit (employer) account.
type Unit struct {
	ID             int64      `db:"id" json:"-"`
	UnitNo         string     `db:"unit_no" json:"unit_no"` // 单位账号
	USCC           string     `db:"uscc" json:"uscc"`       // 统一社会信用代码
	Name           string     `db:"name" json:"name"`
	Address        string     `db:"address" json:"address"`
	LegalRep       string     `db:"legal_rep" json:"legal_rep"`
	Payday         int        `db:"payday" json:"payday"` // 发薪日 (1–31)
	BankCode       string     `db:"bank_code" json:"bank_code"`
	Status         string     `db:"status" json:"status"`
	UnitBps        int64      `db:"ratio_unit_bps" json:"unit_ratio_bps"`
	PersonBps      int64      `db:"ratio_person_bps" json:"personal_ratio_bps"`
	FirstMonth     date.Month `db:"first_month" json:"first_month"`   // 首次汇缴年月
	PaidThrough    date.Month `db:"paid_through" json:"paid_through"` // 缴至年月
	SuspenseLedger *int64     `db:"suspense_ledger_id" json:"-"`
	OpenedOn       *date.Date `db:"opened_on" json:"opened_on,omitempty"`
	ClosedOn       *date.Date `db:"closed_on" json:"closed_on,omitempty"`
	CloseReason    string     `db:"close_reason" json:"close_reason,omitempty"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt      *time.Time `db:"updated_at" json:"-"`
}

// Employee is an employee's personal fund account (个人账户) with the person.
type Employee struct {
	ID             int64      `db:"id" json:"-"`
	AccountNo      string     `db:"account_no" json:"account_no"` // 个人账号
	PersonID       int64      `db:"person_id" json:"-"`
	UnitID         int64      `db:"unit_id" json:"-"`
	Status         string     `db:"status" json:"status"`
	PrevStatus     string     `db:"prev_status" json:"-"` // status before a freeze
	Base           money.Fen  `db:"base_fen" json:"base_fen"`
	ReservedMobile string     `db:"reserved_mobile" json:"-"`
	BankCard       string     `db:"bank_card" json:"-"`
	StartMonth     date.Month `db:"start_month" json:"start_month"`
	PaidThrough    date.Month `db:"paid_through" json:"paid_through"`
	Carry          money.Fen  `db:"carry_fen" json:"-"` // 上年结转余额 at the last settlement
	StatusReason   string     `db:"status_reason" json:"status_reason,omitempty"`
	StatusOn       *date.Date `db:"status_on" json:"status_on,omitempty"`
	OpenedOn       date.Date  `db:"opened_on" json:"opened_on"`
	ClosedOn       *date.Date `db:"closed_on" json:"closed_on,omitempty"`
	LedgerID       int64      `db:"ledger_account_id" json:"-"`
	CreatedAt      time.Time  `db:"created_at" json:"-"`
	UpdatedAt      *time.Time `db:"updated_at" json:"-"`
	// From person and the ledger (read-only here).
	IDType   string    `db:"id_type" json:"-"`
	IDNumber string    `db:"id_number" json:"-"`
	Name     string    `db:"name" json:"name"`
	Balance  money.Fen `db:"balance_fen" json:"balance_fen"`
	UnitNo   string    `db:"unit_no" json:"unit_no"`
	UnitName string    `db:"unit_name" json:"unit_name"`
}

// Closed reports whether the account is in a terminal status (03, 04, 05).
func (e *Employee) Closed() bool {
	return e.Status == EmpMerged || e.Status == EmpTransferred || e.Status == EmpWithdrawn
}
