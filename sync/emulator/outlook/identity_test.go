package outlook_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

func retrieveErr(t *testing.T, err error, code, aadsts string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want *oauth2.RetrieveError %s, got %T %v", code, err, err)
	}
	if re.ErrorCode != code || !strings.HasPrefix(re.ErrorDescription, aadsts+":") {
		t.Fatalf("want %s %s, got %s %q", code, aadsts, re.ErrorCode, re.ErrorDescription)
	}
}

func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	must(t, err)
	var c map[string]any
	must(t, json.Unmarshal(raw, &c))
	return c
}

func TestConsentRoundTripWithPKCE(t *testing.T) {
	e := newEnv(t)
	cfg := e.oauthConfig("openid", "email", "offline_access", "User.Read", "https://graph.microsoft.com/Calendars.ReadWrite")
	verifier := oauth2.GenerateVerifier()
	page := e.openConsent(cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "n-1")))

	if !strings.Contains(page.HTML, "Calsync desktop") || !strings.Contains(page.HTML, "adele@contoso.example") {
		t.Fatalf("consent page lacks app or account:\n%s", page.HTML)
	}
	if !slices.Equal(page.Accounts, []string{e.user.ID}) {
		t.Fatalf("accounts = %v", page.Accounts)
	}
	want := []string{"openid", "email", "offline_access", "User.Read", "Calendars.ReadWrite"}
	if !slices.Equal(page.Scopes, want) {
		t.Fatalf("permission checkboxes = %v, want %v", page.Scopes, want)
	}
	if !strings.HasPrefix(page.Action, e.srv.URL+"/microsoft/common/") {
		t.Fatalf("form action %q is not built from the request host", page.Action)
	}

	loc := e.submitConsent(page, "accept", e.user.ID, page.Scopes)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Fatalf("redirected to %s", got)
	}
	if loc.Query().Get("state") != "st-1" {
		t.Fatalf("state = %q", loc.Query().Get("state"))
	}
	code := loc.Query().Get("code")
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	must(t, err)
	if tok.TokenType != "Bearer" || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("token = %+v", tok)
	}
	if s, _ := tok.Extra("scope").(string); !strings.Contains(s, "https://graph.microsoft.com/Calendars.ReadWrite") {
		t.Fatalf("scope = %q", s)
	}
	if n, _ := tok.Extra("ext_expires_in").(float64); n <= 0 {
		t.Fatalf("ext_expires_in = %v", tok.Extra("ext_expires_in"))
	}
	idt, _ := tok.Extra("id_token").(string)
	claims := jwtClaims(t, idt)
	if claims["preferred_username"] != "adele@contoso.example" || claims["email"] != "adele@contoso.example" ||
		claims["oid"] != e.user.ID || claims["tid"] != e.tenant.ID || claims["aud"] != publicID || claims["nonce"] != "n-1" {
		t.Fatalf("id_token claims = %v", claims)
	}

	// The token works against Graph through the SDK.
	a := e.adapter(oauth2.StaticTokenSource(tok))
	u, err := me(a).Get(context.Background(), nil)
	must(t, err)
	if *u.GetUserPrincipalName() != "adele@contoso.example" || *u.GetId() != e.user.ID || *u.GetDisplayName() != "Adele Vance" || *u.GetMail() != "adele@contoso.example" {
		t.Fatalf("me = %s %s", *u.GetUserPrincipalName(), *u.GetId())
	}

	// A code is single use.
	_, err = cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	retrieveErr(t, err, "invalid_grant", "AADSTS54005")
}

