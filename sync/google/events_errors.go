package google

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/googleapi"

	"calsync/internal/linking"
	"calsync/sync/engine"
)

// rateLimitReasons are the 403 reasons that mean "slow down" rather than
// "not allowed" (the Calendar API's errors guide; RATE_LIMIT_EXCEEDED is
// the reason of the newer ErrorInfo details). quotaExceeded is Google's
// abuse limit: still a wait, but a long one the engine should alert on.
var rateLimitReasons = []string{"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded",
	"dailyLimitExceeded", "RATE_LIMIT_EXCEEDED"}

// eventError wraps the failure of one event call (what names it, e.g.
// "update event abc") in the engine's terms: 401 ErrUnauthorized; 429 and
// rate-limit 403s a *engine.RateLimitedError with the Retry-After wait;
// other 403s ErrForbidden; 412 ErrPrecondition; 404 and 410 ErrNotFound;
// other 4xx ErrInvalid; 5xx and network failures stay plain (transient).
// A token the token endpoint refuses (linking.ErrInvalidGrant or
// linking.ErrInvalidCredentials, kept in the chain) is ErrUnauthorized:
// the engine's refresh then learns that the grant is dead.
func eventError(what string, err error) error {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		if errors.Is(err, linking.ErrInvalidGrant) || errors.Is(err, linking.ErrInvalidCredentials) {
			return fmt.Errorf("google: %s: %w: %w", what, engine.ErrUnauthorized, err)
		}
		return fmt.Errorf("google: %s: %w", what, err)
	}
	var sentinel error
	switch code := ge.Code; {
	case code == http.StatusUnauthorized:
		sentinel = engine.ErrUnauthorized
	case code == http.StatusTooManyRequests || code == http.StatusForbidden && hasReason(ge, rateLimitReasons...):
		return fmt.Errorf("google: %s: %w", what, &engine.RateLimitedError{RetryAfter: retryAfter(ge.Header), Err: err})
	case code == http.StatusForbidden:
		sentinel = engine.ErrForbidden
	case code == http.StatusPreconditionFailed:
		sentinel = engine.ErrPrecondition
	case code == http.StatusNotFound || code == http.StatusGone:
		sentinel = engine.ErrNotFound
	case code >= 400 && code < 500:
		sentinel = engine.ErrInvalid
	default:
		return fmt.Errorf("google: %s: %w", what, err)
	}
	return fmt.Errorf("google: %s: %w: %w", what, sentinel, err)
}

// isStatus reports whether err is a Calendar API answer with one of the
// status codes.
func isStatus(err error, codes ...int) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return false
	}
	for _, c := range codes {
		if ge.Code == c {
			return true
		}
	}
	return false
}

// isDuplicate reports a 409 duplicate: the event id is taken.
func isDuplicate(err error) bool { return isStatus(err, http.StatusConflict) }

// retryAfter reads a Retry-After header: delay seconds or an HTTP date;
// 0 when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0).Truncate(time.Second)
	}
	return 0
}
