package change

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gjj/internal/access"
	"gjj/internal/audit"
	"gjj/internal/channel/catalog"
	"gjj/internal/kb"
	"gjj/internal/notice"
	"gjj/internal/notify"
	"gjj/internal/platform/date"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
	"gjj/internal/policy"
)

// payload is a request's normalised content (JSON in change_request.payload):
// values in stored form, times UTC.
type payload struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`

	Channel string `json:"channel,omitempty"`
	Item    string `json:"item,omitempty"`
	Enabled *bool  `json:"enabled,omitempty"`

	Class    string  `json:"item_class,omitempty"`
	RatePerS float64 `json:"rate_per_s,omitempty"`
	Burst    int     `json:"burst,omitempty"`

	Title     string     `json:"title,omitempty"`
	Body      string     `json:"body,omitempty"`
	Category  string     `json:"category,omitempty"`
	Channels  []string   `json:"channels,omitempty"`
	PublishAt *time.Time `json:"publish_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`

	Subject string `json:"subject,omitempty"`
	Role    string `json:"role,omitempty"`
	Domain  string `json:"domain,omitempty"`
	Action  string `json:"action,omitempty"`

	Article  int64    `json:"article,omitempty"` // kb_article (kb.go)
	Keywords []string `json:"keywords,omitempty"`

	Audience string `json:"audience,omitempty"` // sms_batch (smsbatch.go)
	Unit     string `json:"unit,omitempty"`
}

func (p payload) grant() access.Grant {
	return access.Grant{Subject: p.Subject, Role: p.Role, Domain: p.Domain}
}

// prepared is a validated submission.
type prepared struct {
	kind   Kind
	target string
	reason string
	eff    *date.Date
	base   string
	p      payload
	diff   []DiffLine
	impact Impact
}

// kindFields are the Input fields each kind accepts.
var kindFields = map[Kind][]string{
	KindParam:        {"key", "value", "effective_from", "reason"},
	KindChannelState: {"channel", "enabled", "effective_from", "reason"},
	KindItemSwitch:   {"item", "channel", "enabled", "effective_from", "reason"},
	KindCapacity:     {"channel", "item_class", "rate_per_s", "burst", "effective_from", "reason"},
	KindNotice:       {"title", "body", "category", "channels", "publish_at", "expires_at", "reason"},
	KindRoleGrant:    {"subject", "role", "domain", "action", "reason"},
	KindKBArticle:    {"action", "article", "title", "body", "category", "keywords", "channels", "reason"},
	KindSMSBatch:     {"body", "audience", "unit", "reason"},
	KindSMSTemplate:  {"key", "body", "reason"},
}

// present lists the fields of in that are set, in a fixed order.
func present(in Input) []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"effective_from", in.EffectiveFrom != ""}, {"key", in.Key != ""}, {"value", in.Value != ""},
		{"channel", in.Channel != ""}, {"item", in.Item != ""}, {"enabled", in.Enabled != nil},
		{"item_class", in.ItemClass != ""}, {"rate_per_s", in.RatePerS != nil}, {"burst", in.Burst != nil},
		{"title", in.Title != ""}, {"body", in.Body != ""}, {"category", in.Category != ""},
		{"channels", in.Channels != nil}, {"publish_at", in.PublishAt != ""}, {"expires_at", in.ExpiresAt != ""},
		{"subject", in.Subject != ""}, {"role", in.Role != ""}, {"domain", in.Domain != ""}, {"action", in.Action != ""},
		{"article", in.Article != 0}, {"keywords", in.Keywords != nil},
		{"audience", in.Audience != ""}, {"unit", in.Unit != ""},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

func required(field string) error { return ErrFieldRequired.With("field", field) }

func withField(err error, field string) error { return errs.E(err).With("field", field) }

