package exchange

import (
	"context"
	"slices"
	"strings"
	"sync"

	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
)

// PurchaseContract is a home purchase contract as the housing authority's
// online signing and filing system (网签备案) records it.
type PurchaseContract struct {
	ContractNo string
	// BuyerIDs are the buyers' resident ID numbers (upper-case X).
	BuyerIDs []string
	Address  string
	// Price is the total price; Loan the part financed by a mortgage (0 for
	// a purchase without loan).
	Price    money.Fen
	Loan     money.Fen
	SignedOn date.Date
}

// LeaseContract is a registered residential lease (租赁合同备案).
type LeaseContract struct {
	ContractNo  string
	TenantID    string // the tenant's resident ID number
	Address     string
	MonthlyRent money.Fen
	From, To    date.Date
	// Public marks public rental housing (公租房).
	Public bool
}

// Contracts is the 网签备案 system: purchase and lease contracts by number.
type Contracts interface {
	// PurchaseContract returns the purchase contract with the number, or
	// ErrUnknownContract.
	PurchaseContract(ctx context.Context, contractNo string) (PurchaseContract, error)
	// LeaseContract returns the lease contract with the number, or
	// ErrUnknownContract.
	LeaseContract(ctx context.Context, contractNo string) (LeaseContract, error)
}

// Property is the real-estate registry (不动产登记).
type Property interface {
	// HomesOwned returns how many homes in the city are registered to the
	// person with the resident ID number (0 when none).
	HomesOwned(ctx context.Context, idNumber string) (int, error)
}

// ErrUnknownContract means the registry has no contract with that number.
var ErrUnknownContract = errs.New(errs.NotFound, "exchange.unknown_contract", "网签备案系统未查到该合同，请核对合同备案号")

// HousingSimulator is an in-process 网签备案 and 不动产登记 for the embedded
// default, demos and tests: contracts are known when added, and a person
// owns the number of homes set with SetHomes (none otherwise). Safe for
// concurrent use.
type HousingSimulator struct {
	mu        sync.Mutex
	purchases map[string]PurchaseContract
	leases    map[string]LeaseContract
	homes     map[string]int
}

// NewHousingSimulator returns a simulator that knows no contracts and no homes.
func NewHousingSimulator() *HousingSimulator {
	return &HousingSimulator{purchases: map[string]PurchaseContract{}, leases: map[string]LeaseContract{}, homes: map[string]int{}}
}

// AddPurchase records a purchase contract (replacing one with the same number).
func (s *HousingSimulator) AddPurchase(c PurchaseContract) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.BuyerIDs = slices.Clone(c.BuyerIDs)
	for i, id := range c.BuyerIDs {
		c.BuyerIDs[i] = normID(id)
	}
	s.purchases[strings.TrimSpace(c.ContractNo)] = c
}

// AddLease records a lease contract (replacing one with the same number).
func (s *HousingSimulator) AddLease(c LeaseContract) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.TenantID = normID(c.TenantID)
	s.leases[strings.TrimSpace(c.ContractNo)] = c
}

// SetHomes sets how many homes the person owns in the city.
func (s *HousingSimulator) SetHomes(idNumber string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.homes[normID(idNumber)] = n
}

// PurchaseContract implements Contracts.
func (s *HousingSimulator) PurchaseContract(_ context.Context, contractNo string) (PurchaseContract, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.purchases[strings.TrimSpace(contractNo)]
	if !ok {
		return PurchaseContract{}, ErrUnknownContract.With("contract_no", contractNo)
	}
	c.BuyerIDs = slices.Clone(c.BuyerIDs)
	return c, nil
}

// LeaseContract implements Contracts.
func (s *HousingSimulator) LeaseContract(_ context.Context, contractNo string) (LeaseContract, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.leases[strings.TrimSpace(contractNo)]
	if !ok {
		return LeaseContract{}, ErrUnknownContract.With("contract_no", contractNo)
	}
	return c, nil
}

// HomesOwned implements Property.
func (s *HousingSimulator) HomesOwned(_ context.Context, idNumber string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.homes[normID(idNumber)], nil
}

func normID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }
