package outlook

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Lifetimes of the identity platform's artefacts.
const (
	consentTTL      = 10 * time.Minute
	authCodeTTL     = 10 * time.Minute
	accessTokenTTL  = time.Hour
	refreshTokenTTL = 90 * 24 * time.Hour
)

// serveIdentity routes /microsoft/{tenant}/...
func (e *Emulator) serveIdentity(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, identityPrefix)
	tenant, path, _ := strings.Cut(rest, "/")
	switch {
	case path == "oauth2/v2.0/authorize" && r.Method == http.MethodGet:
		e.authorize(w, r, tenant)
	case path == "oauth2/v2.0/authorize" && r.Method == http.MethodPost:
		e.consentDecision(w, r, tenant)
	case path == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		e.token(w, r, tenant)
	case path == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		e.openIDConfiguration(w, r, tenant)
	case path == "discovery/v2.0/keys" && r.Method == http.MethodGet:
		e.keySet(w, r)
	case path == "oauth2/v2.0/token":
		e.writeOAuthError(w, newOAuthError(http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST requests."))
	default:
		http.NotFound(w, r)
	}
}

// tenantFilterLocked says which users may sign in at a tenant segment: "common"
// and "organizations" admit everyone (all emulated accounts are work
// accounts), "consumers" nobody, otherwise the users of that tenant.
func (e *Emulator) tenantFilterLocked(segment string) (func(*account) bool, bool) {
	switch strings.ToLower(segment) {
	case "common", "organizations":
		return func(*account) bool { return true }, true
	case "consumers":
		return func(*account) bool { return false }, true
	}
	t := e.tenantLocked(segment)
	if t == nil {
		return nil, false
	}
	return func(u *account) bool { return u.TenantID == t.ID }, true
}

// authorize validates an authorization request and shows the consent page.
// Errors about the client or redirect URI are shown, never redirected, so
// the endpoint cannot be used as an open redirector.
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request, tenant string) {
	q := r.URL.Query()
	e.mu.Lock()
	defer e.mu.Unlock()
	filter, ok := e.tenantFilterLocked(tenant)
	if !ok {
		e.renderIdentityError(w, http.StatusBadRequest, 90002, "Tenant '"+tenant+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
		return
	}
	clientID := strings.ToLower(q.Get("client_id"))
	app := e.st.Apps[clientID]
	if app == nil {
		e.renderIdentityError(w, http.StatusBadRequest, 700016, "Application with identifier '"+q.Get("client_id")+"' was not found in the directory '"+tenant+"'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(app.RedirectURIs, redirect) {
		e.renderIdentityError(w, http.StatusBadRequest, 50011, "The redirect URI '"+redirect+"' specified in the request does not match the redirect URIs configured for the application '"+app.ClientID+"'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.")
		return
	}
	state := q.Get("state")
	fail := func(code string, aadsts int, desc string) {
		redirectError(w, r, redirect, q.Get("response_mode"), code, aadsts, desc, state)
	}
	if rt := q.Get("response_type"); rt != "code" {
		fail("unsupported_response_type", 700054, "response_type '"+rt+"' is not supported for this application; only 'code' is.")
		return
	}
	scopes := parseScopes(q.Get("scope"))
	if len(scopes) == 0 {
		fail("invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method == "" {
		// RFC 7636 4.3: without a method the challenge is the verifier itself.
		method = pkcePlain
	}
	switch {
	case challenge == "" && !app.Confidential():
		fail("invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.")
		return
	case challenge != "" && method != pkceS256 && method != pkcePlain:
		fail("invalid_request", 501491, "Invalid code_challenge_method: '"+method+"'. Supported methods are 'plain' and 'S256'.")
		return
	case challenge != "" && (len(challenge) < 43 || len(challenge) > 128):
		fail("invalid_request", 501491, "Invalid size of Code_Challenge parameter.")
		return
	}
	pending := &pendingAuth{
		ID: randomToken(24), Tenant: tenant, ClientID: app.ClientID, RedirectURI: redirect, Scopes: scopes,
		State: state, Nonce: q.Get("nonce"), CodeChallenge: challenge, CodeChallengeMethod: method,
		LoginHint: q.Get("login_hint"), ResponseMode: q.Get("response_mode"),
		Expires: e.clock.Now().Add(consentTTL),
	}
	var accounts []*account
	for _, u := range e.st.Users {
		if filter(u) {
			accounts = append(accounts, u)
		}
	}
	slices.SortFunc(accounts, func(a, b *account) int { return strings.Compare(a.UserPrincipalName, b.UserPrincipalName) })
	if q.Get("prompt") == "none" {
		e.silentAuthorizeLocked(w, r, pending, accounts)
		return
	}
	e.st.Consents[pending.ID] = pending
	e.renderConsent(w, r, pending, app, accounts)
}

// silentAuthorizeLocked answers prompt=none: a code when login_hint names
// an account that already consented to every requested permission, else
// the error Entra ID gives.
func (e *Emulator) silentAuthorizeLocked(w http.ResponseWriter, r *http.Request, p *pendingAuth, accounts []*account) {
	var user *account
	for _, u := range accounts {
		if p.LoginHint != "" && (strings.EqualFold(u.UserPrincipalName, p.LoginHint) || strings.EqualFold(u.Mail, p.LoginHint)) {
			user = u
		}
	}
	if user == nil {
		redirectError(w, r, p.RedirectURI, p.ResponseMode, "login_required", 50058, "A silent sign-in request was sent but no user is signed in.", p.State)
		return
	}
	g := e.st.Grants[grantKey(user.ID, p.ClientID)]
	for _, s := range p.Scopes {
		if g == nil || !hasScope(g.Scopes, s) {
			redirectError(w, r, p.RedirectURI, p.ResponseMode, "consent_required", 65001, "The user or administrator has not consented to use the application.", p.State)
			return
		}
	}
	e.issueCodeLocked(w, r, p, user, p.Scopes)
}

// consentDecision handles the consent form: Accept issues a code for the
// chosen account and the ticked permissions; Cancel answers access_denied.
func (e *Emulator) consentDecision(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		e.renderIdentityError(w, http.StatusBadRequest, 9002313, "Invalid request. Request is malformed or invalid.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.st.Consents[r.PostForm.Get("request")]
	if p == nil || p.Tenant != tenant || e.clock.Now().After(p.Expires) {
		delete(e.st.Consents, r.PostForm.Get("request"))
		e.renderIdentityError(w, http.StatusBadRequest, 50058, "This sign-in request has expired or was already used. Start the sign-in again.")
		return
	}
	delete(e.st.Consents, p.ID) // single use
	if r.PostForm.Get("action") != "accept" {
		redirectError(w, r, p.RedirectURI, p.ResponseMode, "access_denied", 65004, "User declined to consent to access the app.", p.State)
		return
	}
	filter, _ := e.tenantFilterLocked(tenant)
	user := e.st.Users[r.PostForm.Get("account")]
	if user == nil || filter == nil || !filter(user) {
		e.renderIdentityError(w, http.StatusBadRequest, 50034, "The user account does not exist in this directory.")
		return
	}
	var granted []string
	for _, s := range r.PostForm["scope"] {
		if hasScope(p.Scopes, s) {
			granted = appendScope(granted, normaliseScope(s))
		}
	}
	e.issueCodeLocked(w, r, p, user, granted)
}

// issueCodeLocked records the consent and redirects with a new code.
func (e *Emulator) issueCodeLocked(w http.ResponseWriter, r *http.Request, p *pendingAuth, user *account, granted []string) {
	now := e.clock.Now().UTC()
	key := grantKey(user.ID, p.ClientID)
	g := e.st.Grants[key]
	if g == nil {
		g = &consentGrant{UserID: user.ID, ClientID: p.ClientID, Granted: now}
		e.st.Grants[key] = g
	}
	// A consent replaces the earlier one: a permission unticked now is no
	// longer granted.
	g.Scopes = granted
	code := &authCode{
		Code: "1." + randomToken(96), ClientID: p.ClientID, UserID: user.ID, RedirectURI: p.RedirectURI,
		Scopes: granted, Nonce: p.Nonce, CodeChallenge: p.CodeChallenge, CodeChallengeMethod: p.CodeChallengeMethod,
		Expires: now.Add(authCodeTTL),
	}
	e.st.Codes[code.Code] = code
	params := url.Values{"code": {code.Code}, "session_state": {newGUID()}}
	if p.State != "" {
		// state is optional at Entra ID and only echoed when sent.
		params.Set("state", p.State)
	}
	redirectWith(w, r, p.RedirectURI, p.ResponseMode, params)
}

// redirectError sends an OAuth error back to a validated redirect URI.
func redirectError(w http.ResponseWriter, r *http.Request, redirect, mode, code string, aadsts int, desc, state string) {
	params := url.Values{"error": {code}, "error_description": {"AADSTS" + itoa(aadsts) + ": " + desc}}
	if state != "" {
		params.Set("state", state)
	}
	redirectWith(w, r, redirect, mode, params)
}

// redirectWith answers with params in the query (default), fragment or an
// auto-submitted form, per response_mode.
func redirectWith(w http.ResponseWriter, r *http.Request, redirect, mode string, params url.Values) {
	u, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	switch mode {
	case "form_post":
		renderFormPost(w, redirect, params)
		return
	case "fragment":
		u.Fragment = params.Encode()
	default:
		q := u.Query()
		for k, vs := range params {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// openIDConfiguration serves the discovery document of a tenant.
func (e *Emulator) openIDConfiguration(w http.ResponseWriter, r *http.Request, tenant string) {
	base := baseURL(r) + identityPrefix + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{pkcePlain, pkceS256},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token", "client_credentials"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "email", "nonce"},
	})
}

// keySet serves the public key that signs the emulator's tokens.
func (e *Emulator) keySet(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	set, err := e.keys.jwks(e.st)
	e.mu.Unlock()
	if err != nil {
		e.logger.Error("outlook jwks", slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, set)
}
