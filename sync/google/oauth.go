package google

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
)

// AuthCodeURL returns the consent URL for app: offline access with
// prompt=consent (so every consent returns a refresh token), PKCE S256
// with codeChallenge, include_granted_scopes=true, the calendar and
// OpenID scopes, and loginHint when not empty.
func (c *Client) AuthCodeURL(app linking.OAuthApp, state, codeChallenge, loginHint string) string {
	opts := []oauth2.AuthCodeOption{
		oauth2.AccessTypeOffline,
		oauth2.ApprovalForce, // prompt=consent
		oauth2.SetAuthURLParam("include_granted_scopes", "true"),
	}
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

// Exchange trades an authorization code and its PKCE verifier for tokens
// and learns the account's identity from the userinfo endpoint (or, when
// that fails, from the id_token the token endpoint returned). A grant
// without CalendarScope comes back together with an error wrapping
// linking.ErrMissingScope. Whenever tokens were issued the Grant is
// returned, also alongside an error, so the caller can revoke them; a
// response without a refresh token is such an error.
func (c *Client) Exchange(ctx context.Context, app linking.OAuthApp, code, codeVerifier string) (*linking.Grant, error) {
	if code == "" {
		return nil, errors.New("google: exchange code: the authorization code is empty")
	}
	if app.ClientID == "" {
		return nil, fmt.Errorf("google: exchange code: %w: client id is empty", linking.ErrInvalidCredentials)
	}
	cfg := c.oauthConfig(app)
	var opts []oauth2.AuthCodeOption
	if codeVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(codeVerifier))
	}
	tok, err := cfg.Exchange(c.oauthContext(ctx), code, opts...)
	if err != nil {
		return nil, userTokenError("exchange code", err)
	}
	grant := &linking.Grant{Token: tok, Scopes: grantedScopes(tok, cfg.Scopes)}
	id, err := c.identity(ctx, app, tok)
	if err != nil {
		return grant, fmt.Errorf("google: exchange code: %w", err)
	}
	grant.Identity = id
	if !slices.Contains(grant.Scopes, CalendarScope) {
		return grant, fmt.Errorf("google: exchange code: %s granted only %q: %w",
			id.Email, strings.Join(grant.Scopes, " "), linking.ErrMissingScope)
	}
	if tok.RefreshToken == "" {
		// access_type=offline with prompt=consent always yields one; without
		// it the link would die with the access token.
		return grant, fmt.Errorf("google: exchange code: no refresh token for %s", id.Email)
	}
	return grant, nil
}

// grantedScopes are the scopes of a token response. Google always sends
// "scope"; RFC 6749 (5.1) says a missing one means the requested scopes.
func grantedScopes(tok *oauth2.Token, requested []string) []string {
	if s, _ := tok.Extra("scope").(string); strings.TrimSpace(s) != "" {
		return strings.Fields(s)
	}
	return append([]string(nil), requested...)
}

// identity asks the userinfo endpoint who granted tok and falls back on
// the id_token's claims when userinfo is unavailable.
func (c *Client) identity(ctx context.Context, app linking.OAuthApp, tok *oauth2.Token) (linking.Identity, error) {
	id, uerr := c.userinfo(ctx, tok)
	if uerr == nil {
		return id, nil
	}
	id, terr := idTokenIdentity(tok, app.ClientID)
	if terr == nil {
		return id, nil
	}
	return linking.Identity{}, fmt.Errorf("identify account: %w", errors.Join(uerr, terr))
}

