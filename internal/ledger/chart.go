package ledger

import "context"

// The center's chart of accounts (DESIGN §4 "business drives accounting").
// Account codes are stable identifiers; names are Chinese for statements.
// Per-owner accounts are opened by the core when the owner is created.
const (
	// CodeBankDeposit is the entrusted-bank deposit account (asset) that
	// receives remittances and pays withdrawals; one per settlement bank.
	CodeBankDeposit = "1002-BANK-"
	// CodeLoanReceivable prefixes per-loan principal receivable accounts (asset).
	CodeLoanReceivable = "1301-LOAN-"
	// CodeUnitSuspense prefixes per-unit 暂收未分摊 suspense accounts (liability).
	CodeUnitSuspense = "2101-SUSP-"
	// CodePersonal prefixes personal fund accounts (liability to the employee,
	// never below zero).
	CodePersonal = "2201-PF-"
	// CodeWithdrawalClearing is withdrawals payable until the bank confirms (liability).
	CodeWithdrawalClearing = "2301-CLEARING"
	// CodeInterestExpense is interest on deposits (expense).
	CodeInterestExpense = "5101-INT-EXP"
	// CodeLoanInterestIncome is loan interest income (income).
	CodeLoanInterestIncome = "6001-LOAN-INT"
	// CodePenaltyIncome is overdue penalty interest income (income).
	CodePenaltyIncome = "6002-PENALTY"
	// CodeReconciliation holds bank-statement differences until resolved (liability, may overdraw).
	CodeReconciliation = "2901-RECON"
)

// PersonalCode returns the ledger code of an employee's fund account.
func PersonalCode(accountNo string) string { return CodePersonal + accountNo }

// LoanCode returns the ledger code of a loan's principal receivable (asset,
// never below zero): CodeLoanReceivable + the loan account number (贷款账号).
// The loan core opens it at disbursement.
func LoanCode(loanNo string) string { return CodeLoanReceivable + loanNo }

// BankCode returns the ledger code of the deposit account at a settlement bank
// (bank code = first three digits of its CNAPS number).
func BankCode(bank string) string { return CodeBankDeposit + bank }

// CenterAccounts are the center-level accounts every deployment has; bank is
// the default settlement bank's code.
func CenterAccounts(bank string) []AccountSpec {
	return []AccountSpec{
		{Code: BankCode(bank), Name: "委托银行存款", Type: Asset, OwnerType: "center", OwnerID: "center", AllowOverdraft: true},
		{Code: CodeWithdrawalClearing, Name: "提取支付清算", Type: Liability, OwnerType: "center", OwnerID: "center"},
		{Code: CodeInterestExpense, Name: "住房公积金利息支出", Type: Expense, OwnerType: "center", OwnerID: "center"},
		{Code: CodeLoanInterestIncome, Name: "贷款利息收入", Type: Income, OwnerType: "center", OwnerID: "center"},
		{Code: CodePenaltyIncome, Name: "罚息收入", Type: Income, OwnerType: "center", OwnerID: "center"},
		{Code: CodeReconciliation, Name: "银行对账差额", Type: Liability, OwnerType: "center", OwnerID: "center", AllowOverdraft: true},
	}
}

// EnsureCenterAccounts opens the center-level accounts that do not exist yet.
func (l *Ledger) EnsureCenterAccounts(ctx context.Context, bank string) error {
	for _, s := range CenterAccounts(bank) {
		if _, err := l.OpenAccount(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
