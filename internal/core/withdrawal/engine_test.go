package withdrawal_test

import (
	"strings"
	"testing"

	"gjj/internal/core/withdrawal"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/exchange"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

const (
	maleID   = "350102198805123011" // 李明, born 1988-05-12, male
	femaleID = "11010519491231002X" // born 1949-12-31, female
	card     = "6222020200001202"
)

var today = date.MustParse("2026-03-16") // a Monday

// baseFacts pass every rule of every reason that does not need more.
func baseFacts() withdrawal.Facts {
	on := today.AddDays(-220)
	return withdrawal.Facts{Today: today, Status: "01", StatusOn: &on, Balance: money.Yuan(50_000), SealMonths: 6,
		BankCard: card, ContinuousMonths: 24, IDNumber: maleID}
}

// TestEveryReason evaluates each reason of the shipped rules once with facts
// that pass and once with one fact changed so that a named rule fails, and
// checks that rule's Chinese explanation.
func TestEveryReason(t *testing.T) {
	doc := rules.Default()
	contract := &exchange.PurchaseContract{ContractNo: "HT-2026-001", BuyerIDs: []string{maleID}, Price: money.Yuan(1_000_000),
		Loan: money.Yuan(700_000), SignedOn: today.AddDays(-30)}
	type variant struct {
		facts func(*withdrawal.Facts)
		input func(*withdrawal.Input)
	}
	cases := []struct {
		reason     string
		in         withdrawal.Input
		facts      func(*withdrawal.Facts)
		wantLevel  int
		fail       variant
		failRule   string
		failDetail string
	}{
		{reason: "purchase", in: withdrawal.Input{Amount: money.Yuan(40_000), ContractNo: "HT-2026-001"},
			facts: func(f *withdrawal.Facts) { f.Purchase = contract }, wantLevel: 0,
			fail: variant{facts: func(f *withdrawal.Facts) {
				c := *contract
				c.BuyerIDs = []string{femaleID}
				f.Purchase = &c
			}}, failRule: "contract", failDetail: "购房合同 HT-2026-001 的买受人不是申请人本人"},
		{reason: "build", in: withdrawal.Input{Amount: money.Yuan(30_000), ProofNo: "GH-1", CostFen: money.Yuan(35_000)}, wantLevel: 1,
			fail:     variant{input: func(in *withdrawal.Input) { in.CostFen = money.Yuan(20_000) }},
			failRule: "amount_cap", failDetail: "提取金额 30,000.00 元超过申报的申报费用 20,000.00 元"},
		{reason: "repay_loan", in: withdrawal.Input{Amount: money.Yuan(8_000)},
			facts: func(f *withdrawal.Facts) { f.Loan, f.LoanRepayable = true, money.Yuan(10_000) }, wantLevel: 0,
			fail:     variant{facts: func(f *withdrawal.Facts) { f.Loan = false }},
			failRule: "loan", failDetail: "您在本中心没有未结清的住房公积金贷款，不能办理偿还本中心住房公积金贷款"},
		{reason: "repay_commercial", in: withdrawal.Input{Amount: money.Yuan(12_000), ContractNo: "JK-9", RepaidFen: money.Yuan(24_000)}, wantLevel: 1,
			fail:     variant{facts: func(f *withdrawal.Facts) { f.LastPaid = today.AddDays(-100) }},
			failRule: "interval", failDetail: "两次提取须间隔 12 个月"},
		{reason: "rent", in: withdrawal.Input{Amount: money.Yuan(4_500)}, wantLevel: 0,
			fail:     variant{facts: func(f *withdrawal.Facts) { f.ContinuousMonths = 2 }},
			failRule: "continuous_months", failDetail: "连续缴存 2 个月，少于 3 个月的要求"},
		{reason: "retire", in: withdrawal.Input{}, facts: func(f *withdrawal.Facts) { f.IDNumber, f.Balance = femaleID, money.Yuan(30_000) },
			wantLevel: 0,
			fail:      variant{facts: func(f *withdrawal.Facts) { f.IDNumber = maleID }},
			failRule:  "age", failDetail: "年满 37 周岁，男性须年满 60 周岁"},
		{reason: "disability", in: withdrawal.Input{ProofNo: "JD-1"}, wantLevel: 1,
			fail:     variant{input: func(in *withdrawal.Input) { in.ProofNo = "" }},
			failRule: "fields", failDetail: "完全丧失劳动能力并终止劳动关系须填写：证明文件编号"},
		{reason: "emigrate", in: withdrawal.Input{ProofNo: "HK-1"}, wantLevel: 1,
			fail:     variant{facts: func(f *withdrawal.Facts) { f.Status = "06" }},
			failRule: "account_status", failDetail: "账户已冻结，不能办理提取"},
		{reason: "death", in: withdrawal.Input{ProofNo: "SW-1"}, wantLevel: 1,
			fail:     variant{facts: func(f *withdrawal.Facts) { f.Balance = 0 }},
			failRule: "balance", failDetail: "账户余额为零，没有可提取的金额"},
		{reason: "leave", in: withdrawal.Input{}, facts: func(f *withdrawal.Facts) { f.Status, f.Balance = "02", money.Yuan(20_000) },
			wantLevel: 0,
			fail: variant{facts: func(f *withdrawal.Facts) {
				on := today.AddDays(-90)
				f.StatusOn = &on
			}}, failRule: "sealed", failDetail: "封存不满 6 个月"},
		{reason: "unemployment", in: withdrawal.Input{Amount: money.Yuan(10_000), ProofNo: "SY-1"}, wantLevel: 1,
			fail:     variant{input: func(in *withdrawal.Input) { in.Amount = money.Yuan(50_000) }},
			failRule: "balance", failDetail: "部分提取后账户余额不能为零，本次最多可提取 49,999.99 元"},
		{reason: "medical", in: withdrawal.Input{Amount: money.Yuan(20_000), ProofNo: "ZD-1", CostFen: money.Yuan(25_000)}, wantLevel: 1,
			fail:     variant{facts: func(f *withdrawal.Facts) { f.OtherOpen = true }},
			failRule: "pending", failDetail: "该账户已有一笔正在办理的提取申请"},
	}
	if len(cases) != len(doc.Reasons) {
		t.Fatalf("%d cases for %d reasons", len(cases), len(doc.Reasons))
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			r, ok := doc.Reason(c.reason)
			if !ok {
				t.Fatalf("no reason %s", c.reason)
			}
			f := baseFacts()
			if c.facts != nil {
				c.facts(&f)
			}
			in := c.in
			in.Reason, in.BankCard = c.reason, card
			ev := withdrawal.Evaluate(doc, r, f, in)
			if ev.Failed != nil {
				t.Fatalf("passing case failed: %+v\n%+v", ev.Failed, ev.Checks)
			}
			if ev.ReviewLevel != c.wantLevel {
				t.Errorf("review level %d, want %d: %+v", ev.ReviewLevel, c.wantLevel, ev.Checks)
			}
			for _, ch := range ev.Checks {
				if ch.Passed != (ch.Outcome == withdrawal.Pass) || ch.Detail == "" || ch.Rule == "" {
					t.Errorf("check %+v", ch)
				}
			}
			if r.Type == rules.Close && ev.Amount != f.Balance {
				t.Errorf("销户 amount %v, want the balance %v", ev.Amount, f.Balance)
			}

			if c.fail.facts != nil {
				c.fail.facts(&f)
			}
			if c.fail.input != nil {
				c.fail.input(&in)
			}
			ev = withdrawal.Evaluate(doc, r, f, in)
			if ev.Failed == nil {
				t.Fatalf("failing case passed: %+v", ev.Checks)
			}
			if ev.Failed.Rule != c.failRule || !strings.Contains(ev.Failed.Detail, c.failDetail) || ev.Failed.Passed {
				t.Errorf("failed %+v, want rule %s with %q", ev.Failed, c.failRule, c.failDetail)
			}
			e := withdrawal.RuleError(ev)
			if e.Code != "withdrawal."+c.failRule || e.Message != ev.Failed.Detail || e.Details["rule"] != c.failRule {
				t.Errorf("rule error %+v", e)
			}
			if e.Kind != errs.Invalid && e.Kind != errs.Conflict {
				t.Errorf("kind %s", e.Kind)
			}
		})
	}
}

