package withdrawal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"gjj/internal/core/deposit"
	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/exchange"
	"gjj/internal/identity"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
	"gjj/internal/policy"
)

var (
	keyPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	refPattern  = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	cardPattern = regexp.MustCompile(`^[0-9]{12,19}$`)
)

// errDuplicate: an insert hit a unique key (the idempotency key or the open
// slot) of a concurrent submission; the caller looks again.
var errDuplicate = errors.New("withdrawal: concurrent submission")

// Submit files a withdrawal application for the person of the session p (a
// person's L2 session; the SMS step-up code in in.SMSCode makes it L3) under
// the client's Idempotency-Key key. The person's own account is used; the
// reason's rules in force on the business date are evaluated (Evaluate) and:
//   - any rule failing refuses the application with RuleError — nothing is
//     stored or posted, and the amount the gate counted is given back;
//   - an application that needs no review is approved at once: the amount is
//     posted from the personal account to payment clearing (for 销户 after
//     settling interest to date, and the account is closed), the payment
//     instruction goes to the bank, and the answer shows paying or paid;
//   - otherwise it waits for 初审 (and 终审 above the four-eyes threshold),
//     with a decision deadline of the configured working days.
//
// The same key with the same application (the SMS code aside) answers the
// first Receipt again (Replayed) without checking anything; the same key
// with a different application is ErrKeyReused. The gate's amount limits of
// the caller's channel (reqctx) apply to the reason's service item, counted
// against the account number.
//
// Errors: ErrNotPerson, ErrIdempotencyKey, ErrKeyReused, ErrUnknownReason,
// ErrBadInput (field detail), identity step-up errors (identity.level_required,
// identity.otp_*), channel.single_limit / channel.daily_limit, a RuleError
// (withdrawal.<rule>), deposit.employee_not_found, ErrNoRules, exchange
// errors (registry unavailable), store errors.
func (s *Service) Submit(ctx context.Context, p *identity.Principal, key string, in Input) (*Receipt, error) {
	if p == nil || p.Kind != "person" {
		return nil, ErrNotPerson
	}
	in.Counter = nil // only staff file at the counter (FileAtCounter)
	return s.submit(ctx, key, in, filing{personID: p.SubjectID, stepUp: func(code string) error {
		return s.d.StepUp.StepUp(ctx, p, code)
	}})
}

// filing is who files an application: the person themselves (stepUp checks
// their code) or staff at the counter for the account accountNo (no step-up:
// the staff session is TOTP-authenticated and the person is present).
type filing struct {
	personID  int64
	accountNo string
	stepUp    func(code string) error
	// agency and authRef: a government service platform filed it with the
	// person's recorded authorization instead of a step-up (FileForAgency).
	agency, authRef string
}