// prepare validates a submission as the approval will apply it.
func (s *Service) prepare(ctx context.Context, actor string, in Input) (*prepared, error) {
	if !in.Kind.valid() {
		return nil, ErrBadKind.With("field", "kind")
	}
	if err := s.allowed(actor, in.Kind, access.ActSubmit); err != nil {
		return nil, err
	}
	for _, f := range present(in) {
		if !slices.Contains(kindFields[in.Kind], f) {
			return nil, ErrFieldNotAllowed.With("field", f).With("kind", string(in.Kind))
		}
	}
	pr := &prepared{kind: in.Kind, reason: strings.TrimSpace(in.Reason)}
	if err := checkText(pr.reason, MaxReason, ErrReason, "reason"); err != nil {
		return nil, err
	}
	if in.Kind == KindParam && pr.reason == "" {
		return nil, ErrReasonRequired.With("field", "reason")
	}
	if slices.Contains(kindFields[in.Kind], "effective_from") {
		today, err := s.d.Dates.Today(ctx)
		if err != nil {
			return nil, err
		}
		eff := today
		if in.EffectiveFrom != "" {
			if eff, err = date.Parse(in.EffectiveFrom); err != nil {
				return nil, withField(err, "effective_from")
			}
			if eff.Before(today) {
				return nil, ErrBackdated.With("field", "effective_from").With("business_date", today.String())
			}
		}
		pr.eff = &eff
	}
	var err error
	switch in.Kind {
	case KindParam:
		err = s.prepareParam(ctx, in, pr)
	case KindChannelState:
		err = s.prepareChannelState(ctx, in, pr)
	case KindItemSwitch:
		err = s.prepareItemSwitch(ctx, in, pr)
	case KindCapacity:
		err = s.prepareCapacity(ctx, in, pr)
	case KindNotice:
		err = s.prepareNotice(in, pr)
	case KindRoleGrant:
		err = s.prepareRoleGrant(ctx, actor, in, pr)
	case KindKBArticle:
		err = s.prepareKB(ctx, in, pr)
	case KindSMSBatch:
		err = s.prepareSMSBatch(ctx, in, pr)
	case KindSMSTemplate:
		err = s.prepareSMSTemplate(ctx, in, pr)
	}
	if err != nil {
		return nil, err
	}
	return pr, nil
}

func (s *Service) prepareParam(ctx context.Context, in Input, pr *prepared) error {
	key := strings.TrimSpace(in.Key)
	if key == "" {
		return required("key")
	}
	sp, ok := policy.Lookup(key)
	if !ok {
		return errs.Newf(errs.Invalid, "policy.unknown_key", "未知的参数：%s", key).With("key", key).With("field", "key")
	}
	if sp.Kind == policy.KindJSON && key != policy.ChannelPeakWindows { // peak windows: a whole document, as a param
		return ErrJSONParam.With("field", "key")
	}
	if strings.TrimSpace(in.Value) == "" {
		return required("value")
	}
	stored, err := sp.ParseInput(in.Value)
	if err != nil {
		return withField(err, "value")
	}
	pr.p = payload{Key: key, Value: stored}
	before, err := s.current(ctx, s.d.DB, KindParam, pr.p, *pr.eff)
	if err != nil {
		return err
	}
	if before == stored {
		return ErrNoChange.With("field", "value")
	}
	if err := s.versionFree(ctx, key, *pr.eff, false); err != nil {
		return err
	}
	pr.target, pr.base = key, before
	pr.diff = []DiffLine{{Field: key, Title: sp.Title, Before: display(sp, before), After: sp.Display(stored)}}
	pr.impact, err = s.paramImpact(ctx, sp, before, stored, *pr.eff)
	return err
}

func (s *Service) prepareChannelState(ctx context.Context, in Input, pr *prepared) error {
	ch, err := channelOf(in.Channel, false)
	if err != nil {
		return err
	}
	if in.Enabled == nil {
		return required("enabled")
	}
	pr.p = payload{Channel: ch.Code, Enabled: in.Enabled}
	m, err := s.matrixAt(ctx, *pr.eff)
	if err != nil {
		return err
	}
	before := strconv.FormatBool(m.Channels[ch.Code])
	if before == strconv.FormatBool(*in.Enabled) {
		return ErrNoChange.With("field", "enabled")
	}
	if err := s.versionFree(ctx, policy.ChannelMatrix, *pr.eff, true); err != nil {
		return err
	}
	pr.target, pr.base = ch.Code, before
	pr.diff = []DiffLine{{Field: "channels." + ch.Code, Title: ch.Name + "（渠道总开关）", Before: onOff(m.Channels[ch.Code]), After: onOff(*in.Enabled)}}
	pr.impact = channelImpact(m, ch, *in.Enabled)
	return nil
}

