package loan

import (
	"context"
	"fmt"

	"gjj/internal/notify"
	"gjj/internal/platform/date"
)

// notifyLoan sends a loan notice to the borrower's reserved mobile with the
// borrower's name and the last four digits of the loan number added.
func (s *Service) notifyLoan(ctx context.Context, l *Loan, template string, vars map[string]string) {
	if s.SMS == nil || l == nil {
		return
	}
	e, err := s.deposit.Employee(ctx, l.AccountNo)
	if err != nil {
		return
	}
	v := map[string]string{"name": e.Name, "loan_tail": l.LoanNo[len(l.LoanNo)-4:]}
	for k, x := range vars {
		v[k] = x
	}
	s.send(ctx, e.ReservedMobile, template, v)
}

// notifyDecision tells the borrower that the application was approved or
// rejected.
func (s *Service) notifyDecision(ctx context.Context, a *Application) {
	if s.SMS == nil {
		return
	}
	e, err := s.deposit.Employee(ctx, a.AccountNo)
	if err != nil {
		return
	}
	vars := map[string]string{"name": e.Name, "app_no": fmt.Sprint(a.ID)}
	template := notify.LoanApproved
	if a.Status == AppRejected {
		template = notify.LoanRejected
		reason := "不符合贷款条件"
		if n := len(a.Reviews); n > 0 && a.Reviews[n-1].Comment != "" {
			reason = a.Reviews[n-1].Comment
		}
		if r := []rune(reason); len(r) > 60 {
			reason = string(r[:60])
		}
		vars["reason"] = reason
	}
	s.send(ctx, e.ReservedMobile, template, vars)
}

// cnDate formats a date the way notices write it: 2026年1月15日.
func cnDate(d date.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}
