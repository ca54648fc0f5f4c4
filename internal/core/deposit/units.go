package deposit

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Unit registry (单位开户预约, 开户, 变更, 封存/启封, 销户): domain.md §1.2.
//
// Center-assigned numbers. A unit opened from a pre-registration gets unit_no
// "19" + the pre-registration id zero-padded to 10 digits (190000000007); an
// employee account opened here gets account_no "29" + the person id
// zero-padded to 10 digits (290000000042). Both are 12 digits. Each
// pre-registration is approved at most once and each person has at most one
// account (unique employee_account.person_id), so the numbers never repeat.
// Numbers taken over by ImportUnitTx (data migration, demo, test fixtures:
// 1000000000NN, 2NN000000NNN) must not use the prefixes 19 and 29; a clash
// is refused by the unique keys rather than overwriting anything.

// Pre-registration (开户预约) statuses.
const (
	PreregPending  = "pending"
	PreregApproved = "approved"
	PreregRejected = "rejected"
)

// Errors of the unit registry.
var (
	ErrPreregNotFound      = errs.New(errs.NotFound, "deposit.prereg_not_found", "开户预约不存在")
	ErrPreregStatus        = errs.New(errs.Conflict, "deposit.prereg_status", "该开户预约已审核，不能重复审核")
	ErrUnitSuspenseNotZero = errs.New(errs.Conflict, "deposit.unit_suspense_not_zero", "单位暂收未分摊余额不为零，不能销户")
	ErrUnitHasOpenAccounts = errs.New(errs.Conflict, "deposit.unit_has_open_accounts", "单位还有未销户的职工账户，不能销户")
	ErrNoChange            = errs.New(errs.Invalid, "deposit.no_change", "提交的信息与现有信息相同，无需变更")
	ErrNameMismatch        = errs.New(errs.Conflict, "deposit.name_mismatch", "姓名与该证件号码已登记的姓名不一致，请核对")
)

// PreregInput is a unit's online pre-registration (开户预约) from the unit hall.
type PreregInput struct {
	USCC     string `json:"uscc"`      // 统一社会信用代码 (GB 32100)
	Name     string `json:"name"`      // 单位名称, no spaces inside
	Address  string `json:"address"`   // 单位地址
	LegalRep string `json:"legal_rep"` // 法定代表人
	Payday   int    `json:"payday"`    // 发薪日 1–31
	// Ratios in basis points (12% = 1200), within deposit.ratio.* in force today.
	UnitBps   int64 `json:"unit_ratio_bps"`
	PersonBps int64 `json:"personal_ratio_bps"`
	// 经办人: resident ID number, name and 11-digit mobile.
	AgentIDNumber string `json:"agent_id_number"`
	AgentName     string `json:"agent_name"`
	AgentMobile   string `json:"agent_mobile"`
}

// Prereg is a stored pre-registration. AgentIDNumber and AgentMobile are the
// full values (for the reviewer's own screen only); lists and JSON show the
// masked forms.
type Prereg struct {
	ID            int64      `db:"id" json:"id"`
	USCC          string     `db:"uscc" json:"uscc"`
	Name          string     `db:"name" json:"name"`
	Address       string     `db:"address" json:"address"`
	LegalRep      string     `db:"legal_rep" json:"legal_rep"`
	Payday        int        `db:"payday" json:"payday"`
	BankCode      string     `db:"bank_code" json:"bank_code"`
	UnitBps       int64      `db:"ratio_unit_bps" json:"unit_ratio_bps"`
	PersonBps     int64      `db:"ratio_person_bps" json:"personal_ratio_bps"`
	AgentIDNumber string     `db:"agent_id_number" json:"-"`
	AgentName     string     `db:"agent_name" json:"agent_name"`
	AgentMobile   string     `db:"agent_mobile" json:"-"`
	Status        string     `db:"status" json:"status"`
	SubmittedAt   time.Time  `db:"submitted_at" json:"submitted_at"`
	ReviewedBy    string     `db:"reviewed_by" json:"reviewed_by,omitempty"`
	ReviewedAt    *time.Time `db:"reviewed_at" json:"reviewed_at,omitempty"`
	ReviewComment string     `db:"review_comment" json:"review_comment,omitempty"`
	UnitID        *int64     `db:"unit_id" json:"-"`
	UnitNo        string     `db:"unit_no" json:"unit_no,omitempty"` // set once approved
	// Masked forms for lists and JSON.
	AgentIDMasked     string `db:"-" json:"agent_id_number"`
	AgentMobileMasked string `db:"-" json:"agent_mobile"`
}

