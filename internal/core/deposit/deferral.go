package deposit

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// Deferral (缓缴, 条例 art. 20, domain.md §1.9): a unit in genuine difficulty
// applies with its 职代会/工会 resolution; staff approve (unit 01 → 03 缓缴) or
// reject; the deferral ends when staff end it or when its end month has passed
// (EndDueDeferrals, day-end job), and the unit returns to 01. While the unit
// is 03 the remittance side refuses bills; deferred months are paid later as
// 补缴.

// Deferral statuses.
const (
	DeferralPending  = "pending"
	DeferralApproved = "approved"
	DeferralRejected = "rejected"
	DeferralEnded    = "ended"
)

// Errors of deferral.
var (
	ErrDeferralNotFound = errs.New(errs.NotFound, "deposit.deferral_not_found", "缓缴申请不存在")
	ErrDeferralStatus   = errs.New(errs.Conflict, "deposit.deferral_status", "缓缴申请当前状态不能办理此业务")
	ErrDeferralOverlap  = errs.New(errs.Conflict, "deposit.deferral_overlap", "该期间已有待审核或已批准的缓缴申请")
	ErrDeferralMonths   = errs.New(errs.Invalid, "deposit.deferral_months", "缓缴起止年月不正确")
)

// Deferral is a unit's deferral application.
type Deferral struct {
	ID            int64      `db:"id" json:"id"`
	UnitID        int64      `db:"unit_id" json:"-"`
	UnitNo        string     `db:"unit_no" json:"unit_no"`
	StartMonth    date.Month `db:"start_month" json:"start_month"`
	EndMonth      date.Month `db:"end_month" json:"end_month"`
	Reason        string     `db:"reason" json:"reason"`
	Status        string     `db:"status" json:"status"`
	AppliedBy     string     `db:"applied_by" json:"applied_by"`
	AppliedAt     time.Time  `db:"applied_at" json:"applied_at"`
	ReviewedBy    string     `db:"reviewed_by" json:"reviewed_by,omitempty"`
	ReviewedAt    *time.Time `db:"reviewed_at" json:"reviewed_at,omitempty"`
	ReviewComment string     `db:"review_comment" json:"review_comment,omitempty"`
}

const deferralSelect = `SELECT d.id, d.unit_id, u.unit_no, d.start_month, d.end_month, d.reason, d.status, d.applied_by, d.applied_at,
	d.reviewed_by, d.reviewed_at, d.review_comment FROM deferral d JOIN unit u ON u.id = d.unit_id`

var regDeferralStatusNames = map[string]string{
	DeferralPending: "待审核", DeferralApproved: "已批准", DeferralRejected: "已驳回", DeferralEnded: "已结束",
}

// ApplyDeferral applies for deferral of the unit's contributions from
// startMonth through endMonth with the reason (1–200 characters, e.g. the
// 职代会 resolution number). The unit must be 01 正常; the start month must be
// the unit's next unpaid month (paid_through + 1), the end month not before
// it; no pending or approved deferral may overlap. The unit agent calls it
// for its own unit.
//
// Errors: deposit.invalid_input, ErrDeferralMonths, ErrDeferralOverlap,
// ErrUnitNotFound, ErrUnitStatus.
func (s *Service) ApplyDeferral(ctx context.Context, unitNo string, startMonth, endMonth date.Month, reason string) (*Deferral, error) {
	reason, err := regText(reason, "缓缴原因", 200, true)
	if err != nil {
		return nil, err
	}
	if startMonth.IsZero() || endMonth.IsZero() {
		return nil, errs.New(errs.Invalid, ErrDeferralMonths.Code, "请填写缓缴开始年月和结束年月")
	}
	if endMonth.Before(startMonth) {
		return nil, errs.Newf(errs.Invalid, ErrDeferralMonths.Code, "缓缴结束年月 %s 不能早于开始年月 %s", endMonth, startMonth)
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Deferral, error) {
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return nil, err
		}
		if u.Status != UnitNormal {
			return nil, regUnitStatusErr(u, UnitNormal)
		}
		next := u.PaidThrough.Next()
		if u.PaidThrough.IsZero() {
			today, err := s.dates.TodayTx(ctx, tx)
			if err != nil {
				return nil, err
			}
			next = today.MonthOf()
		}
		if startMonth != next {
			return nil, errs.Newf(errs.Invalid, ErrDeferralMonths.Code, "缓缴开始年月须为单位应汇缴年月 %s（单位已缴至 %s）", next, u.PaidThrough).
				With("start_month", startMonth.String()).With("required", next.String())
		}
		var overlap []int64
		if err := tx.SelectContext(ctx, &overlap, `SELECT id FROM deferral WHERE unit_id = ? AND status IN (?, ?) AND start_month <= ? AND end_month >= ?`,
			u.ID, DeferralPending, DeferralApproved, endMonth, startMonth); err != nil {
			return nil, fmt.Errorf("check overlapping deferrals: %w", err)
		}
		if len(overlap) > 0 {
			return nil, ErrDeferralOverlap.With("deferral_id", overlap[0])
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO deferral (unit_id, start_month, end_month, reason, status, applied_by, applied_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, startMonth, endMonth, reason, DeferralPending, actorID(ctx), db.Now())
		if err != nil {
			return nil, fmt.Errorf("insert deferral: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if err := s.regAudit(ctx, tx, "deposit.deferral_apply", fmt.Sprintf("deferral:%d", id), nil, map[string]any{
			"unit_no": u.UnitNo, "start_month": startMonth.String(), "end_month": endMonth.String(), "reason": reason,
			"status": DeferralPending}); err != nil {
			return nil, err
		}
		return deferralByID(ctx, tx, id)
	})
}

