package deposit_test

import (
	"fmt"
	"strings"
	"testing"

	"gjj/internal/core/deposit"
	"gjj/internal/ledger"
	"gjj/internal/platform/db"
	"gjj/internal/platform/dbtest"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// ---- helpers of the registry tests (prefixed reg to stay clear of other test files) ----

// regUSCC returns a distinct valid unified social credit code for each i.
func regUSCC(i int) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	w := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	body := fmt.Sprintf("91350100%09d", 500000000+i)
	sum := 0
	for k := 0; k < 17; k++ {
		sum += strings.IndexByte(alphabet, body[k]) * w[k]
	}
	return body + string(alphabet[(31-sum%31)%31])
}

// regWantErr fails unless err has the code and its message contains every
// fragment.
func regWantErr(t *testing.T, err error, code string, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got nil", code)
	}
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("want code %s, got %s (%v)", code, got, err)
	}
	msg := errs.E(err).Message
	for _, c := range contains {
		if !strings.Contains(msg, c) {
			t.Fatalf("message %q does not contain %q", msg, c)
		}
	}
}

// regSnap is the registry's state: row counts, the audit chain length and the
// rows a registry operation may change.
func (e *env) regSnap() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT COUNT(*) FROM audit_log`,
		`SELECT COUNT(*) FROM person`,
		`SELECT COUNT(*) FROM ledger_account`,
		`SELECT COUNT(*) FROM journal_entry`,
		`SELECT unit_id, person_id FROM unit_agent ORDER BY unit_id, person_id`,
		`SELECT unit_no, uscc, name, address, legal_rep, payday, status, ratio_unit_bps, ratio_person_bps, first_month, paid_through,
			COALESCE(closed_on, ''), close_reason FROM unit ORDER BY id`,
		`SELECT account_no, person_id, unit_id, status, prev_status, base_fen, reserved_mobile, bank_card, start_month, paid_through,
			status_reason FROM employee_account ORDER BY id`,
		`SELECT id, status, reviewed_by, review_comment, COALESCE(unit_id, 0) FROM unit_prereg ORDER BY id`,
		`SELECT employee_account_id, effective_month, base_fen FROM base_history ORDER BY employee_account_id, effective_month`,
		`SELECT unit_id, effective_month, unit_bps, person_bps FROM ratio_history ORDER BY unit_id, effective_month`,
		`SELECT id, unit_id, start_month, end_month, status, reviewed_by, review_comment FROM deferral ORDER BY id`,
	} {
		rows, err := e.db.QueryxContext(e.ctx, q)
		if err != nil {
			e.t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				e.t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			e.t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// regSame fails when the registry state differs from before.
func (e *env) regSame(before string) {
	e.t.Helper()
	if after := e.regSnap(); after != before {
		e.t.Fatalf("a refused call changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func (e *env) regCount(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.GetContext(e.ctx, &n, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (e *env) regExec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.db.ExecContext(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

type regAuditRow struct {
	Action string `db:"action"`
	Object string `db:"object"`
	Before string `db:"summary_before"`
	After  string `db:"summary_after"`
}

// regLastAudit returns the newest audit record.
func (e *env) regLastAudit() regAuditRow {
	e.t.Helper()
	var r regAuditRow
	if err := e.db.GetContext(e.ctx, &r, `SELECT action, object, summary_before, summary_after FROM audit_log ORDER BY seq DESC LIMIT 1`); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) regPrereg(i int) deposit.PreregInput {
	return deposit.PreregInput{USCC: regUSCC(i), Name: fmt.Sprintf("福州新创科技有限公司%d", i), Address: "福州市鼓楼区五四路 1 号",
		LegalRep: "张三", Payday: 15, UnitBps: 1200, PersonBps: 1000,
		AgentIDNumber: idNumber(950000 + i), AgentName: fmt.Sprintf("经办人%d", i), AgentMobile: fmt.Sprintf("137%08d", i)}
}

// regNewUnit opens unit i through a pre-registration and its approval (status 02).
func (e *env) regNewUnit(i int) *deposit.Unit {
	e.t.Helper()
	p, err := e.svc.SubmitPreregistration(e.ctx, e.regPrereg(i))
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.svc.ApprovePreregistration(e.ctx, p.ID, "staff:reviewer", "")
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// ---- tests ----

func TestRegPreregistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		fixture := e.importUnit(0, 1)

		refused := []struct {
			name     string
			mod      func(p *deposit.PreregInput)
			code     string
			contains []string
		}{
			{"credit code checksum", func(p *deposit.PreregInput) { p.USCC = p.USCC[:17] + "0" }, "ident.uscc_checksum", nil},
			{"credit code length", func(p *deposit.PreregInput) { p.USCC = "9135" }, "ident.uscc_length", nil},
			{"name with a space", func(p *deposit.PreregInput) { p.Name = "福州新创 科技有限公司" }, "deposit.unit_name_spaces", []string{"空格"}},
			{"name with a full-width space", func(p *deposit.PreregInput) { p.Name = "福州新创\u3000科技" }, "deposit.unit_name_spaces", nil},
			{"no name", func(p *deposit.PreregInput) { p.Name = "  " }, "deposit.invalid_input", []string{"单位名称"}},
			{"no address", func(p *deposit.PreregInput) { p.Address = "" }, "deposit.invalid_input", []string{"单位地址"}},
			{"no legal representative", func(p *deposit.PreregInput) { p.LegalRep = "" }, "deposit.invalid_input", []string{"法定代表人"}},
			{"payday 0", func(p *deposit.PreregInput) { p.Payday = 0 }, "deposit.invalid_input", []string{"发薪日"}},
			{"payday 32", func(p *deposit.PreregInput) { p.Payday = 32 }, "deposit.invalid_input", []string{"发薪日"}},
			{"unit ratio 4%", func(p *deposit.PreregInput) { p.UnitBps = 400 }, "deposit.ratio_out_of_range", []string{"4%", "5%", "12%"}},
			{"personal ratio 12.5%", func(p *deposit.PreregInput) { p.PersonBps = 1250 }, "deposit.ratio_out_of_range", []string{"12.5%", "12%"}},
			{"agent ID checksum", func(p *deposit.PreregInput) { p.AgentIDNumber = p.AgentIDNumber[:17] + "Y" }, "ident.id_syntax", nil},
			{"agent ID length", func(p *deposit.PreregInput) { p.AgentIDNumber = "3501" }, "ident.id_length", nil},
			{"agent without name", func(p *deposit.PreregInput) { p.AgentName = "" }, "deposit.invalid_input", []string{"经办人姓名"}},
			{"agent mobile 10 digits", func(p *deposit.PreregInput) { p.AgentMobile = "1370000000" }, "deposit.invalid_input", []string{"手机号码"}},
			{"agent mobile not 1…", func(p *deposit.PreregInput) { p.AgentMobile = "23700000000" }, "deposit.invalid_input", []string{"手机号码"}},
			{"credit code of an existing unit", func(p *deposit.PreregInput) { p.USCC = fixture.USCC }, "deposit.duplicate_unit", []string{"已登记"}},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				in := e.regPrereg(1)
				c.mod(&in)
				before := e.regSnap()
				_, err := e.svc.SubmitPreregistration(e.ctx, in)
				regWantErr(t, err, c.code, c.contains...)
				e.regSame(before)
			})
		}

		// A good one is pending, masked in lists and audited without the full numbers.
		in := e.regPrereg(1)
		in.USCC = strings.ToLower(in.USCC) // normalised
		p, err := e.svc.SubmitPreregistration(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != deposit.PreregPending || p.USCC != regUSCC(1) || p.AgentIDNumber != idNumber(950001) ||
			!strings.Contains(p.AgentIDMasked, "*") || p.AgentMobileMasked != "137****0001" {
			t.Fatalf("prereg = %+v", p)
		}
		if a := e.regLastAudit(); a.Action != "deposit.prereg_submit" || strings.Contains(a.After, idNumber(950001)) ||
			strings.Contains(a.After, "13700000001") {
			t.Fatalf("audit = %+v", a)
		}
		pending, err := e.svc.PendingPreregistrations(e.ctx)
		if err != nil || len(pending) != 1 || pending[0].ID != p.ID {
			t.Fatalf("pending = %+v, %v", pending, err)
		}

		// The same code again while pending; the agent's ID under another name.
		before := e.regSnap()
		dup := e.regPrereg(1)
		dup.Name = "另一个名称"
		_, err = e.svc.SubmitPreregistration(e.ctx, dup)
		regWantErr(t, err, "deposit.duplicate_unit", "待审核")
		e.regSame(before)

		// Review guards.
		for _, c := range []struct {
			name     string
			call     func() error
			code     string
			contains string
		}{
			{"approve without reviewer", func() error { _, err := e.svc.ApprovePreregistration(e.ctx, p.ID, " ", ""); return err }, "deposit.invalid_input", "审核人"},
			{"approve unknown", func() error { _, err := e.svc.ApprovePreregistration(e.ctx, 9999, "staff:r", ""); return err }, "deposit.prereg_not_found", ""},
			{"reject without comment", func() error { _, err := e.svc.RejectPreregistration(e.ctx, p.ID, "staff:r", ""); return err }, "deposit.invalid_input", "审核意见"},
			{"reject unknown", func() error { _, err := e.svc.RejectPreregistration(e.ctx, 9999, "staff:r", "x"); return err }, "deposit.prereg_not_found", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.regSnap()
				regWantErr(t, c.call(), c.code, c.contains)
				e.regSame(before)
			})
		}

		// Approval opens the unit in 02 with its number, suspense account, ratio history and agent.
		u, err := e.svc.ApprovePreregistration(e.ctx, p.ID, "staff:reviewer", "材料齐全")
		if err != nil {
			t.Fatal(err)
		}
		if u.UnitNo != fmt.Sprintf("19%010d", p.ID) || u.Status != deposit.UnitOpened || u.UnitBps != 1200 || u.PersonBps != 1000 ||
			u.Payday != 15 || u.SuspenseLedger == nil || u.OpenedOn == nil || *u.OpenedOn != today || !u.FirstMonth.IsZero() || u.BankCode != bank {
			t.Fatalf("unit = %+v", u)
		}
		if _, err := e.ledger.Account(e.ctx, ledger.CodeUnitSuspense+u.UnitNo); err != nil {
			t.Fatal(err)
		}
		if n := e.regCount(`SELECT COUNT(*) FROM ratio_history WHERE unit_id = ? AND effective_month = '2026-11' AND unit_bps = 1200 AND person_bps = 1000`, u.ID); n != 1 {
			t.Fatalf("ratio history = %d", n)
		}
		if n := e.regCount(`SELECT COUNT(*) FROM unit_agent a JOIN person p ON p.id = a.person_id WHERE a.unit_id = ? AND p.id_number = ? AND p.name = '经办人1'`,
			u.ID, idNumber(950001)); n != 1 {
			t.Fatalf("unit agent = %d", n)
		}
		got, err := e.svc.Preregistration(e.ctx, p.ID)
		if err != nil || got.Status != deposit.PreregApproved || got.UnitNo != u.UnitNo || got.ReviewedBy != "staff:reviewer" || got.ReviewedAt == nil {
			t.Fatalf("approved prereg = %+v, %v", got, err)
		}
		if a := e.regLastAudit(); a.Action != "deposit.prereg_approve" || a.Object != "unit:"+u.UnitNo {
			t.Fatalf("audit = %+v", a)
		}

		// Reviewed once only; the code is now a unit's.
		before = e.regSnap()
		_, err = e.svc.ApprovePreregistration(e.ctx, p.ID, "staff:r", "")
		regWantErr(t, err, "deposit.prereg_status", "已通过")
		_, err = e.svc.RejectPreregistration(e.ctx, p.ID, "staff:r", "重复")
		regWantErr(t, err, "deposit.prereg_status")
		_, err = e.svc.SubmitPreregistration(e.ctx, e.regPrereg(1))
		regWantErr(t, err, "deposit.duplicate_unit", "已登记")
		// The agent's ID number is now registered: another name is refused.
		other := e.regPrereg(2)
		other.AgentIDNumber, other.AgentName = idNumber(950001), "王五"
		_, err = e.svc.SubmitPreregistration(e.ctx, other)
		regWantErr(t, err, "deposit.name_mismatch")
		e.regSame(before)

		// Rejection; the same code may apply again afterwards. The same agent
		// (same name) may act for a second unit.
		p2in := e.regPrereg(2)
		p2in.AgentIDNumber, p2in.AgentName = idNumber(950001), "经办人1"
		p2, err := e.svc.SubmitPreregistration(e.ctx, p2in)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.RejectPreregistration(e.ctx, p2.ID, "staff:reviewer", "营业执照照片不清晰")
		if err != nil || r.Status != deposit.PreregRejected || r.ReviewComment != "营业执照照片不清晰" {
			t.Fatalf("rejected = %+v, %v", r, err)
		}
		if pending, _ := e.svc.PendingPreregistrations(e.ctx); len(pending) != 0 {
			t.Fatalf("pending after review = %+v", pending)
		}
		p3, err := e.svc.SubmitPreregistration(e.ctx, p2in)
		if err != nil {
			t.Fatal(err)
		}
		u2, err := e.svc.ApprovePreregistration(e.ctx, p3.ID, "staff:reviewer", "")
		if err != nil {
			t.Fatal(err)
		}
		if u2.UnitNo == u.UnitNo || e.regCount(`SELECT COUNT(*) FROM person WHERE id_number = ?`, idNumber(950001)) != 1 {
			t.Fatalf("second unit %s; agent persons duplicated", u2.UnitNo)
		}
		e.verifyBooks()
	})
}

func TestRegUnitLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := e.importUnit(0, 2) // 01 with two open accounts
		b := e.regNewUnit(1)    // 02

		// Information change: audited before/after; guards.
		info := deposit.UnitInfo{Name: "测试单位一号", Address: "福州市台江区", LegalRep: a.LegalRep + "新", Payday: 25}
		u, err := e.svc.ChangeUnitInfo(e.ctx, a.UnitNo, info)
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != info.Name || u.Address != info.Address || u.Payday != 25 || u.LegalRep != info.LegalRep {
			t.Fatalf("changed unit = %+v", u)
		}
		if au := e.regLastAudit(); au.Action != "deposit.unit_change" || !strings.Contains(au.Before, a.Name) ||
			!strings.Contains(au.After, info.Name) || !strings.Contains(au.Before, `"payday":10`) {
			t.Fatalf("audit = %+v", au)
		}

		susp := ledger.CodeUnitSuspense + a.UnitNo
		steps := []struct {
			name       string
			call       func() (*deposit.Unit, error)
			code       string // "" = must succeed
			contains   []string
			wantStatus string
			prep       func()
		}{
			{name: "change: nothing changed", call: func() (*deposit.Unit, error) { return e.svc.ChangeUnitInfo(e.ctx, a.UnitNo, info) },
				code: "deposit.no_change"},
			{name: "change: name with space", call: func() (*deposit.Unit, error) {
				i := info
				i.Name = "测试 单位"
				return e.svc.ChangeUnitInfo(e.ctx, a.UnitNo, i)
			}, code: "deposit.unit_name_spaces"},
			{name: "change: payday 0", call: func() (*deposit.Unit, error) {
				i := info
				i.Payday = 0
				return e.svc.ChangeUnitInfo(e.ctx, a.UnitNo, i)
			}, code: "deposit.invalid_input"},
			{name: "change: unknown unit", call: func() (*deposit.Unit, error) { return e.svc.ChangeUnitInfo(e.ctx, "999", info) },
				code: "deposit.unit_not_found"},
			{name: "seal 02 refused", call: func() (*deposit.Unit, error) { return e.svc.SealUnit(e.ctx, b.UnitNo, "停业") },
				code: "deposit.unit_status", contains: []string{"开户", "正常"}},
			{name: "seal without reason", call: func() (*deposit.Unit, error) { return e.svc.SealUnit(e.ctx, a.UnitNo, " ") },
				code: "deposit.invalid_input", contains: []string{"封存原因"}},
			{name: "unseal 01 refused", call: func() (*deposit.Unit, error) { return e.svc.UnsealUnit(e.ctx, a.UnitNo) },
				code: "deposit.unit_status", contains: []string{"正常", "封存"}},
			{name: "close 02 refused", call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, b.UnitNo, "注销") },
				code: "deposit.unit_status", contains: []string{"开户"}},
			{name: "close without reason", call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, a.UnitNo, "") },
				code: "deposit.invalid_input", contains: []string{"销户原因"}},
			{name: "close with open accounts", call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, a.UnitNo, "注销") },
				code: "deposit.unit_has_open_accounts", contains: []string{"2 个"}},
			{name: "seal 01", call: func() (*deposit.Unit, error) { return e.svc.SealUnit(e.ctx, a.UnitNo, "停业整顿") }, wantStatus: deposit.UnitSealed},
			{name: "seal 05 refused", call: func() (*deposit.Unit, error) { return e.svc.SealUnit(e.ctx, a.UnitNo, "停业") },
				code: "deposit.unit_status", contains: []string{"封存", "正常"}},
			{name: "unseal 05", call: func() (*deposit.Unit, error) { return e.svc.UnsealUnit(e.ctx, a.UnitNo) }, wantStatus: deposit.UnitNormal},
			{name: "seal again", call: func() (*deposit.Unit, error) { return e.svc.SealUnit(e.ctx, a.UnitNo, "停业") }, wantStatus: deposit.UnitSealed},
			{name: "close 05 with one open account", prep: func() {
				e.regExec(`UPDATE employee_account SET status = ? WHERE account_no = ?`, deposit.EmpWithdrawn, "201000000001")
			}, call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, a.UnitNo, "注销") },
				code: "deposit.unit_has_open_accounts", contains: []string{"1 个"}},
			{name: "close with suspense money", prep: func() {
				e.regExec(`UPDATE employee_account SET status = ? WHERE account_no = ?`, deposit.EmpTransferred, "201000000002")
				if _, err := e.ledger.Post(e.ctx, ledger.Request{Serial: "REG-SUSP-IN", BizType: "99", Memo: "未分摊", Lines: []ledger.Line{
					{Account: ledger.BankCode(bank), Side: ledger.Debit, Amount: money.Yuan(1234)},
					{Account: susp, Side: ledger.Credit, Amount: money.Yuan(1234)}}}); err != nil {
					t.Fatal(err)
				}
			}, call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, a.UnitNo, "注销") },
				code: "deposit.unit_suspense_not_zero", contains: []string{"1,234.00"}},
			{name: "close 05", prep: func() {
				if _, err := e.ledger.Post(e.ctx, ledger.Request{Serial: "REG-SUSP-OUT", BizType: "99", Memo: "退回", Lines: []ledger.Line{
					{Account: susp, Side: ledger.Debit, Amount: money.Yuan(1234)},
					{Account: ledger.BankCode(bank), Side: ledger.Credit, Amount: money.Yuan(1234)}}}); err != nil {
					t.Fatal(err)
				}
			}, call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, a.UnitNo, "单位注销") }, wantStatus: deposit.UnitClosed},
			{name: "close 04 refused", call: func() (*deposit.Unit, error) { return e.svc.CloseUnit(e.ctx, a.UnitNo, "注销") },
				code: "deposit.unit_status", contains: []string{"销户"}},
			{name: "unseal 04 refused", call: func() (*deposit.Unit, error) { return e.svc.UnsealUnit(e.ctx, a.UnitNo) }, code: "deposit.unit_status"},
			{name: "seal 04 refused", call: func() (*deposit.Unit, error) { return e.svc.SealUnit(e.ctx, a.UnitNo, "x") }, code: "deposit.unit_status"},
			{name: "change 04 refused", call: func() (*deposit.Unit, error) {
				i := info
				i.Payday = 5
				return e.svc.ChangeUnitInfo(e.ctx, a.UnitNo, i)
			}, code: "deposit.unit_status"},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				if s.prep != nil {
					s.prep()
				}
				before := e.regSnap()
				audits := e.regCount(`SELECT COUNT(*) FROM audit_log`)
				u, err := s.call()
				if s.code != "" {
					regWantErr(t, err, s.code, s.contains...)
					e.regSame(before)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if u.Status != s.wantStatus {
					t.Fatalf("status = %s, want %s", u.Status, s.wantStatus)
				}
				if n := e.regCount(`SELECT COUNT(*) FROM audit_log`); n != audits+1 {
					t.Fatalf("audit records %d → %d, want one more", audits, n)
				}
				if au := e.regLastAudit(); au.Object != "unit:"+a.UnitNo {
					t.Fatalf("audit = %+v", au)
				}
			})
		}
		closed, err := e.svc.Unit(e.ctx, a.UnitNo)
		if err != nil || closed.ClosedOn == nil || *closed.ClosedOn != today || closed.CloseReason != "单位注销" {
			t.Fatalf("closed unit = %+v, %v", closed, err)
		}
		e.verifyBooks()
	})
}
