package outlook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// token serves POST /microsoft/{tenant}/oauth2/v2.0/token.
func (e *Emulator) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		e.writeOAuthError(w, newOAuthError(http.StatusBadRequest, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid."))
		return
	}
	form := r.PostForm
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.tenantFilterLocked(tenant); !ok {
		e.writeOAuthError(w, newOAuthError(http.StatusBadRequest, "invalid_request", 90002, "Tenant '%s' not found.", tenant))
		return
	}
	app, oerr := e.authenticateClientLocked(r, tenant)
	if oerr != nil {
		e.writeOAuthError(w, oerr)
		return
	}
	var resp *tokenResponse
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		resp, oerr = e.redeemCodeLocked(r, app, tenant)
	case "refresh_token":
		resp, oerr = e.redeemRefreshLocked(r, app, tenant)
	case "client_credentials":
		resp, oerr = e.clientCredentialsLocked(r, app, tenant)
	case "":
		oerr = newOAuthError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	default:
		oerr = newOAuthError(http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", gt)
	}
	if oerr != nil {
		e.writeOAuthError(w, oerr)
		return
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// authenticateClientLocked identifies the app from the form or HTTP Basic
// credentials and checks its secret when it is confidential.
func (e *Emulator) authenticateClientLocked(r *http.Request, tenant string) (*App, *oauthError) {
	clientID, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		if clientID != "" && !strings.EqualFold(clientID, u) {
			return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 90023, "The client_id in the body does not match the one in the Authorization header.")
		}
		clientID, secret = u, p
	}
	if clientID == "" {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	app := e.st.Apps[strings.ToLower(clientID)]
	if app == nil {
		return nil, newOAuthError(http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenant)
	}
	if app.Confidential() {
		if secret == "" {
			return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		}
		if subtle.ConstantTimeCompare([]byte(secret), []byte(app.ClientSecret)) != 1 {
			return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 7000215,
				"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID)
		}
	} else if secret != "" {
		return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
	}
	return app, nil
}

// redeemCodeLocked serves grant_type=authorization_code.
func (e *Emulator) redeemCodeLocked(r *http.Request, app *App, tenant string) (*tokenResponse, *oauthError) {
	form := r.PostForm
	raw := form.Get("code")
	if raw == "" {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'code'.")
	}
	code := e.st.Codes[raw]
	now := e.clock.Now().UTC()
	switch {
	case code == nil:
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
	case code.Redeemed:
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case now.After(code.Expires):
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case code.ClientID != app.ClientID:
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed. The code was issued to another client.")
	case form.Get("redirect_uri") != code.RedirectURI:
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 500112, "The reply address '%s' does not match the reply address '%s' provided when requesting Authorization code.", form.Get("redirect_uri"), code.RedirectURI)
	}
	if code.CodeChallenge != "" {
		verifier := form.Get("code_verifier")
		if verifier == "" {
			return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'code_verifier'.")
		}
		if !pkceMatches(code.CodeChallengeMethod, code.CodeChallenge, verifier) {
			return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
		}
	}
	code.Redeemed = true
	user := e.st.Users[code.UserID]
	if user == nil {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.")
	}
	return e.issueDelegatedLocked(r, app, user, code.Scopes, code.Nonce, "")
}

// redeemRefreshLocked serves grant_type=refresh_token, rotating the token.
func (e *Emulator) redeemRefreshLocked(r *http.Request, app *App, tenant string) (*tokenResponse, *oauthError) {
	raw := r.PostForm.Get("refresh_token")
	if raw == "" {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'refresh_token'.")
	}
	rt := e.st.RefreshTokens[raw]
	now := e.clock.Now().UTC()
	if rt == nil {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is not known.")
	}
	if rt.ClientID != app.ClientID {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 700024, "Client assertion is not within its valid time range: the refresh token was issued to another client.")
	}
	if now.After(rt.Expires) {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 700082,
			"The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", rt.Issued.Format(time.RFC3339))
	}
	user := e.st.Users[rt.UserID]
	if user == nil {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 50034, "The user account does not exist in the directory.")
	}
	if rt.Seq < user.RevokedBelow {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 50173,
			"The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '%s' and the TokensValidFrom date (before which tokens are not valid) for this user is '%s'.",
			rt.Issued.Format(time.RFC3339), user.TokensValidFrom.Format(time.RFC3339))
	}
	if rt.Revoked || e.st.Grants[grantKey(user.ID, app.ClientID)] == nil {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 65001,
			"The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", app.ClientID, app.DisplayName)
	}
	scopes := rt.Scopes
	if req := parseScopes(r.PostForm.Get("scope")); len(req) > 0 {
		for _, s := range resourceScopes(req) {
			if !hasScope(rt.Scopes, s) {
				return nil, newOAuthError(http.StatusBadRequest, "invalid_grant", 65001,
					"The user or administrator has not consented to use the application with ID '%s' named '%s' for the scope '%s'. Send an interactive authorization request for this user and resource.", app.ClientID, app.DisplayName, s)
			}
		}
	}
	// Entra ID hands out a new refresh token on every redemption but does
	// not revoke the one redeemed: it stays valid until it expires or the
	// grant or sign-in sessions are revoked. Used only records the rotation.
	rt.Used = true
	return e.issueDelegatedLocked(r, app, user, scopes, "", rt.Family)
}

// PKCE code_challenge_method values (RFC 7636).
const (
	pkcePlain = "plain"
	pkceS256  = "S256"
)