func (s *Service) prepareItemSwitch(ctx context.Context, in Input, pr *prepared) error {
	code := strings.TrimSpace(in.Item)
	if code == "" {
		return required("item")
	}
	it, ok := catalog.ItemByCode(code)
	if !ok {
		return ErrBadItem.With("field", "item").With("item", code)
	}
	ch, err := channelOf(in.Channel, true)
	if err != nil {
		return err
	}
	if in.Enabled == nil {
		return required("enabled")
	}
	pr.p = payload{Item: it.Code, Channel: ch.Code, Enabled: in.Enabled}
	m, err := s.matrixAt(ctx, *pr.eff)
	if err != nil {
		return err
	}
	on := switchOf(m, it.Code, ch.Code)
	if on == *in.Enabled {
		return ErrNoChange.With("field", "enabled")
	}
	if err := s.versionFree(ctx, policy.ChannelMatrix, *pr.eff, true); err != nil {
		return err
	}
	pr.target, pr.base = it.Code+"@"+ch.Code, strconv.FormatBool(on)
	field, title := "items."+it.Code+".channels."+ch.Code+".enabled", fmt.Sprintf("「%s」在%s", it.Name, ch.Name)
	if ch.Code == allChannels {
		field, title = "items."+it.Code+".enabled", fmt.Sprintf("「%s」（事项总开关）", it.Name)
	}
	pr.diff = []DiffLine{{Field: field, Title: title, Before: onOff(on), After: onOff(*in.Enabled)}}
	pr.impact = itemImpact(m, it, ch, *in.Enabled)
	return nil
}

func (s *Service) prepareCapacity(ctx context.Context, in Input, pr *prepared) error {
	ch, err := channelOf(in.Channel, false)
	if err != nil {
		return err
	}
	class := catalog.Class(strings.TrimSpace(in.ItemClass))
	if class == "" {
		return required("item_class")
	}
	if !slices.Contains(catalog.Classes(), class) {
		return ErrBadClass.With("field", "item_class")
	}
	if in.RatePerS == nil {
		return required("rate_per_s")
	}
	if in.Burst == nil {
		return required("burst")
	}
	pr.p = payload{Channel: ch.Code, Class: string(class), RatePerS: *in.RatePerS, Burst: int(*in.Burst)}
	if int64(pr.p.Burst) != *in.Burst {
		pr.p.Burst = -1 // out of int range: let the validator refuse it
	}
	c, err := s.capacityAt(ctx, *pr.eff)
	if err != nil {
		return err
	}
	old, _ := c.Rate(ch.Code, class)
	c[ch.Code][class] = catalog.Rate{PerSecond: pr.p.RatePerS, Burst: pr.p.Burst}
	sp, _ := policy.Lookup(policy.ChannelCapacity)
	if err := sp.Validate(c.JSON()); err != nil {
		return err
	}
	nr := catalog.Rate{PerSecond: pr.p.RatePerS, Burst: pr.p.Burst}
	if rateText(old) == rateText(nr) {
		return ErrNoChange.With("field", "rate_per_s")
	}
	if err := s.versionFree(ctx, policy.ChannelCapacity, *pr.eff, true); err != nil {
		return err
	}
	pr.target, pr.base = ch.Code+"/"+string(class), rateText(old)
	where := ch.Name + className(class) + "类事项"
	pr.diff = []DiffLine{
		{Field: ch.Code + "." + string(class) + ".rate_per_s", Title: where + "每秒受理数", Before: number(old.PerSecond), After: number(nr.PerSecond)},
		{Field: ch.Code + "." + string(class) + ".burst", Title: where + "瞬时最多受理数", Before: strconv.Itoa(old.Burst), After: strconv.Itoa(nr.Burst)},
	}
	pr.impact, err = s.capacityImpact(ctx, ch, class, old, nr)
	return err
}

