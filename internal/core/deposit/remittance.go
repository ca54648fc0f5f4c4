package deposit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Bill kinds (remittance.kind): the business type the bill posts as.
const (
	BillRemit      = policy.BizRemit      // 01 汇缴清册, batch 0, one per unit-month
	BillSupplement = policy.BizSupplement // 02 补缴清册, batches 1, 2, … per unit-month
)

// Bill statuses (remittance.status).
const (
	BillGenerated = "generated" // 已生成，待缴款
	BillPosted    = "posted"    // 已入账
)

// Payment outcomes (PaymentResult.Status) and bank receipt statuses
// (bank_receipt.status).
const (
	PaymentPosted   = "posted"   // the receipt paid a bill
	PaymentSuspense = "suspense" // the receipt is booked to the unit's 暂收未分摊
)

// Errors of remittance, receipts and supplements (in addition to errors.go).
var (
	ErrMonthFuture    = errs.New(errs.Conflict, "deposit.month_future", "不能为营业日期所在月份之后的月份汇缴")
	ErrClaimMismatch  = errs.New(errs.Conflict, "deposit.amount_not_as_bank", "申报的缴款金额与银行到账金额不符，请核对")
	ErrReceiptUsed    = errs.New(errs.Conflict, "deposit.receipt_used", "该银行流水号已登记入账，不能再次使用")
	ErrBillStale      = errs.New(errs.Conflict, "deposit.bill_stale", "清册生成后职工状态已变化，请重新生成清册后再缴款")
	ErrSuspenseShort  = errs.New(errs.Conflict, "deposit.suspense_insufficient", "暂收未分摊余额不足，不能分摊缴纳该清册")
	ErrBankSerial     = errs.New(errs.Invalid, "deposit.bank_serial", "银行流水号格式不正确：应为 1–60 位字母、数字或 _ . : -")
	ErrPaymentAmount  = errs.New(errs.Invalid, "deposit.payment_amount", "缴款金额必须大于零")
	errBillPostedTwin = errors.New("deposit: bill entry serial already posted")
)

// maxBankSerial keeps "RCV-"+serial within the ledger's 64-character serials.
const maxBankSerial = 60

// remitErr returns a copy of e whose message names the specifics (month,
// amounts, bounds); errors.Is still matches e by its code.
func remitErr(e *errs.Error, format string, args ...any) *errs.Error {
	c := *e
	c.Message = fmt.Sprintf(format, args...)
	return &c
}

// Bill is a remittance bill (汇缴清册, kind 01) or a supplementary bill
// (补缴清册, kind 02). Its JSON is the unit API's remittance object.
type Bill struct {
	ID           int64      `db:"id" json:"id"`
	UnitID       int64      `db:"unit_id" json:"-"`
	Kind         string     `db:"kind" json:"kind"`
	Month        date.Month `db:"month" json:"month"` // 汇缴年月; for 补缴 the earliest month of its lines
	Batch        int        `db:"batch" json:"batch"`
	Status       string     `db:"status" json:"status"`
	Headcount    int        `db:"headcount" json:"headcount"` // employees on the bill
	UnitPart     money.Fen  `db:"unit_part_fen" json:"unit_part_fen"`
	PersonalPart money.Fen  `db:"personal_part_fen" json:"personal_part_fen"`
	Total        money.Fen  `db:"total_fen" json:"total_fen"`
	Rounding     string     `db:"rounding" json:"rounding"` // deposit.rounding in force (MIXED when months differ)
	GeneratedBy  string     `db:"generated_by" json:"-"`
	GeneratedAt  time.Time  `db:"generated_at" json:"generated_at"`
	PostedAt     *time.Time `db:"posted_at" json:"posted_at,omitempty"`
	BankSerial   *string    `db:"bank_serial" json:"bank_serial,omitempty"`
	EntrySerial  string     `db:"entry_serial" json:"entry_serial,omitempty"` // ledger serial once posted
	Lines        []BillLine `db:"-" json:"lines,omitempty"`
}

// BillLine is one employee-month of a bill.
type BillLine struct {
	LineNo     int        `db:"line_no" json:"-"`
	EmployeeID int64      `db:"employee_account_id" json:"-"`
	AccountNo  string     `db:"account_no" json:"account_no"`
	Name       string     `db:"name" json:"name"`
	Month      date.Month `db:"month" json:"month"`
	Base       money.Fen  `db:"base_fen" json:"base_fen"`
	UnitBps    int64      `db:"unit_bps" json:"unit_ratio_bps"`
	PersonBps  int64      `db:"person_bps" json:"personal_ratio_bps"`
	UnitFen    money.Fen  `db:"unit_fen" json:"unit_fen"`
	PersonFen  money.Fen  `db:"personal_fen" json:"personal_fen"`
}

// PaymentResult is the outcome of PayBill and ImportReceipt.
type PaymentResult struct {
	Status string `json:"status"`         // PaymentPosted or PaymentSuspense
	Bill   *Bill  `json:"bill,omitempty"` // the bill paid, header only (posted only; lines: Service.Bill)
}

const billCols = `id, unit_id, kind, month, batch, status, headcount, unit_part_fen, personal_part_fen, total_fen, rounding,
	generated_by, generated_at, posted_at, bank_serial, entry_serial`

