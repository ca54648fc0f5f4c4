package deposit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// ErrNoRates is returned by RatesFor when no base or ratio is in force for the
// month (the month lies before the account's or the unit's first history row).
var ErrNoRates = errs.New(errs.NotFound, "deposit.no_rates", "该月份没有生效的缴存基数或缴存比例")

// RatesFor returns the wage base of the employee account and the unit's unit
// and personal ratios (basis points) IN FORCE for month: the base_history and
// ratio_history rows with the latest effective_month on or before month. Use it
// for bills (汇缴) and supplementary payments (补缴) of any month, inside or
// outside a transaction (q is a *db.DB or *db.Tx).
//
// Errors: ErrNoRates (with month, and which of base/ratio is missing) when no
// row is in force for the month.
func RatesFor(ctx context.Context, q db.Querier, employeeID int64, unitID int64, month date.Month) (base money.Fen, unitBps, personBps int64, err error) {
	if month.IsZero() {
		return 0, 0, 0, ErrNoRates.With("month", "")
	}
	err = q.GetContext(ctx, &base, `SELECT base_fen FROM base_history WHERE employee_account_id = ? AND effective_month <= ?
		ORDER BY effective_month DESC LIMIT 1`, employeeID, month)
	if db.NoRows(err) {
		return 0, 0, 0, errs.Newf(errs.NotFound, ErrNoRates.Code, "%s 没有生效的缴存基数（早于该职工的起缴年月）", month).
			With("month", month.String()).With("missing", "base")
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("base in force for %s: %w", month, err)
	}
	var r struct {
		Unit   int64 `db:"unit_bps"`
		Person int64 `db:"person_bps"`
	}
	err = q.GetContext(ctx, &r, `SELECT unit_bps, person_bps FROM ratio_history WHERE unit_id = ? AND effective_month <= ?
		ORDER BY effective_month DESC LIMIT 1`, unitID, month)
	if db.NoRows(err) {
		return 0, 0, 0, errs.Newf(errs.NotFound, ErrNoRates.Code, "%s 没有生效的缴存比例（早于单位比例的生效年月）", month).
			With("month", month.String()).With("missing", "ratio")
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("ratios in force for %s: %w", month, err)
	}
	return base, r.Unit, r.Person, nil
}

// Errors of base and ratio adjustment.
var (
	ErrMonthOutOfWindow = errs.New(errs.Invalid, "deposit.month_out_of_window", "生效年月不在允许的范围内")
	ErrImportRejected   = errs.New(errs.Invalid, "deposit.import_rejected", "表格中有错误的行，全部未导入，请按错误报告修改后重新上传")
	ErrBadSheet         = errs.New(errs.Invalid, "deposit.bad_sheet", "无法读取上传的 Excel 文件，请上传 .xlsx 格式的表格")
)

// Limits of an uploaded sheet.
const (
	MaxImportRows = 50_000   // data rows per base import
	maxXLSXBytes  = 20 << 20 // compressed upload
	maxXLSXUnzip  = 64 << 20 // decompressed workbook (zip-bomb guard)
)

// Column titles of the base import sheet and the roster export.
const (
	ColAccountNo   = "个人账号"
	ColName        = "姓名"
	ColIDNumber    = "证件号码"
	ColStatus      = "状态"
	ColBaseYuan    = "缴存基数(元)"
	ColPaidThrough = "缴至年月"
)

// RowError is one bad row of an uploaded sheet: its row number as Excel shows
// it, the account number on it and what to fix.
type RowError struct {
	Row       int    `json:"row"`
	AccountNo string `json:"account_no"`
	Message   string `json:"message"`
}

