package sms12329

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/identity"
	"gjj/internal/notify"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/reqctx"
)

// Service items of the channel gate (internal/channel/catalog).
const (
	itemAccount = "GR-01" // balance and statement
	itemLoan    = "DK-02" // loan queries
)

// statementLines is how many postings MX answers.
const statementLines = 3

// stamp reads the RFC 3339 time of a JSON body's field.
func stamp(field string) func([]byte) (time.Time, bool) {
	return func(body []byte) (time.Time, bool) {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return time.Time{}, false
		}
		var t time.Time
		if json.Unmarshal(m[field], &t) != nil || t.IsZero() {
			return time.Time{}, false
		}
		return t, true
	}
}

// Parse splits an inbound text into its rule and the PIN that follows the
// keyword ("" when none). An unknown keyword is Help.
func (g Grammar) Parse(text string) (Rule, string) {
	f := strings.Fields(strings.ToUpper(text))
	if len(f) == 0 {
		return Rule{Command: Help}, ""
	}
	r, ok := g[f[0]]
	if !ok {
		return Rule{Command: Help}, ""
	}
	if len(f) > 1 {
		return r, f[1]
	}
	return r, ""
}

// Handle answers one inbound SMS from phone (an 11-digit mobile) through the
// outbox or gateway. Only the webhook calls it (after authenticating the
// gateway). Errors are store failures; a refused sender is answered, not an
// error.
func (s *Service) Handle(ctx context.Context, phone, text string) error {
	rule, pin := s.cfg.Grammar.Parse(text)
	masked := ident.MaskMobile(phone)
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: "sms:" + masked, Channel: Channel})
	var personID int64
	if rule.PIN {
		p, err := s.d.Identity.CheckQueryPIN(ctx, phone, pin)
		if errors.Is(err, identity.ErrWrongPIN) || errors.Is(err, identity.ErrPINLocked) || errors.Is(err, identity.ErrPINNotSet) {
			return s.refuse(ctx, phone, rule.Command, errs.CodeOf(err))
		}
		if err != nil {
			return err
		}
		personID = p.SubjectID
	} else {
		id, ok, err := s.d.Identity.PersonByReservedMobile(ctx, phone)
		if err != nil {
			return err
		}
		if !ok {
			return s.refuse(ctx, phone, rule.Command, "sms12329.unknown_sender")
		}
		personID = id
	}
	ctx = reqctx.WithActor(ctx, reqctx.Actor{ID: fmt.Sprintf("person:%d", personID), Channel: Channel})
	switch rule.Command {
	case Help:
		return s.reply(ctx, phone, notify.SMSHelp, nil)
	case Subscribe, Unsubscribe:
		if err := s.Subs.Set(ctx, phone, rule.Command == Subscribe); err != nil {
			return err
		}
		if rule.Command == Subscribe {
			return s.reply(ctx, phone, notify.SMSSubscribed, nil)
		}
		return s.reply(ctx, phone, notify.SMSUnsubscribed, nil)
	}
	item := itemAccount
	if rule.Command == Loan {
		item = itemLoan
	}
	ticket, err := s.d.Gate.Admit(ctx, Channel, item)
	if err != nil {
		if k := errs.KindOf(err); k == errs.Busy || k == errs.Unavailable {
			return s.refuse(ctx, phone, rule.Command, errs.CodeOf(err))
		}
		return err
	}
	template, vars, err := s.query(ctx, personID, rule.Command)
	ticket.Done(err)
	if err != nil {
		return err
	}
	_, _ = s.d.Audit.Write(ctx, audit.Record{Action: "sms12329.query", Object: string(rule.Command), Result: audit.ResultOK})
	return s.reply(ctx, phone, template, vars)
}

// refuse answers the neutral text and records why (audit only).
func (s *Service) refuse(ctx context.Context, phone string, cmd Command, why string) error {
	_, _ = s.d.Audit.Write(ctx, audit.Record{Action: "sms12329.query", Object: string(cmd), Result: "refused",
		After: audit.Summary(map[string]string{"reason": why})})
	return s.reply(ctx, phone, notify.SMSNeutral, nil)
}

// reply sends an answer; a gateway failure is logged (the message is in the
// outbox as failed), not returned: the inbound SMS was handled.
func (s *Service) reply(ctx context.Context, phone, template string, vars map[string]string) error {
	_, err := s.d.Notify.SendSMS(ctx, notify.SMS{Phone: phone, Template: template, Vars: vars})
	if errors.Is(err, notify.ErrGatewayUnavailable) {
		s.d.Log.WarnContext(ctx, "sms12329: reply not sent", "template", template, "err", err)
		return nil
	}
	return err
}

// query reads the figures of a command for the person.
func (s *Service) query(ctx context.Context, personID int64, cmd Command) (string, map[string]string, error) {
	e, err := s.d.Deposit.PersonAccount(ctx, personID)
	if errors.Is(err, deposit.ErrEmployeeNotFound) {
		return notify.SMSNeutral, nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	name := maskName(e.Name)
	if cmd == Loan {
		return s.loan(ctx, personID, name)
	}
	st, err := s.d.Deposit.Statement(ctx, "", e.AccountNo, deposit.StatementQuery{Limit: statementLines})
	if err != nil {
		return "", nil, err
	}
	if cmd == Balance {
		month := "—"
		if !st.PaidThrough.IsZero() {
			month = st.PaidThrough.String()
		}
		return notify.SMSBalance, map[string]string{"name": name, "account_tail": tail(e.AccountNo), "balance": e.Balance.Format(),
			"month": month, "status": st.StatusName}, nil
	}
	var lines []string
	for _, l := range st.Lines {
		amount := "+" + l.Income.Format()
		if l.Expense != 0 {
			amount = "-" + l.Expense.Format()
		}
		line := fmt.Sprintf("%02d-%02d%s%s", int(l.Date.Month()), l.Date.Day(), l.BizTypeName, amount)
		if utf8.RuneCountInString(strings.Join(append(lines, line), "；")) > notify.MaxVar {
			break
		}
		lines = append(lines, line)
	}
	text := strings.Join(lines, "；")
	if text == "" {
		text = "暂无明细"
	}
	return notify.SMSStatement, map[string]string{"name": name, "account_tail": tail(e.AccountNo), "lines": text}, nil
}

// loan answers DK: the newest unsettled loan and its next unpaid instalment.
func (s *Service) loan(ctx context.Context, personID int64, name string) (string, map[string]string, error) {
	none := map[string]string{"name": name}
	if s.d.Loan == nil {
		return notify.SMSNoLoan, none, nil
	}
	loans, err := s.d.Loan.Loans(ctx, personID)
	if err != nil {
		return "", nil, err
	}
	for i := range loans {
		l := &loans[i]
		if l.Status == loan.LoanSettled {
			continue
		}
		plan, err := s.d.Loan.Plan(ctx, l)
		if err != nil {
			return "", nil, err
		}
		for _, in := range plan {
			if in.Status != loan.InstPaid {
				return notify.SMSLoan, map[string]string{"name": name, "loan_tail": tail(l.LoanNo), "balance": l.Balance.Format(),
					"date": in.DueOn.String(), "payment": in.Payment().Format()}, nil
			}
		}
	}
	return notify.SMSNoLoan, none, nil
}

// maskName keeps the first character of a name: "李*".
func maskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return name
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", n-1)
}

// tail is the last four characters of an account or loan number.
func tail(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}
