package rules_test

import (
	"encoding/json"
	"testing"

	"gjj/internal/core/withdrawal/rules"
)

// FuzzParse: the withdrawal rules document parser never panics, refuses with
// a message, and what it accepts survives a JSON round trip.
func FuzzParse(f *testing.F) {
	f.Add(rules.DefaultJSON())
	f.Add(`{}`)
	f.Add(`{"reasons":{"rent":{}}}`)
	f.Add(`[1,2,3]`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := rules.Parse(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refused without a message")
			}
			return
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("accepted document does not marshal: %v", err)
		}
		if _, err := rules.Parse(string(b)); err != nil {
			t.Fatalf("accepted document refused after a round trip: %v\n%s", err, b)
		}
	})
}
