package microsoft_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/outlook"
	"calsync/sync/microsoft"
)

func TestAuthCodeURL(t *testing.T) {
	app := linking.OAuthApp{ClientID: webID, ClientSecret: webSecret, RedirectURL: redirectURI}
	tests := []struct {
		name      string
		endpoints microsoft.Endpoints
		tenant    string
		loginHint string
		wantBase  string
	}{
		{"microsoft, common", microsoft.DefaultEndpoints(), "", "adele@contoso.example",
			"https://login.microsoftonline.com/common/oauth2/v2.0/authorize"},
		{"microsoft, zero endpoints default", microsoft.Endpoints{}, "contoso.example", "",
			"https://login.microsoftonline.com/contoso.example/oauth2/v2.0/authorize"},
		{"emulator, tenant id", microsoft.EmulatorEndpoints("http://127.0.0.1:9090/"), "0b9e7f5c-1111-2222-3333-444444444444", "",
			"http://127.0.0.1:9090/microsoft/0b9e7f5c-1111-2222-3333-444444444444/oauth2/v2.0/authorize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := app
			app.Tenant = tt.tenant
			ms := microsoft.New(microsoft.Options{Endpoints: tt.endpoints})
			raw := ms.AuthCodeURL(app, "st-1", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", tt.loginHint)
			u, err := url.Parse(raw)
			must(t, err)
			if got := u.Scheme + "://" + u.Host + u.Path; got != tt.wantBase {
				t.Errorf("authorize endpoint = %s, want %s", got, tt.wantBase)
			}
			q := u.Query()
			want := url.Values{
				"client_id":             {webID},
				"redirect_uri":          {redirectURI},
				"response_type":         {"code"},
				"state":                 {"st-1"},
				"code_challenge":        {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
				"code_challenge_method": {"S256"},
				"scope":                 {"openid email profile offline_access https://graph.microsoft.com/User.Read https://graph.microsoft.com/Calendars.ReadWrite"},
			}
			if tt.loginHint != "" {
				want.Set("login_hint", tt.loginHint)
			}
			if fmt.Sprint(q) != fmt.Sprint(want) {
				t.Errorf("query = %v\nwant    %v", q, want)
			}
		})
	}
}

func TestLinkThroughConsent(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		app      linking.OAuthApp
		upn      string
		wantMail string
		wantName string
		wantID   string
		wantCal  string
	}{
		// Adele's mail differs from her UPN: the email claim wins.
		{"confidential app", e.app, "adele@contoso.example", "adele.vance@contoso.example", "Adele Vance", e.adele.ID, e.adele.Calendars[0].ID},
		{"public client, PKCE only", e.publicApp, "megan@contoso.example", "megan@contoso.example", "Megan Bowen", e.megan.ID, e.megan.Calendars[0].ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := e.link(tt.app, tt.upn)
			must(t, err)
			want := linking.Identity{Email: tt.wantMail, Subject: tt.wantID, Name: tt.wantName}
			if g.Identity != want {
				t.Errorf("identity = %+v, want %+v", g.Identity, want)
			}
			if !slices.Contains(g.Scopes, microsoft.CalendarScope) || !slices.Contains(g.Scopes, "openid") {
				t.Errorf("scopes = %v, want Calendars.ReadWrite and openid", g.Scopes)
			}
			if g.Token.AccessToken == "" || g.Token.RefreshToken == "" || time.Until(g.Token.Expiry) < 50*time.Minute {
				t.Errorf("token = access %t, refresh %t, expiry %v", g.Token.AccessToken != "", g.Token.RefreshToken != "", g.Token.Expiry)
			}
			cals, err := e.ms.Calendars(e.ctx, e.ms.TokenSource(e.ctx, tt.app, g.Token), "")
			must(t, err)
			wantCals := []linking.Calendar{{ID: tt.wantCal, Name: "Calendar", Primary: true, CanWrite: true, AccessRole: "owner"}}
			if !slices.Equal(cals, wantCals) {
				t.Errorf("calendars = %+v, want %+v", cals, wantCals)
			}
		})
	}
}