// GenerateBill generates the unit's 汇缴清册 for month and returns it with its
// lines. Called by the unit's agent (unit hall, unit API) or staff.
//
// The unit must be 01 正常 or 02 开户 (03 缓缴 and 04/05 are ErrUnitStatus);
// month must be the next unpaid month — paid_through+1, or first_month while
// nothing is paid (a unit with neither may start at any month from its opening
// month) — else ErrMonthPaid (already paid) or ErrMonthNotNext (the message
// names the expected month); a month after the business date's month is
// ErrMonthFuture. Lines are every employee of the unit in status 01 whose
// paid_through is before month and whose start month is not after it (the
// 变更清册 is implicit: accounts opened, sealed or transferred since last
// month are in or out by their status), with the employee's current base and
// the unit's current ratios; the unit and personal parts are each rounded with
// Contribution in the deposit.rounding mode in force on the month's first day.
// No such employee is ErrNoContributors.
//
// One 汇缴 bill per unit-month: while it is unpaid, generating again
// re-reads the roster and, when anything differs, replaces the bill's lines
// and totals in place (same id, audited as deposit.bill_regenerate), so a bill
// always shows the roster at its latest generation; when nothing differs the
// stored bill is returned and nothing is written. A posted month is ErrMonthPaid.
// A transfer made for the earlier total then no longer matches: PayBill books
// it to the unit's suspense (ErrPaymentMismatch) and AllocateSuspense pays the
// regenerated bill from there. A unit with no first month has at most one
// pending first bill (another month is ErrMonthNotNext naming it).
func (s *Service) GenerateBill(ctx context.Context, unitNo string, month date.Month) (*Bill, error) {
	if month.IsZero() {
		return nil, remitErr(ErrInvalidInput, "请填写汇缴年月（YYYY-MM）").With("field", "month")
	}
	// Policy reads go through the pool, so they happen before the transaction
	// (no second connection while holding the write lock); an error is only
	// reported once the month itself passed the checks.
	mode, modeErr := s.policy.String(ctx, policy.DepositRounding, month.First())
	var out *Bill
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		out = nil
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		if err := remitUnitStatus(u); err != nil {
			return err
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return err
		}
		if err := remitMonthCheck(u, month, today); err != nil {
			return err
		}
		if u.PaidThrough.IsZero() && u.FirstMonth.IsZero() {
			// The first remittance may start at any month, but only one.
			var pending []date.Month
			if err := tx.SelectContext(ctx, &pending, `SELECT month FROM remittance WHERE unit_id = ? AND kind = ? AND status = ? AND month <> ?
				ORDER BY month LIMIT 1`, u.ID, BillRemit, BillGenerated, month); err != nil {
				return fmt.Errorf("read pending bills: %w", err)
			}
			if len(pending) > 0 {
				return remitErr(ErrMonthNotNext, "单位已有 %s 的首次汇缴清册待缴款，请先缴纳该清册", pending[0]).
					With("expected", pending[0].String()).With("month", month.String())
			}
		}
		if modeErr != nil {
			return modeErr
		}
		prev, err := billByKeyTx(ctx, tx, u.ID, BillRemit, month, 0)
		if err != nil {
			return err
		}
		if prev != nil && prev.Status != BillGenerated {
			return remitErr(ErrMonthPaid, "%s 的汇缴清册已入账，不能重复生成", month).With("month", month.String())
		}
		lines, err := rosterLines(ctx, tx, u, month, mode)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			return ErrNoContributors.With("month", month.String())
		}
		b := &Bill{UnitID: u.ID, Kind: BillRemit, Month: month, Batch: 0, Status: BillGenerated, Rounding: mode,
			GeneratedBy: clipRunes(actorID(ctx), 64), GeneratedAt: db.Now(), Lines: lines}
		if err := b.total(); err != nil {
			return err
		}
		action := "deposit.bill_generate"
		if prev != nil {
			old, err := billLines(ctx, tx, prev.ID)
			if err != nil {
				return err
			}
			if prev.Rounding == mode && sameLines(old, lines) {
				prev.Lines = old
				out = prev
				return nil
			}
			b.ID = prev.ID
			if _, err := tx.ExecContext(ctx, `DELETE FROM remittance_line WHERE remittance_id = ?`, b.ID); err != nil {
				return fmt.Errorf("clear bill lines: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE remittance SET headcount = ?, unit_part_fen = ?, personal_part_fen = ?, total_fen = ?,
				rounding = ?, generated_by = ?, generated_at = ? WHERE id = ?`,
				b.Headcount, b.UnitPart, b.PersonalPart, b.Total, b.Rounding, b.GeneratedBy, b.GeneratedAt, b.ID); err != nil {
				return fmt.Errorf("update bill: %w", err)
			}
			action = "deposit.bill_regenerate"
		} else if err := insertBill(ctx, tx, b); err != nil {
			return err
		}
		if err := insertBillLines(ctx, tx, b.ID, b.Lines); err != nil {
			return err
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: action, Object: "unit:" + u.UnitNo,
			After: audit.Summary(map[string]any{"bill_id": b.ID, "month": month, "headcount": b.Headcount, "total_fen": b.Total, "rounding": mode})}); err != nil {
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

// remitUnitStatus allows 汇缴 for units 01 正常 and 02 开户.
func remitUnitStatus(u *Unit) error {
	switch u.Status {
	case UnitNormal, UnitOpened:
		return nil
	case UnitDeferred:
		return remitErr(ErrUnitStatus, "单位处于缓缴期（状态 03），缓缴期间不办理汇缴；缓缴结束后请办理补缴").With("status", u.Status)
	default:
		return remitErr(ErrUnitStatus, "单位账户状态为 %s（%s），不能办理汇缴", u.Status, unitStatusName(u.Status)).With("status", u.Status)
	}
}

func unitStatusName(s string) string {
	switch s {
	case UnitNormal:
		return "正常"
	case UnitOpened:
		return "开户"
	case UnitDeferred:
		return "缓缴"
	case UnitClosed:
		return "销户"
	case UnitSealed:
		return "封存"
	}
	return "其他"
}

// remitMonthCheck checks that month is the unit's next unpaid month and not
// after the business month.
func remitMonthCheck(u *Unit, month date.Month, today date.Date) error {
	switch {
	case !u.PaidThrough.IsZero():
		if !month.After(u.PaidThrough) {
			return remitErr(ErrMonthPaid, "单位已缴至 %s，%s 已汇缴；下一个应汇缴月份是 %s", u.PaidThrough, month, u.PaidThrough.Next()).
				With("month", month.String()).With("paid_through", u.PaidThrough.String())
		}
		if want := u.PaidThrough.Next(); month != want {
			return remitErr(ErrMonthNotNext, "汇缴月份必须是下一个未缴月份 %s（单位已缴至 %s），不能跳到 %s", want, u.PaidThrough, month).
				With("expected", want.String()).With("month", month.String())
		}
	case !u.FirstMonth.IsZero():
		if month != u.FirstMonth {
			return remitErr(ErrMonthNotNext, "单位尚未汇缴，首次汇缴月份应为 %s", u.FirstMonth).
				With("expected", u.FirstMonth.String()).With("month", month.String())
		}
	case u.OpenedOn != nil && month.Before(u.OpenedOn.MonthOf()):
		return remitErr(ErrMonthNotNext, "首次汇缴月份不能早于单位开户月份 %s", u.OpenedOn.MonthOf()).
			With("expected", u.OpenedOn.MonthOf().String()).With("month", month.String())
	}
	if bm := today.MonthOf(); month.After(bm) {
		return remitErr(ErrMonthFuture, "汇缴月份 %s 晚于营业日期所在月份 %s，暂不能汇缴", month, bm).
			With("month", month.String()).With("business_month", bm.String())
	}
	return nil
}

// rosterLines computes the 汇缴 lines for month from the unit's roster.
func rosterLines(ctx context.Context, tx *db.Tx, u *Unit, month date.Month, mode string) ([]BillLine, error) {
	var lines []BillLine
	err := tx.SelectContext(ctx, &lines, `SELECT e.id AS employee_account_id, e.account_no, p.name, e.base_fen
		FROM employee_account e JOIN person p ON p.id = e.person_id
		WHERE e.unit_id = ? AND e.status = ? AND e.paid_through < ? AND (e.start_month = '' OR e.start_month <= ?)
		ORDER BY e.account_no`, u.ID, EmpNormal, month, month)
	if err != nil {
		return nil, fmt.Errorf("read roster of unit %s: %w", u.UnitNo, err)
	}
	for i := range lines {
		ln := &lines[i]
		ln.LineNo, ln.Month, ln.UnitBps, ln.PersonBps = i+1, month, u.UnitBps, u.PersonBps
		if err := ln.compute(mode); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// compute fills the unit and personal parts from base and ratios, each
// rounded on its own (domain.md §1.5).
func (ln *BillLine) compute(mode string) error {
	var err error
	if ln.UnitFen, err = Contribution(ln.Base, ln.UnitBps, mode); err != nil {
		return remitErr(ErrInvalidInput, "职工 %s 的缴存基数或比例无法计算：%v", ln.AccountNo, err).With("account_no", ln.AccountNo)
	}
	if ln.PersonFen, err = Contribution(ln.Base, ln.PersonBps, mode); err != nil {
		return remitErr(ErrInvalidInput, "职工 %s 的缴存基数或比例无法计算：%v", ln.AccountNo, err).With("account_no", ln.AccountNo)
	}
	return nil
}

// total sets the headcount (distinct employees) and the sums from the lines.
func (b *Bill) total() error {
	seen := make(map[int64]bool, len(b.Lines))
	var up, pp money.Fen
	var err error
	for _, ln := range b.Lines {
		seen[ln.EmployeeID] = true
		if up, err = money.Add(up, ln.UnitFen); err != nil {
			return err
		}
		if pp, err = money.Add(pp, ln.PersonFen); err != nil {
			return err
		}
	}
	tot, err := money.Add(up, pp)
	if err != nil {
		return err
	}
	b.Headcount, b.UnitPart, b.PersonalPart, b.Total = len(seen), up, pp, tot
	if tot <= 0 {
		return remitErr(ErrNoContributors, "清册金额为零（缴存基数为零），无需缴款")
	}
	return nil
}

func sameLines(a, b []BillLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.EmployeeID != y.EmployeeID || x.Month != y.Month || x.Base != y.Base || x.UnitBps != y.UnitBps ||
			x.PersonBps != y.PersonBps || x.UnitFen != y.UnitFen || x.PersonFen != y.PersonFen {
			return false
		}
	}
	return true
}

func insertBill(ctx context.Context, tx *db.Tx, b *Bill) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO remittance (unit_id, kind, month, batch, status, headcount, unit_part_fen, personal_part_fen,
		total_fen, rounding, generated_by, generated_at, entry_serial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`,
		b.UnitID, b.Kind, b.Month, b.Batch, b.Status, b.Headcount, b.UnitPart, b.PersonalPart, b.Total, b.Rounding, b.GeneratedBy, b.GeneratedAt)
	if db.IsDuplicate(err) {
		// Another transaction created the same unit-kind-month-batch: rerun,
		// which then finds it.
		return fmt.Errorf("%w: bill %s/%s/%d created concurrently", db.ErrRetry, b.Kind, b.Month, b.Batch)
	}
	if err != nil {
		return fmt.Errorf("insert bill: %w", err)
	}
	b.ID, err = res.LastInsertId()
	return err
}

// insertBillLines writes lines with multi-row INSERTs.
func insertBillLines(ctx context.Context, tx *db.Tx, billID int64, lines []BillLine) error {
	const cols, batch = 10, 500
	const head = `INSERT INTO remittance_line (remittance_id, line_no, employee_account_id, account_no, month, base_fen, unit_bps, person_bps,
		unit_fen, personal_fen) VALUES `
	args := make([]any, 0, min(len(lines), batch)*cols)
	var q strings.Builder
	for start := 0; start < len(lines); start += batch {
		part := lines[start:min(start+batch, len(lines))]
		args = args[:0]
		q.Reset()
		q.WriteString(head)
		for i, ln := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, billID, ln.LineNo, ln.EmployeeID, ln.AccountNo, ln.Month.String(), int64(ln.Base), ln.UnitBps, ln.PersonBps,
				int64(ln.UnitFen), int64(ln.PersonFen))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("insert bill lines: %w", err)
		}
	}
	return nil
}

