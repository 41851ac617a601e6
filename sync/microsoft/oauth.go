package microsoft

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
)

// defaultTenant is the authority segment when OAuthApp.Tenant is empty:
// work, school and personal accounts may sign in.
const defaultTenant = "common"

// checkAppCode is the made-up authorization code CheckApp redeems.
const checkAppCode = "calsync-check-app"

// tenantSegment is the tenant as a path segment of the identity platform.
func tenantSegment(tenant string) string {
	t := strings.TrimSpace(tenant)
	if t == "" {
		t = defaultTenant
	}
	return url.PathEscape(t)
}

func (c *Client) authURL(tenant string) string {
	return c.login + "/" + tenantSegment(tenant) + "/oauth2/v2.0/authorize"
}

func (c *Client) tokenURL(tenant string) string {
	return c.login + "/" + tenantSegment(tenant) + "/oauth2/v2.0/token"
}

// oauthConfig is the x/oauth2 configuration of app. The secret travels in
// the form (as Microsoft documents it), not in HTTP Basic: x/oauth2's
// auto-detection would retry every failed request in the other style.
func (c *Client) oauthConfig(app linking.OAuthApp) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		RedirectURL:  app.RedirectURL,
		Scopes:       delegatedScopes(),
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.authURL(app.Tenant),
			TokenURL:  c.tokenURL(app.Tenant),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// oauthContext makes x/oauth2 use the configured HTTP client.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.httpClient)
}

// AuthCodeURL is the consent URL of app at its tenant ("common" when
// empty): the delegated scopes (offline_access gives the refresh token),
// PKCE S256 with codeChallenge, state, and login_hint when known.
func (c *Client) AuthCodeURL(app linking.OAuthApp, state, codeChallenge, loginHint string) string {
	var opts []oauth2.AuthCodeOption
	if codeChallenge != "" {
		opts = append(opts,
			oauth2.SetAuthURLParam("code_challenge", codeChallenge),
			oauth2.SetAuthURLParam("code_challenge_method", "S256"))
	}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return c.oauthConfig(app).AuthCodeURL(state, opts...)
}

// Exchange redeems code (with its PKCE verifier) and learns who granted
// access. The identity comes from the id_token's claims: oid (Subject),
// email or else preferred_username (Email), name. The id_token is received
// directly from the token endpoint over TLS, in answer to Calsync's own
// authenticated request, so its signature is not checked (OpenID Connect
// Core 1.0, section 3.1.3.7). Without a usable id_token, GET /me supplies
// the identity. Subject is the stable key; Email is for display and
// matching, and is not proof of mailbox ownership.
//
// A grant without Calendars.ReadWrite returns the Grant and an error
// wrapping linking.ErrMissingScope. Whenever tokens were issued the Grant
// is returned, also with other errors, so the caller can inspect it.
func (c *Client) Exchange(ctx context.Context, app linking.OAuthApp, code, codeVerifier string) (*linking.Grant, error) {
	if strings.TrimSpace(code) == "" {
		return nil, errors.New("microsoft: exchange code: the authorization code is empty")
	}
	if err := checkAppID(app); err != nil {
		return nil, fmt.Errorf("microsoft: exchange code: %w", err)
	}
	conf := c.oauthConfig(app)
	var opts []oauth2.AuthCodeOption
	if codeVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(codeVerifier))
	}
	tok, err := conf.Exchange(c.oauthContext(ctx), code, opts...)
	if err != nil {
		return nil, tokenError("exchange code", err)
	}
	g := &linking.Grant{Token: tok, Scopes: grantedScopes(tok, conf.Scopes)}
	id, complete := identityFromIDToken(tok)
	g.Identity = id
	if !hasScope(g.Scopes, CalendarScope) {
		return g, fmt.Errorf("microsoft: exchange code: %w (granted: %s)", linking.ErrMissingScope, strings.Join(g.Scopes, " "))
	}
	if !complete {
		me, err := c.me(ctx, tok)
		if err != nil {
			return g, graphError("exchange code: read /me", err, "")
		}
		g.Identity = mergeIdentity(id, me)
	}
	return g, nil
}

