// Package linking is the vocabulary shared by the packages that connect a
// fieldworker's calendar and by the provider adapters (sync/google,
// sync/microsoft): the Provider interface, its types and errors, and the
// single-use tokens and callback paths the flows have in common. The
// work is done in its subpackages:
//
//   - switches: the switch matrix, who syncs and why;
//   - credentials: the organization's OAuth apps and service credentials,
//     stored tokens, their refresh and revocation;
//   - outbox: emails queued for delivery;
//   - consent: start page, OAuth state and PKCE, callback, saving a link,
//     service-account sync, unlinking and departures;
//   - invitations: authorization emails and the links they carry;
//   - settings: an administrator's provider settings and users' choices.
//
// The end-to-end tests of linking live here.
package linking

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/oauth2"

	"calsync/internal/domain"
)

// OAuthApp is the OAuth client Calsync acts as for one organization: the
// operator's platform app or the organization's private app.
type OAuthApp struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is Calsync's callback, matched exactly by the provider.
	RedirectURL string
	// Tenant is the Microsoft directory ("common", "organizations" or a
	// tenant id/domain); ignored for Google.
	Tenant string
}

// Identity is who granted access.
type Identity struct {
	// Email is the account's address (Google email, Microsoft UPN/mail).
	Email string
	// Subject is the provider's stable account id (Google sub, Microsoft oid).
	Subject string
	Name    string
}

// Grant is the outcome of a code exchange.
type Grant struct {
	Token    *oauth2.Token
	Identity Identity
	// Scopes actually granted (the user may untick some).
	Scopes []string
}

// Calendar is one calendar of a linked account.
type Calendar struct {
	ID       string
	Name     string
	Primary  bool
	Color    string
	CanWrite bool
	// AccessRole is the account's right on the calendar (Google owner,
	// writer, reader or freeBusyReader; Graph owner or reader).
	AccessRole string
}

// ServiceCredentials authenticate without user consent: a Google service
// account key with domain-wide delegation, or a Microsoft app registration
// with application permission in a tenant.
type ServiceCredentials struct {
	// Google: the service account JSON key file.
	GoogleKeyJSON []byte
	// Microsoft: client credentials in a tenant.
	ClientID     string
	ClientSecret string
	Tenant       string
}

// ErrMissingScope means the user did not grant calendar access (the
// "check the box" case).
var ErrMissingScope = errors.New("calendar permission was not granted")

// ErrInvalidGrant means the provider refused a refresh token or
// assertion for good (revoked, expired, unknown user): stop and ask the
// user to link again.
var ErrInvalidGrant = errors.New("the provider no longer accepts this grant")

// ErrInvalidCredentials means client id/secret or a service account key
// were refused by the provider, or do not parse.
var ErrInvalidCredentials = errors.New("the provider refused these credentials")

// Provider is what linking needs from a provider adapter (sync/google,
// sync/microsoft). Errors wrap ErrInvalidGrant, ErrInvalidCredentials or
// ErrMissingScope where those apply.
type Provider interface {
	// AuthCodeURL is the consent URL: offline access, PKCE S256 with
	// codeChallenge, state, the calendar scopes, login hint when known.
	AuthCodeURL(app OAuthApp, state, codeChallenge, loginHint string) string
	// Exchange trades the code (with its PKCE verifier) for tokens and
	// learns the account's identity. A grant lacking the calendar scope
	// returns the Grant and an error wrapping ErrMissingScope.
	Exchange(ctx context.Context, app OAuthApp, code, codeVerifier string) (*Grant, error)
	// TokenSource refreshes tok with app; refreshed tokens (Microsoft
	// rotates refresh tokens) are the caller's to persist.
	TokenSource(ctx context.Context, app OAuthApp, tok *oauth2.Token) oauth2.TokenSource
	// ServiceTokenSource authenticates as the service for user (Google:
	// impersonates the email; Microsoft: app-only token, the email is used
	// in /users/{email} paths).
	ServiceTokenSource(ctx context.Context, creds ServiceCredentials, userEmail string) (oauth2.TokenSource, error)
	// CheckServiceCredentials parses creds and obtains a token from the
	// provider, without touching any user.
	CheckServiceCredentials(ctx context.Context, creds ServiceCredentials) error
	// CheckApp verifies that the provider knows the client id and secret.
	CheckApp(ctx context.Context, app OAuthApp) error
	// Calendars lists the calendars of the account (userEmail "" means the
	// token's own account).
	Calendars(ctx context.Context, ts oauth2.TokenSource, userEmail string) ([]Calendar, error)
	// CreateCalendar creates a secondary calendar named name.
	CreateCalendar(ctx context.Context, ts oauth2.TokenSource, userEmail, name, timeZone string) (Calendar, error)
	// Revoke withdraws the grant at the provider where the provider
	// offers it; an already revoked token is not an error.
	Revoke(ctx context.Context, app OAuthApp, tok *oauth2.Token) error
}

// CallbackPath is where the provider sends the user back.
func CallbackPath(p domain.Provider) string {
	return "/oauth/" + strings.ToLower(string(p)) + "/callback"
}

// ParseProvider reads a provider from a URL path segment.
func ParseProvider(s string) (domain.Provider, bool) {
	switch strings.ToUpper(s) {
	case string(domain.ProviderGoogle):
		return domain.ProviderGoogle, true
	case string(domain.ProviderMicrosoft):
		return domain.ProviderMicrosoft, true
	}
	return "", false
}
