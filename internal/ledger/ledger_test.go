package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

type fixedDate struct{ d date.Date }

func (f fixedDate) TodayTx(context.Context, db.Querier) (date.Date, error) { return f.d, nil }

var today = date.MustParse("2026-11-21")

// book opens a ledger with a bank deposit account (asset), a clearing account
// (liability that may not overdraw) and n personal fund accounts P1..Pn.
func book(t *testing.T, d *db.DB, n int) *ledger.Ledger {
	t.Helper()
	ctx := context.Background()
	l := ledger.New(d, fixedDate{today})
	specs := []ledger.AccountSpec{
		{Code: "BANK-01", Name: "委托银行存款", Type: ledger.Asset, OwnerType: "center", OwnerID: "center", AllowOverdraft: true},
		{Code: "CLEARING", Name: "提取支付清算", Type: ledger.Liability, OwnerType: "center", OwnerID: "center"},
	}
	for i := 1; i <= n; i++ {
		specs = append(specs, ledger.AccountSpec{Code: fmt.Sprintf("P%d", i), Name: "个人住房公积金", Type: ledger.Liability, OwnerType: "person", OwnerID: fmt.Sprint(i)})
	}
	for _, s := range specs {
		if _, err := l.OpenAccount(ctx, s); err != nil {
			t.Fatalf("open %s: %v", s.Code, err)
		}
	}
	return l
}

func deposit(serial, acct string, fen money.Fen) ledger.Request {
	return ledger.Request{Serial: serial, BizType: "01", Memo: "汇缴", Lines: []ledger.Line{
		{Account: "BANK-01", Side: ledger.Debit, Amount: fen},
		{Account: acct, Side: ledger.Credit, Amount: fen},
	}}
}

func withdraw(serial, acct string, fen money.Fen) ledger.Request {
	return ledger.Request{Serial: serial, BizType: "11", Memo: "部分提取", Lines: []ledger.Line{
		{Account: acct, Side: ledger.Debit, Amount: fen},
		{Account: "CLEARING", Side: ledger.Credit, Amount: fen},
	}}
}

func balance(t *testing.T, l *ledger.Ledger, code string) money.Fen {
	t.Helper()
	a, err := l.Account(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

func mustVerify(t *testing.T, d *db.DB) *ledger.Report {
	t.Helper()
	r, err := ledger.Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("ledger verify found problems: %+v", r.Problems)
	}
	return r
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.GetContext(context.Background(), &n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPostBalancesAndStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 1)
		e, err := l.Post(ctx, deposit("S-1", "P1", 123456))
		if err != nil {
			t.Fatal(err)
		}
		if e.Replayed || e.BizDate != today || len(e.Lines) != 2 || e.Lines[1].BalanceAfter != 123456 {
			t.Fatalf("entry = %+v", e)
		}
		if _, err := l.Post(ctx, withdraw("S-2", "P1", 23456)); err != nil {
			t.Fatal(err)
		}
		if got := balance(t, l, "P1"); got != 100000 {
			t.Fatalf("P1 balance = %s, want 1000.00", got)
		}
		if got := balance(t, l, "BANK-01"); got != 123456 {
			t.Fatalf("bank balance = %s, want 1234.56", got)
		}
		st, err := l.Statement(ctx, "P1", ledger.StatementQuery{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 2 || st[0].Serial != "S-2" || st[0].BalanceAfter != 100000 || st[1].BalanceAfter != 123456 || st[0].Reversal != "01" {
			t.Fatalf("statement = %+v", st)
		}
		got, err := l.Entry(ctx, "S-1")
		if err != nil || got.Lines[0].Account != "BANK-01" || got.Lines[0].Side != ledger.Debit {
			t.Fatalf("Entry(S-1) = %+v, %v", got, err)
		}
		r := mustVerify(t, d)
		if r.Entries != 2 || r.Postings != 4 || r.TotalDebits != r.TotalCredits {
			t.Fatalf("report = %+v", r)
		}
	})
}

func TestPostRefusesBadEntriesAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 1)
		if _, err := l.Post(ctx, deposit("SEED", "P1", 1000)); err != nil {
			t.Fatal(err)
		}
		good := deposit("X-1", "P1", 500)
		tests := []struct {
			name string
			edit func(r *ledger.Request)
			code string
		}{
			{"unbalanced", func(r *ledger.Request) { r.Lines[1].Amount = 499 }, "ledger.unbalanced"},
			{"one line", func(r *ledger.Request) { r.Lines = r.Lines[:1] }, "ledger.too_few_lines"},
			{"two debits", func(r *ledger.Request) { r.Lines[1].Side = ledger.Debit }, "ledger.too_few_lines"},
			{"zero amount", func(r *ledger.Request) { r.Lines[0].Amount, r.Lines[1].Amount = 0, 0 }, "ledger.bad_amount"},
			{"negative amount", func(r *ledger.Request) { r.Lines[0].Amount, r.Lines[1].Amount = -5, -5 }, "ledger.bad_amount"},
			{"over the maximum", func(r *ledger.Request) { r.Lines[0].Amount, r.Lines[1].Amount = money.Max+1, money.Max+1 }, "ledger.bad_amount"},
			{"bad side", func(r *ledger.Request) { r.Lines[0].Side = "X" }, "ledger.bad_side"},
			{"unknown account", func(r *ledger.Request) { r.Lines[1].Account = "NOPE" }, "ledger.unknown_account"},
			{"bad serial", func(r *ledger.Request) { r.Serial = "has space" }, "ident.serial_syntax"},
			{"empty serial", func(r *ledger.Request) { r.Serial = "" }, "ident.serial_syntax"},
			{"bad biz type", func(r *ledger.Request) { r.BizType = "1" }, "ledger.bad_biz_type"},
			{"overdraft", func(r *ledger.Request) { *r = withdraw("X-1", "P1", 1001) }, "ledger.insufficient_funds"},
			{"second line overdraws", func(r *ledger.Request) {
				r.Lines = []ledger.Line{
					{Account: "BANK-01", Side: ledger.Debit, Amount: 3000},
					{Account: "P1", Side: ledger.Credit, Amount: 3000},
					{Account: "P1", Side: ledger.Debit, Amount: 6000},
					{Account: "CLEARING", Side: ledger.Credit, Amount: 6000},
				}
			}, "ledger.insufficient_funds"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := good
				r.Lines = append([]ledger.Line(nil), good.Lines...)
				tc.edit(&r)
				entries, postings := count(t, d, "journal_entry"), count(t, d, "posting")
				_, err := l.Post(ctx, r)
				if errs.CodeOf(err) != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				if errs.KindOf(err) == errs.Internal {
					t.Fatalf("bad input classified as internal: %v", err)
				}
				if count(t, d, "journal_entry") != entries || count(t, d, "posting") != postings {
					t.Fatal("a refused entry wrote rows")
				}
			})
		}
		if got := balance(t, l, "P1"); got != 1000 {
			t.Fatalf("P1 = %s after refused entries, want 10.00", got)
		}
		mustVerify(t, d)
	})
}

func TestIdempotentReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 1)
		first, err := l.Post(ctx, deposit("R-1", "P1", 5000))
		if err != nil {
			t.Fatal(err)
		}
		again := deposit("R-1", "P1", 5000)
		again.Memo = "重发" // the memo is descriptive; a retry may differ in it
		second, err := l.Post(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		if !second.Replayed || second.Serial != first.Serial || second.Lines[1].BalanceAfter != 5000 || second.Memo != "汇缴" {
			t.Fatalf("replay = %+v", second)
		}
		if _, err := l.Post(ctx, deposit("R-1", "P1", 5001)); !errors.Is(err, ledger.ErrSerialReused) {
			t.Fatalf("reused serial with other lines: err = %v", err)
		}
		// Concurrent retries of one serial post once.
		var wg sync.WaitGroup
		var posted, replayed atomic.Int32
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e, err := l.Post(ctx, deposit("R-2", "P1", 700))
				if err != nil {
					t.Errorf("concurrent replay: %v", err)
					return
				}
				if e.Replayed {
					replayed.Add(1)
				} else {
					posted.Add(1)
				}
			}()
		}
		wg.Wait()
		if posted.Load() != 1 || replayed.Load() != 19 {
			t.Fatalf("posted %d, replayed %d; want 1 and 19", posted.Load(), replayed.Load())
		}
		if got := balance(t, l, "P1"); got != 5700 {
			t.Fatalf("P1 = %s, want 57.00", got)
		}
		mustVerify(t, d)
	})
}

