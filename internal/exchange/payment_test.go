package exchange_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"gjj/internal/exchange"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
)

type results struct {
	mu  sync.Mutex
	got []exchange.PaymentResult
}

func (r *results) take(_ context.Context, p exchange.PaymentResult) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, p)
	return nil
}

func TestPaymentSimulator(t *testing.T) {
	ctx := context.Background()
	sim := exchange.NewPaymentSimulator()
	var res results
	sim.SetCallback(res.take)
	order := exchange.PaymentOrder{Serial: "P1", BankCode: "102", PayeeCard: "6222020200001201", PayeeName: "王建国", Amount: money.Yuan(10)}

	if err := sim.Pay(ctx, exchange.PaymentOrder{Serial: "", PayeeCard: "1", Amount: 1}); !errors.Is(err, exchange.ErrBadPaymentOrder) {
		t.Errorf("order without serial: %v", err)
	}
	if err := sim.Pay(ctx, order); err != nil {
		t.Fatal(err)
	}
	// Sent again: executed once, the same result delivered again.
	if err := sim.Pay(ctx, order); err != nil {
		t.Fatal(err)
	}
	if len(sim.Orders()) != 1 || len(res.got) != 2 || res.got[0] != res.got[1] || !res.got[0].Paid || res.got[0].BankSerial == "" {
		t.Fatalf("orders %v results %+v", sim.Orders(), res.got)
	}

	sim.FailCard("6222020200001209", "户名不符")
	sim.Hold(true)
	failing := order
	failing.Serial, failing.PayeeCard = "P2", "6222020200001209"
	if err := sim.Pay(ctx, failing); err != nil {
		t.Fatal(err)
	}
	if len(res.got) != 2 {
		t.Fatal("a held result was delivered")
	}
	if err := sim.Deliver(ctx, "P2"); err != nil {
		t.Fatal(err)
	}
	if last := res.got[len(res.got)-1]; last.Paid || last.Reason != "户名不符" || last.Serial != "P2" {
		t.Errorf("failed payment %+v", last)
	}
	if err := sim.Deliver(ctx, "P9"); !errors.Is(err, exchange.ErrUnknownPayment) {
		t.Errorf("unknown serial: %v", err)
	}
	sim.Down(true)
	if err := sim.Pay(ctx, exchange.PaymentOrder{Serial: "P3", PayeeCard: "1", Amount: 1}); !errors.Is(err, exchange.ErrPaymentUnavailable) {
		t.Errorf("bank down: %v", err)
	}
	if len(sim.Orders()) != 2 {
		t.Errorf("an order was taken while down: %v", sim.Orders())
	}
}

func TestHousingSimulator(t *testing.T) {
	ctx := context.Background()
	sim := exchange.NewHousingSimulator()
	sim.AddPurchase(exchange.PurchaseContract{ContractNo: "HT-1", BuyerIDs: []string{"11010519491231002x"}, Price: money.Yuan(100),
		SignedOn: date.MustParse("2026-01-02")})
	c, err := sim.PurchaseContract(ctx, " HT-1 ")
	if err != nil || c.BuyerIDs[0] != "11010519491231002X" {
		t.Fatalf("%+v %v", c, err)
	}
	c.BuyerIDs[0] = "changed"
	if again, _ := sim.PurchaseContract(ctx, "HT-1"); again.BuyerIDs[0] != "11010519491231002X" {
		t.Error("the simulator shares its buyer list")
	}
	if _, err := sim.PurchaseContract(ctx, "HT-2"); !errors.Is(err, exchange.ErrUnknownContract) {
		t.Errorf("unknown contract: %v", err)
	}
	sim.AddLease(exchange.LeaseContract{ContractNo: "ZL-1", TenantID: "35010319950203125x", MonthlyRent: money.Yuan(2_000)})
	if l, err := sim.LeaseContract(ctx, "ZL-1"); err != nil || l.TenantID != "35010319950203125X" {
		t.Errorf("lease %+v %v", l, err)
	}
	if _, err := sim.LeaseContract(ctx, "ZL-2"); !errors.Is(err, exchange.ErrUnknownContract) {
		t.Errorf("unknown lease: %v", err)
	}
	if n, _ := sim.HomesOwned(ctx, "350102198805123011"); n != 0 {
		t.Errorf("homes %d", n)
	}
	sim.SetHomes("11010519491231002x", 2)
	if n, _ := sim.HomesOwned(ctx, "11010519491231002X"); n != 2 {
		t.Errorf("homes %d", n)
	}
}