func TestLoginHintPreselectsTheAccount(t *testing.T) {
	e := newEnv(t)
	f := e.openConsent(e.ms.AuthCodeURL(e.app, "s", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()), "megan@contoso.example"))
	if f.checked != e.megan.ID {
		t.Fatalf("preselected account %q, want Megan %q", f.checked, e.megan.ID)
	}
	want := []string{"openid", "email", "profile", "offline_access", "User.Read", "Calendars.ReadWrite"}
	if !slices.Equal(f.scopes, want) {
		t.Fatalf("permissions on the consent page = %v, want %v", f.scopes, want)
	}
}

func TestExchangeWithoutCalendarPermission(t *testing.T) {
	e := newEnv(t)
	g, err := e.link(e.app, "adele@contoso.example", "Calendars.ReadWrite")
	if !errors.Is(err, linking.ErrMissingScope) {
		t.Fatalf("err = %v, want ErrMissingScope", err)
	}
	if g == nil || g.Identity.Email != "adele.vance@contoso.example" || g.Identity.Subject != e.adele.ID {
		t.Fatalf("grant = %+v, want one with Adele's identity", g)
	}
	if slices.ContainsFunc(g.Scopes, func(s string) bool { return strings.Contains(s, "Calendars") }) {
		t.Fatalf("scopes = %v include an unticked permission", g.Scopes)
	}
	// The token it did get is refused by Graph's calendars: the same sentinel.
	_, err = e.ms.Calendars(e.ctx, oauth2.StaticTokenSource(g.Token), "")
	if !errors.Is(err, linking.ErrMissingScope) {
		t.Fatalf("Calendars with the token = %v, want ErrMissingScope", err)
	}
}

func TestExchangeWithoutIDTokenReadsMe(t *testing.T) {
	e := newEnv(t)
	g, err := e.link(e.app, "adele@contoso.example", "openid")
	must(t, err)
	if g.Token.Extra("id_token") != nil {
		t.Fatal("the emulator issued an id_token without openid; the fallback is not exercised")
	}
	want := linking.Identity{Email: "adele.vance@contoso.example", Subject: e.adele.ID, Name: "Adele Vance"}
	if g.Identity != want {
		t.Fatalf("identity = %+v, want %+v (from /me)", g.Identity, want)
	}
}

