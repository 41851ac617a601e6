package google_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/google"
)

func TestAuthCodeURLAsksForOfflineConsentWithPKCE(t *testing.T) {
	c := google.New(google.Options{Endpoints: google.EmulatorEndpoints("http://127.0.0.1:9090/")})
	app := linking.OAuthApp{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL}
	for _, tc := range []struct {
		name, hint string
	}{
		{"with login hint", "ann@example.com"},
		{"without login hint", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(c.AuthCodeURL(app, "st-1", "challenge-1", tc.hint))
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != "http://127.0.0.1:9090/google/o/oauth2/v2/auth" {
				t.Errorf("auth endpoint = %s", got)
			}
			q := u.Query()
			want := map[string]string{
				"client_id": clientID, "redirect_uri": redirectURL, "response_type": "code", "state": "st-1",
				"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true",
				"code_challenge": "challenge-1", "code_challenge_method": "S256", "login_hint": tc.hint,
			}
			for k, v := range want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if _, ok := q["login_hint"]; ok != (tc.hint != "") {
				t.Errorf("login_hint present = %v, want %v", ok, tc.hint != "")
			}
			if q.Has("client_secret") {
				t.Error("the client secret leaks into the consent URL")
			}
			scopes := strings.Fields(q.Get("scope"))
			for _, s := range []string{google.CalendarScope, "openid", "email", "profile"} {
				if !slices.Contains(scopes, s) {
					t.Errorf("scope %q missing from %v", s, scopes)
				}
			}
		})
	}
}

func TestDefaultEndpointsAreGoogles(t *testing.T) {
	got := google.New(google.Options{}).Endpoints()
	if got != google.DefaultEndpoints() {
		t.Fatalf("zero Options endpoints = %+v, want the defaults", got)
	}
	if got.TokenURL != "https://oauth2.googleapis.com/token" || got.RevokeURL != "https://oauth2.googleapis.com/revoke" ||
		got.AuthURL != "https://accounts.google.com/o/oauth2/v2/auth" || got.CalendarAPI != "https://www.googleapis.com/calendar/v3/" {
		t.Fatalf("defaults = %+v", got)
	}
	partial := google.New(google.Options{Endpoints: google.Endpoints{TokenURL: "http://x/token"}}).Endpoints()
	if partial.TokenURL != "http://x/token" || partial.AuthURL != got.AuthURL {
		t.Fatalf("a partial Endpoints is not completed from the defaults: %+v", partial)
	}
}

func TestExchangeReturnsIdentityScopesAndTokens(t *testing.T) {
	e := newEnv(t)
	for _, account := range []string{personal, workspace} {
		t.Run(account, func(t *testing.T) {
			g := e.link(account)
			want := e.account[account]
			if g.Identity.Email != account || g.Identity.Subject != want.Subject || g.Identity.Name != want.Name {
				t.Errorf("identity = %+v, want email %s sub %s name %s", g.Identity, account, want.Subject, want.Name)
			}
			for _, s := range []string{google.CalendarScope, "openid", "https://www.googleapis.com/auth/userinfo.email"} {
				if !slices.Contains(g.Scopes, s) {
					t.Errorf("granted scopes %v lack %s", g.Scopes, s)
				}
			}
			if g.Token.AccessToken == "" || g.Token.RefreshToken == "" || g.Token.Expiry.IsZero() {
				t.Errorf("token = %+v, want access and refresh tokens with an expiry", g.Token)
			}
			cals, err := e.client.Calendars(context.Background(), oauth2.StaticTokenSource(g.Token), "")
			if err != nil {
				t.Fatalf("calendars with the new token: %v", err)
			}
			if len(cals) != 1 || cals[0].ID != account || !cals[0].Primary {
				t.Errorf("calendars = %+v, want the primary calendar %s", cals, account)
			}
		})
	}
	if n := len(e.rec.requests("/google/oauth2/v3/userinfo")); n != 2 {
		t.Errorf("userinfo called %d times, want once per exchange", n)
	}
}

func TestExchangeWithoutCalendarBoxIsMissingScope(t *testing.T) {
	e := newEnv(t)
	code, verifier := e.consent(personal, false)
	g, err := e.client.Exchange(context.Background(), e.app, code, verifier)
	wantSentinel(t, err, linking.ErrMissingScope)
	if g == nil {
		t.Fatal("no Grant returned with ErrMissingScope")
	}
	if g.Identity.Email != personal {
		t.Errorf("identity email = %q, want %s", g.Identity.Email, personal)
	}
	if slices.Contains(g.Scopes, google.CalendarScope) || !slices.Contains(g.Scopes, "openid") {
		t.Errorf("scopes = %v, want the basic ones without calendar", g.Scopes)
	}
	if g.Token == nil || g.Token.RefreshToken == "" {
		t.Fatalf("token = %+v, want the issued tokens so the caller can revoke them", g.Token)
	}
	// The emulator agrees: the token cannot list calendars.
	_, err = e.client.Calendars(context.Background(), oauth2.StaticTokenSource(g.Token), "")
	wantSentinel(t, err, linking.ErrMissingScope)
}

