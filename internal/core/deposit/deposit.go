// Package deposit is the deposit core (缴存/归集): unit accounts (单位账户),
// employee accounts (个人账户), wage bases and ratios, monthly remittance
// (汇缴), supplementary payment (补缴), deferral (缓缴), bank receipts and the
// unallocated suspense (暂收未分摊), annual interest settlement (结息),
// statements and certificates. Rules follow shared/domain.md §1 and §5.
//
// Every money movement goes through the ledger (internal/ledger) in the same
// transaction as the business change, and every change writes an audit record
// in that transaction. Policy values (ratio bounds, base bounds, rounding,
// interest rate and basis) are read for the business date they apply to.
// Channels (the unit hall, the unit API, the admin console) call the Service;
// they never touch the tables.
package deposit

import (
	"context"

	"gjj/internal/audit"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/bizdate"
	"gjj/internal/platform/db"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

// Service runs the deposit business. It is safe for concurrent use.
type Service struct {
	db     *db.DB
	ledger *ledger.Ledger
	audit  *audit.Log
	policy *policy.Store
	dates  *bizdate.Service
	bank   exchange.Bank
	// Bank is the code of the settlement bank whose deposit account receives
	// remittances (ledger.BankCode(Bank)).
	bankCode string
}

// Deps are the services the deposit core uses.
type Deps struct {
	DB       *db.DB
	Ledger   *ledger.Ledger
	Audit    *audit.Log
	Policy   *policy.Store
	Dates    *bizdate.Service
	Bank     exchange.Bank
	BankCode string // settlement bank code, e.g. "102"
}

// New returns the deposit service.
func New(d Deps) *Service {
	return &Service{db: d.DB, ledger: d.Ledger, audit: d.Audit, policy: d.Policy, dates: d.Dates, bank: d.Bank, bankCode: d.BankCode}
}

func actorID(ctx context.Context) string { return reqctx.ActorOf(ctx).ID }
