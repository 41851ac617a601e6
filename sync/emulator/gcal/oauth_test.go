package gcal_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/sync/emulator/gcal"
)

// browser is an HTTP client that does not follow redirects, so the test
// sees where the consent page sends the user.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *env) oauthConfig(clientID, secret string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		RedirectURL:  testRedirect,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:  e.srv.URL + "/google/o/oauth2/v2/auth",
			TokenURL: e.srv.URL + "/google/token",
		},
	}
}

var requestIDPattern = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// consent opens the consent page and submits the form as a browser
// would, returning the page HTML and the redirect location.
func consent(t *testing.T, authURL string, form url.Values) (string, *url.URL) {
	t.Helper()
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatalf("open consent page: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page status %d: %s", resp.StatusCode, page)
	}
	m := requestIDPattern.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no request_id in consent page: %s", page)
	}
	form.Set("request_id", string(m[1]))
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindSubmatch(page)
	if action == nil {
		t.Fatalf("no form action in consent page")
	}
	resp, err = browser.PostForm(string(action[1]), form)
	if err != nil {
		t.Fatalf("submit consent: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent submit status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("bad Location: %v", err)
	}
	return string(page), loc
}

func TestConsentRoundTripWithPKCE(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	e.account("bob@example.com", "")
	if err := e.emu.RegisterClient(gcal.Client{ClientID: "desktop-app", Name: "Calsync Desktop", RedirectURIs: []string{testRedirect}, Public: true}); err != nil {
		t.Fatal(err)
	}
	conf := e.oauthConfig("desktop-app", "", scopeCalendar, "openid", "email")
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-123", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "consent"), oauth2.SetAuthURLParam("login_hint", "bob@example.com"))

	page, loc := consent(t, authURL, url.Values{"account": {"bob@example.com"}, "scope": {scopeCalendar}, "action": {"allow"}})

	for _, want := range []string{"Calsync Desktop", `value="ann@example.com"`, `value="bob@example.com" checked`,
		`type="checkbox" name="scope" value="` + scopeCalendar + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if strings.Contains(page, `value="`+scopeCalendar+`" checked`) {
		t.Errorf("calendar checkbox must be unchecked by default")
	}
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		t.Fatalf("redirected to %s, want %s", got, testRedirect)
	}
	if q.Get("state") != "state-123" || q.Get("code") == "" {
		t.Fatalf("redirect query %v lacks state or code", q)
	}
	if granted := strings.Fields(q.Get("scope")); !contains(granted, scopeCalendar) || !contains(granted, "openid") {
		t.Fatalf("granted scopes %v", granted)
	}

	ctx := context.Background()
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token %+v", tok)
	}
	if got := idTokenEmail(t, tok.Extra("id_token")); got != "bob@example.com" {
		t.Fatalf("id_token email %q", got)
	}

	svc := e.serviceWithClient(conf.Client(ctx, tok))
	list, err := svc.CalendarList.List().Do()
	if err != nil {
		t.Fatalf("calendarList: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].Id != "bob@example.com" || !list.Items[0].Primary || list.Items[0].AccessRole != "owner" {
		t.Fatalf("calendar list %+v", list.Items)
	}

	// userinfo tells who the token belongs to.
	req, _ := http.NewRequest("GET", e.srv.URL+"/google/oauth2/v3/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info["email"] != "bob@example.com" || info["email_verified"] != true || info["sub"] == "" {
		t.Fatalf("userinfo %v", info)
	}

	// The code is single use.
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); oauthCode(err) != "invalid_grant" {
		t.Fatalf("second exchange: want invalid_grant, got %v", err)
	}
}

