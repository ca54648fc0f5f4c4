package deposit_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/money"
)

// regNum is a numeric cell of a test sheet, written as given (e.g. "2.01E+11").
type regNum string

// regSheet builds an .xlsx with excelize, as spreadsheet programs write it:
// text in the shared-string table (every second one as rich text runs),
// numbers as numbers (a regNum such as "2.01E+11" is stored as that number),
// gaps where a cell is nil, on a sheet not named Sheet1.
func regSheet(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "基数"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	k := 0
	for i, r := range rows {
		for j, v := range r {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			var err error
			switch v := v.(type) {
			case nil:
			case regNum:
				x, perr := strconv.ParseFloat(string(v), 64)
				if perr != nil {
					t.Fatal(perr)
				}
				err = f.SetCellFloat(sheet, ref, x, -1, 64)
			case string:
				if k++; k%2 == 0 && len([]rune(v)) > 1 {
					rs := []rune(v)
					h := len(rs) / 2
					err = f.SetCellRichText(sheet, ref, []excelize.RichTextRun{{Text: string(rs[:h])}, {Text: string(rs[h:]), Font: &excelize.Font{Bold: true}}})
				} else {
					err = f.SetCellStr(sheet, ref, v)
				}
			default:
				t.Fatalf("cell type %T", v)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *env) regBase(accountNo string) money.Fen {
	e.t.Helper()
	emp, err := e.svc.Employee(e.ctx, accountNo)
	if err != nil {
		e.t.Fatal(err)
	}
	return emp.Base
}

func TestRegRatesFor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.importUnit(0, 1)
		emp, err := e.svc.Employee(e.ctx, "201000000001")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AdjustBase(e.ctx, u.UnitNo, emp.AccountNo, money.Yuan(12000), date.MustParseMonth("2026-12")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AdjustRatio(e.ctx, u.UnitNo, 1000, 800, date.MustParseMonth("2026-12")); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			month  string
			base   money.Fen
			ub, pb int64
		}{
			{"2020-01", money.Yuan(10000), 1200, 1200},
			{"2026-11", money.Yuan(10000), 1200, 1200},
			{"2026-12", money.Yuan(12000), 1000, 800},
			{"2031-05", money.Yuan(12000), 1000, 800},
		} {
			base, ub, pb, err := deposit.RatesFor(e.ctx, e.db, emp.ID, u.ID, date.MustParseMonth(c.month))
			if err != nil || base != c.base || ub != c.ub || pb != c.pb {
				t.Fatalf("%s: %s %d %d %v, want %s %d %d", c.month, base, ub, pb, err, c.base, c.ub, c.pb)
			}
		}
		// Inside a transaction too; before the first row there is nothing.
		err = e.db.InTx(e.ctx, func(tx *db.Tx) error {
			_, _, _, err := deposit.RatesFor(e.ctx, tx, emp.ID, u.ID, date.MustParseMonth("2019-12"))
			return err
		})
		regWantErr(t, err, "deposit.no_rates", "2019-12")
		_, _, _, err = deposit.RatesFor(e.ctx, e.db, emp.ID, 999, date.MustParseMonth("2026-11"))
		regWantErr(t, err, "deposit.no_rates", "比例")

		// The current base and ratios follow when December begins.
		if n, err := e.svc.ApplyDueRates(e.ctx); err != nil || n != 0 {
			t.Fatalf("apply in November = %d, %v", n, err)
		}
		if e.regBase(emp.AccountNo) != money.Yuan(10000) {
			t.Fatal("future base applied early")
		}
		if _, err := e.dates.Set(e.ctx, date.MustParse("2026-12-01"), false); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.ApplyDueRates(e.ctx); err != nil || n != 2 {
			t.Fatalf("apply in December = %d, %v", n, err)
		}
		got, _ := e.svc.Unit(e.ctx, u.UnitNo)
		if e.regBase(emp.AccountNo) != money.Yuan(12000) || got.UnitBps != 1000 || got.PersonBps != 800 {
			t.Fatalf("after apply: base %s, unit %+v", e.regBase(emp.AccountNo), got)
		}
		if a := e.regLastAudit(); a.Action != "deposit.rates_apply" {
			t.Fatalf("audit = %+v", a)
		}
		before := e.regSnap()
		if n, err := e.svc.ApplyDueRates(e.ctx); err != nil || n != 0 {
			t.Fatalf("apply again = %d, %v", n, err)
		}
		e.regSame(before)
		e.verifyBooks()
	})
}

