package google_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
	"calsync/sync/google"
)

const (
	clientID     = "calsync-test.apps.googleusercontent.com"
	clientSecret = "calsync-secret"
	redirectURL  = "https://calsync.test/oauth/google/callback"

	personal  = "ann@example.com" // a consumer account
	workspace = "bob@acme.test"   // a Workspace user of acme.test
	domain    = "acme.test"
)

// env is one emulator behind an httptest server and an adapter pointed at
// it. The emulator's clock starts at the wall clock because
// golang.org/x/oauth2 stamps service-account assertions with real time.
type env struct {
	t       *testing.T
	emu     *gcal.Emulator
	srv     *httptest.Server
	clock   *emucore.FakeClock
	faults  *emucore.Faults
	client  *google.Client
	app     linking.OAuthApp
	rec     *recorder
	account map[string]gcal.Account
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := emucore.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	faults := emucore.NewFaults(1)
	emu := gcal.New(gcal.Options{Clock: clock, Faults: faults})
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	rec := &recorder{base: srv.Client().Transport}
	e := &env{
		t: t, emu: emu, srv: srv, clock: clock, faults: faults, rec: rec,
		client: google.New(google.Options{
			Endpoints:  google.EmulatorEndpoints(srv.URL),
			HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second},
		}),
		app:     linking.OAuthApp{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL},
		account: map[string]gcal.Account{},
	}
	if err := emu.RegisterClient(gcal.Client{ClientID: clientID, ClientSecret: clientSecret, Name: "Calsync",
		RedirectURIs: []string{redirectURL}}); err != nil {
		t.Fatalf("register client: %v", err)
	}
	for _, a := range []gcal.Account{
		{Email: personal, Name: "Ann Example", TimeZone: "Europe/Berlin"},
		{Email: workspace, Name: "Bob Acme", Domain: domain},
	} {
		got, err := emu.CreateAccount(a)
		if err != nil {
			t.Fatalf("create account %s: %v", a.Email, err)
		}
		e.account[a.Email] = got
	}
	return e
}

// recorder is the adapter's transport: it records the requests that pass.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	urls []*url.URL
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL)
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

// requests returns the recorded URLs whose path starts with prefix.
func (r *recorder) requests(prefix string) []*url.URL {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*url.URL
	for _, u := range r.urls {
		if strings.HasPrefix(u.Path, prefix) {
			out = append(out, u)
		}
	}
	return out
}

// consentForm is the consent page as a browser sees it.
type consentForm struct {
	action     string
	hidden     url.Values
	accounts   []string // radio "account" values
	selected   string   // the preselected account
	checkboxes []string // "scope" checkbox values
}

