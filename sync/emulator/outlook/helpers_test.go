package outlook_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/outlook"
)

// TestMain registers the JSON (de)serialisers the Graph SDK's service
// client would register; the tests build the request adapter by hand so
// they only compile the users and models packages.
func TestMain(m *testing.M) {
	abs.RegisterDefaultSerializer(func() absser.SerializationWriterFactory { return jsonser.NewJsonSerializationWriterFactory() })
	abs.RegisterDefaultDeserializer(func() absser.ParseNodeFactory { return jsonser.NewJsonParseNodeFactory() })
	os.Exit(m.Run())
}

// start is the fake clock's starting time: a Monday morning.
var start = time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)

const (
	daemonID     = "11111111-2222-3333-4444-555555555555"
	daemonSecret = "daemon-secret"
	publicID     = "99999999-8888-7777-6666-555555555555"
	webID        = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	webSecret    = "web-secret"
	redirectURI  = "http://localhost:8400/callback"
)

// env is one emulator behind an httptest server, seeded with a tenant, a
// user, a daemon app with Calendars.ReadWrite, a public client and a
// confidential web app.
type env struct {
	t      *testing.T
	emu    *outlook.Emulator
	srv    *httptest.Server
	clock  *emucore.FakeClock
	faults *emucore.Faults
	tenant outlook.Tenant
	user   outlook.UserInfo
	// gzipped counts requests that reached the emulator gzip-compressed.
	gzipped atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := emucore.NewFakeClock(start)
	faults := emucore.NewFaults(7)
	emu := outlook.New(outlook.Options{Clock: clock, Faults: faults, AllowInsecureWebhooks: true})
	e := &env{t: t, emu: emu, clock: clock, faults: faults}
	mux := http.NewServeMux()
	mux.Handle("/_emulator/microsoft/", http.StripPrefix("/_emulator/microsoft", emu.ControlHandler()))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Encoding") == "gzip" {
			e.gzipped.Add(1)
		}
		emu.ServeHTTP(w, r)
	}))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.srv.Close()
		emu.Close()
	})
	var err error
	e.tenant, err = emu.CreateTenant(outlook.TenantSpec{Domain: "contoso.example", DisplayName: "Contoso"})
	must(t, err)
	e.user, err = emu.CreateUser(outlook.UserSpec{UserPrincipalName: "adele@contoso.example", DisplayName: "Adele Vance", Tenant: e.tenant.ID})
	must(t, err)
	_, err = emu.RegisterApp(outlook.AppSpec{ClientID: daemonID, ClientSecret: daemonSecret, DisplayName: "Calsync daemon", Tenant: e.tenant.ID})
	must(t, err)
	must(t, emu.GrantAppPermissions(e.tenant.ID, daemonID, []string{"Calendars.ReadWrite"}))
	_, err = emu.RegisterApp(outlook.AppSpec{ClientID: publicID, DisplayName: "Calsync desktop", RedirectURIs: []string{redirectURI}, Tenant: e.tenant.ID})
	must(t, err)
	_, err = emu.RegisterApp(outlook.AppSpec{ClientID: webID, ClientSecret: webSecret, DisplayName: "Calsync web", RedirectURIs: []string{redirectURI}, Tenant: e.tenant.ID})
	must(t, err)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// daemonTokens is a client-credentials token source for the tenant.
func (e *env) daemonTokens() oauth2.TokenSource {
	cfg := clientcredentials.Config{
		ClientID: daemonID, ClientSecret: daemonSecret,
		TokenURL: e.srv.URL + "/microsoft/" + e.tenant.ID + "/oauth2/v2.0/token",
		Scopes:   []string{"https://graph.microsoft.com/.default"},
	}
	return cfg.TokenSource(context.Background())
}

// oauthConfig is the public client's configuration.
func (e *env) oauthConfig(scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    publicID,
		RedirectURL: redirectURI,
		Scopes:      scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:  e.srv.URL + "/microsoft/common/oauth2/v2.0/authorize",
			TokenURL: e.srv.URL + "/microsoft/common/oauth2/v2.0/token",
		},
	}
}

// noRedirect is an HTTP client that hands back redirects instead of
// following them (the redirect goes to the app, not to the emulator).
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var (
	formRequestRe = regexp.MustCompile(`name="request" value="([^"]+)"`)
	formActionRe  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	accountRe     = regexp.MustCompile(`name="account" value="([^"]+)"`)
	scopeRe       = regexp.MustCompile(`name="scope" value="([^"]+)"`)
)

// consentPage is the parsed consent form.
type consentPage struct {
	Action, Request string
	Accounts        []string
	Scopes          []string
	HTML            string
}