// billByKeyTx returns the bill with the key, row-locked, or nil.
func billByKeyTx(ctx context.Context, tx *db.Tx, unitID int64, kind string, month date.Month, batch int) (*Bill, error) {
	var b Bill
	err := tx.GetContext(ctx, &b, `SELECT `+billCols+` FROM remittance WHERE unit_id = ? AND kind = ? AND month = ? AND batch = ?`+tx.Dialect.ForUpdate(),
		unitID, kind, month, batch)
	if db.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bill: %w", err)
	}
	return &b, nil
}

// billOf reads the unit's bill by id (ErrBillNotFound when it is another
// unit's); with lock it row-locks it (MySQL).
func billOf(ctx context.Context, q db.Querier, unitID, id int64, lock string) (*Bill, error) {
	var b Bill
	err := q.GetContext(ctx, &b, `SELECT `+billCols+` FROM remittance WHERE id = ? AND unit_id = ?`+lock, id, unitID)
	if db.NoRows(err) {
		return nil, ErrBillNotFound.With("id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read bill %d: %w", id, err)
	}
	return &b, nil
}

// billLines reads a bill's lines with the employees' names, in line order.
func billLines(ctx context.Context, q db.Querier, billID int64) ([]BillLine, error) {
	var lines []BillLine
	err := q.SelectContext(ctx, &lines, `SELECT l.line_no, l.employee_account_id, l.account_no, p.name, l.month, l.base_fen, l.unit_bps,
		l.person_bps, l.unit_fen, l.personal_fen
		FROM remittance_line l JOIN employee_account e ON e.id = l.employee_account_id JOIN person p ON p.id = e.person_id
		WHERE l.remittance_id = ? ORDER BY l.line_no`, billID)
	if err != nil {
		return nil, fmt.Errorf("read lines of bill %d: %w", billID, err)
	}
	return lines, nil
}