// claims are the identity fields of userinfo and id_token.
type claims struct {
	Subject string `json:"sub"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	// EmailVerified may be a bool or, in older id_tokens, a string.
	EmailVerified any    `json:"email_verified"`
	Issuer        string `json:"iss"`
	// Audience is a string at Google; OpenID Connect also allows an array.
	Audience json.RawMessage `json:"aud"`
}

func (cl claims) identity() (linking.Identity, error) {
	if cl.Email == "" || cl.Subject == "" {
		return linking.Identity{}, errors.New("no email or subject in the claims (was the email scope granted?)")
	}
	// An unverified address proves nothing about who owns it: never link
	// on it (it would let anyone claim a colleague's address).
	if v, ok := cl.EmailVerified.(bool); !(ok && v) && cl.EmailVerified != "true" {
		return linking.Identity{}, fmt.Errorf("the account's email %s is not verified", cl.Email)
	}
	return linking.Identity{Email: strings.ToLower(cl.Email), Subject: cl.Subject, Name: cl.Name}, nil
}

// userinfo calls the OpenID Connect userinfo endpoint with tok. There is
// no Go SDK call for it (google.golang.org/api/oauth2/v2 serves the older
// /oauth2/v2/userinfo only), so it is a plain authorized GET.
func (c *Client) userinfo(ctx context.Context, tok *oauth2.Token) (linking.Identity, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoints.UserinfoURL, nil)
	if err != nil {
		return linking.Identity{}, fmt.Errorf("userinfo: %w", err)
	}
	tok.SetAuthHeader(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return linking.Identity{}, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return linking.Identity{}, fmt.Errorf("userinfo: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return linking.Identity{}, fmt.Errorf("userinfo: status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var cl claims
	if err := json.Unmarshal(body, &cl); err != nil {
		return linking.Identity{}, fmt.Errorf("userinfo: decode: %w", err)
	}
	id, err := cl.identity()
	if err != nil {
		return linking.Identity{}, fmt.Errorf("userinfo: %w", err)
	}
	return id, nil
}

// idTokenIdentity reads the claims of the id_token in tok. The signature
// is not checked: the token came straight from the token endpoint over
// the configured client (OpenID Connect Core 3.1.3.7 allows this), but
// the issuer and the audience are.
func idTokenIdentity(tok *oauth2.Token, clientID string) (linking.Identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return linking.Identity{}, errors.New("id_token: missing from the token response")
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return linking.Identity{}, errors.New("id_token: not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return linking.Identity{}, fmt.Errorf("id_token: decode payload: %w", err)
	}
	var cl claims
	if err := json.Unmarshal(payload, &cl); err != nil {
		return linking.Identity{}, fmt.Errorf("id_token: decode claims: %w", err)
	}
	if cl.Issuer != "https://accounts.google.com" && cl.Issuer != "accounts.google.com" {
		return linking.Identity{}, fmt.Errorf("id_token: unexpected issuer %q", cl.Issuer)
	}
	if !audienceIncludes(cl.Audience, clientID) {
		return linking.Identity{}, errors.New("id_token: issued for another client")
	}
	id, err := cl.identity()
	if err != nil {
		return linking.Identity{}, fmt.Errorf("id_token: %w", err)
	}
	return id, nil
}

func audienceIncludes(raw json.RawMessage, clientID string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == clientID
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return slices.Contains(many, clientID)
	}
	return false
}

// TokenSource returns a source that refreshes tok with app when it
// expires. Google does not rotate refresh tokens; the source keeps tok's.
// Refusals wrap linking.ErrInvalidGrant (revoked or expired grant) or
// linking.ErrInvalidCredentials (the app's secret is refused). ctx is kept
// by the source for its refresh requests, so it must outlive its use.
func (c *Client) TokenSource(ctx context.Context, app linking.OAuthApp, tok *oauth2.Token) oauth2.TokenSource {
	if tok == nil {
		return failedTokenSource{errors.New("google: refresh token: no token given")}
	}
	src := c.oauthConfig(app).TokenSource(c.oauthContext(ctx), tok)
	return mappedTokenSource{src: src, classify: func(err error) error { return userTokenError("refresh token", err) }}
}

// checkAppCode is the code CheckApp exchanges: not a code Google issued,
// so a known client gets invalid_grant and an unknown one invalid_client.
const checkAppCode = "calsync-check-app"

// CheckApp verifies that Google knows app's client id and secret, by
// exchanging a code that cannot exist: invalid_grant means the client
// authenticated, invalid_client or unauthorized_client (wrapped as
// linking.ErrInvalidCredentials) that it did not.
func (c *Client) CheckApp(ctx context.Context, app linking.OAuthApp) error {
	if app.ClientID == "" || app.ClientSecret == "" {
		return fmt.Errorf("google: check app: %w: client id and secret are required", linking.ErrInvalidCredentials)
	}
	_, err := c.oauthConfig(app).Exchange(c.oauthContext(ctx), checkAppCode)
	if err == nil {
		return nil
	}
	switch code, _, _ := tokenEndpointError(err); code {
	case "invalid_grant":
		return nil
	case "invalid_client", "unauthorized_client":
		return fmt.Errorf("google: check app: %w: %w", linking.ErrInvalidCredentials, err)
	}
	return fmt.Errorf("google: check app: %w", err)
}

// Revoke revokes the grant behind tok at Google (its refresh token, or
// the access token when there is none), which kills every token of the
// grant. Google's answer 400 invalid_token means it is already revoked or
// expired: not an error. app is not needed: revocation takes the token
// alone.
func (c *Client) Revoke(ctx context.Context, app linking.OAuthApp, tok *oauth2.Token) error {
	if tok == nil {
		return errors.New("google: revoke: no token given")
	}
	token := tok.RefreshToken
	if token == "" {
		token = tok.AccessToken
	}
	if token == "" {
		return errors.New("google: revoke: the token is empty")
	}
	// golang.org/x/oauth2 has no revocation call: POST the form of RFC 7009.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoints.RevokeURL,
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return fmt.Errorf("google: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("google: revoke: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var oerr struct {
		Error string `json:"error"`
	}
	if resp.StatusCode == http.StatusBadRequest && json.Unmarshal(body, &oerr) == nil && oerr.Error == "invalid_token" {
		return nil
	}
	return fmt.Errorf("google: revoke: status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
}
