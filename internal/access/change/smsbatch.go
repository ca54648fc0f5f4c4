package change

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/core/deposit"
	"gjj/internal/core/loan"
	"gjj/internal/notify"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// Audiences of an sms_batch request (群发范围).
const (
	AudienceOpenAccount = "open_account" // every person with an open account
	AudienceUnit        = "unit"         // the open accounts of one unit (unit = 单位账号)
	AudienceOpenLoan    = "open_loan"    // borrowers and co-borrowers of an open loan
)

// Errors of sms_batch requests.
var (
	// ErrBadAudience: an audience other than the three above.
	ErrBadAudience = errs.New(errs.Invalid, "change.bad_audience", "群发范围应为 open_account（全部未销户的缴存职工）、unit（某单位职工）或 open_loan（贷款未结清的借款人）")
	// ErrEmptyAudience: nobody in the audience has a usable reserved mobile.
	ErrEmptyAudience = errs.New(errs.Invalid, "change.empty_audience", "该群发范围内没有可接收短信的人员")
)

// AudienceName is the Chinese name of an audience ("" for an unknown one).
func AudienceName(a, unit string) string {
	switch a {
	case AudienceOpenAccount:
		return "全部未销户的缴存职工"
	case AudienceUnit:
		return "单位 " + unit + " 的职工"
	case AudienceOpenLoan:
		return "贷款未结清的借款人"
	}
	return ""
}

// prepareSMSBatch validates an sms_batch submission: the text (notify.BroadcastText),
// the audience and, for unit, the unit number. The impact is the number of
// recipients counted from the accounts and loans now; an empty audience is
// refused. The recipients are counted again at approval.
func (s *Service) prepareSMSBatch(ctx context.Context, in Input, pr *prepared) error {
	if strings.TrimSpace(in.Body) == "" {
		return required("body")
	}
	full, err := notify.BroadcastText(in.Body)
	if err != nil {
		return err
	}
	p := payload{Body: strings.TrimSpace(in.Body), Audience: strings.TrimSpace(in.Audience), Unit: strings.TrimSpace(in.Unit)}
	switch p.Audience {
	case AudienceUnit:
		if p.Unit == "" {
			return required("unit")
		}
	case AudienceOpenAccount, AudienceOpenLoan:
		if p.Unit != "" {
			return ErrFieldNotAllowed.With("field", "unit").With("kind", string(KindSMSBatch))
		}
	case "":
		return required("audience")
	default:
		return ErrBadAudience.With("field", "audience")
	}
	rs, err := batchRecipients(ctx, s.d.DB, p)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return ErrEmptyAudience.With("field", "audience")
	}
	off, err := notify.Unsubscribed(ctx, s.d.DB)
	if err != nil {
		return err
	}
	td := 0
	for _, r := range rs {
		if off[r.Phone] {
			td++
		}
	}
	n := int64(len(rs))
	pr.p = p
	pr.target = truncate("群发短信："+AudienceName(p.Audience, p.Unit), 100)
	pr.diff = []DiffLine{{Field: "body", Title: "短信内容（含签名和退订提示）", Before: "", After: full}}
	pr.impact = Impact{Summary: fmt.Sprintf("批准后向%s共 %d 人发送短信（已退订的号码不发送，免打扰时段内顺延至时段结束）",
		AudienceName(p.Audience, p.Unit), n), Count: &n,
		Details: []string{AudienceName(p.Audience, p.Unit), fmt.Sprintf("其中 %d 个号码已退订（TD），不发送", td)}}
	return nil
}

// batchRecipients are the audience's persons with a valid reserved mobile,
// one message per phone.
func batchRecipients(ctx context.Context, q db.Querier, p payload) ([]deposit.Recipient, error) {
	unit := ""
	if p.Audience == AudienceUnit {
		unit = p.Unit
	}
	all, err := deposit.NoticeRecipients(ctx, q, unit)
	if err != nil {
		return nil, withField(err, "unit")
	}
	var only map[int64]bool
	if p.Audience == AudienceOpenLoan {
		ids, err := loan.OpenBorrowers(ctx, q)
		if err != nil {
			return nil, err
		}
		only = make(map[int64]bool, len(ids))
		for _, id := range ids {
			only[id] = true
		}
	}
	seen := map[string]bool{}
	out := make([]deposit.Recipient, 0, len(all))
	for _, r := range all {
		phone, err := notify.ParsePhone(r.Phone)
		if err != nil || seen[phone] || (only != nil && !only[r.PersonID]) {
			continue
		}
		seen[phone] = true
		out = append(out, deposit.Recipient{PersonID: r.PersonID, Phone: phone})
	}
	return out, nil
}

// applySMSBatch queues an approved batch in tx: one notice per recipient
// counted now (notify.Broadcast, deduplicated per request and person), and
// one audit record with the count.
func (s *Service) applySMSBatch(ctx context.Context, tx *db.Tx, p payload, r row, checker string) error {
	full, err := notify.BroadcastText(p.Body)
	if err != nil {
		return err
	}
	rs, err := batchRecipients(ctx, tx, p)
	if err != nil {
		return err
	}
	ns := make([]notify.Notice, len(rs))
	for i, x := range rs {
		ns[i] = notify.Notice{Dedup: notify.BroadcastDedup(r.ID, x.PersonID), PersonID: x.PersonID, Phone: x.Phone,
			Template: notify.Broadcast, Vars: map[string]string{"text": full}}
	}
	if err := notify.EnqueueTx(ctx, tx, ns...); err != nil {
		return err
	}
	_, err = s.d.Audit.Append(ctx, tx, audit.Record{Actor: checker, Action: "notify.sms_batch", Object: "sms_batch:" + strconv.FormatInt(r.ID, 10),
		After: audit.Summary(map[string]any{"audience": p.Audience, "unit": p.Unit, "queued": len(ns), "maker": r.Maker, "change": object(r.ID)})})
	return err
}

// describeSMSBatch is an sms_batch request's Chinese title and content.
func describeSMSBatch(p payload, c map[string]any) (string, map[string]any) {
	c["body"], c["audience"] = p.Body, p.Audience
	if p.Unit != "" {
		c["unit"] = p.Unit
	}
	return "群发短信：" + AudienceName(p.Audience, p.Unit), c
}
