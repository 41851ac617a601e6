// Package google is Calsync's Google Calendar adapter for linking: OAuth
// 2.0 consent with PKCE through golang.org/x/oauth2, service-account
// impersonation through golang.org/x/oauth2/google, and the calendar list
// and secondary-calendar creation through google.golang.org/api/calendar/v3.
//
// It implements linking.Provider. Errors are prefixed "google: " and wrap
// linking.ErrInvalidGrant, linking.ErrInvalidCredentials or
// linking.ErrMissingScope where the provider's answer means one of them;
// everything else (network failures, 5xx, 429 and 403 rate limits) is a
// plain error the caller may retry.
//
// It also implements engine.Provider (events.go): Calsync's events are
// written with events.insert/patch/delete through the SDK, or through
// Google's multipart batch endpoint (batch.go) when an Apply carries more
// than one operation. Those errors wrap the engine's sentinels instead.
//
// Calendar access means the full https://www.googleapis.com/auth/calendar
// scope: linking lists the account's calendars (calendarList.list, which
// calendar.events does not allow) and may create the secondary calendar
// (calendars.insert, which neither calendar.events nor calendar.readonly
// allow), so a grant with only a narrower calendar scope is treated as
// missing the calendar permission.
package google

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
)

// CalendarScope is the scope a grant needs to count as calendar access.
const CalendarScope = "https://www.googleapis.com/auth/calendar"

// requestedScopes are asked for at consent: calendar access plus the
// OpenID scopes that identify the account.
var requestedScopes = []string{CalendarScope, "openid", "email", "profile"}

// Endpoints are the Google URLs the adapter talks to.
type Endpoints struct {
	// AuthURL is the consent page (authorization endpoint).
	AuthURL string
	// TokenURL is the token endpoint, used for codes, refreshes and
	// service-account assertions.
	TokenURL string
	// RevokeURL is the token revocation endpoint.
	RevokeURL string
	// UserinfoURL is the OpenID Connect userinfo endpoint.
	UserinfoURL string
	// CalendarAPI is the Calendar API base path, ending in "/calendar/v3/".
	CalendarAPI string
	// CalendarBatch is the Calendar API's batch endpoint; empty derives
	// it from CalendarAPI ("<host>/batch/calendar/v3").
	CalendarBatch string
}

// DefaultEndpoints returns Google's production endpoints.
func DefaultEndpoints() Endpoints {
	return Endpoints{
		AuthURL:       "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:      "https://oauth2.googleapis.com/token",
		RevokeURL:     "https://oauth2.googleapis.com/revoke",
		UserinfoURL:   "https://openidconnect.googleapis.com/v1/userinfo",
		CalendarAPI:   "https://www.googleapis.com/calendar/v3/",
		CalendarBatch: "https://www.googleapis.com/batch/calendar/v3",
	}
}

// EmulatorEndpoints returns the endpoints of Calsync's Google emulator
// (sync/emulator/gcal) served at base, e.g. "http://127.0.0.1:9090".
func EmulatorEndpoints(base string) Endpoints {
	base = strings.TrimRight(base, "/")
	return Endpoints{
		AuthURL:       base + "/google/o/oauth2/v2/auth",
		TokenURL:      base + "/google/token",
		RevokeURL:     base + "/google/revoke",
		UserinfoURL:   base + "/google/oauth2/v3/userinfo",
		CalendarAPI:   base + "/google/calendar/v3/",
		CalendarBatch: base + "/google/batch/calendar/v3",
	}
}

// withDefaults fills empty fields from DefaultEndpoints.
func (e Endpoints) withDefaults() Endpoints {
	d := DefaultEndpoints()
	fill := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	fill(&e.AuthURL, d.AuthURL)
	fill(&e.TokenURL, d.TokenURL)
	fill(&e.RevokeURL, d.RevokeURL)
	fill(&e.UserinfoURL, d.UserinfoURL)
	fill(&e.CalendarAPI, d.CalendarAPI)
	if e.CalendarBatch == "" {
		// The batch path sits beside the API's: /calendar/v3/ becomes
		// /batch/calendar/v3 on the same host and prefix.
		if prefix, ok := strings.CutSuffix(e.CalendarAPI, "calendar/v3/"); ok {
			e.CalendarBatch = prefix + "batch/calendar/v3"
		} else {
			e.CalendarBatch = d.CalendarBatch
		}
	}
	return e
}

// Options configures a Client.
type Options struct {
	// Endpoints are the Google URLs; empty fields take DefaultEndpoints.
	Endpoints Endpoints
	// HTTPClient carries every request: token endpoint, userinfo, revoke
	// and, under the OAuth transport, the Calendar API. Nil means a
	// client with a 30 s timeout.
	HTTPClient *http.Client
}

// Client is the Google adapter. It keeps no per-account state and is safe
// for concurrent use.
type Client struct {
	endpoints Endpoints
	http      *http.Client
}

var _ linking.Provider = (*Client)(nil)

// New returns a Client configured by opts.
func New(opts Options) *Client {
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{endpoints: opts.Endpoints.withDefaults(), http: hc}
}

// Endpoints returns the URLs the client uses.
func (c *Client) Endpoints() Endpoints { return c.endpoints }

// oauthConfig is the OAuth client for app.
func (c *Client) oauthConfig(app linking.OAuthApp) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		RedirectURL:  app.RedirectURL,
		Scopes:       append([]string(nil), requestedScopes...),
		Endpoint: oauth2.Endpoint{
			AuthURL:  c.endpoints.AuthURL,
			TokenURL: c.endpoints.TokenURL,
			// Google takes the client credentials in the body; a fixed
			// style also keeps oauth2 from retrying a refused request
			// with the other style.
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// oauthContext makes golang.org/x/oauth2 send its requests through the
// configured HTTP client.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}
