package errs_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"gjj/internal/platform/errs"
)

func TestKindsAndMatching(t *testing.T) {
	statuses := map[errs.Kind]int{
		errs.Invalid: 400, errs.Unauthenticated: 401, errs.Forbidden: 403, errs.NotFound: 404,
		errs.Conflict: 409, errs.Busy: 429, errs.Unavailable: 503, errs.Internal: 500, "bogus": 500,
	}
	for k, want := range statuses {
		if k.Status() != want {
			t.Errorf("%s.Status() = %d, want %d", k, k.Status(), want)
		}
	}
	base := errs.New(errs.Conflict, "ledger.insufficient_funds", "账户余额不足")
	wrapped := fmt.Errorf("withdraw: %w", base.With("account", "P1").Wrap(errors.New("cause")))
	if !errors.Is(wrapped, base) || errs.KindOf(wrapped) != errs.Conflict || errs.CodeOf(wrapped) != "ledger.insufficient_funds" {
		t.Fatalf("wrapped error lost its kind or code: %v", wrapped)
	}
	if errs.E(wrapped).Details["account"] != "P1" || base.Details != nil {
		t.Fatal("With must copy, not mutate the sentinel")
	}
	plain := errors.New("boom")
	if e := errs.E(plain); e.Kind != errs.Internal || e.Message == "" || !errors.Is(e, plain) {
		t.Fatalf("unclassified error = %+v", e)
	}
	if errs.KindOf(nil) != "" || errs.E(nil) != nil || http.StatusText(errs.Busy.Status()) == "" {
		t.Fatal("nil handling")
	}
}