func TestConsentUntickedPermissionIsNotGranted(t *testing.T) {
	e := newEnv(t)
	cfg := e.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")
	verifier := oauth2.GenerateVerifier()
	page := e.openConsent(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	loc := e.submitConsent(page, "accept", e.user.ID, []string{"offline_access", "User.Read"})
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	must(t, err)
	if s, _ := tok.Extra("scope").(string); strings.Contains(s, "Calendars") {
		t.Fatalf("scope %q includes an unticked permission", s)
	}
	a := e.adapter(oauth2.StaticTokenSource(tok))
	if _, err := me(a).Get(context.Background(), nil); err != nil {
		t.Fatalf("User.Read was granted: %v", err)
	}
	_, err = me(a).Calendars().Get(context.Background(), nil)
	graphErr(t, err, http.StatusForbidden, "ErrorAccessDenied")
}

func TestConsentCancelRedirectsAccessDenied(t *testing.T) {
	e := newEnv(t)
	cfg := e.oauthConfig("Calendars.ReadWrite")
	page := e.openConsent(cfg.AuthCodeURL("st-9", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	loc := e.submitConsent(page, "cancel", e.user.ID, nil)
	q := loc.Query()
	if q.Get("error") != "access_denied" || !strings.HasPrefix(q.Get("error_description"), "AADSTS65004") || q.Get("state") != "st-9" || q.Get("code") != "" {
		t.Fatalf("cancel redirect = %s", loc)
	}
	// The consent request is single use.
	resp, err := noRedirect.PostForm(page.Action, url.Values{"request": {page.Request}, "action": {"accept"}, "account": {e.user.ID}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("reused consent request: %d", resp.StatusCode)
	}
}

func TestAuthorizeValidation(t *testing.T) {
	e := newEnv(t)
	base := e.srv.URL + "/microsoft/common/oauth2/v2.0/authorize?"
	challenge := pkceChallenge("verifier-verifier-verifier-verifier-verifier-0001")
	cases := []struct {
		name       string
		params     url.Values
		wantStatus int
		wantError  string // error in the redirect, for redirected failures
	}{
		{"unknown client", url.Values{"client_id": {"nope"}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"User.Read"}, "state": {"s"}}, http.StatusBadRequest, ""},
		{"redirect not registered", url.Values{"client_id": {publicID}, "redirect_uri": {"http://evil.example/cb"}, "response_type": {"code"}, "scope": {"User.Read"}, "state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}, http.StatusBadRequest, ""},
		{"token response type", url.Values{"client_id": {publicID}, "redirect_uri": {redirectURI}, "response_type": {"token"}, "scope": {"User.Read"}, "state": {"s"}}, http.StatusFound, "unsupported_response_type"},
		{"public client without PKCE", url.Values{"client_id": {publicID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"User.Read"}, "state": {"s"}}, http.StatusFound, "invalid_request"},
		{"unknown PKCE method", url.Values{"client_id": {publicID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"User.Read"}, "state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S512"}}, http.StatusFound, "invalid_request"},
		{"plain challenge too short", url.Values{"client_id": {publicID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"User.Read"}, "state": {"s"}, "code_challenge": {"short"}, "code_challenge_method": {"plain"}}, http.StatusFound, "invalid_request"},
		{"unknown tenant", url.Values{"client_id": {publicID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"User.Read"}, "state": {"s"}}, http.StatusBadRequest, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := base + tc.params.Encode()
			if tc.name == "unknown tenant" {
				u = strings.Replace(u, "/common/", "/nowhere.example/", 1)
			}
			resp, err := noRedirect.Get(u)
			must(t, err)
			defer resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			if tc.wantError != "" {
				loc, err := url.Parse(resp.Header.Get("Location"))
				must(t, err)
				if !strings.HasPrefix(resp.Header.Get("Location"), redirectURI) || loc.Query().Get("error") != tc.wantError {
					t.Fatalf("redirect %s, want error %s", loc, tc.wantError)
				}
			} else if loc := resp.Header.Get("Location"); loc != "" {
				t.Fatalf("must not redirect, got %s", loc)
			}
		})
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauthConfig("offline_access", "Calendars.ReadWrite")

	// Wrong PKCE verifier.
	verifier := oauth2.GenerateVerifier()
	page := e.openConsent(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	loc := e.submitConsent(page, "accept", e.user.ID, page.Scopes)
	_, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	retrieveErr(t, err, "invalid_grant", "AADSTS501481")

	// Confidential client: a wrong secret is invalid_client.
	web := *cfg
	web.ClientID, web.ClientSecret = webID, "wrong"
	verifier = oauth2.GenerateVerifier()
	page = e.openConsent(web.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	loc = e.submitConsent(page, "accept", e.user.ID, page.Scopes)
	_, err = web.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	retrieveErr(t, err, "invalid_client", "AADSTS7000215")
	web.ClientSecret = webSecret
	tok, err := web.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	must(t, err)
	if tok.RefreshToken == "" {
		t.Fatal("confidential client got no refresh token")
	}

	// client_credentials needs /.default and a tenant.
	cc := clientcredentials.Config{ClientID: daemonID, ClientSecret: daemonSecret, TokenURL: e.srv.URL + "/microsoft/" + e.tenant.ID + "/oauth2/v2.0/token", Scopes: []string{"Calendars.ReadWrite"}}
	_, err = cc.Token(ctx)
	retrieveErr(t, err, "invalid_scope", "AADSTS1002012")
	cc.Scopes = []string{"https://graph.microsoft.com/.default"}
	cc.TokenURL = e.srv.URL + "/microsoft/common/oauth2/v2.0/token"
	_, err = cc.Token(ctx)
	retrieveErr(t, err, "invalid_request", "AADSTS50059")
}

func TestRefreshTokenRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")
	first := e.signIn(cfg)

	// Each refresh returns a new refresh token.
	second, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: first.RefreshToken}).Token()
	must(t, err)
	third, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: second.RefreshToken}).Token()
	must(t, err)
	if second.RefreshToken == first.RefreshToken || third.RefreshToken == second.RefreshToken || third.AccessToken == second.AccessToken {
		t.Fatal("refresh did not rotate the tokens")
	}
	// Entra ID does not revoke a refresh token when it rotates it: the
	// rotated-out ones still work (and still rotate), as does the newest,
	// and their access tokens reach Graph.
	for name, rt := range map[string]string{"first": first.RefreshToken, "second": second.RefreshToken, "third": third.RefreshToken} {
		again, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		if err != nil {
			t.Fatalf("%s refresh token after rotation: %v", name, err)
		}
		if again.RefreshToken == "" || again.RefreshToken == rt {
			t.Fatalf("%s refresh token: the refresh did not rotate it", name)
		}
		if _, err := me(e.adapter(oauth2.StaticTokenSource(again))).Calendars().Get(ctx, nil); err != nil {
			t.Fatalf("access token from the %s refresh token rejected: %v", name, err)
		}
	}
	// One sign-in, two refreshes in a row and three from the older tokens.
	if n, err := e.emu.RefreshTokensIssued(e.user.UserPrincipalName, publicID); err != nil || n != 6 {
		t.Fatalf("RefreshTokensIssued = %d, %v; want 6", n, err)
	}
	// Revoking the grant ends every token of the family, old and new.
	must(t, e.emu.RevokeGrant(e.user.ID, publicID))
	for _, rt := range []string{first.RefreshToken, third.RefreshToken} {
		_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		retrieveErr(t, err, "invalid_grant", "AADSTS65001")
	}
}

// TestPKCEMethodsAndOptionalState: Entra ID accepts PKCE with S256 or
// plain (no method means plain, RFC 7636) and does not require state; the
// redirect echoes state only when the request had one.
func TestPKCEMethodsAndOptionalState(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauthConfig("offline_access", "Calendars.ReadWrite")
	verifier := oauth2.GenerateVerifier()
	cases := []struct {
		name      string
		method    string // "" sends no code_challenge_method
		challenge string
		state     string
	}{
		{"S256 with state", "S256", pkceChallenge(verifier), "st-1"},
		{"plain with state", "plain", verifier, "st-2"},
		{"no method means plain", "", verifier, "st-3"},
		{"S256 without state", "S256", pkceChallenge(verifier), ""},
		{"plain without state", "plain", verifier, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"client_id": {publicID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
				"scope": {"offline_access Calendars.ReadWrite"}, "code_challenge": {tc.challenge}}
			if tc.method != "" {
				q.Set("code_challenge_method", tc.method)
			}
			if tc.state != "" {
				q.Set("state", tc.state)
			}
			code := func() string {
				page := e.openConsent(cfg.Endpoint.AuthURL + "?" + q.Encode())
				loc := e.submitConsent(page, "accept", e.user.ID, page.Scopes)
				if _, has := loc.Query()["state"]; has != (tc.state != "") || loc.Query().Get("state") != tc.state {
					t.Fatalf("redirect %s: state should be %q (absent when not sent)", loc, tc.state)
				}
				return loc.Query().Get("code")
			}
			// A verifier that does not match the challenge is refused.
			_, err := cfg.Exchange(ctx, code(), oauth2.VerifierOption(oauth2.GenerateVerifier()))
			retrieveErr(t, err, "invalid_grant", "AADSTS501481")
			// The right one gives tokens that reach Graph.
			tok, err := cfg.Exchange(ctx, code(), oauth2.VerifierOption(verifier))
			must(t, err)
			if _, err := me(e.adapter(oauth2.StaticTokenSource(tok))).Calendars().Get(ctx, nil); err != nil {
				t.Fatalf("access token rejected: %v", err)
			}
		})
	}
}

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")

	t.Run("revokeSignInSessions", func(t *testing.T) {
		tok := e.signIn(cfg)
		res, err := me(e.adapter(oauth2.StaticTokenSource(tok))).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil)
		must(t, err)
		if v := res.GetValue(); v == nil || !*v {
			t.Fatal("revokeSignInSessions did not answer true")
		}
		_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		retrieveErr(t, err, "invalid_grant", "AADSTS50173")
	})
	t.Run("control revokes the grant", func(t *testing.T) {
		tok := e.signIn(cfg)
		if st := e.control(http.MethodDelete, "/users/"+e.user.UserPrincipalName+"/grants/"+publicID, nil, nil); st != http.StatusNoContent {
			t.Fatalf("revoke grant: %d", st)
		}
		_, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		retrieveErr(t, err, "invalid_grant", "AADSTS65001")
	})
	t.Run("control expires access tokens", func(t *testing.T) {
		tok := e.signIn(cfg)
		a := e.adapter(oauth2.StaticTokenSource(tok))
		_, err := me(a).Calendars().Get(ctx, nil)
		must(t, err)
		var out map[string]int
		if st := e.control(http.MethodPost, "/accessTokens/expire", map[string]string{"user": e.user.ID}, &out); st != http.StatusOK || out["expired"] < 1 {
			t.Fatalf("expire: %d %v", st, out)
		}
		_, err = me(a).Calendars().Get(ctx, nil)
		graphErr(t, err, http.StatusUnauthorized, "InvalidAuthenticationToken")
		// The refresh token still works and gives a working access token.
		fresh, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		must(t, err)
		_, err = me(e.adapter(oauth2.StaticTokenSource(fresh))).Calendars().Get(ctx, nil)
		must(t, err)
	})
}

