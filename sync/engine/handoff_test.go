package engine

import (
	"errors"
	"fmt"
	"testing"

	"calsync/internal/domain"
)

// A failed hand-off to two-way sync fails the run (so it is retried) only
// when the failure may pass; one that will not — the booking refusing the
// provider's version, the provider refusing the request as such — would
// otherwise fail every run of the account.
func TestHandOffFailuresThatPass(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("twoway: read event: %w", errors.New("connection reset")), true},
		{fmt.Errorf("twoway: read event: %w", &RateLimitedError{Err: errors.New("429")}), true},
		{fmt.Errorf("twoway: take the provider's change: %w", domain.InvalidField("endAt", errors.New("must be after startAt"))), false},
		{fmt.Errorf("twoway: read event: %w", ErrForbidden), false},
		{fmt.Errorf("twoway: read event: %w", ErrUnauthorized), false},
		{fmt.Errorf("twoway: read event: %w", ErrInvalid), false},
	} {
		if got := passing(tc.err); got != tc.want {
			t.Errorf("passing(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