// UnitInfo is the changeable registration data of a unit (单位信息变更). All
// fields are required: the form shows the current values.
type UnitInfo struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	LegalRep string `json:"legal_rep"`
	Payday   int    `json:"payday"`
}

const preregCols = `p.id, p.uscc, p.name, p.address, p.legal_rep, p.payday, p.bank_code, p.ratio_unit_bps, p.ratio_person_bps,
	p.agent_id_number, p.agent_name, p.agent_mobile, p.status, p.submitted_at, p.reviewed_by, p.reviewed_at, p.review_comment,
	p.unit_id, COALESCE(u.unit_no, '') AS unit_no`

const preregFrom = ` FROM unit_prereg p LEFT JOIN unit u ON u.id = p.unit_id`

// SubmitPreregistration records a unit's pre-registration (开户预约) from the
// online hall for staff review. Anyone may call it through the unit hall (the
// unit has no account yet). The credit code, names, payday, ratios (policy
// bounds in force on the business date), agent ID number and mobile are
// validated; nothing is stored on error.
//
// Errors: ident.uscc_* / ident.id_* (invalid codes), deposit.invalid_input,
// deposit.unit_name_spaces, ErrRatioOutOfRange (bounds in the message),
// ErrDuplicateUnit (a unit or a pending pre-registration has the credit code),
// ErrNameMismatch (the agent's ID number is registered under another name).
func (s *Service) SubmitPreregistration(ctx context.Context, in PreregInput) (*Prereg, error) {
	uscc, err := ident.ParseUSCC(in.USCC)
	if err != nil {
		return nil, err
	}
	info, err := regUnitInfo(UnitInfo{Name: in.Name, Address: in.Address, LegalRep: in.LegalRep, Payday: in.Payday})
	if err != nil {
		return nil, err
	}
	agent, err := regAgent(in.AgentIDNumber, in.AgentName, in.AgentMobile)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Prereg, error) {
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		if err := s.regCheckRatios(ctx, today, in.UnitBps, in.PersonBps); err != nil {
			return nil, err
		}
		if err := regUSCCFree(ctx, tx, uscc.Code()); err != nil {
			return nil, err
		}
		if err := regPersonNameMatches(ctx, tx, agent.IDNumber, agent.Name); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO unit_prereg (uscc, name, address, legal_rep, payday, bank_code, ratio_unit_bps,
			ratio_person_bps, agent_id_number, agent_name, agent_mobile, status, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			uscc.Code(), info.Name, info.Address, info.LegalRep, info.Payday, s.bankCode, in.UnitBps, in.PersonBps,
			agent.IDNumber, agent.Name, agent.Mobile, PreregPending, db.Now())
		if err != nil {
			return nil, fmt.Errorf("insert pre-registration: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if err := s.regAudit(ctx, tx, "deposit.prereg_submit", fmt.Sprintf("prereg:%d", id), nil, map[string]any{
			"uscc": uscc.Code(), "name": info.Name, "payday": info.Payday,
			"unit_ratio": policy.FormatBps(in.UnitBps), "personal_ratio": policy.FormatBps(in.PersonBps),
			"agent": agent.Name, "agent_id": agent.Masked, "agent_mobile": ident.MaskMobile(agent.Mobile)}); err != nil {
			return nil, err
		}
		return preregByID(ctx, tx, id, false)
	})
}