func TestExchangeRefusals(t *testing.T) {
	e := newEnv(t)
	verifier := oauth2.GenerateVerifier()
	used := e.consent(e.app, "adele@contoso.example", "s1", verifier)
	_, err := e.ms.Exchange(e.ctx, e.app, used, verifier)
	must(t, err)
	fresh := e.consent(e.app, "adele@contoso.example", "s2", verifier)
	wrongSecret := e.app
	wrongSecret.ClientSecret = "nope"

	tests := []struct {
		name     string
		app      linking.OAuthApp
		code     string
		verifier string
		want     error // nil: an error that is no sentinel
	}{
		{"code already redeemed", e.app, used, verifier, linking.ErrInvalidGrant},
		{"unknown code", e.app, "1.not-a-code", verifier, linking.ErrInvalidGrant},
		{"wrong PKCE verifier", e.app, fresh, oauth2.GenerateVerifier(), linking.ErrInvalidGrant},
		{"wrong client secret", wrongSecret, fresh, verifier, linking.ErrInvalidCredentials},
		{"no client id", linking.OAuthApp{RedirectURL: redirectURI}, fresh, verifier, linking.ErrInvalidCredentials},
		{"empty code", e.app, "", verifier, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := e.ms.Exchange(e.ctx, tt.app, tt.code, tt.verifier)
			if err == nil || g != nil {
				t.Fatalf("Exchange = %+v, %v; want an error and no grant", g, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && isSentinel(err) {
				t.Fatalf("err = %v, want no sentinel", err)
			}
			if !strings.HasPrefix(err.Error(), "microsoft: ") {
				t.Fatalf("err = %q lacks the package prefix", err)
			}
		})
	}
}

func TestRefreshAfterTheEmulatorExpiresTheAccessToken(t *testing.T) {
	e := newEnv(t)
	g := e.mustLink(e.app, "adele@contoso.example")
	n, err := e.emu.ExpireAccessTokens(e.adele.ID, webID)
	must(t, err)
	if n == 0 {
		t.Fatal("the emulator expired no access token")
	}
	// The stored token still looks valid: Graph's 401 makes the source renew.
	ts := e.ms.TokenSource(e.ctx, e.app, g.Token)
	cals, err := e.ms.Calendars(e.ctx, ts, "")
	must(t, err)
	if len(cals) != 1 || cals[0].ID != e.adele.Calendars[0].ID {
		t.Fatalf("calendars = %+v", cals)
	}
	tok, err := ts.Token()
	must(t, err)
	if tok.AccessToken == g.Token.AccessToken {
		t.Fatal("the access token was not renewed")
	}
	if tok.RefreshToken == "" || tok.RefreshToken == g.Token.RefreshToken {
		t.Fatal("Token does not hand back the rotated refresh token")
	}
	// Rotation: the handed-back refresh token works and rotates again.
	// (Entra ID does not revoke the redeemed one, so it is not checked.)
	again, err := e.ms.TokenSource(e.ctx, e.app, expired(tok)).Token()
	must(t, err)
	if again.RefreshToken == tok.RefreshToken || again.RefreshToken == "" {
		t.Fatal("the second refresh did not rotate the refresh token")
	}
}

func TestConcurrentRefreshSpendsTheRefreshTokenOnce(t *testing.T) {
	e := newEnv(t)
	g := e.mustLink(e.app, "adele@contoso.example")
	ts := e.ms.TokenSource(e.ctx, e.app, expired(g.Token))
	before := e.tokenRequests.Load()

	const n = 8
	toks := make([]*oauth2.Token, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { toks[i], errs[i] = ts.Token() })
	}
	wg.Wait()
	for i := range n {
		must(t, errs[i])
		if toks[i].AccessToken != toks[0].AccessToken || toks[i].RefreshToken == g.Token.RefreshToken {
			t.Fatalf("caller %d got another or an unrotated token", i)
		}
	}
	if got := e.tokenRequests.Load() - before; got != 1 {
		t.Fatalf("%d refresh requests, want 1", got)
	}
}

func TestRevokedGrant(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(e *env) error
		aadsts string
	}{
		{"consent withdrawn", func(e *env) error { return e.emu.RevokeGrant(e.adele.ID, webID) }, "AADSTS65001"},
		{"sign-in sessions revoked", func(e *env) error { return e.emu.RevokeSignInSessions(e.adele.ID) }, "AADSTS50173"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			g := e.mustLink(e.app, "adele@contoso.example")
			must(t, tt.revoke(e))

			_, err := e.ms.TokenSource(e.ctx, e.app, expired(g.Token)).Token()
			if !errors.Is(err, linking.ErrInvalidGrant) {
				t.Fatalf("Token = %v, want ErrInvalidGrant", err)
			}
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || !strings.HasPrefix(re.ErrorDescription, tt.aadsts) {
				t.Fatalf("err = %v, want the token endpoint's invalid_grant %s", err, tt.aadsts)
			}

			// Graph ends the access token; the renewal then meets the revocation.
			_, err = e.emu.ExpireAccessTokens(e.adele.ID, webID)
			must(t, err)
			_, err = e.ms.Calendars(e.ctx, e.ms.TokenSource(e.ctx, e.app, g.Token), "")
			if !errors.Is(err, linking.ErrInvalidGrant) {
				t.Fatalf("Calendars = %v, want ErrInvalidGrant", err)
			}
		})
	}
}

