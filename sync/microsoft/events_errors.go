package microsoft

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"calsync/internal/linking"
	"calsync/sync/engine"
)

// eventError wraps the failure of one event call (what names it, e.g.
// "update event AAMk...") in the engine's terms:
//
//   - 401: engine.ErrUnauthorized;
//   - 429, and 403s whose code says throttling: *engine.RateLimitedError
//     with Graph's Retry-After (0 when absent);
//   - other 403s: engine.ErrForbidden;
//   - 412, or Graph's ErrorIrresolvableConflict whatever its status:
//     engine.ErrPrecondition;
//   - 404 and 410: engine.ErrNotFound;
//   - other 4xx: engine.ErrInvalid;
//   - 5xx and network failures stay plain errors (transient).
//
// A token the token source cannot renew (linking.ErrInvalidGrant or
// linking.ErrInvalidCredentials, kept in the chain) is ErrUnauthorized as
// well. Graph's answer stays reachable as *GraphError through errors.As.
func eventError(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrPrecondition) || errors.Is(err, engine.ErrUnauthorized) ||
		errors.Is(err, engine.ErrForbidden) || errors.Is(err, engine.ErrInvalid) {
		// Classified already (a follow-up call, a refusal before sending).
		return fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if _, ok := engine.RetryAfter(err); ok {
		return fmt.Errorf("microsoft: %s: %w", what, err)
	}
	var te *transientError
	if errors.As(err, &te) {
		return fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if errors.Is(err, linking.ErrInvalidGrant) || errors.Is(err, linking.ErrInvalidCredentials) {
		return fmt.Errorf("microsoft: %s: %w: %w", what, engine.ErrUnauthorized, err)
	}
	var ge *GraphError
	if !errors.As(toGraphError(err), &ge) {
		return fmt.Errorf("microsoft: %s: %w", what, err)
	}
	var sentinel error
	switch code := ge.StatusCode; {
	case code == http.StatusUnauthorized:
		sentinel = engine.ErrUnauthorized
	case code == http.StatusTooManyRequests || code == http.StatusForbidden && isThrottleCode(ge.Code):
		return fmt.Errorf("microsoft: %s: %w", what, &engine.RateLimitedError{RetryAfter: ge.RetryAfter, Err: ge})
	case code == http.StatusForbidden:
		sentinel = engine.ErrForbidden
	case code == http.StatusPreconditionFailed || ge.Code == "ErrorIrresolvableConflict":
		sentinel = engine.ErrPrecondition
	case code == http.StatusNotFound || code == http.StatusGone:
		sentinel = engine.ErrNotFound
	case code >= 400 && code < 500:
		sentinel = engine.ErrInvalid
	default:
		return fmt.Errorf("microsoft: %s: %w", what, ge)
	}
	return fmt.Errorf("microsoft: %s: %w: %w", what, sentinel, ge)
}

// isThrottleCode reports Graph error codes that mean "slow down" (Outlook
// answers throttling with 429 ApplicationThrottled; some workloads use
// 403 with these codes).
func isThrottleCode(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "throttl") || strings.Contains(c, "ratelimit") || c == "toomanyrequests"
}

// isGone reports whether err is Graph saying the event does not exist
// (404, 410): for a delete, the goal is reached.
func isGone(err error) bool {
	s := graphStatus(err)
	return s == http.StatusNotFound || s == http.StatusGone
}

// invalidEvent is a refusal before anything is sent: Calsync's event
// cannot be expressed in Outlook.
func invalidEvent(format string, args ...any) error {
	return fmt.Errorf("%w: %s", engine.ErrInvalid, fmt.Sprintf(format, args...))
}

// transientError marks the failure of a follow-up call that a retry of
// the whole operation resolves, whatever Graph's status: after a create
// succeeded, a 404 (the user deleted the event meanwhile) or a 412 (the
// user edited it) must not read as a missing calendar or a lost
// conflict. Graph's answer stays reachable through errors.As.
type transientError struct {
	step string
	err  error
}

func (e *transientError) Error() string { return e.step + ": " + e.err.Error() }

func (e *transientError) Unwrap() error { return e.err }

// transientIfGoneOrChanged wraps err as a transientError when Graph
// answered 404, 410 or 412; other errors keep their meaning.
func transientIfGoneOrChanged(step string, err error) error {
	if err == nil {
		return nil
	}
	switch graphStatus(err) {
	case http.StatusNotFound, http.StatusGone, http.StatusPreconditionFailed:
		return &transientError{step: step, err: err}
	}
	return fmt.Errorf("%s: %w", step, err)
}
