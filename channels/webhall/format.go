package webhall

import (
	"html/template"
	"time"

	"gjj/internal/channel/catalog"
	"gjj/internal/platform/date"
	"gjj/internal/platform/ident"
	"gjj/internal/platform/money"
)

// beijing is the time zone pages show wall-clock times in (stored in UTC).
var beijing = time.FixedZone("CST", 8*3600)

// monthText shows a month, or a dash for none.
func monthText(m date.Month) string {
	if m.IsZero() {
		return "—"
	}
	return m.String()
}

func dateText(d date.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// timeText shows a UTC time in Beijing time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(beijing).Format("2006-01-02 15:04")
}

// channelName is the Chinese name of a channel code of the registry.
func channelName(code string) string {
	if ch, ok := catalog.ChannelByCode(code); ok {
		return ch.Name
	}
	return code
}

// levelName names a real-name level (DESIGN §5).
func levelName(level int) string {
	if level >= 2 {
		return "已实名认证"
	}
	return "已注册（未实名认证）"
}

// agentText shortens a User-Agent for the session list to 60 characters.
func agentText(ua string) string {
	if ua == "" {
		return "—"
	}
	r := []rune(ua)
	if len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return ua
}

var funcs = template.FuncMap{
	"yuan":        func(f money.Fen) string { return f.Format() },
	"month":       monthText,
	"day":         dateText,
	"time":        timeText,
	"maskMobile":  ident.MaskMobile,
	"channelName": channelName,
	"levelName":   levelName,
	"agent":       agentText,
}
