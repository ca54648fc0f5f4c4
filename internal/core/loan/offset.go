package loan

import (
	"context"
	"fmt"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
)

// Offset agreement statuses.
const (
	OffsetSigned    = "signed"    // 生效
	OffsetCancelled = "cancelled" // 已解约 (by the borrower)
	OffsetEnded     = "ended"     // 随贷款结清终止
)

// Offset is a monthly offset agreement (按月冲还贷, domain.md §3.11): on each
// due date the instalment is deducted from the borrower's fund account
// (and the co-borrower's when IncludeCo), the rest from the bank account.
type Offset struct {
	ID          int64      `db:"id"`
	IncludeCo   bool       `db:"include_co"`
	Status      string     `db:"status"`
	SignedOn    date.Date  `db:"signed_on"`
	CancelledOn *date.Date `db:"cancelled_on"`
	Channel     string     `db:"channel"`
	CreatedAt   time.Time  `db:"created_at"`
}

func activeOffset(ctx context.Context, q db.Querier, loanID int64) (*Offset, error) {
	var out []Offset
	if err := q.SelectContext(ctx, &out, `SELECT id, include_co, status, signed_on, cancelled_on, channel, created_at FROM loan_offset
		WHERE active_loan_id = ?`, loanID); err != nil {
		return nil, fmt.Errorf("loan: offset of %d: %w", loanID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// ActiveOffset returns the loan's offset agreement in force, nil when none.
func (s *Service) ActiveOffset(ctx context.Context, l *Loan) (*Offset, error) {
	return activeOffset(ctx, s.db, l.ID)
}

// SignOffset signs a monthly offset agreement for the person's loan (the
// borrower only; includeCo also deducts from the co-borrower's account,
// which needs a co-borrower). It takes effect for instalments collected from
// the business date on. Personal channels (L2) and the counter call it.
// Audited (loan.offset_sign); SMS to the borrower.
//
// Errors: ErrLoanNotFound (also someone else's loan), ErrStatus (settled
// loan), ErrOffsetExists, ErrInvalidInput (includeCo without co-borrower).
func (s *Service) SignOffset(ctx context.Context, personID int64, no string, includeCo bool) (*Offset, error) {
	var l *Loan
	o, err := db.Get(ctx, s.db, func(tx *db.Tx) (*Offset, error) {
		var err error
		l, err = s.loanByNo(ctx, tx, no, tx.Dialect.ForUpdate())
		if err != nil {
			return nil, err
		}
		if personID > 0 && l.PersonID != personID {
			return nil, ErrLoanNotFound.With("loan_no", no)
		}
		if l.Status == LoanSettled {
			return nil, ErrStatus.With("status", l.Status)
		}
		if includeCo && l.CoAccountNo == "" {
			return nil, ErrInvalidInput.With("field", "include_co")
		}
		if cur, err := activeOffset(ctx, tx, l.ID); err != nil {
			return nil, err
		} else if cur != nil {
			return nil, ErrOffsetExists
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO loan_offset (loan_id, include_co, status, signed_on, channel, active_loan_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, l.ID, includeCo, OffsetSigned, today, channelOf(ctx), l.ID, db.Now())
		if db.IsDuplicate(err) {
			return nil, ErrOffsetExists
		}
		if err != nil {
			return nil, fmt.Errorf("loan: sign offset for %s: %w", no, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.offset_sign", Object: loanObject(no),
			After: audit.Summary(map[string]any{"offset_id": id, "include_co": includeCo, "signed_on": today.String()})}); err != nil {
			return nil, err
		}
		return activeOffset(ctx, tx, l.ID)
	})
	if err == nil {
		s.notifyLoan(ctx, l, "loan.offset_signed", map[string]string{"date": cnDate(o.SignedOn)})
	}
	return o, err
}

// CancelOffset cancels the loan's offset agreement (解约); later instalments
// are debited from the bank account. Same callers and audit as SignOffset
// (loan.offset_cancel). Errors: ErrLoanNotFound, ErrNoOffset.
func (s *Service) CancelOffset(ctx context.Context, personID int64, no string) (*Offset, error) {
	var l *Loan
	o, err := db.Get(ctx, s.db, func(tx *db.Tx) (*Offset, error) {
		var err error
		l, err = s.loanByNo(ctx, tx, no, tx.Dialect.ForUpdate())
		if err != nil {
			return nil, err
		}
		if personID > 0 && l.PersonID != personID {
			return nil, ErrLoanNotFound.With("loan_no", no)
		}
		cur, err := activeOffset(ctx, tx, l.ID)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, ErrNoOffset
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE loan_offset SET status = ?, cancelled_on = ?, active_loan_id = NULL WHERE id = ?`,
			OffsetCancelled, today, cur.ID); err != nil {
			return nil, fmt.Errorf("loan: cancel offset %d: %w", cur.ID, err)
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.offset_cancel", Object: loanObject(no),
			Before: audit.Summary(map[string]any{"offset_id": cur.ID, "status": cur.Status}),
			After:  audit.Summary(map[string]any{"offset_id": cur.ID, "status": OffsetCancelled, "cancelled_on": today.String()})}); err != nil {
			return nil, err
		}
		cur.Status, cur.CancelledOn = OffsetCancelled, &today
		return cur, nil
	})
	if err == nil {
		s.notifyLoan(ctx, l, "loan.offset_cancelled", map[string]string{"date": cnDate(*o.CancelledOn)})
	}
	return o, err
}