func (s *Service) prepareNotice(in Input, pr *prepared) error {
	p := payload{Title: strings.TrimSpace(in.Title), Body: strings.TrimSpace(in.Body), Category: in.Category}
	if p.Title == "" || utf8.RuneCountInString(p.Title) > notice.MaxTitle || !utf8.ValidString(p.Title) {
		return notice.ErrTitle.With("field", "title")
	}
	if p.Body == "" || utf8.RuneCountInString(p.Body) > notice.MaxBody || !utf8.ValidString(p.Body) {
		return notice.ErrBody.With("field", "body")
	}
	if notice.CategoryName(p.Category) == "" {
		return notice.ErrCategory.With("field", "category")
	}
	for _, c := range in.Channels {
		if _, ok := catalog.ChannelByCode(c); !ok {
			return notice.ErrChannel.With("field", "channels").With("channel", c)
		}
		if !slices.Contains(p.Channels, c) {
			p.Channels = append(p.Channels, c)
		}
	}
	from := s.now().UTC().Truncate(time.Second)
	if in.PublishAt != "" {
		t, err := time.Parse(time.RFC3339, in.PublishAt)
		if err != nil {
			return ErrBadTime.With("field", "publish_at")
		}
		t = t.UTC().Truncate(time.Second)
		p.PublishAt = &t
		from = t
	}
	if in.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, in.ExpiresAt)
		if err != nil {
			return ErrBadTime.With("field", "expires_at")
		}
		t = t.UTC().Truncate(time.Second)
		if !t.After(from) || !t.After(s.now()) {
			return notice.ErrExpiry.With("field", "expires_at")
		}
		p.ExpiresAt = &t
	}
	pr.p = p
	pr.target = truncate(p.Title, 100)
	pr.diff = []DiffLine{{Field: "notice", Title: "公告（" + notice.CategoryName(p.Category) + "）", Before: "", After: p.Title}}
	pr.impact = noticeImpact(p)
	return nil
}

var domainRE = regexp.MustCompile(`^branch:[A-Za-z0-9_-]{1,32}$`)

