package withdrawal

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/identity"
	"gjj/internal/ledger"
	"gjj/internal/notify"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
)

// approveTx approves app in tx with its account a locked: for 销户 it settles
// interest to the business date and takes the whole balance; it posts the
// amount from the personal account to payment clearing (serial WD-<id>,
// business type 11 or 12), closes a 销户 account (05 提取销户, remembering
// its status), and moves the application to paying with its payment
// instruction serial (WDP-<id>). The caller sends the instruction after
// commit (pay).
func (s *Service) approveTx(ctx context.Context, tx *db.Tx, app *Application, a *account, action, comment string) error {
	if a.Status != "01" && a.Status != "02" {
		return errs.Newf(errs.Conflict, "withdrawal.account_status", "账户状态为%s，不能支付提取款项", statusName(a.Status)).
			With("rule", "account_status")
	}
	today, err := s.d.Dates.TodayTx(ctx, tx)
	if err != nil {
		return err
	}
	before := map[string]any{"status": app.Status, "amount_fen": int64(app.Amount)}
	if app.Type == string(rules.Close) {
		interest, err := s.d.Deposit.SettleAccountTo(ctx, tx, app.AccountNo, today)
		if err != nil {
			return err
		}
		var bal money.Fen
		if err := tx.GetContext(ctx, &bal, `SELECT balance_fen FROM ledger_account WHERE id = ?`, a.LedgerID); err != nil {
			return fmt.Errorf("read balance: %w", err)
		}
		if bal <= 0 {
			return errs.New(errs.Conflict, "withdrawal.balance", "账户余额为零，没有可提取的金额").With("rule", "balance")
		}
		app.Amount, app.Interest = bal, interest
	}
	app.EntrySerial = fmt.Sprintf("WD-%d", app.ID)
	app.PaySerial = fmt.Sprintf("WDP-%d", app.ID)
	memo := fmt.Sprintf("%s（%s）", rules.Type(app.Type).Name(), app.ReasonName)
	if _, err := s.d.Ledger.PostTx(ctx, tx, ledger.Request{Serial: app.EntrySerial, BizType: rules.Type(app.Type).BizType(), BizDate: today,
		Memo: clip(memo, ledger.MaxMemoRunes), Lines: []ledger.Line{
			{Account: ledger.PersonalCode(app.AccountNo), Side: ledger.Debit, Amount: app.Amount},
			{Account: ledger.CodeWithdrawalClearing, Side: ledger.Credit, Amount: app.Amount},
		}}); err != nil {
		return err
	}
	closedFrom := ""
	if app.Type == string(rules.Close) {
		if closedFrom, err = s.d.Deposit.CloseForWithdrawalTx(ctx, tx, app.AccountNo, app.ReasonName, today); err != nil {
			return err
		}
	}
	now := db.Now()
	app.Status, app.DecidedAt, app.UpdatedAt = StatusPaying, &now, now
	if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, amount_fen = ?, interest_fen = ?, entry_serial = ?,
		pay_serial = ?, closed_from_status = ?, decided_at = ?, updated_at = ? WHERE id = ?`,
		app.Status, app.Amount, app.Interest, app.EntrySerial, app.PaySerial, closedFrom, now, now, app.ID); err != nil {
		return fmt.Errorf("approve withdrawal: %w", err)
	}
	after := map[string]any{"amount_fen": int64(app.Amount), "entry_serial": app.EntrySerial, "pay_serial": app.PaySerial}
	if app.Type == string(rules.Close) {
		after["interest_fen"] = int64(app.Interest)
		after["account_status"] = "05"
	}
	return s.event(ctx, tx, app, action, comment, before, after)
}

// reviewComment checks a reviewer's or applicant's comment: at most 200
// characters; required for return and rejection.
func reviewComment(c string, required bool) (string, error) {
	c = strings.TrimSpace(c)
	if (required && c == "") || len([]rune(c)) > 200 {
		return "", ErrCommentRequired.With("field", "comment")
	}
	return c, nil
}

// Approve records a reviewer's approval (staff with the reviewer role). An
// application waiting for 初审 that needs only one review, or one waiting for
// 终审, is approved: the money is posted to clearing and the payment
// instruction sent (see Submit); one that needs four eyes moves to 待终审.
// The 终审 reviewer must differ from the 初审 reviewer (ErrFourEyes).
//
// An application filed at the counter (FileAtCounter) is never approved by
// the staff member who filed it or one who corrected it at the counter
// (ResubmitAtCounter) (ErrFilerReviews).
//
// Errors: ErrNotFound, ErrStatus, ErrFourEyes, ErrFilerReviews, ErrCommentRequired (comment
// over 200 characters), withdrawal.account_status (frozen or closed since),
// ledger.insufficient_funds (the balance fell below the amount since),
// deposit interest errors for 销户, store errors.
func (s *Service) Approve(ctx context.Context, id int64, reviewer, comment string) (*Application, error) {
	comment, err := reviewComment(comment, false)
	if err != nil {
		return nil, err
	}
	paying := false
	err = s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		paying = false
		app, err := s.load(ctx, tx, "id = ?", true, id)
		if err != nil {
			return err
		}
		if filer := counterHandledBy(app, reviewer); filer != "" &&
			(app.Status == StatusPendingReview || app.Status == StatusPendingFinal) {
			return ErrFilerReviews.With("filed_by", filer)
		}
		now := db.Now()
		switch {
		case app.Status == StatusPendingReview && app.ReviewLevel >= 2:
			before := map[string]any{"status": app.Status}
			app.Status, app.FirstReviewer, app.FirstComment, app.FirstAt = StatusPendingFinal, reviewer, comment, &now
			if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, first_reviewer = ?, first_comment = ?, first_at = ?,
				updated_at = ? WHERE id = ?`, app.Status, clip(reviewer, 64), comment, now, now, app.ID); err != nil {
				return err
			}
			return s.event(ctx, tx, app, "first_approve", comment, before, map[string]any{"reviewer": reviewer})
		case app.Status == StatusPendingReview:
			if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET first_reviewer = ?, first_comment = ?, first_at = ? WHERE id = ?`,
				clip(reviewer, 64), comment, now, app.ID); err != nil {
				return err
			}
			a, err := lockAccount(ctx, tx, app.AccountID)
			if err != nil {
				return err
			}
			paying = true
			return s.approveTx(ctx, tx, app, a, "approve", comment)
		case app.Status == StatusPendingFinal:
			if strings.EqualFold(strings.TrimSpace(reviewer), strings.TrimSpace(app.FirstReviewer)) {
				return ErrFourEyes.With("first_reviewer", app.FirstReviewer)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET final_reviewer = ?, final_comment = ?, final_at = ? WHERE id = ?`,
				clip(reviewer, 64), comment, now, app.ID); err != nil {
				return err
			}
			a, err := lockAccount(ctx, tx, app.AccountID)
			if err != nil {
				return err
			}
			paying = true
			return s.approveTx(ctx, tx, app, a, "final_approve", comment)
		}
		return ErrStatus.With("status", app.Status)
	})
	if err != nil {
		return nil, err
	}
	if paying {
		s.pay(ctx, id)
	}
	return s.Get(ctx, id)
}

