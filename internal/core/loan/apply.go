package loan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/core/loan/schedule"
	"gjj/internal/exchange"
	"gjj/internal/ledger"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// Application statuses (domain.md §3.13).
const (
	AppReviewing = "reviewing" // 待审核 (review_level says which level)
	AppApproved  = "approved"  // 待签合同
	AppSigned    = "signed"    // 合同已签订、抵押已登记，待放款
	AppDisbursed = "disbursed" // 已放款
	AppRejected  = "rejected"  // 审核不通过
	AppWithdrawn = "withdrawn" // 已撤回
)

// Review decisions.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// ApplicationInput is a loan application: the quote's figures (Amount
// required) plus the house, the seller and the repayment account.
type ApplicationInput struct {
	QuoteInput
	HouseAddress  string // 房屋坐落
	SellerName    string // 售房人
	SellerAccount string // 售房人账号 (the money goes there)
	SellerBank    string
	// RepayCard is the bank repayment account (还款账号); "" uses the bank
	// card on the borrower's fund account.
	RepayCard string
	// IdempotencyKey makes a retried submission return the first
	// application (same body) or fail with ErrIdempotencyReuse.
	IdempotencyKey string
}

// Review is one review decision.
type Review struct {
	Level     int       `db:"level" json:"level"`
	Decision  string    `db:"decision" json:"decision"`
	Reviewer  string    `db:"reviewer" json:"reviewer"`
	Comment   string    `db:"comment" json:"comment"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Application is a loan application as stored.
type Application struct {
	ID            int64      `db:"id"`
	PersonID      int64      `db:"person_id"`
	AccountNo     string     `db:"account_no"`
	CoPersonID    *int64     `db:"co_person_id"`
	CoAccountNo   string     `db:"co_account_no"`
	Home          Home       `db:"home"`
	HousePrice    money.Fen  `db:"house_price_fen"`
	HouseAddress  string     `db:"house_address"`
	Amount        money.Fen  `db:"amount_fen"`
	TermMonths    int        `db:"term_months"`
	Method        string     `db:"method"`
	Rate          int64      `db:"rate_ppm"`
	Limit         money.Fen  `db:"limit_fen"`
	MonthlyDebt   money.Fen  `db:"monthly_debt_fen"`
	SellerName    string     `db:"seller_name"`
	SellerAccount string     `db:"seller_account"`
	SellerBank    string     `db:"seller_bank"`
	RepayCard     string     `db:"repay_card"`
	QuoteJSON     string     `db:"quote"`
	Status        string     `db:"status"`
	ReviewLevel   int        `db:"review_level"`
	ContractNo    *string    `db:"contract_no"`
	MortgageRef   string     `db:"mortgage_ref"`
	SignedOn      *date.Date `db:"signed_on"`
	LoanNo        *string    `db:"loan_no"`
	Channel       string     `db:"channel"`
	AppliedOn     date.Date  `db:"applied_on"`
	DecidedAt     *time.Time `db:"decided_at"`
	CreatedAt     time.Time  `db:"created_at"`
	IdemHash      string     `db:"idem_hash"`

	// Limits and Checks are the quote the application was made on.
	Limits  []Limit  `db:"-"`
	Checks  []Check  `db:"-"`
	Reviews []Review `db:"-"`
	// Replayed is set when Apply returned an earlier application for the
	// same idempotency key.
	Replayed bool `db:"-"`
}

// StatusName is the Chinese name of the status.
func (a *Application) StatusName() string {
	switch a.Status {
	case AppReviewing:
		if a.ReviewLevel <= 1 {
			return "待初审"
		}
		return fmt.Sprintf("待第%d级审批", a.ReviewLevel)
	case AppApproved:
		return "审批通过，待签合同"
	case AppSigned:
		return "合同已签订，待放款"
	case AppDisbursed:
		return "已放款"
	case AppRejected:
		return "审核不通过"
	case AppWithdrawn:
		return "已撤回"
	}
	return a.Status
}

type quoteRecord struct {
	Limits        []Limit   `json:"limits"`
	Checks        []Check   `json:"checks"`
	LimitFen      money.Fen `json:"limit_fen"`
	MaxTermMonths int       `json:"max_term_months"`
}

const appCols = `id, person_id, account_no, co_person_id, co_account_no, home, house_price_fen, house_address, amount_fen,
	term_months, method, rate_ppm, limit_fen, monthly_debt_fen, seller_name, seller_account, seller_bank, repay_card, quote,
	status, review_level, contract_no, mortgage_ref, signed_on, loan_no, channel, applied_on, decided_at, created_at, idem_hash`

func loadApplication(ctx context.Context, q db.Querier, id int64, lock string) (*Application, error) {
	var a Application
	err := q.GetContext(ctx, &a, `SELECT `+appCols+` FROM loan_application WHERE id = ?`+lock, id)
	if db.NoRows(err) {
		return nil, ErrApplicationNF.With("id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("loan: read application %d: %w", id, err)
	}
	var qr quoteRecord
	if err := json.Unmarshal([]byte(a.QuoteJSON), &qr); err == nil {
		a.Limits, a.Checks = qr.Limits, qr.Checks
	}
	if err := q.SelectContext(ctx, &a.Reviews, `SELECT level, decision, reviewer, comment, created_at FROM loan_review
		WHERE application_id = ? ORDER BY id`, id); err != nil {
		return nil, fmt.Errorf("loan: reviews of %d: %w", id, err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// text trims s and checks its length (1..max runes, or 0 when optional).
func text(s, field string, maxRunes int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if (required && s == "") || utf8.RuneCountInString(s) > maxRunes || !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\t") {
		return "", ErrInvalidInput.With("field", field)
	}
	return s, nil
}

// accountText checks a bank account number: 6–32 digits.
func accountText(s, field string) (string, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(s) < 6 || len(s) > 32 || strings.Trim(s, "0123456789") != "" {
		return "", ErrInvalidInput.With("field", field)
	}
	return s, nil
}

// Apply files a loan application for the person (the borrower, by the
// session) on the business date: the quote's checks must all pass and the
// amount must be asked for; the application goes to the first review level.
// One open application per person (borrower or co-borrower); a retry with
// the same idempotency key returns the first application. Personal channels
// call it for the signed-in person (real-name level L2). Audited
// (loan.apply).
//
// Errors: ErrInvalidInput (field named), the Quote errors; ErrNotEligible
// (errs.Conflict; Details rule = the first failed check, checks = all of
// them); ErrApplicationOpen; ErrIdempotencyReuse.
func (s *Service) Apply(ctx context.Context, personID int64, in ApplicationInput) (*Application, error) {
	var err error
	if in.Amount <= 0 {
		return nil, ErrInvalidInput.With("field", "amount_fen")
	}
	if in.HouseAddress, err = text(in.HouseAddress, "house_address", 200, true); err != nil {
		return nil, err
	}
	if in.SellerName, err = text(in.SellerName, "seller_name", 100, true); err != nil {
		return nil, err
	}
	if in.SellerBank, err = text(in.SellerBank, "seller_bank", 100, true); err != nil {
		return nil, err
	}
	if in.SellerAccount, err = accountText(in.SellerAccount, "seller_account"); err != nil {
		return nil, err
	}
	if in.RepayCard != "" {
		if in.RepayCard, err = accountText(in.RepayCard, "repay_card"); err != nil {
			return nil, err
		}
	}
	key := strings.TrimSpace(in.IdempotencyKey)
	if key != "" {
		if _, err := ident.ParseSerial(key); err != nil {
			return nil, ErrInvalidInput.With("field", "idempotency_key")
		}
	}
	hash := applicationHash(in)
	if key != "" {
		if a, err := s.replayApplication(ctx, personID, key, hash); a != nil || err != nil {
			return a, err
		}
	}
	a, err := db.Get(ctx, s.db, func(tx *db.Tx) (*Application, error) {
		if open, err := openApplicationOf(ctx, tx, personID); err != nil {
			return nil, err
		} else if open != 0 {
			return nil, ErrApplicationOpen.With("application_id", open)
		}
		qt, err := s.quote(ctx, tx, personID, in.QuoteInput)
		if err != nil {
			return nil, err
		}
		if qt.co != nil {
			if open, err := openApplicationOf(ctx, tx, qt.co.PersonID); err != nil {
				return nil, err
			} else if open != 0 {
				return nil, ErrApplicationOpen.With("application_id", open)
			}
		}
		if failed := qt.Failed(); len(failed) > 0 {
			return nil, notEligible(failed, qt.Checks)
		}
		card := in.RepayCard
		if card == "" {
			card = qt.borrower.BankCard
		}
		if card == "" {
			return nil, ErrInvalidInput.With("field", "repay_card")
		}
		rec, _ := json.Marshal(quoteRecord{Limits: qt.Limits, Checks: qt.Checks, LimitFen: qt.Limit, MaxTermMonths: qt.MaxTermMonths})
		var coID any
		coAcct := ""
		if qt.co != nil {
			coID, coAcct = qt.co.PersonID, qt.co.AccountNo
		}
		var idem any
		if key != "" {
			idem = key
		}
		now := db.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO loan_application (person_id, account_no, co_person_id, co_account_no, home,
			house_price_fen, house_address, amount_fen, term_months, method, rate_ppm, limit_fen, monthly_debt_fen, seller_name,
			seller_account, seller_bank, repay_card, quote, status, review_level, mortgage_ref, channel, idem_key, idem_hash,
			open_person_id, applied_on, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, '', ?, ?, ?, ?, ?, ?)`,
			personID, qt.borrower.AccountNo, coID, coAcct, string(in.Home), in.HousePrice, in.HouseAddress, qt.Amount,
			in.TermMonths, string(qt.Method), qt.Rate, qt.Limit, in.MonthlyDebt, in.SellerName, in.SellerAccount, in.SellerBank,
			card, string(rec), AppReviewing, channelOf(ctx), idem, hash, personID, qt.On, now)
		if db.IsDuplicate(err) {
			return nil, fmt.Errorf("%w: application of person %d raced", db.ErrRetry, personID)
		}
		if err != nil {
			return nil, fmt.Errorf("loan: insert application: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.apply", Object: appObject(id), After: audit.Summary(map[string]any{
			"account_no": qt.borrower.AccountNo, "co_account_no": coAcct, "amount_fen": qt.Amount, "term_months": in.TermMonths,
			"method": qt.Method, "rate_ppm": qt.Rate, "limit_fen": qt.Limit, "home": in.Home, "status": AppReviewing})}); err != nil {
			return nil, err
		}
		return loadApplication(ctx, tx, id, "")
	})
	if err != nil && key != "" && errs.CodeOf(err) == ErrApplicationOpen.Code {
		// A concurrent retry with the same key may have won the race.
		if a, rerr := s.replayApplication(ctx, personID, key, hash); a != nil || rerr != nil {
			return a, rerr
		}
	}
	return a, err
}

