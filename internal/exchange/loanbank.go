package exchange

import (
	"context"
	"sort"
	"sync"

	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// SellerPayment is a transfer of disbursed loan money from the center's
// account at the entrusted bank to the seller's account (放款至售房人账户).
type SellerPayment struct {
	Serial      string // the platform's serial; a retry with the same serial pays once
	AccountNo   string // seller's account (售房人账号)
	AccountName string // seller's name (售房人名称)
	BankName    string // seller's bank
	Amount      money.Fen
	Memo        string
}

// DebitOrder asks the bank to debit a borrower's repayment account (委托扣款)
// and credit the center's account.
type DebitOrder struct {
	Serial string // the platform's serial; a retry with the same serial debits once
	Card   string // the repayment account (还款账号)
	Name   string // account holder
	Amount money.Fen
	On     date.Date
}

// BankResult is the bank's answer to a payment or a debit. A refused order
// (insufficient funds, closed account, wrong name) is OK false with the
// reason, not an error; errors mean the bank could not be asked.
type BankResult struct {
	Serial     string
	OK         bool
	BankSerial string // the bank's own serial of an executed order
	Reason     string // Chinese reason of a refusal
}

// LoanBank is what the loan core asks of the entrusted bank (受委托银行).
// Both calls are idempotent by serial: asking again returns the first answer
// and moves no money twice.
type LoanBank interface {
	PaySeller(ctx context.Context, p SellerPayment) (BankResult, error)
	Debit(ctx context.Context, d DebitOrder) (BankResult, error)
}

// ErrBankUnavailable means the bank could not be reached; nothing is known to
// have happened and a retry with the same serial is safe.
var ErrBankUnavailable = errs.New(errs.Unavailable, "exchange.bank_unavailable", "银行系统暂时无法连接，请稍后再试")

// LoanBankSimulator is an in-process entrusted bank for loans: seller
// payments always succeed unless the seller's account is marked rejecting;
// debits succeed unless the card has a set balance that does not cover them
// (then the balance shrinks as debits succeed). Cards never given a balance
// have no limit. Answers are remembered by serial. State lives in memory only;
// safe for concurrent use.
type LoanBankSimulator struct {
	mu       sync.Mutex
	results  map[string]BankResult
	payments []SellerPayment
	debits   []DebitOrder
	balances map[string]money.Fen
	rejected map[string]bool
	down     bool
	seq      int64
}

// NewLoanBankSimulator returns a simulated bank with no limits.
func NewLoanBankSimulator() *LoanBankSimulator {
	return &LoanBankSimulator{results: map[string]BankResult{}, balances: map[string]money.Fen{}, rejected: map[string]bool{}}
}

// SetCardBalance limits what debits may take from the card from now on.
func (s *LoanBankSimulator) SetCardBalance(card string, balance money.Fen) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balances[card] = balance
}

// UnlimitCard removes the card's balance limit.
func (s *LoanBankSimulator) UnlimitCard(card string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.balances, card)
}

// RejectSeller makes payments to the seller account fail (e.g. closed account).
func (s *LoanBankSimulator) RejectSeller(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[account] = true
}

// SetDown makes every call fail with ErrBankUnavailable (true) or work again.
func (s *LoanBankSimulator) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Payments returns the executed seller payments, oldest first.
func (s *LoanBankSimulator) Payments() []SellerPayment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SellerPayment(nil), s.payments...)
}

// Debits returns the executed debits, oldest first.
func (s *LoanBankSimulator) Debits() []DebitOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]DebitOrder(nil), s.debits...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].On.Before(out[j].On) })
	return out
}

// PaySeller implements LoanBank.
func (s *LoanBankSimulator) PaySeller(_ context.Context, p SellerPayment) (BankResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return BankResult{}, ErrBankUnavailable
	}
	if r, ok := s.results[p.Serial]; ok {
		return r, nil
	}
	r := BankResult{Serial: p.Serial}
	switch {
	case p.Amount <= 0 || p.AccountNo == "":
		r.Reason = "收款账户或金额不正确"
	case s.rejected[p.AccountNo]:
		r.Reason = "收款账户状态异常，银行退回"
	default:
		s.seq++
		r.OK, r.BankSerial = true, bankSerial("PAY", s.seq)
		s.payments = append(s.payments, p)
	}
	s.results[p.Serial] = r
	return r, nil
}

// Debit implements LoanBank.
func (s *LoanBankSimulator) Debit(_ context.Context, d DebitOrder) (BankResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return BankResult{}, ErrBankUnavailable
	}
	if r, ok := s.results[d.Serial]; ok {
		return r, nil
	}
	r := BankResult{Serial: d.Serial}
	bal, limited := s.balances[d.Card]
	switch {
	case d.Amount <= 0 || d.Card == "":
		r.Reason = "扣款账户或金额不正确"
	case limited && bal < d.Amount:
		r.Reason = "还款账户余额不足"
	default:
		if limited {
			s.balances[d.Card] = bal - d.Amount
		}
		s.seq++
		r.OK, r.BankSerial = true, bankSerial("DEB", s.seq)
		s.debits = append(s.debits, d)
	}
	s.results[d.Serial] = r
	return r, nil
}

func bankSerial(prefix string, n int64) string {
	const digits = "0123456789"
	b := []byte(prefix + "000000000000")
	for i := len(b) - 1; n > 0 && i >= len(prefix); i-- {
		b[i] = digits[n%10]
		n /= 10
	}
	return string(b)
}