// regBaseBounds returns deposit.base.min/max in force on the first day of month.
func (s *Service) regBaseBounds(ctx context.Context, month date.Month) (lo, hi money.Fen, err error) {
	if lo, err = s.policy.Fen(ctx, policy.DepositBaseMin, month.First()); err != nil {
		return 0, 0, err
	}
	if hi, err = s.policy.Fen(ctx, policy.DepositBaseMax, month.First()); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

func regBaseErr(base, lo, hi money.Fen, month date.Month) error {
	return errs.Newf(errs.Invalid, ErrBaseOutOfRange.Code, "缴存基数 %s 元超出允许范围：%s 适用的缴存基数须在 %s 元至 %s 元之间",
		base.Format(), month, lo.Format(), hi.Format()).
		With("base_fen", int64(base)).With("min_fen", int64(lo)).With("max_fen", int64(hi)).With("month", month.String())
}

// regCheckBase checks base against the bounds in force on the first day of month.
func (s *Service) regCheckBase(ctx context.Context, base money.Fen, month date.Month) error {
	lo, hi, err := s.regBaseBounds(ctx, month)
	if err != nil {
		return err
	}
	if base < lo || base > hi {
		return regBaseErr(base, lo, hi, month)
	}
	return nil
}

// regBaseWindow returns the months a base adjustment may take effect in on
// the business date: from the month the current fund year starts
// (deposit.year_start, e.g. 07-01 → July) through next month.
func (s *Service) regBaseWindow(ctx context.Context, today date.Date) (from, to date.Month, err error) {
	m, d, err := s.policy.MonthDay(ctx, policy.DepositYearStart, today)
	if err != nil {
		return from, to, err
	}
	start := date.Of(today.Year(), m, d)
	if today.Before(start) {
		start = date.Of(today.Year()-1, m, d)
	}
	return start.MonthOf(), today.MonthOf().Next(), nil
}

func regWindowErr(what string, month, from, to date.Month) error {
	return errs.Newf(errs.Invalid, ErrMonthOutOfWindow.Code, "%s生效年月 %s 不在允许范围内：须在 %s 至 %s 之间", what, month, from, to).
		With("month", month.String()).With("from", from.String()).With("to", to.String())
}

// regUpsertBase writes the base effective from month (replacing a row of the
// same month).
func regUpsertBase(ctx context.Context, tx *db.Tx, employeeID int64, month date.Month, base money.Fen, source, actor string) error {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM base_history WHERE employee_account_id = ? AND effective_month = ?`+tx.Dialect.ForUpdate(),
		employeeID, month)
	now := db.Now()
	switch {
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE base_history SET base_fen = ?, source = ?, created_by = ?, created_at = ? WHERE id = ?`,
			base, source, actor, now, id)
	case db.NoRows(err):
		_, err = tx.ExecContext(ctx, `INSERT INTO base_history (employee_account_id, effective_month, base_fen, source, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, employeeID, month, base, source, actor, now)
	}
	if err != nil {
		return fmt.Errorf("base history: %w", err)
	}
	return nil
}

// regSyncBase sets the account's current base to the one in force in month
// (the current business month).
func regSyncBase(ctx context.Context, tx *db.Tx, employeeID int64, month date.Month) error {
	var base money.Fen
	err := tx.GetContext(ctx, &base, `SELECT base_fen FROM base_history WHERE employee_account_id = ? AND effective_month <= ?
		ORDER BY effective_month DESC LIMIT 1`, employeeID, month)
	if db.NoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("base in force: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE employee_account SET base_fen = ?, updated_at = ? WHERE id = ?`, base, db.Now(), employeeID)
	return err
}

