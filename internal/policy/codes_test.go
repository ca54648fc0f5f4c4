package policy_test

import (
	"context"
	"slices"
	"testing"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

func TestSeedCodesIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := policy.New(d)
		first, err := s.SeedCodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.SeedCodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		if err := d.GetContext(ctx, &rows, `SELECT COUNT(*) FROM code_item`); err != nil {
			t.Fatal(err)
		}
		if first == 0 || second != 0 || rows != first {
			t.Fatalf("first seed %d, second %d, rows %d", first, second, rows)
		}
		// Every seeded row belongs to one of the twelve tables (sizes per domain.md §5.2).
		sizes := map[string]int{
			policy.TableZJLX: 5, policy.TableLLLX: 14, policy.TableDWZHZT: 6, policy.TableGJHTQYWLX: 16,
			policy.TableGRZHZT: 7, policy.TableTQYY: 10, policy.TableTQFS: 3, policy.TableCZBZ: 2,
			policy.TableDKDBLX: 4, policy.TableDKHKFS: 5, policy.TableDKFXDJ: 6, policy.TableDKYWMXLX: 10,
		}
		total := 0
		for table, n := range sizes {
			items, err := s.CodeTable(ctx, table, date.MustParse("2026-01-01"))
			if err != nil || len(items) != n {
				t.Errorf("table %s has %d items (%v), want %d", table, len(items), err, n)
			}
			total += n
		}
		if total != first {
			t.Errorf("seeded %d rows, tables hold %d", first, total)
		}
	})
}

// TestConstantsMatchSeed proves every Go constant names the seeded code with
// the expected meaning.
func TestConstantsMatchSeed(t *testing.T) {
	tests := []struct {
		table, code, name, stdRef string
	}{
		{policy.TableZJLX, policy.IDTypeResidentID, "身份证", "A.1"},
		{policy.TableZJLX, policy.IDTypeOfficer, "军官证", "A.1"},
		{policy.TableZJLX, policy.IDTypePassport, "护照", "A.1"},
		{policy.TableZJLX, policy.IDTypeForeignPermanent, "外国人永久居留证", "A.1"},
		{policy.TableZJLX, policy.IDTypeOther, "其他", "A.1"},
		{policy.TableLLLX, "03", "公积金贷款", "A.2"},
		{policy.TableDWZHZT, policy.UnitAcctNormal, "正常", "A.4"},
		{policy.TableDWZHZT, policy.UnitAcctOpened, "开户", "A.4"},
		{policy.TableDWZHZT, policy.UnitAcctDeferred, "缓缴", "A.4"},
		{policy.TableDWZHZT, policy.UnitAcctClosed, "销户", "A.4"},
		{policy.TableDWZHZT, policy.UnitAcctSealed, "封存", "A.4"},
		{policy.TableDWZHZT, policy.UnitAcctOther, "其他", "A.4"},
		{policy.TableGJHTQYWLX, policy.BizRemit, "汇缴", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizSupplement, "补缴", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizOpen, "开户", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizUnseal, "启封", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizSeal, "封存", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizInternalTransfer, "内部转移", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizTransferOut, "外部转出", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizTransferIn, "外部转入", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizInterest, "年终结息", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizBaseAdjust, "基数调整", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizPartialWithdrawal, "部分提取", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizCloseWithdrawal, "销户提取", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizDeferral, "缓缴处理", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizFreeze, "冻结", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizUnfreeze, "解冻", "A.5"},
		{policy.TableGJHTQYWLX, policy.BizOther, "其他", "A.5"},
		{policy.TableGRZHZT, policy.PersonAcctNormal, "正常", "A.6"},
		{policy.TableGRZHZT, policy.PersonAcctSealed, "封存", "A.6"},
		{policy.TableGRZHZT, policy.PersonAcctMergedClosed, "合并销户", "A.6"},
		{policy.TableGRZHZT, policy.PersonAcctTransferClosed, "外部转出销户", "A.6"},
		{policy.TableGRZHZT, policy.PersonAcctWithdrawClosed, "提取销户", "A.6"},
		{policy.TableGRZHZT, policy.PersonAcctFrozen, "冻结", "A.6"},
		{policy.TableGRZHZT, policy.PersonAcctOther, "其他", "A.6"},
		{policy.TableTQYY, policy.ReasonPurchase, "购买住房", "A.7"},
		{policy.TableTQYY, policy.ReasonBuildRepair, "建造、翻建、大修住房", "A.7"},
		{policy.TableTQYY, policy.ReasonRetirement, "离休、退休", "A.7"},
		{policy.TableTQYY, policy.ReasonDisability, "完全丧失劳动能力，并与单位终止劳动关系", "A.7"},
		{policy.TableTQYY, policy.ReasonEmigration, "户口迁出所在市、县或出境定居", "A.7"},
		{policy.TableTQYY, policy.ReasonDeath, "死亡", "A.7"},
		{policy.TableTQYY, policy.ReasonRent, "房租超出家庭工资收入的规定比例", "A.7"},
		{policy.TableTQYY, policy.ReasonLoanRepayment, "偿还购房贷款本息", "A.7"},
		{policy.TableTQYY, policy.ReasonMedical, "大病医疗", "A.7"},
		{policy.TableTQYY, policy.ReasonOther, "其他", "A.7"},
		{policy.TableTQFS, policy.WithdrawCash, "现金提取", "A.8"},
		{policy.TableTQFS, policy.WithdrawTransfer, "转账提取", "A.8"},
		{policy.TableTQFS, policy.WithdrawOther, "其他", "A.8"},
		{policy.TableCZBZ, policy.NotReversal, "非冲账", "A.9"},
		{policy.TableCZBZ, policy.Reversal, "冲账", "A.9"},
		{policy.TableDKDBLX, policy.GuaranteeMortgage, "抵押", "A.10"},
		{policy.TableDKDBLX, policy.GuaranteePledge, "质押", "A.10"},
		{policy.TableDKDBLX, policy.GuaranteeSurety, "保证", "A.10"},
		{policy.TableDKDBLX, policy.GuaranteeOther, "其他", "A.10"},
		{policy.TableDKHKFS, policy.RepayEqualInstalment, "等额本息", "A.11"},
		{policy.TableDKHKFS, policy.RepayEqualPrincipal, "等额本金", "A.11"},
		{policy.TableDKHKFS, policy.RepayBullet, "一次还本付息", "A.11"},
		{policy.TableDKHKFS, policy.RepayFree, "自由还款", "A.11"},
		{policy.TableDKHKFS, policy.RepayOther, "其他", "A.11"},
		{policy.TableDKFXDJ, policy.RiskNormal, "正常", "A.14"},
		{policy.TableDKFXDJ, policy.RiskSpecial, "关注", "A.14"},
		{policy.TableDKFXDJ, policy.RiskSubstandard, "次级", "A.14"},
		{policy.TableDKFXDJ, policy.RiskDoubtful, "可疑", "A.14"},
		{policy.TableDKFXDJ, policy.RiskLoss, "损失", "A.14"},
		{policy.TableDKFXDJ, policy.RiskOther, "其他", "A.14"},
		{policy.TableDKYWMXLX, policy.LoanBizDisburse, "发放", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizRepay, "正常还款", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizPrepay, "提前还款", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizOverdueRepay, "逾期还款", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizFundRepay, "公积金提取还款", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizSettle, "结清", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizExtend, "展期", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizShorten, "缩期", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizWriteOff, "核销", "A.15"},
		{policy.TableDKYWMXLX, policy.LoanBizOther, "其他", "A.15"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		on := date.MustParse("2026-01-01")
		for _, tc := range tests {
			it, err := s.Code(ctx, tc.table, tc.code, on)
			if err != nil || it.Name != tc.name || it.StdRef != tc.stdRef || it.TableID != tc.table || it.Code != tc.code ||
				it.ValidFrom != date.MustParse("2000-01-01") || !it.ValidTo.IsZero() {
				t.Errorf("%s/%s = %+v, %v; want %s (%s)", tc.table, tc.code, it, err, tc.name, tc.stdRef)
			}
		}
	})
}