// TokenSource returns tokens for app, starting from tok and refreshing it
// with its refresh token when it expires (or when Graph refuses it before
// its expiry). Microsoft rotates refresh tokens on every use: the tokens
// Token returns carry the newest refresh token, which the caller must
// persist. Refreshes are serialized within the source, so concurrent users
// of one source never spend a refresh token twice; across sources and
// processes the caller serializes them. Refreshes run under ctx.
func (c *Client) TokenSource(ctx context.Context, app linking.OAuthApp, tok *oauth2.Token) oauth2.TokenSource {
	conf := c.oauthConfig(app)
	octx := c.oauthContext(ctx)
	return &renewingTokenSource{tok: tok, renew: func(cur *oauth2.Token) (*oauth2.Token, error) {
		if cur == nil {
			return nil, errors.New("microsoft: refresh token: no token to refresh")
		}
		if cur.RefreshToken == "" {
			return nil, fmt.Errorf("microsoft: refresh token: %w: the token has expired and has no refresh token", linking.ErrInvalidGrant)
		}
		if err := checkAppID(app); err != nil {
			return nil, fmt.Errorf("microsoft: refresh token: %w", err)
		}
		// A source of only the refresh token: x/oauth2 refreshes at once and
		// keeps the old refresh token if the answer carries none.
		nt, err := conf.TokenSource(octx, &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
		if err != nil {
			return nil, tokenError("refresh token", err)
		}
		return nt, nil
	}}
}

// CheckApp verifies that the identity platform knows app's client id and
// secret, by redeeming a made-up authorization code: a known client with
// the right secret gets invalid_grant (the code), anything else
// invalid_client or unauthorized_client (AADSTS7000215 wrong secret,
// 7000222 expired secret, 700016 unknown app, 90002 unknown tenant), which
// wraps linking.ErrInvalidCredentials. The redirect URI cannot be checked
// this way.
func (c *Client) CheckApp(ctx context.Context, app linking.OAuthApp) error {
	if err := checkAppID(app); err != nil {
		return fmt.Errorf("microsoft: check app: %w", err)
	}
	_, err := c.oauthConfig(app).Exchange(c.oauthContext(ctx), checkAppCode)
	if err == nil {
		return errors.New("microsoft: check app: the token endpoint accepted a made-up authorization code")
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
		return nil
	}
	return tokenError("check app", err)
}

// Revoke does nothing and returns nil. Microsoft has no endpoint that
// revokes one app's delegated tokens: revokeSignInSessions signs the user
// out of every app and device, and deleting the oauth2PermissionGrant
// needs DelegatedPermissionGrant.ReadWrite.All, an admin permission a
// calendar app must not ask for. The caller deletes the tokens; the refresh
// token then lapses after 90 days unused, and the user (or an admin) can
// remove the app's consent at https://myapps.microsoft.com or in Entra ID.
func (c *Client) Revoke(ctx context.Context, app linking.OAuthApp, tok *oauth2.Token) error {
	return nil
}

// checkAppID refuses an app without a client id before any request.
func checkAppID(app linking.OAuthApp) error {
	if strings.TrimSpace(app.ClientID) == "" {
		return fmt.Errorf("%w: the client id is empty", linking.ErrInvalidCredentials)
	}
	return nil
}

// renewingTokenSource hands out its token while it is valid and renews it
// under a lock otherwise, so concurrent callers never spend one refresh
// token twice: Microsoft rotates them, and a second use is refused.
type renewingTokenSource struct {
	renew func(cur *oauth2.Token) (*oauth2.Token, error)

	mu  sync.Mutex
	tok *oauth2.Token
	// refused is an access token Graph answered 401 to; it is renewed even
	// though it has not expired yet.
	refused string
}

// Token returns a valid token, renewing it when needed.
func (s *renewingTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.Valid() && s.tok.AccessToken != s.refused {
		return s.tok, nil
	}
	nt, err := s.renew(s.tok)
	if err != nil {
		return nil, err
	}
	s.tok, s.refused = nt, ""
	return nt, nil
}

// refuse records that Graph refused accessToken; unless the source has
// renewed it meanwhile, the next Token renews.
func (s *renewingTokenSource) refuse(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken == accessToken {
		s.refused = accessToken
	}
}

// tokenError wraps an error of the token endpoint, adding the sentinel of
// internal/linking it stands for.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if s := tokenSentinel(re); s != nil {
			return fmt.Errorf("microsoft: %s: %w: %w", op, s, err)
		}
	}
	return fmt.Errorf("microsoft: %s: %w", op, err)
}

