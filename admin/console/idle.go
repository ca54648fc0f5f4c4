package console

import (
	"time"

	"gjj/internal/identity"
)

// IdleTimeout is how long a console session lives without a request: the
// counter channel's sliding session lifetime (identity.SessionTTL, 30
// minutes), one value for the server and the page. The server ends the
// session (identity.Session refuses it) and a request with the dead cookie
// is sent to /admin/login?expired=1, where the page says why; every signed-in
// page also counts the time since it was loaded or last made an htmx request
// (static/idle.js), warns a minute before the end and then goes to that
// login page itself.
func IdleTimeout() time.Duration { return identity.SessionTTL[Channel] }

// idleMinutes is IdleTimeout in whole minutes, for the pages.
func idleMinutes() int { return int(IdleTimeout() / time.Minute) }
