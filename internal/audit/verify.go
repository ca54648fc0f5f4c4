package audit

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"gjj/internal/platform/db"
)

// Problem kinds reported by Verify.
const (
	// ProblemChanged: the row's stored hash is not the hash of its fields, or
	// its seq is not a valid sequence number.
	ProblemChanged = "changed"
	// ProblemMissing: sequence numbers are absent (Seq is the first missing one).
	ProblemMissing = "missing"
	// ProblemBrokenLink: the row's prev_hash is not the stored hash of the row before it.
	ProblemBrokenLink = "broken_link"
	// ProblemHeadMismatch: audit_head does not name the last row (seq or hash),
	// or it is missing.
	ProblemHeadMismatch = "head_mismatch"
)

// MaxProblems is how many problems a Report lists; further ones are only counted.
const MaxProblems = 1000

// verifyBatch is how many rows Verify reads per query.
const verifyBatch = 1000

// Problem is one defect found by Verify, naming the row it concerns.
type Problem struct {
	Seq    int64
	Kind   string // ProblemChanged, ProblemMissing, ProblemBrokenLink or ProblemHeadMismatch
	Detail string
}

// String renders the problem on one line, e.g. "seq 3 changed: …".
func (p Problem) String() string { return fmt.Sprintf("seq %d %s: %s", p.Seq, p.Kind, p.Detail) }

// Report is the outcome of Verify.
type Report struct {
	Rows     int64     // rows read
	HeadSeq  int64     // seq recorded in audit_head
	Head     string    // hash recorded in audit_head (GenesisHash for an empty log)
	Problems []Problem // at most MaxProblems, in seq order, head problems last
	Omitted  int64     // problems found beyond MaxProblems
}

// OK reports whether no problem was found.
func (r Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

// Verify walks every row of the log in seq order, in batches so memory stays
// small, recomputes each hash, checks that seq runs 1, 2, 3, … without gaps,
// that each prev_hash is the stored hash of the row before, and that
// audit_head names the last row. Problems are reported, not returned as
// errors; the error is only for a store failure.
//
// q may be the *db.DB (rows appended while Verify runs are picked up, never
// reported as problems) or a *db.Tx (a snapshot). It is for operators
// (`gjj audit verify`) and monitoring; it reads but never writes.
func (l *Log) Verify(ctx context.Context, q db.Querier) (Report, error) {
	v := verifier{prevHash: GenesisHash, cursor: math.MinInt64}
	if err := v.walk(ctx, q); err != nil {
		return Report{}, err
	}
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	// Append moves the head in the same transaction as it inserts a row, so a
	// head read after the walk names at least the last row seen. A head ahead
	// of the walk means rows were appended meanwhile, or the last rows are gone:
	// read on until no new rows come.
	for {
		err := q.GetContext(ctx, &head, "SELECT seq, hash FROM audit_head WHERE id = 1")
		if db.NoRows(err) {
			v.problem(Problem{Seq: v.lastSeq, Kind: ProblemHeadMismatch, Detail: "the audit_head row is missing"})
			return v.report(0, ""), nil
		}
		if err != nil {
			return Report{}, fmt.Errorf("audit: verify: read head: %w", err)
		}
		if head.Seq <= v.lastSeq {
			break
		}
		before := v.rows
		if err := v.walk(ctx, q); err != nil {
			return Report{}, err
		}
		if v.rows == before {
			break
		}
	}
	switch {
	case head.Seq > v.lastSeq:
		v.problem(Problem{Seq: head.Seq, Kind: ProblemHeadMismatch, Detail: fmt.Sprintf(
			"audit_head names seq %d (hash %s) but the last row is seq %d: rows %d..%d were removed",
			head.Seq, head.Hash, v.lastSeq, v.lastSeq+1, head.Seq)})
	case head.Seq < v.lastSeq:
		v.problem(Problem{Seq: v.lastSeq, Kind: ProblemHeadMismatch, Detail: fmt.Sprintf(
			"rows %d..%d lie past audit_head (seq %d): they were not written by Append",
			head.Seq+1, v.lastSeq, head.Seq)})
	case head.Hash != v.prevHash:
		v.problem(Problem{Seq: head.Seq, Kind: ProblemHeadMismatch, Detail: fmt.Sprintf(
			"audit_head hash %s differs from the stored hash %s of seq %d", head.Hash, v.prevHash, head.Seq)})
	}
	return v.report(head.Seq, head.Hash), nil
}

type verifier struct {
	cursor   int64  // highest seq read so far (keyset pagination)
	lastSeq  int64  // seq of the last valid row (0 before any)
	prevHash string // stored hash of that row
	rows     int64
	problems []Problem
	omitted  int64
}

func (v *verifier) problem(p Problem) {
	if len(v.problems) >= MaxProblems {
		v.omitted++
		return
	}
	v.problems = append(v.problems, p)
}

func (v *verifier) report(headSeq int64, head string) Report {
	return Report{Rows: v.rows, HeadSeq: headSeq, Head: head, Problems: v.problems, Omitted: v.omitted}
}

// walk reads the rows after v.cursor to the end of the table.
func (v *verifier) walk(ctx context.Context, q db.Querier) error {
	for {
		var batch []row
		if err := q.SelectContext(ctx, &batch, selectRows+" WHERE seq > ? ORDER BY seq LIMIT "+strconv.Itoa(verifyBatch), v.cursor); err != nil {
			return fmt.Errorf("audit: verify: read rows after seq %d: %w", v.cursor, err)
		}
		for _, r := range batch {
			v.check(r.entry())
			v.cursor = r.Seq
		}
		if len(batch) < verifyBatch {
			return nil
		}
	}
}

func (v *verifier) check(e Entry) {
	v.rows++
	if e.Seq < 1 {
		v.problem(Problem{Seq: e.Seq, Kind: ProblemChanged, Detail: fmt.Sprintf("seq %d is not a valid sequence number", e.Seq)})
		return
	}
	if got := hashOf(e); got != e.Hash {
		v.problem(Problem{Seq: e.Seq, Kind: ProblemChanged, Detail: fmt.Sprintf(
			"stored hash %s, fields hash to %s (action %q, object %q)", e.Hash, got, e.Action, e.Object)})
	}
	switch want := v.lastSeq + 1; {
	case e.Seq > want:
		// The link cannot be checked across a gap: the missing rows' hashes are unknown.
		detail := fmt.Sprintf("rows %d..%d are missing before seq %d", want, e.Seq-1, e.Seq)
		if e.Seq-1 == want {
			detail = fmt.Sprintf("row %d is missing before seq %d", want, e.Seq)
		}
		v.problem(Problem{Seq: want, Kind: ProblemMissing, Detail: detail})
	case e.PrevHash != v.prevHash:
		prev := "the genesis hash"
		if v.lastSeq > 0 {
			prev = fmt.Sprintf("the stored hash of seq %d", v.lastSeq)
		}
		v.problem(Problem{Seq: e.Seq, Kind: ProblemBrokenLink, Detail: fmt.Sprintf(
			"prev_hash %s is not %s (%s)", e.PrevHash, prev, v.prevHash)})
	}
	v.lastSeq, v.prevHash = e.Seq, e.Hash
}
