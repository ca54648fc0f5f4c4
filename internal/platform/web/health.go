package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"gjj/internal/platform/errs"
)

// CheckTimeout bounds each readiness check.
const CheckTimeout = 2 * time.Second

// Check is one dependency the instance needs to serve traffic, e.g.
// {Name: "database", Ping: db.PingContext}. Ping must honour ctx.
//
// Optional marks a dependency the instance can serve without, in a degraded
// way (Redis: sessions fall back to the database, the gate to in-process
// limiters): its failure makes /readyz answer "degraded" instead of 503, so
// load balancers keep the instance.
type Check struct {
	Name     string
	Ping     func(ctx context.Context) error
	Optional bool
}

// Readiness statuses of GET /readyz's 200 answer.
const (
	StatusReady    = "ready"    // every check answers
	StatusDegraded = "degraded" // every required check answers, an optional one does not
)

// Health registers GET /healthz (200 {"status":"ok"} while the process is up)
// and GET /readyz, which runs every check concurrently with CheckTimeout each:
// all ok → 200 {"status":"ready","checks":{"<name>":"ok",…}}; only optional
// checks failing → 200 {"status":"degraded","checks":{…}}; a required check
// failing → 503 problem "platform.not_ready". In both failure answers the
// "checks" member says "down: <short error>" for each failing part
// (credentials in the error are masked). GET /metrics is registered by New.
// Called once by the command wiring.
func Health(e *echo.Echo, checks ...Check) {
	e.GET("/healthz", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		results, required, optional := runChecks(c.Request().Context(), checks)
		if !required {
			return errs.New(errs.Unavailable, CodeNotReady, "服务尚未就绪，请稍后再试").With("checks", results)
		}
		status := StatusReady
		if !optional {
			status = StatusDegraded
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(http.StatusOK, map[string]any{"status": status, "checks": results})
	})
}

// runChecks reports each check's result and whether every required and every
// optional check answered.
func runChecks(ctx context.Context, checks []Check) (results map[string]string, required, optional bool) {
	results = make(map[string]string, len(checks))
	required, optional = true, true
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ch := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := ping(ctx, ch)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ch.Optional {
					optional = false
				} else {
					required = false
				}
				results[ch.Name] = "down: " + shortError(err)
				return
			}
			results[ch.Name] = "ok"
		}()
	}
	wg.Wait()
	return results, required, optional
}

// ping runs one check with its own timeout; a panic or a hang counts as down.
func ping(ctx context.Context, ch Check) (err error) {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("check panicked: %v", r)
			}
		}()
		if ch.Ping == nil {
			done <- errors.New("no check function")
			return
		}
		done <- ch.Ping(ctx)
	}()
	select {
	case err = <-done:
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("timeout after %s", CheckTimeout)
		}
		return err
	case <-ctx.Done():
		return fmt.Errorf("timeout after %s", CheckTimeout)
	}
}

var userinfo = regexp.MustCompile(`[^\s/@:]+:[^\s/@]*@`)

// shortError is the first 120 bytes of err's text with any "user:password@"
// masked; errs.Error shows its code only.
func shortError(err error) string {
	var ee *errs.Error
	if errors.As(err, &ee) && ee.Code != "" {
		return ee.Code
	}
	s := userinfo.ReplaceAllString(err.Error(), "***@")
	if len(s) > 120 {
		s = s[:120]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
	}
	return s
}