func (s *Service) submit(ctx context.Context, key string, in Input, fl filing) (*Receipt, error) {
	if !keyPattern.MatchString(key) {
		return nil, ErrIdempotencyKey
	}
	in = normalize(in)
	hash := fingerprint(in)
	if r, err := s.replay(ctx, fl.personID, key, hash); r != nil || err != nil {
		return r, err
	}
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	doc, rulesFrom, err := s.rulesOn(ctx, today)
	if err != nil {
		return nil, err
	}
	rs, ok := doc.Reason(in.Reason)
	if !ok {
		return nil, ErrUnknownReason.With("field", "reason").With("reason", in.Reason)
	}
	if err := checkInput(rs, in); err != nil {
		return nil, err
	}
	if in.Counter != nil {
		if err := checkCounter(rs, in); err != nil {
			return nil, err
		}
	}
	var emp *deposit.Employee
	if fl.accountNo != "" {
		emp, err = s.d.Deposit.Employee(ctx, fl.accountNo)
	} else {
		emp, err = s.d.Deposit.PersonAccount(ctx, fl.personID)
	}
	if err != nil {
		return nil, err
	}
	pol, err := s.policyOn(ctx, today)
	if err != nil {
		return nil, err
	}
	ext, err := s.outside(ctx, rs, fl.personID, emp.IDNumber, today, in)
	if err != nil {
		return nil, err
	}
	// Submissions for one account take turns in this process (the row lock
	// in the transaction serialises them across processes anyway): a crowd of
	// retries then finds the account's new application in the preflight
	// instead of all reaching the gate and the row lock at once.
	unlock := s.lockAccountTurn(emp.ID)
	defer unlock()
	// The rules first, without locks, so a refused application does not use
	// up the person's SMS code; the transaction below decides.
	if err := s.preflight(ctx, doc, rs, emp.ID, in, today, pol, ext, 0); err != nil {
		return nil, err
	}
	if fl.stepUp != nil {
		if err := fl.stepUp(in.SMSCode); err != nil {
			// A concurrent twin of this request may have used the code.
			if r, rerr := s.replay(ctx, fl.personID, key, hash); r != nil || rerr != nil {
				return r, rerr
			}
			return nil, err
		}
	}

	channel := reqctx.ActorOf(ctx).Channel
	counted := in.Amount
	if rs.Type == rules.Close {
		counted = emp.Balance
	}
	release := func() {}
	if s.d.Limits != nil && counted > 0 {
		if err := s.checkAmount(ctx, channel, rs.Item, emp.AccountNo, counted); err != nil {
			return nil, err
		}
		release = func() {
			if err := s.d.Limits.ReleaseAmount(ctx, channel, rs.Item, emp.AccountNo, counted); err != nil {
				s.d.Log.Warn("withdrawal: amount not given back to the gate", "item", rs.Item, "err", err)
			}
		}
	}

	deadline := s.addWorkingDays(ctx, today, doc.Review.DecisionWorkingDays)
	var id int64
	var paying bool
	err = s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		id, paying = 0, false
		a, err := lockAccount(ctx, tx, emp.ID)
		if err != nil {
			return err
		}
		f, err := s.facts(ctx, tx, a, rs, in, today, pol, ext, 0)
		if err != nil {
			return err
		}
		ev := Evaluate(doc, rs, f, in)
		if ev.Failed != nil {
			return RuleError(ev)
		}
		now := db.Now()
		status := StatusPendingReview
		payee := a.Name
		if in.Counter != nil && in.Counter.HeirName != "" {
			payee = in.Counter.HeirName
		}
		app := &Application{PersonID: a.PersonID, AccountID: a.ID, AccountNo: a.AccountNo, Reason: rs.Key, ReasonName: rs.Name,
			TQYY: rs.TQYY, Item: rs.Item, Type: string(rs.Type), Amount: ev.Amount, BankCard: in.BankCard, PayeeName: clip(payee, 64),
			ContractNo: in.ContractNo, Checks: ev.Checks, Materials: rs.Materials, Status: status, ReviewLevel: ev.ReviewLevel,
			Channel: channel, RulesFrom: rulesFrom, SubmittedOn: today, DeadlineOn: deadline,
			SubmittedAt: now, UpdatedAt: now, Fields: in}
		if app.Materials == nil {
			app.Materials = []string{}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO withdrawal_application (person_id, employee_account_id, account_no, reason, reason_name,
			tqyy, item, wtype, amount_fen, interest_fen, bank_card, payee_name, contract_no, fields, checks, materials, status, review_level,
			channel, idem_key, request_hash, receipt, open_account_id, rules_from, submitted_on, deadline_on, submitted_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
			app.PersonID, app.AccountID, app.AccountNo, app.Reason, app.ReasonName, app.TQYY, app.Item, app.Type, app.Amount,
			app.BankCard, app.PayeeName, app.ContractNo, mustJSON(in), mustJSON(app.Checks), mustJSON(app.Materials), app.Status,
			app.ReviewLevel, clip(channel, 16), key, hash, app.AccountID, app.RulesFrom, app.SubmittedOn, app.DeadlineOn, now, now)
		if db.IsDuplicate(err) {
			return errDuplicate
		}
		if err != nil {
			return fmt.Errorf("insert withdrawal application: %w", err)
		}
		if app.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		id = app.ID
		after := map[string]any{"account_no": app.AccountNo, "reason": app.Reason,
			"amount_fen": int64(app.Amount), "review_level": app.ReviewLevel, "card": maskCard(app.BankCard)}
		action := "submit"
		if in.Counter != nil {
			action = "counter_submit"
			after["materials_checked"] = strings.Join(in.Counter.Materials, "、")
			if in.Counter.HeirName != "" {
				after["heir"] = in.Counter.HeirName
			}
		}
		if fl.agency != "" {
			action = "agency_submit"
			after["agency"], after["authorization_ref"], after["step_up"] = fl.agency, fl.authRef, "agency_authorization"
		}
		if err := s.event(ctx, tx, app, action, "", nil, after); err != nil {
			return err
		}
		if ev.ReviewLevel == 0 {
			if err := s.approveTx(ctx, tx, app, a, "auto_approve", ""); err != nil {
				return err
			}
			paying = true
		}
		return s.storeReceipt(ctx, tx, app)
	})
	if err != nil {
		release()
		if errors.Is(err, errDuplicate) {
			if r, rerr := s.replay(ctx, fl.personID, key, hash); r != nil || rerr != nil {
				return r, rerr
			}
			return nil, errs.New(errs.Conflict, "withdrawal.pending", "该账户已有一笔正在办理的提取申请，请待其办结或撤销后再申请").
				With("rule", "pending")
		}
		return nil, err
	}
	unlock()
	if paying {
		s.pay(ctx, id)
		// The answer shows what the bank said by now (the simulator and fast
		// banks answer at once); a replay answers the same.
		if err := s.d.DB.InTx(ctx, func(tx *db.Tx) error {
			app, err := s.load(ctx, tx, "id = ?", true, id)
			if err != nil {
				return err
			}
			return s.storeReceipt(ctx, tx, app)
		}); err != nil {
			return nil, err
		}
	}
	r, err := s.replay(ctx, fl.personID, key, hash)
	if err == nil && r == nil {
		err = fmt.Errorf("withdrawal %d: receipt not found after submission", id)
	}
	if err != nil {
		return nil, err
	}
	r.Replayed = false // this is the first answer
	return r, nil
}

