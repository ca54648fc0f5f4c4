package web_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/labstack/echo/v4"

	"gjj/internal/platform/web"
)

// TestUnreachableStoreAnswers503 covers store errors that reach the error
// handler unclassified (a read outside db.InTx while the database restarts):
// a lost or refused connection is 503 store.unavailable, an answer from the
// server is still internal.
func TestUnreachableStoreAnswers503(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"connection refused", fmt.Errorf("read account: %w", refused), http.StatusServiceUnavailable, "store.unavailable"},
		{"bad connection", fmt.Errorf("read session: %w", driver.ErrBadConn), http.StatusServiceUnavailable, "store.unavailable"},
		{"invalid connection", fmt.Errorf("read: %w", mysql.ErrInvalidConn), http.StatusServiceUnavailable, "store.unavailable"},
		{"connection done", fmt.Errorf("read: %w", sql.ErrConnDone), http.StatusServiceUnavailable, "store.unavailable"},
		{"server shutting down", fmt.Errorf("read: %w", &mysql.MySQLError{Number: 1053, Message: "Server shutdown in progress"}), http.StatusServiceUnavailable, "store.unavailable"},
		{"connection killed", fmt.Errorf("read: %w", &mysql.MySQLError{Number: 1927, Message: "Connection was killed"}), http.StatusServiceUnavailable, "store.unavailable"},
		{"syntax error from the server", fmt.Errorf("read: %w", &mysql.MySQLError{Number: 1064, Message: "syntax"}), http.StatusInternalServerError, "internal"},
		{"plain error", errors.New("boom"), http.StatusInternalServerError, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEcho(t, web.Options{})
			e.GET("/api/x", func(echo.Context) error { return tt.err })
			rec := serve(e, http.MethodGet, "/api/x", nil, nil)
			problemOf(t, rec, tt.status, tt.code)
			if strings.Contains(rec.Body.String(), "refused") || strings.Contains(rec.Body.String(), "shutdown") {
				t.Errorf("body shows the cause: %s", rec.Body)
			}
		})
	}
}