func TestEvaluateDetails(t *testing.T) {
	doc := rules.Default()
	rent, _ := doc.Reason("rent")
	purchase, _ := doc.Reason("purchase")
	contract := &exchange.PurchaseContract{ContractNo: "HT-1", BuyerIDs: []string{maleID}, Price: money.Yuan(1_000_000),
		Loan: money.Yuan(700_000), SignedOn: today.AddDays(-30)}
	cases := []struct {
		name      string
		r         *rules.Reason
		facts     func(*withdrawal.Facts)
		in        withdrawal.Input
		rule      string // "" = passes
		kind      errs.Kind
		level     int
		substring string
	}{
		{"rent passes on the cap", rent, nil, withdrawal.Input{Amount: money.Yuan(4_500)}, "", "", 0, ""},
		{"rent above the cap", rent, nil, withdrawal.Input{Amount: money.Yuan(4_500) + 1}, "amount_cap", errs.Invalid, 0,
			"超过每次可提取额度（每月 1,500.00 元 × 3 个月） 4,500.00 元"},
		{"rent above the balance", rent, func(f *withdrawal.Facts) { f.Balance = money.Yuan(3_000) }, withdrawal.Input{Amount: money.Yuan(3_500)},
			"balance", errs.Conflict, 0, "提取金额 3,500.00 元超过账户余额 3,000.00 元"},
		{"rent keeps the minimum balance", rent, func(f *withdrawal.Facts) { f.Balance, f.MinRetained = money.Yuan(4_000), money.Yuan(10) },
			withdrawal.Input{Amount: money.Yuan(3_995)}, "balance", errs.Conflict, 0, "提取后账户余额须不少于 10.00 元，本次最多可提取 3,990.00 元"},
		{"rent with a home", rent, func(f *withdrawal.Facts) { f.HomesOwned = 1 }, withdrawal.Input{Amount: 100}, "no_home", errs.Conflict, 0,
			"有 1 套住房"},
		{"rent while a loan is outstanding", rent, func(f *withdrawal.Facts) { f.Loan = true }, withdrawal.Input{Amount: 100}, "loan",
			errs.Conflict, 0, "只能办理偿还贷款提取"},
		{"rent from a sealed account", rent, func(f *withdrawal.Facts) { f.Status = "02" }, withdrawal.Input{Amount: 100}, "account_status",
			errs.Conflict, 0, "账户状态为“封存”，租房提取须账户状态为“正常”"},
		{"closed account", rent, func(f *withdrawal.Facts) { f.Status = "05" }, withdrawal.Input{Amount: 100}, "account_status",
			errs.Conflict, 0, "账户已销户"},
		{"another card", rent, nil, withdrawal.Input{Amount: 100, BankCard: "6222020200009999"}, "bank_card", errs.Invalid, 0, "尾号 1202"},
		{"no card registered", rent, func(f *withdrawal.Facts) { f.BankCard = "" }, withdrawal.Input{Amount: 100}, "bank_card", errs.Invalid, 0,
			"没有登记银行卡"},
		{"rent again too early", rent, func(f *withdrawal.Facts) { f.LastPaid = today.AddDays(-40) }, withdrawal.Input{Amount: 100}, "interval",
			errs.Conflict, 0, "2026-05-04 起可再次申请"},
		{"rent again in time", rent, func(f *withdrawal.Facts) { f.LastPaid = date.MustParse("2025-12-16") }, withdrawal.Input{Amount: 100}, "",
			"", 0, ""},
		{"purchase above auto ceiling", purchase, func(f *withdrawal.Facts) { f.Purchase, f.Balance = contract, money.Yuan(80_000) },
			withdrawal.Input{Amount: money.Yuan(50_000) + 1, ContractNo: "HT-1"}, "", "", 1, "金额超过自动审批额度 50,000.00 元"},
		{"purchase four eyes", purchase, func(f *withdrawal.Facts) { f.Purchase, f.Balance = contract, money.Yuan(200_000) },
			withdrawal.Input{Amount: money.Yuan(100_000) + 1, ContractNo: "HT-1"}, "", "", 2, "须初审、终审两名审核人员审核"},
		{"purchase cap after other withdrawals", purchase, func(f *withdrawal.Facts) {
			f.Purchase, f.Balance, f.ContractWithdrawn = contract, money.Yuan(500_000), money.Yuan(280_000)
		}, withdrawal.Input{Amount: money.Yuan(20_001), ContractNo: "HT-1"}, "amount_cap", errs.Invalid, 0, "已提取金额后的余额 20,000.00 元"},
		{"purchase contract unknown", purchase, nil, withdrawal.Input{Amount: 100, ContractNo: "HT-X"}, "contract", errs.Conflict, 0,
			"网签备案系统未查到购房合同 HT-X"},
		{"purchase contract too old", purchase, func(f *withdrawal.Facts) {
			c := *contract
			c.SignedOn = date.MustParse("2024-03-15")
			f.Purchase = &c
		}, withdrawal.Input{Amount: 100, ContractNo: "HT-1"}, "contract", errs.Conflict, 0, "已超过签订后 2 年的提取期限"},
		{"purchase twice for one home", purchase, func(f *withdrawal.Facts) { f.Purchase, f.ContractUsed = contract, true },
			withdrawal.Input{Amount: 100, ContractNo: "HT-1"}, "once_per_contract", errs.Conflict, 0, "同一套住房只能提取一次"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := baseFacts()
			if c.facts != nil {
				c.facts(&f)
			}
			in := c.in
			in.Reason = c.r.Key
			if in.BankCard == "" {
				in.BankCard = card
			}
			ev := withdrawal.Evaluate(doc, c.r, f, in)
			all := ""
			for _, ch := range ev.Checks {
				all += ch.Detail + "\n"
			}
			if c.rule == "" {
				if ev.Failed != nil {
					t.Fatalf("failed: %+v", ev.Failed)
				}
				if ev.ReviewLevel != c.level || !strings.Contains(all, c.substring) {
					t.Errorf("level %d, want %d; checks:\n%s", ev.ReviewLevel, c.level, all)
				}
				return
			}
			if ev.Failed == nil || ev.Failed.Rule != c.rule || !strings.Contains(ev.Failed.Detail, c.substring) {
				t.Fatalf("failed %+v, want %s with %q; checks:\n%s", ev.Failed, c.rule, c.substring, all)
			}
			if k := withdrawal.RuleError(ev).Kind; k != c.kind {
				t.Errorf("kind %s, want %s", k, c.kind)
			}
		})
	}
}
