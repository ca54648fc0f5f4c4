// Package errs holds the platform's error kinds, stable domain codes and Chinese
// messages. Every package returns *errs.Error (or wraps one) for failures a user
// can act on; the web kit maps the kind to an HTTP status in one place.
package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind is the small, closed set of failure classes. Each maps to one HTTP status.
type Kind string

// The error kinds. Callers branch on kinds, never on message text.
const (
	Invalid         Kind = "invalid"         // bad input; the caller must fix it (400)
	NotFound        Kind = "not_found"       // the named thing does not exist (404)
	Conflict        Kind = "conflict"        // the request collides with current state (409)
	Unauthenticated Kind = "unauthenticated" // who is calling is unknown (401)
	Forbidden       Kind = "forbidden"       // the caller may not do this (403)
	Busy            Kind = "busy"            // over capacity now; retry later or elsewhere (429)
	Unavailable     Kind = "unavailable"     // a dependency is down (503)
	Internal        Kind = "internal"        // a bug or an unexpected failure (500)
)

// Status returns the HTTP status for the kind. Unknown kinds are internal.
func (k Kind) Status() int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case Busy:
		return http.StatusTooManyRequests
	case Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Error is a classified failure: a kind, a stable dotted code such as
// "ledger.insufficient_funds", a Chinese message safe to show to users, optional
// structured details (shown to the caller) and an optional wrapped cause (logged,
// never shown).
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details map[string]any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, &Error{Code: c}) match by code, so sentinels work.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && t.Code == e.Code
}

// With returns a copy of e with a detail added (for example the violated bound).
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// Wrap returns a copy of e carrying cause as the wrapped error.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// New builds an error of the given kind, code and message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Newf is New with a formatted message.
func Newf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// E is the classified view of any error: the first *Error in its chain, or an
// internal error wrapping it.
func E(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Code: "internal", Message: "系统内部错误，请稍后再试", Err: err}
}

// KindOf returns the kind of err (Internal for unclassified errors, "" for nil).
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	return E(err).Kind
}

// CodeOf returns the domain code of err ("internal" for unclassified errors).
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	return E(err).Code
}

// Duplicate is returned by the store when a unique key is violated. Packages
// usually translate it into their own conflict code.
var Duplicate = New(Conflict, "store.duplicate", "记录已存在")