func (s *Service) replayApplication(ctx context.Context, personID int64, key, hash string) (*Application, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM loan_application WHERE person_id = ? AND idem_key = ?`, personID, key); err != nil {
		return nil, fmt.Errorf("loan: idempotency lookup: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	a, err := loadApplication(ctx, s.db, ids[0], "")
	if err != nil {
		return nil, err
	}
	if a.IdemHash != hash {
		return nil, ErrIdempotencyReuse.With("idempotency_key", key)
	}
	a.Replayed = true
	return a, nil
}

// applicationHash identifies what an application asks for (not the key).
func applicationHash(in ApplicationInput) string {
	in.IdempotencyKey = ""
	b, _ := json.Marshal(in)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func notEligible(failed, all []Check) error {
	e := ErrNotEligible.With("rule", failed[0].Rule).With("checks", all)
	e.Message = "不符合贷款条件：" + failed[0].Detail
	return e
}

func appObject(id int64) string { return fmt.Sprintf("loan_application:%d", id) }

// Application returns an application with its reviews. personID > 0 limits
// it to that person's own applications (as borrower); staff pass 0.
// Errors: ErrApplicationNF (also for another person's application).
func (s *Service) Application(ctx context.Context, personID, id int64) (*Application, error) {
	a, err := loadApplication(ctx, s.db, id, "")
	if err != nil {
		return nil, err
	}
	if personID > 0 && a.PersonID != personID {
		return nil, ErrApplicationNF.With("id", id)
	}
	return a, nil
}

// ApplicationFilter selects applications for Applications.
type ApplicationFilter struct {
	PersonID int64  // > 0: this borrower's only
	Status   string // "" = every status
	Limit    int    // 1..500, default 100
}

// Applications lists applications, newest first: a person's own (personal
// channels) or the review queue by status (staff).
func (s *Service) Applications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	where, args := "1 = 1", []any{}
	if f.PersonID > 0 {
		where += " AND person_id = ?"
		args = append(args, f.PersonID)
	}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, fmt.Sprintf(`SELECT id FROM loan_application WHERE %s ORDER BY id DESC LIMIT %d`, where, f.Limit), args...); err != nil {
		return nil, fmt.Errorf("loan: list applications: %w", err)
	}
	out := make([]Application, 0, len(ids))
	for _, id := range ids {
		a, err := loadApplication(ctx, s.db, id, "")
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}

// Withdraw withdraws (撤回) the person's own application while it is under
// review or waiting for the contract. Audited. Errors: ErrApplicationNF,
// ErrStatus.
func (s *Service) Withdraw(ctx context.Context, personID, id int64) (*Application, error) {
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Application, error) {
		a, err := loadApplication(ctx, tx, id, tx.Dialect.ForUpdate())
		if err != nil {
			return nil, err
		}
		if a.PersonID != personID {
			return nil, ErrApplicationNF.With("id", id)
		}
		if a.Status != AppReviewing && a.Status != AppApproved {
			return nil, ErrStatus.With("status", a.Status)
		}
		if err := s.closeApplication(ctx, tx, a, AppWithdrawn); err != nil {
			return nil, err
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.withdraw", Object: appObject(id),
			Before: audit.Summary(map[string]string{"status": a.Status}), After: audit.Summary(map[string]string{"status": AppWithdrawn})}); err != nil {
			return nil, err
		}
		return loadApplication(ctx, tx, id, "")
	})
}

func (s *Service) closeApplication(ctx context.Context, tx *db.Tx, a *Application, status string) error {
	_, err := tx.ExecContext(ctx, `UPDATE loan_application SET status = ?, open_person_id = NULL, decided_at = ?, updated_at = ? WHERE id = ?`,
		status, db.Now(), db.Now(), a.ID)
	if err != nil {
		return fmt.Errorf("loan: close application %d: %w", a.ID, err)
	}
	return nil
}

// Decide records a reviewer's decision on an application under review
// (multi-level: loan.review_levels levels, 初审 then 终审, each by a
// different reviewer). Approving the last level re-runs the eligibility
// checks and moves the application to approved (待签合同); approving an
// earlier level moves it to the next level. Rejecting needs a reason and
// closes it. Staff with the reviewer role call it. Audited (loan.review).
//
// Errors: ErrApplicationNF, ErrStatus, ErrSameReviewer, ErrCommentRequired,
// ErrInvalidInput (unknown decision), ErrNotEligible (final approval of an
// application that no longer passes).
func (s *Service) Decide(ctx context.Context, id int64, reviewer, decision, comment string) (*Application, error) {
	comment, err := text(comment, "comment", 200, decision == DecisionReject)
	if err != nil {
		if decision == DecisionReject {
			return nil, ErrCommentRequired
		}
		return nil, err
	}
	if decision != DecisionApprove && decision != DecisionReject {
		return nil, ErrInvalidInput.With("field", "decision")
	}
	var notify *Application
	a, err := db.Get(ctx, s.db, func(tx *db.Tx) (*Application, error) {
		notify = nil
		a, err := loadApplication(ctx, tx, id, tx.Dialect.ForUpdate())
		if err != nil {
			return nil, err
		}
		if a.Status != AppReviewing {
			return nil, ErrStatus.With("status", a.Status)
		}
		for _, r := range a.Reviews {
			if strings.EqualFold(r.Reviewer, reviewer) {
				return nil, ErrSameReviewer.With("level", r.Level)
			}
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		levels, err := s.policy.Int(ctx, policy.LoanReviewLevels, today)
		if err != nil {
			return nil, err
		}
		status, level := a.Status, a.ReviewLevel
		switch {
		case decision == DecisionReject:
			status = AppRejected
		case int64(a.ReviewLevel) < levels:
			level++
		default:
			// The final level: the facts may have changed since the application.
			in := QuoteInput{HousePrice: a.HousePrice, TermMonths: a.TermMonths, Method: a.Method, Home: a.Home,
				Amount: a.Amount, MonthlyDebt: a.MonthlyDebt}
			if a.CoPersonID != nil {
				co, err := s.deposit.Employee(ctx, a.CoAccountNo)
				if err != nil {
					return nil, err
				}
				in.CoBorrower = &CoBorrower{AccountNo: co.AccountNo, IDNumber: co.IDNumber}
			}
			qt, err := s.requote(ctx, tx, a, in)
			if err != nil {
				return nil, err
			}
			if failed := qt.Failed(); len(failed) > 0 {
				return nil, notEligible(failed, qt.Checks)
			}
			status = AppApproved
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO loan_review (application_id, level, decision, reviewer, comment, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, a.ReviewLevel, decision, reviewer, comment, db.Now()); err != nil {
			return nil, fmt.Errorf("loan: insert review: %w", err)
		}
		if status == AppRejected {
			if err := s.closeApplication(ctx, tx, a, AppRejected); err != nil {
				return nil, err
			}
		} else {
			var decided any
			if status == AppApproved {
				decided = db.Now()
			}
			if _, err := tx.ExecContext(ctx, `UPDATE loan_application SET status = ?, review_level = ?, decided_at = ?, updated_at = ? WHERE id = ?`,
				status, level, decided, db.Now(), id); err != nil {
				return nil, fmt.Errorf("loan: update application %d: %w", id, err)
			}
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.review", Object: appObject(id),
			Before: audit.Summary(map[string]any{"status": a.Status, "level": a.ReviewLevel}),
			After:  audit.Summary(map[string]any{"status": status, "level": level, "decision": decision, "comment": comment})}); err != nil {
			return nil, err
		}
		out, err := loadApplication(ctx, tx, id, "")
		if err == nil && status != AppReviewing {
			notify = out
		}
		return out, err
	})
	if err == nil && notify != nil {
		s.notifyDecision(ctx, notify)
	}
	return a, err
}

// requote recomputes the quote of a stored application inside tx, ignoring
// the application itself as "open".
func (s *Service) requote(ctx context.Context, tx *db.Tx, a *Application, in QuoteInput) (*Quote, error) {
	return s.quote(ctx, tx, a.PersonID, in)
}

// SignContract records the signed loan contract (借款合同) and the mortgage
// registration (抵押登记, mortgageRef = 他项权证号) of an approved
// application: approved → signed (待放款). Staff call it. Audited
// (loan.contract). Errors: ErrApplicationNF, ErrStatus, ErrInvalidInput.
func (s *Service) SignContract(ctx context.Context, id int64, mortgageRef string) (*Application, error) {
	ref, err := text(mortgageRef, "mortgage_ref", 64, true)
	if err != nil {
		return nil, err
	}
	return db.Get(ctx, s.db, func(tx *db.Tx) (*Application, error) {
		a, err := loadApplication(ctx, tx, id, tx.Dialect.ForUpdate())
		if err != nil {
			return nil, err
		}
		if a.Status != AppApproved {
			return nil, ErrStatus.With("status", a.Status)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE loan_application SET status = ?, contract_no = ?, mortgage_ref = ?, signed_on = ?, updated_at = ?
			WHERE id = ?`, AppSigned, contractNo(id), ref, today, db.Now(), id); err != nil {
			return nil, fmt.Errorf("loan: sign contract %d: %w", id, err)
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.contract", Object: appObject(id),
			Before: audit.Summary(map[string]string{"status": a.Status}),
			After:  audit.Summary(map[string]string{"status": AppSigned, "contract_no": contractNo(id), "mortgage_ref": ref})}); err != nil {
			return nil, err
		}
		return loadApplication(ctx, tx, id, "")
	})
}

