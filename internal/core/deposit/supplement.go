package deposit

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// Errors of supplementary payment (补缴).
var (
	ErrSupplementMonth   = errs.New(errs.Conflict, "deposit.supplement_month", "补缴月份不符合要求")
	ErrSupplementCovered = errs.New(errs.Conflict, "deposit.supplement_covered", "该月份已缴存入账，不能重复补缴")
)

// MaxSupplementLines caps the employee-months of one 补缴 bill.
const MaxSupplementLines = 50_000

// SupplementItem asks for 补缴 of some months of one employee.
type SupplementItem struct {
	AccountNo string       `json:"account_no"`
	Months    []date.Month `json:"months"`
}

// roundingMixed is stored as a bill's rounding when its months were rounded
// with different deposit.rounding versions.
const roundingMixed = "MIXED"

// GenerateSupplement generates a 补缴清册 (kind 02) for the given employees
// and months and returns it with its lines. Called by the unit's agent or
// staff (domain.md §1.8).
//
// The bill's month is the earliest month asked for and its batch the next
// batch number of the unit for that month (batch 0 is the month's 汇缴 bill).
// There is one line per employee-month with the base and the unit's ratios IN
// FORCE in that month (RatesFor: base_history / ratio_history), each part
// rounded with the deposit.rounding mode in force on that month's first day.
// Paying it is PayBill (serial "SUP-<unit_no>-<id>", biz type 02) or
// AllocateSuspense; it credits the personal accounts and does not move any
// paid-through month.
//
// Refused, nothing written: ErrInvalidInput (no items, an empty or repeated
// employee-month, more than MaxSupplementLines), ErrUnitNotFound,
// ErrUnitStatus (unit closed), ErrEmployeeNotFound, ErrNotYourEmployee,
// ErrEmployeeStatus (account closed), ErrSupplementMonth (a month after the
// employee's paid-through month — that is 汇缴, not 补缴 —, before the unit's
// first month or before the employee's start month, or the unit has not made
// its first remittance), ErrSupplementCovered (the month is already paid by a
// posted bill for that employee), ErrNoRates (no base or ratio recorded for
// the month).
func (s *Service) GenerateSupplement(ctx context.Context, unitNo string, items []SupplementItem) (*Bill, error) {
	if len(items) == 0 {
		return nil, remitErr(ErrInvalidInput, "请至少填写一名职工及其补缴月份").With("field", "items")
	}
	type want struct {
		accountNo string
		months    []date.Month
	}
	wants := make([]want, 0, len(items))
	seen := map[string]bool{}
	var months []date.Month
	monthSeen := map[date.Month]bool{}
	total := 0
	for _, it := range items {
		acct := strings.TrimSpace(it.AccountNo)
		if acct == "" || len(it.Months) == 0 {
			return nil, remitErr(ErrInvalidInput, "每一项都要填写个人账号和至少一个补缴月份").With("account_no", acct)
		}
		ms := append([]date.Month(nil), it.Months...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].Before(ms[j]) })
		for _, m := range ms {
			key := acct + "/" + m.String()
			if m.IsZero() || seen[key] {
				return nil, remitErr(ErrInvalidInput, "职工 %s 的补缴月份为空或重复：%s", acct, m).With("account_no", acct).With("month", m.String())
			}
			seen[key] = true
			if !monthSeen[m] {
				monthSeen[m] = true
				months = append(months, m)
			}
		}
		total += len(ms)
		wants = append(wants, want{accountNo: acct, months: ms})
	}
	if total > MaxSupplementLines {
		return nil, remitErr(ErrInvalidInput, "一张补缴清册最多 %d 个职工月份，本次 %d 个，请分批办理", MaxSupplementLines, total).
			With("max", MaxSupplementLines)
	}
	sort.Slice(wants, func(i, j int) bool { return wants[i].accountNo < wants[j].accountNo })
	// Rounding modes in force per month, read before the transaction (the
	// policy store reads through the pool); errors surface after the checks.
	modes := make(map[date.Month]string, len(months))
	modeErrs := make(map[date.Month]error)
	for _, m := range months {
		mode, err := s.policy.String(ctx, policy.DepositRounding, m.First())
		if err != nil {
			modeErrs[m] = err
		}
		modes[m] = mode
	}

	var out *Bill
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		out = nil
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		if u.Status == UnitClosed {
			return remitErr(ErrUnitStatus, "单位账户已销户，不能办理补缴").With("status", u.Status)
		}
		if u.FirstMonth.IsZero() {
			return remitErr(ErrSupplementMonth, "单位尚未首次汇缴，不能办理补缴；请先办理汇缴")
		}
		b := &Bill{UnitID: u.ID, Kind: BillSupplement, Status: BillGenerated, GeneratedBy: clipRunes(actorID(ctx), 64), GeneratedAt: db.Now()}
		usedModes := map[string]bool{}
		for _, w := range wants {
			emp, err := employeeByNo(ctx, tx, w.accountNo)
			if err != nil {
				return err
			}
			if emp.UnitID != u.ID {
				return ErrNotYourEmployee.With("account_no", w.accountNo)
			}
			if emp.Closed() {
				return remitErr(ErrEmployeeStatus, "职工 %s 的账户已销户（状态 %s），不能补缴", w.accountNo, emp.Status).
					With("account_no", w.accountNo).With("status", emp.Status)
			}
			for _, m := range w.months {
				if err := supplementMonthCheck(u, emp, m); err != nil {
					return err
				}
			}
			if err := coveredCheck(ctx, tx, emp, w.months); err != nil {
				return err
			}
			for _, m := range w.months {
				base, ub, pb, err := RatesFor(ctx, tx, emp.ID, u.ID, m)
				if err != nil {
					return err
				}
				if err := modeErrs[m]; err != nil {
					return err
				}
				ln := BillLine{LineNo: len(b.Lines) + 1, EmployeeID: emp.ID, AccountNo: emp.AccountNo, Name: emp.Name, Month: m,
					Base: base, UnitBps: ub, PersonBps: pb}
				if err := ln.compute(modes[m]); err != nil {
					return err
				}
				usedModes[modes[m]] = true
				b.Lines = append(b.Lines, ln)
				if b.Month.IsZero() || m.Before(b.Month) {
					b.Month = m
				}
			}
		}
		if err := b.total(); err != nil {
			return err
		}
		for m := range usedModes {
			b.Rounding = m
		}
		if len(usedModes) > 1 {
			b.Rounding = roundingMixed
		}
		if err := tx.GetContext(ctx, &b.Batch, `SELECT COALESCE(MAX(batch), 0) + 1 FROM remittance WHERE unit_id = ? AND month = ?`,
			u.ID, b.Month); err != nil {
			return fmt.Errorf("next supplement batch: %w", err)
		}
		if err := insertBill(ctx, tx, b); err != nil {
			return err
		}
		if err := insertBillLines(ctx, tx, b.ID, b.Lines); err != nil {
			return err
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "deposit.supplement_generate", Object: "unit:" + u.UnitNo,
			After: audit.Summary(map[string]any{"bill_id": b.ID, "month": b.Month, "batch": b.Batch, "headcount": b.Headcount,
				"lines": len(b.Lines), "total_fen": b.Total})}); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// supplementMonthCheck: 补缴 is for months up to the employee's paid-through