func TestServiceCredentials(t *testing.T) {
	e := newEnv(t)
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, webID, []string{"Calendars.ReadWrite"}))
	creds := linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "contoso.example"}
	must(t, e.ms.CheckServiceCredentials(e.ctx, creds))

	const megan = "megan@contoso.example"
	ts, err := e.ms.ServiceTokenSource(e.ctx, creds, megan)
	must(t, err)
	cals, err := e.ms.Calendars(e.ctx, ts, megan)
	must(t, err)
	if len(cals) != 1 || cals[0].ID != e.megan.Calendars[0].ID || !cals[0].Primary {
		t.Fatalf("Megan's calendars = %+v", cals)
	}

	created, err := e.ms.CreateCalendar(e.ctx, ts, megan, "Calsync — Contoso", "Europe/Berlin")
	must(t, err)
	if created.Name != "Calsync — Contoso" || created.ID == "" || created.Primary || !created.CanWrite {
		t.Fatalf("created = %+v", created)
	}
	u, err := e.emu.User(megan)
	must(t, err)
	if !slices.ContainsFunc(u.Calendars, func(c outlook.CalendarInfo) bool { return c.ID == created.ID && c.Name == created.Name }) {
		t.Fatalf("the emulator does not show the new calendar: %+v", u.Calendars)
	}
	if adele, _ := e.emu.User(e.adele.ID); len(adele.Calendars) != 1 {
		t.Fatalf("Adele's mailbox changed: %+v", adele.Calendars)
	}

	t.Run("unknown or foreign user", func(t *testing.T) {
		for _, user := range []string{"nobody@contoso.example", "olaf@fabrikam.example"} {
			ts, err := e.ms.ServiceTokenSource(e.ctx, creds, user)
			must(t, err)
			_, err = e.ms.Calendars(e.ctx, ts, user)
			if !errors.Is(err, linking.ErrInvalidGrant) {
				t.Errorf("%s: err = %v, want ErrInvalidGrant", user, err)
			}
			var ge *microsoft.GraphError
			if !errors.As(err, &ge) || ge.Code != "ErrorInvalidUser" {
				t.Errorf("%s: err = %v, want Graph's ErrorInvalidUser", user, err)
			}
		}
	})

	t.Run("refused credentials", func(t *testing.T) {
		tests := []struct {
			name  string
			creds linking.ServiceCredentials
		}{
			{"wrong secret", linking.ServiceCredentials{ClientID: webID, ClientSecret: "nope", Tenant: "contoso.example"}},
			{"unknown app", linking.ServiceCredentials{ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: "x", Tenant: "contoso.example"}},
			{"unknown tenant", linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "nowhere.example"}},
			{"tenant without consent", linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "fabrikam.example"}},
			{"public client", linking.ServiceCredentials{ClientID: publicID, ClientSecret: "x", Tenant: "contoso.example"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := e.ms.CheckServiceCredentials(e.ctx, tt.creds); !errors.Is(err, linking.ErrInvalidCredentials) {
					t.Errorf("CheckServiceCredentials = %v, want ErrInvalidCredentials", err)
				}
				ts, err := e.ms.ServiceTokenSource(e.ctx, tt.creds, megan)
				must(t, err)
				if _, err := e.ms.Calendars(e.ctx, ts, megan); !errors.Is(err, linking.ErrInvalidCredentials) {
					t.Errorf("Calendars = %v, want ErrInvalidCredentials", err)
				}
			})
		}
	})

	t.Run("incomplete credentials make no request", func(t *testing.T) {
		before := e.requests.Load()
		for _, c := range []linking.ServiceCredentials{
			{ClientSecret: webSecret, Tenant: "contoso.example"},
			{ClientID: webID, Tenant: "contoso.example"},
			{ClientID: webID, ClientSecret: webSecret},
			{ClientID: webID, ClientSecret: webSecret, Tenant: "common"},
			{ClientID: webID, ClientSecret: webSecret, Tenant: "Organizations"},
		} {
			if err := e.ms.CheckServiceCredentials(e.ctx, c); !errors.Is(err, linking.ErrInvalidCredentials) {
				t.Errorf("CheckServiceCredentials(%+v) = %v, want ErrInvalidCredentials", c, err)
			}
			if _, err := e.ms.ServiceTokenSource(e.ctx, c, megan); !errors.Is(err, linking.ErrInvalidCredentials) {
				t.Errorf("ServiceTokenSource(%+v) = %v, want ErrInvalidCredentials", c, err)
			}
		}
		if got := e.requests.Load() - before; got != 0 {
			t.Errorf("%d requests for incomplete credentials", got)
		}
	})

	t.Run("admin consent withdrawn", func(t *testing.T) {
		must(t, e.emu.GrantAppPermissions(e.tenant.ID, webID, nil))
		if err := e.ms.CheckServiceCredentials(e.ctx, creds); !errors.Is(err, linking.ErrMissingScope) {
			t.Errorf("CheckServiceCredentials = %v, want ErrMissingScope", err)
		}
		ts, err := e.ms.ServiceTokenSource(e.ctx, creds, megan)
		must(t, err)
		_, err = e.ms.Calendars(e.ctx, ts, megan)
		var ge *microsoft.GraphError
		if !errors.Is(err, linking.ErrInvalidCredentials) || !errors.As(err, &ge) || ge.StatusCode != 403 {
			t.Errorf("Calendars = %v, want a 403 wrapping ErrInvalidCredentials", err)
		}
	})
}

