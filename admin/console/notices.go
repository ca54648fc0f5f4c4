package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access/change"
	"gjj/internal/channel/catalog"
	"gjj/internal/notice"
	"gjj/internal/platform/errs"
)

// registerNotices mounts the 公告管理 page when the notice service and the
// change requests are wired: the notices in force on any channel, the
// pending notice requests, and a propose form (change kind notice). A
// proposal is approved on the change-request pages like every other kind.
func (h *handler) registerNotices(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/notices", h.notices)
	page(http.MethodPost, "/admin/notices/changes", h.proposeNotice)
}

// noticeForm is the propose form as typed. Times are Beijing wall-clock
// times from datetime-local inputs ("2026-07-01T09:00"); empty publish
// means on approval, empty expiry never.
type noticeForm struct {
	Title, Body, Category, PublishAt, ExpiresAt, Reason string
	Channels                                            []string
}

type noticesData struct {
	Notices    []notice.Notice
	Pending    []change.Request
	CanPropose bool
	Form       noticeForm
	Categories []wdOption
	Channels   []noticeChannel
}

// noticeChannel is a channel checkbox of the form.
type noticeChannel struct {
	Code, Name string
	Checked    bool
}

func (h *handler) notices(c echo.Context) error {
	return h.renderNotices(c, noticeForm{Category: notice.CategoryNotice}, nil)
}

// renderNotices lists the notices in force now on any channel (notice.List
// per channel, merged, newest first) and the pending notice requests.
func (h *handler) renderNotices(c echo.Context, f noticeForm, formErr error) error {
	ctx := c.Request().Context()
	d := &noticesData{Form: f, CanPropose: h.canSubmit(c, change.KindNotice)}
	for _, k := range []string{notice.CategoryNotice, notice.CategoryPolicy, notice.CategoryGuide} {
		d.Categories = append(d.Categories, wdOption{k, notice.CategoryName(k)})
	}
	seen := map[int64]bool{}
	for _, ch := range catalog.Channels() {
		d.Channels = append(d.Channels, noticeChannel{ch.Code, ch.Name, slices.Contains(f.Channels, ch.Code)})
		list, err := h.d.Notices.List(ctx, ch.Code, notice.MaxLimit)
		if err != nil {
			return err
		}
		for _, n := range list {
			if !seen[n.ID] {
				seen[n.ID] = true
				d.Notices = append(d.Notices, n)
			}
		}
	}
	slices.SortStableFunc(d.Notices, func(a, b notice.Notice) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	var err error
	if d.Pending, err = h.pendingFor(c, change.KindNotice, ""); err != nil {
		return err
	}
	v := view{Title: "公告管理", Menu: "/admin/notices", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "notices", v)
	}
	return h.render(c, http.StatusOK, "notices", v)
}

// proposeNotice submits a notice for publication (change kind notice); a
// param_checker approves it on /admin/changes/:id.
func (h *handler) proposeNotice(c echo.Context) error {
	form, _ := c.FormParams()
	f := noticeForm{Title: strings.TrimSpace(c.FormValue("title")), Body: strings.TrimSpace(c.FormValue("body")),
		Category: c.FormValue("category"), PublishAt: strings.TrimSpace(c.FormValue("publish_at")),
		ExpiresAt: strings.TrimSpace(c.FormValue("expires_at")), Reason: strings.TrimSpace(c.FormValue("reason")),
		Channels: form["channels"]}
	publish, err := beijingTime(f.PublishAt, "publish_at")
	if err != nil {
		return h.renderNotices(c, f, err)
	}
	expires, err := beijingTime(f.ExpiresAt, "expires_at")
	if err != nil {
		return h.renderNotices(c, f, err)
	}
	r, err := h.d.Changes.Submit(c.Request().Context(), principal(c).Subject, change.Input{Kind: change.KindNotice,
		Title: f.Title, Body: f.Body, Category: f.Category, Channels: f.Channels, PublishAt: publish, ExpiresAt: expires, Reason: f.Reason})
	if err != nil {
		return h.renderNotices(c, f, err)
	}
	return submitted(c, r)
}

// channelNames names channel codes in Chinese ("全部渠道" for none).
func channelNames(codes []string) string {
	if len(codes) == 0 {
		return "全部渠道"
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = channelName(c)
	}
	return strings.Join(out, "、")
}

var errNoticeTime = errs.New(errs.Invalid, "console.bad_time", "发布时间和截止时间应为“年-月-日 时:分”，例如 2026-07-01 09:00（北京时间）")

// beijingTime turns a datetime-local value (Beijing time) into RFC 3339 for
// the change service; "" stays "".
func beijingTime(s, field string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, beijing); err == nil {
			return t.UTC().Format(time.RFC3339), nil
		}
	}
	return "", errNoticeTime.With("field", field)
}
