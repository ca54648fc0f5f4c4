package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// seed writes n records (actions a.1 … a.n, objects obj:1 … obj:n) and
// fails the test on error.
func seed(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	ctx := reqctx.WithActor(context.Background(), reqctx.Actor{ID: "staff:maker", Channel: "counter"})
	for i := 1; i <= n; i++ {
		seq, err := l.Write(ctx, audit.Record{
			Action: fmt.Sprintf("a.%d", i),
			Object: fmt.Sprintf("obj:%d", i),
			Before: fmt.Sprintf(`{"v":%d}`, i-1),
			After:  fmt.Sprintf(`{"v":%d}`, i),
		})
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if seq != int64(i) {
			t.Fatalf("write %d got seq %d", i, seq)
		}
	}
}

func verify(t *testing.T, l *audit.Log, d *db.DB) audit.Report {
	t.Helper()
	rep, err := l.Verify(context.Background(), d)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func mustExec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	res, err := d.ExecContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows affected, want 1", q, n)
	}
}

func TestHashGoldenVector(t *testing.T) {
	// Computed independently (Python hashlib); a change here breaks every stored chain.
	e := audit.Entry{
		Seq: 7,
		Record: audit.Record{
			At:    time.Date(2026, 7, 1, 10, 3, 4, 5000, time.FixedZone("CST", 8*3600)),
			Actor: "staff:maker", Channel: "counter", Action: "bizdate.set", Object: "business_date",
			Before: `{"biz_date":"2026-06-30"}`, After: `{"biz_date":"2026-07-01"}`, RequestID: "req-1", Result: "ok",
		},
		PrevHash: audit.GenesisHash,
	}
	const want = "a81944400b093ab701d4339325448b10529c76b2ac4abf6d4189717983d9a273"
	if got := audit.HashOf(e); got != want {
		t.Fatalf("hash = %s, want %s", got, want)
	}
}

func TestHashFieldBoundaries(t *testing.T) {
	base := audit.Entry{Seq: 1, Record: audit.Record{At: time.Unix(0, 0), Actor: "ab", Channel: "c", Action: "x"}, PrevHash: audit.GenesisHash}
	shifted := base
	shifted.Actor, shifted.Channel = "a", "bc"
	if audit.HashOf(base) == audit.HashOf(shifted) {
		t.Fatal("moving a character between actor and channel kept the hash")
	}
	moved := base
	moved.Before, moved.After = "", "x"
	other := base
	other.Before, other.After = "x", ""
	if audit.HashOf(moved) == audit.HashOf(other) {
		t.Fatal("moving text between before and after kept the hash")
	}
}

func TestAppendRollbackLeavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		boom := errors.New("business change failed")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			seq, err := l.Append(ctx, tx, audit.Record{Action: "test.rollback", Object: "x"})
			if err != nil {
				return err
			}
			if seq != 1 {
				t.Errorf("seq = %d, want 1", seq)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want %v", err, boom)
		}
		entries, err := l.List(ctx, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Fatalf("after rollback List = %v, want nothing", entries)
		}
		rep := verify(t, l, d)
		if !rep.OK() || rep.Rows != 0 || rep.HeadSeq != 0 || rep.Head != audit.GenesisHash {
			t.Fatalf("after rollback report = %+v", rep)
		}
		// The next append takes seq 1 again.
		seq, err := l.Write(ctx, audit.Record{Action: "test.after"})
		if err != nil || seq != 1 {
			t.Fatalf("Write = %d, %v; want 1, nil", seq, err)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		const n = 50
		seqs := make([]int64, n)
		errc := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c := reqctx.WithRequestID(ctx, fmt.Sprintf("req-%d", i))
				seqs[i], errc[i] = l.Write(c, audit.Record{Action: "test.concurrent", Object: fmt.Sprintf("obj:%d", i)})
			})
		}
		// Verify while the writers run: appends in flight are never problems.
		rep0, err := l.Verify(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if !rep0.OK() {
			t.Errorf("verify during writes: %v", rep0.Problems)
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i := range n {
			if errc[i] != nil {
				t.Fatalf("write %d: %v", i, errc[i])
			}
			seen[seqs[i]] = true
		}
		for s := int64(1); s <= n; s++ {
			if !seen[s] {
				t.Errorf("seq %d not handed out", s)
			}
		}
		rep := verify(t, l, d)
		if !rep.OK() || rep.Rows != n || rep.HeadSeq != n {
			t.Fatalf("report = %+v", rep)
		}
		entries, err := l.List(ctx, audit.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Hash != rep.Head {
			t.Fatalf("newest entry %+v does not carry the head hash %s", entries, rep.Head)
		}
	})
}

