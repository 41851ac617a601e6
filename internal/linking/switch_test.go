package linking_test

import (
	"fmt"
	"testing"

	"calsync/internal/linking"
)

// TestDecideMatrix walks org on/off × override yes/no × user choice ×
// admin choice (SecureVideo's switches).
func TestDecideMatrix(t *testing.T) {
	on, off := true, false
	choices := []struct {
		name string
		c    linking.Choice
	}{
		{"no choice", linking.Choice{}},
		{"user on", linking.Choice{Value: &on}},
		{"user off", linking.Choice{Value: &off}},
		{"admin on", linking.Choice{Value: &on, ByAdmin: true}},
		{"admin off", linking.Choice{Value: &off, ByAdmin: true}},
	}
	for _, org := range []bool{true, false} {
		for _, override := range []bool{true, false} {
			for _, ch := range choices {
				t.Run(fmt.Sprintf("org=%v/override=%v/%s", org, override, ch.name), func(t *testing.T) {
					got, why := linking.Decide(org, override, true, ch.c)
					want, wantWhy := org, linking.ReasonOrganization
					switch {
					case ch.c.ByAdmin:
						want, wantWhy = *ch.c.Value, linking.ReasonAdminChoice
					case ch.c.Value != nil && override:
						want, wantWhy = *ch.c.Value, linking.ReasonUserChoice
					}
					if got != want || why != wantWhy {
						t.Fatalf("Decide = %v (%s), want %v (%s)", got, why, want, wantWhy)
					}
					if got, why := linking.Decide(org, override, false, ch.c); got || why != linking.ReasonInactive {
						t.Fatalf("inactive user: %v (%s)", got, why)
					}
				})
			}
		}
	}
	// Spot checks in words.
	if v, _ := linking.Decide(false, false, true, linking.Choice{Value: &on}); v {
		t.Error("a user turned sync on although the organization has it off and forbids overrides")
	}
	if v, _ := linking.Decide(false, false, true, linking.Choice{Value: &on, ByAdmin: true}); !v {
		t.Error("an administrator could not turn sync on for one user")
	}
	if v, _ := linking.Decide(true, true, true, linking.Choice{Value: &off}); v {
		t.Error("a user could not opt out where overrides are allowed")
	}
}