// pkceMatches checks a code_verifier against the challenge of the
// authorization request. An empty method is S256: codes stored before the
// method was recorded were all S256.
func pkceMatches(method, challenge, verifier string) bool {
	want := verifier
	if method != pkcePlain {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// clientCredentialsLocked serves grant_type=client_credentials: an
// app-only token whose roles are the tenant's consented permissions.
func (e *Emulator) clientCredentialsLocked(r *http.Request, app *App, tenant string) (*tokenResponse, *oauthError) {
	scope := strings.TrimSpace(r.PostForm.Get("scope"))
	if scope == "" {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
	}
	if !strings.HasSuffix(scope, "/.default") || strings.Contains(scope, " ") {
		return nil, newOAuthError(http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
	}
	if !app.Confidential() {
		return nil, newOAuthError(http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	switch strings.ToLower(tenant) {
	case "common", "organizations", "consumers":
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", 50059,
			"No tenant-identifying information found in either the request or implied by any provided credentials.")
	}
	t := e.tenantLocked(tenant)
	roles, consented := e.st.AppRoles[t.ID+"|"+app.ClientID]
	if !consented && app.TenantID != t.ID {
		return nil, newOAuthError(http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", app.ClientID, t.Domain)
	}
	now := e.clock.Now().UTC()
	at := &accessToken{ClientID: app.ClientID, TenantID: t.ID, Roles: append([]string(nil), roles...), Expires: now.Add(accessTokenTTL)}
	signed, err := e.keys.sign(e.st, e.accessClaims(r, at, app, nil, now))
	if err != nil {
		return nil, newOAuthError(http.StatusInternalServerError, "server_error", 90033, "A transient error has occurred. Please try again.")
	}
	at.Token = signed
	e.st.AccessTokens[signed] = at
	secs := int(accessTokenTTL.Seconds()) - 1
	return &tokenResponse{TokenType: "Bearer", ExpiresIn: secs, ExtExpiresIn: secs, AccessToken: signed}, nil
}

// issueDelegatedLocked mints an access token, a rotated refresh token (when
// offline_access was granted) and an id token (when openid was).
func (e *Emulator) issueDelegatedLocked(r *http.Request, app *App, user *account, scopes []string, nonce, family string) (*tokenResponse, *oauthError) {
	now := e.clock.Now().UTC()
	at := &accessToken{ClientID: app.ClientID, UserID: user.ID, TenantID: user.TenantID, Scopes: resourceScopes(scopes), Expires: now.Add(accessTokenTTL)}
	signed, err := e.keys.sign(e.st, e.accessClaims(r, at, app, user, now))
	if err != nil {
		return nil, newOAuthError(http.StatusInternalServerError, "server_error", 90033, "A transient error has occurred. Please try again.")
	}
	at.Token = signed
	e.st.AccessTokens[signed] = at
	secs := int(accessTokenTTL.Seconds()) - 1
	resp := &tokenResponse{TokenType: "Bearer", Scope: scopeString(scopesForResponse(scopes)), ExpiresIn: secs, ExtExpiresIn: secs, AccessToken: signed}
	if hasScope(scopes, "offline_access") {
		if family == "" {
			family = newGUID()
		}
		e.st.TokenSeq++
		rt := &refreshToken{
			Token: "1.AQ" + randomToken(160), Family: family, ClientID: app.ClientID, UserID: user.ID,
			Scopes: scopes, Issued: now, Expires: now.Add(refreshTokenTTL), Seq: e.st.TokenSeq,
		}
		e.st.RefreshTokens[rt.Token] = rt
		resp.RefreshToken = rt.Token
	}
	if hasScope(scopes, "openid") {
		idt, err := e.keys.sign(e.st, e.idClaims(r, app, user, nonce, now))
		if err != nil {
			return nil, newOAuthError(http.StatusInternalServerError, "server_error", 90033, "A transient error has occurred. Please try again.")
		}
		resp.IDToken = idt
	}
	return resp, nil
}

// scopesForResponse drops offline_access, which Entra ID does not echo.
func scopesForResponse(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s != "offline_access" {
			out = append(out, s)
		}
	}
	return out
}

// accessClaims are the claims of a Graph access token (v1 format, as Graph gets).
func (e *Emulator) accessClaims(r *http.Request, at *accessToken, app *App, user *account, now time.Time) map[string]any {
	c := map[string]any{
		"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + at.TenantID + "/",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": at.Expires.Unix(),
		"appid": app.ClientID, "app_displayname": app.DisplayName, "tid": at.TenantID,
		"ver": "1.0", "uti": randomToken(16), "idtyp": "app",
	}
	if user != nil {
		c["idtyp"] = "user"
		c["oid"] = user.ID
		c["upn"] = user.UserPrincipalName
		c["unique_name"] = user.UserPrincipalName
		c["name"] = user.DisplayName
		c["scp"] = strings.Join(at.Scopes, " ")
		c["sub"] = pairwiseSubject(user.ID, app.ClientID)
	} else {
		c["oid"] = app.ClientID
		c["sub"] = app.ClientID
		c["roles"] = at.Roles
	}
	return c
}

// idClaims are the claims of a v2.0 id token.
func (e *Emulator) idClaims(r *http.Request, app *App, user *account, nonce string, now time.Time) map[string]any {
	c := map[string]any{
		"aud": app.ClientID, "iss": baseURL(r) + identityPrefix + user.TenantID + "/v2.0",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(accessTokenTTL).Unix(),
		"name": user.DisplayName, "oid": user.ID, "preferred_username": user.UserPrincipalName,
		"email": user.Mail, "sub": pairwiseSubject(user.ID, app.ClientID), "tid": user.TenantID,
		"ver": "2.0", "uti": randomToken(16),
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// pairwiseSubject is the per-app subject identifier Entra ID puts in sub.
func pairwiseSubject(userID, clientID string) string {
	sum := sha256.Sum256([]byte(userID + "|" + clientID))
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(sum[:]), "=")[:43]
}