func TestExchangeFallsBackToIDTokenWhenUserinfoFails(t *testing.T) {
	e := newEnv(t)
	e.fault(emucore.Fault{PathPrefix: "/google/oauth2/v3/userinfo", Status: 503, Count: 1})
	g := e.link(workspace)
	if g.Identity.Email != workspace || g.Identity.Subject != e.account[workspace].Subject {
		t.Fatalf("identity = %+v, want %s from the id_token", g.Identity, workspace)
	}
	if n := len(e.rec.requests("/google/oauth2/v3/userinfo")); n != 1 {
		t.Fatalf("userinfo requests = %d, want 1 (failed)", n)
	}
}

func TestExchangeRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	badSecret := e.app
	badSecret.ClientSecret = "wrong"
	unknownClient := e.app
	unknownClient.ClientID = "nobody.apps.googleusercontent.com"

	for _, tc := range []struct {
		name  string
		setup func()
		run   func(code, verifier string) error
		want  error // nil: a plain error
	}{
		{name: "wrong PKCE verifier", want: linking.ErrInvalidGrant, run: func(code, _ string) error {
			_, err := e.client.Exchange(ctx, e.app, code, oauth2.GenerateVerifier())
			return err
		}},
		{name: "missing PKCE verifier", want: linking.ErrInvalidGrant, run: func(code, _ string) error {
			_, err := e.client.Exchange(ctx, e.app, code, "")
			return err
		}},
		{name: "code used twice", want: linking.ErrInvalidGrant, run: func(code, verifier string) error {
			if _, err := e.client.Exchange(ctx, e.app, code, verifier); err != nil {
				t.Fatalf("first exchange: %v", err)
			}
			_, err := e.client.Exchange(ctx, e.app, code, verifier)
			return err
		}},
		{name: "wrong client secret", want: linking.ErrInvalidCredentials, run: func(code, verifier string) error {
			_, err := e.client.Exchange(ctx, badSecret, code, verifier)
			return err
		}},
		{name: "unknown client", want: linking.ErrInvalidCredentials, run: func(code, verifier string) error {
			_, err := e.client.Exchange(ctx, unknownClient, code, verifier)
			return err
		}},
		{name: "empty client id", want: linking.ErrInvalidCredentials, run: func(code, verifier string) error {
			_, err := e.client.Exchange(ctx, linking.OAuthApp{RedirectURL: redirectURL}, code, verifier)
			return err
		}},
		{name: "empty code", run: func(_, verifier string) error {
			_, err := e.client.Exchange(ctx, e.app, "", verifier)
			return err
		}},
		{name: "token endpoint 503", setup: func() {
			e.fault(emucore.Fault{PathPrefix: "/google/token", Status: 503, Count: 1})
		}, run: func(code, verifier string) error {
			_, err := e.client.Exchange(ctx, e.app, code, verifier)
			return err
		}},
		{name: "token endpoint 429", setup: func() {
			e.fault(emucore.Fault{PathPrefix: "/google/token", Status: 429, RetryAfter: 2, Count: 1})
		}, run: func(code, verifier string) error {
			_, err := e.client.Exchange(ctx, e.app, code, verifier)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, verifier := e.consent(personal, true)
			if tc.setup != nil {
				tc.setup()
			}
			err := tc.run(code, verifier)
			if tc.want == nil {
				wantPlain(t, err)
			} else {
				wantSentinel(t, err, tc.want)
			}
		})
	}
}

func TestRefreshAfterEmulatorExpiresAccessToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.link(personal)
	if n := e.emu.ExpireAccessTokens(personal); n == 0 {
		t.Fatal("the emulator expired no token")
	}
	// The old access token is dead at Google: a plain 401, no sentinel.
	_, err := e.client.Calendars(ctx, oauth2.StaticTokenSource(g.Token), "")
	wantPlain(t, err)
	if !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want a 401", err)
	}

	before := len(e.rec.requests("/google/token"))
	ts := e.client.TokenSource(ctx, e.app, expired(g.Token))
	fresh, err := ts.Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == "" || fresh.AccessToken == g.Token.AccessToken {
		t.Fatalf("refreshed access token = %q, want a new one", fresh.AccessToken)
	}
	if fresh.RefreshToken != g.Token.RefreshToken {
		t.Fatalf("refresh token changed to %q; Google does not rotate them", fresh.RefreshToken)
	}
	if !fresh.Valid() {
		t.Fatalf("refreshed token is not valid: %+v", fresh)
	}
	if n := len(e.rec.requests("/google/token")) - before; n != 1 {
		t.Fatalf("token endpoint called %d times, want 1 refresh", n)
	}
	cals, err := e.client.Calendars(ctx, ts, "")
	if err != nil {
		t.Fatalf("calendars after refresh: %v", err)
	}
	if len(cals) != 1 || cals[0].ID != personal {
		t.Fatalf("calendars = %+v", cals)
	}
	if n := len(e.rec.requests("/google/token")) - before; n != 1 {
		t.Fatalf("token endpoint called %d times, want the refreshed token reused", n)
	}
}