func TestCheckApp(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		app  linking.OAuthApp
		want error // nil: success
	}{
		{"confidential app", e.app, nil},
		{"public client", linking.OAuthApp{ClientID: publicID, RedirectURL: redirectURI}, nil},
		{"app in its tenant", linking.OAuthApp{ClientID: webID, ClientSecret: webSecret, Tenant: "contoso.example"}, nil},
		{"wrong secret", linking.OAuthApp{ClientID: webID, ClientSecret: "nope"}, linking.ErrInvalidCredentials},
		{"secret missing", linking.OAuthApp{ClientID: webID}, linking.ErrInvalidCredentials},
		{"secret for a public client", linking.OAuthApp{ClientID: publicID, ClientSecret: "x"}, linking.ErrInvalidCredentials},
		{"unknown client", linking.OAuthApp{ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: "x"}, linking.ErrInvalidCredentials},
		{"unknown tenant", linking.OAuthApp{ClientID: webID, ClientSecret: webSecret, Tenant: "nowhere.example"}, linking.ErrInvalidCredentials},
		{"no client id", linking.OAuthApp{}, linking.ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.ms.CheckApp(e.ctx, tt.app)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("CheckApp = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("identity platform unavailable", func(t *testing.T) {
		e.faults.Add(emucore.Fault{PathPrefix: "/microsoft/", Status: 503, Count: 1})
		err := e.ms.CheckApp(e.ctx, e.app)
		if err == nil || isSentinel(err) {
			t.Fatalf("CheckApp = %v, want a plain error", err)
		}
	})
}

func TestCreateCalendarDelegated(t *testing.T) {
	e := newEnv(t)
	g := e.mustLink(e.app, "adele@contoso.example")
	ts := e.ms.TokenSource(e.ctx, e.app, g.Token)

	created, err := e.ms.CreateCalendar(e.ctx, ts, "", "  Calsync — Contoso ", "America/New_York")
	must(t, err)
	if created.Name != "Calsync — Contoso" || created.ID == "" || created.Primary || !created.CanWrite {
		t.Fatalf("created = %+v", created)
	}
	u, err := e.emu.User(e.adele.ID)
	must(t, err)
	if len(u.Calendars) != 2 || u.Calendars[1].ID != created.ID || u.Calendars[1].Name != "Calsync — Contoso" {
		t.Fatalf("emulator calendars = %+v", u.Calendars)
	}

	// A retried create (or a relink) finds the calendar instead of failing.
	again, err := e.ms.CreateCalendar(e.ctx, ts, "", "calsync — contoso", "")
	must(t, err)
	if again != created {
		t.Fatalf("second create = %+v, want %+v", again, created)
	}
	cals, err := e.ms.Calendars(e.ctx, ts, "")
	must(t, err)
	if want := []string{"Calendar", "Calsync — Contoso"}; !slices.Equal(calendarNames(cals), want) {
		t.Fatalf("calendars = %v, want %v", calendarNames(cals), want)
	}
}