// openConsent GETs the authorization URL like a browser and parses the
// consent page's form.
func (e *env) openConsent(authURL string) consentForm {
	e.t.Helper()
	resp, err := e.srv.Client().Get(authURL)
	if err != nil {
		e.t.Fatalf("GET consent page: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("consent page: status %d: %s", resp.StatusCode, b)
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		e.t.Fatalf("parse consent page: %v", err)
	}
	f := consentForm{hidden: url.Values{}}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			checked := false
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
				if a.Key == "checked" {
					checked = true
				}
			}
			switch n.Data {
			case "form":
				f.action = attr["action"]
			case "input":
				switch attr["type"] {
				case "hidden":
					f.hidden.Add(attr["name"], attr["value"])
				case "radio":
					if attr["name"] == "account" {
						f.accounts = append(f.accounts, attr["value"])
						if checked {
							f.selected = attr["value"]
						}
					}
				case "checkbox":
					if attr["name"] == "scope" {
						f.checkboxes = append(f.checkboxes, attr["value"])
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if f.action == "" || f.hidden.Get("request_id") == "" {
		e.t.Fatalf("consent page has no form: %+v", f)
	}
	return f
}

// submit POSTs the consent form with account chosen and the given scope
// boxes ticked, and returns the redirect's query (code, state, scope).
func (e *env) submit(f consentForm, account string, ticked []string) url.Values {
	e.t.Helper()
	if !slices.Contains(f.accounts, account) {
		e.t.Fatalf("account %s is not offered on the consent page (%v)", account, f.accounts)
	}
	form := url.Values{}
	for k, vs := range f.hidden {
		form[k] = vs
	}
	form.Set("account", account)
	form.Set("action", "allow")
	for _, s := range ticked {
		if !slices.Contains(f.checkboxes, s) {
			e.t.Fatalf("no checkbox for scope %s (%v)", s, f.checkboxes)
		}
		form.Add("scope", s)
	}
	noFollow := *e.srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.PostForm(f.action, form)
	if err != nil {
		e.t.Fatalf("POST consent: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("consent answer: status %d, want 302: %s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatalf("redirect location: %v", err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURL {
		e.t.Fatalf("redirected to %s, want %s", got, redirectURL)
	}
	return loc.Query()
}

// consent runs the browser part of linking for account, ticking the
// calendar box or not, and returns the code and the PKCE verifier.
func (e *env) consent(account string, tickCalendar bool) (code, verifier string) {
	e.t.Helper()
	verifier = oauth2.GenerateVerifier()
	state := "state-" + account
	f := e.openConsent(e.client.AuthCodeURL(e.app, state, oauth2.S256ChallengeFromVerifier(verifier), account))
	if f.selected != account {
		e.t.Fatalf("login_hint did not preselect %s (selected %q)", account, f.selected)
	}
	var ticked []string
	if tickCalendar {
		ticked = []string{google.CalendarScope}
	}
	q := e.submit(f, account, ticked)
	if q.Get("state") != state {
		e.t.Fatalf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("code") == "" {
		e.t.Fatalf("no code in redirect: %v", q)
	}
	return q.Get("code"), verifier
}

// link consents with the calendar box ticked and exchanges the code.
func (e *env) link(account string) *linking.Grant {
	e.t.Helper()
	code, verifier := e.consent(account, true)
	g, err := e.client.Exchange(context.Background(), e.app, code, verifier)
	if err != nil {
		e.t.Fatalf("exchange for %s: %v", account, err)
	}
	return g
}

// serviceKey creates a service account with domain-wide delegation for
// acme.test and the given scopes (none: no delegation) and returns its
// JSON key file.
func (e *env) serviceKey(name string, scopes ...string) []byte {
	e.t.Helper()
	spec := gcal.ServiceAccountSpec{Name: name, Scopes: scopes}
	if len(scopes) > 0 {
		spec.Domain = domain
	}
	key, err := e.emu.CreateServiceAccount(spec, e.srv.URL)
	if err != nil {
		e.t.Fatalf("create service account: %v", err)
	}
	return key
}

// fault injects one emulator fault rule.
func (e *env) fault(f emucore.Fault) {
	e.t.Helper()
	e.faults.Add(f)
	e.t.Cleanup(e.faults.Clear)
}

// expired returns a copy of tok whose expiry has passed, as a stored token
// looks an hour after it was issued.
func expired(tok *oauth2.Token) *oauth2.Token {
	c := *tok
	c.Expiry = time.Now().Add(-time.Minute)
	return &c
}

// isSentinel reports whether err wraps any of linking's sentinels.
func isSentinel(err error) bool {
	return errors.Is(err, linking.ErrInvalidGrant) || errors.Is(err, linking.ErrInvalidCredentials) ||
		errors.Is(err, linking.ErrMissingScope)
}

// wantSentinel fails unless err wraps want and none of the other sentinels.
func wantSentinel(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want it to wrap %q", err, want)
	}
	for _, other := range []error{linking.ErrInvalidGrant, linking.ErrInvalidCredentials, linking.ErrMissingScope} {
		if other != want && errors.Is(err, other) {
			t.Fatalf("err = %v also wraps %q", err, other)
		}
	}
	if !strings.HasPrefix(err.Error(), "google: ") {
		t.Fatalf("err = %q, want the google: prefix", err)
	}
}

// wantPlain fails unless err is an error wrapping no sentinel.
func wantPlain(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("err = nil, want an error")
	}
	if isSentinel(err) {
		t.Fatalf("err = %v wraps a sentinel, want a plain (retryable) error", err)
	}
	if !strings.HasPrefix(err.Error(), "google: ") {
		t.Fatalf("err = %q, want the google: prefix", err)
	}
}
