package cli

import (
	"context"
	"flag"
	"fmt"

	"gjj/internal/audit"
)

func init() {
	register(&Command{
		Name:    "audit verify",
		Summary: "check the hash chain of the audit log (留痕) and print its head",
		Usage: `Reads every row of the audit log in sequence order and checks that:
  - each row's hash matches its fields (a changed row is reported "changed"),
  - sequence numbers run 1, 2, 3, … without gaps ("missing"),
  - each row's prev_hash is the hash of the row before it ("broken_link"),
  - the recorded head (audit_head) names the last row ("head_mismatch").

Prints the number of rows checked and the head (seq and hash). Record the head
hash somewhere outside the database (ticket, log book, another system): a later
run showing the same hash at that seq proves nothing before it was rewritten.

Exit status: 0 when the log is intact; 1 with one "PROBLEM seq N kind: detail"
line per problem on stdout; 1 on a store error.

Example:
  gjj audit verify`,
		Run: func(ctx context.Context, e *Env, fs *flag.FlagSet) error {
			if fs.NArg() > 0 {
				return &ExitError{Code: 2, Msg: fmt.Sprintf("gjj audit verify: unexpected argument %q (it takes none)", fs.Arg(0))}
			}
			d, err := e.Store(ctx)
			if err != nil {
				return err
			}
			r, err := audit.New(d).Verify(ctx, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "rows checked %d\nhead seq %d hash %s\n", r.Rows, r.HeadSeq, r.Head)
			if r.OK() {
				fmt.Fprintln(e.Stdout, "audit log OK")
				return nil
			}
			for _, p := range r.Problems {
				fmt.Fprintf(e.Stdout, "PROBLEM %s\n", p)
			}
			n := int64(len(r.Problems)) + r.Omitted
			msg := fmt.Sprintf("audit verify: %d problem(s)", n)
			if r.Omitted > 0 {
				msg += fmt.Sprintf(", %d not listed", r.Omitted)
			}
			return &ExitError{Code: 1, Msg: msg}
		},
	})
}