// month, not before the unit's first month or the employee's start month.
func supplementMonthCheck(u *Unit, emp *Employee, m date.Month) error {
	switch {
	case emp.PaidThrough.IsZero() || m.After(emp.PaidThrough):
		pt := emp.PaidThrough.String()
		if pt == "" {
			pt = "（尚未缴存）"
		}
		return remitErr(ErrSupplementMonth, "职工 %s 缴至 %s，%s 尚未到期汇缴，应通过汇缴清册缴纳，不能补缴", emp.AccountNo, pt, m).
			With("account_no", emp.AccountNo).With("month", m.String()).With("paid_through", emp.PaidThrough.String())
	case m.Before(u.FirstMonth):
		return remitErr(ErrSupplementMonth, "补缴月份 %s 早于单位首次汇缴年月 %s", m, u.FirstMonth).
			With("account_no", emp.AccountNo).With("month", m.String()).With("first_month", u.FirstMonth.String())
	case !emp.StartMonth.IsZero() && m.Before(emp.StartMonth):
		return remitErr(ErrSupplementMonth, "职工 %s 的补缴月份 %s 早于其起缴年月 %s", emp.AccountNo, m, emp.StartMonth).
			With("account_no", emp.AccountNo).With("month", m.String()).With("start_month", emp.StartMonth.String())
	}
	return nil
}

// coveredCheck refuses months already paid for the employee by a posted bill.
func coveredCheck(ctx context.Context, tx *db.Tx, emp *Employee, months []date.Month) error {
	args := make([]any, 0, len(months)+2)
	args = append(args, emp.ID, BillPosted)
	for _, m := range months {
		args = append(args, m.String())
	}
	var got []date.Month
	if err := tx.SelectContext(ctx, &got, `SELECT l.month FROM remittance_line l JOIN remittance r ON r.id = l.remittance_id
		WHERE l.employee_account_id = ? AND r.status = ? AND l.month IN (?`+strings.Repeat(", ?", len(months)-1)+`) ORDER BY l.month`,
		args...); err != nil {
		return fmt.Errorf("check covered months of %s: %w", emp.AccountNo, err)
	}
	if len(got) > 0 {
		return remitErr(ErrSupplementCovered, "职工 %s 的 %s 已缴存入账，不能重复补缴", emp.AccountNo, got[0]).
			With("account_no", emp.AccountNo).With("month", got[0].String())
	}
	return nil
}