// Bill returns one of the unit's bills with its lines. Called by the unit's
// agent or staff. Errors: ErrUnitNotFound; ErrBillNotFound (also when the
// bill belongs to another unit).
func (s *Service) Bill(ctx context.Context, unitNo string, id int64) (*Bill, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, err
	}
	b, err := billOf(ctx, s.db, u.ID, id, "")
	if err != nil {
		return nil, err
	}
	if b.Lines, err = billLines(ctx, s.db, b.ID); err != nil {
		return nil, err
	}
	return b, nil
}

// Bills lists the unit's bills (汇缴 and 补缴, without lines), latest month
// first, at most limit (1..120, default 24). Called by the unit's agent or
// staff. Errors: ErrUnitNotFound.
func (s *Service) Bills(ctx context.Context, unitNo string, limit int) ([]Bill, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 120 {
		limit = 24
	}
	out := []Bill{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+billCols+` FROM remittance WHERE unit_id = ?
		ORDER BY month DESC, batch DESC, id DESC LIMIT ?`, u.ID, limit); err != nil {
		return nil, fmt.Errorf("list bills of %s: %w", unitNo, err)
	}
	return out, nil
}

// PayBill pays one of the unit's generated bills with an incoming bank
// transfer: the agent (unit hall, unit API) or staff gives the bank serial
// (银行结算流水号) and the amount transferred. The bank is the truth: the
// serial is looked up at the bank first (exchange.ErrUnknownReceipt, nothing
// written, when it does not know it) and a claimed amount that differs from
// the bank's is ErrClaimMismatch with nothing written.
//
// When the received amount equals the bill total, one transaction records the
// receipt (bank_receipt, status posted), posts one ledger entry — serial
// "REM-<unit_no>-<month>" (biz type 01) for a 汇缴 bill or
// "SUP-<unit_no>-<id>" (02) for a 补缴 bill — debiting the settlement bank's
// deposit account and crediting every employee's personal account with the
// unit and personal parts, marks the bill posted and, for 汇缴, advances each
// line employee's and the unit's paid-through month (缴至年月), sets the
// unit's first month when empty and turns a 02 开户 unit into 01 正常; audited.
//
// When the received amount differs from the bill total, the money is booked
// all the same: the receipt is recorded with status suspense and posted
// (serial "RCV-<bank_serial>", biz type 99) from the bank to the unit's
// 暂收未分摊 account, that is committed, and PayBill returns
// ErrPaymentMismatch; the bill stays unpaid and can be paid later from the
// suspense with AllocateSuspense.
//
// The same serial again for the same bill returns the first result and writes
// nothing (a repeated mismatched claim returns ErrPaymentMismatch again); a
// serial already used otherwise is ErrReceiptUsed. The unit and the bill are
// row-locked, so concurrent payments of one bill post once: a bill that is
// already posted is ErrBillStatus and nothing is written — the losing transfer
// is not booked here; staff book it with ImportReceipt (to the unit's
// suspense) once the unit or the bank statement shows it.
//
// Other errors (nothing written): ErrBankSerial, ErrPaymentAmount,
// ErrUnitNotFound, ErrBillNotFound, ErrUnitStatus, ErrMonthNotNext /
// ErrMonthPaid (a 汇缴 bill that is no longer for the next month), ErrBillStale
// (an employee on the bill was closed, or already paid for the month, since
// generation: generate it again).
func (s *Service) PayBill(ctx context.Context, unitNo string, billID int64, bankSerial string, amount money.Fen) (*PaymentResult, error) {
	if err := checkBankSerial(bankSerial); err != nil {
		return nil, err
	}
	if amount.CheckPositive() != nil {
		return nil, ErrPaymentAmount.With("amount_fen", int64(amount))
	}
	r, err := s.bank.Receipt(ctx, bankSerial)
	if err != nil {
		return nil, err
	}
	if r.Amount != amount {
		return nil, remitErr(ErrClaimMismatch, "申报的缴款金额 %s 元与银行到账金额 %s 元不符，请核对后重新提交", amount.Format(), r.Amount.Format()).
			With("amount_fen", int64(amount)).With("received_fen", int64(r.Amount))
	}
	var res *PaymentResult
	var mismatch error
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, mismatch = nil, nil
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		prev, err := receiptBySerial(ctx, tx, r.Serial)
		if err != nil {
			return err
		}
		if prev != nil {
			if prev.UnitID == nil || *prev.UnitID != u.ID {
				return remitErr(ErrReceiptUsed, "银行流水号 %s 已登记到其他单位，不能再次使用", r.Serial).With("bank_serial", r.Serial)
			}
			if prev.Status == PaymentPosted && prev.RemittanceID != nil && *prev.RemittanceID == billID {
				b, err := billOf(ctx, tx, u.ID, billID, "")
				if err != nil {
					return err
				}
				res = &PaymentResult{Status: PaymentPosted, Bill: b}
				return nil
			}
			if prev.Status == PaymentSuspense {
				// A repeated mismatched claim for a bill still unpaid gets the
				// first answer again; a posted bill is ErrBillStatus.
				b, err := billOf(ctx, tx, u.ID, billID, "")
				if err != nil {
					return err
				}
				if b.Status != BillGenerated {
					return payableCheck(u, b)
				}
				if b.Total != prev.Amount {
					mismatch = mismatchErr(b, prev.Amount)
					return nil
				}
				return remitErr(ErrReceiptUsed, "银行流水号 %s 的款项已计入本单位暂收未分摊，请用暂收款分摊缴纳清册", r.Serial).With("bank_serial", r.Serial)
			}
			return remitErr(ErrReceiptUsed, "银行流水号 %s 已用于缴纳本单位的另一张清册", r.Serial).With("bank_serial", r.Serial)
		}
		b, err := billOf(ctx, tx, u.ID, billID, tx.Dialect.ForUpdate())
		if err != nil {
			return err
		}
		if err := payableCheck(u, b); err != nil {
			return err
		}
		if r.Amount != b.Total {
			if err := s.receiptToSuspenseTx(ctx, tx, u, &r, b); err != nil {
				return err
			}
			mismatch = mismatchErr(b, r.Amount)
			return nil
		}
		if err := s.postBillTx(ctx, tx, u, b, &r); err != nil {
			return err
		}
		res = &PaymentResult{Status: PaymentPosted, Bill: b}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if mismatch != nil {
		return nil, mismatch
	}
	return res, nil
}

