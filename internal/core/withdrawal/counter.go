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
	ErrFilerReviews    = errs.New(errs.Forbidden, "withdrawal.filer_reviews", "柜面代办的提取申请须由受理人以外的审核人员审核（柜面补正经办人同样不能审核）")
	// ErrCounterCorrection: the applicant tried to resubmit online an
	// application filed at the counter; it is corrected at the counter.
	ErrCounterCorrection = errs.New(errs.Conflict, "withdrawal.counter_correction", "该申请由柜面代办受理，请携带补正材料到柜面办理补正")
	// ErrNotCounterFiled: staff tried to correct at the counter an
	// application the person submitted online; the person resubmits it.
	ErrNotCounterFiled = errs.New(errs.Conflict, "withdrawal.not_counter_filed", "该申请由申请人本人在线提交，须由本人补正后重新提交")
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
	in.Counter = &CounterFiling{FiledBy: p.Subject, Materials: counterMaterials(a.Materials), HeirName: strings.TrimSpace(a.HeirName),
		HeirIDNumber: strings.ToUpper(strings.TrimSpace(a.HeirIDNumber))}
	return s.submit(ctx, key, in, filing{personID: emp.PersonID, accountNo: emp.AccountNo})
}

// counterMaterials trims, deduplicates and sorts the materials checked.
func counterMaterials(list []string) []string {
	mats := make([]string, 0, len(list))
	for _, m := range list {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(mats, m) {
			mats = append(mats, m)
		}
	}
	slices.Sort(mats)
	return mats
}

// CounterCorrection is what staff enter when the person (or heir) brings
// the correction of a returned counter-filed application to the counter:
// the corrected application (Input.Reason "" keeps the reason; another one
// is refused) and the required materials checked again, all of them.
type CounterCorrection struct {
	Input     Input
	Materials []string
	// HeirName and HeirIDNumber: the heir or legatee paid (heir_payee
	// reasons only), as in CounterApplication.
	HeirName     string
	HeirIDNumber string
}

// ResubmitAtCounter corrects at the counter an application filed at the
// counter (FileAtCounter) that a reviewer returned (退回补正): the person
// cannot do it online (Resubmit refuses it with ErrCounterCorrection, and
// the counter-only reasons are closed online). Staff (the staff API and the
// console, casbin role reviewer) call it with the session's principal.
//
// Every material the reason requires is checked again (ErrMaterialMissing,
// ErrMaterialUnknown as for FileAtCounter), the rules are evaluated again on
// the corrected input (a failing rule refuses it with its RuleError and the
// application stays returned) and, without a step-up code, the application
// goes back to 待初审 with a new decision deadline — never approved
// automatically. The staff member who corrects it is recorded
// (CounterFiling.CorrectedBy) and, like the filer, may not approve it
// (ErrFilerReviews). The correction is audited as
// withdrawal.counter_resubmit with the materials checked before and now.
// A second correction of the same return finds it 待初审 (ErrStatus).
//
// Errors: ErrNotStaff, ErrNotFound, ErrStatus (not returned),
// ErrNotCounterFiled (the person submitted it online), ErrUnknownReason
// (another reason), ErrBadInput, ErrMaterialMissing, ErrMaterialUnknown,
// ErrHeirNotAllowed, a RuleError, ErrNoRules, store errors.
func (s *Service) ResubmitAtCounter(ctx context.Context, p *identity.Principal, id int64, c CounterCorrection) (*Application, error) {
	if p == nil || p.Kind != "staff" || strings.TrimSpace(p.Subject) == "" {
		return nil, ErrNotStaff
	}
	in := c.Input
	in.SMSCode = ""
	mats := counterMaterials(c.Materials)
	heir, heirID := strings.TrimSpace(c.HeirName), strings.ToUpper(strings.TrimSpace(c.HeirIDNumber))
	return s.resubmit(ctx, id, in, correction{where: "id = ?", args: []any{id}, action: "counter_resubmit",
		fill: func(cur *Application, in Input) (Input, error) {
			prev := cur.Fields.Counter
			if prev == nil {
				return in, ErrNotCounterFiled
			}
			by := slices.Clone(prev.CorrectedBy)
			if !slices.ContainsFunc(by, func(s string) bool { return strings.EqualFold(s, p.Subject) }) {
				by = append(by, p.Subject)
			}
			in.Counter = &CounterFiling{FiledBy: prev.FiledBy, Materials: mats, HeirName: heir, HeirIDNumber: heirID, CorrectedBy: by}
			return in, nil
		}})
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

// counterHandledBy is the staff member among those who filed or corrected
// the application at the counter that reviewer is ("" when reviewer is none
// of them, or the person submitted it).
func counterHandledBy(a *Application, reviewer string) string {
	c := a.Fields.Counter
	if c == nil {
		return ""
	}
	reviewer = strings.TrimSpace(reviewer)
	for _, who := range append([]string{c.FiledBy}, c.CorrectedBy...) {
		if who != "" && strings.EqualFold(reviewer, who) {
			return who
		}
	}
	return ""
}
