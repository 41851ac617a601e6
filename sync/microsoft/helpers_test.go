package microsoft_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/outlook"
	"calsync/sync/microsoft"
)

const (
	redirectURI = "https://calsync.test/oauth/microsoft/callback"
	webID       = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	webSecret   = "web-secret"
	publicID    = "99999999-8888-7777-6666-555555555555"
)

// env is an Outlook emulator behind an httptest server with the adapter
// pointed at it: tenant contoso.example (Adele, whose mail differs from
// her UPN, and Megan), tenant fabrikam.example (Olaf), a confidential web
// app and a public client, both registered in contoso.
type env struct {
	t      *testing.T
	ctx    context.Context
	emu    *outlook.Emulator
	faults *emucore.Faults
	srv    *httptest.Server
	ms     *microsoft.Client

	tenant       outlook.Tenant
	adele, megan outlook.UserInfo
	olaf         outlook.UserInfo
	app          linking.OAuthApp // confidential
	publicApp    linking.OAuthApp

	requests      atomic.Int64 // every request the emulator got
	tokenRequests atomic.Int64 // requests to a token endpoint
	graphRequests atomic.Int64 // HTTP requests to Graph (a $batch counts once)
	batches       atomic.Int64 // POST /$batch requests

	mu       sync.Mutex
	graphLog []string // "METHOD /path" of each Graph request
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), faults: emucore.NewFaults(1)}
	e.emu = outlook.New(outlook.Options{Faults: e.faults})
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
			e.tokenRequests.Add(1)
		}
		if strings.HasPrefix(r.URL.Path, "/graph/") {
			e.graphRequests.Add(1)
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/$batch") {
				e.batches.Add(1)
			}
			e.mu.Lock()
			e.graphLog = append(e.graphLog, r.Method+" "+r.URL.Path)
			e.mu.Unlock()
		}
		e.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.srv.Close()
		e.emu.Close()
	})
	var err error
	e.tenant, err = e.emu.CreateTenant(outlook.TenantSpec{Domain: "contoso.example", DisplayName: "Contoso"})
	must(t, err)
	e.adele, err = e.emu.CreateUser(outlook.UserSpec{UserPrincipalName: "adele@contoso.example", Mail: "adele.vance@contoso.example", DisplayName: "Adele Vance"})
	must(t, err)
	e.megan, err = e.emu.CreateUser(outlook.UserSpec{UserPrincipalName: "megan@contoso.example", DisplayName: "Megan Bowen"})
	must(t, err)
	e.olaf, err = e.emu.CreateUser(outlook.UserSpec{UserPrincipalName: "olaf@fabrikam.example", DisplayName: "Olaf"})
	must(t, err)
	_, err = e.emu.RegisterApp(outlook.AppSpec{ClientID: webID, ClientSecret: webSecret, DisplayName: "Calsync", RedirectURIs: []string{redirectURI}, Tenant: e.tenant.ID})
	must(t, err)
	_, err = e.emu.RegisterApp(outlook.AppSpec{ClientID: publicID, DisplayName: "Calsync mobile", RedirectURIs: []string{redirectURI}, Tenant: e.tenant.ID})
	must(t, err)
	e.app = linking.OAuthApp{ClientID: webID, ClientSecret: webSecret, RedirectURL: redirectURI}
	e.publicApp = linking.OAuthApp{ClientID: publicID, RedirectURL: redirectURI, Tenant: "organizations"}
	e.ms = microsoft.New(microsoft.Options{Endpoints: microsoft.EmulatorEndpoints(e.srv.URL), HTTPClient: e.srv.Client()})
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// consentForm is what a browser sees on the emulator's consent page.
type consentForm struct {
	action   string
	hidden   url.Values
	accounts map[string]string // UPN -> account id
	checked  string            // account id of the preselected radio
	scopes   []string          // permission checkboxes, all ticked
}