// ApprovePreregistration approves a pending pre-registration and opens the
// unit: status 02 开户 with a center-assigned unit_no ("19" + 10-digit
// pre-registration id), its 暂收未分摊 ledger account, the ratio history from
// the current business month, and the agent (person found or created by ID
// number) linked in unit_agent. Staff only (reviewer = the staff member,
// required). Ratios are checked again against the bounds in force today.
//
// Errors: deposit.invalid_input (no reviewer), ErrPreregNotFound,
// ErrPreregStatus (not pending), ErrDuplicateUnit, ErrRatioOutOfRange,
// ErrNameMismatch.
func (s *Service) ApprovePreregistration(ctx context.Context, id int64, reviewer, comment string) (*Unit, error) {
	reviewer, comment, err := regReview(reviewer, comment, false)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Unit, error) {
		p, err := preregByID(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		if p.Status != PreregPending {
			return nil, regPreregStatusErr(p)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		if err := s.regCheckRatios(ctx, today, p.UnitBps, p.PersonBps); err != nil {
			return nil, err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM unit WHERE uscc = ?`, p.USCC); err != nil {
			return nil, fmt.Errorf("check credit code: %w", err)
		}
		if n > 0 {
			return nil, ErrDuplicateUnit.With("uscc", p.USCC)
		}
		unitNo := fmt.Sprintf("19%010d", p.ID)
		susp, err := s.ledger.OpenAccountTx(ctx, tx, ledger.AccountSpec{Code: ledger.CodeUnitSuspense + unitNo,
			Name: regClip("暂收未分摊 "+p.Name, 100), Type: ledger.Liability, OwnerType: "unit", OwnerID: unitNo})
		if err != nil {
			return nil, err
		}
		now := db.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO unit (unit_no, uscc, name, address, legal_rep, payday, bank_code, status,
			ratio_unit_bps, ratio_person_bps, suspense_ledger_id, opened_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			unitNo, p.USCC, p.Name, p.Address, p.LegalRep, p.Payday, p.BankCode, UnitOpened, p.UnitBps, p.PersonBps, susp.ID, today, now, now)
		if db.IsDuplicate(err) {
			return nil, ErrDuplicateUnit.With("uscc", p.USCC).With("unit_no", unitNo)
		}
		if err != nil {
			return nil, fmt.Errorf("insert unit: %w", err)
		}
		unitID, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ratio_history (unit_id, effective_month, unit_bps, person_bps, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, unitID, today.MonthOf(), p.UnitBps, p.PersonBps, actorID(ctx), now); err != nil {
			return nil, fmt.Errorf("ratio history: %w", err)
		}
		pid, err := regEnsurePerson(ctx, tx, p.AgentIDNumber, p.AgentName, p.AgentMobile)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO unit_agent (unit_id, person_id, created_at) VALUES (?, ?, ?)`, unitID, pid, now); err != nil {
			return nil, fmt.Errorf("unit agent: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit_prereg SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ?, unit_id = ?
			WHERE id = ?`, PreregApproved, reviewer, now, comment, unitID, p.ID); err != nil {
			return nil, fmt.Errorf("mark pre-registration approved: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.prereg_approve", "unit:"+unitNo,
			map[string]any{"prereg": p.ID, "status": PreregPending},
			map[string]any{"prereg": p.ID, "status": PreregApproved, "unit_status": UnitOpened, "uscc": p.USCC, "name": p.Name,
				"reviewer": reviewer, "agent_id": ident.MaskIDNumber(p.AgentIDNumber)}); err != nil {
			return nil, err
		}
		return unitByNo(ctx, tx, unitNo)
	})
}

// RejectPreregistration rejects a pending pre-registration with the reason
// shown to the applicant. Staff only; reviewer and comment are required.
//
// Errors: deposit.invalid_input, ErrPreregNotFound, ErrPreregStatus.
func (s *Service) RejectPreregistration(ctx context.Context, id int64, reviewer, comment string) (*Prereg, error) {
	reviewer, comment, err := regReview(reviewer, comment, true)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Prereg, error) {
		p, err := preregByID(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		if p.Status != PreregPending {
			return nil, regPreregStatusErr(p)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit_prereg SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ? WHERE id = ?`,
			PreregRejected, reviewer, db.Now(), comment, p.ID); err != nil {
			return nil, fmt.Errorf("mark pre-registration rejected: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.prereg_reject", fmt.Sprintf("prereg:%d", p.ID),
			map[string]any{"status": PreregPending},
			map[string]any{"status": PreregRejected, "reviewer": reviewer, "comment": comment}); err != nil {
			return nil, err
		}
		return preregByID(ctx, tx, p.ID, false)
	})
}

// PendingPreregistrations lists the pre-registrations waiting for review,
// oldest first (staff review queue).
func (s *Service) PendingPreregistrations(ctx context.Context) ([]Prereg, error) {
	out := []Prereg{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+preregCols+preregFrom+` WHERE p.status = ? ORDER BY p.id`, PreregPending); err != nil {
		return nil, fmt.Errorf("list pre-registrations: %w", err)
	}
	for i := range out {
		out[i].mask()
	}
	return out, nil
}

// Preregistration returns one pre-registration (staff, or the applicant's
// status page). Errors: ErrPreregNotFound.
func (s *Service) Preregistration(ctx context.Context, id int64) (*Prereg, error) {
	return preregByID(ctx, s.db, id, false)
}

func (p *Prereg) mask() {
	p.AgentIDMasked = ident.MaskIDNumber(p.AgentIDNumber)
	p.AgentMobileMasked = ident.MaskMobile(p.AgentMobile)
}

func preregByID(ctx context.Context, q db.Querier, id int64, lock bool) (*Prereg, error) {
	if lock {
		tx, ok := q.(*db.Tx)
		if !ok {
			return nil, fmt.Errorf("lock pre-registration %d outside a transaction", id)
		}
		var n int64
		err := tx.GetContext(ctx, &n, `SELECT id FROM unit_prereg WHERE id = ?`+tx.Dialect.ForUpdate(), id)
		if db.NoRows(err) {
			return nil, ErrPreregNotFound.With("id", id)
		}
		if err != nil {
			return nil, fmt.Errorf("lock pre-registration %d: %w", id, err)
		}
	}
	var p Prereg
	err := q.GetContext(ctx, &p, `SELECT `+preregCols+preregFrom+` WHERE p.id = ?`, id)
	if db.NoRows(err) {
		return nil, ErrPreregNotFound.With("id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read pre-registration %d: %w", id, err)
	}
	p.SubmittedAt = p.SubmittedAt.UTC()
	p.mask()
	return &p, nil
}

func regPreregStatusErr(p *Prereg) error {
	names := map[string]string{PreregPending: "待审核", PreregApproved: "已通过", PreregRejected: "已驳回"}
	return errs.Newf(errs.Conflict, ErrPreregStatus.Code, "该开户预约当前状态为「%s」，只能审核待审核的预约", names[p.Status]).
		With("status", p.Status)
}

// regUSCCFree refuses a credit code that has a unit or a pending
// pre-registration. On MySQL the pending rows are locked (with the gap), so two
// submissions of the same code cannot both pass.
func regUSCCFree(ctx context.Context, tx *db.Tx, uscc string) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM unit WHERE uscc = ?`, uscc); err != nil {
		return fmt.Errorf("check credit code: %w", err)
	}
	if n > 0 {
		return errs.New(errs.Conflict, ErrDuplicateUnit.Code, "该统一社会信用代码已登记单位账户，不能重复开户").With("uscc", uscc)
	}
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM unit_prereg WHERE uscc = ? AND status = ?`+tx.Dialect.ForUpdate(), uscc, PreregPending); err != nil {
		return fmt.Errorf("check pending pre-registrations: %w", err)
	}
	if len(ids) > 0 {
		return errs.New(errs.Conflict, ErrDuplicateUnit.Code, "该统一社会信用代码已有待审核的开户预约，请等待审核结果").With("uscc", uscc)
	}
	return nil
}

