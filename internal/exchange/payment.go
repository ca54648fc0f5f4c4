package exchange

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// PaymentOrder is a payment instruction (付款指令) to the settlement bank:
// pay Amount from the center's account to the payee's card. Serial is the
// platform's unique instruction number; the bank executes an instruction
// once however often it is sent.
type PaymentOrder struct {
	Serial    string
	BankCode  string // the paying settlement bank
	PayeeCard string
	PayeeName string
	Amount    money.Fen
	Memo      string
}

// PaymentResult is the bank's answer to an instruction, delivered by its
// result callback (付款结果通知): paid with the bank's settlement serial, or
// failed with a reason. A bank may deliver the same result more than once.
type PaymentResult struct {
	Serial     string // the instruction's serial
	Paid       bool
	BankSerial string // 银行结算流水号 when paid
	Reason     string // why it failed (Chinese, from the bank), when not paid
}

// Payments is the settlement bank's payment service.
type Payments interface {
	// Pay hands the bank an instruction. nil means the bank accepted it; the
	// result comes later through the callback. Sending an instruction whose
	// serial the bank has seen is accepted again and executes nothing new.
	// ErrPaymentUnavailable when the bank cannot be reached (send again later).
	Pay(ctx context.Context, o PaymentOrder) error
	// Query asks the bank for the result of the instruction with the serial
	// (付款结果查询), for when its callback never arrived: the result once
	// the bank has executed it; ErrPaymentPending while the bank still
	// works on it; ErrUnknownPayment when the bank never received it (send
	// it again); ErrPaymentUnavailable when the bank cannot be reached.
	Query(ctx context.Context, serial string) (PaymentResult, error)
}

// PaymentCallback receives the bank's payment results (the withdrawal core's
// result handler). It must be idempotent.
type PaymentCallback func(ctx context.Context, r PaymentResult) error

// Errors of payments.
var (
	ErrPaymentUnavailable = errs.New(errs.Unavailable, "exchange.payment_unavailable", "银行付款服务暂不可用，付款指令将稍后重发")
	ErrBadPaymentOrder    = errs.New(errs.Invalid, "exchange.bad_payment_order", "付款指令不完整")
	ErrUnknownPayment     = errs.New(errs.NotFound, "exchange.unknown_payment", "银行未收到该付款指令")
	ErrPaymentPending     = errs.New(errs.Conflict, "exchange.payment_pending", "银行仍在处理该付款指令")
)

// PaymentSimulator is an in-process settlement bank for payouts (embedded
// default, demos, tests). By default every instruction is paid at once: the
// result is delivered to the callback before Pay returns (the bank's callback
// arriving right after it accepted the instruction). Hold keeps results back
// until Deliver (the callback that never arrives unless asked: Query still
// answers the result); Drop loses instructions that Pay accepted (the bank
// never got them: Query answers ErrUnknownPayment); Stall keeps new
// instructions unexecuted (Query answers ErrPaymentPending) until
// Stall(false); FailCard makes payments to a card fail; Down makes Pay and
// Query answer ErrPaymentUnavailable. Safe for concurrent use.
type PaymentSimulator struct {
	mu       sync.Mutex
	callback PaymentCallback
	hold     bool
	down     bool
	drop     bool
	stall    bool
	queries  int
	failing  map[string]string // card → reason
	orders   map[string]PaymentOrder
	seq      []string // serials in order of arrival
	results  map[string]PaymentResult
	bankSeq  int
}

// NewPaymentSimulator returns a simulator that pays every instruction at once.
func NewPaymentSimulator() *PaymentSimulator {
	return &PaymentSimulator{failing: map[string]string{}, orders: map[string]PaymentOrder{}, results: map[string]PaymentResult{}}
}

// SetCallback sets where results are delivered (the wiring calls it once).
func (s *PaymentSimulator) SetCallback(cb PaymentCallback) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callback = cb
}

// Hold keeps results back until Deliver (true) or delivers them at once (false).
func (s *PaymentSimulator) Hold(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = hold
}

