package deposit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// Benchmarks report ops/s so `make bench` (cmd/benchreport) can print each
// figure next to its ceiling from the same run, plus employees/s:
//
//	RemittancePost  generate + pay one 汇缴 bill of a unit of n employees
//	                (read the roster, n bill lines, an n-line ledger entry,
//	                n paid-through updates, receipt, audit: one bill per op)
//	RawBulkInsert   the ceiling: one transaction inserting the same n
//	                (account id, amount) rows with multi-row INSERTs
//
// Sub-benchmarks are <backend>/n=<size> for each size of GJJ_BENCH_EMPLOYEES
// (comma-separated, default "10000,100000"), so the report shows how the
// figure grows when the unit grows ×10.
//
// Pair: 'RemittancePost=RawBulkInsert:remittance posting vs raw bulk insert of the same rows'.
//
// Where a RemittancePost op goes (profiled): about half is the ledger's
// 10,001-line entry — on MariaDB mostly its one UPDATE per touched account
// (10,001 statements); the rest is the bill's 10,000 lines (multi-row INSERTs
// of 500), the roster and posting reads (one statement each) and the
// paid-through updates (IN lists of 1,000).

// rmBackends runs f on a fresh database of each backend for each size of
// GJJ_BENCH_EMPLOYEES (default 10,000 and 100,000).
func rmBackends(b *testing.B, f func(b *testing.B, d *db.DB, n int)) {
	sizedBackends(b, "GJJ_BENCH_EMPLOYEES", []int{10_000, 100_000}, f)
}

func BenchmarkRemittancePost(b *testing.B) {
	rmBackends(b, func(b *testing.B, d *db.DB, rmBenchEmployees int) {
		ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "staff:bench", Channel: "counter"})
		a := audit.New(d)
		pol := policy.New(d)
		dates := bizdate.New(d, a)
		l := ledger.New(d, dates)
		sim := exchange.NewSimulator()
		if _, err := pol.Seed(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := pol.SeedCodes(ctx); err != nil {
			b.Fatal(err)
		}
		// A business date far ahead, so every iteration pays the next month.
		if err := dates.Ensure(ctx, date.MustParse("2199-12-01")); err != nil {
			b.Fatal(err)
		}
		if err := l.EnsureCenterAccounts(ctx, bank); err != nil {
			b.Fatal(err)
		}
		svc := deposit.New(deposit.Deps{DB: d, Ledger: l, Audit: a, Policy: pol, Dates: dates, Bank: sim, BankCode: bank})
		start := time.Now()
		in := deposit.ImportUnit{UnitNo: "100000000001", USCC: "91350100M000100Y43", Name: "基准单位", Payday: 10, UnitBps: 1200, PersonBps: 1200,
			FirstMonth: date.MustParseMonth("2020-01"), PaidThrough: date.MustParseMonth("2026-10")}
		for i := range rmBenchEmployees {
			in.Employees = append(in.Employees, deposit.ImportEmployee{
				ImportPerson: deposit.ImportPerson{IDNumber: idNumber(i), Name: fmt.Sprintf("职工%d", i), Mobile: fmt.Sprintf("139%08d", i)},
				AccountNo:    fmt.Sprintf("201%09d", i+1), Base: money.Fen(1_000_000 + int64(i%1000)*137), StartMonth: in.FirstMonth, PaidThrough: in.PaidThrough})
		}
		if _, err := db.Get(ctx, d, func(tx *db.Tx) (*deposit.Unit, error) { return svc.ImportUnitTx(ctx, tx, in) }); err != nil {
			b.Fatal(err)
		}
		b.Logf("set up %d employees in %s", rmBenchEmployees, time.Since(start).Round(time.Millisecond))
		month := in.PaidThrough
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			month = month.Next()
			bill, err := svc.GenerateBill(ctx, in.UnitNo, month)
			if err != nil {
				b.Fatal(err)
			}
			if bill.Headcount != rmBenchEmployees {
				b.Fatalf("headcount %d", bill.Headcount)
			}
			serial := fmt.Sprintf("BENCH-%d", i)
			sim.Credit(exchange.Receipt{Serial: serial, BankCode: bank, Amount: bill.Total})
			res, err := svc.PayBill(ctx, in.UnitNo, bill.ID, serial, bill.Total)
			if err != nil {
				b.Fatal(err)
			}
			if res.Status != deposit.PaymentPosted {
				b.Fatalf("status %s", res.Status)
			}
		}
		sec := b.Elapsed().Seconds()
		b.ReportMetric(float64(b.N)/sec, "ops/s")
		b.ReportMetric(float64(b.N*rmBenchEmployees)/sec, "employees/s")
	})
}

func BenchmarkRawBulkInsert(b *testing.B) {
	rmBackends(b, func(b *testing.B, d *db.DB, rmBenchEmployees int) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE bench_bulk_raw (account_id BIGINT NOT NULL, amount_fen BIGINT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		const batch = 1000
		insert := func(rows int) string {
			return `INSERT INTO bench_bulk_raw (account_id, amount_fen) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?),", rows), ",")
		}
		q := insert(batch)
		args := make([]any, 0, 2*batch)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			tx, err := d.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for start := 0; start < rmBenchEmployees; start += batch {
				args = args[:0]
				end := min(start+batch, rmBenchEmployees)
				for k := start; k < end; k++ {
					args = append(args, int64(k+1), int64(240000))
				}
				stmt := q
				if end-start < batch {
					stmt = insert(end - start)
				}
				if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		sec := b.Elapsed().Seconds()
		b.ReportMetric(float64(b.N)/sec, "ops/s")
		b.ReportMetric(float64(b.N*rmBenchEmployees)/sec, "employees/s")
	})
}