func TestConsentRejectsWrongVerifierAndRedirect(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	conf := e.oauthConfig(testClientID, testSecret, scopeCalendar)
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))
	_, loc := consent(t, authURL, url.Values{"account": {"ann@example.com"}, "scope": {scopeCalendar}, "action": {"allow"}})
	code := loc.Query().Get("code")
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthCode(err) != "invalid_grant" {
		t.Fatalf("wrong verifier: want invalid_grant, got %v", err)
	}
	if _, err := conf.Exchange(context.Background(), code); oauthCode(err) != "invalid_grant" {
		t.Fatalf("missing verifier: want invalid_grant, got %v", err)
	}

	// An unregistered redirect URI gets an error page and no redirect.
	bad := strings.Replace(authURL, url.QueryEscape(testRedirect), url.QueryEscape("https://evil.example/cb"), 1)
	resp, err := browser.Get(bad)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(string(body), "redirect_uri_mismatch") {
		t.Fatalf("mismatch: status %d location %q body %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// An unknown client too.
	resp, err = browser.Get(strings.Replace(authURL, testClientID, "nobody", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Location") != "" {
		t.Fatalf("unknown client: status %d", resp.StatusCode)
	}
	// A public client without PKCE is sent back with invalid_request.
	if err := e.emu.RegisterClient(gcal.Client{ClientID: "spa", RedirectURIs: []string{testRedirect}, Public: true}); err != nil {
		t.Fatal(err)
	}
	resp, err = browser.Get(e.oauthConfig("spa", "", scopeCalendar).AuthCodeURL("s2"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "s2" {
		t.Fatalf("public client without PKCE: %d %v", resp.StatusCode, loc)
	}
}

func TestConsentCancelIsAccessDenied(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	conf := e.oauthConfig(testClientID, testSecret, scopeCalendar)
	_, loc := consent(t, conf.AuthCodeURL("xyz"), url.Values{"account": {"ann@example.com"}, "action": {"cancel"}})
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") != "" {
		t.Fatalf("cancel redirect %v", loc)
	}
}

func TestConsentWithoutCalendarCheckboxLacksScope(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	conf := e.oauthConfig(testClientID, testSecret, scopeCalendar, "email")
	// The user types the email instead of picking the account, and leaves
	// the calendar box unchecked.
	_, loc := consent(t, conf.AuthCodeURL("s"), url.Values{"login_email": {"ann@example.com"}, "action": {"allow"}})
	granted := loc.Query().Get("scope")
	if strings.Contains(granted, scopeCalendar) || !strings.Contains(granted, "userinfo.email") {
		t.Fatalf("granted %q", granted)
	}
	tok, err := conf.Exchange(context.Background(), loc.Query().Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if s, _ := tok.Extra("scope").(string); strings.Contains(s, scopeCalendar) {
		t.Fatalf("token scope %q includes calendar", s)
	}
	svc := e.serviceWithClient(conf.Client(context.Background(), tok))
	_, err = svc.Events.List("primary").Do()
	apiErr(t, err, 403, "insufficientPermissions")
}

func TestConsentUnknownAccountShowsError(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	resp, err := browser.Get(e.oauthConfig(testClientID, testSecret, scopeCalendar).AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := requestIDPattern.FindSubmatch(page)[1]
	resp, err = browser.PostForm(e.srv.URL+"/google/o/oauth2/v2/auth", url.Values{"request_id": {string(id)}, "login_email": {"ghost@example.com"}, "action": {"allow"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Couldn&#39;t find your Google Account") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
}

func TestRefreshRevokeAndExpiry(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	ctx := context.Background()
	conf := e.oauthConfig(testClientID, testSecret, scopeCalendar)
	_, loc := consent(t, conf.AuthCodeURL("s", oauth2.AccessTypeOffline), url.Values{"account": {"ann@example.com"}, "scope": {scopeCalendar}, "action": {"allow"}})
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}

	// An access token dies after an hour by the emulator's clock.
	e.clock.Advance(time.Hour)
	_, err = e.serviceWithToken(tok.AccessToken).Events.List("primary").Do()
	apiErr(t, err, 401, "authError")

	// Refreshing gives a working token; Google does not rotate the refresh token.
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.RefreshToken != tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refresh rotated or reused: %+v", fresh)
	}
	if _, err := e.serviceWithToken(fresh.AccessToken).Events.List("primary").Do(); err != nil {
		t.Fatalf("list with refreshed token: %v", err)
	}

	// The control API can expire access tokens; refresh still works.
	if status, body := e.ctl("POST", "/accounts/ann@example.com/expire-tokens", nil); status != 200 || !strings.Contains(string(body), `"expired": 1`) {
		t.Fatalf("expire-tokens: %d %s", status, body)
	}
	_, err = e.serviceWithToken(fresh.AccessToken).Events.List("primary").Do()
	apiErr(t, err, 401, "authError")

	// Revoking the refresh token revokes the grant: refresh answers
	// invalid_grant and the access tokens stop working.
	again, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	resp, err := http.PostForm(e.srv.URL+"/google/revoke", url.Values{"token": {tok.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("revoke status %d", resp.StatusCode)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthCode(err) != "invalid_grant" {
		t.Fatalf("refresh after revoke: want invalid_grant, got %v", err)
	}
	_, err = e.serviceWithToken(again.AccessToken).Events.List("primary").Do()
	apiErr(t, err, 401, "authError")
	// Revoking an unknown token is invalid_token.
	resp, err = http.PostForm(e.srv.URL+"/google/revoke", url.Values{"token": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	var oe map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&oe)
	resp.Body.Close()
	if resp.StatusCode != 400 || oe["error"] != "invalid_token" {
		t.Fatalf("revoke unknown: %d %v", resp.StatusCode, oe)
	}
}

func TestControlRevokeKillsRefresh(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	conf := e.oauthConfig(testClientID, testSecret, scopeCalendar)
	if _, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Fatalf("refresh before revoke: %v", err)
	}
	status, body := e.ctl("POST", "/accounts/ann@example.com/revoke", map[string]string{"clientId": testClientID})
	if status != 200 || !strings.Contains(string(body), "revoked") {
		t.Fatalf("revoke: %d %s", status, body)
	}
	if _, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthCode(err) != "invalid_grant" {
		t.Fatalf("want invalid_grant, got %v", err)
	}
}

func TestTokenEndpointClientAuth(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
		id    string
		sec   string
		want  string
	}{
		{"basic", oauth2.AuthStyleInHeader, testClientID, testSecret, ""},
		{"post", oauth2.AuthStyleInParams, testClientID, testSecret, ""},
		{"wrong secret", oauth2.AuthStyleInParams, testClientID, "nope", "invalid_client"},
		{"unknown client", oauth2.AuthStyleInHeader, "ghost", "x", "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := e.oauthConfig(tc.id, tc.sec, scopeCalendar)
			conf.Endpoint.AuthStyle = tc.style
			_, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			if got := oauthCode(err); got != tc.want {
				t.Fatalf("want %q, got %q (%v)", tc.want, got, err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// oauthCode extracts the OAuth error code from an x/oauth2 error.
func oauthCode(err error) string {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return ""
	}
	if re.ErrorCode != "" {
		return re.ErrorCode
	}
	// The JWT flow of x/oauth2 leaves the body unparsed.
	var body struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(re.Body, &body)
	return body.Error
}

func idTokenEmail(t *testing.T, v any) string {
	t.Helper()
	s, _ := v.(string)
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q is not a JWT", s)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("id_token claims: %v", err)
	}
	var c struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(b, &c)
	return c.Email
}