// Reject refuses an application waiting for review (审核不通过) with the
// reviewer's reason; it frees the account's open slot and tells the
// applicant by SMS. Staff with the reviewer role.
//
// Errors: ErrNotFound, ErrStatus, ErrCommentRequired, store errors.
func (s *Service) Reject(ctx context.Context, id int64, reviewer, comment string) (*Application, error) {
	return s.decide(ctx, id, reviewer, comment, StatusRejected, "reject", "未通过审核")
}

// Return sends an application waiting for review back to the applicant for
// correction (退回补正) with the reviewer's reason; it keeps the account's
// open slot until the applicant resubmits (Resubmit) or cancels (Cancel).
// Staff with the reviewer role.
//
// Errors: ErrNotFound, ErrStatus, ErrCommentRequired, store errors.
func (s *Service) Return(ctx context.Context, id int64, reviewer, comment string) (*Application, error) {
	return s.decide(ctx, id, reviewer, comment, StatusReturned, "return", "已退回，请按审核意见补正后重新提交")
}

func (s *Service) decide(ctx context.Context, id int64, reviewer, comment, to, action, result string) (*Application, error) {
	comment, err := reviewComment(comment, true)
	if err != nil {
		return nil, err
	}
	var app *Application
	err = s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if app, err = s.load(ctx, tx, "id = ?", true, id); err != nil {
			return err
		}
		if app.Status != StatusPendingReview && app.Status != StatusPendingFinal {
			return ErrStatus.With("status", app.Status)
		}
		before := map[string]any{"status": app.Status}
		now := db.Now()
		app.Status, app.Comment, app.UpdatedAt = to, comment, now
		open := any(app.AccountID)
		decided := any(now)
		if to == StatusReturned {
			decided = nil
		} else {
			open = nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, decision_comment = ?, open_account_id = ?,
			decided_at = ?, updated_at = ? WHERE id = ?`, to, comment, open, decided, now, app.ID); err != nil {
			return err
		}
		return s.event(ctx, tx, app, action, comment, before, map[string]any{"reviewer": reviewer})
	})
	if err != nil {
		return nil, err
	}
	s.notify(ctx, app, notify.WithdrawalDecided, map[string]string{"result": result})
	return s.Get(ctx, id)
}

// Cancel withdraws the person's own application before approval (待审核 or
// 退回): it becomes 已撤销 and frees the account's open slot. Personal
// channels call it with the session's person.
//
// Errors: ErrNotFound (also for another person's application), ErrStatus.
func (s *Service) Cancel(ctx context.Context, personID, id int64) (*Application, error) {
	err := s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		app, err := s.load(ctx, tx, "id = ? AND person_id = ?", true, id, personID)
		if err != nil {
			return err
		}
		switch app.Status {
		case StatusPendingReview, StatusPendingFinal, StatusReturned:
		default:
			return ErrStatus.With("status", app.Status)
		}
		before := map[string]any{"status": app.Status}
		now := db.Now()
		app.Status = StatusCancelled
		if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, open_account_id = NULL, decided_at = ?, updated_at = ?
			WHERE id = ?`, app.Status, now, now, app.ID); err != nil {
			return err
		}
		return s.event(ctx, tx, app, "cancel", "", before, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.PersonApplication(ctx, personID, id)
}

// Resubmit files a returned application again with corrected information
// (the reason cannot change) after a new step-up code: the rules are
// evaluated again (a failing rule refuses it as in Submit and the
// application stays returned); otherwise it goes back to 待初审 with a new
// decision deadline. A returned application is never approved
// automatically: staff look at it again. Personal channels call it. An
// application filed at the counter is corrected at the counter
// (ResubmitAtCounter): the person's own resubmission of one is
// ErrCounterCorrection.
//
// Errors: ErrNotFound, ErrStatus, ErrCounterCorrection, ErrBadInput,
// ErrUnknownReason (another reason), step-up errors, a RuleError, store
// errors.
func (s *Service) Resubmit(ctx context.Context, p *identity.Principal, id int64, in Input) (*Application, error) {
	if p == nil || p.Kind != "person" {
		return nil, ErrNotPerson
	}
	in.Counter = nil // only staff correct a counter filing (ResubmitAtCounter)
	return s.resubmit(ctx, id, in, correction{
		where: "id = ? AND person_id = ?", args: []any{id, p.SubjectID}, action: "resubmit",
		fill: func(cur *Application, in Input) (Input, error) {
			if cur.Fields.Counter != nil {
				return in, ErrCounterCorrection
			}
			return in, nil
		},
		stepUp: func(code string) error { return s.d.StepUp.StepUp(ctx, p, code) },
	})
}

// correction is who resubmits a returned application and how: the rows
// they may see (where, args), fill checks the application as it is and
// completes the input (called again in the transaction), stepUp checks the
// person's code (nil at the counter), action names the event.
type correction struct {
	where  string
	args   []any
	fill   func(cur *Application, in Input) (Input, error)
	stepUp func(code string) error
	action string
}

// resubmit is Resubmit and ResubmitAtCounter: the rules again on the
// corrected input, then back to 待初审 with a new deadline, audited.
func (s *Service) resubmit(ctx context.Context, id int64, in Input, c correction) (*Application, error) {
	in = normalize(in)
	cur, err := s.get(ctx, c.where, c.args...)
	if err != nil {
		return nil, err
	}
	if cur.Status != StatusReturned {
		return nil, ErrStatus.With("status", cur.Status)
	}
	if in, err = c.fill(cur, in); err != nil {
		return nil, err
	}
	if in.Reason == "" {
		in.Reason = cur.Reason
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
	if !ok || in.Reason != cur.Reason {
		return nil, errs.New(errs.Invalid, ErrUnknownReason.Code, "补正时不能更换提取原因；如需其他原因，请撤销本申请后重新申请").With("field", "reason")
	}
	if err := checkInput(rs, in); err != nil {
		return nil, err
	}
	if in.Counter != nil {
		if err := checkCounter(rs, in); err != nil {
			return nil, err
		}
	}
	pol, err := s.policyOn(ctx, today)
	if err != nil {
		return nil, err
	}
	emp, err := s.d.Deposit.Employee(ctx, cur.AccountNo)
	if err != nil {
		return nil, err
	}
	ext, err := s.outside(ctx, rs, cur.PersonID, emp.IDNumber, today, in)
	if err != nil {
		return nil, err
	}
	if err := s.preflight(ctx, doc, rs, cur.AccountID, in, today, pol, ext, cur.ID); err != nil {
		return nil, err
	}
	if c.stepUp != nil {
		if err := c.stepUp(in.SMSCode); err != nil {
			return nil, err
		}
	}
	deadline := s.addWorkingDays(ctx, today, doc.Review.DecisionWorkingDays)
	err = s.d.DB.InTx(ctx, func(tx *db.Tx) error {
		app, err := s.load(ctx, tx, c.where, true, c.args...)
		if err != nil {
			return err
		}
		if app.Status != StatusReturned {
			return ErrStatus.With("status", app.Status)
		}
		in, err := c.fill(app, in)
		if err != nil {
			return err
		}
		a, err := lockAccount(ctx, tx, app.AccountID)
		if err != nil {
			return err
		}
		f, err := s.facts(ctx, tx, a, rs, in, today, pol, ext, app.ID)
		if err != nil {
			return err
		}
		ev := Evaluate(doc, rs, f, in)
		if ev.Failed != nil {
			return RuleError(ev)
		}
		before := map[string]any{"status": app.Status, "amount_fen": int64(app.Amount)}
		after := map[string]any{}
		if app.Fields.Counter != nil && in.Counter != nil {
			before["materials_checked"] = strings.Join(app.Fields.Counter.Materials, "、")
			after["materials_checked"] = strings.Join(in.Counter.Materials, "、")
			if in.Counter.HeirName != "" {
				after["heir"] = in.Counter.HeirName
			}
		}
		payee := a.Name
		if in.Counter != nil && in.Counter.HeirName != "" {
			payee = in.Counter.HeirName
		}
		now := db.Now()
		app.Status, app.Amount, app.Checks, app.ReviewLevel = StatusPendingReview, ev.Amount, ev.Checks, max(ev.ReviewLevel, 1)
		if _, err := tx.ExecContext(ctx, `UPDATE withdrawal_application SET status = ?, amount_fen = ?, bank_card = ?, payee_name = ?,
			contract_no = ?, fields = ?, checks = ?, review_level = ?, rules_from = ?, submitted_on = ?, deadline_on = ?, first_reviewer = '',
			first_comment = '', first_at = NULL, decision_comment = '', updated_at = ? WHERE id = ?`,
			app.Status, app.Amount, in.BankCard, clip(payee, 64), in.ContractNo, mustJSON(in), mustJSON(ev.Checks), app.ReviewLevel,
			rulesFrom, today, deadline, now, app.ID); err != nil {
			return err
		}
		after["amount_fen"], after["review_level"] = int64(app.Amount), app.ReviewLevel
		return s.event(ctx, tx, app, c.action, "", before, after)
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, c.where, c.args...)
}

// Get returns an application with its progress (staff; channels use
// PersonApplication). Errors: ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Application, error) {
	return s.get(ctx, "id = ?", id)
}

// PersonApplication returns the person's own application with its progress;
// another person's is ErrNotFound.
func (s *Service) PersonApplication(ctx context.Context, personID, id int64) (*Application, error) {
	return s.get(ctx, "id = ? AND person_id = ?", id, personID)
}

func (s *Service) get(ctx context.Context, where string, args ...any) (*Application, error) {
	app, err := s.load(ctx, s.d.DB, where, false, args...)
	if err != nil {
		return nil, err
	}
	if app.Events, err = s.events(ctx, s.d.DB, app.ID); err != nil {
		return nil, err
	}
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	app.Overdue = overdue(app, today)
	return app, nil
}

func overdue(a *Application, today date.Date) bool {
	return (a.Status == StatusPendingReview || a.Status == StatusPendingFinal) && today.After(a.DeadlineOn)
}

// PersonApplications lists the person's own applications, newest first (at
// most 100), without their progress.
func (s *Service) PersonApplications(ctx context.Context, personID int64) ([]Application, error) {
	return s.list(ctx, `person_id = ? ORDER BY id DESC LIMIT 100`, personID)
}

// QueueFilter selects the staff review queue.
type QueueFilter struct {
	// Statuses to list; empty means the applications awaiting a decision
	// (待初审, 待终审).
	Statuses []string
	Limit    int // 1..500, default 100
}

// Queue lists applications for staff review, the earliest deadline first,
// each with Overdue set. Staff with the reviewer role.
//
// Errors: ErrBadInput for an unknown status; store errors.
func (s *Service) Queue(ctx context.Context, f QueueFilter) ([]Application, error) {
	sts := f.Statuses
	if len(sts) == 0 {
		sts = []string{StatusPendingReview, StatusPendingFinal}
	}
	args := make([]any, 0, len(sts))
	for _, st := range sts {
		if StatusName(st) == st {
			return nil, errs.Newf(errs.Invalid, ErrBadInput.Code, "未知的申请状态 %q", st).With("field", "status")
		}
		args = append(args, st)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.list(ctx, `status IN (?`+strings.Repeat(", ?", len(sts)-1)+fmt.Sprintf(`) ORDER BY deadline_on, id LIMIT %d`, limit), args...)
}

func (s *Service) list(ctx context.Context, where string, args ...any) ([]Application, error) {
	var out []Application
	if err := s.d.DB.SelectContext(ctx, &out, `SELECT `+appCols+` FROM withdrawal_application WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("list withdrawals: %w", err)
	}
	today, err := s.d.Dates.Today(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := out[i].decode(); err != nil {
			return nil, err
		}
		out[i].Overdue = overdue(&out[i], today)
	}
	if out == nil {
		out = []Application{}
	}
	return out, nil
}

// notify sends the applicant an SMS after a change (never failing it).
func (s *Service) notify(ctx context.Context, app *Application, template string, vars map[string]string) {
	if s.d.SMS == nil || app == nil {
		return
	}
	var who struct {
		Mobile  string    `db:"reserved_mobile"`
		Name    string    `db:"name"`
		Balance money.Fen `db:"balance_fen"`
	}
	if err := s.d.DB.GetContext(ctx, &who, `SELECT e.reserved_mobile, p.name, l.balance_fen FROM employee_account e
		JOIN person p ON p.id = e.person_id JOIN ledger_account l ON l.id = e.ledger_account_id WHERE e.id = ?`, app.AccountID); err != nil {
		s.d.Log.Warn("withdrawal: SMS recipient not read", "id", app.ID, "err", err)
		return
	}
	// 租房提取 → 因租房提取…, 购买住房 → 因购买住房提取…
	reason := strings.TrimSuffix(app.ReasonName, "提取")
	all := map[string]string{"name": who.Name, "reason": reason, "amount": app.Amount.Format(), "balance": who.Balance.Format()}
	for k, v := range vars {
		all[k] = v
	}
	if err := s.d.SMS(ctx, who.Mobile, template, all); err != nil {
		s.d.Log.Warn("withdrawal: SMS not sent", "id", app.ID, "template", template, "err", err)
	}
}

func maskCard(card string) string { return ident.MaskCard(card) }

func jsonUnmarshal(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode stored withdrawal answer: %w", err)
	}
	return nil
}

// shanghaiDay formats a time as the MM月DD日 of SMS texts.
func shanghaiDay(t time.Time) string {
	return date.FromTime(t).Time().Format("01月02日")
}
