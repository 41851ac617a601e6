package linking

import (
	"errors"
	"fmt"

	"calsync/internal/domain"
)

// UnknownUserError means the provider's directory — the Google Workspace
// domain, the Microsoft tenant — has no user with the email the service
// credentials act for. Service-account sync impersonates by email, so the
// email must be the same in both systems. It is also ErrInvalidGrant for
// callers that only ask whether the access is dead.
type UnknownUserError struct {
	Email string
	// Err is the provider's answer, for the log.
	Err error
}

func (e *UnknownUserError) Error() string {
	return fmt.Sprintf("no user %s at the provider: %v", e.Email, e.Err)
}

// Unwrap returns ErrInvalidGrant and the provider's answer.
func (e *UnknownUserError) Unwrap() []error { return []error{ErrInvalidGrant, e.Err} }

// NotDelegatedError means the service credentials are good but may not act
// for this user: Google's domain-wide delegation does not cover the user's
// domain or the calendar scope; Microsoft refuses the app the user's
// mailbox (application permission, or an access policy leaving it out).
// It is also ErrInvalidCredentials: an administrator fixes it.
type NotDelegatedError struct {
	Email string
	// Err is the provider's answer, for the log.
	Err error
}

func (e *NotDelegatedError) Error() string {
	return fmt.Sprintf("the service credentials may not act for %s: %v", e.Email, e.Err)
}

// Unwrap returns ErrInvalidCredentials and the provider's answer.
func (e *NotDelegatedError) Unwrap() []error { return []error{ErrInvalidCredentials, e.Err} }

// UserMessage is the sentence a person is shown for err: a domain error's
// own message, anything else a generic one (the details are for the log).
func UserMessage(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return "Something went wrong while saving the link; try again."
}