func TestRegAdjustBase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 3)
		b := e.importUnit(1, 1)
		late, err := e.svc.OpenEmployee(e.ctx, a.UnitNo, deposit.EmployeeInput{IDNumber: idNumber(900500), Name: "晚入职", Mobile: "13500000000",
			BaseFen: money.Yuan(5000), BankCard: "622202020000123456", StartMonth: date.MustParseMonth("2026-12")})
		if err != nil {
			t.Fatal(err)
		}
		e.regExec(`UPDATE employee_account SET status = ? WHERE account_no = ?`, deposit.EmpWithdrawn, "201000000003")
		m := date.MustParseMonth
		const acct = "201000000001"
		refused := []struct {
			name     string
			unit     string
			acct     string
			base     money.Fen
			month    string
			code     string
			contains []string
		}{
			{"before the fund year", a.UnitNo, acct, money.Yuan(9000), "2026-06", "deposit.month_out_of_window", []string{"2026-06", "2026-07", "2026-12"}},
			{"after next month", a.UnitNo, acct, money.Yuan(9000), "2027-01", "deposit.month_out_of_window", []string{"2027-01"}},
			{"below the floor", a.UnitNo, acct, money.Yuan(1800), "2026-07", "deposit.base_out_of_range", []string{"1,800.00", "1,900.00", "23,681.00"}},
			{"above the cap", a.UnitNo, acct, money.Yuan(23681) + 1, "2026-07", "deposit.base_out_of_range", []string{"1,900.00", "23,681.00"}},
			{"zero", a.UnitNo, acct, 0, "2026-07", "deposit.base_out_of_range", nil},
			{"another unit's employee", b.UnitNo, acct, money.Yuan(9000), "2026-07", "deposit.not_your_employee", nil},
			{"unknown account", a.UnitNo, "209999999999", money.Yuan(9000), "2026-07", "deposit.employee_not_found", nil},
			{"closed account", a.UnitNo, "201000000003", money.Yuan(9000), "2026-07", "deposit.employee_status", []string{"提取销户"}},
			{"before the start month", a.UnitNo, late.AccountNo, money.Yuan(9000), "2026-11", "deposit.month_out_of_window", []string{"起缴年月", "2026-12"}},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				before := e.regSnap()
				_, err := e.svc.AdjustBase(e.ctx, c.unit, c.acct, c.base, m(c.month))
				regWantErr(t, err, c.code, c.contains...)
				e.regSame(before)
			})
		}

		histRows := func() int {
			return e.regCount(`SELECT COUNT(*) FROM base_history h JOIN employee_account e ON e.id = h.employee_account_id WHERE e.account_no = ?`, acct)
		}
		ok := []struct {
			name    string
			unit    string
			base    money.Fen
			month   string
			current money.Fen // employee's base afterwards
			rows    int       // history rows afterwards
		}{
			{"July, the fund year's first month", a.UnitNo, money.Yuan(12000), "2026-07", money.Yuan(12000), 2},
			{"same month again replaces", a.UnitNo, money.Yuan(13000), "2026-07", money.Yuan(13000), 2},
			{"floor is allowed", "", money.Yuan(1900), "2026-11", money.Yuan(1900), 3},
			{"next month: history only", a.UnitNo, money.Yuan(23681), "2026-12", money.Yuan(1900), 4},
			{"an earlier month under a later one", a.UnitNo, money.Yuan(15000), "2026-08", money.Yuan(1900), 5},
		}
		for _, c := range ok {
			t.Run(c.name, func(t *testing.T) {
				emp, err := e.svc.AdjustBase(e.ctx, c.unit, acct, c.base, m(c.month))
				if err != nil {
					t.Fatal(err)
				}
				if emp.Base != c.current || histRows() != c.rows {
					t.Fatalf("base %s rows %d, want %s %d", emp.Base, histRows(), c.current, c.rows)
				}
				if a := e.regLastAudit(); a.Action != "deposit.base_adjust" || !strings.Contains(a.After, c.month) {
					t.Fatalf("audit = %+v", a)
				}
				base, _, _, err := deposit.RatesFor(e.ctx, e.db, emp.ID, a.ID, m(c.month))
				if err != nil || base != c.base {
					t.Fatalf("in force for %s: %s %v", c.month, base, err)
				}
			})
		}
		// A sealed or frozen account may still change.
		if _, err := e.svc.SealEmployee(e.ctx, a.UnitNo, "201000000002", "离职"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AdjustBase(e.ctx, a.UnitNo, "201000000002", money.Yuan(9000), m("2026-07")); err != nil {
			t.Fatal(err)
		}

		// The window follows deposit.year_start: on 2027-07-01 it is 2027-07..2027-08.
		if _, err := e.dates.Set(e.ctx, date.MustParse("2027-07-01"), false); err != nil {
			t.Fatal(err)
		}
		before := e.regSnap()
		_, err = e.svc.AdjustBase(e.ctx, a.UnitNo, acct, money.Yuan(9000), m("2027-06"))
		regWantErr(t, err, "deposit.month_out_of_window", "2027-07", "2027-08")
		e.regSame(before)
		if emp, err := e.svc.AdjustBase(e.ctx, a.UnitNo, acct, money.Yuan(9000), m("2027-08")); err != nil || emp.Base != money.Yuan(23681) {
			t.Fatalf("2027-08: %+v %v", emp, err) // still December's base in force in July
		}
		e.verifyBooks()
	})
}