// ChangeUnitInfo changes a unit's name, address, legal representative and
// payday (单位信息变更); the audit record holds before and after. The unit
// agent calls it for its own unit (unitNo from the session), staff for any.
// A closed unit (04) cannot change.
//
// Errors: deposit.invalid_input, deposit.unit_name_spaces, ErrNoChange,
// ErrUnitNotFound, ErrUnitStatus.
func (s *Service) ChangeUnitInfo(ctx context.Context, unitNo string, in UnitInfo) (*Unit, error) {
	info, err := regUnitInfo(in)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Unit, error) {
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return nil, err
		}
		if u.Status == UnitClosed {
			return nil, regUnitStatusErr(u, UnitNormal, UnitOpened, UnitDeferred, UnitSealed)
		}
		before, after := map[string]any{}, map[string]any{}
		diff := func(k string, old, nu any) {
			if old != nu {
				before[k], after[k] = old, nu
			}
		}
		diff("name", u.Name, info.Name)
		diff("address", u.Address, info.Address)
		diff("legal_rep", u.LegalRep, info.LegalRep)
		diff("payday", u.Payday, info.Payday)
		if len(after) == 0 {
			return nil, ErrNoChange
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET name = ?, address = ?, legal_rep = ?, payday = ?, updated_at = ? WHERE id = ?`,
			info.Name, info.Address, info.LegalRep, info.Payday, db.Now(), u.ID); err != nil {
			return nil, fmt.Errorf("update unit: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.unit_change", "unit:"+u.UnitNo, before, after); err != nil {
			return nil, err
		}
		return unitByNo(ctx, tx, unitNo)
	})
}

// SealUnit seals a contributing unit (01 正常 → 05 封存), e.g. a dormant
// unit; the reason (1–100 characters) is audited. Employee accounts keep their
// status. Staff only (the unit applies at the counter).
//
// Errors: deposit.invalid_input, ErrUnitNotFound, ErrUnitStatus (naming the
// current and the required status).
func (s *Service) SealUnit(ctx context.Context, unitNo, reason string) (*Unit, error) {
	reason, err := regText(reason, "封存原因", 100, true)
	if err != nil {
		return nil, err
	}
	return s.regUnitTransition(ctx, unitNo, "deposit.unit_seal", reason, []string{UnitNormal}, UnitSealed)
}

// UnsealUnit unseals a sealed unit (05 封存 → 01 正常). Staff only.
//
// Errors: ErrUnitNotFound, ErrUnitStatus.
func (s *Service) UnsealUnit(ctx context.Context, unitNo string) (*Unit, error) {
	return s.regUnitTransition(ctx, unitNo, "deposit.unit_unseal", "", []string{UnitSealed}, UnitNormal)
}

func (s *Service) regUnitTransition(ctx context.Context, unitNo, action, reason string, from []string, to string) (*Unit, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Unit, error) {
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return nil, err
		}
		if !regIn(u.Status, from...) {
			return nil, regUnitStatusErr(u, from...)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET status = ?, updated_at = ? WHERE id = ?`, to, db.Now(), u.ID); err != nil {
			return nil, fmt.Errorf("update unit status: %w", err)
		}
		after := map[string]any{"status": to}
		if reason != "" {
			after["reason"] = reason
		}
		if err := s.regAudit(ctx, tx, action, "unit:"+u.UnitNo, map[string]any{"status": u.Status}, after); err != nil {
			return nil, err
		}
		return unitByNo(ctx, tx, unitNo)
	})
}