func (e *env) openConsent(authURL string) consentPage {
	e.t.Helper()
	resp, err := http.Get(authURL)
	must(e.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("consent page: %d %s", resp.StatusCode, body)
	}
	page := consentPage{HTML: string(body)}
	if m := formActionRe.FindStringSubmatch(page.HTML); m != nil {
		page.Action = htmlUnescape(m[1])
	}
	if m := formRequestRe.FindStringSubmatch(page.HTML); m != nil {
		page.Request = m[1]
	}
	for _, m := range accountRe.FindAllStringSubmatch(page.HTML, -1) {
		page.Accounts = append(page.Accounts, m[1])
	}
	for _, m := range scopeRe.FindAllStringSubmatch(page.HTML, -1) {
		page.Scopes = append(page.Scopes, htmlUnescape(m[1]))
	}
	return page
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&quot;", `"`).Replace(s)
}

// submitConsent posts the consent form and returns the redirect location.
func (e *env) submitConsent(page consentPage, action, account string, scopes []string) *url.URL {
	e.t.Helper()
	form := url.Values{"request": {page.Request}, "action": {action}, "account": {account}, "scope": scopes}
	resp, err := noRedirect.PostForm(page.Action, form)
	must(e.t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("consent post: %d %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	must(e.t, err)
	return loc
}

// signIn runs the whole authorization-code flow with PKCE for the seeded
// user, ticking every permission, and returns the token.
func (e *env) signIn(cfg *oauth2.Config) *oauth2.Token {
	e.t.Helper()
	verifier := oauth2.GenerateVerifier()
	page := e.openConsent(cfg.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier)))
	loc := e.submitConsent(page, "accept", e.user.ID, page.Scopes)
	if loc.Query().Get("state") != "state-123" || loc.Query().Get("code") == "" {
		e.t.Fatalf("redirect %s lacks code/state", loc)
	}
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	must(e.t, err)
	return tok
}

// userTokens signs the user in and returns a token source for it.
func (e *env) userTokens() oauth2.TokenSource {
	cfg := e.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")
	return cfg.TokenSource(context.Background(), e.signIn(cfg))
}

// tokenProvider adapts an oauth2.TokenSource to kiota.
type tokenProvider struct{ ts oauth2.TokenSource }

func (p tokenProvider) GetAuthorizationToken(context.Context, *url.URL, map[string]any) (string, error) {
	tok, err := p.ts.Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func (p tokenProvider) GetAllowedHostsValidator() *authentication.AllowedHostsValidator {
	v := authentication.NewAllowedHostsValidator(nil)
	return &v
}

// adapter builds a Graph request adapter against the emulator. The retry
// handler is disabled so throttling and fault tests see the 429s and 503s
// themselves.
func (e *env) adapter(ts oauth2.TokenSource) *core.GraphRequestAdapterBase {
	e.t.Helper()
	noRetry := khttp.NewRetryHandlerWithOptions(khttp.RetryHandlerOptions{
		ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return false },
	})
	client := khttp.GetDefaultClient(
		khttp.NewUrlReplaceHandler(true, core.ReplacementPairs),
		noRetry,
		khttp.NewRedirectHandler(),
		khttp.NewCompressionHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewHeadersInspectionHandler(),
	)
	auth := authentication.NewBaseBearerTokenAuthenticationProvider(tokenProvider{ts})
	a, err := core.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, core.GraphClientOptions{}, nil, nil, client)
	must(e.t, err)
	a.SetBaseUrl(e.srv.URL + "/graph/v1.0")
	return a
}

// me is the /me request builder, as GraphServiceClient.Me() builds it.
func me(a abs.RequestAdapter) *users.UserItemRequestBuilder {
	return users.NewUserItemRequestBuilderInternal(map[string]string{"user%2Did": "me-token-to-replace"}, a)
}

// user is the /users/{id} request builder.
func user(a abs.RequestAdapter, id string) *users.UserItemRequestBuilder {
	return users.NewUserItemRequestBuilderInternal(map[string]string{"user%2Did": id}, a)
}

// graphErr asserts err is a Graph error with status and code.
func graphErr(t *testing.T, err error, status int, code string) *odataerrors.ODataError {
	t.Helper()
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		t.Fatalf("want *odataerrors.ODataError %d %s, got %T %v", status, code, err, err)
	}
	got := ""
	if oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetCode() != nil {
		got = *oe.GetErrorEscaped().GetCode()
	}
	if oe.ResponseStatusCode != status || got != code {
		msg := ""
		if oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetMessage() != nil {
			msg = *oe.GetErrorEscaped().GetMessage()
		}
		t.Fatalf("want %d %s, got %d %s (%s)", status, code, oe.ResponseStatusCode, got, msg)
	}
	return oe
}

// headers builds kiota request headers.
func headers(kv ...string) *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// control calls the control API and decodes a JSON answer into out.
func (e *env) control(method, path string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(e.t, err)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, e.srv.URL+"/_emulator/microsoft"+path, rd)
	must(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("control %s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// receiver is a webhook endpoint that answers Graph's validation handshake
// and records notifications.
type receiver struct {
	srv *httptest.Server

	mu          sync.Mutex
	validations int
	attempts    int // notification POSTs received, answered or not
	status      int // answer to notifications (default 202)
	echo        func(token string) string
	got         chan map[string]any
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusAccepted, got: make(chan map[string]any, 64)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			rc.mu.Lock()
			rc.validations++
			echo := rc.echo
			rc.mu.Unlock()
			if echo != nil {
				tok = echo(tok)
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, tok)
			return
		}
		var body struct {
			Value []map[string]any `json:"value"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		rc.mu.Lock()
		rc.attempts++
		status := rc.status
		rc.mu.Unlock()
		w.WriteHeader(status)
		if status >= 200 && status < 300 {
			for _, n := range body.Value {
				n["_path"] = r.URL.Path
				rc.got <- n
			}
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) counts() (validations, attempts int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.validations, rc.attempts
}

func (rc *receiver) setStatus(s int) {
	rc.mu.Lock()
	rc.status = s
	rc.mu.Unlock()
}

// next waits for the next notification.
func (rc *receiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case n := <-rc.got:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no notification arrived within 5s")
		return nil
	}
}

// none asserts no notification arrives within d.
func (rc *receiver) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case n := <-rc.got:
		t.Fatalf("unexpected notification %v", n)
	case <-time.After(d):
	}
}

// pkceChallenge computes an S256 challenge (for raw authorize requests).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func dateOnly(y int, m time.Month, d int) absser.DateOnly {
	return *absser.NewDateOnly(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}
