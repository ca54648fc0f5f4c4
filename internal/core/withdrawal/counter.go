package withdrawal

import (
	"context"
	"slices"
	"strings"

	"gjj/internal/core/withdrawal/rules"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/ident"
)

// Errors of counter filing (柜面代办).
var (
	ErrNotStaff        = errs.New(errs.Forbidden, "withdrawal.not_staff", "只有中心工作人员可以在柜面代为提交提取申请")
	ErrMaterialMissing = errs.New(errs.Invalid, "withdrawal.material_missing", "缺少必需的申请材料")
	ErrMaterialUnknown = errs.New(errs.Invalid, "withdrawal.material_unknown", "所列材料不是该提取原因要求的材料")
	ErrHeirNotAllowed  = errs.New(errs.Invalid, "withdrawal.heir_not_allowed", "该提取原因不能由继承人或受遗赠人领取")
	ErrFilerReviews    = errs.New(errs.Forbidden, "withdrawal.filer_reviews", "柜面代办的提取申请须由受理人以外的审核人员审核")
)

// CounterApplication is what staff enter at the counter for a person who is
// present (or, for 死亡或宣告死亡, their heir): the account, the
// application as the person would submit it (no SMS code), and the
// required materials seen (names as listed in the reason's materials).
type CounterApplication struct {
	AccountNo string
	Input     Input
	// Materials are the required materials checked at the counter.
	Materials []string
	// HeirName and HeirIDNumber: the heir or legatee who receives the money
	// (reasons with heir_payee only); Input.BankCard is then their card.
	HeirName     string
	HeirIDNumber string
}

// FileAtCounter files a withdrawal application at the counter (柜面代办) on
// behalf of the holder of a.AccountNo, for any reason of withdraw.rules —
// in particular those the channel matrix offers only at the counter
// (建造翻建大修, 完全丧失劳动能力, 死亡或宣告死亡, 大病医疗 by default).
// Staff (the staff API, casbin role reviewer) call it with the session's
// principal; key is the Idempotency-Key of the request (a retry answers the
// first receipt).
//
// Every material the reason requires must be listed as checked
// (ErrMaterialMissing naming the first missing one, details material and
// missing); an unknown one is ErrMaterialUnknown. The rules are evaluated as
// for Submit (a failing rule refuses with its RuleError, nothing stored),
// except that no step-up code is asked and, for a reason with heir_payee, a
// named heir may be paid on their own card (checked by the reviewer). The
// application never goes through automatically: it waits for 初审 (and 终审
// above the four-eyes threshold) by a reviewer other than the filer
// (ErrFilerReviews), then is paid like any other. The filing is audited as
// withdrawal.counter_submit with the materials checked.
//
// Errors: ErrNotStaff, ErrIdempotencyKey, ErrKeyReused, ErrUnknownReason,
// ErrBadInput, ErrMaterialMissing, ErrMaterialUnknown, ErrHeirNotAllowed,
// deposit.employee_not_found, a RuleError, ErrNoRules, store errors.
func (s *Service) FileAtCounter(ctx context.Context, p *identity.Principal, key string, a CounterApplication) (*Receipt, error) {
	if p == nil || p.Kind != "staff" || strings.TrimSpace(p.Subject) == "" {
		return nil, ErrNotStaff
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
	in.SMSCode = ""
	mats := make([]string, 0, len(a.Materials))
	for _, m := range a.Materials {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(mats, m) {
			mats = append(mats, m)
		}
	}
	slices.Sort(mats)
	in.Counter = &CounterFiling{FiledBy: p.Subject, Materials: mats, HeirName: strings.TrimSpace(a.HeirName),
		HeirIDNumber: strings.ToUpper(strings.TrimSpace(a.HeirIDNumber))}
	return s.submit(ctx, key, in, filing{personID: emp.PersonID, accountNo: emp.AccountNo})
}

// checkCounter checks the counter's part of an application: every material
// the reason requires was checked, no unknown one, and an heir only where
// the reason allows one, with a name and a valid resident ID number.
func checkCounter(rs *rules.Reason, in Input) error {
	c := in.Counter
	for _, m := range c.Materials {
		if !slices.Contains(rs.Materials, m) {
			return errs.Newf(errs.Invalid, ErrMaterialUnknown.Code, "「%s」不是%s要求的材料，可选：%s", m, rs.Name,
				strings.Join(rs.Materials, "、")).With("field", "materials").With("material", m)
		}
	}
	var missing []string
	for _, m := range rs.Materials {
		if !slices.Contains(c.Materials, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		return errs.Newf(errs.Invalid, ErrMaterialMissing.Code, "%s缺少必需材料：%s，请收取并核验后再提交", rs.Name,
			strings.Join(missing, "、")).With("field", "materials").With("material", missing[0]).With("missing", missing)
	}
	if c.HeirName == "" && c.HeirIDNumber == "" {
		return nil
	}
	if !rs.HeirPayee {
		return ErrHeirNotAllowed.With("field", "heir_name").With("reason", rs.Key)
	}
	if n := len([]rune(c.HeirName)); n == 0 || n > 32 {
		return errs.New(errs.Invalid, ErrBadInput.Code, "请填写继承人或受遗赠人姓名（1 至 32 个字）").With("field", "heir_name")
	}
	if _, err := ident.ParseResidentID(c.HeirIDNumber); err != nil {
		return errs.New(errs.Invalid, ErrBadInput.Code, "继承人或受遗赠人的居民身份证号码不正确").With("field", "heir_id_number")
	}
	return nil
}

// counterFiler is the staff member who filed the application at the
// counter ("" for one the person submitted).
func counterFiler(a *Application) string {
	if a.Fields.Counter == nil {
		return ""
	}
	return a.Fields.Counter.FiledBy
}