// AdjustBase sets an employee's wage base from effectiveMonth (基数调整,
// business type 10). The month must lie in the current fund year's window
// (from the month of deposit.year_start, e.g. July, through next month) and
// not before the account's start month; the base must lie within
// deposit.base.min/max in force on the first day of that month. A base for
// the same month is replaced. The account's current base (base_fen) is then
// the one in force in the current month, so a change for next month shows
// there from next month on (after ApplyDueRates or the next change). A zero
// effectiveMonth means the current month. Closed accounts (03/04/05) cannot
// change. The unit agent calls it for its own employees; staff pass unitNo "".
//
// Errors: ErrBaseOutOfRange (both bounds in yuan in the message),
// ErrMonthOutOfWindow, ErrEmployeeNotFound, ErrNotYourEmployee, ErrEmployeeStatus.
func (s *Service) AdjustBase(ctx context.Context, unitNo, accountNo string, base money.Fen, effectiveMonth date.Month) (*Employee, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Employee, error) {
		e, err := lockEmployee(ctx, tx, accountNo)
		if err != nil {
			return nil, err
		}
		u, err := regOwnUnit(ctx, tx, unitNo, e)
		if err != nil {
			return nil, err
		}
		if e.Closed() {
			return nil, regEmpStatusErr(e, EmpNormal, EmpSealed, EmpFrozen)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		from, to, err := s.regBaseWindow(ctx, today)
		if err != nil {
			return nil, err
		}
		if effectiveMonth.IsZero() {
			effectiveMonth = today.MonthOf()
		}
		if effectiveMonth.Before(from) || effectiveMonth.After(to) {
			return nil, regWindowErr("基数调整", effectiveMonth, from, to)
		}
		if !e.StartMonth.IsZero() && effectiveMonth.Before(e.StartMonth) {
			return nil, errs.Newf(errs.Invalid, ErrMonthOutOfWindow.Code, "生效年月 %s 不能早于该职工的起缴年月 %s", effectiveMonth, e.StartMonth).
				With("month", effectiveMonth.String()).With("from", e.StartMonth.String())
		}
		if err := s.regCheckBase(ctx, base, effectiveMonth); err != nil {
			return nil, err
		}
		if err := regUpsertBase(ctx, tx, e.ID, effectiveMonth, base, "adjust", actorID(ctx)); err != nil {
			return nil, err
		}
		if err := regSyncBase(ctx, tx, e.ID, today.MonthOf()); err != nil {
			return nil, err
		}
		if err := s.regAudit(ctx, tx, "deposit.base_adjust", "employee:"+e.AccountNo,
			map[string]any{"base_fen": int64(e.Base)},
			map[string]any{"base_fen": int64(base), "effective_month": effectiveMonth.String(), "unit_no": u.UnitNo,
				"biz_type": policy.BizBaseAdjust}); err != nil {
			return nil, err
		}
		return employeeByNo(ctx, tx, accountNo)
	})
}