func TestVerifyDetectsTampering(t *testing.T) {
	type want struct {
		seq  int64
		kind string
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, d *db.DB)
		want   []want
	}{
		{"actor of row 3", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_log SET actor = 'staff:other' WHERE seq = 3")
		}, []want{{3, audit.ProblemChanged}}},
		{"summary_after of row 3", func(t *testing.T, d *db.DB) {
			mustExec(t, d, `UPDATE audit_log SET summary_after = '{"v":999}' WHERE seq = 3`)
		}, []want{{3, audit.ProblemChanged}}},
		{"result of row 3", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_log SET result = 'refused' WHERE seq = 3")
		}, []want{{3, audit.ProblemChanged}}},
		{"time of row 3 by one microsecond", func(t *testing.T, d *db.DB) {
			var at time.Time
			if err := d.GetContext(context.Background(), &at, "SELECT at FROM audit_log WHERE seq = 3"); err != nil {
				t.Fatal(err)
			}
			mustExec(t, d, "UPDATE audit_log SET at = ? WHERE seq = 3", at.UTC().Add(time.Microsecond))
		}, []want{{3, audit.ProblemChanged}}},
		{"channel, action, object, before and request_id of row 3", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_log SET channel = 'web', action = 'a.x', object = 'obj:x', summary_before = '', request_id = 'r' WHERE seq = 3")
		}, []want{{3, audit.ProblemChanged}}},
		{"row 3 rewritten with a matching hash", func(t *testing.T, d *db.DB) {
			// A forger recomputes row 3's own hash; the link from row 4 breaks.
			var e audit.Entry
			if err := d.QueryRowxContext(context.Background(), "SELECT prev_hash, at FROM audit_log WHERE seq = 3").Scan(&e.PrevHash, &e.At); err != nil {
				t.Fatal(err)
			}
			e.Seq, e.Actor, e.Channel, e.Action, e.Object, e.Before, e.After, e.Result = 3, "staff:maker", "counter", "a.3", "obj:3", `{"v":2}`, `{"v":1000}`, "ok"
			mustExec(t, d, "UPDATE audit_log SET summary_after = ?, hash = ? WHERE seq = 3", e.After, audit.HashOf(e))
		}, []want{{4, audit.ProblemBrokenLink}}},
		{"prev_hash of row 3", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_log SET prev_hash = ? WHERE seq = 3", strings.Repeat("1", 64))
		}, []want{{3, audit.ProblemChanged}, {3, audit.ProblemBrokenLink}}},
		{"hash of row 3", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_log SET hash = ? WHERE seq = 3", strings.Repeat("2", 64))
		}, []want{{3, audit.ProblemChanged}, {4, audit.ProblemBrokenLink}}},
		{"seq of row 3 moved to 0", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_log SET seq = 0 WHERE seq = 3")
		}, []want{{0, audit.ProblemChanged}, {3, audit.ProblemMissing}}},
		{"delete row 5", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "DELETE FROM audit_log WHERE seq = 5")
		}, []want{{5, audit.ProblemMissing}}},
		{"delete row 1", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "DELETE FROM audit_log WHERE seq = 1")
		}, []want{{1, audit.ProblemMissing}}},
		{"delete the last row", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "DELETE FROM audit_log WHERE seq = 8")
		}, []want{{8, audit.ProblemHeadMismatch}}},
		{"head hash changed", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "UPDATE audit_head SET hash = ? WHERE id = 1", strings.Repeat("3", 64))
		}, []want{{8, audit.ProblemHeadMismatch}}},
		{"head row deleted", func(t *testing.T, d *db.DB) {
			mustExec(t, d, "DELETE FROM audit_head WHERE id = 1")
		}, []want{{8, audit.ProblemHeadMismatch}}},
		{"row inserted past the head", func(t *testing.T, d *db.DB) {
			mustExec(t, d, `INSERT INTO audit_log (seq, at, actor, channel, action, object, summary_before, summary_after, request_id, result, prev_hash, hash)
				SELECT 9, at, actor, channel, action, object, summary_before, summary_after, request_id, result, hash, hash FROM audit_log WHERE seq = 8`)
		}, []want{{9, audit.ProblemChanged}, {9, audit.ProblemHeadMismatch}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				l := audit.New(d)
				seed(t, l, 8)
				if rep := verify(t, l, d); !rep.OK() || rep.Rows != 8 {
					t.Fatalf("before tampering: %+v", rep)
				}
				tc.tamper(t, d)
				rep := verify(t, l, d)
				var got []want
				for _, p := range rep.Problems {
					got = append(got, want{p.Seq, p.Kind})
					if p.Detail == "" {
						t.Errorf("problem %v has no detail", p)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("problems = %v, want %v", rep.Problems, tc.want)
				}
			})
		})
	}
}

