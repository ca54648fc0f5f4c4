package deposit

import (
	"context"
	"fmt"

	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Employee account registry (个人账户设立, 封存/启封, 同城转移, 冻结/解冻):
// domain.md §1.3, §1.4, §1.10, state machine of JGJ/T 320 A.6.
//
// Unit agents act through the unit channel and pass their own unit_no;
// an account of another unit is ErrNotYourEmployee. Staff at the counter pass
// unitNo "" to act on any account (SealEmployee, UnsealEmployee, AdjustBase).

// Errors of the employee registry.
var (
	ErrUseTransfer = errs.New(errs.Conflict, "deposit.use_transfer",
		"该职工在其他单位已有封存的个人账户，请办理同城转移（转入本单位），不能重复开户")
	ErrStartMonth = errs.New(errs.Invalid, "deposit.start_month", "起缴年月不在允许范围内")
)

// EmployeeInput opens an employee account (个人账户设立).
type EmployeeInput struct {
	IDNumber string    `json:"id_number"` // resident ID, 15 or 18 characters (15 is converted)
	Name     string    `json:"name"`
	Mobile   string    `json:"phone"`     // reserved mobile, 11 digits
	BaseFen  money.Fen `json:"base_fen"`  // wage base (缴存基数)
	BankCard string    `json:"bank_card"` // payout bank card, 12–19 digits
	// StartMonth is the first contribution month (起缴年月); zero means the
	// current business month.
	StartMonth date.Month `json:"start_month"`
}

// OpenEmployee opens an employee account in the unit (个人账户设立). The unit
// agent calls it for its own unit. The unit must be 01 正常 or 02 开户; the ID
// number is validated (15 → 18 conversion), the name required, the mobile 11
// digits, the bank card 12–19 digits, the base within deposit.base.min/max in
// force on the first day of the start month, and the start month not before
// the unit's first remittance month (for a unit that has not remitted: its
// opening month) nor after next month. Each person has one
// account: an account in this unit, or one in another unit that is not sealed,
// is ErrDuplicateAccount; a sealed account in another unit must be moved with
// TransferEmployee (ErrUseTransfer). The new account gets account_no "29" +
// 10-digit person id, a ledger account 2201-PF-<account_no>, a base history
// row, status 01 and paid_through = start month − 1.
//
// Errors: ident.id_*, deposit.invalid_input, ErrBaseOutOfRange (bounds in the
// message), ErrStartMonth, ErrUnitNotFound, ErrUnitStatus, ErrDuplicateAccount,
// ErrUseTransfer, ErrNameMismatch.
func (s *Service) OpenEmployee(ctx context.Context, unitNo string, in EmployeeInput) (*Employee, error) {
	id, err := ident.ParseResidentID(in.IDNumber)
	if err != nil {
		return nil, err
	}
	name, err := regText(in.Name, "姓名", 64, true)
	if err != nil {
		return nil, err
	}
	mobile, err := regMobile(in.Mobile)
	if err != nil {
		return nil, err
	}
	card, err := regDigits(in.BankCard, "银行卡号", 12, 19)
	if err != nil {
		return nil, err
	}
	if in.BaseFen <= 0 {
		return nil, errs.New(errs.Invalid, ErrBaseOutOfRange.Code, "请填写缴存基数（须大于零）")
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Employee, error) {
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return nil, err
		}
		if !regIn(u.Status, UnitNormal, UnitOpened) {
			return nil, regUnitStatusErr(u, UnitNormal, UnitOpened)
		}
		start := in.StartMonth
		if start.IsZero() {
			start = today.MonthOf()
		}
		latest := today.MonthOf().Next()
		if start.After(latest) {
			return nil, errs.Newf(errs.Invalid, ErrStartMonth.Code, "起缴年月 %s 不能晚于 %s", start, latest).
				With("start_month", start.String()).With("latest", latest.String())
		}
		// Not before the unit's first remittance month, or, for a unit that
		// has not remitted yet, its opening month (its ratios start there).
		earliest, what := u.FirstMonth, "单位首次汇缴年月"
		if earliest.IsZero() && u.OpenedOn != nil {
			earliest, what = u.OpenedOn.MonthOf(), "单位开户年月"
		}
		if !earliest.IsZero() && start.Before(earliest) {
			return nil, errs.Newf(errs.Invalid, ErrStartMonth.Code, "起缴年月 %s 不能早于%s %s", start, what, earliest).
				With("start_month", start.String()).With("earliest", earliest.String())
		}
		if err := s.regCheckBase(ctx, in.BaseFen, start); err != nil {
			return nil, err
		}
		// One account per person: look at the person's account, if any.
		var existing struct {
			AccountNo string `db:"account_no"`
			Status    string `db:"status"`
			UnitID    int64  `db:"unit_id"`
			Name      string `db:"name"`
		}
		err = tx.GetContext(ctx, &existing, `SELECT e.account_no, e.status, e.unit_id, p.name FROM person p
			JOIN employee_account e ON e.person_id = p.id WHERE p.id_type = ? AND p.id_number = ?`+tx.Dialect.ForUpdate(),
			policy.IDTypeResidentID, id.Number())
		switch {
		case err == nil:
			return nil, regDuplicateAccount(u, existing.AccountNo, existing.Status, existing.UnitID)
		case !db.NoRows(err):
			return nil, fmt.Errorf("find existing account: %w", err)
		}
		pid, err := regEnsurePerson(ctx, tx, id.Number(), name, mobile)
		if err != nil {
			return nil, err
		}
		accountNo := fmt.Sprintf("29%010d", pid)
		acct, err := s.ledger.OpenAccountTx(ctx, tx, ledger.AccountSpec{Code: ledger.PersonalCode(accountNo),
			Name: regClip("个人住房公积金 "+name, 100), Type: ledger.Liability, OwnerType: "person", OwnerID: accountNo})
		if err != nil {
			return nil, err
		}
		now := db.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO employee_account (account_no, person_id, unit_id, status, base_fen, reserved_mobile,
			bank_card, start_month, paid_through, status_on, opened_on, ledger_account_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			accountNo, pid, u.ID, EmpNormal, in.BaseFen, mobile, card, start, start.Add(-1), today, today, acct.ID, now, now)
		if db.IsDuplicate(err) {
			var taken int
			if e := tx.GetContext(ctx, &taken, `SELECT COUNT(*) FROM employee_account WHERE account_no = ?`, accountNo); e == nil && taken > 0 {
				// A migrated account uses a number of the center's range.
				return nil, errs.Newf(errs.Internal, "deposit.account_no_taken", "个人账号 %s 已被迁移数据占用，请联系系统管理员", accountNo)
			}
			// Another transaction opened an account for the person since we
			// looked: run again to see it.
			return nil, fmt.Errorf("%w: employee account %s inserted concurrently", db.ErrRetry, accountNo)
		}
		if err != nil {
			return nil, fmt.Errorf("insert employee account: %w", err)
		}
		empID, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO base_history (employee_account_id, effective_month, base_fen, source, created_by, created_at)
			VALUES (?, ?, ?, 'open', ?, ?)`, empID, start, in.BaseFen, actorID(ctx), now); err != nil {
			return nil, fmt.Errorf("base history: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.employee_open", "employee:"+accountNo, nil, map[string]any{
			"biz_type": policy.BizOpen, "unit_no": u.UnitNo, "status": EmpNormal, "id": id.Masked(), "name": name,
			"mobile": ident.MaskMobile(mobile), "bank_card": ident.MaskCard(card), "base_fen": int64(in.BaseFen),
			"start_month": start.String()}); err != nil {
			return nil, err
		}
		return employeeByNo(ctx, tx, accountNo)
	})
}

// regDuplicateAccount explains why a person who already has an account
// cannot get another one.
func regDuplicateAccount(u *Unit, accountNo, status string, unitID int64) error {
	switch {
	case unitID == u.ID:
		return errs.Newf(errs.Conflict, ErrDuplicateAccount.Code, "该职工在本单位已有个人账户 %s（状态：%s），不能重复开户",
			accountNo, regEmpStatusNames[status]).With("account_no", accountNo).With("status", status)
	case status == EmpSealed:
		return ErrUseTransfer.With("account_no", accountNo)
	case regIn(status, EmpMerged, EmpTransferred, EmpWithdrawn):
		return errs.Newf(errs.Conflict, ErrDuplicateAccount.Code, "该职工已有已销户的个人账户（%s），不能在线重新开户，请到管理中心柜面办理",
			regEmpStatusNames[status]).With("status", status)
	default:
		return errs.Newf(errs.Conflict, ErrDuplicateAccount.Code,
			"该职工在其他单位的个人账户不为封存状态（当前：%s），须由原单位先办理封存，再由本单位办理同城转移",
			regEmpStatusNames[status]).With("status", status)
	}
}

// SealEmployee seals an employee account (01 正常 → 02 封存) when the employee
// leaves (离职/调出本市/退休/死亡/终止合同/其他); the reason (1–100
// characters) is kept on the account. The unit agent calls it for its own
// employees; staff pass unitNo "".
//
// Errors: deposit.invalid_input, ErrEmployeeNotFound, ErrNotYourEmployee,
// ErrEmployeeStatus.
func (s *Service) SealEmployee(ctx context.Context, unitNo, accountNo, reason string) (*Employee, error) {
	reason, err := regText(reason, "封存原因", 100, true)
	if err != nil {
		return nil, err
	}
	return s.regEmpTransition(ctx, unitNo, accountNo, regEmpChange{action: "deposit.employee_seal", biz: policy.BizSeal,
		from: []string{EmpNormal}, to: EmpSealed, reason: reason})
}

// UnsealEmployee unseals an employee account of the same unit (02 封存 → 01
// 正常) when the employee is re-employed there; re-employment elsewhere is
// TransferEmployee. The unit must be 01, 02 or 03. Unit agent for its own
// employees, or staff with unitNo "".
//
// Errors: ErrEmployeeNotFound, ErrNotYourEmployee, ErrEmployeeStatus, ErrUnitStatus.
func (s *Service) UnsealEmployee(ctx context.Context, unitNo, accountNo string) (*Employee, error) {
	return s.regEmpTransition(ctx, unitNo, accountNo, regEmpChange{action: "deposit.employee_unseal", biz: policy.BizUnseal,
		from: []string{EmpSealed}, to: EmpNormal, unitStatus: []string{UnitNormal, UnitOpened, UnitDeferred}})
}

// FreezeEmployee freezes an employee account (01 or 02 → 06 冻结, e.g. a court
// order), remembering the previous status; the reason (1–100 characters) is
// required. Freezing a frozen account is refused. Staff only.
//
// Errors: deposit.invalid_input, ErrEmployeeNotFound, ErrEmployeeStatus.
func (s *Service) FreezeEmployee(ctx context.Context, accountNo, reason string) (*Employee, error) {
	reason, err := regText(reason, "冻结原因", 100, true)
	if err != nil {
		return nil, err
	}
	return s.regEmpTransition(ctx, "", accountNo, regEmpChange{action: "deposit.employee_freeze", biz: policy.BizFreeze,
		from: []string{EmpNormal, EmpSealed}, to: EmpFrozen, reason: reason})
}

// UnfreezeEmployee unfreezes a frozen account (06 → the status it had before
// the freeze); the reason (1–100 characters) is required. Staff only.
//
// Errors: deposit.invalid_input, ErrEmployeeNotFound, ErrEmployeeStatus.
func (s *Service) UnfreezeEmployee(ctx context.Context, accountNo, reason string) (*Employee, error) {
	reason, err := regText(reason, "解冻原因", 100, true)
	if err != nil {
		return nil, err
	}
	return s.regEmpTransition(ctx, "", accountNo, regEmpChange{action: "deposit.employee_unfreeze", biz: policy.BizUnfreeze,
		from: []string{EmpFrozen}, reason: reason})
}

type regEmpChange struct {
	action, biz string
	from        []string
	to          string // "" = restore prev_status (unfreeze)
	reason      string
	unitStatus  []string // required status of the account's unit; nil = any
}

func (s *Service) regEmpTransition(ctx context.Context, unitNo, accountNo string, c regEmpChange) (*Employee, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Employee, error) {
		e, err := lockEmployee(ctx, tx, accountNo)
		if err != nil {
			return nil, err
		}
		u, err := regOwnUnit(ctx, tx, unitNo, e)
		if err != nil {
			return nil, err
		}
		if !regIn(e.Status, c.from...) {
			if c.to == EmpFrozen && e.Status == EmpFrozen {
				return nil, errs.Newf(errs.Conflict, ErrEmployeeStatus.Code, "个人账户 %s 已冻结，不能重复冻结", e.AccountNo).
					With("account_no", e.AccountNo).With("status", e.Status)
			}
			return nil, regEmpStatusErr(e, c.from...)
		}
		if c.unitStatus != nil && !regIn(u.Status, c.unitStatus...) {
			return nil, regUnitStatusErr(u, c.unitStatus...)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		to, prev := c.to, ""
		switch {
		case c.to == EmpFrozen:
			prev = e.Status
		case c.to == "":
			to = e.PrevStatus
			if !regIn(to, EmpNormal, EmpSealed) {
				to = EmpNormal // a freeze recorded without its previous status (e.g. migrated)
			}
		}
		reason := c.reason
		if to == EmpNormal {
			reason = "" // a status reason explains 封存/冻结 only
		} else if to == EmpSealed && reason == "" {
			reason = e.StatusReason // unfreezing back to sealed keeps the sealing reason
		}
		if _, err := tx.ExecContext(ctx, `UPDATE employee_account SET status = ?, prev_status = ?, status_reason = ?, status_on = ?, updated_at = ?
			WHERE id = ?`, to, prev, reason, today, db.Now(), e.ID); err != nil {
			return nil, fmt.Errorf("update employee status: %w", err)
		}
		after := map[string]any{"status": to, "biz_type": c.biz}
		if c.reason != "" {
			after["reason"] = c.reason
		}
		if err := s.regAudit(ctx, tx, c.action, "employee:"+e.AccountNo,
			map[string]any{"status": e.Status, "unit_no": u.UnitNo}, after); err != nil {
			return nil, err
		}
		return employeeByNo(ctx, tx, accountNo)
	})
}

// TransferEmployee moves a sealed employee account from another unit into
// toUnitNo (同城转移, business type 06): the account keeps its number and
// balance (no money moves), joins the new unit and becomes 01 正常. The
// receiving unit's agent calls it with its own unit_no; the target unit must
// be 01 or 02. An account of the same unit is unsealed instead
// (UnsealEmployee).
//
// Errors: ErrEmployeeNotFound, ErrUnitNotFound, ErrUnitStatus,
// ErrEmployeeStatus (not sealed, or already in this unit).
func (s *Service) TransferEmployee(ctx context.Context, toUnitNo, accountNo string) (*Employee, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Employee, error) {
		to, err := lockUnit(ctx, tx, toUnitNo)
		if err != nil {
			return nil, err
		}
		e, err := lockEmployee(ctx, tx, accountNo)
		if err != nil {
			return nil, err
		}
		if e.UnitID == to.ID {
			return nil, errs.Newf(errs.Conflict, ErrEmployeeStatus.Code, "个人账户 %s 已在本单位，如职工重新入职请办理启封", e.AccountNo).
				With("account_no", e.AccountNo).With("status", e.Status)
		}
		if e.Status != EmpSealed {
			return nil, regEmpStatusErr(e, EmpSealed)
		}
		if !regIn(to.Status, UnitNormal, UnitOpened) {
			return nil, regUnitStatusErr(to, UnitNormal, UnitOpened)
		}
		from, err := regUnitByID(ctx, tx, e.UnitID)
		if err != nil {
			return nil, err
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE employee_account SET unit_id = ?, status = ?, prev_status = '', status_reason = '',
			status_on = ?, updated_at = ? WHERE id = ?`, to.ID, EmpNormal, today, db.Now(), e.ID); err != nil {
			return nil, fmt.Errorf("transfer employee account: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.employee_transfer", "employee:"+e.AccountNo,
			map[string]any{"unit_no": from.UnitNo, "status": e.Status},
			map[string]any{"unit_no": to.UnitNo, "status": EmpNormal, "biz_type": policy.BizInternalTransfer,
				"balance_fen": int64(e.Balance)}); err != nil {
			return nil, err
		}
		return employeeByNo(ctx, tx, accountNo)
	})
}

// regOwnUnit returns the unit of the account, refusing with
// ErrNotYourEmployee when unitNo (the acting unit) is set and differs.
func regOwnUnit(ctx context.Context, q db.Querier, unitNo string, e *Employee) (*Unit, error) {
	u, err := regUnitByID(ctx, q, e.UnitID)
	if err != nil {
		return nil, err
	}
	if unitNo != "" && u.UnitNo != unitNo {
		return nil, ErrNotYourEmployee.With("account_no", e.AccountNo)
	}
	return u, nil
}

func regUnitByID(ctx context.Context, q db.Querier, id int64) (*Unit, error) {
	var u Unit
	err := q.GetContext(ctx, &u, `SELECT `+unitCols+` FROM unit WHERE id = ?`, id)
	if db.NoRows(err) {
		return nil, ErrUnitNotFound.With("unit_id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read unit %d: %w", id, err)
	}
	return &u, nil
}
