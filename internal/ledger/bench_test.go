package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"gjj/internal/ledger"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
)

// Benchmarks report ops/s so `make bench` can print each figure next to its
// ceiling measured in the same run: a ledger posting (two accounts locked,
// entry + two postings + two balance updates, one transaction) against the raw
// driver doing one single-row INSERT transaction.

func backends(b *testing.B, f func(b *testing.B, d *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { f(b, dbtest.SQLite(b)) })
	b.Run("mysql", func(b *testing.B) { f(b, dbtest.MySQL(b)) })
}

func BenchmarkLedgerPost(b *testing.B) {
	backends(b, func(b *testing.B, d *db.DB) {
		ctx := context.Background()
		l := ledger.New(d, fixedDate{today})
		if err := l.EnsureCenterAccounts(ctx, "102"); err != nil {
			b.Fatal(err)
		}
		const accounts = 100
		for i := range accounts {
			if _, err := l.OpenAccount(ctx, ledger.AccountSpec{Code: ledger.PersonalCode(fmt.Sprint(i)), Name: "个人住房公积金",
				Type: ledger.Liability, OwnerType: "person", OwnerID: fmt.Sprint(i)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			_, err := l.Post(ctx, ledger.Request{Serial: fmt.Sprintf("B-%d", i), BizType: "01", Lines: []ledger.Line{
				{Account: ledger.BankCode("102"), Side: ledger.Debit, Amount: 100},
				{Account: ledger.PersonalCode(fmt.Sprint(i % accounts)), Side: ledger.Credit, Amount: 100},
			}})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

func BenchmarkRawInsertTx(b *testing.B) {
	backends(b, func(b *testing.B, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE bench_raw (id BIGINT NOT NULL PRIMARY KEY, serial VARCHAR(64) NOT NULL, amount_fen BIGINT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			tx, err := d.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO bench_raw (id, serial, amount_fen) VALUES (?, ?, ?)`, i+1, fmt.Sprintf("B-%d", i), 100); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}