func TestRegAdjustRatio(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 1) // paid through 2026-10
		b := e.regNewUnit(1)    // 02, never remitted
		c := e.importUnit(1, 0)
		if _, err := e.svc.SealUnit(e.ctx, c.UnitNo, "停业"); err != nil {
			t.Fatal(err)
		}
		m := date.MustParseMonth
		refused := []struct {
			name         string
			unit         string
			ub, pb       int64
			month        string
			code         string
			contains     []string
			containsNone string
		}{
			{"unit ratio 4.5%", a.UnitNo, 450, 1200, "2026-11", "deposit.ratio_out_of_range", []string{"单位缴存比例", "4.5%", "5%", "12%"}, ""},
			{"personal ratio 12.5%", a.UnitNo, 1200, 1250, "2026-11", "deposit.ratio_out_of_range", []string{"个人缴存比例", "12.5%", "5%", "12%"}, ""},
			{"a paid month", a.UnitNo, 1000, 1000, "2026-10", "deposit.month_out_of_window", []string{"2026-11", "2026-12"}, ""},
			{"after next month", a.UnitNo, 1000, 1000, "2027-01", "deposit.month_out_of_window", nil, ""},
			{"sealed unit", c.UnitNo, 1000, 1000, "2026-11", "deposit.unit_status", []string{"封存"}, ""},
			{"unknown unit", "199999999999", 1000, 1000, "2026-11", "deposit.unit_not_found", nil, ""},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				before := e.regSnap()
				_, err := e.svc.AdjustRatio(e.ctx, c.unit, c.ub, c.pb, m(c.month))
				regWantErr(t, err, c.code, c.contains...)
				e.regSame(before)
			})
		}
		ratioRows := func(id int64) int { return e.regCount(`SELECT COUNT(*) FROM ratio_history WHERE unit_id = ?`, id) }
		ok := []struct {
			name        string
			unit        *deposit.Unit
			ub, pb      int64
			month       string
			wantU       int64
			wantP       int64
			rows        int
			auditsAfter string
		}{
			{"this month", a, 1000, 800, "2026-11", 1000, 800, 2, "10%"},
			{"this month again replaces", a, 1100, 500, "2026-11", 1100, 500, 2, "5%"},
			{"next month: history only", a, 1200, 1200, "2026-12", 1100, 500, 3, "12%"},
			{"a 02 unit from this month", b, 700, 700, "2026-11", 700, 700, 1, "7%"},
		}
		for _, c := range ok {
			t.Run(c.name, func(t *testing.T) {
				u, err := e.svc.AdjustRatio(e.ctx, c.unit.UnitNo, c.ub, c.pb, m(c.month))
				if err != nil {
					t.Fatal(err)
				}
				if u.UnitBps != c.wantU || u.PersonBps != c.wantP || ratioRows(u.ID) != c.rows {
					t.Fatalf("unit %d/%d rows %d", u.UnitBps, u.PersonBps, ratioRows(u.ID))
				}
				if au := e.regLastAudit(); au.Action != "deposit.ratio_adjust" || !strings.Contains(au.After, c.auditsAfter) {
					t.Fatalf("audit = %+v", au)
				}
			})
		}
		e.verifyBooks()
	})
}

