package sms12329

import "gjj/internal/notify"

// The subscriptions, quiet hours and held notices are notify's
// (notify.Subscriptions); these names keep the channel's configuration
// readable.
type (
	// QuietHours is notify.QuietHours.
	QuietHours = notify.QuietHours
	// Subscriptions is notify.Subscriptions.
	Subscriptions = notify.Subscriptions
	// Decision is notify.Decision.
	Decision = notify.Decision
)

// DefaultQuiet is notify.DefaultQuiet (22:00–08:00 Beijing time).
var DefaultQuiet = notify.DefaultQuiet

// The decisions of Subscriptions.Decide.
const (
	Send = notify.Send
	Hold = notify.Hold
	Drop = notify.Drop
)
