package deposit

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// ImportUnit is a unit taken over from the center's previous business system
// (上线数据迁移) with its employees and their balances, or demo data. The unit
// is contributing (01) and paid through PaidThrough.
type ImportUnit struct {
	UnitNo, USCC, Name, Address, LegalRep string
	Payday                                int
	UnitBps, PersonBps                    int64
	FirstMonth, PaidThrough               date.Month
	Agents                                []ImportPerson // 经办人: persons who act for the unit
	Employees                             []ImportEmployee
}

// ImportPerson is a person by resident ID number.
type ImportPerson struct {
	IDNumber, Name, Mobile string
}

// ImportEmployee is an employee account with its opening balance, which is
// posted from the settlement bank's deposit account (biz type 99, serial
// "MIG-<account_no>").
type ImportEmployee struct {
	ImportPerson
	AccountNo               string
	BankCard                string
	Base                    money.Fen
	StartMonth, PaidThrough date.Month
	Opening                 money.Fen
}

// ImportUnitTx creates the unit, its suspense account, its agents, its
// employees with their ledger accounts, base and ratio history and opening
// balances, inside tx, and writes one audit record. ID numbers and the credit
// code are validated; a unit or person account that exists is ErrDuplicateUnit
// / ErrDuplicateAccount. For data migration and demo seeding; not a channel
// operation.
func (s *Service) ImportUnitTx(ctx context.Context, tx *db.Tx, in ImportUnit) (*Unit, error) {
	if _, err := ident.ParseUSCC(in.USCC); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Name) == "" || in.UnitNo == "" || in.Payday < 1 || in.Payday > 31 || in.FirstMonth.IsZero() {
		return nil, ErrInvalidInput
	}
	now := db.Now()
	today, err := s.dates.TodayTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	susp, err := s.ledger.OpenAccountTx(ctx, tx, ledger.AccountSpec{Code: ledger.CodeUnitSuspense + in.UnitNo, Name: "暂收未分摊 " + in.Name,
		Type: ledger.Liability, OwnerType: "unit", OwnerID: in.UnitNo})
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO unit (unit_no, uscc, name, address, legal_rep, payday, bank_code, status, ratio_unit_bps, ratio_person_bps,
		first_month, paid_through, suspense_ledger_id, opened_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.UnitNo, in.USCC, in.Name, in.Address, in.LegalRep, in.Payday, s.bankCode, UnitNormal, in.UnitBps, in.PersonBps,
		in.FirstMonth, in.PaidThrough, susp.ID, today, now, now)
	if db.IsDuplicate(err) {
		return nil, ErrDuplicateUnit.With("uscc", in.USCC)
	}
	if err != nil {
		return nil, fmt.Errorf("insert unit %s: %w", in.UnitNo, err)
	}
	unitID, _ := res.LastInsertId()
	if _, err := tx.ExecContext(ctx, `INSERT INTO ratio_history (unit_id, effective_month, unit_bps, person_bps, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		unitID, in.FirstMonth, in.UnitBps, in.PersonBps, actorID(ctx), now); err != nil {
		return nil, fmt.Errorf("ratio history: %w", err)
	}
	for _, a := range in.Agents {
		pid, err := ensurePersonTx(ctx, tx, a)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO unit_agent (unit_id, person_id, created_at) VALUES (?, ?, ?)`, unitID, pid, now); err != nil {
			return nil, fmt.Errorf("unit agent: %w", err)
		}
	}
	for _, e := range in.Employees {
		pid, err := ensurePersonTx(ctx, tx, e.ImportPerson)
		if err != nil {
			return nil, err
		}
		acct, err := s.ledger.OpenAccountTx(ctx, tx, ledger.AccountSpec{Code: ledger.PersonalCode(e.AccountNo), Name: "个人住房公积金 " + e.Name,
			Type: ledger.Liability, OwnerType: "person", OwnerID: e.AccountNo})
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO employee_account (account_no, person_id, unit_id, status, base_fen, reserved_mobile, bank_card,
			start_month, paid_through, opened_on, ledger_account_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.AccountNo, pid, unitID, EmpNormal, e.Base, e.Mobile, e.BankCard, e.StartMonth, e.PaidThrough, today, acct.ID, now, now)
		if db.IsDuplicate(err) {
			return nil, ErrDuplicateAccount.With("account_no", e.AccountNo)
		}
		if err != nil {
			return nil, fmt.Errorf("insert employee account %s: %w", e.AccountNo, err)
		}
		empID, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO base_history (employee_account_id, effective_month, base_fen, source, created_by, created_at) VALUES (?, ?, ?, 'import', ?, ?)`,
			empID, e.StartMonth, e.Base, actorID(ctx), now); err != nil {
			return nil, fmt.Errorf("base history: %w", err)
		}
		if e.Opening > 0 {
			if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: "MIG-" + e.AccountNo, BizType: policy.BizOther, Memo: "期初余额迁移",
				Lines: []ledger.Line{
					{Account: ledger.BankCode(s.bankCode), Side: ledger.Debit, Amount: e.Opening},
					{Account: acct.Code, Side: ledger.Credit, Amount: e.Opening},
				}}); err != nil {
				return nil, fmt.Errorf("opening balance %s: %w", e.AccountNo, err)
			}
		}
	}
	if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "deposit.import_unit", Object: "unit:" + in.UnitNo,
		After: audit.Summary(map[string]any{"employees": len(in.Employees), "paid_through": in.PaidThrough})}); err != nil {
		return nil, err
	}
	return unitByNo(ctx, tx, in.UnitNo)
}

// ensurePersonTx returns the person with the ID number, creating it when new.
func ensurePersonTx(ctx context.Context, tx *db.Tx, p ImportPerson) (int64, error) {
	id, err := ident.ParseResidentID(p.IDNumber)
	if err != nil {
		return 0, err
	}
	var pid int64
	err = tx.GetContext(ctx, &pid, `SELECT id FROM person WHERE id_type = ? AND id_number = ?`, policy.IDTypeResidentID, id.Number())
	if err == nil {
		return pid, nil
	}
	if !db.NoRows(err) {
		return 0, fmt.Errorf("find person: %w", err)
	}
	if strings.TrimSpace(p.Name) == "" {
		return 0, errs.New(errs.Invalid, "deposit.name_required", "请填写姓名")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO person (id_type, id_number, name, mobile, created_at) VALUES (?, ?, ?, ?, ?)`,
		policy.IDTypeResidentID, id.Number(), p.Name, p.Mobile, db.Now())
	if err != nil {
		return 0, fmt.Errorf("insert person: %w", err)
	}
	return res.LastInsertId()
}