func TestVerifyEmptyAndInTx(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		rep := verify(t, l, d)
		if !rep.OK() || rep.Rows != 0 || rep.HeadSeq != 0 || rep.Head != audit.GenesisHash {
			t.Fatalf("empty log report = %+v", rep)
		}
		seed(t, l, 3)
		err := d.InTx(ctx, func(tx *db.Tx) error {
			rep, err := l.Verify(ctx, tx)
			if err != nil {
				return err
			}
			if !rep.OK() || rep.Rows != 3 || rep.HeadSeq != 3 {
				t.Errorf("verify in tx = %+v", rep)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifyManyRows(t *testing.T) {
	// More rows than one verify batch, so the cursor crosses batch borders.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		const n = 2105
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := range n {
				if _, err := l.Append(ctx, tx, audit.Record{Action: "test.bulk", Object: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, d, "DELETE FROM audit_log WHERE seq = 1001")
		rep := verify(t, l, d)
		if rep.Rows != n-1 || len(rep.Problems) != 1 || rep.Problems[0].Seq != 1001 || rep.Problems[0].Kind != audit.ProblemMissing {
			t.Fatalf("report rows=%d problems=%v", rep.Rows, rep.Problems)
		}
	})
}

func TestAppendValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	han := func(n int) string { return strings.Repeat("审", n) }
	ok := audit.Record{Actor: "staff:a", Channel: "counter", Action: "test.ok", Object: "obj", RequestID: "r", Result: "ok"}
	with := func(f func(r *audit.Record)) audit.Record { r := ok; f(&r); return r }
	tests := []struct {
		name string
		rec  audit.Record
		code string // "" = accepted
	}{
		{"valid", ok, ""},
		{"limits exactly", with(func(r *audit.Record) {
			r.Actor, r.Channel, r.Action, r.RequestID, r.Result = long(64), long(16), long(64), long(64), long(16)
			r.Object = han(128) // characters, not bytes
			r.Before = long(audit.MaxSummary)
		}), ""},
		{"multi-line JSON summary", with(func(r *audit.Record) { r.After = "{\n  \"名称\": \"张三\"\n}" }), ""},
		{"no action", with(func(r *audit.Record) { r.Action = "" }), "audit.action_required"},
		{"actor 65", with(func(r *audit.Record) { r.Actor = long(65) }), "audit.field_too_long"},
		{"channel 17", with(func(r *audit.Record) { r.Channel = long(17) }), "audit.field_too_long"},
		{"action 65", with(func(r *audit.Record) { r.Action = long(65) }), "audit.field_too_long"},
		{"object 129 characters", with(func(r *audit.Record) { r.Object = han(129) }), "audit.field_too_long"},
		{"request id 65", with(func(r *audit.Record) { r.RequestID = long(65) }), "audit.field_too_long"},
		{"result 17", with(func(r *audit.Record) { r.Result = long(17) }), "audit.field_too_long"},
		{"before too long", with(func(r *audit.Record) { r.Before = long(audit.MaxSummary + 1) }), "audit.field_too_long"},
		{"after too long", with(func(r *audit.Record) { r.After = long(audit.MaxSummary + 1) }), "audit.field_too_long"},
		{"newline in actor", with(func(r *audit.Record) { r.Actor = "staff:a\nseq 1 ok" }), "audit.field_invalid"},
		{"invalid UTF-8 in object", with(func(r *audit.Record) { r.Object = "obj\xff" }), "audit.field_invalid"},
		{"invalid UTF-8 in after", with(func(r *audit.Record) { r.After = "\xc3(" }), "audit.field_invalid"},
		{"NUL in before", with(func(r *audit.Record) { r.Before = "a\x00b" }), "audit.field_invalid"},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		var accepted int64
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				seq, err := l.Write(ctx, tc.rec)
				if tc.code == "" {
					if err != nil {
						t.Fatalf("Write: %v", err)
					}
					accepted++
					if seq != accepted {
						t.Fatalf("seq = %d, want %d", seq, accepted)
					}
					got, err := l.List(ctx, audit.Filter{Limit: 1})
					if err != nil {
						t.Fatal(err)
					}
					g := got[0]
					if g.Actor != tc.rec.Actor || g.Object != tc.rec.Object || g.Before != tc.rec.Before || g.After != tc.rec.After {
						t.Fatalf("stored record differs from the written one")
					}
					return
				}
				if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != tc.code {
					t.Fatalf("Write error = %v, want invalid %s", err, tc.code)
				}
			})
		}
		if rep := verify(t, l, d); !rep.OK() || rep.Rows != accepted {
			t.Fatalf("report = %+v, want %d clean rows", rep, accepted)
		}
	})
}

