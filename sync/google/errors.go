package google

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"calsync/internal/linking"
)

// tokenEndpointError returns the RFC 6749 error code and description of a
// token endpoint refusal, and false when err is no such refusal. The JWT
// flow of golang.org/x/oauth2 leaves RetrieveError.ErrorCode empty, so
// the body is parsed when the code is missing.
func tokenEndpointError(err error) (code, desc string, ok bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return "", "", false
	}
	code, desc = re.ErrorCode, re.ErrorDescription
	if code == "" && len(re.Body) > 0 {
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(re.Body, &body) == nil {
			code, desc = body.Error, body.Description
		}
	}
	return code, desc, true
}

// alreadyClassified reports whether err already wraps one of linking's
// sentinels, so it is not wrapped twice.
func alreadyClassified(err error) bool {
	return errors.Is(err, linking.ErrInvalidGrant) || errors.Is(err, linking.ErrInvalidCredentials) ||
		errors.Is(err, linking.ErrMissingScope)
}

// userTokenError wraps a failure of the authorization-code or refresh
// grant: invalid_grant means the code or refresh token is dead for good,
// invalid_client and unauthorized_client that the app is refused.
func userTokenError(op string, err error) error {
	if alreadyClassified(err) {
		return fmt.Errorf("google: %s: %w", op, err)
	}
	code, _, _ := tokenEndpointError(err)
	switch code {
	case "invalid_grant":
		return fmt.Errorf("google: %s: %w: %w", op, linking.ErrInvalidGrant, err)
	case "invalid_client", "unauthorized_client":
		return fmt.Errorf("google: %s: %w: %w", op, linking.ErrInvalidCredentials, err)
	}
	return fmt.Errorf("google: %s: %w", op, err)
}

// assertionError wraps a failure of the service-account JWT grant.
// Google answers invalid_grant both for a bad key ("Invalid JWT
// Signature.", "account not found") and for an unknown impersonated user
// ("Invalid email or User ID"). Without a subject, or when the description
// names the key, the credentials are at fault; otherwise the user is.
// unauthorized_client means domain-wide delegation does not cover the
// user or the scopes: an administrator must fix the credentials.
func assertionError(op string, err error, impersonating bool) error {
	if alreadyClassified(err) {
		return fmt.Errorf("google: %s: %w", op, err)
	}
	code, desc, _ := tokenEndpointError(err)
	switch code {
	case "invalid_grant":
		if impersonating && !keyProblem(desc) {
			return fmt.Errorf("google: %s: %w: %w", op, linking.ErrInvalidGrant, err)
		}
		return fmt.Errorf("google: %s: %w: %w", op, linking.ErrInvalidCredentials, err)
	case "invalid_client", "unauthorized_client":
		return fmt.Errorf("google: %s: %w: %w", op, linking.ErrInvalidCredentials, err)
	}
	return fmt.Errorf("google: %s: %w", op, err)
}

// impersonationError wraps a failure of the service-account JWT grant for
// the user email: Google's "Invalid email or User ID" becomes a
// *linking.UnknownUserError, unauthorized_client (delegation does not
// cover the user's domain or the scope) a *linking.NotDelegatedError; the
// rest is classified as assertionError does.
func impersonationError(op, email string, err error) error {
	if alreadyClassified(err) {
		return fmt.Errorf("google: %s: %w", op, err)
	}
	code, desc, _ := tokenEndpointError(err)
	switch {
	case code == "invalid_grant" && unknownUser(desc):
		return fmt.Errorf("google: %s: %w", op, &linking.UnknownUserError{Email: email, Err: err})
	case code == "unauthorized_client":
		return fmt.Errorf("google: %s: %w", op, &linking.NotDelegatedError{Email: email, Err: err})
	}
	return assertionError(op, err, true)
}

// unknownUser reports whether an invalid_grant description says the
// impersonated user does not exist ("Invalid email or User ID", "Not a
// valid email.").
func unknownUser(desc string) bool {
	d := strings.ToLower(desc)
	return strings.Contains(d, "invalid email") || strings.Contains(d, "user id") || strings.Contains(d, "not a valid email")
}

// keyProblem reports whether an invalid_grant description blames the
// service account or its key rather than the impersonated user.
func keyProblem(desc string) bool {
	d := strings.ToLower(desc)
	return strings.Contains(d, "signature") || strings.Contains(d, "account not found")
}

// apiError wraps a Calendar API failure. A 403 insufficientPermissions
// means the token lacks the calendar scope; token refresh failures
// already carry their sentinel through the transport's *url.Error.
func apiError(op string, err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusForbidden && hasReason(ge, "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT") {
		return fmt.Errorf("google: %s: %w: %w", op, linking.ErrMissingScope, err)
	}
	// A token source not made by this package may fail to refresh with
	// a bare *oauth2.RetrieveError; classify it as a user grant's.
	return userTokenError(op, err)
}

func hasReason(ge *googleapi.Error, reasons ...string) bool {
	for _, item := range ge.Errors {
		for _, r := range reasons {
			if item.Reason == r {
				return true
			}
		}
	}
	for _, d := range ge.Details {
		m, ok := d.(map[string]any)
		if !ok {
			continue
		}
		for _, r := range reasons {
			if m["reason"] == r {
				return true
			}
		}
	}
	return false
}

// mappedTokenSource classifies the errors of a token source made by this
// package.
type mappedTokenSource struct {
	src      oauth2.TokenSource
	classify func(error) error
}

// Token returns the source's token or its classified error.
func (m mappedTokenSource) Token() (*oauth2.Token, error) {
	tok, err := m.src.Token()
	if err != nil {
		return nil, m.classify(err)
	}
	return tok, nil
}

// failedTokenSource always fails with err: the interface's TokenSource
// has no error result, so bad input surfaces on the first Token call.
type failedTokenSource struct{ err error }

// Token returns the stored error.
func (f failedTokenSource) Token() (*oauth2.Token, error) { return nil, f.err }