// AdjustRatio sets the unit's unit and personal ratios (basis points) from
// effectiveMonth (比例调整), for all its employees. Both must lie within
// deposit.ratio.* in force on the first day of that month. The month must not
// be before the unit's next unpaid month (paid_through + 1, or the current
// month for a unit that never remitted) nor after next month. A change for the
// same month is replaced; the unit's current ratios are then the ones in
// force in the current month. A zero effectiveMonth means the next unpaid
// month. The unit must be 01, 02 or 03. Unit agent for its own unit (or staff).
//
// Errors: ErrRatioOutOfRange (bounds as percent strings in the message),
// ErrMonthOutOfWindow, ErrUnitNotFound, ErrUnitStatus.
func (s *Service) AdjustRatio(ctx context.Context, unitNo string, unitBps, personBps int64, effectiveMonth date.Month) (*Unit, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Unit, error) {
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return nil, err
		}
		if !regIn(u.Status, UnitNormal, UnitOpened, UnitDeferred) {
			return nil, regUnitStatusErr(u, UnitNormal, UnitOpened, UnitDeferred)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		from, to := today.MonthOf(), today.MonthOf().Next()
		if !u.PaidThrough.IsZero() {
			from = u.PaidThrough.Next()
		}
		if effectiveMonth.IsZero() {
			effectiveMonth = from
		}
		if effectiveMonth.Before(from) || effectiveMonth.After(to) {
			return nil, regWindowErr("比例调整", effectiveMonth, from, to)
		}
		if err := s.regCheckRatios(ctx, effectiveMonth.First(), unitBps, personBps); err != nil {
			return nil, err
		}
		var id int64
		err = tx.GetContext(ctx, &id, `SELECT id FROM ratio_history WHERE unit_id = ? AND effective_month = ?`+tx.Dialect.ForUpdate(), u.ID, effectiveMonth)
		now := db.Now()
		switch {
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE ratio_history SET unit_bps = ?, person_bps = ?, created_by = ?, created_at = ? WHERE id = ?`,
				unitBps, personBps, actorID(ctx), now, id)
		case db.NoRows(err):
			_, err = tx.ExecContext(ctx, `INSERT INTO ratio_history (unit_id, effective_month, unit_bps, person_bps, created_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, u.ID, effectiveMonth, unitBps, personBps, actorID(ctx), now)
		}
		if err != nil {
			return nil, fmt.Errorf("ratio history: %w", err)
		}
		// The unit's current ratios are the ones in force this month.
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET ratio_unit_bps = COALESCE((SELECT r.unit_bps FROM ratio_history r
			WHERE r.unit_id = unit.id AND r.effective_month <= ? ORDER BY r.effective_month DESC LIMIT 1), ratio_unit_bps),
			ratio_person_bps = COALESCE((SELECT r.person_bps FROM ratio_history r
			WHERE r.unit_id = unit.id AND r.effective_month <= ? ORDER BY r.effective_month DESC LIMIT 1), ratio_person_bps),
			updated_at = ? WHERE id = ?`, today.MonthOf(), today.MonthOf(), now, u.ID); err != nil {
			return nil, fmt.Errorf("update unit ratios: %w", err)
		}
		if err := s.regAudit(ctx, tx, "deposit.ratio_adjust", "unit:"+u.UnitNo,
			map[string]any{"unit_ratio": policy.FormatBps(u.UnitBps), "personal_ratio": policy.FormatBps(u.PersonBps)},
			map[string]any{"unit_ratio": policy.FormatBps(unitBps), "personal_ratio": policy.FormatBps(personBps),
				"effective_month": effectiveMonth.String()}); err != nil {
			return nil, err
		}
		return unitByNo(ctx, tx, unitNo)
	})
}

// ApplyDueRates brings every employee's current base and every unit's current
// ratios in line with the history rows in force in the current business month
// (changes entered earlier for a month that has now begun). The day-end job
// calls it; it is idempotent and writes one audit record when it changed
// anything. It returns how many accounts and units changed.
func (s *Service) ApplyDueRates(ctx context.Context) (int, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (int, error) {
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return 0, err
		}
		month, now := today.MonthOf(), db.Now()
		const base = `(SELECT b.base_fen FROM base_history b WHERE b.employee_account_id = employee_account.id AND b.effective_month <= ?
			ORDER BY b.effective_month DESC LIMIT 1)`
		ne, err := tx.ExecCount(ctx, `UPDATE employee_account SET base_fen = `+base+`, updated_at = ?
			WHERE status IN (?, ?, ?) AND base_fen <> COALESCE(`+base+`, base_fen)`,
			month, now, EmpNormal, EmpSealed, EmpFrozen, month)
		if err != nil {
			return 0, fmt.Errorf("apply due bases: %w", err)
		}
		const ratio = `(SELECT r.%s FROM ratio_history r WHERE r.unit_id = unit.id AND r.effective_month <= ?
			ORDER BY r.effective_month DESC LIMIT 1)`
		ub, pb := fmt.Sprintf(ratio, "unit_bps"), fmt.Sprintf(ratio, "person_bps")
		nu, err := tx.ExecCount(ctx, `UPDATE unit SET ratio_unit_bps = `+ub+`, ratio_person_bps = `+pb+`, updated_at = ?
			WHERE status <> ? AND (ratio_unit_bps <> COALESCE(`+ub+`, ratio_unit_bps) OR ratio_person_bps <> COALESCE(`+pb+`, ratio_person_bps))`,
			month, month, now, UnitClosed, month, month)
		if err != nil {
			return 0, fmt.Errorf("apply due ratios: %w", err)
		}
		if ne+nu == 0 {
			return 0, nil
		}
		if err := s.regAudit(ctx, tx, "deposit.rates_apply", "month:"+month.String(), nil,
			map[string]any{"employees": ne, "units": nu}); err != nil {
			return 0, err
		}
		return int(ne + nu), nil
	})
}

// errImportRows rolls back an import whose rows have errors.
var errImportRows = errors.New("import rows rejected")

// ImportBases adjusts the bases of many employees of the unit from an Excel
// sheet (.xlsx, first worksheet) with the columns 个人账号, 姓名 and
// 缴存基数(元) under a header row (other columns are ignored, so a roster
// from ExportEmployeesXLSX can be edited and uploaded). Every row is checked
// first — account of this unit and not closed, name matching, base a yuan
// amount within the bounds in force in effectiveMonth, no account twice — and
// if ANY row is bad NOTHING is applied: the report lists every bad row
// (ErrImportRejected). Otherwise all rows are applied in one transaction
// (as AdjustBase, one audit record for the sheet). The unit agent calls it
// for its own unit.
//
// Errors: ErrBadSheet (not a readable .xlsx, missing columns, no rows, too
// many rows), ErrMonthOutOfWindow, ErrUnitNotFound, ErrImportRejected (with
// the report).
func (s *Service) ImportBases(ctx context.Context, unitNo string, xlsx io.Reader, effectiveMonth date.Month) (applied int, report []RowError, err error) {
	if effectiveMonth.IsZero() {
		return 0, nil, errs.New(errs.Invalid, ErrMonthOutOfWindow.Code, "请填写生效年月")
	}
	sheet, err := readSheet(xlsx)
	if err != nil {
		return 0, nil, err
	}
	type row struct {
		n             int
		account, name string
		baseText      string
		baseNumeric   bool
		base          money.Fen
		employeeID    int64
	}
	var rows []row
	cols := map[string]int{}
	for _, r := range sheet {
		if len(cols) == 0 {
			for i, c := range r.cells {
				cols[sheetHeader(c.text)] = i
			}
			for _, want := range []string{ColAccountNo, ColName, ColBaseYuan} {
				if _, ok := cols[sheetHeader(want)]; !ok {
					return 0, nil, errs.Newf(errs.Invalid, ErrBadSheet.Code, "表格第 %d 行（表头）缺少「%s」列；表头应包含 个人账号、姓名、缴存基数(元)",
						r.n, want).With("missing", want)
				}
			}
			continue
		}
		cell := func(title string) sheetCell {
			i := cols[sheetHeader(title)]
			if i < len(r.cells) {
				return r.cells[i]
			}
			return sheetCell{}
		}
		b := cell(ColBaseYuan)
		rows = append(rows, row{n: r.n, account: strings.TrimSpace(cell(ColAccountNo).text), name: strings.TrimSpace(cell(ColName).text),
			baseText: strings.TrimSpace(b.text), baseNumeric: b.numeric})
	}
	if len(cols) == 0 || len(rows) == 0 {
		return 0, nil, errs.New(errs.Invalid, ErrBadSheet.Code, "表格中没有数据行：第一行为表头（个人账号、姓名、缴存基数(元)），其后每行一名职工")
	}
	if len(rows) > MaxImportRows {
		return 0, nil, errs.Newf(errs.Invalid, ErrBadSheet.Code, "表格最多 %d 行数据，请分批导入", MaxImportRows).With("max_rows", MaxImportRows)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		report = nil
		u, err := lockUnit(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return err
		}
		from, to, err := s.regBaseWindow(ctx, today)
		if err != nil {
			return err
		}
		if effectiveMonth.Before(from) || effectiveMonth.After(to) {
			return regWindowErr("基数调整", effectiveMonth, from, to)
		}
		lo, hi, err := s.regBaseBounds(ctx, effectiveMonth)
		if err != nil {
			return err
		}
		var emps []struct {
			ID         int64      `db:"id"`
			AccountNo  string     `db:"account_no"`
			Status     string     `db:"status"`
			StartMonth date.Month `db:"start_month"`
			Name       string     `db:"name"`
		}
		if err := tx.SelectContext(ctx, &emps, `SELECT e.id, e.account_no, e.status, e.start_month, p.name FROM employee_account e
			JOIN person p ON p.id = e.person_id WHERE e.unit_id = ?`+tx.Dialect.ForUpdate(), u.ID); err != nil {
			return fmt.Errorf("read unit employees: %w", err)
		}
		byNo := make(map[string]int, len(emps))
		for i, e := range emps {
			byNo[e.AccountNo] = i
		}
		seen := map[string]int{}
		for i := range rows {
			r := &rows[i]
			bad := func(format string, args ...any) {
				report = append(report, RowError{Row: r.n, AccountNo: r.account, Message: fmt.Sprintf(format, args...)})
			}
			if r.account == "" {
				bad("个人账号为空")
				continue
			}
			if first, dup := seen[r.account]; dup {
				bad("个人账号 %s 与第 %d 行重复", r.account, first)
				continue
			}
			seen[r.account] = r.n
			k, ok := byNo[r.account]
			if !ok {
				bad("本单位没有个人账号 %s", r.account)
				continue
			}
			e := emps[k]
			r.employeeID = e.ID
			switch {
			case r.name == "":
				bad("姓名为空")
				continue
			case r.name != e.Name:
				bad("姓名「%s」与个人账号 %s 登记的姓名不一致", r.name, r.account)
				continue
			case regIn(e.Status, EmpMerged, EmpTransferred, EmpWithdrawn):
				bad("个人账户已销户（%s），不能调整缴存基数", regEmpStatusNames[e.Status])
				continue
			case !e.StartMonth.IsZero() && effectiveMonth.Before(e.StartMonth):
				bad("生效年月 %s 早于该职工的起缴年月 %s", effectiveMonth, e.StartMonth)
				continue
			}
			base, perr := regParseBase(r.baseText, r.baseNumeric)
			switch {
			case r.baseText == "":
				bad("缴存基数为空")
			case perr != nil:
				bad("缴存基数「%s」格式不正确，应为元，最多两位小数，例如 8000 或 8000.50", r.baseText)
			case base < lo || base > hi:
				bad("缴存基数 %s 元超出允许范围：%s 适用的缴存基数须在 %s 元至 %s 元之间", base.Format(), effectiveMonth, lo.Format(), hi.Format())
			default:
				r.base = base
			}
		}
		if len(report) > 0 {
			return errImportRows
		}
		for _, r := range rows {
			if err := regUpsertBase(ctx, tx, r.employeeID, effectiveMonth, r.base, "import", actorID(ctx)); err != nil {
				return err
			}
			if err := regSyncBase(ctx, tx, r.employeeID, today.MonthOf()); err != nil {
				return err
			}
		}
		return s.regAudit(ctx, tx, "deposit.base_import", "unit:"+u.UnitNo, nil, map[string]any{
			"rows": len(rows), "effective_month": effectiveMonth.String(), "biz_type": policy.BizBaseAdjust})
	})
	if errors.Is(err, errImportRows) {
		return 0, report, errs.Newf(errs.Invalid, ErrImportRejected.Code, "表格中有 %d 行有误，全部未导入，请按错误报告修改后重新上传", len(report)).
			With("bad_rows", len(report))
	}
	if err != nil {
		return 0, nil, err
	}
	return len(rows), nil, nil
}

// regParseBase parses a yuan amount from a cell. A numeric cell may carry
// binary floating-point noise (8000.1 stored as 8000.1000000000004); it is
// accepted when it is within a millionth of a fen amount.
func regParseBase(text string, numeric bool) (money.Fen, error) {
	if f, err := money.ParseYuan(text); err == nil {
		return f, nil
	}
	if !numeric {
		return 0, money.ErrSyntax
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
		return 0, money.ErrSyntax
	}
	fen := math.Round(v * 100)
	if math.Abs(v*100-fen) > 1e-4 {
		return 0, money.ErrSyntax
	}
	return money.Fen(int64(fen)), nil
}

// ExportEmployeesXLSX writes the unit's roster of accounts that are not closed
// (01/02/06) as an .xlsx sheet with the columns 个人账号, 姓名, 证件号码
// (masked), 状态, 缴存基数(元), 缴至年月, ordered by account number. The
// sheet can be edited and uploaded to ImportBases as it is. Unit agent for its
// own unit (or staff).
//
// Errors: ErrUnitNotFound.
func (s *Service) ExportEmployeesXLSX(ctx context.Context, unitNo string, w io.Writer) error {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return err
	}
	var emps []Employee
	if err := s.db.SelectContext(ctx, &emps, `SELECT `+employeeCols+employeeFrom+` WHERE e.unit_id = ? AND e.status IN (?, ?, ?)
		ORDER BY e.account_no`, u.ID, EmpNormal, EmpSealed, EmpFrozen); err != nil {
		return fmt.Errorf("list employees: %w", err)
	}
	rows := [][]sheetCell{{{text: ColAccountNo}, {text: ColName}, {text: ColIDNumber}, {text: ColStatus}, {text: ColBaseYuan}, {text: ColPaidThrough}}}
	for _, e := range emps {
		rows = append(rows, []sheetCell{{text: e.AccountNo}, {text: e.Name}, {text: ident.MaskIDNumber(e.IDNumber)},
			{text: regEmpStatusNames[e.Status]}, {text: e.Base.String(), numeric: true}, {text: e.PaidThrough.String()}})
	}
	return writeSheet(w, "职工名册", rows)
}
