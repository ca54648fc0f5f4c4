package policy_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// seeded returns a Store on d with the default parameters and code tables.
func seeded(t *testing.T, d *db.DB) *policy.Store {
	t.Helper()
	s := policy.New(d)
	if _, err := s.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedCodes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeedIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := policy.New(d)
		first, err := s.Seed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Seed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		if err := d.GetContext(ctx, &rows, `SELECT COUNT(*) FROM policy_param`); err != nil {
			t.Fatal(err)
		}
		// Every key once, plus three later versions of each of the four loan rate keys.
		if first < len(policy.Keys())+12 || second != 0 || rows != first {
			t.Fatalf("first seed %d, second %d, rows %d", first, second, rows)
		}
	})
}

func TestEveryKeyHasASeededValue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		for _, k := range policy.Keys() {
			v, err := s.Value(ctx, k, date.MustParse("2025-12-31"))
			if err != nil {
				t.Errorf("%s: %v", k, err)
				continue
			}
			if v.CreatedBy != policy.SeedActor || v.ApprovedBy != policy.SeedActor || v.CreatedAt.IsZero() {
				t.Errorf("%s: seeded version %+v", k, v)
			}
		}
	})
}

func TestValueInForce(t *testing.T) {
	type getter func(s *policy.Store, ctx context.Context, key string, on date.Date) (int64, error)
	var (
		bps getter = (*policy.Store).Bps
		ppm getter = (*policy.Store).PPM
		num getter = (*policy.Store).Int
		fen getter = func(s *policy.Store, ctx context.Context, key string, on date.Date) (int64, error) {
			f, err := s.Fen(ctx, key, on)
			return int64(f), err
		}
	)
	tests := []struct {
		key     string
		on      string
		get     getter
		want    int64
		wantErr string
	}{
		// §3.6 table: the day before, at and after each boundary.
		{policy.LoanRateFirstGT5Y, "2015-08-25", ppm, 0, "policy.not_in_force"},
		{policy.LoanRateFirstGT5Y, "2015-08-26", ppm, 32500, ""},
		{policy.LoanRateFirstGT5Y, "2022-09-30", ppm, 32500, ""},
		{policy.LoanRateFirstGT5Y, "2022-10-01", ppm, 31000, ""},
		{policy.LoanRateFirstGT5Y, "2024-05-17", ppm, 31000, ""},
		{policy.LoanRateFirstGT5Y, "2024-05-18", ppm, 28500, ""},
		{policy.LoanRateFirstGT5Y, "2025-05-07", ppm, 28500, ""},
		{policy.LoanRateFirstGT5Y, "2025-05-08", ppm, 26000, ""},
		{policy.LoanRateFirstGT5Y, "2025-05-09", ppm, 26000, ""},
		{policy.LoanRateFirstLE5Y, "2025-05-08", ppm, 21000, ""},
		{policy.LoanRateSecondLE5Y, "2024-05-18", ppm, 27750, ""},
		{policy.LoanRateSecondGT5Y, "2023-01-01", ppm, 35750, ""},
		{policy.LoanRateSecondGT5Y, "2030-01-01", ppm, 30750, ""},
		// §1.11: 1.5% from 2016-02-21, nothing seeded before.
		{policy.InterestRate, "2016-02-20", ppm, 0, "policy.not_in_force"},
		{policy.InterestRate, "2016-02-21", ppm, 15000, ""},
		// §1.7 example base bounds from 2023-07-01.
		{policy.DepositBaseMax, "2023-06-30", fen, 0, "policy.not_in_force"},
		{policy.DepositBaseMax, "2023-07-01", fen, 2_368_100, ""},
		{policy.DepositBaseMin, "2024-01-01", fen, 190_000, ""},
		{policy.DepositRatioUnitMax, "2000-01-01", bps, 1200, ""},
		{policy.DepositRatioPersonMin, "2026-07-01", bps, 500, ""},
		{policy.DepositRatioUnitMin, "1999-12-31", bps, 0, "policy.not_in_force"},
		{policy.LoanCapSingle, "2026-01-01", fen, int64(money.Yuan(400_000)), ""},
		{policy.LoanCapCouple, "2026-01-01", fen, int64(money.Yuan(600_000)), ""},
		{policy.LoanBalanceFloor, "2026-01-01", fen, int64(money.Yuan(20_000)), ""},
		{policy.LoanPrepayMinAmount, "2026-01-01", fen, int64(money.Yuan(10_000)), ""},
		{policy.LoanPenaltyMultiplier, "2026-01-01", bps, 15000, ""},
		{policy.LoanCapacityCoefficient, "2026-01-01", bps, 4000, ""},
		{policy.LoanDownPaymentSecond, "2026-01-01", bps, 3000, ""},
		{policy.LoanMaxTermYears, "2026-01-01", num, 30, ""},
		{policy.DepositRemitDeadlineDays, "2026-01-01", num, 5, ""},
		{policy.WithdrawMinRetainedBalance, "2026-01-01", fen, 0, ""},
		// Unknown keys and reading with the wrong kind.
		{"deposit.ratio", "2026-01-01", bps, 0, "policy.unknown_key"},
		{policy.InterestRate, "2026-01-01", bps, 0, "policy.wrong_kind"},
		{policy.DepositRatioUnitMax, "2026-01-01", ppm, 0, "policy.wrong_kind"},
		{policy.DepositRounding, "2026-01-01", num, 0, "policy.wrong_kind"},
	}
	wantKind := map[string]errs.Kind{
		"policy.not_in_force": errs.NotFound,
		"policy.unknown_key":  errs.Invalid,
		"policy.wrong_kind":   errs.Internal,
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		for _, tc := range tests {
			got, err := tc.get(s, ctx, tc.key, date.MustParse(tc.on))
			if tc.wantErr != "" {
				if errs.CodeOf(err) != tc.wantErr || errs.KindOf(err) != wantKind[tc.wantErr] {
					t.Errorf("%s on %s: %d, %v; want %s", tc.key, tc.on, got, err, tc.wantErr)
				}
				continue
			}
			if err != nil || got != tc.want {
				t.Errorf("%s on %s = %d, %v; want %d", tc.key, tc.on, got, err, tc.want)
			}
		}
	})
}

