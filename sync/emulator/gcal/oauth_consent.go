package gcal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authRequest is a consent page waiting for the user's answer.
type authRequest struct {
	id          string
	clientID    string
	redirectURI string
	scopes      []string // normalised, as requested
	state       string
	challenge   string
	method      string
	offline     bool
	includeOld  bool
	loginHint   string
	created     time.Time
}

// scopeDescriptions are the consent texts Google shows for common scopes.
var scopeDescriptions = map[string]string{
	scopeOpenID:                              "Associate you with your personal info on Google",
	scopeEmail:                               "See your primary Google Account email address",
	scopeProfile:                             "See your personal info, including any personal info you've made publicly available",
	scopePrefix + "calendar":                 "See, edit, share, and permanently delete all the calendars you can access using Google Calendar",
	scopePrefix + "calendar.events":          "View and edit events on all your calendars",
	scopePrefix + "calendar.readonly":        "See and download any calendar you can access using your Google Calendar",
	scopePrefix + "calendar.events.readonly": "View events on all your calendars",
}

func describeScope(s string) string {
	if d, ok := scopeDescriptions[s]; ok {
		return d
	}
	return "Use " + strings.TrimPrefix(s, scopePrefix)
}

// handleConsentPage serves GET /google/o/oauth2/v2/auth. Problems with the
// client or redirect URI show an error page and never redirect (no open
// redirects); later problems go back to the client as error=...
func (e *Emulator) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	client := e.st.Clients[q.Get("client_id")]
	e.mu.Unlock()
	if client == nil {
		renderError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		renderError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: redirect_uri")
		return
	}
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		renderError(w, http.StatusBadRequest, "redirect_uri_mismatch",
			"You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. The redirect URI "+redirectURI+" is not registered for the client "+client.ClientID+".")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		redirectWith(w, r, redirectURI, url.Values{"error": {code}, "error_description": {desc}, "state": {state}})
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "Only response_type=code is supported.")
		return
	}
	rawScopes := strings.Fields(q.Get("scope"))
	if len(rawScopes) == 0 {
		fail("invalid_request", "Missing required parameter: scope")
		return
	}
	var scopes []string
	for _, s := range rawScopes {
		n, ok := normalizeScope(s)
		if !ok || !strings.HasPrefix(s, scopePrefix) && !isBasicScope(n) {
			fail("invalid_scope", "Some requested scopes were invalid. {invalid="+s+"}")
			return
		}
		if !slices.Contains(scopes, n) {
			scopes = append(scopes, n)
		}
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method == "" {
		method = "plain"
	}
	switch {
	case method != "" && method != "S256" && method != "plain":
		fail("invalid_request", "Invalid code_challenge_method: "+method)
		return
	case client.Public && challenge == "":
		fail("invalid_request", "Missing required parameter: code_challenge")
		return
	case q.Get("prompt") == "none":
		fail("interaction_required", "The emulator has no browser session: the user must consent.")
		return
	}
	req := &authRequest{
		id: randomString(tokenAlphabet, 32), clientID: client.ClientID, redirectURI: redirectURI, scopes: scopes,
		state: state, challenge: challenge, method: method, offline: q.Get("access_type") == "offline",
		includeOld: q.Get("include_granted_scopes") == "true", loginHint: q.Get("login_hint"), created: e.clock.Now(),
	}
	e.mu.Lock()
	e.dropStaleAuthRequests()
	e.authRequests[req.id] = req
	view := e.consentViewLocked(r, req, client, "")
	e.mu.Unlock()
	renderConsent(w, view)
}

// consentViewLocked builds the page data; mu held.
func (e *Emulator) consentViewLocked(r *http.Request, req *authRequest, client *oauthClient, errMsg string) consentView {
	view := consentView{ClientName: client.Name, Action: baseURL(r) + authPath, RequestID: req.id, Error: errMsg}
	for _, a := range e.st.Accounts {
		view.Accounts = append(view.Accounts, consentAccount{Email: a.Email, Name: a.Name, Selected: strings.EqualFold(a.Email, req.loginHint)})
	}
	slices.SortFunc(view.Accounts, func(a, b consentAccount) int { return strings.Compare(a.Email, b.Email) })
	for _, s := range req.scopes {
		view.Scopes = append(view.Scopes, consentScope{Scope: s, Description: describeScope(s), Basic: isBasicScope(s)})
	}
	return view
}