// CloseUnit closes a unit (01 正常 or 05 封存 → 04 销户) with the reason
// (1–100 characters). It is refused while the unit's 暂收未分摊 balance is not
// zero or any employee account is not closed (03/04/05); the error says which
// and how much / how many. Staff only.
//
// Errors: deposit.invalid_input, ErrUnitNotFound, ErrUnitStatus,
// ErrUnitSuspenseNotZero, ErrUnitHasOpenAccounts.
func (s *Service) CloseUnit(ctx context.Context, unitNo, reason string) (*Unit, error) {
	reason, err := regText(reason, "销户原因", 100, true)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Unit, error) {
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return nil, err
		}
		if !regIn(u.Status, UnitNormal, UnitSealed) {
			return nil, regUnitStatusErr(u, UnitNormal, UnitSealed)
		}
		var susp money.Fen
		if u.SuspenseLedger != nil {
			if err := tx.GetContext(ctx, &susp, `SELECT balance_fen FROM ledger_account WHERE id = ?`+tx.Dialect.ForUpdate(), *u.SuspenseLedger); err != nil {
				return nil, fmt.Errorf("read suspense balance: %w", err)
			}
		}
		if susp != 0 {
			return nil, errs.Newf(errs.Conflict, ErrUnitSuspenseNotZero.Code,
				"单位暂收未分摊余额为 %s 元，须先分摊到职工账户或退回后才能销户", susp.Format()).With("suspense_fen", int64(susp))
		}
		var open int
		if err := tx.GetContext(ctx, &open, `SELECT COUNT(*) FROM employee_account WHERE unit_id = ? AND status NOT IN (?, ?, ?)`,
			u.ID, EmpMerged, EmpTransferred, EmpWithdrawn); err != nil {
			return nil, fmt.Errorf("count open employee accounts: %w", err)
		}
		if open > 0 {
			return nil, errs.Newf(errs.Conflict, ErrUnitHasOpenAccounts.Code,
				"单位还有 %d 个职工账户未销户（正常、封存或冻结），须先办理转移或销户后才能销户单位", open).With("open_accounts", open)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET status = ?, closed_on = ?, close_reason = ?, updated_at = ? WHERE id = ?`,
			UnitClosed, today, reason, db.Now(), u.ID); err != nil {
			return nil, fmt.Errorf("close unit: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.unit_close", "unit:"+u.UnitNo, map[string]any{"status": u.Status},
			map[string]any{"status": UnitClosed, "reason": reason, "closed_on": today.String()}); err != nil {
			return nil, err
		}
		return unitByNo(ctx, tx, unitNo)
	})
}

// ---- helpers shared by the registry files (units, employees, base/ratio, deferral) ----

var regUnitStatusNames = map[string]string{
	UnitNormal: "正常", UnitOpened: "开户", UnitDeferred: "缓缴", UnitClosed: "销户", UnitSealed: "封存",
}

var regEmpStatusNames = map[string]string{
	EmpNormal: "正常", EmpSealed: "封存", EmpMerged: "合并销户", EmpTransferred: "外部转出销户", EmpWithdrawn: "提取销户", EmpFrozen: "冻结",
}

func regNames(names map[string]string, codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = names[c]
		if out[i] == "" {
			out[i] = c
		}
	}
	return strings.Join(out, "」或「")
}

// regUnitStatusErr is ErrUnitStatus naming the current and the required statuses.
func regUnitStatusErr(u *Unit, want ...string) error {
	return errs.Newf(errs.Conflict, ErrUnitStatus.Code, "单位账户当前状态为「%s」，办理此业务要求单位状态为「%s」",
		regNames(regUnitStatusNames, []string{u.Status}), regNames(regUnitStatusNames, want)).
		With("unit_no", u.UnitNo).With("status", u.Status).With("required", want)
}

// regEmpStatusErr is ErrEmployeeStatus naming the current and the required statuses.
func regEmpStatusErr(e *Employee, want ...string) error {
	return errs.Newf(errs.Conflict, ErrEmployeeStatus.Code, "个人账户 %s 当前状态为「%s」，办理此业务要求账户状态为「%s」", e.AccountNo,
		regNames(regEmpStatusNames, []string{e.Status}), regNames(regEmpStatusNames, want)).
		With("account_no", e.AccountNo).With("status", e.Status).With("required", want)
}

func regIn(v string, set ...string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// regText trims s and checks it is present (when required) and at most max
// characters; field is the Chinese field name used in the message.
func regText(s, field string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		return "", errs.Newf(errs.Invalid, ErrInvalidInput.Code, "请填写%s", field).With("field", field)
	}
	if utf8.RuneCountInString(s) > max || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return "", errs.Newf(errs.Invalid, ErrInvalidInput.Code, "%s最多 %d 个字，且不能含控制字符", field, max).With("field", field).With("max", max)
	}
	return s, nil
}

// regDigits checks that s (trimmed) is between min and max ASCII digits.
func regDigits(s, field string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	ok := len(s) >= min && len(s) <= max
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		want := fmt.Sprintf("%d 位数字", min)
		if min != max {
			want = fmt.Sprintf("%d–%d 位数字", min, max)
		}
		return "", errs.Newf(errs.Invalid, ErrInvalidInput.Code, "%s应为 %s", field, want).With("field", field)
	}
	return s, nil
}

// regMobile checks an 11-digit mainland mobile number starting with 1.
func regMobile(s string) (string, error) {
	m, err := regDigits(s, "手机号码", 11, 11)
	if err != nil {
		return "", err
	}
	if m[0] != '1' {
		return "", errs.New(errs.Invalid, ErrInvalidInput.Code, "手机号码应为以 1 开头的 11 位数字").With("field", "手机号码")
	}
	return m, nil
}

func regClip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// regUnitInfo validates and normalises unit registration data.
func regUnitInfo(in UnitInfo) (UnitInfo, error) {
	name, err := regText(in.Name, "单位名称", 100, true)
	if err != nil {
		return UnitInfo{}, err
	}
	if strings.ContainsFunc(name, unicode.IsSpace) {
		return UnitInfo{}, errs.New(errs.Invalid, "deposit.unit_name_spaces", "单位名称中不能含有空格，请按营业执照上的名称填写")
	}
	addr, err := regText(in.Address, "单位地址", 200, true)
	if err != nil {
		return UnitInfo{}, err
	}
	rep, err := regText(in.LegalRep, "法定代表人", 64, true)
	if err != nil {
		return UnitInfo{}, err
	}
	if in.Payday < 1 || in.Payday > 31 {
		return UnitInfo{}, errs.New(errs.Invalid, ErrInvalidInput.Code, "发薪日应为每月 1 至 31 日之间的一天").With("field", "发薪日")
	}
	return UnitInfo{Name: name, Address: addr, LegalRep: rep, Payday: in.Payday}, nil
}

type regPerson struct {
	IDNumber, Masked, Name, Mobile string
}

func regAgent(idNumber, name, mobile string) (regPerson, error) {
	id, err := ident.ParseResidentID(idNumber)
	if err != nil {
		return regPerson{}, err
	}
	n, err := regText(name, "经办人姓名", 64, true)
	if err != nil {
		return regPerson{}, err
	}
	m, err := regMobile(mobile)
	if err != nil {
		return regPerson{}, err
	}
	return regPerson{IDNumber: id.Number(), Masked: id.Masked(), Name: n, Mobile: m}, nil
}

func regReview(reviewer, comment string, commentRequired bool) (string, string, error) {
	r, err := regText(reviewer, "审核人", 64, true)
	if err != nil {
		return "", "", err
	}
	c, err := regText(comment, "审核意见", 200, commentRequired)
	if err != nil {
		return "", "", err
	}
	return r, c, nil
}

// regPersonNameMatches refuses an ID number already registered under another name.
func regPersonNameMatches(ctx context.Context, q db.Querier, idNumber, name string) error {
	var have string
	err := q.GetContext(ctx, &have, `SELECT name FROM person WHERE id_type = ? AND id_number = ?`, policy.IDTypeResidentID, idNumber)
	if db.NoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find person: %w", err)
	}
	if have != name {
		return ErrNameMismatch
	}
	return nil
}

// regEnsurePerson returns the person with the (checked, 18-character) ID
// number, creating it when new. An existing person with another name is
// ErrNameMismatch. A concurrent insert of the same person makes the
// transaction retry (db.ErrRetry) so that it sees the winner.
func regEnsurePerson(ctx context.Context, tx *db.Tx, idNumber, name, mobile string) (int64, error) {
	var p struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	err := tx.GetContext(ctx, &p, `SELECT id, name FROM person WHERE id_type = ? AND id_number = ?`+tx.Dialect.ForUpdate(),
		policy.IDTypeResidentID, idNumber)
	if err == nil {
		if p.Name != name {
			return 0, ErrNameMismatch
		}
		return p.ID, nil
	}
	if !db.NoRows(err) {
		return 0, fmt.Errorf("find person: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO person (id_type, id_number, name, mobile, created_at) VALUES (?, ?, ?, ?, ?)`,
		policy.IDTypeResidentID, idNumber, name, mobile, db.Now())
	if db.IsDuplicate(err) {
		return 0, fmt.Errorf("%w: person inserted concurrently", db.ErrRetry)
	}
	if err != nil {
		return 0, fmt.Errorf("insert person: %w", err)
	}
	return res.LastInsertId()
}

