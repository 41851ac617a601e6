package gcal

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

const jwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// handleToken serves POST /google/token: authorization_code (with PKCE),
// refresh_token (no rotation, as at Google) and the service-account JWT
// bearer grant.
func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "Use POST.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	f := r.PostForm
	var (
		resp TokenResponse
		oerr *oauthError
	)
	e.mu.Lock()
	switch gt := f.Get("grant_type"); gt {
	case "authorization_code":
		resp, oerr = e.codeGrant(r, f)
	case "refresh_token":
		resp, oerr = e.refreshGrant(r, f)
	case jwtBearerGrantType:
		resp, oerr = e.jwtBearerGrant(f.Get("assertion"))
	case "":
		oerr = &oauthError{400, "invalid_request", "Missing required parameter: grant_type"}
	default:
		oerr = &oauthError{400, "unsupported_grant_type", "Invalid grant_type: " + gt}
	}
	e.mu.Unlock()
	if oerr != nil {
		writeOAuthError(w, oerr.status, oerr.code, oerr.desc)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(resp)
}

// authenticateClient checks client_secret_basic or client_secret_post;
// public clients need no secret. mu held.
func (e *Emulator) authenticateClient(r *http.Request, f url.Values) (*oauthClient, *oauthError) {
	id, secret := f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		uid, err1 := url.QueryUnescape(u)
		usec, err2 := url.QueryUnescape(p)
		if err1 != nil || err2 != nil {
			return nil, &oauthError{401, "invalid_client", "Malformed client credentials."}
		}
		if id != "" && id != uid {
			return nil, &oauthError{400, "invalid_request", "client_id in the body and the Authorization header differ."}
		}
		id, secret = uid, usec
	}
	if id == "" {
		return nil, &oauthError{400, "invalid_request", "Could not determine client ID from request."}
	}
	c := e.st.Clients[id]
	if c == nil {
		return nil, &oauthError{401, "invalid_client", "The OAuth client was not found."}
	}
	if c.ClientSecret != "" && (!c.Public || secret != "") &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(c.ClientSecret)) != 1 {
		return nil, &oauthError{401, "invalid_client", "Unauthorized"}
	}
	return c, nil
}

func (e *Emulator) codeGrant(r *http.Request, f url.Values) (TokenResponse, *oauthError) {
	client, oerr := e.authenticateClient(r, f)
	if oerr != nil {
		return TokenResponse{}, oerr
	}
	code := f.Get("code")
	if code == "" {
		return TokenResponse{}, &oauthError{400, "invalid_request", "Missing required parameter: code"}
	}
	ac := e.st.Codes[code]
	switch {
	case ac == nil:
		return TokenResponse{}, invalidGrant("Malformed auth code.")
	case ac.Used, !e.clock.Now().Before(ac.Expiry), ac.ClientID != client.ClientID:
		return TokenResponse{}, invalidGrant("Bad Request")
	case f.Get("redirect_uri") != ac.RedirectURI:
		return TokenResponse{}, &oauthError{400, "redirect_uri_mismatch", "Bad Request"}
	}
	if ac.Challenge != "" {
		verifier := f.Get("code_verifier")
		if verifier == "" {
			return TokenResponse{}, invalidGrant("Missing code verifier.")
		}
		if !pkceMatches(ac.Challenge, ac.Method, verifier) {
			return TokenResponse{}, invalidGrant("Invalid code verifier.")
		}
	}
	if e.st.Accounts[ac.Email] == nil {
		return TokenResponse{}, invalidGrant("Account has been deleted")
	}
	ac.Used = true
	return e.issueUserTokens(client.ClientID, ac.Email, strings.Fields(ac.Scope), ac.Offline), nil
}

// pkceMatches checks a code_verifier against the challenge (RFC 7636).
func pkceMatches(challenge, method, verifier string) bool {
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return subtle.ConstantTimeCompare([]byte(b64.EncodeToString(sum[:])), []byte(challenge)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(verifier), []byte(challenge)) == 1
}

func (e *Emulator) refreshGrant(r *http.Request, f url.Values) (TokenResponse, *oauthError) {
	client, oerr := e.authenticateClient(r, f)
	if oerr != nil {
		return TokenResponse{}, oerr
	}
	tok := f.Get("refresh_token")
	if tok == "" {
		return TokenResponse{}, &oauthError{400, "invalid_request", "Missing required parameter: refresh_token"}
	}
	rt := e.st.RefreshTokens[tok]
	if rt == nil || e.st.Accounts[rt.Email] == nil {
		return TokenResponse{}, invalidGrant("Token has been expired or revoked.")
	}
	if rt.ClientID != client.ClientID {
		return TokenResponse{}, &oauthError{401, "unauthorized_client", "Unauthorized"}
	}
	scope := rt.Scope
	if req := strings.Fields(f.Get("scope")); len(req) > 0 {
		have := strings.Fields(rt.Scope)
		for _, s := range req {
			n, _ := normalizeScope(s)
			if !slices.Contains(have, n) {
				return TokenResponse{}, &oauthError{400, "invalid_scope", "Some requested scopes were invalid. {invalid=" + s + "}"}
			}
		}
		scope = strings.Join(req, " ")
	}
	resp := TokenResponse{
		AccessToken: e.newAccessToken(client.ClientID, rt.Email, scope, tok, false),
		ExpiresIn:   int(accessTokenLifetime.Seconds()),
		TokenType:   "Bearer",
		Scope:       scope,
		IDToken:     e.idToken(client.ClientID, rt.Email),
	}
	return resp, nil
}

// handleRevoke serves /google/revoke: revoking any token of a user grant
// revokes the whole grant (refresh token and its access tokens); a
// service-account access token is revoked alone.
func (e *Emulator) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "Use POST.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	tok := r.Form.Get("token")
	e.mu.Lock()
	found := false
	if rt := e.st.RefreshTokens[tok]; rt != nil {
		e.revokeGrant(rt.ClientID, rt.Email)
		found = true
	} else if at := e.st.AccessTokens[tok]; at != nil {
		if at.ServiceAccount {
			delete(e.st.AccessTokens, tok)
		} else {
			e.revokeGrant(at.ClientID, at.Email)
		}
		found = true
	}
	e.mu.Unlock()
	if !found {
		writeOAuthError(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte("{}\n"))
}

// handleUserinfo serves the OpenID Connect userinfo endpoint.
func (e *Emulator) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	p, apiErr := e.principalFor(r)
	if apiErr != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_request", "Invalid Credentials")
		return
	}
	e.mu.Lock()
	acc := e.st.Accounts[normEmail(p.email)]
	var out map[string]any
	if acc != nil {
		out = map[string]any{"sub": acc.Subject, "name": acc.Name, "email": acc.Email, "email_verified": true}
		if acc.Domain != "" {
			out["hd"] = acc.Domain
		}
	} else if sa := e.st.ServiceAccounts[normEmail(p.email)]; sa != nil {
		out = map[string]any{"sub": sa.ClientID, "email": sa.ClientEmail, "email_verified": true}
	}
	e.mu.Unlock()
	if out == nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_request", "Invalid Credentials")
		return
	}
	writeJSONStatus(w, r, http.StatusOK, out)
}
