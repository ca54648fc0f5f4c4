package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// ShutdownTimeout is how long Serve waits for in-flight requests after its
// context is cancelled.
const ShutdownTimeout = 25 * time.Second

// Listen opens a TCP listener on addr (":8080", "127.0.0.1:0"). The error is
// the listen error itself, e.g. "address already in use".
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve listens on addr and serves e until ctx is cancelled (the command
// wiring cancels it on SIGTERM/SIGINT), then shuts down gracefully. A listen
// failure is returned at once. See ServeListener.
func Serve(ctx context.Context, e *echo.Echo, addr string, log *slog.Logger) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, e, ln, log)
}

// ServeListener serves e on ln until ctx is cancelled, then stops accepting
// connections and lets in-flight requests finish, waiting at most
// ShutdownTimeout (after which remaining connections are closed and an error
// is returned). It returns nil after a clean shutdown and the server error if
// serving fails. ln is closed on return. Call it once per echo instance.
func ServeListener(ctx context.Context, e *echo.Echo, ln net.Listener, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	e.Listener = ln
	served := make(chan error, 1)
	go func() { served <- e.StartServer(e.Server) }()
	log.Info("http server listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}

	log.Info("http server shutting down", "timeout", ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := e.Shutdown(sctx)
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		_ = e.Close()
		return fmt.Errorf("http server shutdown: %w", err)
	}
	log.Info("http server stopped")
	return nil
}
