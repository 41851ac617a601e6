package consent

import (
	"errors"
	"fmt"

	"calsync/internal/domain"
	"calsync/internal/linking"
)

// problemMessage says in one sentence, in the words of the person who
// sees it, why Calsync could not reach email's calendar at p. The error
// chain (URLs, token endpoint bodies) is for the log, never for the page.
func problemMessage(p domain.Provider, email string, err error) string {
	var (
		unknown      *linking.UnknownUserError
		notDelegated *linking.NotDelegatedError
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
		return linking.UserMessage(err)
	case errors.Is(err, linking.ErrMissingScope):
		return fmt.Sprintf("%s did not give Calsync access to the calendar of %s", name, email)
	case errors.Is(err, linking.ErrInvalidCredentials):
		return fmt.Sprintf("%s refused the organization's credentials; an administrator can check them with Test connection", name)
	case errors.Is(err, linking.ErrInvalidGrant):
		return fmt.Sprintf("%s no longer accepts Calsync's access to %s; link the calendar again", name, email)
	}
	var pe *providerError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s could not be reached to open the calendar of %s; try again in a few minutes", name, email)
	}
	return linking.UserMessage(err)
}

// providerError marks a failure of a call to the provider, as opposed to
// one of Calsync's own (database…).
type providerError struct {
	op  string
	err error
}

func (e *providerError) Error() string { return "linking: " + e.op + ": " + e.err.Error() }
func (e *providerError) Unwrap() error { return e.err }