func TestNotInForceNamesKeyAndDate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := seeded(t, d)
		_, err := s.Value(context.Background(), policy.InterestRate, date.MustParse("2016-02-20"))
		e := errs.E(err)
		if e.Code != "policy.not_in_force" || !strings.Contains(e.Message, "2016-02-20") ||
			!strings.Contains(e.Message, policy.InterestRate) || e.Details["key"] != policy.InterestRate {
			t.Fatalf("error %+v", e)
		}
	})
}

func TestOtherGetters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		on := date.MustParse("2026-03-01")
		if v, err := s.String(ctx, policy.DepositRounding, on); err != nil || v != policy.HalfUpYuan {
			t.Errorf("rounding = %q, %v", v, err)
		}
		if v, err := s.String(ctx, policy.InterestBasis, on); err != nil || v != policy.Act360 {
			t.Errorf("basis = %q, %v", v, err)
		}
		if v, err := s.String(ctx, policy.DepositYearStart, on); err != nil || v != "07-01" {
			t.Errorf("year start = %q, %v", v, err)
		}
		if m, dd, err := s.MonthDay(ctx, policy.InterestSettlementDate, on); err != nil || m != time.June || dd != 30 {
			t.Errorf("settlement = %v-%d, %v", m, dd, err)
		}
		if m, dd, err := s.MonthDay(ctx, policy.LoanRepriceExistingOn, on); err != nil || m != time.January || dd != 1 {
			t.Errorf("reprice = %v-%d, %v", m, dd, err)
		}
		if v, err := s.Bool(ctx, policy.LoanPenaltyCompound, on); err != nil || v {
			t.Errorf("compound = %v, %v", v, err)
		}
		if _, err := s.String(ctx, policy.InterestRate, on); errs.CodeOf(err) != "policy.wrong_kind" {
			t.Errorf("String on a ppm key: %v", err)
		}
		if _, err := s.Bool(ctx, policy.DepositRounding, on); errs.CodeOf(err) != "policy.wrong_kind" {
			t.Errorf("Bool on an enum key: %v", err)
		}
		if _, err := s.Value(ctx, policy.InterestRate, date.Date{}); errs.KindOf(err) != errs.Internal {
			t.Errorf("zero date: %v", err)
		}
	})
}

func TestVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		vs, err := s.Versions(ctx, policy.LoanRateFirstLE5Y)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.EffectiveFrom.String()+"="+v.Value)
		}
		want := []string{"2015-08-26=27500", "2022-10-01=26000", "2024-05-18=23500", "2025-05-08=21000"}
		if !slices.Equal(got, want) {
			t.Fatalf("versions %v, want %v", got, want)
		}
		if _, err := s.Versions(ctx, "nope"); errs.CodeOf(err) != "policy.unknown_key" {
			t.Fatalf("unknown key: %v", err)
		}
	})
}

func TestAddVersion(t *testing.T) {
	day := date.MustParse("2026-07-01")
	ok := func(key, value string) policy.Version {
		return policy.Version{Key: key, Value: value, EffectiveFrom: day, CreatedBy: "maker1", ApprovedBy: "checker1", ChangeRef: "CR-1"}
	}
	with := func(v policy.Version, f func(*policy.Version)) policy.Version { f(&v); return v }
	tests := []struct {
		name     string
		v        policy.Version
		wantCode string
		wantKind errs.Kind
		msgHas   []string
	}{
		{"ratio above national ceiling", ok(policy.DepositRatioUnitMax, "1300"), "policy.invalid_value", errs.Invalid, []string{"单位缴存比例上限", "5%至12%"}},
		{"ratio below national floor", ok(policy.DepositRatioPersonMin, "400"), "policy.invalid_value", errs.Invalid, []string{"个人缴存比例下限", "5%至12%"}},
		{"percent string is not stored form", ok(policy.DepositRatioUnitMax, "12%"), "policy.invalid_value", errs.Invalid, nil},
		{"leading zero", ok(policy.DepositRatioUnitMax, "01100"), "policy.invalid_value", errs.Invalid, nil},
		{"space", ok(policy.DepositRatioUnitMax, " 1100"), "policy.invalid_value", errs.Invalid, nil},
		{"negative amount", ok(policy.WithdrawMinRetainedBalance, "-1"), "policy.invalid_value", errs.Invalid, []string{"0.00元至100,000.00元"}},
		{"rate above 10%", ok(policy.LoanRateFirstGT5Y, "100001"), "policy.invalid_value", errs.Invalid, []string{"0%至10%"}},
		{"term above 30 years", ok(policy.LoanMaxTermYears, "31"), "policy.invalid_value", errs.Invalid, []string{"1至30的整数"}},
		{"deadline beyond statute", ok(policy.DepositRemitDeadlineDays, "6"), "policy.invalid_value", errs.Invalid, nil},
		{"unknown rounding", ok(policy.DepositRounding, "ROUND"), "policy.invalid_value", errs.Invalid, []string{"HALF_UP_YUAN"}},
		{"lowercase enum", ok(policy.InterestBasis, "act_360"), "policy.invalid_value", errs.Invalid, nil},
		{"29 February", ok(policy.InterestSettlementDate, "02-29"), "policy.invalid_value", errs.Invalid, nil},
		{"month 13", ok(policy.DepositYearStart, "13-01"), "policy.invalid_value", errs.Invalid, nil},
		{"bad bool", ok(policy.LoanPenaltyCompound, "yes"), "policy.invalid_value", errs.Invalid, nil},
		{"penalty below 1x", ok(policy.LoanPenaltyMultiplier, "9999"), "policy.invalid_value", errs.Invalid, []string{"100%至200%"}},
		{"unknown key", ok("loan.rate.third.gt5y", "30000"), "policy.unknown_key", errs.Invalid, nil},
		{"self approval", with(ok(policy.DepositRatioUnitMax, "1100"), func(v *policy.Version) { v.ApprovedBy = "maker1" }), "access.self_approval", errs.Forbidden, nil},
		{"self approval, other case", with(ok(policy.DepositRatioUnitMax, "1100"), func(v *policy.Version) { v.ApprovedBy = " MAKER1 " }), "access.self_approval", errs.Forbidden, nil},
		{"no approver", with(ok(policy.DepositRatioUnitMax, "1100"), func(v *policy.Version) { v.ApprovedBy = "" }), "access.approval_required", errs.Forbidden, nil},
		{"no maker", with(ok(policy.DepositRatioUnitMax, "1100"), func(v *policy.Version) { v.CreatedBy = " " }), "access.approval_required", errs.Forbidden, nil},
		{"no date", with(ok(policy.DepositRatioUnitMax, "1100"), func(v *policy.Version) { v.EffectiveFrom = date.Date{} }), "policy.effective_from_required", errs.Invalid, nil},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		var before int
		if err := d.GetContext(ctx, &before, `SELECT COUNT(*) FROM policy_param`); err != nil {
			t.Fatal(err)
		}
		for _, tc := range tests {
			err := d.InTx(ctx, func(tx *db.Tx) error { return s.AddVersion(ctx, tx, tc.v) })
			e := errs.E(err)
			if e == nil || e.Code != tc.wantCode || e.Kind != tc.wantKind {
				t.Errorf("%s: err %v, want %s (%s)", tc.name, err, tc.wantCode, tc.wantKind)
				continue
			}
			for _, m := range tc.msgHas {
				if !strings.Contains(e.Message, m) {
					t.Errorf("%s: message %q lacks %q", tc.name, e.Message, m)
				}
			}
		}
		var after int
		if err := d.GetContext(ctx, &after, `SELECT COUNT(*) FROM policy_param`); err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("refused versions wrote rows: %d → %d", before, after)
		}

		// An accepted version is in force from its date, and only from its date.
		v := ok(policy.DepositRatioUnitMax, "1100")
		if err := d.InTx(ctx, func(tx *db.Tx) error { return s.AddVersion(ctx, tx, v) }); err != nil {
			t.Fatal(err)
		}
		for on, want := range map[string]int64{"2026-06-30": 1200, "2026-07-01": 1100, "2027-01-01": 1100} {
			if got, err := s.Bps(ctx, policy.DepositRatioUnitMax, date.MustParse(on)); err != nil || got != want {
				t.Errorf("on %s: %d, %v; want %d", on, got, err, want)
			}
		}
		got, err := s.Value(ctx, policy.DepositRatioUnitMax, day)
		if err != nil || got.CreatedBy != "maker1" || got.ApprovedBy != "checker1" || got.ChangeRef != "CR-1" ||
			got.EffectiveFrom != day || time.Since(got.CreatedAt) > time.Minute || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("stored %+v, %v", got, err)
		}
		// A rolled-back transaction leaves nothing.
		later := with(v, func(v *policy.Version) { v.EffectiveFrom = date.MustParse("2027-07-01") })
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			if err := s.AddVersion(ctx, tx, later); err != nil {
				t.Fatal(err)
			}
			return errors.New("rejected later in the same approval")
		})
		if vs, _ := s.Versions(ctx, policy.DepositRatioUnitMax); len(vs) != 2 {
			t.Fatalf("versions after rollback: %+v", vs)
		}
	})
}

