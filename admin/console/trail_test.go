package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/audit"
	"gjj/internal/platform/date"
)

// seqCell picks the sequence numbers out of the trail table.
var seqCell = regexp.MustCompile(`<tr><td class="num">(\d+)</td>`)

func seqs(p page) []string {
	var out []string
	for _, m := range seqCell.FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestTrail: the auditor filters the audit trail by action, object, actor
// and date range, pages through it, and verifies the hash chain; a changed
// row makes the verification fail on the page.
func TestTrail(t *testing.T) {
	eachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		srv := server(t, a)
		u := newUser(t, srv)
		u.login(t, apitest.NewOTP(), "auditor")
		for i := range 60 {
			if _, err := a.Audit.Write(ctx, audit.Record{Actor: "system:test", Channel: "system", Action: "test.bulk",
				Object: fmt.Sprintf("thing:%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		today := date.FromTime(time.Now())

		p := html(t, u.get(t, "/admin/audit"), http.StatusOK)
		contains(t, p, "校验审计日志完整性", "test.bulk")
		if n := len(seqs(p)); n != 50 {
			t.Errorf("first page has %d rows", n)
		}

		tests := []struct {
			name, query string
			rows        int // -1: at least one
			want        []string
			notWant     []string
		}{
			{"action", "action=test.bulk", 50, []string{">test.bulk<", `id="more"`}, []string{">identity.login<"}},
			{"action page 2", "action=test.bulk&before=", 10, []string{">thing:9<"}, []string{`id="more"`}},
			{"object", "object=thing:7", 1, []string{">thing:7<"}, nil},
			{"actor", "actor=system:test&object=thing:3", 1, []string{">thing:3<"}, nil},
			{"login", "actor=anonymous&object=staff:auditor&action=identity.login", 1, []string{">staff:auditor<", "成功"}, nil},
			{"today", "action=test.bulk&from=" + today.String() + "&to=" + today.String(), 50, []string{`id="more"`}, nil},
			{"before today", "to=" + today.AddDays(-1).String(), 0, []string{"没有符合条件的记录"}, nil},
			{"after today", "from=" + today.AddDays(1).String(), 0, []string{"没有符合条件的记录"}, nil},
			{"nothing", "action=no.such", 0, []string{"没有符合条件的记录"}, nil},
		}
		var firstPage []string
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := tt.query
				if strings.HasSuffix(q, "before=") {
					q += firstPage[len(firstPage)-1]
				}
				f := u.htmx(t, "/admin/audit?"+q)
				if f.status != http.StatusOK || strings.Contains(f.body, "<html") {
					t.Fatalf("htmx = %d %s", f.status, excerpt(f.body))
				}
				got := seqs(f)
				if tt.rows >= 0 && len(got) != tt.rows {
					t.Errorf("%d rows, want %d", len(got), tt.rows)
				}
				contains(t, f, tt.want...)
				lacks(t, f, tt.notWant...)
				if tt.name == "action" {
					firstPage = got
				}
				html(t, u.get(t, "/admin/audit?"+q), http.StatusOK)
			})
		}
		for _, q := range []string{"from=2026-13-01", "from=" + today.String() + "&to=" + today.AddDays(-1).String()} {
			p := html(t, u.get(t, "/admin/audit?"+q), http.StatusBadRequest)
			contains(t, p, "日期范围不正确")
			if strings.Count(p.body, "日期范围不正确") != 1 {
				t.Error("the error is shown more than once")
			}
		}

		p = html(t, u.post(t, "/admin/audit/verify", nil), http.StatusOK)
		contains(t, p, "校验通过", "哈希链完整")

		// Older entries: move the first five rows three days back (which
		// also breaks their hashes). The date range finds exactly them.
		old := today.AddDays(-3)
		at := time.Date(old.Year(), old.Month(), old.Day(), 10, 0, 0, 0, date.Shanghai).UTC()
		if _, err := a.DB.ExecContext(ctx, `UPDATE audit_log SET at = ? WHERE seq <= 5`, at); err != nil {
			t.Fatal(err)
		}
		f := u.htmx(t, "/admin/audit?"+url.Values{"from": {old.String()}, "to": {old.String()}}.Encode())
		if got := strings.Join(seqs(f), ","); got != "5,4,3,2,1" {
			t.Errorf("rows of %s: %s", old, got)
		}
		f = u.htmx(t, "/admin/audit?"+url.Values{"to": {today.AddDays(-1).String()}}.Encode())
		if got := strings.Join(seqs(f), ","); got != "5,4,3,2,1" {
			t.Errorf("rows before today: %s", got)
		}
		f = u.htmx(t, "/admin/audit?"+url.Values{"from": {today.AddDays(-2).String()}, "object": {"thing:0"}}.Encode())
		if got := seqs(f); len(got) != 1 {
			t.Errorf("rows since two days ago for thing:0: %v", got)
		}
		p = html(t, u.post(t, "/admin/audit/verify", nil), http.StatusOK)
		contains(t, p, "校验未通过", "changed")
	})
}
