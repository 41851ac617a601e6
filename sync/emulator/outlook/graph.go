package outlook

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// principal is who a Graph request acts as.
type principal struct {
	Token     *accessToken
	App       *App
	Delegated bool     // a user's token (else app-only)
	UserID    string   // delegated only
	Perms     []string // scopes (delegated) or roles (app-only)
}

// call is one Graph request being served (an outer request or one
// request of a $batch).
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	p     principal
	body  []byte
	query url.Values
	prefs preferences
	base  string   // scheme://host
	segs  []string // decoded path segments after /graph/v1.0
}

// serveGraph authenticates a Graph request and dispatches it.
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	requestID(w, r)
	body, err := readBody(r)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			e.writeGraphError(w, r, newGraphError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is larger than %d bytes.", maxBodyBytes))
			return
		}
		e.writeGraphError(w, r, errBadRequest("Unable to read the request body: %s", err.Error()))
		return
	}
	segs, ok := splitPath(strings.TrimPrefix(r.URL.EscapedPath(), graphPrefix))
	if !ok {
		e.writeGraphError(w, r, errBadRequest("Invalid request URI."))
		return
	}
	if len(segs) == 0 {
		e.writeGraphError(w, r, errBadRequest("Invalid version."))
		return
	}
	p, gerr := e.authenticate(r)
	if gerr != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		e.writeGraphError(w, r, gerr)
		return
	}
	prefs, gerr := parsePrefer(r.Header)
	if gerr != nil {
		e.writeGraphError(w, r, gerr)
		return
	}
	c := &call{w: w, r: r, p: p, body: body, query: r.URL.Query(), prefs: prefs, base: baseURL(r), segs: segs}
	e.dispatch(c)
}

// splitPath splits an escaped path into decoded segments, so ids holding
// escaped characters (a UPN's %40, a calendar id's %3D) survive.
func splitPath(escaped string) ([]string, bool) {
	var out []string
	for _, s := range strings.Split(strings.Trim(escaped, "/"), "/") {
		if s == "" {
			continue
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		out = append(out, d)
	}
	return out, true
}

// authenticate resolves the bearer token.
func (e *Emulator) authenticate(r *http.Request) (principal, *graphError) {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if h == "" || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return principal{}, errUnauthenticated("Access token is empty.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	at := e.st.AccessTokens[tok]
	if at == nil {
		if strings.Count(tok, ".") != 2 {
			return principal{}, errUnauthenticated("IDX14100: JWT is not well formed, there are no dots (.).")
		}
		return principal{}, errUnauthenticated("Access token validation failure. Invalid audience.")
	}
	if !e.clock.Now().Before(at.Expires) {
		return principal{}, errUnauthenticated("Lifetime validation failed, the token is expired.")
	}
	app := e.st.Apps[at.ClientID]
	if app == nil {
		return principal{}, errUnauthenticated("Access token validation failure. The application no longer exists.")
	}
	p := principal{Token: at, App: app, Delegated: at.UserID != "", UserID: at.UserID, Perms: at.Scopes}
	if !p.Delegated {
		p.Perms = at.Roles
	}
	return p, nil
}

// dispatch routes an authenticated request.
func (e *Emulator) dispatch(c *call) {
	switch c.segs[0] {
	case "$batch":
		if len(c.segs) != 1 {
			e.fail(c, errSegment(c.segs[1]))
			return
		}
		e.batch(c)
	case "subscriptions":
		e.serveSubscriptions(c)
	case "me":
		if !c.p.Delegated {
			e.fail(c, errBadRequest("/me request is only valid with delegated authentication flow."))
			return
		}
		e.serveUser(c, c.p.UserID, c.segs[1:])
	case "users":
		if len(c.segs) < 2 {
			e.fail(c, newGraphError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
			return
		}
		e.serveUser(c, c.segs[1], c.segs[2:])
	default:
		e.fail(c, errSegment(c.segs[0]))
	}
}

// serveUser serves /me/... and /users/{id}/...: authorisation, then
// mailbox throttling and fault injection, then the operation.
func (e *Emulator) serveUser(c *call, userRef string, rest []string) {
	write := c.r.Method != http.MethodGet
	e.mu.Lock()
	u, gerr := e.authorizeUserLocked(c.p, userRef, rest, write)
	var userID string
	if u != nil {
		userID = u.ID
	}
	e.mu.Unlock()
	if gerr != nil {
		e.fail(c, gerr)
		return
	}
	op := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.w = w
		e.userOp(c, userID, rest)
	})
	if len(rest) == 0 || rest[0] == "revokeSignInSessions" {
		// Directory operations, not mailbox ones: no mailbox throttling.
		e.faults.Middleware(op, e.writeFault).ServeHTTP(c.w, c.r)
		return
	}
	release, gerr := e.admit(c.p.App.ClientID, userID)
	if gerr != nil {
		e.fail(c, gerr)
		return
	}
	defer release()
	e.faults.Middleware(op, e.writeFault).ServeHTTP(c.w, c.r)
}

// authorizeUserLocked finds the target user and checks the caller may act
// on it: a delegated token only on its own user, an app-only token on users
// of its tenant, each with the permission the operation needs.
func (e *Emulator) authorizeUserLocked(p principal, userRef string, rest []string, write bool) (*account, *graphError) {
	u := e.userLocked(userRef)
	if u == nil {
		if p.Delegated {
			return nil, newGraphError(http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", userRef)
		}
		return nil, errInvalidUser(userRef)
	}
	if p.Delegated && u.ID != p.UserID {
		return nil, errAccessDenied()
	}
	if !p.Delegated && u.TenantID != p.Token.TenantID {
		return nil, errInvalidUser(userRef)
	}
	switch {
	case len(rest) == 0:
		if p.Delegated && !canReadProfile(p.Perms) && !canReadCalendars(p.Perms) {
			return nil, newGraphError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		}
		if !p.Delegated && !hasScope(p.Perms, "User.Read.All") && !hasScope(p.Perms, "User.ReadWrite.All") && !hasScope(p.Perms, "Directory.Read.All") && !canReadCalendars(p.Perms) {
			return nil, newGraphError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		}
	case rest[0] == "revokeSignInSessions":
		if !p.Delegated && !hasScope(p.Perms, "User.RevokeSessions.All") && !hasScope(p.Perms, "User.ReadWrite.All") && !hasScope(p.Perms, "Directory.ReadWrite.All") {
			return nil, newGraphError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		}
	case write && !canWriteCalendars(p.Perms), !write && !canReadCalendars(p.Perms):
		return nil, errAccessDenied()
	}
	return u, nil
}

// fail writes a Graph error for c.
func (e *Emulator) fail(c *call, err *graphError) {
	e.writeGraphError(c.w, c.r, err)
}

// response is a Graph answer prepared under the state lock and written
// after it is released, so a slow client never holds the lock.
type response struct {
	status int
	body   []byte // JSON; nil for no content
	header http.Header
}

// jsonResponse marshals v now, while the state it points into is locked.
func jsonResponse(status int, v any) *response {
	b, err := json.Marshal(v)
	if err != nil {
		return &response{status: http.StatusInternalServerError, body: []byte(`{"error":{"code":"InternalServerError","message":"encode response"}}`)}
	}
	return &response{status: status, body: b}
}

func noContentResponse() *response { return &response{status: http.StatusNoContent} }

// send writes res (or gerr) to the client.
func (e *Emulator) send(c *call, res *response, gerr *graphError) {
	if gerr != nil {
		e.fail(c, gerr)
		return
	}
	h := c.w.Header()
	requestID(c.w, c.r)
	for k, vs := range res.header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if res.body == nil {
		c.w.WriteHeader(res.status)
		return
	}
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("Cache-Control", "private")
	if c.prefs.timeZoneSeen {
		h.Add("Preference-Applied", `outlook.timezone="`+c.prefs.TimeZone+`"`)
	}
	c.w.WriteHeader(res.status)
	_, _ = c.w.Write(res.body)
}

// odataContext builds an @odata.context URL.
func (c *call) odataContext(fragment string) string {
	return c.base + graphPrefix + "/$metadata#" + fragment
}

// userOp serves an operation on one user after authorisation.
func (e *Emulator) userOp(c *call, userID string, rest []string) {
	res, gerr := e.userOpLocked(c, userID, rest)
	e.send(c, res, gerr)
}

// userOpLocked serves /me, revokeSignInSessions and the mailbox routes
// under the state lock.
func (e *Emulator) userOpLocked(c *call, userID string, rest []string) (*response, *graphError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.st.Users[userID]
	if u == nil {
		return nil, errInvalidUser(userID)
	}
	if len(rest) == 0 {
		if c.r.Method != http.MethodGet {
			return nil, errMethod(c.r.Method)
		}
		return jsonResponse(http.StatusOK, map[string]any{
			"@odata.context":    c.odataContext("users/$entity"),
			"id":                u.ID,
			"userPrincipalName": u.UserPrincipalName,
			"mail":              u.Mail,
			"displayName":       u.DisplayName,
			"businessPhones":    []string{},
			"givenName":         nil,
			"surname":           nil,
			"jobTitle":          nil,
			"mobilePhone":       nil,
			"officeLocation":    nil,
			"preferredLanguage": "en-US",
		}), nil
	}
	if rest[0] == "revokeSignInSessions" {
		if len(rest) != 1 {
			return nil, errSegment(rest[1])
		}
		if c.r.Method != http.MethodPost {
			return nil, errMethod(c.r.Method)
		}
		e.revokeSessionsLocked(u)
		return jsonResponse(http.StatusOK, map[string]any{"@odata.context": c.odataContext("Edm.Boolean"), "value": true}), nil
	}
	return e.mailboxOpLocked(c, u, rest)
}
