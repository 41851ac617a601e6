package microsoft

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"calsync/internal/linking"
)

// serviceConfig is the client-credentials configuration of creds.
func (c *Client) serviceConfig(creds linking.ServiceCredentials) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:     creds.ClientID,
		ClientSecret: creds.ClientSecret,
		TokenURL:     c.tokenURL(creds.Tenant),
		Scopes:       []string{AppOnlyScope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
}

// checkServiceCredentials refuses incomplete credentials before any
// request. Client credentials need a real tenant: "common",
// "organizations" and "consumers" do not say whose users to act on.
func checkServiceCredentials(creds linking.ServiceCredentials) error {
	var problem string
	switch t := strings.ToLower(strings.TrimSpace(creds.Tenant)); {
	case strings.TrimSpace(creds.ClientID) == "":
		problem = "the client id is empty"
	case creds.ClientSecret == "":
		problem = "the client secret is empty"
	case t == "":
		problem = "the tenant is empty"
	case t == "common" || t == "organizations" || t == "consumers":
		problem = fmt.Sprintf("app-only access needs the tenant id or domain, not %q", creds.Tenant)
	default:
		return nil
	}
	return fmt.Errorf("%w: %s", linking.ErrInvalidCredentials, problem)
}

// ServiceTokenSource returns app-only tokens of creds' app in creds'
// tenant (client credentials, scope https://graph.microsoft.com/.default).
// Nothing is requested yet: a refused secret surfaces from Token (and the
// Graph calls) wrapping linking.ErrInvalidCredentials. userEmail is not
// part of the token; pass it to Calendars and CreateCalendar, which then
// use /users/{userEmail} paths. Token requests run under ctx.
func (c *Client) ServiceTokenSource(ctx context.Context, creds linking.ServiceCredentials, userEmail string) (oauth2.TokenSource, error) {
	if err := checkServiceCredentials(creds); err != nil {
		return nil, fmt.Errorf("microsoft: service token source: %w", err)
	}
	if strings.TrimSpace(userEmail) == "" {
		return nil, errors.New("microsoft: service token source: the user's email is empty")
	}
	conf := c.serviceConfig(creds)
	octx := c.oauthContext(ctx)
	return &renewingTokenSource{renew: func(*oauth2.Token) (*oauth2.Token, error) {
		tok, err := conf.Token(octx)
		if err != nil {
			return nil, tokenError("app-only token", err)
		}
		return tok, nil
	}}, nil
}

// appOnlyClaims are the access token claims CheckServiceCredentials reads.
type appOnlyClaims struct {
	Roles []string `json:"roles"`
}

// CheckServiceCredentials obtains an app-only token for creds without
// touching any user. When the token is a readable JWT (Graph's app-only
// tokens for work tenants are), its roles claim must hold the
// Calendars.ReadWrite application permission, else the error wraps
// linking.ErrMissingScope: the tenant's admin has not consented to it.
// Tokens Calsync cannot read are accepted as they are.
func (c *Client) CheckServiceCredentials(ctx context.Context, creds linking.ServiceCredentials) error {
	if err := checkServiceCredentials(creds); err != nil {
		return fmt.Errorf("microsoft: check service credentials: %w", err)
	}
	tok, err := c.serviceConfig(creds).Token(c.oauthContext(ctx))
	if err != nil {
		return tokenError("check service credentials", err)
	}
	claims, err := jwtPayload[appOnlyClaims](tok.AccessToken)
	if err != nil {
		return nil
	}
	if !hasScope(claims.Roles, CalendarScope) {
		return fmt.Errorf("microsoft: check service credentials: %w: the app lacks the Calendars.ReadWrite application permission in tenant %s (granted: %s)",
			linking.ErrMissingScope, creds.Tenant, strings.Join(claims.Roles, " "))
	}
	return nil
}
