package exchange_test

import (
	"context"
	"errors"
	"testing"

	"gjj/internal/exchange"
	"gjj/internal/platform/errs"
)

// TestPaymentQuery: the simulator's status query answers the result of an
// executed instruction even when its callback was held back, pending while
// stalled, unknown when the bank dropped the instruction or never got it,
// and unavailable while down.
func TestPaymentQuery(t *testing.T) {
	ctx := context.Background()
	order := func(serial, card string) exchange.PaymentOrder {
		return exchange.PaymentOrder{Serial: serial, BankCode: "102", PayeeCard: card, PayeeName: "李明", Amount: 100}
	}
	is := func(err error, want *errs.Error) bool { return err != nil && errors.Is(err, want) }
	cases := []struct {
		name  string
		setup func(sim *exchange.PaymentSimulator)
		card  string
		paid  bool
		want  *errs.Error // nil: a result
	}{
		{"held callback, paid", func(sim *exchange.PaymentSimulator) { sim.Hold(true) }, "6222020200001201", true, nil},
		{"held callback, failed", func(sim *exchange.PaymentSimulator) {
			sim.Hold(true)
			sim.FailCard("6222020200001299", "账户已销户")
		}, "6222020200001299", false, nil},
		{"stalled", func(sim *exchange.PaymentSimulator) { sim.Stall(true) }, "6222020200001201", false, exchange.ErrPaymentPending},
		{"dropped", func(sim *exchange.PaymentSimulator) { sim.Drop(true) }, "6222020200001201", false, exchange.ErrUnknownPayment},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := exchange.NewPaymentSimulator()
			delivered := 0
			sim.SetCallback(func(context.Context, exchange.PaymentResult) error { delivered++; return nil })
			c.setup(sim)
			if err := sim.Pay(ctx, order("S-1", c.card)); err != nil {
				t.Fatal(err)
			}
			r, err := sim.Query(ctx, "S-1")
			switch {
			case c.want != nil && !is(err, c.want):
				t.Fatalf("query: %v, want %s", err, c.want.Code)
			case c.want == nil && (err != nil || r.Serial != "S-1" || r.Paid != c.paid || (r.Paid && r.BankSerial == "") || (!r.Paid && r.Reason == "")):
				t.Fatalf("query: %+v %v", r, err)
			}
			if delivered != 0 {
				t.Errorf("callback delivered %d times", delivered)
			}
		})
	}
	sim := exchange.NewPaymentSimulator()
	if _, err := sim.Query(ctx, "never"); !is(err, exchange.ErrUnknownPayment) {
		t.Errorf("unknown serial: %v", err)
	}
	sim.Stall(true)
	_ = sim.Pay(ctx, order("S-2", "6222020200001201"))
	sim.Stall(false)
	if r, err := sim.Query(ctx, "S-2"); err != nil || !r.Paid {
		t.Errorf("after the stall: %+v %v", r, err)
	}
	sim.Down(true)
	if _, err := sim.Query(ctx, "S-2"); !is(err, exchange.ErrPaymentUnavailable) {
		t.Errorf("down: %v", err)
	}
	if sim.Queries() != 3 {
		t.Errorf("queries %d", sim.Queries())
	}
}