// ApproveDeferral approves a pending deferral: the unit goes 01 正常 → 03 缓缴
// (business type 13). It is refused if the unit is no longer 01 or has since
// paid the start month. Staff only; reviewer required.
//
// Errors: deposit.invalid_input, ErrDeferralNotFound, ErrDeferralStatus,
// ErrUnitStatus, ErrDeferralMonths.
func (s *Service) ApproveDeferral(ctx context.Context, id int64, reviewer, comment string) (*Deferral, error) {
	reviewer, comment, err := regReview(reviewer, comment, false)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Deferral, error) {
		d, u, err := regLockDeferral(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if d.Status != DeferralPending {
			return nil, regDeferralStatusErr(d, DeferralPending)
		}
		if u.Status != UnitNormal {
			return nil, regUnitStatusErr(u, UnitNormal)
		}
		if !u.PaidThrough.IsZero() && !d.StartMonth.After(u.PaidThrough) {
			return nil, errs.Newf(errs.Conflict, ErrDeferralMonths.Code, "单位已缴至 %s，缓缴开始年月 %s 已过时，请驳回后由单位重新申请",
				u.PaidThrough, d.StartMonth).With("paid_through", u.PaidThrough.String())
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE deferral SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ? WHERE id = ?`,
			DeferralApproved, reviewer, now, comment, d.ID); err != nil {
			return nil, fmt.Errorf("approve deferral: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET status = ?, updated_at = ? WHERE id = ?`, UnitDeferred, now, u.ID); err != nil {
			return nil, fmt.Errorf("unit to deferred: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.deferral_approve", fmt.Sprintf("deferral:%d", d.ID),
			map[string]any{"status": d.Status, "unit_status": u.Status},
			map[string]any{"status": DeferralApproved, "unit_no": u.UnitNo, "unit_status": UnitDeferred, "reviewer": reviewer,
				"biz_type": policy.BizDeferral}); err != nil {
			return nil, err
		}
		return deferralByID(ctx, tx, d.ID)
	})
}