func TestClientCredentialsUsersCalendars(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	cals, err := user(a, "adele@contoso.example").Calendars().Get(ctx, nil)
	must(t, err)
	if len(cals.GetValue()) != 1 || *cals.GetValue()[0].GetName() != "Calendar" || !*cals.GetValue()[0].GetIsDefaultCalendar() {
		t.Fatalf("calendars = %v", cals.GetValue())
	}
	// By id too.
	if _, err := user(a, e.user.ID).Calendar().Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// /me needs a delegated token.
	_, err = me(a).Calendars().Get(ctx, nil)
	graphErr(t, err, http.StatusBadRequest, "BadRequest")
	// An unknown mailbox.
	_, err = user(a, "nobody@contoso.example").Calendars().Get(ctx, nil)
	graphErr(t, err, http.StatusNotFound, "ErrorInvalidUser")

	// Without the application permission the token has no roles: 403.
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, daemonID, nil))
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, daemonID, []string{"User.Read.All"}))
	fresh := e.adapter(e.daemonTokens())
	_, err = user(fresh, e.user.ID).Calendars().Get(ctx, nil)
	graphErr(t, err, http.StatusForbidden, "ErrorAccessDenied")
}

func TestSilentSignInAndDiscovery(t *testing.T) {
	e := newEnv(t)
	cfg := e.oauthConfig("openid", "offline_access", "Calendars.ReadWrite")
	verifier := oauth2.GenerateVerifier()
	hint := oauth2.SetAuthURLParam("login_hint", "adele@contoso.example")
	silent := oauth2.SetAuthURLParam("prompt", "none")

	// Before any consent, prompt=none cannot succeed.
	resp, err := noRedirect.Get(cfg.AuthCodeURL("s1", oauth2.S256ChallengeOption(verifier), hint, silent))
	must(t, err)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "consent_required" {
		t.Fatalf("silent before consent: %d %s", resp.StatusCode, loc)
	}
	tok := e.signIn(cfg)
	// After consent it answers with a code straight away.
	resp, err = noRedirect.Get(cfg.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier), hint, silent))
	must(t, err)
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("code") == "" || loc.Query().Get("state") != "s2" {
		t.Fatalf("silent after consent: %s", loc)
	}
	if _, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}

	// Discovery and the key set that signs the id token.
	var conf map[string]any
	resp, err = http.Get(e.srv.URL + "/microsoft/" + e.tenant.ID + "/v2.0/.well-known/openid-configuration")
	must(t, err)
	must(t, json.NewDecoder(resp.Body).Decode(&conf))
	resp.Body.Close()
	if conf["token_endpoint"] != e.srv.URL+"/microsoft/"+e.tenant.ID+"/oauth2/v2.0/token" {
		t.Fatalf("token_endpoint = %v", conf["token_endpoint"])
	}
	resp, err = http.Get(conf["jwks_uri"].(string))
	must(t, err)
	var jwks struct {
		Keys []struct{ Kid, Kty, Alg, N, E string } `json:"keys"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&jwks))
	resp.Body.Close()
	idt, _ := tok.Extra("id_token").(string)
	hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(idt, ".")[0])
	must(t, err)
	var h struct{ Kid, Alg string }
	must(t, json.Unmarshal(hdr, &h))
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kid != h.Kid || h.Alg != "RS256" || jwks.Keys[0].Kty != "RSA" {
		t.Fatalf("jwks %+v vs id_token header %+v", jwks.Keys, h)
	}
	n, err := base64.RawURLEncoding.DecodeString(jwks.Keys[0].N)
	must(t, err)
	ex, err := base64.RawURLEncoding.DecodeString(jwks.Keys[0].E)
	must(t, err)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}
	parts := strings.Split(idt, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	must(t, err)
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("id_token signature does not verify with the JWKS key: %v", err)
	}
}
