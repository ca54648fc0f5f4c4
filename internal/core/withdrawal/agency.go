package withdrawal

import (
	"context"
	"strings"

	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

// ErrNotAgency: FileForAgency was called without a signed agency as the
// request's actor on channel gov.
var ErrNotAgency = errs.New(errs.Forbidden, "withdrawal.not_agency", "只有经签名核验的政务服务平台机构可以代为提交提取申请")

// AgencyApplication is what the 政务服务 platform (一网通办) submits on a
// person's behalf: the person's account, the application as the person
// would submit it (no SMS code) and the agency's recorded authorization.
type AgencyApplication struct {
	AccountNo string
	Input     Input
	// AgencyID is the signed agency (govshare registry id).
	AgencyID string
	// AuthorizationRef is the reference of the person's recorded
	// authorization that the channel has checked covers this application.
	AuthorizationRef string
}

// FileForAgency files a withdrawal application submitted by a government
// service platform (channel gov) on behalf of the holder of a.AccountNo,
// through the same submission as Submit: the rules in force are evaluated,
// an application that needs no review is approved and paid at once, others
// wait for review; the gate's amount limits of channel gov apply. The app's
// SMS step-up is replaced by the agency's signed request and the person's
// recorded authorization, which the caller (channels/gov) has checked
// before: the event and its audit record are withdrawal.agency_submit with
// the agency, the authorization reference and step_up
// "agency_authorization". key is the request's Idempotency-Key (a retry
// answers the first receipt, another application under the same key is
// ErrKeyReused).
//
// Only channels/gov calls it, with the signed agency as the context's actor.
// Errors: ErrNotAgency, ErrIdempotencyKey, ErrKeyReused, ErrUnknownReason,
// ErrBadInput, deposit.employee_not_found, a RuleError, channel limits,
// ErrNoRules, store errors.
func (s *Service) FileForAgency(ctx context.Context, key string, a AgencyApplication) (*Receipt, error) {
	actor := reqctx.ActorOf(ctx)
	agency, ref := strings.TrimSpace(a.AgencyID), strings.TrimSpace(a.AuthorizationRef)
	if agency == "" || ref == "" || actor.Channel != "gov" || actor.ID != "agency:"+agency {
		return nil, ErrNotAgency
	}
	accountNo := strings.TrimSpace(a.AccountNo)
	if accountNo == "" {
		return nil, errs.New(errs.Invalid, ErrBadInput.Code, "请填写个人公积金账号").With("field", "account_no")
	}
	emp, err := s.d.Deposit.Employee(ctx, accountNo)
	if err != nil {
		return nil, err
	}
	in := a.Input
	in.SMSCode, in.Counter = "", nil
	return s.submit(ctx, key, in, filing{personID: emp.PersonID, accountNo: emp.AccountNo, agency: agency, authRef: ref})
}