// regCheckRatios checks both ratios against deposit.ratio.* in force on the date.
func (s *Service) regCheckRatios(ctx context.Context, on date.Date, unitBps, personBps int64) error {
	for _, c := range []struct {
		name       string
		v          int64
		minK, maxK string
	}{
		{"单位缴存比例", unitBps, policy.DepositRatioUnitMin, policy.DepositRatioUnitMax},
		{"个人缴存比例", personBps, policy.DepositRatioPersonMin, policy.DepositRatioPersonMax},
	} {
		lo, err := s.policy.Bps(ctx, c.minK, on)
		if err != nil {
			return err
		}
		hi, err := s.policy.Bps(ctx, c.maxK, on)
		if err != nil {
			return err
		}
		if c.v < lo || c.v > hi {
			return errs.Newf(errs.Invalid, ErrRatioOutOfRange.Code, "%s %s 超出允许范围：须在 %s 至 %s 之间（%s 起执行的规定）",
				c.name, policy.FormatBps(c.v), policy.FormatBps(lo), policy.FormatBps(hi), on).
				With("field", c.name).With("min", policy.FormatBps(lo)).With("max", policy.FormatBps(hi))
		}
	}
	return nil
}

// regAudit appends the audit record of a registry operation; call it last in
// the transaction. Summaries must already be masked.
func (s *Service) regAudit(ctx context.Context, tx *db.Tx, action, object string, before, after map[string]any) error {
	r := audit.Record{Action: action, Object: object}
	if before != nil {
		r.Before = audit.Summary(before)
	}
	if after != nil {
		r.After = audit.Summary(after)
	}
	_, err := s.audit.Append(ctx, tx, r)
	return err
}