// noRedirect is a browser that shows redirects instead of following them.
func (e *env) noRedirect() *http.Client {
	c := *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// openConsent GETs the authorization URL and parses the consent page.
func (e *env) openConsent(authURL string) consentForm {
	e.t.Helper()
	resp, err := e.noRedirect().Get(authURL)
	must(e.t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		e.t.Fatalf("consent page: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	doc, err := html.Parse(resp.Body)
	must(e.t, err)
	f := consentForm{hidden: url.Values{}, accounts: map[string]string{}}
	var walk func(n *html.Node, label string)
	walk = func(n *html.Node, label string) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				f.action = attr(n, "action")
			case "label":
				label = text(n)
			case "input":
				switch attr(n, "type") {
				case "hidden":
					f.hidden.Add(attr(n, "name"), attr(n, "value"))
				case "radio":
					if attr(n, "name") == "account" {
						upn := label[strings.LastIndex(label, "<")+1 : strings.LastIndex(label, ">")]
						f.accounts[upn] = attr(n, "value")
						if hasAttr(n, "checked") {
							f.checked = attr(n, "value")
						}
					}
				case "checkbox":
					if attr(n, "name") == "scope" && hasAttr(n, "checked") {
						f.scopes = append(f.scopes, attr(n, "value"))
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, label)
		}
	}
	walk(doc, "")
	if f.action == "" || len(f.accounts) == 0 || len(f.scopes) == 0 {
		e.t.Fatalf("consent page without form, accounts or permissions: %+v", f)
	}
	return f
}

// submitConsent accepts as the account of upn, unticking the permissions
// in untick, and returns the redirect.
func (e *env) submitConsent(f consentForm, upn string, untick ...string) *url.URL {
	e.t.Helper()
	id, ok := f.accounts[upn]
	if !ok {
		e.t.Fatalf("consent page does not offer %s: %v", upn, f.accounts)
	}
	form := url.Values{"action": {"accept"}, "account": {id}}
	for k, vs := range f.hidden {
		form[k] = vs
	}
	for _, s := range f.scopes {
		keep := true
		for _, u := range untick {
			keep = keep && !strings.EqualFold(s, u)
		}
		if keep {
			form.Add("scope", s)
		}
	}
	resp, err := e.noRedirect().PostForm(f.action, form)
	must(e.t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("consent answered %s, want a redirect", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	must(e.t, err)
	return loc
}

// consent runs the browser part of a link and returns the code.
func (e *env) consent(app linking.OAuthApp, upn, state, verifier string, untick ...string) string {
	e.t.Helper()
	authURL := e.ms.AuthCodeURL(app, state, oauth2.S256ChallengeFromVerifier(verifier), upn)
	loc := e.submitConsent(e.openConsent(authURL), upn, untick...)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != app.RedirectURL {
		e.t.Fatalf("redirected to %s, want %s", got, app.RedirectURL)
	}
	q := loc.Query()
	if q.Get("state") != state || q.Get("code") == "" || q.Get("error") != "" {
		e.t.Fatalf("redirect query %v, want state %q and a code", q, state)
	}
	return q.Get("code")
}

// link consents as upn and exchanges the code.
func (e *env) link(app linking.OAuthApp, upn string, untick ...string) (*linking.Grant, error) {
	e.t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := e.consent(app, upn, "state-"+upn, verifier, untick...)
	return e.ms.Exchange(e.ctx, app, code, verifier)
}

// mustLink links upn with every permission.
func (e *env) mustLink(app linking.OAuthApp, upn string) *linking.Grant {
	e.t.Helper()
	g, err := e.link(app, upn)
	must(e.t, err)
	return g
}

// expired is tok as the caller finds it in storage after its expiry.
func expired(tok *oauth2.Token) *oauth2.Token {
	c := *tok
	c.Expiry = time.Now().Add(-time.Minute)
	return &c
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// isSentinel reports whether err wraps any sentinel of internal/linking.
func isSentinel(err error) bool {
	return errors.Is(err, linking.ErrInvalidGrant) || errors.Is(err, linking.ErrInvalidCredentials) || errors.Is(err, linking.ErrMissingScope)
}

// calendarNames are the names of cals.
func calendarNames(cals []linking.Calendar) []string {
	out := make([]string, 0, len(cals))
	for _, c := range cals {
		out = append(out, c.Name)
	}
	return out
}
