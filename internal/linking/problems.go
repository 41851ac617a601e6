package linking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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

// problemMessage says in one sentence, in the words of the person who
// sees it, why Calsync could not reach email's calendar at p. The error
// chain (URLs, token endpoint bodies) is for the log, never for the page.
func problemMessage(p domain.Provider, email string, err error) string {
	var (
		unknown      *UnknownUserError
		notDelegated *NotDelegatedError
	)
	name := p.DisplayName()
	switch {
	case errors.As(err, &unknown):
		if unknown.Email != "" {
			email = unknown.Email
		}
		if p == domain.ProviderMicrosoft {
			return fmt.Sprintf("Microsoft has no user %s in this tenant (the email must be the same in both systems)", email)
		}
		return fmt.Sprintf("Google has no user %s in this Workspace (the email must be the same in both systems)", email)
	case errors.As(err, &notDelegated):
		if p == domain.ProviderMicrosoft {
			return fmt.Sprintf("Microsoft does not let the app open the calendar of %s (it needs the Calendars.ReadWrite application permission, and no access policy may leave this mailbox out)", email)
		}
		return fmt.Sprintf("Google does not let the service account act for %s (domain-wide delegation must cover this user's domain and the calendar scope)", email)
	case domain.CodeOf(err) != "":
		return userMessage(err)
	case errors.Is(err, ErrMissingScope):
		return fmt.Sprintf("%s did not give Calsync access to the calendar of %s", name, email)
	case errors.Is(err, ErrInvalidCredentials):
		return fmt.Sprintf("%s refused the organization's credentials; an administrator can check them with Test connection", name)
	case errors.Is(err, ErrInvalidGrant):
		return fmt.Sprintf("%s no longer accepts Calsync's access to %s; link the calendar again", name, email)
	}
	var pe *providerError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s could not be reached to open the calendar of %s; try again in a few minutes", name, email)
	}
	return userMessage(err)
}

// providerError marks a failure of a call to the provider, as opposed to
// one of Calsync's own (database…).
type providerError struct {
	op  string
	err error
}

func (e *providerError) Error() string { return "linking: " + e.op + ": " + e.err.Error() }
func (e *providerError) Unwrap() error { return e.err }

// credentialsProblem says in one sentence why p did not accept what (an
// OAuth client, service credentials) and logs the provider's answer once.
func (s *Service) credentialsProblem(ctx context.Context, p domain.Provider, what string, err error) string {
	s.log.WarnContext(ctx, "provider refused credentials", slog.String("provider", string(p)), slog.Any("error", err))
	switch {
	case errors.Is(err, ErrMissingScope):
		return fmt.Sprintf("%s accepted %s but refused calendar access: an administrator of the tenant must grant the app the Calendars.ReadWrite application permission", p.DisplayName(), what)
	case errors.Is(err, ErrInvalidCredentials):
		return fmt.Sprintf("%s refused %s: check that they are current and copied whole", p.DisplayName(), what)
	}
	return fmt.Sprintf("%s could not be reached to check %s; try again in a few minutes", p.DisplayName(), what)
}