func TestRefreshRefusals(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(e *env, app *linking.OAuthApp)
		want  error // nil: a plain error
	}{
		{name: "grant revoked by the user", want: linking.ErrInvalidGrant, setup: func(e *env, _ *linking.OAuthApp) {
			if e.emu.RevokeGrants(personal, clientID) == 0 {
				t.Fatal("nothing revoked")
			}
		}},
		{name: "client secret rotated", want: linking.ErrInvalidCredentials, setup: func(_ *env, app *linking.OAuthApp) {
			app.ClientSecret = "old-secret"
		}},
		{name: "token endpoint 503", setup: func(e *env, _ *linking.OAuthApp) {
			e.fault(emucore.Fault{PathPrefix: "/google/token", Status: 503, Count: 1})
		}},
		{name: "token endpoint 500", setup: func(e *env, _ *linking.OAuthApp) {
			e.fault(emucore.Fault{PathPrefix: "/google/token", Status: 500, Count: 1})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			g := e.link(personal)
			app := e.app
			tc.setup(e, &app)
			ts := e.client.TokenSource(ctx, app, expired(g.Token))
			_, err := ts.Token()
			_, calErr := e.client.Calendars(ctx, e.client.TokenSource(ctx, app, expired(g.Token)), "")
			if tc.want == nil {
				wantPlain(t, err)
				// The fault was transient: the same source succeeds now.
				if _, err := ts.Token(); err != nil {
					t.Fatalf("refresh after the fault: %v", err)
				}
				if calErr != nil {
					t.Fatalf("calendars after the fault: %v", calErr)
				}
				return
			}
			wantSentinel(t, err, tc.want)
			wantSentinel(t, calErr, tc.want)
		})
	}
}

func TestTokenSourceWithoutTokenFails(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.TokenSource(context.Background(), e.app, nil).Token()
	wantPlain(t, err)
	_, err = e.client.TokenSource(context.Background(), e.app, &oauth2.Token{}).Token()
	if err == nil {
		t.Fatal("empty token refreshed")
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.link(personal)

	// A failed revocation is a plain error and leaves the grant alive.
	e.fault(emucore.Fault{PathPrefix: "/google/revoke", Status: 503, Count: 1})
	wantPlain(t, e.client.Revoke(ctx, e.app, g.Token))
	if _, err := e.client.TokenSource(ctx, e.app, expired(g.Token)).Token(); err != nil {
		t.Fatalf("refresh after a failed revoke: %v", err)
	}

	if err := e.client.Revoke(ctx, e.app, g.Token); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err := e.client.TokenSource(ctx, e.app, expired(g.Token)).Token()
	wantSentinel(t, err, linking.ErrInvalidGrant)
	if _, err := e.client.Calendars(ctx, oauth2.StaticTokenSource(g.Token), ""); err == nil {
		t.Fatal("the access token still works after revocation")
	}
	// Revoking again answers invalid_token: already done, not an error.
	if err := e.client.Revoke(ctx, e.app, g.Token); err != nil {
		t.Fatalf("second revoke: %v", err)
	}

	// An access token alone revokes its grant too.
	g2 := e.link(workspace)
	if err := e.client.Revoke(ctx, e.app, &oauth2.Token{AccessToken: g2.Token.AccessToken}); err != nil {
		t.Fatalf("revoke by access token: %v", err)
	}
	_, err = e.client.TokenSource(ctx, e.app, expired(g2.Token)).Token()
	wantSentinel(t, err, linking.ErrInvalidGrant)

	for _, tok := range []*oauth2.Token{nil, {}} {
		wantPlain(t, e.client.Revoke(ctx, e.app, tok))
	}
}

func TestCheckApp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		app   linking.OAuthApp
		fault *emucore.Fault
		want  error // nil with ok: success; nil without: a plain error
		ok    bool
	}{
		{name: "good credentials", app: e.app, ok: true},
		{name: "wrong secret", app: linking.OAuthApp{ClientID: clientID, ClientSecret: "wrong", RedirectURL: redirectURL}, want: linking.ErrInvalidCredentials},
		{name: "unknown client", app: linking.OAuthApp{ClientID: "nobody.apps.googleusercontent.com", ClientSecret: "x", RedirectURL: redirectURL}, want: linking.ErrInvalidCredentials},
		{name: "empty secret", app: linking.OAuthApp{ClientID: clientID, RedirectURL: redirectURL}, want: linking.ErrInvalidCredentials},
		{name: "empty app", want: linking.ErrInvalidCredentials},
		{name: "token endpoint 503", app: e.app, fault: &emucore.Fault{PathPrefix: "/google/token", Status: 503, Count: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				e.fault(*tc.fault)
			}
			err := e.client.CheckApp(ctx, tc.app)
			switch {
			case tc.ok:
				if err != nil {
					t.Fatalf("CheckApp: %v", err)
				}
			case tc.want != nil:
				wantSentinel(t, err, tc.want)
			default:
				wantPlain(t, err)
			}
		})
	}
}
