package catalog

import "gjj/internal/platform/money"

// Channel sets of the default matrix.
var (
	// personQuery: a person's queries run on every person-facing channel.
	personQuery = []string{Web, App, WeChat, SMS, Hotline, Kiosk, Gov, Counter}
	// personPrint: certificates are printed or downloaded, not read out.
	personPrint = []string{Web, App, WeChat, Kiosk, Gov, Counter}
	// personOnline: a person's online business.
	personOnline = []string{Web, App, WeChat, Gov, Counter}
	// personChange: profile and loan changes (no 政务 platform hook).
	personChange = []string{Web, App, WeChat, Counter}
	// counterOnly: items that need materials checked by staff (domain.md §2.3
	// "no" / "rarely" auto-approvable).
	counterOnly = []string{Counter}
	// unitOnly: unit business runs on the unit hall (and at the counter).
	unitOnly = []string{Unit, Counter}
	// everyone: login and notices reach every channel.
	everyone = []string{Web, Unit, App, WeChat, SMS, Hotline, Kiosk, Gov, Counter}
	// interact: consultations, complaints, appointments.
	interact = []string{Web, App, WeChat, Hotline, Counter}
)

// Default online limits of fund-moving person items (example values; the
// center sets its own): 500,000 yuan per transaction, 1,000,000 yuan per
// subject and business date. The counter has none.
var (
	defaultSingleLimit = money.Yuan(500_000)
	defaultDailyLimit  = money.Yuan(1_000_000)
)

// defaultChannels lists where each item is offered by default.
var defaultChannels = map[string][]string{
	"ZH-01": everyone,
	"GG-01": everyone,

	"DW-01": {Unit, Gov, Counter}, // 单位登记开户 is also a 跨省通办 item
	"DW-02": unitOnly, "DW-03": unitOnly, "DW-04": unitOnly, "DW-05": unitOnly, "DW-06": unitOnly,
	"DW-07": unitOnly, "DW-08": unitOnly, "DW-09": unitOnly, "DW-10": unitOnly, "DW-11": unitOnly,

	"GR-01": personQuery,
	"GR-02": {Web, App, WeChat, Kiosk, Counter},
	"GR-03": personPrint,
	"GR-04": personOnline,

	"TQ-01": personOnline, "TQ-02": counterOnly, "TQ-03": personOnline, "TQ-04": personOnline,
	"TQ-05": personOnline, "TQ-06": personOnline, "TQ-07": counterOnly, "TQ-08": personOnline,
	"TQ-09": counterOnly, "TQ-10": personOnline, "TQ-11": personOnline, "TQ-12": counterOnly,

	"DK-01": personChange,
	"DK-02": personQuery,
	"DK-03": personChange,
	"DK-04": personChange,
	"DK-05": personPrint,
	"DK-06": {Web, Counter},

	"HD-01": interact, "HD-02": interact, "HD-04": interact,
	"HD-03": {Web, App, WeChat, SMS, Hotline, Kiosk, Counter},
}

// DefaultMatrix returns the shipped switch matrix: every channel on; every
// item on, all day, on the channels of its kind — a person's queries on every
// person-facing channel, unit business on the unit hall, login and notices
// everywhere, the counter for everything — with online per-transaction and
// daily limits on a person's fund-moving items. Business-hour windows are
// left to the center (and to its change requests): defaults that depend on the
// time of day would make behaviour differ between day and night.
func DefaultMatrix() *Matrix {
	m := &Matrix{Channels: map[string]bool{}, Items: map[string]*ItemSwitch{}}
	for _, c := range channels {
		m.Channels[c.Code] = true
	}
	for _, it := range items {
		row := &ItemSwitch{Enabled: true, Channels: map[string]*Cell{}}
		chs := defaultChannels[it.Code]
		for _, ch := range chs {
			cell := &Cell{Enabled: true}
			if it.Fund && it.Actor == ActorPerson && ch != Counter {
				cell.SingleLimitFen, cell.DailyLimitFen = defaultSingleLimit, defaultDailyLimit
			}
			row.Channels[ch] = cell
		}
		row.Channels[Counter] = &Cell{Enabled: true} // the counter is always on
		m.Items[it.Code] = row
	}
	return m
}

// DefaultMatrixJSON is DefaultMatrix as the stored parameter value.
func DefaultMatrixJSON() string { return DefaultMatrix().JSON() }

// defaultRates are the shipped capacities per channel (query, apply, fund),
// for the whole cluster. Each channel has its own, so the kiosks' capacity is
// reserved for the people standing at them and an online surge cannot use it.
var defaultRates = map[string][3]Rate{
	Web:     {{200, 400}, {50, 100}, {20, 40}},
	Unit:    {{500, 1000}, {200, 400}, {100, 200}},
	App:     {{300, 600}, {50, 100}, {20, 40}},
	WeChat:  {{300, 600}, {50, 100}, {20, 40}},
	SMS:     {{50, 100}, {10, 20}, {5, 10}},
	Hotline: {{50, 100}, {20, 40}, {5, 10}},
	Kiosk:   {{50, 100}, {20, 40}, {10, 20}},
	Gov:     {{100, 200}, {20, 40}, {10, 20}},
	Counter: {{100, 200}, {50, 100}, {50, 100}},
}

// DefaultCapacity returns the shipped admission capacities.
func DefaultCapacity() Capacity {
	c := Capacity{}
	for _, ch := range channels {
		r := defaultRates[ch.Code]
		c[ch.Code] = map[Class]Rate{ClassQuery: r[0], ClassApply: r[1], ClassFund: r[2]}
	}
	return c
}

// DefaultCapacityJSON is DefaultCapacity as the stored parameter value.
func DefaultCapacityJSON() string { return DefaultCapacity().JSON() }