func TestRegistry(t *testing.T) {
	// The keys of domain.md §9 named in the platform design.
	want := []string{
		"deposit.ratio.unit.min", "deposit.ratio.unit.max", "deposit.ratio.person.min", "deposit.ratio.person.max",
		"deposit.base.min", "deposit.base.max", "deposit.rounding", "deposit.remit_deadline_days_after_payday",
		"deposit.year_start", "interest.rate", "interest.basis", "interest.settlement_date",
		"withdraw.min_retained_balance", "withdraw.seal_months_before_leave_withdrawal",
		"loan.min_continuous_months", "loan.cap.single", "loan.cap.couple", "loan.balance_multiple",
		"loan.balance_floor", "loan.capacity_coefficient", "loan.dti_max", "loan.down_payment.first",
		"loan.down_payment.second", "loan.max_term_years", "loan.retirement_plus_years",
		"loan.penalty_multiplier", "loan.penalty_compound", "loan.prepay.min_amount", "loan.prepay.max_per_year",
		"loan.rate.first.le5y", "loan.rate.first.gt5y", "loan.rate.second.le5y", "loan.rate.second.gt5y",
		"loan.reprice_existing_on",
	}
	keys := policy.Keys()
	if !slices.IsSorted(keys) {
		t.Errorf("Keys not sorted: %v", keys)
	}
	for _, k := range want {
		if !slices.Contains(keys, k) {
			t.Errorf("key %s not registered", k)
		}
	}
	for _, k := range keys {
		s, ok := policy.Lookup(k)
		if !ok || s.Key != k || s.Title == "" || s.Allowed == "" || s.Validate == nil || s.Kind == "" {
			t.Errorf("spec %s incomplete: %+v", k, s)
		}
	}
	if _, ok := policy.Lookup("nope"); ok {
		t.Error("Lookup(nope) found a spec")
	}
	if s, _ := policy.Lookup(policy.DepositRounding); !slices.Equal(s.Options, policy.RoundingModes) || len(s.Options) != 9 {
		t.Errorf("rounding options %v", s.Options)
	}
}

