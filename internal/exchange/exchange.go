// Package exchange is the platform's border with outside systems: the
// entrusted banks (incoming transfers, payments, statements) and, as their
// issues land, 网签备案, 不动产登记, the national transfer platform and civil
// affairs. Each outside system is a small interface here with a local
// simulator for the embedded default, demos and tests; production drivers talk
// to the real systems through configuration.
package exchange

import (
	"context"
	"sync"

	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// Receipt is an incoming transfer credited to the center's account at a
// settlement bank (a line of the bank statement, 银行结算流水).
type Receipt struct {
	Serial       string    // the bank's settlement serial (银行结算流水号), unique per bank
	BankCode     string    // settlement bank (first three digits of its CNAPS number)
	Amount       money.Fen // always positive
	PayerAccount string
	PayerName    string
	Memo         string
	ReceivedOn   date.Date
}

// Bank is what the platform asks of a settlement bank.
type Bank interface {
	// Receipt returns the incoming transfer with the serial, or ErrUnknownReceipt.
	Receipt(ctx context.Context, serial string) (Receipt, error)
}

// ErrUnknownReceipt means the bank has no incoming transfer with that serial.
var ErrUnknownReceipt = errs.New(errs.NotFound, "exchange.unknown_receipt", "银行未查到该笔到账流水，请核对银行流水号")

// Simulator is an in-process bank: tests, demos and the embedded default
// register incoming transfers with Credit and the platform finds them with
// Receipt. Its state lives in memory only. Safe for concurrent use.
type Simulator struct {
	mu       sync.Mutex
	receipts map[string]Receipt
}

// NewSimulator returns an empty simulated bank.
func NewSimulator() *Simulator { return &Simulator{receipts: map[string]Receipt{}} }

// Credit records an incoming transfer. A serial seen before keeps its first
// record (banks never reuse serials) and Credit reports false.
func (s *Simulator) Credit(r Receipt) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.receipts[r.Serial]; ok {
		return false
	}
	s.receipts[r.Serial] = r
	return true
}

// Receipt implements Bank.
func (s *Simulator) Receipt(_ context.Context, serial string) (Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.receipts[serial]
	if !ok {
		return Receipt{}, ErrUnknownReceipt.With("bank_serial", serial)
	}
	return r, nil
}