func TestAppendFillsFromContext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		start := db.Now()
		if _, err := l.Write(ctx, audit.Record{Action: "test.anon", At: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		c := reqctx.WithRequestID(reqctx.WithActor(ctx, reqctx.Actor{ID: "person:42", Channel: "app"}), "req-abc")
		if _, err := l.Write(c, audit.Record{Action: "test.ctx", Result: audit.ResultRefused}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(c, audit.Record{Action: "test.explicit", Actor: "system:eod", Channel: "system", RequestID: "job-1"}); err != nil {
			t.Fatal(err)
		}
		got, err := l.List(ctx, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("List = %d entries", len(got))
		}
		type view struct{ Action, Actor, Channel, RequestID, Result string }
		wants := []view{
			{"test.explicit", "system:eod", "system", "job-1", "ok"},
			{"test.ctx", "person:42", "app", "req-abc", "refused"},
			{"test.anon", "anonymous", "system", "", "ok"},
		}
		for i, w := range wants {
			g := got[i]
			if (view{g.Action, g.Actor, g.Channel, g.RequestID, g.Result}) != w {
				t.Errorf("entry %d = %+v, want %+v", i, g, w)
			}
			if g.At.Before(start) || g.At.Location() != time.UTC || g.At.Nanosecond()%1000 != 0 {
				t.Errorf("entry %d At = %v, want a UTC µs stamp after %v", i, g.At, start)
			}
		}
	})
}

func TestList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d)
		for i := 1; i <= 12; i++ {
			actor := "staff:a"
			if i%2 == 0 {
				actor = "staff:b"
			}
			action := "x.edit"
			if i%3 == 0 {
				action = "x.delete"
			}
			if _, err := l.Write(ctx, audit.Record{Actor: actor, Channel: "counter", Action: action, Object: fmt.Sprintf("obj:%d", i%4)}); err != nil {
				t.Fatal(err)
			}
		}
		seqs := func(es []audit.Entry) string {
			var s []string
			for _, e := range es {
				s = append(s, fmt.Sprint(e.Seq))
			}
			return strings.Join(s, ",")
		}
		tests := []struct {
			name string
			f    audit.Filter
			want string
		}{
			{"all newest first", audit.Filter{}, "12,11,10,9,8,7,6,5,4,3,2,1"},
			{"limit", audit.Filter{Limit: 3}, "12,11,10"},
			{"next page", audit.Filter{Limit: 3, BeforeSeq: 10}, "9,8,7"},
			{"actor", audit.Filter{Actor: "staff:b"}, "12,10,8,6,4,2"},
			{"action", audit.Filter{Action: "x.delete"}, "12,9,6,3"},
			{"object", audit.Filter{Object: "obj:1"}, "9,5,1"},
			{"combined", audit.Filter{Actor: "staff:b", Action: "x.delete", BeforeSeq: 12}, "6"},
			{"nothing", audit.Filter{Actor: "nobody"}, ""},
		}
		for _, tc := range tests {
			got, err := l.List(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if seqs(got) != tc.want {
				t.Errorf("%s: seqs %s, want %s", tc.name, seqs(got), tc.want)
			}
		}
		for _, lim := range []int{-1, audit.MaxLimit + 1} {
			if _, err := l.List(ctx, audit.Filter{Limit: lim}); errs.CodeOf(err) != "audit.limit" {
				t.Errorf("List limit %d error = %v, want audit.limit", lim, err)
			}
		}
	})
}
