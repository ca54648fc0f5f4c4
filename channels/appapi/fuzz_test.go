package appapi_test

import (
	"testing"

	"gjj/channels/appapi"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// FuzzParseStatementQuery: any query is either a usable statement query
// (calendar dates in order, limit 1..500, before ≥ 1 or absent) or a 400
// request.invalid_query naming one of the four parameters; never a panic.
func FuzzParseStatementQuery(f *testing.F) {
	for _, s := range [][4]string{
		{"", "", "", ""},
		{"2026-01-01", "2026-12-31", "100", "5"},
		{"2026-02-30", "", "", ""},
		{"2026-12-31", "2026-01-01", "", ""},
		{"", "", "0", "-1"},
		{"1899-12-31", "9999-12-31", "500", "9223372036854775807"},
		{" 2026-01-01", "2026-1-1", "+5", "0x10"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, from, to, limit, before string) {
		q, err := appapi.ParseStatementQuery(from, to, limit, before)
		if err != nil {
			e := errs.E(err)
			field, _ := e.Details["field"].(string)
			if e.Kind != errs.Invalid || e.Code != "request.invalid_query" ||
				(field != "from" && field != "to" && field != "limit" && field != "before") {
				t.Fatalf("(%q, %q, %q, %q): error %v (field %q)", from, to, limit, before, err, field)
			}
			return
		}
		if q.Limit < 1 || q.Limit > 500 || q.BeforeSeq < 0 || (before == "") != (q.BeforeSeq == 0) {
			t.Fatalf("(%q, %q, %q, %q): query %+v", from, to, limit, before, q)
		}
		for _, d := range []struct {
			in  string
			got date.Date
		}{{from, q.From}, {to, q.To}} {
			if d.in == "" != d.got.IsZero() || (d.in != "" && d.got.String() != d.in) {
				t.Fatalf("(%q, %q): parsed %v, %v", from, to, q.From, q.To)
			}
		}
		if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
			t.Fatalf("from %v after to %v accepted", q.From, q.To)
		}
	})
}
