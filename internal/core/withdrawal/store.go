package withdrawal

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
	"gjj/internal/platform/reqctx"
)

const appCols = `id, person_id, employee_account_id, account_no, reason, reason_name, tqyy, item, wtype, amount_fen, interest_fen,
	bank_card, payee_name, contract_no, fields, checks, materials, status, review_level, channel, rules_from, submitted_on, deadline_on,
	submitted_at, decided_at, first_reviewer, first_comment, first_at, final_reviewer, final_comment, final_at, decision_comment,
	entry_serial, pay_serial, bank_serial, pay_error, paid_on, paid_at, updated_at`

// load reads one application (ErrNotFound); lock adds the row lock.
func (s *Service) load(ctx context.Context, q db.Querier, where string, lock bool, args ...any) (*Application, error) {
	query := `SELECT ` + appCols + ` FROM withdrawal_application WHERE ` + where
	if tx, ok := q.(*db.Tx); ok && lock {
		query += tx.Dialect.ForUpdate()
	}
	var a Application
	err := q.GetContext(ctx, &a, query, args...)
	if db.NoRows(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read withdrawal application: %w", err)
	}
	if err := a.decode(); err != nil {
		return nil, err
	}
	return &a, nil
}

func (a *Application) decode() error {
	a.SubmittedAt = a.SubmittedAt.UTC()
	a.UpdatedAt = a.UpdatedAt.UTC()
	for _, t := range []*time.Time{a.DecidedAt, a.FirstAt, a.FinalAt, a.PaidAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
	if err := json.Unmarshal([]byte(a.FieldsJSON), &a.Fields); err != nil {
		return fmt.Errorf("withdrawal %d fields: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(a.ChecksJSON), &a.Checks); err != nil {
		return fmt.Errorf("withdrawal %d checks: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(a.MatJSON), &a.Materials); err != nil {
		return fmt.Errorf("withdrawal %d materials: %w", a.ID, err)
	}
	if a.Materials == nil {
		a.Materials = []string{}
	}
	a.Fields.Reason, a.Fields.Amount, a.Fields.BankCard = a.Reason, a.Amount, a.BankCard
	return nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are encoded
	}
	return string(b)
}

// event records a step of the application's progress and its audit record,
// in tx.
func (s *Service) event(ctx context.Context, tx *db.Tx, a *Application, action, comment string, before, after map[string]any) error {
	actor := reqctx.ActorOf(ctx)
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO withdrawal_event (application_id, at, actor, channel, action, status, comment)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, a.ID, now, clip(actor.ID, 64), clip(actor.Channel, 16), action, a.Status, clip(comment, 200)); err != nil {
		return fmt.Errorf("insert withdrawal event: %w", err)
	}
	if after == nil {
		after = map[string]any{}
	}
	after["status"] = a.Status
	if comment != "" {
		after["comment"] = comment
	}
	var b string
	if before != nil {
		b = audit.Summary(before)
	}
	_, err := s.d.Audit.Append(ctx, tx, audit.Record{Action: "withdrawal." + action, Object: fmt.Sprintf("withdrawal:%d", a.ID),
		Before: b, After: audit.Summary(after), Result: audit.ResultOK})
	return err
}

// events returns an application's progress, oldest first.
func (s *Service) events(ctx context.Context, q db.Querier, id int64) ([]Event, error) {
	out := []Event{}
	if err := q.SelectContext(ctx, &out, `SELECT at, actor, channel, action, status, comment FROM withdrawal_event
		WHERE application_id = ? ORDER BY id`, id); err != nil {
		return nil, fmt.Errorf("read withdrawal events: %w", err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// account is the employee account row the rules look at, locked in tx.
type account struct {
	ID          int64      `db:"id"`
	AccountNo   string     `db:"account_no"`
	PersonID    int64      `db:"person_id"`
	Status      string     `db:"status"`
	StatusOn    *date.Date `db:"status_on"`
	BankCard    string     `db:"bank_card"`
	Mobile      string     `db:"reserved_mobile"`
	StartMonth  date.Month `db:"start_month"`
	PaidThrough date.Month `db:"paid_through"`
	UnitID      int64      `db:"unit_id"`
	LedgerID    int64      `db:"ledger_account_id"`
	Name        string     `db:"name"`
	IDNumber    string     `db:"id_number"`
	Balance     money.Fen  `db:"balance_fen"`
}

const accountSelect = `SELECT e.id, e.account_no, e.person_id, e.status, e.status_on, e.bank_card, e.reserved_mobile, e.start_month,
	e.paid_through, e.unit_id, e.ledger_account_id, p.name, p.id_number, l.balance_fen
	FROM employee_account e JOIN person p ON p.id = e.person_id JOIN ledger_account l ON l.id = e.ledger_account_id`

// lockAccount locks the employee account row and its ledger account (in that
// order, before the ledger locks the ledger rows it posts to) and reads them.
func lockAccount(ctx context.Context, tx *db.Tx, id int64) (*account, error) {
	var ledgerID int64
	if err := tx.GetContext(ctx, &ledgerID, `SELECT ledger_account_id FROM employee_account WHERE id = ?`+tx.Dialect.ForUpdate(), id); err != nil {
		if db.NoRows(err) {
			return nil, deposit.ErrEmployeeNotFound
		}
		return nil, fmt.Errorf("lock employee account: %w", err)
	}
	var bal int64
	if err := tx.GetContext(ctx, &bal, `SELECT balance_fen FROM ledger_account WHERE id = ?`+tx.Dialect.ForUpdate(), ledgerID); err != nil {
		return nil, fmt.Errorf("lock ledger account: %w", err)
	}
	var a account
	if err := tx.GetContext(ctx, &a, accountSelect+` WHERE e.id = ?`, id); err != nil {
		return nil, fmt.Errorf("read employee account: %w", err)
	}
	return &a, nil
}

// openStatuses is the SQL list of open statuses.
var openStatuses = "'" + strings.Join([]string{StatusPendingReview, StatusPendingFinal, StatusReturned, StatusPaying}, "','") + "'"

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
