package webhall

import (
	"html/template"

	"gjj/channels/hallkit"
	"gjj/internal/channel/catalog"
	"gjj/internal/platform/ident"
)

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

// funcs are the kit's template functions (yuan, month, day, time) and the
// personal hall's own.
var funcs = hallkit.Funcs(template.FuncMap{
	"maskMobile":  ident.MaskMobile,
	"channelName": channelName,
	"levelName":   levelName,
	"agent":       agentText,
})
