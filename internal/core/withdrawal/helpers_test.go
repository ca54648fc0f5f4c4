package withdrawal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// goodCode is the step-up code the fake accepts.
const goodCode = "246810"

// fakeStepUp stands in for identity's step-up check: L2 sessions with
// goodCode pass.
type fakeStepUp struct{}

func (fakeStepUp) StepUp(_ context.Context, p *identity.Principal, code string) error {
	if p == nil || p.Level < 2 {
		return identity.ErrLevelRequired
	}
	if code != goodCode {
		return identity.ErrOTPWrong.With("field", "sms_code")
	}
	return nil
}

// smsLog records the SMS the core sends.
type smsLog struct {
	mu   sync.Mutex
	sent []sentSMS
}

type sentSMS struct {
	phone, template string
	vars            map[string]string
}

func (l *smsLog) send(_ context.Context, phone, template string, vars map[string]string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, sentSMS{phone, template, vars})
	return nil
}

func (l *smsLog) count(template string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.sent {
		if m.template == template {
			n++
		}
	}
	return n
}

func (l *smsLog) last(t *testing.T, template string) sentSMS {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.sent) - 1; i >= 0; i-- {
		if l.sent[i].template == template {
			return l.sent[i]
		}
	}
	t.Fatalf("no %s SMS", template)
	return sentSMS{}
}

// env is a platform with a withdrawal service of its own: the fake step-up
// check, a payment simulator and an SMS log.
type env struct {
	t     *testing.T
	a     *app.App
	svc   *withdrawal.Service
	svc2  *withdrawal.Service // a second instance on the same store
	bank  *exchange.PaymentSimulator
	sms   *smsLog
	loans *fakeLoans
	ctx   context.Context
	today date.Date
}

type fakeLoans struct {
	mu        sync.Mutex
	open      map[int64]bool
	repayable money.Fen
}

func (f *fakeLoans) OutstandingLoan(_ context.Context, personID int64) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open[personID], nil
}

func (f *fakeLoans) Repayable(context.Context, int64, date.Date) (money.Fen, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.repayable, nil
}

func newEnv(t *testing.T, a *app.App) *env {
	t.Helper()
	e := &env{t: t, a: a, bank: exchange.NewPaymentSimulator(), sms: &smsLog{}, loans: &fakeLoans{open: map[int64]bool{}}, ctx: context.Background()}
	deps := withdrawal.Deps{DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		StepUp: fakeStepUp{}, Limits: a.Gate, Loans: e.loans, Contracts: a.Housing, Property: a.Housing, Payments: e.bank,
		BankCode: app.SettlementBank, SMS: e.sms.send}
	e.svc, e.svc2 = withdrawal.New(deps), withdrawal.New(deps)
	e.bank.SetCallback(e.svc.PaymentResult)
	var err error
	if e.today, err = a.Dates.Today(e.ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// person is a demo employee as a session principal (real-name L2) and the
// context of a request on channel.
func (e *env) person(emp demo.Employee, channel string) (*identity.Principal, context.Context) {
	e.t.Helper()
	var id int64
	if err := e.a.DB.GetContext(e.ctx, &id, `SELECT id FROM person WHERE id_number = ?`, emp.IDNumber); err != nil {
		e.t.Fatal(err)
	}
	p := &identity.Principal{Kind: "person", SubjectID: id, Subject: fmt.Sprintf("person:%d", id), Name: emp.Name, Level: 2}
	return p, reqctx.WithActor(e.ctx, reqctx.Actor{ID: p.Subject, Channel: channel})
}

func (e *env) staff(name string) context.Context {
	return reqctx.WithActor(e.ctx, reqctx.Actor{ID: "staff:" + name, Channel: "counter"})
}

func (e *env) balance(emp demo.Employee) money.Fen {
	e.t.Helper()
	acct, err := e.a.Ledger.Account(e.ctx, ledger.PersonalCode(emp.AccountNo))
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.Balance
}

func (e *env) ledgerBalance(code string) money.Fen {
	e.t.Helper()
	acct, err := e.a.Ledger.Account(e.ctx, code)
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.Balance
}

func (e *env) count(table string) int64 {
	e.t.Helper()
	var n int64
	if err := e.a.DB.GetContext(e.ctx, &n, "SELECT COUNT(*) FROM "+table); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) accountStatus(emp demo.Employee) string {
	e.t.Helper()
	var st string
	if err := e.a.DB.GetContext(e.ctx, &st, `SELECT status FROM employee_account WHERE account_no = ?`, emp.AccountNo); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// setRules adds a withdraw.rules version effective on the business date,
// changed by change (approved by a maker and a checker, as the change-request
// service would).
func (e *env) setRules(change func(d *rules.Doc)) {
	e.t.Helper()
	d := rules.Default()
	change(d)
	b, err := json.Marshal(d)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := rules.Parse(string(b)); err != nil {
		e.t.Fatalf("test rules: %v", err)
	}
	if err := e.a.DB.InTx(e.ctx, func(tx *db.Tx) error {
		return e.a.Policy.AddVersion(e.ctx, tx, policy.Version{Key: policy.WithdrawRules, Value: string(b), EffectiveFrom: e.today,
			CreatedBy: "staff:maker", ApprovedBy: "staff:checker"})
	}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) verify() {
	e.t.Helper()
	apitest.VerifyClean(e.t, e.a)
}

// codeOf is the errs code of err ("" for nil).
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return errs.CodeOf(err)
}

func isCode(err error, code string) bool { return err != nil && errors.Is(err, errs.New("", code, "")) }

// Demo employees.
var (
	wang  = demo.Employees[0] // 王建国, female ID 1949 (retirement age), 86,421.00
	li    = demo.Employees[1] // 李明, male 1988, 53,210.00
	chen  = demo.Employees[2] // 陈芳, 12,888.88
	zhang = demo.Employees[3] // 张伟, 4,567.00
)

func rentInput(emp demo.Employee, amount money.Fen) withdrawal.Input {
	return withdrawal.Input{Reason: "rent", Amount: amount, BankCard: demo.BankCard(emp), SMSCode: goodCode}
}