// TestConcurrentPostingsNeverOverdraw runs 200 concurrent postings against one
// personal account: 150 withdrawals of 1.00 and 50 deposits of 0.50 on a
// starting balance of 100.00. Whatever the interleaving, the balance never goes
// below zero, every refusal is insufficient_funds, and the books verify.
func TestConcurrentPostingsNeverOverdraw(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 1)
		if _, err := l.Post(ctx, deposit("OPEN", "P1", 10000)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var okW, refused, okD atomic.Int64
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%4 == 3 {
					if _, err := l.Post(ctx, deposit(fmt.Sprintf("D-%d", i), "P1", 50)); err != nil {
						t.Errorf("deposit %d: %v", i, err)
					} else {
						okD.Add(1)
					}
					return
				}
				_, err := l.Post(ctx, withdraw(fmt.Sprintf("W-%d", i), "P1", 100))
				switch {
				case err == nil:
					okW.Add(1)
				case errors.Is(err, ledger.ErrInsufficient):
					refused.Add(1)
				default:
					t.Errorf("withdraw %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if okD.Load() != 50 || okW.Load()+refused.Load() != 150 {
			t.Fatalf("deposits %d, withdrawals %d, refused %d", okD.Load(), okW.Load(), refused.Load())
		}
		want := money.Fen(10000 + 50*okD.Load() - 100*okW.Load())
		got := balance(t, l, "P1")
		if got != want || got < 0 {
			t.Fatalf("P1 = %s, want %s (never negative)", got, want)
		}
		// 100.00 + 25.00 of deposits covers at most 125 withdrawals.
		if okW.Load() > 125 || okW.Load() < 100 {
			t.Fatalf("%d withdrawals succeeded; between 100 and 125 can", okW.Load())
		}
		var minAfter int64
		if err := d.GetContext(ctx, &minAfter, `SELECT MIN(p.balance_after_fen) FROM posting p JOIN ledger_account a ON a.id = p.account_id WHERE a.code = 'P1'`); err != nil {
			t.Fatal(err)
		}
		if minAfter < 0 {
			t.Fatalf("a running balance went to %d", minAfter)
		}
		r := mustVerify(t, d)
		if r.Entries != 1+okD.Load()+okW.Load() {
			t.Fatalf("entries = %d", r.Entries)
		}
	})
}

func TestReversal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 2)
		if _, err := l.Post(ctx, deposit("A-1", "P1", 10000)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Post(ctx, deposit("A-2", "P2", 10000)); err != nil {
			t.Fatal(err)
		}
		rev, err := l.Reverse(ctx, ledger.ReverseRequest{Original: "A-1", Serial: "REV-1"})
		if err != nil {
			t.Fatal(err)
		}
		if rev.ReversesSerial != "A-1" || rev.Lines[0].Side != ledger.Credit || rev.Lines[0].Account != "BANK-01" || rev.BizType != "01" {
			t.Fatalf("reversal = %+v", rev)
		}
		if balance(t, l, "P1") != 0 || balance(t, l, "BANK-01") != 10000 {
			t.Fatal("reversal did not restore balances")
		}
		again, err := l.Reverse(ctx, ledger.ReverseRequest{Original: "A-1", Serial: "REV-1"})
		if err != nil || !again.Replayed {
			t.Fatalf("replayed reversal = %+v, %v", again, err)
		}
		st, _ := l.Statement(ctx, "P1", ledger.StatementQuery{Limit: 5})
		if len(st) != 2 || st[0].Reversal != "02" {
			t.Fatalf("statement after reversal = %+v", st)
		}
		cases := []struct {
			name string
			req  ledger.ReverseRequest
			want *errs.Error
		}{
			{"twice", ledger.ReverseRequest{Original: "A-1", Serial: "REV-1b"}, ledger.ErrAlreadyReversed},
			{"a reversal", ledger.ReverseRequest{Original: "REV-1", Serial: "REV-x"}, ledger.ErrReverseReversal},
			{"unknown serial", ledger.ReverseRequest{Original: "NOPE", Serial: "REV-y"}, ledger.ErrEntryNotFound},
			{"serial taken by another entry", ledger.ReverseRequest{Original: "A-2", Serial: "A-1"}, ledger.ErrSerialReused},
		}
		for _, c := range cases {
			if _, err := l.Reverse(ctx, c.req); !errors.Is(err, c.want) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want.Code)
			}
		}
		// Money already withdrawn cannot be reversed out of the account.
		if _, err := l.Post(ctx, withdraw("W-1", "P2", 8000)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Reverse(ctx, ledger.ReverseRequest{Original: "A-2", Serial: "REV-2"}); !errors.Is(err, ledger.ErrInsufficient) {
			t.Fatalf("reversal overdrawing P2: err = %v", err)
		}
		// Concurrent reversals of one entry: exactly one wins.
		var wg sync.WaitGroup
		var won atomic.Int32
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := l.Reverse(ctx, ledger.ReverseRequest{Original: "W-1", Serial: fmt.Sprintf("REV-W-%d", i)})
				if err == nil {
					won.Add(1)
				} else if !errors.Is(err, ledger.ErrAlreadyReversed) {
					t.Errorf("concurrent reversal: %v", err)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d concurrent reversals succeeded, want 1", won.Load())
		}
		mustVerify(t, d)
	})
}

func TestOpenAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 1)
		spec := ledger.AccountSpec{Code: "P1", Name: "个人住房公积金", Type: ledger.Liability, OwnerType: "person", OwnerID: "1"}
		if _, err := l.OpenAccount(ctx, spec); err != nil {
			t.Fatalf("reopening the same account: %v", err)
		}
		spec.Type = ledger.Asset
		if _, err := l.OpenAccount(ctx, spec); !errors.Is(err, ledger.ErrAccountExists) {
			t.Fatalf("same code, other type: err = %v", err)
		}
		for _, bad := range []ledger.AccountSpec{
			{Code: "", Name: "x", Type: ledger.Asset, OwnerType: "center"},
			{Code: "A B", Name: "x", Type: ledger.Asset, OwnerType: "center"},
			{Code: "OK", Name: "", Type: ledger.Asset, OwnerType: "center"},
			{Code: "OK", Name: "x", Type: "cash", OwnerType: "center"},
		} {
			if _, err := l.OpenAccount(ctx, bad); errs.KindOf(err) != errs.Invalid {
				t.Errorf("OpenAccount(%+v) err = %v, want invalid", bad, err)
			}
		}
		if _, err := l.Account(ctx, "NOPE"); !errors.Is(err, ledger.ErrUnknownAccount) {
			t.Fatalf("unknown account: %v", err)
		}
	})
}

func TestVerifyNamesCulprits(t *testing.T) {
	tamper := []struct {
		name string
		sql  string
		kind string
		ref  string
	}{
		{"stored balance changed", `UPDATE ledger_account SET balance_fen = balance_fen + 1 WHERE code = 'P1'`, "balance_mismatch", "P1"},
		{"posting amount changed", `UPDATE posting SET amount_fen = amount_fen + 100 WHERE line_no = 2 AND entry_id = (SELECT id FROM journal_entry WHERE serial = 'T-1')`, "unbalanced_entry", "T-1"},
		{"posting deleted", `DELETE FROM posting WHERE line_no = 1 AND entry_id = (SELECT id FROM journal_entry WHERE serial = 'T-2')`, "unbalanced_entry", "T-2"},
		{"reversal no longer mirrors its original", `UPDATE posting SET amount_fen = amount_fen - 1 WHERE entry_id = (SELECT id FROM journal_entry WHERE serial = 'REV-T-2')`, "reversal_mismatch", "REV-T-2"},
		{"posting's running balance changed", `UPDATE posting SET balance_after_fen = 1 WHERE line_no = 2 AND entry_id = (SELECT id FROM journal_entry WHERE serial = 'T-1')`, "running_balance", "P1"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				l := book(t, d, 1)
				for i, s := range []string{"T-1", "T-2"} {
					if _, err := l.Post(ctx, deposit(s, "P1", money.Fen(1000*(i+1)))); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := l.Reverse(ctx, ledger.ReverseRequest{Original: "T-2", Serial: "REV-T-2"}); err != nil {
					t.Fatal(err)
				}
				mustVerify(t, d)
				if _, err := d.ExecContext(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				r, err := ledger.Verify(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, p := range r.Problems {
					if p.Kind == tc.kind && p.Ref == tc.ref {
						found = true
					}
				}
				if !found {
					t.Fatalf("problems %+v do not name %s %s", r.Problems, tc.kind, tc.ref)
				}
			})
		})
	}
}

func TestStatementDateRange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := book(t, d, 1)
		for i, day := range []string{"2026-01-10", "2026-02-10", "2026-03-10"} {
			r := deposit(fmt.Sprintf("M-%d", i), "P1", 100)
			r.BizDate = date.MustParse(day)
			if _, err := l.Post(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		st, err := l.Statement(ctx, "P1", ledger.StatementQuery{From: date.MustParse("2026-02-01"), To: date.MustParse("2026-02-28")})
		if err != nil || len(st) != 1 || st[0].Serial != "M-1" || st[0].BizDate.String() != "2026-02-10" {
			t.Fatalf("February = %+v, %v", st, err)
		}
		st, _ = l.Statement(ctx, "P1", ledger.StatementQuery{From: date.MustParse("2026-02-01")})
		if len(st) != 2 || st[0].Serial != "M-2" {
			t.Fatalf("from February = %+v", st)
		}
		st, _ = l.Statement(ctx, "P1", ledger.StatementQuery{BeforeSeq: 3, Limit: 1})
		if len(st) != 1 || st[0].Seq != 2 {
			t.Fatalf("paging = %+v", st)
		}
	})
}