func TestCalendarsFollowsPages(t *testing.T) {
	e := newEnv(t)
	for i := range 120 {
		_, err := e.emu.CreateCalendar(e.adele.ID, fmt.Sprintf("Crew %03d", i))
		must(t, err)
	}
	g := e.mustLink(e.app, "adele@contoso.example")
	cals, err := e.ms.Calendars(e.ctx, e.ms.TokenSource(e.ctx, e.app, g.Token), "")
	must(t, err)
	if len(cals) != 121 {
		t.Fatalf("%d calendars, want 121", len(cals))
	}
	ids := map[string]bool{}
	for _, c := range cals {
		ids[c.ID] = true
	}
	if len(ids) != 121 || cals[0].Name != "Calendar" || cals[120].Name != "Crew 119" {
		t.Fatalf("%d distinct ids, first %q, last %q", len(ids), cals[0].Name, cals[120].Name)
	}
}

func TestRevokeIsANoOp(t *testing.T) {
	e := newEnv(t)
	g := e.mustLink(e.app, "adele@contoso.example")
	before := e.requests.Load()
	for _, tok := range []*oauth2.Token{g.Token, nil, {}} {
		if err := e.ms.Revoke(e.ctx, e.app, tok); err != nil {
			t.Fatalf("Revoke(%v) = %v", tok, err)
		}
	}
	if got := e.requests.Load() - before; got != 0 {
		t.Fatalf("Revoke made %d requests", got)
	}
	// Nothing signed Adele out: her refresh token still works.
	if _, err := e.ms.TokenSource(e.ctx, e.app, expired(g.Token)).Token(); err != nil {
		t.Fatalf("refresh after Revoke: %v", err)
	}
}

func TestFaultsArePlainErrors(t *testing.T) {
	e := newEnv(t)
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, webID, []string{"Calendars.ReadWrite"}))
	g := e.mustLink(e.app, "adele@contoso.example")
	delegated := e.ms.TokenSource(e.ctx, e.app, g.Token)
	creds := linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: e.tenant.ID}
	appOnly, err := e.ms.ServiceTokenSource(e.ctx, creds, "megan@contoso.example")
	must(t, err)

	tests := []struct {
		name       string
		ts         oauth2.TokenSource
		user       string
		fault      emucore.Fault
		wantStatus int
		wantWait   time.Duration
	}{
		{"503 delegated", delegated, "", emucore.Fault{PathPrefix: "/graph/v1.0/me/calendars", Status: 503, RetryAfter: 2}, 503, 2 * time.Second},
		{"429 delegated", delegated, "", emucore.Fault{PathPrefix: "/graph/v1.0/me/", Status: 429, RetryAfter: 7}, 429, 7 * time.Second},
		{"500 app-only", appOnly, "megan@contoso.example", emucore.Fault{PathPrefix: "/graph/v1.0/users/", Status: 500}, 500, 0},
		{"429 app-only", appOnly, "megan@contoso.example", emucore.Fault{PathPrefix: "/graph/v1.0/users/", Status: 429, RetryAfter: 30}, 429, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault.Count = 1
			e.faults.Add(tt.fault)
			_, err := e.ms.Calendars(e.ctx, tt.ts, tt.user)
			var ge *microsoft.GraphError
			if !errors.As(err, &ge) || ge.StatusCode != tt.wantStatus || ge.RetryAfter != tt.wantWait {
				t.Fatalf("err = %v (%+v), want Graph %d with Retry-After %v", err, ge, tt.wantStatus, tt.wantWait)
			}
			if isSentinel(err) {
				t.Fatalf("err = %v wraps a sentinel", err)
			}
			// One attempt only (the fault fires once): the next call works.
			if _, err := e.ms.Calendars(e.ctx, tt.ts, tt.user); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
		})
	}

	t.Run("token endpoint 500 during refresh", func(t *testing.T) {
		ts := e.ms.TokenSource(e.ctx, e.app, expired(g.Token))
		e.faults.Add(emucore.Fault{PathPrefix: "/microsoft/", Method: "POST", Status: 500, Count: 1})
		_, err := ts.Token()
		if err == nil || isSentinel(err) {
			t.Fatalf("Token = %v, want a plain error", err)
		}
		// The refresh token was not spent: the source recovers.
		tok, err := ts.Token()
		must(t, err)
		if tok.RefreshToken == g.Token.RefreshToken {
			t.Fatal("refresh did not rotate")
		}
	})
}

