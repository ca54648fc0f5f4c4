package identity_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"gjj/internal/access"
	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
	"gjj/internal/identity"
	"gjj/internal/platform/errs"
)

// TestEnrolments: a staff member enrols a new TOTP secret, which replaces the
// old one only after a right code of it; the confirming code's time step is
// used up for login too (one replay guard), foreign and wrong confirmations
// are refused, five wrong codes void an enrolment, and only a sysadmin
// enrols a colleague.
func TestEnrolments(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		en, err := a.Enrolments.Start(ctx, "staff:reviewer", "")
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(en.URL)
		if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != en.Secret || en.Username != "reviewer" ||
			len(en.QRPNG) == 0 || !en.Expires.After(time.Now()) {
			t.Fatalf("enrolment = %+v", en)
		}
		now := time.Now()
		newCode, err := totp.GenerateCode(en.Secret, now)
		if err != nil {
			t.Fatal(err)
		}
		// Until confirmed the old secret still logs in (using up the step
		// before: the replay guard is per credential, not per secret).
		if _, err := a.Identity.LoginStaff(ctx, "reviewer", demo.Password, code(t, now.Add(-30*time.Second))); err != nil {
			t.Fatalf("old secret before confirmation: %v", err)
		}
		for _, tc := range []struct {
			name, actor, code string
			want              *errs.Error
		}{
			{"someone else's enrolment", "staff:checker", newCode, identity.ErrEnrolmentNotFound},
			{"wrong code", "staff:reviewer", "000000", identity.ErrTOTPWrong},
			{"not six digits", "staff:reviewer", "12345", identity.ErrTOTPWrong},
		} {
			if _, err := a.Enrolments.Confirm(ctx, tc.actor, en.ID, tc.code); errs.CodeOf(err) != tc.want.Code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want.Code)
			}
		}
		if who, err := a.Enrolments.Confirm(ctx, "staff:reviewer", en.ID, newCode); err != nil || who != "reviewer" {
			t.Fatalf("confirm = %q, %v", who, err)
		}
		if _, err := a.Enrolments.Confirm(ctx, "staff:reviewer", en.ID, newCode); !errors.Is(err, identity.ErrEnrolmentNotFound) {
			t.Fatalf("second confirmation: %v", err)
		}
		// The confirming code is spent for login; the next step's code logs in.
		if _, err := a.Identity.LoginStaff(ctx, "reviewer", demo.Password, newCode); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("login with the confirming code: %v", err)
		}
		next, _ := totp.GenerateCode(en.Secret, now.Add(30*time.Second))
		if _, err := a.Identity.LoginStaff(ctx, "reviewer", demo.Password, next); err != nil {
			t.Fatalf("login with the new secret: %v", err)
		}

		// Wrong codes void an enrolment after identity.EnrolmentTries.
		en2, err := a.Enrolments.Start(ctx, "staff:reviewer", "reviewer")
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= identity.EnrolmentTries; i++ {
			_, err := a.Enrolments.Confirm(ctx, "staff:reviewer", en2.ID, "000000")
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != identity.ErrTOTPWrong.Code {
				t.Fatalf("try %d: %v", i, err)
			}
		}
		good, _ := totp.GenerateCode(en2.Secret, time.Now())
		if _, err := a.Enrolments.Confirm(ctx, "staff:reviewer", en2.ID, good); !errors.Is(err, identity.ErrEnrolmentNotFound) {
			t.Fatalf("after %d wrong codes: %v", identity.EnrolmentTries, err)
		}

		for _, tc := range []struct {
			name, actor, username, code string
		}{
			{"reviewer enrols a colleague", "staff:reviewer", "checker", access.ErrForbidden.Code},
			{"unknown staff", "staff:admin", "nobody", identity.ErrUnknownStaff.Code},
			{"sysadmin enrols a colleague", "staff:admin", " Checker ", ""},
		} {
			en, err := a.Enrolments.Start(ctx, tc.actor, tc.username)
			if errs.CodeOf(err) != tc.code || (tc.code == "" && en.Username != "checker") {
				t.Errorf("%s: %+v, %v; want %q", tc.name, en, err, tc.code)
			}
		}
	})
}

// TestStaffUsers lists every staff user by username, without credentials.
func TestStaffUsers(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		list, err := a.Identity.StaffUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := a.DB.GetContext(ctx, &n, `SELECT COUNT(*) FROM staff_user`); err != nil {
			t.Fatal(err)
		}
		names := make([]string, len(list))
		for i, u := range list {
			names[i] = u.Username
			if u.DisplayName == "" || u.Status == "" || u.CreatedAt.IsZero() || u.CreatedAt.Location() != time.UTC {
				t.Errorf("staff user %+v", u)
			}
		}
		if len(list) != n || n == 0 || !slices.IsSorted(names) || !slices.Contains(names, "admin") || !slices.Contains(names, "reviewer") {
			t.Fatalf("staff users %v (table has %d)", names, n)
		}
	})
}
