package console

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/access"
	"gjj/internal/govshare"
	kioskdev "gjj/internal/kiosk"
	"gjj/internal/platform/errs"
	"gjj/internal/platform/reqctx"
)

func init() {
	funcs["govKind"] = govKindName
	maps.Copy(pages, parsePages("devices"))
	flashes["kiosk_disabled"] = "已停用自助终端 %s，其签名请求将被拒绝。"
	flashes["kiosk_enabled"] = "已启用自助终端 %s。"
	flashes["agency_disabled"] = "已停用数据共享机构 %s，其签名请求将被拒绝。"
	flashes["agency_enabled"] = "已启用数据共享机构 %s。"
	flashes["menu_published"] = "已将自定义菜单发布到微信公众号 %s。"
}

// MenuPublisher is the WeChat official account as the 终端与机构 page uses it
// (channels/wechat.Service): its app id and the publication of the
// configured menu (audited by the channel).
type MenuPublisher interface {
	AppID() string
	PublishMenu(ctx context.Context) error
}

// DevicesDeps are the registries behind the 终端与机构 page (devices.go): the
// kiosks, the government agencies and, when the WeChat channel is on, the
// official account whose menu the page publishes. A nil Kiosks leaves the
// page out.
type DevicesDeps struct {
	Kiosks   *kioskdev.Registry
	Agencies *govshare.Registry
	WeChat   MenuPublisher
}

// registerDevices mounts the 终端与机构 page: kiosks with their heartbeat age
// and print counts, agencies with their query kinds and authorization
// counts; register, disable/enable and key rotation (a new key is shown once
// on the page that answers the form); publishing the WeChat menu. Channel
// admins act, auditors read (casbin, internal/access).
func (h *handler) registerDevices(page func(method, path string, fn echo.HandlerFunc)) {
	page(http.MethodGet, "/admin/devices", h.devices)
	page(http.MethodPost, "/admin/devices/kiosks", h.registerKioskForm)
	page(http.MethodPost, "/admin/devices/kiosks/:id/disable", h.kioskStatus(false))
	page(http.MethodPost, "/admin/devices/kiosks/:id/enable", h.kioskStatus(true))
	page(http.MethodPost, "/admin/devices/kiosks/:id/rotate", h.rotateKioskForm)
	page(http.MethodPost, "/admin/devices/agencies", h.registerAgencyForm)
	page(http.MethodPost, "/admin/devices/agencies/:id/disable", h.agencyStatus(false))
	page(http.MethodPost, "/admin/devices/agencies/:id/enable", h.agencyStatus(true))
	page(http.MethodPost, "/admin/devices/agencies/:id/rotate", h.rotateAgencyForm)
	page(http.MethodPost, "/admin/devices/wechat-menu", h.publishMenu)
}

type kioskRow struct {
	kioskdev.Overview
	Age string // heartbeat age in words
	Old bool   // no heartbeat for 10 minutes or more
}

type devicesData struct {
	Kiosks    []kioskRow
	Agencies  []govshare.AgencyOverview
	Kinds     []string
	WeChat    string // app id; "" when the channel is off
	CanManage bool
	// NewKey is a key just issued (registration or rotation), shown once,
	// for the kiosk or agency named by KeyFor.
	NewKey, KeyFor string
	FormError      string
}

func (h *handler) devicesView(c echo.Context, d *devicesData) (view, error) {
	ctx := c.Request().Context()
	today, err := h.d.Dates.Today(ctx)
	if err != nil {
		return view{}, err
	}
	ks, err := h.d.Devices.Kiosks.Overviews(ctx, today)
	if err != nil {
		return view{}, err
	}
	now := time.Now()
	for _, k := range ks {
		age := k.HeartbeatAge(now)
		d.Kiosks = append(d.Kiosks, kioskRow{Overview: k, Age: ageText(age), Old: age < 0 || age >= 10*time.Minute})
	}
	if h.d.Devices.Agencies != nil {
		if d.Agencies, err = h.d.Devices.Agencies.Overviews(ctx); err != nil {
			return view{}, err
		}
	}
	d.Kinds = govshare.Kinds
	if h.d.Devices.WeChat != nil {
		d.WeChat = h.d.Devices.WeChat.AppID()
	}
	p := principal(c)
	ok, err := h.d.Access.Allowed(p.Subject, access.Center, "/admin/devices/kiosks", http.MethodPost)
	d.CanManage = err == nil && ok
	return view{Title: "终端与机构", Menu: "/admin/devices", Data: d}, nil
}

func (h *handler) devices(c echo.Context) error {
	v, err := h.devicesView(c, &devicesData{})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "devices", v)
}