// Disburse disburses a signed application (放款): the money goes to the
// seller's account through the bank (exchange.LoanBank.PaySeller, serial
// LN-<loan_no>-DISB so a retry pays once), then in one transaction the loan
// account is opened with its ledger receivable, the entry 借 贷款本金
// 贷 委托银行存款 is posted, the plan is stored with due dates (the
// disbursement day of each month, at most the 28th; the first in the month
// after) and the application becomes disbursed. Calling it again for a
// disbursed application returns the loan. Staff call it. Audited
// (loan.disburse); the borrower gets an SMS.
//
// Errors: ErrApplicationNF, ErrStatus, ErrSellerPayment (the bank refused;
// nothing posted), exchange.ErrBankUnavailable, ledger and store errors.
func (s *Service) Disburse(ctx context.Context, id int64) (*Loan, error) {
	a, err := loadApplication(ctx, s.db, id, "")
	if err != nil {
		return nil, err
	}
	if a.Status == AppDisbursed && a.LoanNo != nil {
		return s.loanByNo(ctx, s.db, *a.LoanNo, "")
	}
	if a.Status != AppSigned {
		return nil, ErrStatus.With("status", a.Status)
	}
	// The interest basis is the one in force on the contract date.
	contracted, err := s.dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	if a.SignedOn != nil {
		contracted = *a.SignedOn
	}
	basis, err := s.BasisOn(ctx, contracted)
	if err != nil {
		return nil, err
	}
	no := loanNo(id)
	serial := "LN-" + no + "-DISB"
	res, err := s.bank.PaySeller(ctx, exchange.SellerPayment{Serial: serial, AccountNo: a.SellerAccount, AccountName: a.SellerName,
		BankName: a.SellerBank, Amount: a.Amount, Memo: "住房公积金贷款放款 " + no})
	if err != nil {
		return nil, err
	}
	if !res.OK {
		_, _ = s.audit.Write(ctx, audit.Record{Action: "loan.disburse", Object: appObject(id), Result: audit.ResultFailed,
			After: audit.Summary(map[string]string{"reason": res.Reason})})
		return nil, ErrSellerPayment.With("reason", res.Reason)
	}
	var fresh bool
	l, err := db.Get(ctx, s.db, func(tx *db.Tx) (*Loan, error) {
		fresh = false
		a, err := loadApplication(ctx, tx, id, tx.Dialect.ForUpdate())
		if err != nil {
			return nil, err
		}
		if a.Status == AppDisbursed {
			return s.loanByNo(ctx, tx, no, "")
		}
		if a.Status != AppSigned {
			return nil, ErrStatus.With("status", a.Status)
		}
		today, err := s.dates.TodayTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		m, err := schedule.ParseMethod(a.Method)
		if err != nil {
			return nil, err
		}
		dueDay := dueDayOf(today)
		plan, err := buildPlan(basis, a.Amount, a.TermMonths, a.Rate, m, today, dueDay)
		if err != nil {
			return nil, err
		}
		code := receivableCode(no)
		if _, err := s.ledger.OpenAccountTx(ctx, tx, ledger.AccountSpec{Code: code, Name: "贷款本金 " + no, Type: ledger.Asset,
			OwnerType: "loan", OwnerID: no}); err != nil {
			return nil, err
		}
		if _, err := s.ledger.PostTx(ctx, tx, ledger.Request{Serial: serial, BizType: policy.BizOther,
			Memo: fmt.Sprintf("贷款发放 %s %s", no, res.BankSerial), Lines: []ledger.Line{
				{Account: code, Side: ledger.Debit, Amount: a.Amount},
				{Account: ledger.BankCode(s.bankCode), Side: ledger.Credit, Amount: a.Amount},
			}}); err != nil {
			return nil, err
		}
		maturity := dueDate(today, dueDay, len(plan.Periods))
		var coID any
		if a.CoPersonID != nil {
			coID = *a.CoPersonID
		}
		now := db.Now()
		r, err := tx.ExecContext(ctx, `INSERT INTO loan (loan_no, application_id, person_id, account_no, co_person_id, co_account_no,
			contract_no, ledger_code, home, method, principal_fen, balance_fen, contract_rate_ppm, rate_ppm, term_months, fixed_fen,
			due_day, disbursed_on, maturity_on, status, repay_card, repriced_year, overdue_count, open_person_id, open_co_person_id, created_at,
			interest_basis)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
			no, id, a.PersonID, a.AccountNo, coID, a.CoAccountNo, contractNo(id), code, string(a.Home), a.Method, a.Amount, a.Amount,
			a.Rate, a.Rate, a.TermMonths, plan.Fixed, dueDay, today, maturity, LoanNormal, a.RepayCard, today.Year(), a.PersonID, coID, now,
			string(basis))
		if err != nil {
			return nil, fmt.Errorf("loan: insert loan %s: %w", no, err)
		}
		loanID, err := r.LastInsertId()
		if err != nil {
			return nil, err
		}
		if err := insertPlan(ctx, tx, loanID, plan.Periods, 0, today, dueDay); err != nil {
			return nil, err
		}
		if err := insertTxn(ctx, tx, txnRow{LoanID: loanID, Serial: serial, Kind: policy.LoanBizDisburse, BizDate: today,
			Amount: a.Amount, Principal: a.Amount, BalanceAfter: a.Amount, Source: SourceSeller,
			Memo: "放款至售房人 " + a.SellerName}); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE loan_application SET status = ?, loan_no = ?, open_person_id = NULL, updated_at = ? WHERE id = ?`,
			AppDisbursed, no, now, id); err != nil {
			return nil, fmt.Errorf("loan: mark application %d disbursed: %w", id, err)
		}
		if _, err := s.audit.Append(ctx, tx, audit.Record{Action: "loan.disburse", Object: loanObject(no),
			After: audit.Summary(map[string]any{"application_id": id, "amount_fen": a.Amount, "rate_ppm": a.Rate,
				"term_months": a.TermMonths, "method": a.Method, "fixed_fen": plan.Fixed, "due_day": dueDay,
				"interest_basis": string(basis),
				"seller_account": ident.MaskCard(a.SellerAccount), "bank_serial": res.BankSerial})}); err != nil {
			return nil, err
		}
		fresh = true
		return s.loanByNo(ctx, tx, no, "")
	})
	if err == nil && fresh {
		s.notifyLoan(ctx, l, "loan.disbursed", map[string]string{"amount": l.Principal.Format(),
			"day": fmt.Sprint(l.DueDay), "payment": l.Fixed.Format()})
	}
	return l, err
}

