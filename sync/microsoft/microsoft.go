// Package microsoft is Calsync's Microsoft 365 / Outlook adapter: for
// linking calendars (linking.Provider), OAuth 2.0 authorization code with
// PKCE against the Microsoft identity platform (golang.org/x/oauth2),
// app-only access with client credentials
// (golang.org/x/oauth2/clientcredentials) and the calendar calls of
// Microsoft Graph through msgraph-sdk-go; for pushing bookings
// (engine.Provider), the event calls: creates idempotent on Graph's
// transactionId, conditional updates and deletes, Graph JSON batching,
// and Calsync's tags as single-value extended properties (TagPropertyID).
//
// Only the users, models and models/odataerrors packages of msgraph-sdk-go
// are imported, with msgraph-sdk-go-core's middleware and kiota's
// NetHttpRequestAdapter: the root msgraph package would double the cold
// compile and its memory (see TOOLCHAIN.md).
//
// Errors are prefixed "microsoft:" and wrap the sentinel errors of
// internal/linking where those apply:
//
//   - linking.ErrInvalidGrant: the token endpoint answered invalid_grant
//     (refresh token revoked, rotated out, expired, code already used), or
//     Graph does not know the user an app-only call names — then as a
//     *linking.UnknownUserError carrying the email.
//   - linking.ErrInvalidCredentials: invalid_client or unauthorized_client,
//     an unknown tenant or app, missing client id/secret/tenant, or Graph
//     answering 401/403 to an app-only call (403: a
//     *linking.NotDelegatedError, the app may not open that mailbox).
//   - linking.ErrMissingScope: the user did not grant Calendars.ReadWrite,
//     Graph answering 403 to a delegated call, or an app registration
//     without the Calendars.ReadWrite application permission.
//
// Other failures (5xx, 429, network) are plain errors; Graph answers are
// available as *GraphError (with Retry-After) through errors.As, token
// endpoint answers as *oauth2.RetrieveError.
//
// The event calls (Apply, Get, ListTagged) wrap the sentinel errors of
// sync/engine instead: 401 ErrUnauthorized, 403 ErrForbidden, 412
// ErrPrecondition, 404 and 410 ErrNotFound, other 4xx ErrInvalid, and
// 429 (or a throttling 403) *engine.RateLimitedError with Graph's
// Retry-After; 5xx and network failures stay plain errors.
package microsoft

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"

	"calsync/internal/linking"
)

var _ linking.Provider = (*Client)(nil)

// Scopes of the Microsoft identity platform and Graph that Calsync uses.
const (
	// CalendarScope is the delegated permission a link needs: reading and
	// writing the user's calendars.
	CalendarScope = "https://graph.microsoft.com/Calendars.ReadWrite"
	// ProfileScope lets Calsync read /me when the id_token lacks the
	// account's address.
	ProfileScope = "https://graph.microsoft.com/User.Read"
	// AppOnlyScope is the scope of client-credentials requests: every
	// application permission the tenant's admin consented to.
	AppOnlyScope = "https://graph.microsoft.com/.default"
)

// delegatedScopes are the scopes of the consent: sign-in (openid, email,
// profile), a refresh token (offline_access), the calendars, and User.Read
// for the /me fallback of the identity.
func delegatedScopes() []string {
	return []string{"openid", "email", "profile", "offline_access", ProfileScope, CalendarScope}
}

// Endpoints are the provider's base URLs.
type Endpoints struct {
	// Login is the root of the identity platform; "/{tenant}/oauth2/v2.0/
	// authorize" and "/{tenant}/oauth2/v2.0/token" are appended.
	Login string
	// Graph is the Graph API base URL, version included.
	Graph string
}

// DefaultEndpoints are Microsoft's global cloud.
func DefaultEndpoints() Endpoints {
	return Endpoints{
		Login: "https://login.microsoftonline.com",
		Graph: "https://graph.microsoft.com/v1.0",
	}
}

// EmulatorEndpoints point at Calsync's Outlook emulator served at base
// (for example "http://127.0.0.1:9090"): the identity platform under
// /microsoft, Graph under /graph/v1.0.
func EmulatorEndpoints(base string) Endpoints {
	base = strings.TrimRight(base, "/")
	return Endpoints{Login: base + "/microsoft", Graph: base + "/graph/v1.0"}
}

// Options configure a Client.
type Options struct {
	// Endpoints default, field by field, to DefaultEndpoints.
	Endpoints Endpoints
	// HTTPClient carries the token requests and, below msgraph-sdk-go's
	// middleware, the Graph requests. Nil: a client with a 30 s timeout.
	HTTPClient *http.Client
}

// defaultTimeout bounds each request when Options.HTTPClient is nil.
const defaultTimeout = 30 * time.Second

// Client is the Microsoft adapter. It is safe for concurrent use and holds
// no per-account state: tokens and token sources belong to the caller.
type Client struct {
	login      string
	graph      string
	graphHost  string
	configErr  error // a Graph endpoint that does not parse; reported by each Graph call
	httpClient *http.Client
	graphHTTP  *http.Client

	parseNodes  *absser.ParseNodeFactoryRegistry
	serializers *absser.SerializationWriterFactoryRegistry
}

// New returns a Client.
func New(opts Options) *Client {
	def := DefaultEndpoints()
	ep := opts.Endpoints
	if ep.Login == "" {
		ep.Login = def.Login
	}
	if ep.Graph == "" {
		ep.Graph = def.Graph
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	c := &Client{
		login:       strings.TrimRight(ep.Login, "/"),
		graph:       strings.TrimRight(ep.Graph, "/"),
		httpClient:  hc,
		graphHTTP:   newGraphHTTPClient(hc),
		parseNodes:  newParseNodes(),
		serializers: newSerializers(),
	}
	u, err := url.Parse(c.graph)
	switch {
	case err != nil:
		c.configErr = fmt.Errorf("the Graph endpoint: %w", err)
	case u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http"):
		c.configErr = errInvalidEndpoint(c.graph)
	default:
		c.graphHost = u.Hostname()
	}
	return c
}