func TestSpecInputAndDisplay(t *testing.T) {
	tests := []struct {
		key, input, stored, display string
		wantErr                     string
	}{
		{key: policy.DepositRatioUnitMax, input: "11%", stored: "1100", display: "11%"},
		{key: policy.DepositRatioUnitMax, input: " 7.5% ", stored: "750", display: "7.5%"},
		{key: policy.DepositRatioUnitMax, input: "12.5%", wantErr: "policy.invalid_value"},
		{key: policy.DepositRatioUnitMax, input: "1200", wantErr: "policy.percent_syntax"},
		{key: policy.LoanRateFirstGT5Y, input: "2.6%", stored: "26000", display: "2.6%"},
		{key: policy.LoanRateSecondLE5Y, input: "3.025%", stored: "30250", display: "3.025%"},
		{key: policy.LoanRateFirstGT5Y, input: "2.60001%", wantErr: "policy.percent_precision"},
		{key: policy.DepositBaseMin, input: "1,900", stored: "190000", display: "1,900.00"},
		{key: policy.DepositBaseMax, input: "23681.25", stored: "2368125", display: "23,681.25"},
		{key: policy.DepositBaseMax, input: "1.234", wantErr: "money.syntax"},
		{key: policy.LoanPenaltyMultiplier, input: "150%", stored: "15000", display: "150%"},
		{key: policy.LoanMaxTermYears, input: "25", stored: "25", display: "25"},
		{key: policy.DepositRounding, input: " CEIL_JIAO ", stored: "CEIL_JIAO", display: "CEIL_JIAO"},
		{key: policy.DepositYearStart, input: "07-01", stored: "07-01", display: "07-01"},
		{key: policy.LoanPenaltyCompound, input: "true", stored: "true", display: "true"},
		{key: policy.LoanPenaltyCompound, input: "1", wantErr: "policy.invalid_value"},
	}
	for _, tc := range tests {
		s, _ := policy.Lookup(tc.key)
		got, err := s.ParseInput(tc.input)
		if tc.wantErr != "" {
			if errs.CodeOf(err) != tc.wantErr || errs.KindOf(err) != errs.Invalid {
				t.Errorf("%s ParseInput(%q) = %q, %v; want %s", tc.key, tc.input, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.stored {
			t.Errorf("%s ParseInput(%q) = %q, %v; want %q", tc.key, tc.input, got, err, tc.stored)
		}
		if d := s.Display(got); d != tc.display {
			t.Errorf("%s Display(%q) = %q, want %q", tc.key, got, d, tc.display)
		}
	}
}

// TestSameDayVersions: a second (third…) version of a key on one effective
// date is stored with the next Seq and wins from that date; Versions lists
// them in the order they were added; other dates are unaffected.
func TestSameDayVersions(t *testing.T) {
	day := date.MustParse("2026-07-01")
	steps := []struct {
		value   string
		on      date.Date
		wantSeq int
	}{
		{"1100", day, 0},
		{"1000", day, 1},
		{"1150", day, 2},
		{"900", day.AddDays(1), 0},
		{"950", day.AddDays(1), 1},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := seeded(t, d)
		for i, st := range steps {
			v := policy.Version{Key: policy.DepositRatioUnitMax, Value: st.value, EffectiveFrom: st.on,
				CreatedBy: "maker1", ApprovedBy: "checker1", ChangeRef: "CR-" + st.value, Seq: 7}
			if err := d.InTx(ctx, func(tx *db.Tx) error { return s.AddVersion(ctx, tx, v) }); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got, err := s.Value(ctx, policy.DepositRatioUnitMax, st.on)
			if err != nil || got.Value != st.value || got.Seq != st.wantSeq || got.ChangeRef != "CR-"+st.value {
				t.Fatalf("step %d: in force %+v, %v; want %s seq %d", i, got, err, st.value, st.wantSeq)
			}
			// The day before stays with what was in force then.
			if i < 3 {
				if got, err := s.Bps(ctx, policy.DepositRatioUnitMax, day.AddDays(-1)); err != nil || got != 1200 {
					t.Fatalf("step %d: day before %d, %v", i, got, err)
				}
			}
		}
		for on, want := range map[string]int64{"2026-06-30": 1200, "2026-07-01": 1150, "2026-07-02": 950, "2030-01-01": 950} {
			if got, err := s.Bps(ctx, policy.DepositRatioUnitMax, date.MustParse(on)); err != nil || got != want {
				t.Errorf("on %s: %d, %v; want %d", on, got, err, want)
			}
		}
		vs, err := s.Versions(ctx, policy.DepositRatioUnitMax)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, fmt.Sprintf("%s#%d=%s", v.EffectiveFrom, v.Seq, v.Value))
		}
		want := []string{"2000-01-01#0=1200", "2026-07-01#0=1100", "2026-07-01#1=1000", "2026-07-01#2=1150",
			"2026-07-02#0=900", "2026-07-02#1=950"}
		if !slices.Equal(got, want) {
			t.Fatalf("versions %v, want %v", got, want)
		}
		// Seeding again adds nothing to a date that has versions.
		if n, err := s.Seed(ctx); err != nil || n != 0 {
			t.Fatalf("reseed: %d, %v", n, err)
		}
	})
}