// dueDate is the due date of period k (1-based) of a loan disbursed on d:
// the due day of the k-th month after d.
func dueDate(disbursed date.Date, dueDay, k int) date.Date {
	m := disbursed.MonthOf().Add(k)
	return date.Of(m.Year(), m.Month(), min(dueDay, m.Last().Day()))
}

// insertPlan stores periods as scheduled instalments, period numbers offset
// by `after` (the last period already stored).
func insertPlan(ctx context.Context, tx *db.Tx, loanID int64, periods []schedule.Period, after int, disbursed date.Date, dueDay int) error {
	if len(periods) == 0 {
		return nil
	}
	const cols = 6
	args := make([]any, 0, len(periods)*cols)
	for _, p := range periods {
		k := after + p.Period
		args = append(args, loanID, k, dueDate(disbursed, dueDay, k), int64(p.Principal), int64(p.Interest), InstScheduled)
	}
	for start := 0; start < len(args); start += 100 * cols {
		part := args[start:min(start+100*cols, len(args))]
		q := `INSERT INTO loan_instalment (loan_id, period, due_on, principal_fen, interest_fen, status) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?),", len(part)/cols), ",")
		if _, err := tx.ExecContext(ctx, q, part...); err != nil {
			return fmt.Errorf("loan: insert plan of %d: %w", loanID, err)
		}
	}
	return nil
}
