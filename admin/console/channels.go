package console

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gjj/internal/access/change"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/platform/money"
	"gjj/internal/policy"
)

// channelRow is one channel's switch, capacities and number of items offered.
type channelRow struct {
	catalog.Channel
	On       bool
	Capacity []classRate
	Items    int
}

type classRate struct {
	Class catalog.Class
	Rate  catalog.Rate
	Set   bool
}

// matrixCell is one item × channel setting as the page shows it.
type matrixCell struct {
	Offered bool   // an enabled cell
	Hours   string // "" for all day
	Single  money.Fen
	Daily   money.Fen
}

type matrixRow struct {
	Item    catalog.Item
	Enabled bool
	Cells   []matrixCell // in channel order
}

type channelsData struct {
	// Can* show the propose forms (channel_admin); Form is the one typed,
	// Pending the channel change requests waiting for a checker.
	CanState, CanItem, CanCapacity bool
	Form                           channelForm
	Pending                        []change.Request
	Items                          []catalog.Item
	Classes                        []catalog.Class
	BizDate                        date.Date
	Channels                       []channelRow
	Matrix                         []matrixRow
	MatrixNote                     string
	CapacityNote                   string
}

// channels shows the channel switches, the admission capacities and the
// item × channel matrix in force on the business date (parameters
// channel.matrix and channel.capacity — what the gate enforces). Read-only:
// switching a channel or an item and changing a capacity are maker-checker
// change requests.
func (h *handler) channels(c echo.Context) error { return h.renderChannels(c, channelForm{}, nil) }

// renderChannels renders the channel page, with a propose form as typed and
// its refusal when formErr is set.
func (h *handler) renderChannels(c echo.Context, form channelForm, formErr error) error {
	ctx := c.Request().Context()
	biz, err := h.d.Dates.Today(ctx)
	if err != nil {
		return err
	}
	d := channelsData{BizDate: biz, Form: form, Items: catalog.Items(), Classes: catalog.Classes(),
		CanState: h.canSubmit(c, change.KindChannelState), CanItem: h.canSubmit(c, change.KindItemSwitch),
		CanCapacity: h.canSubmit(c, change.KindCapacity)}
	for _, k := range []change.Kind{change.KindChannelState, change.KindItemSwitch, change.KindCapacity} {
		p, err := h.pendingFor(c, k, "")
		if err != nil {
			return err
		}
		d.Pending = append(d.Pending, p...)
	}
	matrix := catalog.DefaultMatrix()
	if v, err := h.d.Policy.String(ctx, policy.ChannelMatrix, biz); err != nil {
		d.MatrixNote = "开关矩阵参数无法读取，显示的是系统默认矩阵：" + errMessage(err)
	} else if m, err := catalog.ParseMatrix(v); err != nil {
		d.MatrixNote = "开关矩阵参数无法解析，显示的是系统默认矩阵：" + errMessage(err)
	} else {
		matrix = m
	}
	capacity, note := h.capacity(ctx, biz)
	d.CapacityNote = note

	chans := catalog.Channels()
	for _, it := range catalog.Items() {
		row := matrixRow{Item: it}
		sw := matrix.Items[it.Code]
		if sw != nil {
			row.Enabled = sw.Enabled
		}
		for _, ch := range chans {
			var cell matrixCell
			if sw != nil {
				if cl := sw.Channels[ch.Code]; cl != nil && cl.Enabled {
					cell = matrixCell{Offered: true, Single: cl.SingleLimitFen, Daily: cl.DailyLimitFen}
					if hrs := cl.ParsedHours(); !hrs.AllDay() {
						cell.Hours = hrs.String()
					}
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		d.Matrix = append(d.Matrix, row)
	}
	for i, ch := range chans {
		r := channelRow{Channel: ch, On: matrix.Channels[ch.Code]}
		for _, class := range catalog.Classes() {
			rate, ok := capacity.Rate(ch.Code, class)
			r.Capacity = append(r.Capacity, classRate{Class: class, Rate: rate, Set: ok})
		}
		for _, m := range d.Matrix {
			if m.Enabled && m.Cells[i].Offered {
				r.Items++
			}
		}
		d.Channels = append(d.Channels, r)
	}
	v := view{Title: "渠道管理", Menu: "/admin/channels", Data: d}
	if formErr != nil {
		return h.formError(c, formErr, "channels", v)
	}
	return h.render(c, http.StatusOK, "channels", v)
}