func (s *Service) prepareRoleGrant(ctx context.Context, actor string, in Input, pr *prepared) error {
	subject := strings.ToLower(strings.TrimSpace(in.Subject))
	if subject == "" {
		return required("subject")
	}
	if !strings.HasPrefix(subject, "staff:") {
		subject = "staff:" + subject
	}
	role := strings.TrimSpace(in.Role)
	if role == "" {
		return required("role")
	}
	if !strings.HasPrefix(role, "role:") {
		role = "role:" + role
	}
	if !slices.Contains(access.StaffRoles, role) {
		return ErrBadRole.With("field", "role")
	}
	domain := strings.TrimSpace(in.Domain)
	if domain == "" {
		domain = access.Center
	}
	if domain != access.Center && !domainRE.MatchString(domain) {
		return ErrBadDomain.With("field", "domain")
	}
	if in.Action != "grant" && in.Action != "revoke" {
		if in.Action == "" {
			return required("action")
		}
		return ErrBadAction.With("field", "action")
	}
	if strings.EqualFold(subject, actor) {
		return ErrSelfGrant.With("field", "subject")
	}
	var n int
	if err := s.d.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM staff_user WHERE username = ?`, strings.TrimPrefix(subject, "staff:")); err != nil {
		return fmt.Errorf("look up staff: %w", err)
	}
	if n == 0 {
		return ErrUnknownStaff.With("field", "subject")
	}
	pr.p = payload{Subject: subject, Role: role, Domain: domain, Action: in.Action}
	before, err := s.current(ctx, s.d.DB, KindRoleGrant, pr.p, date.Date{})
	if err != nil {
		return err
	}
	grant := in.Action == "grant"
	if (before == granted) == grant {
		return ErrNoChange.With("field", "action")
	}
	pr.target, pr.base = truncate(subject+" "+role+" "+domain, 128), before
	pr.diff = []DiffLine{{Field: "role", Title: fmt.Sprintf("%s 的角色 %s（%s）", subject, strings.TrimPrefix(role, "role:"), domainName(domain)),
		Before: heldText(before == granted), After: heldText(grant)}}
	pr.impact = s.roleImpact(subject, role, grant)
	return nil
}

// granted is the base of a role grant that is held.
const granted = "granted"

// allChannels is the item_switch channel meaning the item's own switch.
const allChannels = "*"

// channelOf checks a channel code ("*" when star is allowed).
func channelOf(code string, star bool) (catalog.Channel, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return catalog.Channel{}, required("channel")
	}
	if star && code == allChannels {
		return catalog.Channel{Code: allChannels, Name: "全部渠道"}, nil
	}
	ch, ok := catalog.ChannelByCode(code)
	if !ok {
		return catalog.Channel{}, ErrBadChannel.With("field", "channel").With("channel", code)
	}
	return ch, nil
}

// current is the value in force that a change replaces, in the form of
// change_request.base: a parameter's stored value ("" when none is in force),
// "true"/"false" for switches, "rate/burst" for capacities, "granted" or ""
// for role grants, "" for notices. q reads role grants (the approval's tx).
func (s *Service) current(ctx context.Context, q db.Querier, kind Kind, p payload, eff date.Date) (string, error) {
	switch kind {
	case KindParam:
		v, err := s.d.Policy.Value(ctx, p.Key, eff)
		if errs.KindOf(err) == errs.NotFound {
			return "", nil
		}
		return v.Value, err
	case KindChannelState, KindItemSwitch:
		m, err := s.matrixAt(ctx, eff)
		if err != nil {
			return "", err
		}
		if kind == KindChannelState {
			return strconv.FormatBool(m.Channels[p.Channel]), nil
		}
		return strconv.FormatBool(switchOf(m, p.Item, p.Channel)), nil
	case KindCapacity:
		c, err := s.capacityAt(ctx, eff)
		if err != nil {
			return "", err
		}
		r, _ := c.Rate(p.Channel, catalog.Class(p.Class))
		return rateText(r), nil
	case KindRoleGrant:
		held, err := access.HasGrant(ctx, q, p.grant())
		if err != nil || !held {
			return "", err
		}
		return granted, nil
	case KindKBArticle:
		return kb.State(ctx, q, p.Article)
	case KindSMSTemplate:
		return notify.TemplateText(ctx, q, p.Key)
	}
	return "", nil
}

// check re-validates a pending request at approval: a refusal (with the
// status to mark, if any) or an error.
func (s *Service) check(ctx context.Context, tx *db.Tx, kind Kind, p payload, r row) (*errs.Error, Status, error) {
	today, err := s.d.Dates.TodayTx(ctx, tx)
	if err != nil {
		return nil, "", err
	}
	if r.EffectiveFrom != nil && r.EffectiveFrom.Before(today) {
		return ErrExpired.With("id", r.ID).With("reason", "effective_from_passed"), StatusExpired, nil
	}
	if kind == KindNotice && p.ExpiresAt != nil && !p.ExpiresAt.After(s.now()) {
		return ErrExpired.With("id", r.ID).With("reason", "expires_at_passed"), StatusExpired, nil
	}
	var eff date.Date
	if r.EffectiveFrom != nil {
		eff = *r.EffectiveFrom
	}
	cur, err := s.current(ctx, tx, kind, p, eff)
	if err != nil {
		return nil, "", err
	}
	if cur != r.Base {
		return ErrStale.With("id", r.ID), StatusStale, nil
	}
	var verr error
	switch kind {
	case KindParam:
		verr = s.versionFree(ctx, p.Key, eff, false)
	case KindChannelState, KindItemSwitch:
		verr = s.versionFree(ctx, policy.ChannelMatrix, eff, true)
	case KindCapacity:
		verr = s.versionFree(ctx, policy.ChannelCapacity, eff, true)
	}
	if errs.KindOf(verr) == errs.Conflict {
		return errs.E(verr), "", nil
	}
	return nil, "", verr
}

// apply makes an approved change in tx and returns what to do after the
// commit.
func (s *Service) apply(ctx context.Context, tx *db.Tx, kind Kind, p payload, r row, checker string) (func(), error) {
	v := policy.Version{CreatedBy: r.Maker, ApprovedBy: checker, ChangeRef: object(r.ID)}
	if r.EffectiveFrom != nil {
		v.EffectiveFrom = *r.EffectiveFrom
	}
	switch kind {
	case KindParam:
		v.Key, v.Value = p.Key, p.Value
		if p.Key == policy.ChannelPeakWindows {
			return s.sync.changed, s.d.Policy.AddVersion(ctx, tx, v)
		}
		return nil, s.d.Policy.AddVersion(ctx, tx, v)
	case KindChannelState, KindItemSwitch:
		m, err := s.matrixAt(ctx, v.EffectiveFrom)
		if err != nil {
			return nil, err
		}
		if kind == KindChannelState {
			m.Channels[p.Channel] = *p.Enabled
		} else {
			setSwitch(m, p.Item, p.Channel, *p.Enabled)
		}
		v.Key, v.Value = policy.ChannelMatrix, m.JSON()
		return s.sync.changed, s.d.Policy.AddVersion(ctx, tx, v)
	case KindCapacity:
		c, err := s.capacityAt(ctx, v.EffectiveFrom)
		if err != nil {
			return nil, err
		}
		c[p.Channel][catalog.Class(p.Class)] = catalog.Rate{PerSecond: p.RatePerS, Burst: p.Burst}
		v.Key, v.Value = policy.ChannelCapacity, c.JSON()
		return s.sync.changed, s.d.Policy.AddVersion(ctx, tx, v)
	case KindNotice:
		return nil, s.publish(ctx, tx, p, r)
	case KindKBArticle:
		return nil, s.applyKB(ctx, tx, p, r, checker)
	case KindSMSBatch:
		return nil, s.applySMSBatch(ctx, tx, p, r, checker)
	case KindSMSTemplate:
		return nil, s.applySMSTemplate(ctx, tx, p, r, checker)
	case KindRoleGrant:
		g := p.grant()
		act := "access.grant"
		if p.Action == "grant" {
			if err := access.GrantTx(ctx, tx, g); err != nil {
				return nil, err
			}
		} else {
			act = "access.revoke"
			if err := access.RevokeTx(ctx, tx, g); err != nil {
				return nil, err
			}
		}
		_, err := s.d.Audit.Append(ctx, tx, audit.Record{Actor: checker, Action: act, Object: truncate(g.Subject, audit.MaxObject),
			After: audit.Summary(map[string]any{"role": g.Role, "domain": g.Domain, "change": object(r.ID)})})
		return func() {
			if err := s.d.Access.Reload(); err != nil {
				s.log.Warn("change: access policy not reloaded", "error", err.Error())
			}
		}, err
	}
	return nil, fmt.Errorf("change: unknown kind %q", kind)
}

// publish stores an approved notice in tx with its notice.publish record
// (the same row and record internal/notice writes).
func (s *Service) publish(ctx context.Context, tx *db.Tx, p payload, r row) error {
	stored := "*"
	if len(p.Channels) > 0 {
		stored = "," + strings.Join(p.Channels, ",") + ","
	}
	at := s.now().UTC().Truncate(time.Second)
	if p.PublishAt != nil && p.PublishAt.After(at) {
		at = *p.PublishAt
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO notice (title, body, category, channels, published_at, expires_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.Title, p.Body, p.Category, stored, at, p.ExpiresAt, r.Maker, db.Now())
	if err != nil {
		return fmt.Errorf("insert notice: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	summary := map[string]any{"title": p.Title, "category": p.Category, "channels": stored,
		"published_at": at.Format(time.RFC3339), "change": object(r.ID)}
	if p.ExpiresAt != nil {
		summary["expires_at"] = p.ExpiresAt.Format(time.RFC3339)
	}
	_, err = s.d.Audit.Append(ctx, tx, audit.Record{Action: "notice.publish", Object: fmt.Sprintf("notice:%d", id),
		After: audit.Summary(summary)})
	return err
}

// versionFree refuses, when noLater, a date before an existing version
// (ErrLaterVersion): a whole-document version there would be overridden by
// the later one, or would not carry the later one's changes. A date that
// already has versions is free: the policy store adds the next one of that
// date, which wins (a channel switched off and on again the same day).
func (s *Service) versionFree(ctx context.Context, key string, eff date.Date, noLater bool) error {
	vs, err := s.d.Policy.Versions(ctx, key)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if noLater && v.EffectiveFrom.After(eff) {
			return ErrLaterVersion.With("key", key).With("later", v.EffectiveFrom.String())
		}
	}
	return nil
}

// matrixAt is the switch matrix in force on d (the shipped default if none).
func (s *Service) matrixAt(ctx context.Context, d date.Date) (*catalog.Matrix, error) {
	v, err := s.d.Policy.String(ctx, policy.ChannelMatrix, d)
	if errs.KindOf(err) == errs.NotFound {
		return catalog.DefaultMatrix(), nil
	}
	if err != nil {
		return nil, err
	}
	m, err := catalog.ParseMatrix(v)
	if err != nil {
		return nil, fmt.Errorf("stored %s on %s: %w", policy.ChannelMatrix, d, err)
	}
	return m, nil
}

// capacityAt is the capacity document in force on d (the shipped default if none).
func (s *Service) capacityAt(ctx context.Context, d date.Date) (catalog.Capacity, error) {
	v, err := s.d.Policy.String(ctx, policy.ChannelCapacity, d)
	if errs.KindOf(err) == errs.NotFound {
		return catalog.DefaultCapacity(), nil
	}
	if err != nil {
		return nil, err
	}
	c, err := catalog.ParseCapacity(v)
	if err != nil {
		return nil, fmt.Errorf("stored %s on %s: %w", policy.ChannelCapacity, d, err)
	}
	return c, nil
}

// switchOf is an item's switch on a channel, or its own switch for "*".
func switchOf(m *catalog.Matrix, item, ch string) bool {
	row := m.Items[item]
	if row == nil {
		return false
	}
	if ch == allChannels {
		return row.Enabled
	}
	cell := row.Channels[ch]
	return cell != nil && cell.Enabled
}

// setSwitch sets an item's switch on a channel (a new cell is open all day
// without limits) or, for "*", its own switch.
func setSwitch(m *catalog.Matrix, item, ch string, on bool) {
	row := m.Items[item]
	if row == nil {
		row = &catalog.ItemSwitch{Enabled: true, Channels: map[string]*catalog.Cell{}}
		m.Items[item] = row
	}
	if ch == allChannels {
		row.Enabled = on
		return
	}
	if row.Channels == nil {
		row.Channels = map[string]*catalog.Cell{}
	}
	if cell := row.Channels[ch]; cell != nil {
		cell.Enabled = on
		return
	}
	row.Channels[ch] = &catalog.Cell{Enabled: on}
}

// describe is a request's Chinese title and its content as people write it.
func describe(kind Kind, p payload, eff *date.Date) (string, map[string]any) {
	c := map[string]any{}
	if eff != nil {
		c["effective_from"] = eff.String()
	}
	switch kind {
	case KindParam:
		sp, _ := policy.Lookup(p.Key)
		c["key"], c["value"] = p.Key, sp.Display(p.Value)
		return "参数变更：" + sp.Title, c
	case KindChannelState:
		ch, _ := catalog.ChannelByCode(p.Channel)
		c["channel"], c["enabled"] = p.Channel, p.Enabled != nil && *p.Enabled
		return fmt.Sprintf("渠道开关：%s %s", ch.Name, onOff(p.Enabled != nil && *p.Enabled)), c
	case KindItemSwitch:
		it, _ := catalog.ItemByCode(p.Item)
		ch, _ := channelOf(p.Channel, true)
		c["item"], c["channel"], c["enabled"] = p.Item, p.Channel, p.Enabled != nil && *p.Enabled
		return fmt.Sprintf("事项开关：「%s」在%s %s", it.Name, ch.Name, onOff(p.Enabled != nil && *p.Enabled)), c
	case KindCapacity:
		ch, _ := catalog.ChannelByCode(p.Channel)
		c["channel"], c["item_class"], c["rate_per_s"], c["burst"] = p.Channel, p.Class, p.RatePerS, p.Burst
		return fmt.Sprintf("渠道容量：%s%s类事项", ch.Name, className(catalog.Class(p.Class))), c
	case KindNotice:
		c["title"], c["body"], c["category"] = p.Title, p.Body, p.Category
		c["channels"] = append([]string{}, p.Channels...)
		if p.PublishAt != nil {
			c["publish_at"] = p.PublishAt.Format(time.RFC3339)
		}
		if p.ExpiresAt != nil {
			c["expires_at"] = p.ExpiresAt.Format(time.RFC3339)
		}
		return "发布公告：" + p.Title, c
	case KindRoleGrant:
		c["subject"], c["role"], c["domain"], c["action"] = p.Subject, strings.TrimPrefix(p.Role, "role:"), p.Domain, p.Action
		verb := "授予"
		if p.Action == "revoke" {
			verb = "收回"
		}
		return fmt.Sprintf("角色授权：%s %s 角色 %s", verb, p.Subject, strings.TrimPrefix(p.Role, "role:")), c
	case KindKBArticle:
		return describeKB(p, c)
	case KindSMSBatch:
		return describeSMSBatch(p, c)
	case KindSMSTemplate:
		return describeSMSTemplate(p, c)
	}
	return string(kind), c
}

func display(sp policy.Spec, stored string) string {
	if stored == "" {
		return "（未设置）"
	}
	return sp.Display(stored)
}

func onOff(on bool) string {
	if on {
		return "开启"
	}
	return "关闭"
}

func heldText(held bool) string {
	if held {
		return "已授予"
	}
	return "未授予"
}

func domainName(d string) string {
	if d == access.Center {
		return "全中心"
	}
	return d
}

func className(c catalog.Class) string {
	switch c {
	case catalog.ClassQuery:
		return "查询"
	case catalog.ClassApply:
		return "申请"
	case catalog.ClassFund:
		return "资金"
	}
	return string(c)
}

func rateText(r catalog.Rate) string { return number(r.PerSecond) + "/" + strconv.Itoa(r.Burst) }

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