func (e *Emulator) dropStaleAuthRequests() {
	now := e.clock.Now()
	for id, ar := range e.authRequests {
		if now.Sub(ar.created) > authRequestLifetime {
			delete(e.authRequests, id)
		}
	}
}

// handleConsentSubmit serves the consent form POST: Cancel sends
// error=access_denied back, Allow issues a code for the chosen account
// with the basic scopes plus the checked ones.
func (e *Emulator) handleConsentSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderError(w, http.StatusBadRequest, "invalid_request", "Malformed form.")
		return
	}
	e.mu.Lock()
	req := e.authRequests[r.PostForm.Get("request_id")]
	if req == nil || e.clock.Now().Sub(req.created) > authRequestLifetime {
		e.mu.Unlock()
		renderError(w, http.StatusBadRequest, "invalid_request", "This sign-in request is unknown or has expired. Start again from the app.")
		return
	}
	if r.PostForm.Get("action") != "allow" {
		delete(e.authRequests, req.id)
		e.mu.Unlock()
		redirectWith(w, r, req.redirectURI, url.Values{"error": {"access_denied"}, "state": {req.state}})
		return
	}
	email := normEmail(r.PostForm.Get("login_email"))
	if email == "" {
		email = normEmail(r.PostForm.Get("account"))
	}
	client := e.st.Clients[req.clientID]
	if client == nil {
		delete(e.authRequests, req.id)
		e.mu.Unlock()
		renderError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	if email == "" || e.st.Accounts[email] == nil {
		msg := "Choose an account to continue."
		if email != "" {
			msg = "Couldn't find your Google Account: " + email
		}
		view := e.consentViewLocked(r, req, client, msg)
		view.LoginEmail = r.PostForm.Get("login_email")
		e.mu.Unlock()
		renderConsent(w, view)
		return
	}
	checked := r.PostForm["scope"]
	var granted []string
	for _, s := range req.scopes {
		if isBasicScope(s) || slices.Contains(checked, s) {
			granted = append(granted, s)
		}
	}
	if g := e.st.Grants[grantKey(req.clientID, email)]; g != nil && req.includeOld {
		for _, s := range g.Scopes {
			if !slices.Contains(granted, s) {
				granted = append(granted, s)
			}
		}
	}
	code := "4/0" + randomString(tokenAlphabet, 70)
	e.st.Codes[code] = &authCode{
		ClientID: req.clientID, Email: email, RedirectURI: req.redirectURI, Scope: strings.Join(granted, " "),
		Challenge: req.challenge, Method: req.method, Offline: req.offline, Expiry: e.clock.Now().Add(authCodeLifetime),
	}
	delete(e.authRequests, req.id)
	e.dropStaleCodes()
	e.mu.Unlock()
	redirectWith(w, r, req.redirectURI, url.Values{
		"code": {code}, "scope": {strings.Join(granted, " ")}, "state": {req.state}, "authuser": {"0"}, "prompt": {"consent"},
	})
}

func (e *Emulator) dropStaleCodes() {
	now := e.clock.Now()
	for c, ac := range e.st.Codes {
		if now.After(ac.Expiry.Add(time.Hour)) {
			delete(e.st.Codes, c)
		}
	}
}

// redirectWith sends the browser back to a registered redirect URI with
// the given parameters added to its query; an empty state is left out.
func redirectWith(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		renderError(w, http.StatusBadRequest, "invalid_request", "Invalid redirect_uri.")
		return
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v == "" {
				continue
			}
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func renderConsent(w http.ResponseWriter, view consentView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := consentTemplate.Execute(w, view); err != nil {
		http.Error(w, "gcal: render consent page: "+err.Error(), http.StatusInternalServerError)
	}
}

func renderError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorTemplate.Execute(w, errorView{Status: status, Code: code, Description: desc})
}
