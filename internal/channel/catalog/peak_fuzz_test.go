package catalog_test

import (
	"testing"

	"gjj/internal/channel/catalog"
)

// FuzzParsePeakWindows: the peak-window parser never panics, refuses with a
// message, and what it accepts parses again from its own JSON.
func FuzzParsePeakWindows(f *testing.F) {
	f.Add(catalog.DefaultPeakWindowsJSON())
	f.Add(`{"windows":[{"name":"汇缴","items":["DW-07"],"day_from":1,"day_to":5,"capacity":{"unit":{"apply":{"rate_per_s":50,"burst":100}}}}]}`)
	f.Add(`{"windows":[{"name":"x","months":[7]}]}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := catalog.ParsePeakWindows(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refused without a message")
			}
			return
		}
		if _, err := catalog.ParsePeakWindows(p.JSON()); err != nil {
			t.Fatalf("accepted document refused after a round trip: %v\n%s", err, p.JSON())
		}
	})
}
