package gcal

import (
	"slices"
	"strings"
	"time"
)

// Client is an OAuth client registration.
type Client struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirectUris"`
	// Public clients (installed apps, SPAs) must use PKCE and need no
	// secret at the token endpoint.
	Public bool `json:"public"`
}

type oauthClient struct {
	Client
}

// grant is what a user has allowed a client; revoking it kills every
// token issued under it.
type grant struct {
	ClientID string    `json:"clientId"`
	Email    string    `json:"email"`
	Scopes   []string  `json:"scopes"`
	Created  time.Time `json:"created"`
}

type refreshToken struct {
	ClientID string    `json:"clientId"`
	Email    string    `json:"email"`
	Scope    string    `json:"scope"`
	Created  time.Time `json:"created"`
}

type accessToken struct {
	ClientID string    `json:"clientId"`
	Email    string    `json:"email"`
	Scope    string    `json:"scope"`
	Expiry   time.Time `json:"expiry"`
	// Refresh is the refresh token the access token belongs to, if any;
	// ServiceAccount marks tokens from the JWT bearer grant.
	Refresh        string `json:"refresh,omitempty"`
	ServiceAccount bool   `json:"serviceAccount,omitempty"`
}

type authCode struct {
	ClientID    string    `json:"clientId"`
	Email       string    `json:"email"`
	RedirectURI string    `json:"redirectUri"`
	Scope       string    `json:"scope"`
	Challenge   string    `json:"challenge,omitempty"`
	Method      string    `json:"method,omitempty"`
	Offline     bool      `json:"offline"`
	Expiry      time.Time `json:"expiry"`
	Used        bool      `json:"used"`
}

// TokenResponse is the token endpoint's JSON answer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

func grantKey(clientID, email string) string { return clientID + "\x00" + normEmail(email) }

// Scope names Google treats as basic sign-in scopes: always granted, no
// checkbox on the consent page.
const (
	scopeOpenID  = "openid"
	scopeEmail   = "https://www.googleapis.com/auth/userinfo.email"
	scopeProfile = "https://www.googleapis.com/auth/userinfo.profile"
)

// normalizeScope maps the short aliases to the full scope Google reports,
// and reports whether the scope is one Google would accept.
func normalizeScope(s string) (string, bool) {
	switch s {
	case "email":
		return scopeEmail, true
	case "profile":
		return scopeProfile, true
	case scopeOpenID:
		return s, true
	}
	if strings.HasPrefix(s, scopePrefix) && len(s) > len(scopePrefix) {
		return s, true
	}
	if !strings.Contains(s, "/") && !strings.Contains(s, ":") && s != "" {
		// A short name like "calendar" in the control API.
		return scopePrefix + s, true
	}
	return s, false
}

func isBasicScope(s string) bool { return s == scopeOpenID || s == scopeEmail || s == scopeProfile }

// RegisterClient adds or replaces an OAuth client.
func (e *Emulator) RegisterClient(c Client) error {
	if c.ClientID == "" {
		return errRequired("clientId is required")
	}
	if len(c.RedirectURIs) == 0 {
		return errRequired("at least one redirect URI is required")
	}
	if !c.Public && c.ClientSecret == "" {
		return errRequired("a confidential client needs a clientSecret")
	}
	if c.Name == "" {
		c.Name = c.ClientID
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.Clients[c.ClientID] = &oauthClient{Client: c}
	return nil
}

// Clients lists the registered OAuth clients, secrets included.
func (e *Emulator) Clients() []Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Client, 0, len(e.st.Clients))
	for _, c := range e.st.Clients {
		out = append(out, c.Client)
	}
	slices.SortFunc(out, func(a, b Client) int { return strings.Compare(a.ClientID, b.ClientID) })
	return out
}

// issueUserTokens records the grant and issues an access token (and a
// refresh token when offline) for a user; mu held.
func (e *Emulator) issueUserTokens(clientID, email string, scopes []string, offline bool) TokenResponse {
	now := e.clock.Now()
	email = normEmail(email)
	key := grantKey(clientID, email)
	g := e.st.Grants[key]
	if g == nil {
		g = &grant{ClientID: clientID, Email: email, Created: now}
		e.st.Grants[key] = g
	}
	for _, s := range scopes {
		if !slices.Contains(g.Scopes, s) {
			g.Scopes = append(g.Scopes, s)
		}
	}
	scope := strings.Join(scopes, " ")
	resp := TokenResponse{ExpiresIn: int(accessTokenLifetime / time.Second), TokenType: "Bearer", Scope: scope}
	refresh := ""
	if offline {
		refresh = "1//0" + randomString(tokenAlphabet, 100)
		e.st.RefreshTokens[refresh] = &refreshToken{ClientID: clientID, Email: email, Scope: scope, Created: now}
		e.enforceRefreshLimit(clientID, email)
		resp.RefreshToken = refresh
	}
	resp.AccessToken = e.newAccessToken(clientID, email, scope, refresh, false)
	resp.IDToken = e.idToken(clientID, email)
	return resp
}

const tokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"

// sweepThreshold is the token count above which expired access tokens
// are dropped when a new one is issued, so a long-running emulator does
// not keep every token it ever issued.
const sweepThreshold = 1024

func (e *Emulator) newAccessToken(clientID, email, scope, refresh string, sa bool) string {
	if len(e.st.AccessTokens) > sweepThreshold {
		now := e.clock.Now()
		for t, at := range e.st.AccessTokens {
			if !now.Before(at.Expiry) {
				delete(e.st.AccessTokens, t)
			}
		}
	}
	tok := "ya29." + randomString(tokenAlphabet, 150)
	e.st.AccessTokens[tok] = &accessToken{ClientID: clientID, Email: email, Scope: scope,
		Expiry: e.clock.Now().Add(accessTokenLifetime), Refresh: refresh, ServiceAccount: sa}
	return tok
}

// enforceRefreshLimit drops the oldest refresh tokens past Google's limit
// of 100 per account per client.
func (e *Emulator) enforceRefreshLimit(clientID, email string) {
	type entry struct {
		tok     string
		created time.Time
	}
	var mine []entry
	for t, rt := range e.st.RefreshTokens {
		if rt.ClientID == clientID && rt.Email == email {
			mine = append(mine, entry{t, rt.Created})
		}
	}
	if len(mine) <= maxRefreshPerClient {
		return
	}
	slices.SortFunc(mine, func(a, b entry) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.tok, b.tok)
	})
	for _, old := range mine[:len(mine)-maxRefreshPerClient] {
		e.dropRefreshToken(old.tok)
	}
}

func (e *Emulator) dropRefreshToken(tok string) {
	delete(e.st.RefreshTokens, tok)
	for at, a := range e.st.AccessTokens {
		if a.Refresh == tok {
			delete(e.st.AccessTokens, at)
		}
	}
}

// revokeGrant removes a client's grant for a user with all its tokens;
// mu held. It returns the number of tokens revoked.
func (e *Emulator) revokeGrant(clientID, email string) int {
	email = normEmail(email)
	n := 0
	delete(e.st.Grants, grantKey(clientID, email))
	for t, rt := range e.st.RefreshTokens {
		if rt.ClientID == clientID && rt.Email == email {
			delete(e.st.RefreshTokens, t)
			n++
		}
	}
	for t, at := range e.st.AccessTokens {
		if at.ClientID == clientID && at.Email == email {
			delete(e.st.AccessTokens, t)
			n++
		}
	}
	return n
}

// GrantAccess records that a user allowed a client the given scopes and
// returns tokens, as if the consent flow had run. It is for seeding demos
// and tests; the client and account must exist.
func (e *Emulator) GrantAccess(email, clientID string, scopes []string, offline bool) (TokenResponse, error) {
	var out TokenResponse
	err := e.update(func() error {
		if e.st.Accounts[normEmail(email)] == nil {
			return errNotFound()
		}
		if e.st.Clients[clientID] == nil {
			return newError(404, "global", "notFound", "unknown OAuth client "+clientID)
		}
		norm := make([]string, 0, len(scopes))
		for _, s := range scopes {
			n, ok := normalizeScope(s)
			if !ok {
				return errInvalid("invalid scope " + s)
			}
			norm = append(norm, n)
		}
		out = e.issueUserTokens(clientID, email, norm, offline)
		return nil
	})
	return out, err
}

// RevokeGrants revokes what an account allowed a client (every client
// when clientID is empty), as the user removing the app's access would.
// It returns the number of tokens revoked.
func (e *Emulator) RevokeGrants(email, clientID string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	email = normEmail(email)
	clients := map[string]bool{}
	if clientID != "" {
		clients[clientID] = true
	} else {
		for _, g := range e.st.Grants {
			if g.Email == email {
				clients[g.ClientID] = true
			}
		}
		for _, rt := range e.st.RefreshTokens {
			if rt.Email == email {
				clients[rt.ClientID] = true
			}
		}
		for _, at := range e.st.AccessTokens {
			if at.Email == email {
				clients[at.ClientID] = true
			}
		}
	}
	n := 0
	for c := range clients {
		n += e.revokeGrant(c, email)
	}
	return n
}

// ExpireAccessTokens makes every access token of an account expired now,
// so the next API call answers 401 and the client must refresh. It
// returns how many tokens it expired.
func (e *Emulator) ExpireAccessTokens(email string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	email = normEmail(email)
	now := e.clock.Now()
	n := 0
	for _, at := range e.st.AccessTokens {
		if normEmail(at.Email) == email && at.Expiry.After(now) {
			at.Expiry = now
			n++
		}
	}
	return n
}