// Down makes Pay fail with ErrPaymentUnavailable (true) or work again (false).
func (s *PaymentSimulator) Down(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// FailCard makes payments to the card fail with the reason ("" stops it).
func (s *PaymentSimulator) FailCard(card, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if reason == "" {
		delete(s.failing, card)
		return
	}
	s.failing[card] = reason
}

// Orders returns the instructions received, in order of first arrival.
func (s *PaymentSimulator) Orders() []PaymentOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]PaymentOrder, 0, len(s.seq))
	for _, serial := range s.seq {
		out = append(out, s.orders[serial])
	}
	return out
}

// Pay implements Payments.
func (s *PaymentSimulator) Pay(ctx context.Context, o PaymentOrder) error {
	if strings.TrimSpace(o.Serial) == "" || o.PayeeCard == "" || o.Amount <= 0 {
		return ErrBadPaymentOrder
	}
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		return ErrPaymentUnavailable
	}
	if s.drop {
		s.mu.Unlock()
		return nil // accepted, then lost on the bank's side
	}
	if _, seen := s.orders[o.Serial]; !seen {
		s.orders[o.Serial] = o
		s.seq = append(s.seq, o.Serial)
		if !s.stall {
			s.execute(o)
		}
	}
	if _, done := s.results[o.Serial]; !done {
		s.mu.Unlock()
		return nil // stalled: the bank works on it
	}
	hold := s.hold
	s.mu.Unlock()
	if hold {
		return nil
	}
	// A resent instruction gets its (first) result again, as a real bank's
	// repeated notification would. The bank accepted the instruction either
	// way: a callback that fails is the bank's to repeat (Deliver, or the
	// platform sending the instruction again), not a refusal of Pay.
	_ = s.Deliver(ctx, o.Serial)
	return nil
}

// execute decides an instruction's result (s.mu held).
func (s *PaymentSimulator) execute(o PaymentOrder) {
	r := PaymentResult{Serial: o.Serial, Paid: true}
	if why, ok := s.failing[o.PayeeCard]; ok {
		r = PaymentResult{Serial: o.Serial, Reason: why}
	} else {
		s.bankSeq++
		r.BankSerial = fmt.Sprintf("SIM%012d", s.bankSeq)
	}
	s.results[o.Serial] = r
}

// Drop makes the bank lose the instructions Pay accepts (true) or keep them
// again (false).
func (s *PaymentSimulator) Drop(drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = drop
}

// Stall keeps new instructions unexecuted (true); Stall(false) executes the
// waiting ones (their results are delivered only on Deliver, a resend or
// Query).
func (s *PaymentSimulator) Stall(stall bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall = stall
	if stall {
		return
	}
	for _, serial := range s.seq {
		if _, done := s.results[serial]; !done {
			s.execute(s.orders[serial])
		}
	}
}

// Queries is how many times Query was called.
func (s *PaymentSimulator) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// Query implements Payments: the result of an executed instruction (also
// in Hold mode, where its callback is never delivered).
func (s *PaymentSimulator) Query(_ context.Context, serial string) (PaymentResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries++
	if s.down {
		return PaymentResult{}, ErrPaymentUnavailable
	}
	if _, seen := s.orders[serial]; !seen {
		return PaymentResult{}, ErrUnknownPayment.With("serial", serial)
	}
	r, done := s.results[serial]
	if !done {
		return PaymentResult{}, ErrPaymentPending.With("serial", serial)
	}
	return r, nil
}

// Deliver sends the result of the instruction to the callback (again, if it
// was delivered before). ErrUnknownPayment when no such instruction arrived.
func (s *PaymentSimulator) Deliver(ctx context.Context, serial string) error {
	s.mu.Lock()
	r, ok := s.results[serial]
	cb := s.callback
	s.mu.Unlock()
	if !ok {
		return ErrUnknownPayment.With("serial", serial)
	}
	if cb == nil {
		return nil
	}
	return cb(ctx, r)
}
