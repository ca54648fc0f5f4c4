package identity_test

import (
	"context"
	"testing"

	"gjj/internal/apitest"
	"gjj/internal/app"
	"gjj/internal/demo"
)

func TestPersonByIDNumber(t *testing.T) {
	apitest.EachStore(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		known := demo.Employees[1]
		p, err := a.Identity.LoginPerson(ctx, known.IDNumber, demo.Password)
		if err != nil {
			t.Fatalf("LoginPerson: %v", err)
		}
		tests := []struct {
			name     string
			idNumber string
			wantID   int64 // 0: not known
			wantName string
		}{
			{"known", known.IDNumber, p.PersonID(), known.Name},
			{"unregistered is still a person", demo.Unregistered.IDNumber, -1, demo.Unregistered.Name},
			{"unknown", "110105199001010011", 0, ""},
			{"empty", "", 0, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := a.Identity.PersonByIDNumber(ctx, tc.idNumber)
				if err != nil {
					t.Fatalf("PersonByIDNumber: %v", err)
				}
				if tc.wantID == 0 {
					if got != nil {
						t.Fatalf("got %+v, want nil", got)
					}
					return
				}
				if got == nil {
					t.Fatal("got nil, want the person")
				}
				if got.Name != tc.wantName || got.IDType != "01" || got.ID <= 0 || (tc.wantID > 0 && got.ID != tc.wantID) {
					t.Errorf("got %+v, want id %d, name %s, id_type 01", got, tc.wantID, tc.wantName)
				}
			})
		}
	})
}
