package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/core/withdrawal"
	"gjj/internal/demo"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

type acceptCode struct{}

func (acceptCode) StepUp(context.Context, *identity.Principal, string) error { return nil }

// TestWithdrawalsResend: an approved withdrawal whose instruction the bank
// did not accept stays paying until `gjj withdrawals resend` sends it again.
func TestWithdrawalsResend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	a := apitest.OpenApp(t, "sqlite:"+path)
	bank := exchange.NewPaymentSimulator()
	bank.Down(true)
	svc := withdrawal.New(withdrawal.Deps{DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		StepUp: acceptCode{}, Contracts: a.Housing, Property: a.Housing, Payments: bank, BankCode: app.SettlementBank})
	li := demo.Employees[1]
	ctx := context.Background()
	var personID int64
	if err := a.DB.GetContext(ctx, &personID, `SELECT id FROM person WHERE id_number = ?`, li.IDNumber); err != nil {
		t.Fatal(err)
	}
	p := &identity.Principal{Kind: "person", SubjectID: personID, Subject: fmt.Sprintf("person:%d", personID), Level: 2}
	r, err := svc.Submit(reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: "app"}), p, "k1",
		withdrawal.Input{Reason: "rent", Amount: money.Yuan(1_000), BankCard: demo.BankCard(li), SMSCode: "123456"})
	if err != nil || r.Status != withdrawal.StatusPaying {
		t.Fatalf("%+v %v", r, err)
	}

	if code, _, errOut := gjj(t, path, "withdrawals", "resend", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("extra argument: %d %q", code, errOut)
	}
	// The first attempt was not accepted: it counts as never sent, whatever
	// --older-than says.
	if code, out, errOut := gjj(t, path, "withdrawals", "resend", "--older-than", "1h"); code != 0 || out != "sent 1 payment instruction(s) again\n" {
		t.Fatalf("resend: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := gjj(t, path, "withdrawals", "resend", "--older-than", "0s"); code != 0 || out != "sent 0 payment instruction(s) again\n" {
		t.Errorf("nothing left: %d %q %q", code, out, errOut)
	}
	got, err := svc.Get(ctx, r.ID)
	if err != nil || got.Status != withdrawal.StatusPaid {
		t.Fatalf("after resend: %+v %v", got, err)
	}
	apitest.VerifyClean(t, a)
}

// TestWithdrawalsReconcile: an approved withdrawal whose bank callback never
// arrived is asked for by `gjj withdrawals reconcile` once past the timeout;
// the command's bank (a new simulator) never got the instruction, so it is
// sent again and paid — once: a second run asks nothing. gjj eod reports the
// same reconciliation.
func TestWithdrawalsReconcile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gjj.db")
	a := apitest.OpenApp(t, "sqlite:"+path)
	bank := exchange.NewPaymentSimulator()
	bank.Hold(true) // accepted; the callback never comes
	svc := withdrawal.New(withdrawal.Deps{DB: a.DB, Ledger: a.Ledger, Audit: a.Audit, Policy: a.Policy, Dates: a.Dates, Deposit: a.Deposit,
		StepUp: acceptCode{}, Contracts: a.Housing, Property: a.Housing, Payments: bank, BankCode: app.SettlementBank})
	li := demo.Employees[1]
	ctx := context.Background()
	var personID int64
	if err := a.DB.GetContext(ctx, &personID, `SELECT id FROM person WHERE id_number = ?`, li.IDNumber); err != nil {
		t.Fatal(err)
	}
	p := &identity.Principal{Kind: "person", SubjectID: personID, Subject: fmt.Sprintf("person:%d", personID), Level: 2}
	r, err := svc.Submit(reqctx.WithActor(ctx, reqctx.Actor{ID: p.Subject, Channel: "app"}), p, "k1",
		withdrawal.Input{Reason: "rent", Amount: money.Yuan(1_000), BankCard: demo.BankCard(li), SMSCode: "123456"})
	if err != nil || r.Status != withdrawal.StatusPaying {
		t.Fatalf("%+v %v", r, err)
	}
	const none = "withdrawal payouts: 0 asked at the bank, 0 paid, 0 failed and reversed, 0 sent again, 0 pending, 0 errors\n"
	if code, out, errOut := gjj(t, path, "withdrawals", "reconcile"); code != 0 || out != none {
		t.Fatalf("within the timeout: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := gjj(t, path, "withdrawals", "reconcile", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("extra argument: %d %q", code, errOut)
	}
	// The instruction went out an hour ago.
	if _, err := a.DB.ExecContext(ctx, `UPDATE withdrawal_application SET pay_sent_at = ? WHERE id = ?`,
		time.Now().UTC().Add(-time.Hour).Truncate(time.Second), r.ID); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := gjj(t, path, "withdrawals", "reconcile"); code != 0 ||
		out != "withdrawal payouts: 1 asked at the bank, 0 paid, 0 failed and reversed, 1 sent again, 0 pending, 0 errors\n" {
		t.Fatalf("reconcile: %d %q %q", code, out, errOut)
	}
	got, err := svc.Get(ctx, r.ID)
	if err != nil || got.Status != withdrawal.StatusPaid {
		t.Fatalf("after reconcile: %+v %v", got, err)
	}
	if code, out, errOut := gjj(t, path, "eod"); code != 0 || !strings.HasSuffix(out, none) {
		t.Errorf("eod: %d %q %q", code, out, errOut)
	}
	if code, out, _ := gjj(t, path, "ledger", "verify"); code != 0 || !strings.Contains(out, "ledger OK") {
		t.Errorf("ledger verify: %d %q", code, out)
	}
	apitest.VerifyClean(t, a)
}