func mismatchErr(b *Bill, received money.Fen) error {
	return remitErr(ErrPaymentMismatch, "到账金额 %s 元与清册金额 %s 元不符，款项已转入单位暂收未分摊；清册仍待缴款，可用暂收款分摊缴纳",
		received.Format(), b.Total.Format()).With("bill_total_fen", int64(b.Total)).With("received_fen", int64(received))
}

func checkBankSerial(serial string) error {
	if serial == "" || len(serial) > maxBankSerial {
		return ErrBankSerial.With("bank_serial", serial)
	}
	for i := 0; i < len(serial); i++ {
		c := serial[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '.' || c == ':' || c == '-') {
			return ErrBankSerial.With("bank_serial", serial)
		}
	}
	return nil
}

// payableCheck refuses a bill that cannot be paid now: not generated, unit
// status, and for 汇缴 a month that is no longer the next one.
func payableCheck(u *Unit, b *Bill) error {
	if b.Status != BillGenerated {
		return remitErr(ErrBillStatus, "清册 %d（%s）已入账，不能重复缴款", b.ID, b.Month).With("id", b.ID).With("status", b.Status)
	}
	if b.Kind == BillRemit {
		if err := remitUnitStatus(u); err != nil {
			return err
		}
		switch {
		case !u.PaidThrough.IsZero() && !b.Month.After(u.PaidThrough):
			return remitErr(ErrMonthPaid, "单位已缴至 %s，该清册月份 %s 已汇缴", u.PaidThrough, b.Month).With("month", b.Month.String())
		case !u.PaidThrough.IsZero() && b.Month != u.PaidThrough.Next():
			return remitErr(ErrMonthNotNext, "该清册月份 %s 不是下一个应汇缴月份 %s", b.Month, u.PaidThrough.Next()).
				With("expected", u.PaidThrough.Next().String()).With("month", b.Month.String())
		}
		return nil
	}
	if u.Status == UnitClosed {
		return remitErr(ErrUnitStatus, "单位账户已销户，不能办理补缴").With("status", u.Status)
	}
	return nil
}