// devicesAnswer renders the page after a form: the key shown once, or the
// refusal next to the forms with the status of its kind.
func (h *handler) devicesAnswer(c echo.Context, d *devicesData, status int, formErr error) error {
	if formErr != nil {
		e := errs.E(formErr)
		if e.Kind == errs.Internal || e.Kind == errs.Unavailable || e.Kind == "" {
			return formErr
		}
		d.FormError, status = e.Message, e.Kind.Status()
	}
	v, err := h.devicesView(c, d)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store") // a key may be on the page
	return h.render(c, status, "devices", v)
}

func (h *handler) registerKioskForm(c echo.Context) error {
	ctx := c.Request().Context()
	id := strings.TrimSpace(c.FormValue("id"))
	key, err := h.d.Devices.Kiosks.Register(ctx, id, c.FormValue("branch"), c.FormValue("name"), reqctx.ActorOf(ctx).ID)
	if err != nil {
		return h.devicesAnswer(c, &devicesData{}, 0, err)
	}
	return h.devicesAnswer(c, &devicesData{NewKey: key, KeyFor: "终端 " + id}, http.StatusCreated, nil)
}

func (h *handler) rotateKioskForm(c echo.Context) error {
	id := c.Param("id")
	key, err := h.d.Devices.Kiosks.RotateKey(c.Request().Context(), id)
	if err != nil {
		return h.devicesAnswer(c, &devicesData{}, 0, err)
	}
	return h.devicesAnswer(c, &devicesData{NewKey: key, KeyFor: "终端 " + id}, http.StatusOK, nil)
}

func (h *handler) kioskStatus(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		if err := h.d.Devices.Kiosks.SetStatus(c.Request().Context(), id, active); err != nil {
			return h.devicesAnswer(c, &devicesData{}, 0, err)
		}
		code := "kiosk_disabled"
		if active {
			code = "kiosk_enabled"
		}
		return done(c, "/admin/devices", code, id)
	}
}

func (h *handler) registerAgencyForm(c echo.Context) error {
	if h.d.Devices.Agencies == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	id := strings.TrimSpace(c.FormValue("id"))
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	key, err := h.d.Devices.Agencies.Register(ctx, id, c.FormValue("name"), form["kinds"], reqctx.ActorOf(ctx).ID)
	if err != nil {
		return h.devicesAnswer(c, &devicesData{}, 0, err)
	}
	return h.devicesAnswer(c, &devicesData{NewKey: key, KeyFor: "机构 " + id}, http.StatusCreated, nil)
}

func (h *handler) rotateAgencyForm(c echo.Context) error {
	if h.d.Devices.Agencies == nil {
		return echo.ErrNotFound
	}
	id := c.Param("id")
	key, err := h.d.Devices.Agencies.RotateKey(c.Request().Context(), id)
	if err != nil {
		return h.devicesAnswer(c, &devicesData{}, 0, err)
	}
	return h.devicesAnswer(c, &devicesData{NewKey: key, KeyFor: "机构 " + id}, http.StatusOK, nil)
}

func (h *handler) agencyStatus(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.d.Devices.Agencies == nil {
			return echo.ErrNotFound
		}
		id := c.Param("id")
		if err := h.d.Devices.Agencies.SetStatus(c.Request().Context(), id, active); err != nil {
			return h.devicesAnswer(c, &devicesData{}, 0, err)
		}
		code := "agency_disabled"
		if active {
			code = "agency_enabled"
		}
		return done(c, "/admin/devices", code, id)
	}
}

func (h *handler) publishMenu(c echo.Context) error {
	w := h.d.Devices.WeChat
	if w == nil {
		return h.devicesAnswer(c, &devicesData{}, 0, errs.New(errs.Conflict, "console.wechat_off", "微信渠道未开启，无法发布菜单"))
	}
	if err := w.PublishMenu(c.Request().Context()); err != nil {
		if errs.KindOf(err) == errs.Unavailable {
			return h.devicesAnswer(c, &devicesData{FormError: errs.E(err).Message}, http.StatusServiceUnavailable, nil)
		}
		return h.devicesAnswer(c, &devicesData{}, 0, err)
	}
	return done(c, "/admin/devices", "menu_published", w.AppID())
}

// ageText is a heartbeat age in words ("从未" for none).
func ageText(d time.Duration) string {
	switch {
	case d < 0:
		return "从未"
	case d < time.Minute:
		return "刚刚"
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟前", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d 小时前", int(d.Hours()))
	default:
		return fmt.Sprintf("%d 天前", int(d.Hours()/24))
	}
}

// govKindName is a query kind in Chinese.
func govKindName(k string) string {
	switch k {
	case govshare.KindBasic:
		return "基本信息"
	case govshare.KindWithdrawals:
		return "提取明细"
	case govshare.KindLoans:
		return "贷款明细"
	}
	return k
}