func TestBadInputsAreErrors(t *testing.T) {
	e := newEnv(t)
	g := e.mustLink(e.app, "adele@contoso.example")
	ts := e.ms.TokenSource(e.ctx, e.app, g.Token)
	broken := microsoft.New(microsoft.Options{Endpoints: microsoft.Endpoints{Login: e.srv.URL + "/microsoft", Graph: "::not a url"}})

	tests := []struct {
		name string
		call func() error
	}{
		{"TokenSource without token", func() error { _, err := e.ms.TokenSource(e.ctx, e.app, nil).Token(); return err }},
		{"expired token without refresh token", func() error {
			_, err := e.ms.TokenSource(e.ctx, e.app, &oauth2.Token{AccessToken: "x", Expiry: time.Now().Add(-time.Hour)}).Token()
			if !errors.Is(err, linking.ErrInvalidGrant) {
				return fmt.Errorf("want ErrInvalidGrant, got %v", err)
			}
			return err
		}},
		{"Calendars without token source", func() error { _, err := e.ms.Calendars(e.ctx, nil, ""); return err }},
		{"Calendars with an empty token", func() error {
			_, err := e.ms.Calendars(e.ctx, oauth2.StaticTokenSource(&oauth2.Token{}), "")
			return err
		}},
		{"Calendars with a forged token", func() error {
			_, err := e.ms.Calendars(e.ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "forged"}), "")
			return err
		}},
		{"Calendars with a broken Graph endpoint", func() error { _, err := broken.Calendars(e.ctx, ts, ""); return err }},
		{"CreateCalendar without name", func() error { _, err := e.ms.CreateCalendar(e.ctx, ts, "", " \t", ""); return err }},
		{"CreateCalendar without token source", func() error { _, err := e.ms.CreateCalendar(e.ctx, nil, "", "x", ""); return err }},
		{"ServiceTokenSource without user", func() error {
			_, err := e.ms.ServiceTokenSource(e.ctx, linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "contoso.example"}, " ")
			return err
		}},
		{"Exchange without code", func() error { _, err := e.ms.Exchange(e.ctx, e.app, "", ""); return err }},
		{"Exchange with a cancelled context", func() error {
			ctx, cancel := context.WithCancel(e.ctx)
			cancel()
			_, err := e.ms.Exchange(ctx, e.app, "1.code", "v")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "microsoft: ") {
				t.Fatalf("err = %q lacks the package prefix", err)
			}
		})
	}
}

func TestTokenIsSentOnlyToTheGraphHost(t *testing.T) {
	var leaked atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"value":[]}`)
	}))
	defer elsewhere.Close()
	// A Graph whose nextLink points at another host (localhost is not 127.0.0.1).
	next := strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1) + "/graph/v1.0/me/calendars?$skiptoken=2"
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"value":[{"id":"c1","name":"Calendar","isDefaultCalendar":true}],"@odata.nextLink":%q}`, next)
	}))
	defer graph.Close()

	ms := microsoft.New(microsoft.Options{Endpoints: microsoft.EmulatorEndpoints(graph.URL)})
	_, err := ms.Calendars(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "secret"}), "")
	if err == nil || !strings.Contains(err.Error(), `refusing to send a Graph token to host "localhost"`) {
		t.Fatalf("err = %v, want a refusal to follow the nextLink with the token", err)
	}
	if leaked.Load() != 0 {
		t.Fatal("the token reached another host")
	}
}