// TestSameDayVersionRace: two approvals adding a version of one key and date
// at once (MariaDB; SQLite transactions do not overlap) cannot both take the
// same Seq. The one that read the old greatest Seq loses the unique key, its
// transaction runs again and takes the next Seq; both versions are stored and
// the one that committed last is in force.
func TestSameDayVersionRace(t *testing.T) {
	d := dbtest.MySQL(t)
	ctx := context.Background()
	s := seeded(t, d)
	day := date.MustParse("2026-07-01")
	v := func(value string) policy.Version {
		return policy.Version{Key: policy.DepositRatioUnitMax, Value: value, EffectiveFrom: day, CreatedBy: "m", ApprovedBy: "c"}
	}
	read, committed := make(chan struct{}), make(chan struct{})
	attempts := 0
	done := make(chan error, 1)
	go func() {
		done <- d.InTx(ctx, func(tx *db.Tx) error {
			attempts++
			if attempts == 1 {
				// Take the snapshot before the other approval commits.
				var n int
				if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM policy_param WHERE param_key = ?`, policy.DepositRatioUnitMax); err != nil {
					return err
				}
				close(read)
				<-committed
			}
			return s.AddVersion(ctx, tx, v("1000"))
		})
	}()
	<-read
	if err := d.InTx(ctx, func(tx *db.Tx) error { return s.AddVersion(ctx, tx, v("1100")) }); err != nil {
		t.Fatal(err)
	}
	close(committed)
	if err := <-done; err != nil {
		t.Fatalf("second approval: %v", err)
	}
	if attempts != 2 {
		t.Errorf("second approval ran %d times, want 2 (lost the Seq, then retried)", attempts)
	}
	vs, err := s.Versions(ctx, policy.DepositRatioUnitMax)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%s#%d=%s", v.EffectiveFrom, v.Seq, v.Value))
	}
	if want := []string{"2000-01-01#0=1200", "2026-07-01#0=1100", "2026-07-01#1=1000"}; !slices.Equal(got, want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	if got, err := s.Bps(ctx, policy.DepositRatioUnitMax, day); err != nil || got != 1000 {
		t.Fatalf("in force %d, %v", got, err)
	}
}