func TestRegImportBases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 8)
		b := e.importUnit(1, 1)
		e.regExec(`UPDATE employee_account SET status = ? WHERE account_no = ?`, deposit.EmpWithdrawn, "201000000008")
		july := date.MustParseMonth("2026-07")
		header := []any{"个人账号", "姓名", "缴存基数（元）"}

		// Bad sheets: every bad row reported with its row number; nothing applied.
		for _, c := range []struct {
			name string
			rows [][]any
			want []deposit.RowError
			frag [][]string
		}{
			{"one bad base", [][]any{header,
				{"201000000001", "职工0", regNum("12000")},
				{"201000000002", "职工1", regNum("100")},
				{"201000000003", "职工2", "12500.50"}},
				[]deposit.RowError{{Row: 3, AccountNo: "201000000002"}}, [][]string{{"100.00", "1,900.00", "23,681.00"}}},
			{"every kind of fault", [][]any{header,
				{"201000000001", "职工0", regNum("12000")},
				nil, // an empty line is skipped
				{"209999999999", "某人", "9000"},
				{"201000000002", "张冠李戴", "9000"},
				{"201000000001", "职工0", "9000"},
				{"201000000003", "职工2", nil},
				{"201000000004x", "职工3", "9000"},
				{nil, "职工3", "9000"},
				{"201000000004", "职工3", "九千"},
				{"201000000005", "职工4", "9000.123"},
				{"202000000001", "职工100000", "9000"},
				{"201000000008", "职工7", "9000"},
				{"201000000006", nil, "9000"},
				{"201000000003", "职工2", "9000"}},
				[]deposit.RowError{{Row: 4, AccountNo: "209999999999"}, {Row: 5, AccountNo: "201000000002"}, {Row: 6, AccountNo: "201000000001"},
					{Row: 7, AccountNo: "201000000003"}, {Row: 8, AccountNo: "201000000004x"}, {Row: 9}, {Row: 10, AccountNo: "201000000004"},
					{Row: 11, AccountNo: "201000000005"}, {Row: 12, AccountNo: "202000000001"}, {Row: 13, AccountNo: "201000000008"},
					{Row: 14, AccountNo: "201000000006"}, {Row: 15, AccountNo: "201000000003"}},
				[][]string{{"本单位没有"}, {"姓名", "不一致"}, {"与第 2 行重复"}, {"缴存基数为空"}, {"本单位没有"}, {"个人账号为空"}, {"格式不正确"},
					{"格式不正确"}, {"本单位没有"}, {"已销户"}, {"姓名为空"}, {"与第 7 行重复"}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.regSnap()
				n, report, err := e.svc.ImportBases(e.ctx, a.UnitNo, bytes.NewReader(regSheet(t, c.rows)), july)
				regWantErr(t, err, "deposit.import_rejected", fmt.Sprintf("%d 行", len(c.want)))
				if n != 0 || len(report) != len(c.want) {
					t.Fatalf("applied %d, report %+v", n, report)
				}
				for i, w := range c.want {
					r := report[i]
					if r.Row != w.Row || r.AccountNo != w.AccountNo {
						t.Fatalf("report[%d] = %+v, want row %d account %q", i, r, w.Row, w.AccountNo)
					}
					for _, f := range c.frag[i] {
						if !strings.Contains(r.Message, f) {
							t.Fatalf("report[%d] = %q lacks %q", i, r.Message, f)
						}
					}
				}
				e.regSame(before)
			})
		}

		// Sheets that cannot be read at all.
		for _, c := range []struct {
			name     string
			data     []byte
			month    date.Month
			code     string
			contains string
		}{
			{"not an xlsx", []byte("个人账号,姓名,缴存基数\n"), july, "deposit.bad_sheet", ""},
			{"missing column", regSheet(t, [][]any{{"个人账号", "姓名"}, {"201000000001", "职工0"}}), july, "deposit.bad_sheet", "缴存基数(元)"},
			{"title line instead of header", regSheet(t, [][]any{{"单位职工缴存基数表"}, header}), july, "deposit.bad_sheet", "个人账号"},
			{"header only", regSheet(t, [][]any{header}), july, "deposit.bad_sheet", "没有数据行"},
			{"empty", regSheet(t, nil), july, "deposit.bad_sheet", "没有数据行"},
			{"month outside the window", regSheet(t, [][]any{header, {"201000000001", "职工0", "9000"}}), date.MustParseMonth("2026-06"),
				"deposit.month_out_of_window", "2026-07"},
			{"no month", regSheet(t, [][]any{header, {"201000000001", "职工0", "9000"}}), date.Month{}, "deposit.month_out_of_window", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.regSnap()
				_, _, err := e.svc.ImportBases(e.ctx, a.UnitNo, bytes.NewReader(c.data), c.month)
				regWantErr(t, err, c.code, c.contains)
				e.regSame(before)
			})
		}

		// A good sheet: numbers (also in exponent form and with float noise),
		// text amounts with separators, extra columns, gaps.
		good := [][]any{
			{"序号", "个人账号", "姓名", nil, "缴存基数（元）", "备注"},
			{regNum("1"), "201000000001", "职工0", nil, regNum("12000"), "调整"},
			{regNum("2"), regNum("2.01000000002E+11"), "职工1", nil, "12,500.50"},
			{regNum("3"), "201000000003", " 职工2 ", nil, regNum("13000.100000000002")},
		}
		audits := e.regCount(`SELECT COUNT(*) FROM audit_log`)
		n, report, err := e.svc.ImportBases(e.ctx, a.UnitNo, bytes.NewReader(regSheet(t, good)), july)
		if err != nil || n != 3 || report != nil {
			t.Fatalf("import = %d %+v %v", n, report, err)
		}
		for acct, want := range map[string]money.Fen{"201000000001": money.Yuan(12000), "201000000002": 1_250_050, "201000000003": 1_300_010} {
			if got := e.regBase(acct); got != want {
				t.Fatalf("%s base = %s, want %s", acct, got, want)
			}
		}
		if got := e.regCount(`SELECT COUNT(*) FROM audit_log`); got != audits+1 {
			t.Fatalf("audit records %d → %d, want one for the sheet", audits, got)
		}
		if au := e.regLastAudit(); au.Action != "deposit.base_import" || !strings.Contains(au.After, `"rows":3`) {
			t.Fatalf("audit = %+v", au)
		}
		// Another unit's agent cannot import these accounts.
		before := e.regSnap()
		_, report, err = e.svc.ImportBases(e.ctx, b.UnitNo, bytes.NewReader(regSheet(t, good)), july)
		regWantErr(t, err, "deposit.import_rejected")
		if len(report) != 3 || !strings.Contains(report[0].Message, "本单位没有") {
			t.Fatalf("report = %+v", report)
		}
		e.regSame(before)

		// Export: the roster of open accounts, masked ID numbers; it imports as it is.
		var out bytes.Buffer
		if err := e.svc.ExportEmployeesXLSX(e.ctx, a.UnitNo, &out); err != nil {
			t.Fatal(err)
		}
		xf, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		exported, err := xf.GetRows(xf.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for _, r := range exported {
			sb.WriteString(strings.Join(r, "|") + "\n")
		}
		sheet := sb.String()
		for _, want := range []string{"个人账号", "证件号码", "缴存基数(元)", "缴至年月", "201000000003", "13000.10", "2026-10", "正常"} {
			if !strings.Contains(sheet, want) {
				t.Fatalf("export lacks %q:\n%s", want, sheet)
			}
		}
		if strings.Contains(sheet, idNumber(0)) || strings.Contains(sheet, "201000000008") || !strings.Contains(sheet, idNumber(0)[:6]+"********") {
			t.Fatalf("export shows a full ID number or a closed account:\n%s", sheet)
		}
		bases := map[string]money.Fen{}
		for i := 1; i <= 7; i++ {
			acct := fmt.Sprintf("201%09d", i)
			bases[acct] = e.regBase(acct)
		}
		n, report, err = e.svc.ImportBases(e.ctx, a.UnitNo, bytes.NewReader(out.Bytes()), date.MustParseMonth("2026-11"))
		if err != nil || n != 7 || report != nil {
			t.Fatalf("round trip = %d %+v %v", n, report, err)
		}
		for acct, want := range bases {
			if got := e.regBase(acct); got != want {
				t.Fatalf("round trip changed %s: %s → %s", acct, want, got)
			}
		}
		e.verifyBooks()
	})
}