func TestCodeLookups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		on := date.MustParse("2026-01-01")
		for _, tc := range []struct{ table, code, on string }{
			{policy.TableTQYY, "77", "2026-01-01"},
			{"NOPE", "01", "2026-01-01"},
			{policy.TableTQYY, "1", "2026-01-01"},
			{policy.TableTQYY, "01", "1999-12-31"},
		} {
			_, err := s.Code(ctx, tc.table, tc.code, date.MustParse(tc.on))
			if errs.CodeOf(err) != "policy.unknown_code" || errs.KindOf(err) != errs.NotFound {
				t.Errorf("Code(%s, %s, %s) = %v, want policy.unknown_code", tc.table, tc.code, tc.on, err)
			}
		}

		items, err := s.CodeTable(ctx, policy.TableTQYY, on)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, it := range items {
			codes = append(codes, it.Code)
		}
		if want := []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "99"}; !slices.Equal(codes, want) {
			t.Fatalf("TQYY codes %v, want %v", codes, want)
		}
		if items, err := s.CodeTable(ctx, "NOPE", on); err != nil || len(items) != 0 {
			t.Fatalf("unknown table: %v, %v", items, err)
		}

		// A center overriding the dictionary: TQYY 06 becomes 偿还购房贷款本息 from
		// 2026-07-01 (the old item's last day is 2026-06-30).
		if _, err := d.ExecContext(ctx, `UPDATE code_item SET valid_to = ? WHERE table_id = ? AND code = ?`,
			date.MustParse("2026-06-30"), policy.TableTQYY, "06"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO code_item (table_id, code, name, std_ref, valid_from) VALUES (?, ?, ?, ?, ?)`,
			policy.TableTQYY, "06", "偿还购房贷款本息", "A.7", date.MustParse("2026-07-01")); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ on, name string }{{"2026-06-30", "死亡"}, {"2026-07-01", "偿还购房贷款本息"}} {
			it, err := s.Code(ctx, policy.TableTQYY, "06", date.MustParse(tc.on))
			if err != nil || it.Name != tc.name {
				t.Errorf("TQYY/06 on %s = %+v, %v; want %s", tc.on, it, err, tc.name)
			}
			items, err := s.CodeTable(ctx, policy.TableTQYY, date.MustParse(tc.on))
			if err != nil || len(items) != 10 || items[5].Code != "06" || items[5].Name != tc.name {
				t.Errorf("TQYY table on %s = %+v, %v", tc.on, items, err)
			}
		}
		if it, _ := s.Code(ctx, policy.TableTQYY, "06", date.MustParse("2026-01-01")); it.ValidTo != date.MustParse("2026-06-30") {
			t.Errorf("closed item valid_to = %v", it.ValidTo)
		}
	})
}
