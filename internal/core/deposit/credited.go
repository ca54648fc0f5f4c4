package deposit

import (
	"context"
	"fmt"
	"strings"

	"gjj/internal/ledger"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/money"
)

// Deposit credited → notice (到账提醒). When a remittance or 补缴 bill posts
// (from the bank or from the unit's suspense), every employee account the
// entry credits gets one deposit.credited notice queued through
// notify.EnqueueTx in the posting's own transaction: the notice commits with
// the posting and is delivered after commit by notify's dispatcher (WeChat
// template message to the bound openids, SMS to the reserved mobile per the
// 12329 subscription, quiet hours, retries). Queuing writes rows only, so it
// never blocks a posting on WeChat or the SMS gateway, and a posting that
// rolls back leaves no notice. The dedup key is the entry serial and the
// account, so one credit is notified once.

// CreditedDedup is the notice dedup key of the credit of entry serial to
// employee account accountNo. Tests and staff tools may call it to find the
// notice.
func CreditedDedup(serial, accountNo string) string {
	return notify.DepositCredited + ":" + serial + ":" + accountNo
}

// creditNoticesTx queues a deposit.credited notice for every employee
// account entry e credits (lines are the bill's lines, for the account
// numbers). Store errors only.
func (s *Service) creditNoticesTx(ctx context.Context, tx *db.Tx, e *ledger.Entry, lines []postingLine) error {
	accounts := make(map[string]string, len(lines)) // ledger code → account number
	for _, ln := range lines {
		accounts[ledger.PersonalCode(ln.AccountNo)] = ln.AccountNo
	}
	type credit struct {
		accountNo      string
		amount, balAft money.Fen
	}
	var credits []credit
	for _, pl := range e.Lines {
		no, ok := accounts[pl.Account]
		if !ok || pl.Side != ledger.Credit || pl.Amount <= 0 {
			continue
		}
		credits = append(credits, credit{no, pl.Amount, pl.BalanceAfter})
	}
	if len(credits) == 0 {
		return nil
	}
	day := fmt.Sprintf("%02d月%02d日", int(e.BizDate.Month()), e.BizDate.Day())
	for start := 0; start < len(credits); start += 500 {
		chunk := credits[start:min(start+500, len(credits))]
		args := make([]any, len(chunk))
		for i, c := range chunk {
			args[i] = c.accountNo
		}
		var people []struct {
			AccountNo string `db:"account_no"`
			PersonID  int64  `db:"person_id"`
			Mobile    string `db:"reserved_mobile"`
			Name      string `db:"name"`
		}
		if err := tx.SelectContext(ctx, &people, `SELECT ea.account_no, ea.person_id, ea.reserved_mobile, p.name
			FROM employee_account ea JOIN person p ON p.id = ea.person_id
			WHERE ea.account_no IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...); err != nil {
			return fmt.Errorf("credited notices: %w", err)
		}
		byNo := make(map[string]int, len(people))
		for i, p := range people {
			byNo[p.AccountNo] = i
		}
		notices := make([]notify.Notice, 0, len(chunk))
		for _, c := range chunk {
			i, ok := byNo[c.accountNo]
			if !ok {
				continue
			}
			p := people[i]
			phone := p.Mobile
			if _, err := notify.ParsePhone(phone); err != nil {
				phone = "" // no usable mobile: WeChat only
			}
			tail := c.accountNo
			if len(tail) > 4 {
				tail = tail[len(tail)-4:]
			}
			notices = append(notices, notify.Notice{Dedup: CreditedDedup(e.Serial, c.accountNo), PersonID: p.PersonID,
				Phone: phone, Template: notify.DepositCredited, Vars: map[string]string{"name": p.Name, "date": day,
					"account_tail": tail, "amount": c.amount.Format(), "balance": c.balAft.Format()}})
		}
		if err := notify.EnqueueTx(ctx, tx, notices...); err != nil {
			return err
		}
	}
	return nil
}
