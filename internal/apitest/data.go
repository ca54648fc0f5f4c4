package apitest

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"gjj/internal/demo"
)

// ---------------------------------------------------------------------------
// TOTP codes. A code is accepted once per credential and 30-second step
// (±1 step of skew), so each login takes a step of its own.

// OTP hands out the demo TOTP codes (demo.TOTPSecret) of steps a credential
// has not used yet on one platform. The zero value is ready to use.
type OTP struct {
	mu   sync.Mutex
	used map[string]map[int64]bool // credential → steps used
}

// NewOTP returns an OTP with no step used.
func NewOTP() *OTP { return &OTP{} }

// Code returns a code for a step the credential has not used yet: the
// current step or the next (both are accepted now and in the next 30 s),
// waiting for a new step when both are used.
func (o *OTP) Code(t testing.TB, credential string) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.used == nil {
		o.used = map[string]map[int64]bool{}
	}
	if o.used[credential] == nil {
		o.used[credential] = map[int64]bool{}
	}
	for {
		cur := time.Now().Unix() / 30
		for _, step := range []int64{cur, cur + 1} {
			if !o.used[credential][step] {
				o.used[credential][step] = true
				code, err := totp.GenerateCode(demo.TOTPSecret, time.Unix(step*30+15, 0))
				if err != nil {
					t.Fatal(err)
				}
				return code
			}
		}
		time.Sleep(time.Until(time.Unix((cur+1)*30, 0)) + 50*time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// Test data.

// ResidentID completes 17 digits with the GB 11643 check character.
func ResidentID(body string) string {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// USCC completes 17 characters with the GB 32100 check character of a
// unified social credit code.
func USCC(body string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(alphabet, body[i]) * weights[i]
	}
	return body + string(alphabet[(31-sum%31)%31])
}

// MaskedID is the pattern of a masked resident ID number.
var MaskedID = regexp.MustCompile(`^[0-9]{6}\*{8}[0-9]{3}[0-9X]$`)