// tokenSentinel maps an OAuth error answer to a sentinel, or nil for a
// failure worth retrying (temporarily_unavailable, 5xx, ...).
func tokenSentinel(re *oauth2.RetrieveError) error {
	switch re.ErrorCode {
	case "invalid_grant", "interaction_required":
		// interaction_required: a policy (MFA, conditional access) wants the
		// user to sign in again; only a new link helps.
		return linking.ErrInvalidGrant
	case "invalid_client", "unauthorized_client":
		return linking.ErrInvalidCredentials
	}
	switch aadsts(re.ErrorDescription) {
	case 90002, // tenant not found
		900023,  // tenant identifier malformed
		50059,   // no tenant for client credentials ("common")
		700016,  // application not found in the directory
		7000215, // invalid client secret
		7000222: // client secret expired
		return linking.ErrInvalidCredentials
	}
	return nil
}

// aadsts is the number of an "AADSTSnnnn: ..." error description, or 0.
func aadsts(desc string) int {
	rest, ok := strings.CutPrefix(desc, "AADSTS")
	if !ok {
		return 0
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil {
		return 0
	}
	return n
}

// grantedScopes are the scopes of a token answer. An answer without scope
// grants what was requested (RFC 6749, section 5.1).
func grantedScopes(tok *oauth2.Token, requested []string) []string {
	if s, _ := tok.Extra("scope").(string); strings.TrimSpace(s) != "" {
		return strings.Fields(s)
	}
	return append([]string(nil), requested...)
}

// hasScope reports whether scopes hold want, comparing Graph permissions
// with or without their resource prefix, case-insensitively.
func hasScope(scopes []string, want string) bool {
	w := normalizeScope(want)
	for _, s := range scopes {
		if normalizeScope(s) == w {
			return true
		}
	}
	return false
}

// normalizeScope strips Graph's resource (by URL or by app id) and case.
func normalizeScope(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, prefix := range []string{"https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000/"} {
		s = strings.TrimPrefix(s, prefix)
	}
	return s
}

// idTokenClaims are the id_token claims Calsync reads.
type idTokenClaims struct {
	OID               string `json:"oid"`
	Email             string `json:"email"`
	PreferredUsername string `json:"preferred_username"`
	Name              string `json:"name"`
}

// identityFromIDToken reads the identity from tok's id_token; complete
// says both the subject and an address were found.
func identityFromIDToken(tok *oauth2.Token) (id linking.Identity, complete bool) {
	raw, _ := tok.Extra("id_token").(string)
	claims, err := jwtPayload[idTokenClaims](raw)
	if err != nil {
		return linking.Identity{}, false
	}
	id = linking.Identity{Subject: claims.OID, Name: claims.Name, Email: claims.Email}
	if id.Email == "" && strings.Contains(claims.PreferredUsername, "@") {
		// preferred_username is the UPN for work accounts, but may be a
		// phone number for personal ones.
		id.Email = claims.PreferredUsername
	}
	return id, id.Subject != "" && id.Email != ""
}

// mergeIdentity fills the gaps of a with b.
func mergeIdentity(a, b linking.Identity) linking.Identity {
	if a.Subject == "" {
		a.Subject = b.Subject
	}
	if a.Email == "" {
		a.Email = b.Email
	}
	if a.Name == "" {
		a.Name = b.Name
	}
	return a
}

// jwtPayload decodes the claims of a compact JWT without verifying it.
func jwtPayload[T any](raw string) (T, error) {
	var claims T
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return claims, errors.New("not a compact JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims, fmt.Errorf("JWT payload: %w", err)
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return claims, fmt.Errorf("JWT payload: %w", err)
	}
	return claims, nil
}