// checkAmount asks the gate to count the amount. Many submissions for one
// account at the same moment contend for the gate's single usage row, and
// MariaDB may answer a deadlock after the gate's own retries; the count has
// not happened then, so asking again is safe.
func (s *Service) checkAmount(ctx context.Context, channel, item, subject string, amount money.Fen) error {
	for attempt := 1; ; attempt++ {
		err := s.d.Limits.CheckAmount(ctx, channel, item, subject, amount)
		if err == nil || !db.Retryable(err) || attempt >= 20 {
			return err
		}
		select {
		case <-time.After(time.Duration(attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// replay answers a known Idempotency-Key: the stored receipt for the same
// application, ErrKeyReused for another one, nil when the key is new.
func (s *Service) replay(ctx context.Context, personID int64, key, hash string) (*Receipt, error) {
	var row []struct {
		Hash    string `db:"request_hash"`
		Receipt string `db:"receipt"`
	}
	if err := s.d.DB.SelectContext(ctx, &row, `SELECT request_hash, receipt FROM withdrawal_application WHERE person_id = ? AND idem_key = ?`,
		personID, key); err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if len(row) == 0 {
		return nil, nil
	}
	if row[0].Hash != hash {
		return nil, ErrKeyReused
	}
	var r Receipt
	if err := jsonUnmarshal(row[0].Receipt, &r); err != nil {
		return nil, err
	}
	r.Replayed = true
	return &r, nil
}

// storeReceipt stores the answer to the submission of app as it is now.
func (s *Service) storeReceipt(ctx context.Context, tx *db.Tx, app *Application) error {
	r := receiptOf(app)
	_, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET receipt = ? WHERE id = ?`, mustJSON(r), app.ID)
	return err
}

func receiptOf(a *Application) Receipt {
	return Receipt{ID: a.ID, Status: a.Status, StatusName: StatusName(a.Status), Reason: a.Reason, ReasonName: a.ReasonName,
		Type: a.Type, Amount: a.Amount, Checks: a.Checks}
}

// normalize trims the text fields and drops spaces from the card number.
func normalize(in Input) Input {
	in.Reason = strings.TrimSpace(in.Reason)
	in.BankCard = strings.ReplaceAll(strings.TrimSpace(in.BankCard), " ", "")
	in.SMSCode = strings.TrimSpace(in.SMSCode)
	in.ContractNo = strings.TrimSpace(in.ContractNo)
	in.LeaseNo = strings.TrimSpace(in.LeaseNo)
	in.ProofNo = strings.TrimSpace(in.ProofNo)
	return in
}

// fingerprint identifies an application for the idempotency key: every
// field but the SMS code.
func fingerprint(in Input) string {
	in.SMSCode = ""
	sum := sha256.Sum256([]byte(mustJSON(in)))
	return hex.EncodeToString(sum[:])
}

// checkInput checks the shape of the input against the reason: the amount
// (positive for 部分提取, omitted or 0 for 销户 unless equal to the balance,
// which the rules check), the card, the reference numbers and declared
// amounts. Which fields are required is a rule (fields), explained with the
// other rules.
func checkInput(rs *rules.Reason, in Input) error {
	bad := func(field, msg string) error {
		return errs.New(errs.Invalid, ErrBadInput.Code, msg).With("field", field)
	}
	if in.Amount < 0 || in.Amount > money.Max || (rs.Type == rules.Partial && in.Amount == 0) {
		return bad("amount_fen", "请填写提取金额（分，须大于零）")
	}
	if !cardPattern.MatchString(in.BankCard) {
		return bad("bank_card", "收款银行卡号应为 12 至 19 位数字")
	}
	for field, v := range map[string]string{"contract_no": in.ContractNo, "lease_no": in.LeaseNo, "proof_no": in.ProofNo} {
		if v != "" && !refPattern.MatchString(v) {
			return bad(field, rules.FieldName(field)+"应为 1 至 64 位字母、数字或 -")
		}
	}
	for field, v := range map[string]money.Fen{"cost_fen": in.CostFen, "repaid_fen": in.RepaidFen} {
		if v < 0 || v > money.Max {
			return bad(field, rules.FieldName(field)+"应为不小于零的金额（分）")
		}
	}
	return nil
}

// policyValues are the parameters the rules read besides withdraw.rules.
type policyValues struct {
	minRetained money.Fen
	sealMonths  int
}

func (s *Service) policyOn(ctx context.Context, on date.Date) (policyValues, error) {
	var p policyValues
	var err error
	if p.minRetained, err = s.d.Policy.Fen(ctx, policy.WithdrawMinRetainedBalance, on); err != nil {
		return p, err
	}
	n, err := s.d.Policy.Int(ctx, policy.WithdrawSealMonthsLeave, on)
	p.sealMonths = int(n)
	return p, err
}

// outsideFacts are the facts of other systems, asked before the transaction.
type outsideFacts struct {
	loan      bool
	repayable money.Fen
	homes     int
	purchase  *exchange.PurchaseContract
	lease     *exchange.LeaseContract
}

func (s *Service) outside(ctx context.Context, rs *rules.Reason, personID int64, idNumber string, today date.Date, in Input) (outsideFacts, error) {
	var o outsideFacts
	var err error
	if o.loan, err = s.d.Loans.OutstandingLoan(ctx, personID); err != nil {
		return o, err
	}
	if rs.Cap.Kind == rules.CapLoan && o.loan {
		if o.repayable, err = s.d.Loans.Repayable(ctx, personID, today); err != nil {
			return o, err
		}
	}
	if rs.NoHome {
		if s.d.Property == nil {
			return o, errs.New(errs.Unavailable, "withdrawal.property_unavailable", "不动产登记查询暂不可用，请稍后再试")
		}
		if o.homes, err = s.d.Property.HomesOwned(ctx, idNumber); err != nil {
			return o, err
		}
	}
	if rs.PurchaseContract && in.ContractNo != "" {
		if s.d.Contracts == nil {
			return o, errs.New(errs.Unavailable, "withdrawal.contracts_unavailable", "网签备案查询暂不可用，请稍后再试")
		}
		c, err := s.d.Contracts.PurchaseContract(ctx, in.ContractNo)
		switch {
		case err == nil:
			o.purchase = &c
		case errs.CodeOf(err) != exchange.ErrUnknownContract.Code:
			return o, err
		}
	}
	if in.LeaseNo != "" && containsField(rs, rules.FieldLeaseNo) {
		if s.d.Contracts == nil {
			return o, errs.New(errs.Unavailable, "withdrawal.contracts_unavailable", "网签备案查询暂不可用，请稍后再试")
		}
		l, err := s.d.Contracts.LeaseContract(ctx, in.LeaseNo)
		switch {
		case err == nil:
			o.lease = &l
		case errs.CodeOf(err) != exchange.ErrUnknownContract.Code:
			return o, err
		}
	}
	return o, nil
}

func containsField(rs *rules.Reason, f string) bool {
	for _, x := range rs.Fields {
		if x == f {
			return true
		}
	}
	return false
}

// preflight evaluates the rules on the account as it is, without locks.
func (s *Service) preflight(ctx context.Context, doc *rules.Doc, rs *rules.Reason, accountID int64, in Input, today date.Date,
	pol policyValues, o outsideFacts, self int64) error {
	var a account
	if err := s.d.DB.GetContext(ctx, &a, accountSelect+` WHERE e.id = ?`, accountID); err != nil {
		return fmt.Errorf("read employee account: %w", err)
	}
	f, err := s.facts(ctx, s.d.DB, &a, rs, in, today, pol, o, self)
	if err != nil {
		return err
	}
	if ev := Evaluate(doc, rs, f, in); ev.Failed != nil {
		return RuleError(ev)
	}
	return nil
}

// facts gathers the rule engine's facts (in the transaction, with the account
// locked, when q is a *db.Tx). self is the application being resubmitted (0
// for a new one).
func (s *Service) facts(ctx context.Context, tx db.Querier, a *account, rs *rules.Reason, in Input, today date.Date, pol policyValues,
	o outsideFacts, self int64) (Facts, error) {
	f := Facts{Today: today, Status: a.Status, StatusOn: a.StatusOn, Balance: a.Balance, MinRetained: pol.minRetained,
		SealMonths: pol.sealMonths, BankCard: a.BankCard, IDNumber: a.IDNumber, Loan: o.loan, LoanRepayable: o.repayable,
		HomesOwned: o.homes, Purchase: o.purchase, Lease: o.lease}
	var err error
	if rs.MinContinuousMonths > 0 {
		if f.ContinuousMonths, err = deposit.ConsecutiveMonths(ctx, tx, a.AccountNo); err != nil {
			return f, err
		}
	}
	var open int
	if err := tx.GetContext(ctx, &open, `SELECT COUNT(*) FROM withdrawal_application
		WHERE employee_account_id = ? AND status IN (`+openStatuses+`) AND id <> ?`, a.ID, self); err != nil {
		return f, fmt.Errorf("open withdrawals: %w", err)
	}
	f.OtherOpen = open > 0
	var last []date.Date
	if err := tx.SelectContext(ctx, &last, `SELECT paid_on FROM withdrawal_application
		WHERE employee_account_id = ? AND reason = ? AND status = ? AND paid_on IS NOT NULL ORDER BY paid_on DESC LIMIT 1`,
		a.ID, rs.Key, StatusPaid); err != nil {
		return f, fmt.Errorf("last paid withdrawal: %w", err)
	}
	if len(last) > 0 {
		f.LastPaid = last[0]
	}
	if in.ContractNo != "" && (rs.PurchaseContract || rs.OncePerContract) {
		var c struct {
			Sum  money.Fen `db:"total"`
			Mine int       `db:"mine"`
		}
		if err := tx.GetContext(ctx, &c, `SELECT COALESCE(SUM(amount_fen), 0) AS total,
			COALESCE(SUM(CASE WHEN employee_account_id = ? THEN 1 ELSE 0 END), 0) AS mine
			FROM withdrawal_application WHERE contract_no = ? AND reason = ? AND id <> ? AND status IN (`+openStatuses+`, ?)`,
			a.ID, in.ContractNo, rs.Key, self, StatusPaid); err != nil {
			return f, fmt.Errorf("withdrawals for contract: %w", err)
		}
		f.ContractWithdrawn, f.ContractUsed = c.Sum, c.Mine > 0
	}
	return f, nil
}