// postBillTx posts bill b (generated, locked, payable) inside tx: from the
// bank when r is set (recording the receipt), else from the unit's suspense.
// It checks first, before writing anything, that the bill is not stale
// (ErrBillStale). On return b is posted (header; Lines stay nil).
func (s *Service) postBillTx(ctx context.Context, tx *db.Tx, u *Unit, b *Bill, r *exchange.Receipt) error {
	lines, err := postingLines(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	if err := staleCheck(ctx, tx, b, lines); err != nil {
		return err
	}
	serial, debit, action := "", "", ""
	bizType := b.Kind
	switch {
	case r != nil && b.Kind == BillRemit:
		serial, action = fmt.Sprintf("REM-%s-%s", u.UnitNo, b.Month), "deposit.remittance_post"
	case r != nil:
		serial, action = fmt.Sprintf("SUP-%s-%d", u.UnitNo, b.ID), "deposit.supplement_post"
	default:
		serial, action = fmt.Sprintf("ALC-%s-%s-%d", u.UnitNo, b.Month, b.Batch), "deposit.suspense_allocate"
	}
	if r != nil {
		acct, err := s.bankAccountTx(ctx, tx, r.BankCode)
		if err != nil {
			return err
		}
		debit = acct
	} else {
		debit = ledger.CodeUnitSuspense + u.UnitNo
	}
	// One credit per employee (a 补缴 bill may hold several months of one).
	perEmp := make(map[string]money.Fen, len(lines))
	order := make([]string, 0, len(lines))
	for _, ln := range lines {
		code := ledger.PersonalCode(ln.AccountNo)
		if _, ok := perEmp[code]; !ok {
			order = append(order, code)
		}
		if perEmp[code], err = money.Add(perEmp[code], ln.UnitFen+ln.PersonFen); err != nil {
			return err
		}
	}
	ll := make([]ledger.Line, 0, len(order)+1)
	ll = append(ll, ledger.Line{Account: debit, Side: ledger.Debit, Amount: b.Total})
	for _, code := range order {
		if perEmp[code] > 0 {
			ll = append(ll, ledger.Line{Account: code, Side: ledger.Credit, Amount: perEmp[code]})
		}
	}
	kindName := "汇缴"
	if b.Kind == BillSupplement {
		kindName = "补缴"
	}
	e, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: bizType, Memo: fmt.Sprintf("%s %s %s", kindName, b.Month, u.Name), Lines: ll})
	if err != nil {
		if errors.Is(err, ledger.ErrInsufficient) {
			return remitErr(ErrSuspenseShort, "暂收未分摊余额不足清册金额 %s 元", b.Total.Format()).With("bill_total_fen", int64(b.Total))
		}
		return err
	}
	if e.Replayed {
		return ErrBillStatus.Wrap(fmt.Errorf("%w: %s", errBillPostedTwin, serial)).With("id", b.ID)
	}
	if err := s.creditNoticesTx(ctx, tx, e, lines); err != nil { // queued, sent after commit (credited.go)
		return err
	}
	now := db.Now()
	var bankSerial *string
	if r != nil {
		bankSerial = &r.Serial
		if err := s.insertReceiptTx(ctx, tx, r, PaymentPosted, u.ID, &b.ID, serial, now); err != nil {
			return err
		}
	}
	n, err := tx.ExecCount(ctx, `UPDATE remittance SET status = ?, posted_at = ?, bank_serial = ?, entry_serial = ? WHERE id = ? AND status = ?`,
		BillPosted, now, bankSerial, serial, b.ID, BillGenerated)
	if err != nil {
		return fmt.Errorf("mark bill %d posted: %w", b.ID, err)
	}
	if n != 1 {
		return fmt.Errorf("%w: bill %d changed under lock", db.ErrRetry, b.ID)
	}
	before := map[string]any{"paid_through": u.PaidThrough, "status": u.Status}
	if b.Kind == BillRemit {
		if err := advanceEmployees(ctx, tx, lines, b.Month, now); err != nil {
			return err
		}
		first, status := u.FirstMonth, u.Status
		if first.IsZero() {
			first = b.Month
		}
		if status == UnitOpened {
			status = UnitNormal
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET paid_through = ?, first_month = ?, status = ?, updated_at = ? WHERE id = ?`,
			b.Month, first, status, now, u.ID); err != nil {
			return fmt.Errorf("advance unit %s: %w", u.UnitNo, err)
		}
		u.PaidThrough, u.FirstMonth, u.Status = b.Month, first, status
	}
	after := map[string]any{"bill_id": b.ID, "kind": b.Kind, "month": b.Month, "headcount": b.Headcount, "total_fen": b.Total,
		"entry": serial, "paid_through": u.PaidThrough, "status": u.Status}
	if bankSerial != nil {
		after["bank_serial"] = *bankSerial
	}
	if _, err := s.audit.Append(ctx, tx, audit.Record{Action: action, Object: "unit:" + u.UnitNo,
		Before: audit.Summary(before), After: audit.Summary(after)}); err != nil {
		return err
	}
	b.Status, b.PostedAt, b.BankSerial, b.EntrySerial = BillPosted, &now, bankSerial, serial
	return nil
}

// postingLine is a bill line with its employee's state, read for posting.
type postingLine struct {
	BillLine
	Status      string     `db:"status"`
	PaidThrough date.Month `db:"paid_through"`
}

// postingLines reads the bill's lines with their employees' status and
// paid-through month in one statement, row-locking the employees (MySQL) so
// neither changes before the posting commits.
func postingLines(ctx context.Context, tx *db.Tx, billID int64) ([]postingLine, error) {
	var lines []postingLine
	err := tx.SelectContext(ctx, &lines, `SELECT l.line_no, l.employee_account_id, l.account_no, l.month, l.base_fen, l.unit_bps, l.person_bps,
		l.unit_fen, l.personal_fen, e.status, e.paid_through
		FROM remittance_line l JOIN employee_account e ON e.id = l.employee_account_id
		WHERE l.remittance_id = ? ORDER BY l.line_no`+tx.Dialect.ForUpdate(), billID)
	if err != nil {
		return nil, fmt.Errorf("read lines of bill %d: %w", billID, err)
	}
	return lines, nil
}

// staleCheck refuses the bill when one of its employees is closed
// (03/04/05), or, for 汇缴, already paid for the month, or, for 补缴, has the
// month covered by another posted bill.
func staleCheck(ctx context.Context, tx *db.Tx, b *Bill, lines []postingLine) error {
	if len(lines) == 0 {
		return remitErr(ErrBillStale, "清册没有明细，请重新生成清册").With("id", b.ID)
	}
	for _, ln := range lines {
		switch {
		case ln.Status == EmpMerged || ln.Status == EmpTransferred || ln.Status == EmpWithdrawn:
			return remitErr(ErrBillStale, "清册中的职工 %s 已销户，请重新生成清册", ln.AccountNo).With("account_no", ln.AccountNo)
		case b.Kind == BillRemit && !ln.PaidThrough.Before(ln.Month):
			return remitErr(ErrBillStale, "清册中的职工 %s 已缴至 %s，请重新生成清册", ln.AccountNo, ln.PaidThrough).With("account_no", ln.AccountNo)
		}
	}
	if b.Kind == BillSupplement {
		var covered []struct {
			AccountNo string     `db:"account_no"`
			Month     date.Month `db:"month"`
		}
		if err := tx.SelectContext(ctx, &covered, `SELECT l.account_no, l.month FROM remittance_line l
			JOIN remittance_line o ON o.employee_account_id = l.employee_account_id AND o.month = l.month AND o.remittance_id <> l.remittance_id
			JOIN remittance r ON r.id = o.remittance_id
			WHERE l.remittance_id = ? AND r.status = ? ORDER BY l.line_no LIMIT 1`, b.ID, BillPosted); err != nil {
			return fmt.Errorf("check covered months: %w", err)
		}
		if len(covered) > 0 {
			return remitErr(ErrBillStale, "职工 %s 的 %s 已由其他清册缴纳，请重新生成补缴清册", covered[0].AccountNo, covered[0].Month).
				With("account_no", covered[0].AccountNo).With("month", covered[0].Month.String())
		}
	}
	return nil
}

// advanceEmployees moves the line employees' paid-through month to month.
func advanceEmployees(ctx context.Context, tx *db.Tx, lines []postingLine, month date.Month, now time.Time) error {
	const chunk = 1000
	args := make([]any, 0, chunk+3)
	for start := 0; start < len(lines); start += chunk {
		part := lines[start:min(start+chunk, len(lines))]
		args = append(args[:0], month, now)
		for _, ln := range part {
			args = append(args, ln.EmployeeID)
		}
		args = append(args, month)
		if _, err := tx.ExecContext(ctx, `UPDATE employee_account SET paid_through = ?, updated_at = ? WHERE id IN (?`+
			strings.Repeat(", ?", len(part)-1)+`) AND paid_through < ?`, args...); err != nil {
			return fmt.Errorf("advance paid-through: %w", err)
		}
	}
	return nil
}

// bankAccountTx returns the ledger code of the settlement bank's deposit
// account, opening it when a receipt names a bank the center has not booked
// to yet.
func (s *Service) bankAccountTx(ctx context.Context, tx *db.Tx, bankCode string) (string, error) {
	if bankCode == "" || bankCode == s.bankCode {
		return ledger.BankCode(s.bankCode), nil
	}
	for _, spec := range ledger.CenterAccounts(bankCode) {
		if spec.Code == ledger.BankCode(bankCode) {
			a, err := s.ledger.OpenAccountTx(ctx, tx, spec)
			if err != nil {
				return "", err
			}
			return a.Code, nil
		}
	}
	return ledger.BankCode(bankCode), nil
}

// UnitSummary is the unit overview (单位账户信息): contributing and sealed
// headcount, paid-through month, the sum of its employees' balances, its
// 暂收未分摊 balance and the months in arrears.
type UnitSummary struct {
	UnitNo      string     `json:"unit_no"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Headcount   int        `json:"headcount"`    // employees in 01 正常 (DWJCRS)
	SealedCount int        `json:"sealed_count"` // employees in 02 封存 (DWFCRS)
	FirstMonth  date.Month `json:"first_month"`
	PaidThrough date.Month `json:"paid_through"`
	BalanceFen  money.Fen  `json:"balance_fen"`  // Σ employees' balances (DWZHYE)
	SuspenseFen money.Fen  `json:"suspense_fen"` // 暂收未分摊
	// ArrearsMonths counts the unpaid months from paid_through+1 (or the
	// first month) to the month before the business month; 0 when up to date.
	ArrearsMonths int `json:"arrears_months"`
	// NextMonth is the month of the unit's next 汇缴 bill (paid_through+1, or
	// the first month); zero for a unit that never paid and has no first month
	// (its first bill may be for any month from its opening month on).
	// NextDue reports whether that month can be billed now (it is not after
	// the business month).
	NextMonth date.Month `json:"next_month,omitzero"`
	NextDue   bool       `json:"next_due"`
}

// UnitSummary returns the unit overview. Called by the unit's agent or staff.
// Errors: ErrUnitNotFound.
func (s *Service) UnitSummary(ctx context.Context, unitNo string) (*UnitSummary, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, err
	}
	today, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	var agg struct {
		Normal  int64 `db:"normal"`
		Sealed  int64 `db:"sealed"`
		Balance int64 `db:"balance"`
	}
	if err := s.db.GetContext(ctx, &agg, `SELECT
		COALESCE(SUM(CASE WHEN e.status = ? THEN 1 ELSE 0 END), 0) AS normal,
		COALESCE(SUM(CASE WHEN e.status = ? THEN 1 ELSE 0 END), 0) AS sealed,
		COALESCE(SUM(l.balance_fen), 0) AS balance
		FROM employee_account e JOIN ledger_account l ON l.id = e.ledger_account_id WHERE e.unit_id = ?`, EmpNormal, EmpSealed, u.ID); err != nil {
		return nil, fmt.Errorf("unit summary of %s: %w", unitNo, err)
	}
	susp, err := s.SuspenseBalance(ctx, unitNo)
	if err != nil {
		return nil, err
	}
	out := &UnitSummary{UnitNo: u.UnitNo, Name: u.Name, Status: u.Status, Headcount: int(agg.Normal), SealedCount: int(agg.Sealed),
		FirstMonth: u.FirstMonth, PaidThrough: u.PaidThrough, BalanceFen: money.Fen(agg.Balance), SuspenseFen: susp}
	last := today.MonthOf().Add(-1) // the last month that should be paid by now
	switch {
	case !u.PaidThrough.IsZero():
		out.ArrearsMonths = max(0, u.PaidThrough.MonthsUntil(last))
	case !u.FirstMonth.IsZero():
		out.ArrearsMonths = max(0, u.FirstMonth.MonthsUntil(last)+1)
	}
	if !u.PaidThrough.IsZero() {
		out.NextMonth = u.PaidThrough.Next()
	} else {
		out.NextMonth = u.FirstMonth
	}
	out.NextDue = !out.NextMonth.IsZero() && !out.NextMonth.After(today.MonthOf())
	return out, nil
}