// RejectDeferral rejects a pending deferral with the reason (required). Staff only.
//
// Errors: deposit.invalid_input, ErrDeferralNotFound, ErrDeferralStatus.
func (s *Service) RejectDeferral(ctx context.Context, id int64, reviewer, comment string) (*Deferral, error) {
	reviewer, comment, err := regReview(reviewer, comment, true)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Deferral, error) {
		d, _, err := regLockDeferral(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if d.Status != DeferralPending {
			return nil, regDeferralStatusErr(d, DeferralPending)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deferral SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ? WHERE id = ?`,
			DeferralRejected, reviewer, db.Now(), comment, d.ID); err != nil {
			return nil, fmt.Errorf("reject deferral: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.deferral_reject", fmt.Sprintf("deferral:%d", d.ID), map[string]any{"status": d.Status},
			map[string]any{"status": DeferralRejected, "unit_no": d.UnitNo, "reviewer": reviewer, "comment": comment}); err != nil {
			return nil, err
		}
		return deferralByID(ctx, tx, d.ID)
	})
}

// EndDeferral ends an approved deferral now (the unit recovered early, or its
// end month has passed): the deferral becomes ended and the unit goes 03 缓缴
// → 01 正常. The deferred months remain unpaid and are paid as 补缴. Staff, or
// the day-end job through EndDueDeferrals.
//
// Errors: ErrDeferralNotFound, ErrDeferralStatus.
func (s *Service) EndDeferral(ctx context.Context, id int64, comment string) (*Deferral, error) {
	comment, err := regText(comment, "结束说明", 200, false)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Deferral, error) {
		return s.regEndDeferralTx(ctx, tx, id, comment)
	})
}

func (s *Service) regEndDeferralTx(ctx context.Context, tx *db.Tx, id int64, comment string) (*Deferral, error) {
	d, u, err := regLockDeferral(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Status != DeferralApproved {
		return nil, regDeferralStatusErr(d, DeferralApproved)
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE deferral SET status = ?, review_comment = CASE WHEN ? = '' THEN review_comment ELSE ? END
		WHERE id = ?`, DeferralEnded, comment, comment, d.ID); err != nil {
		return nil, fmt.Errorf("end deferral: %w", err)
	}
	unitStatus := u.Status
	if u.Status == UnitDeferred {
		unitStatus = UnitNormal
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET status = ?, updated_at = ? WHERE id = ?`, UnitNormal, now, u.ID); err != nil {
			return nil, fmt.Errorf("unit back to normal: %w", err)
		}
	}
	after := map[string]any{"status": DeferralEnded, "unit_no": u.UnitNo, "unit_status": unitStatus, "biz_type": policy.BizDeferral}
	if comment != "" {
		after["comment"] = comment
	}
	if err := s.regAudit(ctx, tx, "deposit.deferral_end", fmt.Sprintf("deferral:%d", d.ID),
		map[string]any{"status": d.Status, "unit_status": u.Status}, after); err != nil {
		return nil, err
	}
	return deferralByID(ctx, tx, d.ID)
}

// EndDueDeferrals ends every approved deferral whose end month is before the
// current business month, each in its own transaction (a crash leaves the rest
// for the next run), and returns how many it ended. The day-end job calls it.
func (s *Service) EndDueDeferrals(ctx context.Context) (int, error) {
	today, err := s.dates.Today(ctx)
	if err != nil {
		return 0, err
	}
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM deferral WHERE status = ? AND end_month < ? ORDER BY id`,
		DeferralApproved, today.MonthOf()); err != nil {
		return 0, fmt.Errorf("find due deferrals: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			d, _, err := regLockDeferral(ctx, tx, id)
			if err != nil {
				return err
			}
			if d.Status != DeferralApproved { // ended by staff meanwhile
				return nil
			}
			_, err = s.regEndDeferralTx(ctx, tx, id, fmt.Sprintf("缓缴期已于 %s 届满，系统自动结束", d.EndMonth))
			if err == nil {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Deferrals lists the unit's deferral applications, newest first (unit agent
// for its own unit, staff for any).
//
// Errors: ErrUnitNotFound.
func (s *Service) Deferrals(ctx context.Context, unitNo string) ([]Deferral, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, err
	}
	out := []Deferral{}
	if err := s.db.SelectContext(ctx, &out, deferralSelect+` WHERE d.unit_id = ? ORDER BY d.id DESC`, u.ID); err != nil {
		return nil, fmt.Errorf("list deferrals: %w", err)
	}
	for i := range out {
		out[i].AppliedAt = out[i].AppliedAt.UTC()
	}
	return out, nil
}

// Deferral returns one deferral application (staff review screen).
//
// Errors: ErrDeferralNotFound.
func (s *Service) Deferral(ctx context.Context, id int64) (*Deferral, error) {
	return deferralByID(ctx, s.db, id)
}

func deferralByID(ctx context.Context, q db.Querier, id int64) (*Deferral, error) {
	var d Deferral
	err := q.GetContext(ctx, &d, deferralSelect+` WHERE d.id = ?`, id)
	if db.NoRows(err) {
		return nil, ErrDeferralNotFound.With("id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read deferral %d: %w", id, err)
	}
	d.AppliedAt = d.AppliedAt.UTC()
	return &d, nil
}

// regLockDeferral locks the deferral's unit, then the deferral (the order every
// unit-changing operation uses), and returns both.
func regLockDeferral(ctx context.Context, tx *db.Tx, id int64) (*Deferral, *Unit, error) {
	d, err := deferralByID(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	u, err := lockUnit(ctx, tx, d.UnitNo)
	if err != nil {
		return nil, nil, err
	}
	var n int64
	if err := tx.GetContext(ctx, &n, `SELECT id FROM deferral WHERE id = ?`+tx.Dialect.ForUpdate(), id); err != nil {
		return nil, nil, fmt.Errorf("lock deferral %d: %w", id, err)
	}
	d, err = deferralByID(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	return d, u, nil
}

func regDeferralStatusErr(d *Deferral, want string) error {
	return errs.Newf(errs.Conflict, ErrDeferralStatus.Code, "缓缴申请当前状态为「%s」，办理此业务要求状态为「%s」",
		regDeferralStatusNames[d.Status], regDeferralStatusNames[want]).With("status", d.Status).With("required", want)
}
