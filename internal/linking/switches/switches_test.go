package switches_test

import (
	"fmt"
	"testing"

	"calsync/internal/linking/switches"
)

// TestDecideMatrix walks SecureVideo's switches: organization on/off ×
// "can users override?" × the user's own choice × an administrator's
// choice for the user. The expected column is written out, not computed.
func TestDecideMatrix(t *testing.T) {
	on, off := true, false
	choices := map[string]switches.Choice{
		"none":      {},
		"user on":   {Value: &on},
		"user off":  {Value: &off},
		"admin on":  {Value: &on, ByAdmin: true},
		"admin off": {Value: &off, ByAdmin: true},
	}
	for _, c := range []struct {
		org, override bool
		choice        string
		want          bool
		reason        switches.Reason
	}{
		{true, true, "none", true, "ORGANIZATION"},
		{true, true, "user on", true, "USER_CHOICE"},
		{true, true, "user off", false, "USER_CHOICE"},
		{true, true, "admin on", true, "ADMIN_CHOICE"},
		{true, true, "admin off", false, "ADMIN_CHOICE"},
		{true, false, "none", true, "ORGANIZATION"},
		{true, false, "user on", true, "ORGANIZATION"},
		{true, false, "user off", true, "ORGANIZATION"},
		{true, false, "admin on", true, "ADMIN_CHOICE"},
		{true, false, "admin off", false, "ADMIN_CHOICE"},
		{false, true, "none", false, "ORGANIZATION"},
		{false, true, "user on", true, "USER_CHOICE"},
		{false, true, "user off", false, "USER_CHOICE"},
		{false, true, "admin on", true, "ADMIN_CHOICE"},
		{false, true, "admin off", false, "ADMIN_CHOICE"},
		{false, false, "none", false, "ORGANIZATION"},
		{false, false, "user on", false, "ORGANIZATION"},
		{false, false, "user off", false, "ORGANIZATION"},
		{false, false, "admin on", true, "ADMIN_CHOICE"},
		{false, false, "admin off", false, "ADMIN_CHOICE"},
	} {
		t.Run(fmt.Sprintf("org=%v/override=%v/%s", c.org, c.override, c.choice), func(t *testing.T) {
			got, why := switches.Decide(c.org, c.override, true, choices[c.choice])
			if got != c.want || why != c.reason {
				t.Fatalf("Decide = %v (%s), want %v (%s)", got, why, c.want, c.reason)
			}
			if got, why := switches.Decide(c.org, c.override, false, choices[c.choice]); got || why != switches.ReasonInactive {
				t.Fatalf("inactive user: %v (%s)", got, why)
			}
		})
	}
}
