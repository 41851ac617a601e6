package microsoft

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"

	"calsync/internal/linking"
)

// meUserID is the user id msgraph-sdk-go itself uses for /me: its Me()
// builds /users/me-token-to-replace and msgraph-sdk-go-core's
// UrlReplaceHandler rewrites that to /me. (/users/me is not a Graph path.)
const meUserID = "me-token-to-replace"

// calendarPageSize is the $top of calendar listings; Graph's default is 10.
const calendarPageSize = 100

// maxPages bounds how many nextLinks a listing follows.
const maxPages = 50

// GraphError is an error answer of Microsoft Graph.
type GraphError struct {
	StatusCode int
	// Code is Graph's error code, such as "ErrorAccessDenied".
	Code    string
	Message string
	// RetryAfter is the wait Graph asked for (429 and 503), zero if none.
	RetryAfter time.Duration
}

func (e *GraphError) Error() string {
	s := "graph " + strconv.Itoa(e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func errInvalidEndpoint(u string) error {
	return fmt.Errorf("the Graph endpoint %q is not an http(s) URL", u)
}

// newGraphHTTPClient puts msgraph-sdk-go-core's and kiota's middleware in
// front of base's transport. Throttled and unavailable answers are not
// retried here: linking calls are interactive, and Retry-After can ask for
// minutes; the error carries it (GraphError.RetryAfter) for the caller's
// job queue.
func newGraphHTTPClient(base *http.Client) *http.Client {
	noRetry := &khttp.RetryHandlerOptions{
		ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return false },
	}
	kiota, err := khttp.GetDefaultMiddlewaresWithOptions(noRetry)
	if err != nil {
		// Only unknown option types fail, and the option above is known.
		kiota = khttp.GetDefaultMiddlewares()
	}
	mws := append([]khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&msgraphcore.GraphClientOptions{}),
		khttp.NewUrlReplaceHandler(true, map[string]string{"/users/" + meUserID: "/me"}),
	}, kiota...)
	return &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(base.Transport, mws...),
		Timeout:   base.Timeout,
		Jar:       base.Jar,
		// kiota's redirect middleware follows redirects itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// bearerAuth is a kiota authentication provider adding the access token
// of an oauth2.TokenSource, only for the Graph host.
type bearerAuth struct {
	ts   oauth2.TokenSource
	host string

	mu   sync.Mutex
	last string // the access token last sent
}

// AuthenticateRequest implements kiota's AuthenticationProvider.
func (a *bearerAuth) AuthenticateRequest(ctx context.Context, req *abs.RequestInformation, _ map[string]any) error {
	if req == nil {
		return errors.New("no request")
	}
	uri, err := req.GetUri()
	if err != nil {
		return err
	}
	if !strings.EqualFold(uri.Hostname(), a.host) {
		return fmt.Errorf("refusing to send a Graph token to host %q", uri.Hostname())
	}
	tok, err := a.ts.Token()
	if err != nil {
		return err
	}
	if tok == nil || tok.AccessToken == "" {
		return errors.New("the token source returned no access token")
	}
	if req.Headers == nil {
		req.Headers = abs.NewRequestHeaders()
	}
	req.Headers.Remove("Authorization")
	req.Headers.Add("Authorization", tok.Type()+" "+tok.AccessToken)
	a.mu.Lock()
	a.last = tok.AccessToken
	a.mu.Unlock()
	return nil
}

func (a *bearerAuth) lastToken() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

// graphRequest is one Graph operation on a user (/me or /users/{email}).
type graphRequest func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error

// graphCall runs req with a request adapter authenticated by ts. When
// Graph refuses the access token (401) although it has not expired —
// revoked, or ended early — and ts is one of this package's sources, the
// token is renewed and req runs once more.
func (c *Client) graphCall(ctx context.Context, ts oauth2.TokenSource, userEmail string, req graphRequest) error {
	if c.configErr != nil {
		return c.configErr
	}
	if ts == nil {
		return errors.New("no token source")
	}
	userID := strings.TrimSpace(userEmail)
	if userID == "" {
		userID = meUserID
	}
	for attempt := 0; ; attempt++ {
		auth := &bearerAuth{ts: ts, host: c.graphHost}
		adapter, err := khttp.NewNetHttpRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
			auth, c.parseNodes, c.serializers, c.graphHTTP)
		if err != nil {
			return err
		}
		adapter.SetBaseUrl(c.graph)
		user := users.NewUsersRequestBuilderInternal(map[string]string{}, adapter).ByUserId(userID)
		err = req(adapter, user)
		if err == nil {
			return nil
		}
		rs, renewable := ts.(*renewingTokenSource)
		if attempt == 0 && renewable && graphStatus(err) == http.StatusUnauthorized && auth.lastToken() != "" {
			rs.refuse(auth.lastToken())
			continue
		}
		return err
	}
}

// newParseNodes and newSerializers are the JSON (de)serializers of the
// Client's request adapters: the Client's own, rather than registered in
// kiota's package-level registries as msgraph's root package does. They
// are filled once and only read afterwards.
func newParseNodes() *absser.ParseNodeFactoryRegistry {
	r := absser.NewParseNodeFactoryRegistry()
	r.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonParseNodeFactory()
	return r
}

func newSerializers() *absser.SerializationWriterFactoryRegistry {
	r := absser.NewSerializationWriterFactoryRegistry()
	r.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonSerializationWriterFactory()
	return r
}

// Calendars lists the calendars of the token's account (userEmail "") or,
// with an app-only token, of the user userEmail. Primary is Outlook's
// default calendar; Color is Graph's hexColor ("#RRGGBB"), empty when
// Outlook picks the color; CanWrite is canEdit.
func (c *Client) Calendars(ctx context.Context, ts oauth2.TokenSource, userEmail string) ([]linking.Calendar, error) {
	cals, err := c.listCalendars(ctx, ts, userEmail)
	if err != nil {
		return nil, graphError("list calendars", err, userEmail)
	}
	return cals, nil
}

// listCalendars is Calendars with the errors as they come.
func (c *Client) listCalendars(ctx context.Context, ts oauth2.TokenSource, userEmail string) ([]linking.Calendar, error) {
	var out []linking.Calendar
	err := c.graphCall(ctx, ts, userEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		out = out[:0]
		top := int32(calendarPageSize)
		page, err := user.Calendars().Get(ctx, &users.ItemCalendarsRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarsRequestBuilderGetQueryParameters{
				Top:    &top,
				Select: []string{"id", "name", "hexColor", "isDefaultCalendar", "canEdit", "isRemovable"},
			},
		})
		return eachItem(page, err, func(link string) (models.CalendarCollectionResponseable, error) {
			return users.NewItemCalendarsRequestBuilder(link, adapter).Get(ctx, nil)
		}, maxPages, "calendars", func(cal models.Calendarable) { out = append(out, toCalendar(cal)) })
	})
	return out, err
}

// CreateCalendar creates a calendar named name for the token's account
// (userEmail "") or, app-only, for userEmail. Outlook calendars have no
// time zone of their own, so timeZone is not used. Calendar names are
// unique per mailbox: if one named name exists (a retried create, a
// relink), it is returned instead.
func (c *Client) CreateCalendar(ctx context.Context, ts oauth2.TokenSource, userEmail, name, timeZone string) (linking.Calendar, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return linking.Calendar{}, errors.New("microsoft: create calendar: the name is empty")
	}
	var created linking.Calendar
	err := c.graphCall(ctx, ts, userEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		body := models.NewCalendar()
		body.SetName(&name)
		cal, err := user.Calendars().Post(ctx, body, nil)
		if err != nil {
			return err
		}
		if cal == nil {
			return errors.New("graph answered without the calendar")
		}
		created = toCalendar(cal)
		return nil
	})
	if err == nil {
		return created, nil
	}
	var ge *GraphError
	if !errors.As(toGraphError(err), &ge) || ge.Code != "ErrorFolderExists" {
		return linking.Calendar{}, graphError("create calendar", err, userEmail)
	}
	cals, err := c.listCalendars(ctx, ts, userEmail)
	if err != nil {
		return linking.Calendar{}, graphError("create calendar: find the existing one", err, userEmail)
	}
	for _, cal := range cals {
		if strings.EqualFold(cal.Name, name) {
			return cal, nil
		}
	}
	return linking.Calendar{}, graphError("create calendar", ge, userEmail)
}

// me reads the identity of tok's account from GET /me; errors come as
// they are.
func (c *Client) me(ctx context.Context, tok *oauth2.Token) (linking.Identity, error) {
	var id linking.Identity
	err := c.graphCall(ctx, oauth2.StaticTokenSource(tok), "", func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		u, err := user.Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{
				Select: []string{"id", "userPrincipalName", "mail", "displayName"},
			},
		})
		if err != nil {
			return err
		}
		if u == nil {
			return errors.New("graph answered without the user")
		}
		id = linking.Identity{Subject: deref(u.GetId()), Email: deref(u.GetMail()), Name: deref(u.GetDisplayName())}
		if id.Email == "" {
			id.Email = deref(u.GetUserPrincipalName())
		}
		return nil
	})
	return id, err
}

func toCalendar(cal models.Calendarable) linking.Calendar {
	return linking.Calendar{
		ID:         deref(cal.GetId()),
		Name:       deref(cal.GetName()),
		Primary:    derefBool(cal.GetIsDefaultCalendar()),
		Color:      deref(cal.GetHexColor()),
		CanWrite:   derefBool(cal.GetCanEdit()),
		AccessRole: accessRole(cal),
	}
}

// accessRole names the account's right on a Graph calendar as Google
// does: owner (its own), writer (shared, editable) or reader.
func accessRole(cal models.Calendarable) string {
	switch {
	case derefBool(cal.GetIsRemovable()) || derefBool(cal.GetIsDefaultCalendar()):
		return "owner"
	case derefBool(cal.GetCanEdit()):
		return "writer"
	}
	return "reader"
}

// graphError wraps an error of a Graph call, adding the sentinel or typed
// error of internal/linking it stands for. appOnlyUser is the email of an
// app-only call on /users/{email}, empty for a delegated call on /me.
func graphError(op string, err error, appOnlyUser string) error {
	appOnly := appOnlyUser != ""
	if errors.Is(err, linking.ErrInvalidGrant) || errors.Is(err, linking.ErrInvalidCredentials) || errors.Is(err, linking.ErrMissingScope) {
		// From the token source: already mapped.
		return fmt.Errorf("microsoft: %s: %w", op, err)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return tokenError(op, err)
	}
	err = toGraphError(err)
	var ge *GraphError
	if !errors.As(err, &ge) {
		return fmt.Errorf("microsoft: %s: %w", op, err)
	}
	var sentinel error
	switch {
	case appOnly && unknownUser(ge):
		// The email names nobody in the app's tenant: that user's link is
		// over until the email is fixed.
		return fmt.Errorf("microsoft: %s: %w", op, &linking.UnknownUserError{Email: appOnlyUser, Err: ge})
	case appOnly && ge.StatusCode == http.StatusForbidden:
		// The app is known but may not open this mailbox: no
		// Calendars.ReadWrite application permission, or an application
		// access policy leaves the mailbox out.
		return fmt.Errorf("microsoft: %s: %w", op, &linking.NotDelegatedError{Email: appOnlyUser, Err: ge})
	case appOnly && ge.StatusCode == http.StatusUnauthorized:
		sentinel = linking.ErrInvalidCredentials
	case !appOnly && ge.StatusCode == http.StatusForbidden:
		// A delegated token on the user's own mailbox is refused only when
		// the calendar permission is missing.
		sentinel = linking.ErrMissingScope
	}
	if sentinel != nil {
		return fmt.Errorf("microsoft: %s: %w: %w", op, sentinel, ge)
	}
	return fmt.Errorf("microsoft: %s: %w", op, ge)
}

// unknownUser reports whether Graph answered that the user an app-only
// call names does not exist: 404 ErrorInvalidUser on a mailbox path,
// Request_ResourceNotFound on the directory's /users/{email}.
func unknownUser(ge *GraphError) bool {
	return ge.StatusCode == http.StatusNotFound && (ge.Code == "ErrorInvalidUser" || ge.Code == "Request_ResourceNotFound")
}

// toGraphError turns kiota's error answers into *GraphError; other errors
// are returned as they are.
func toGraphError(err error) error {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		ge := &GraphError{StatusCode: oe.ResponseStatusCode, RetryAfter: retryAfter(oe.ResponseHeaders)}
		if me := oe.GetErrorEscaped(); me != nil {
			ge.Code, ge.Message = deref(me.GetCode()), deref(me.GetMessage())
		}
		return ge
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return &GraphError{StatusCode: ae.ResponseStatusCode, Message: ae.Message, RetryAfter: retryAfter(ae.ResponseHeaders)}
	}
	return err
}

// graphStatus is the HTTP status of a Graph error answer, or 0.
func graphStatus(err error) int {
	var ge *GraphError
	if errors.As(toGraphError(err), &ge) {
		return ge.StatusCode
	}
	return 0
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h *abs.ResponseHeaders) time.Duration {
	if h == nil {
		return 0
	}
	for _, v := range h.Get("Retry-After") {
		if d := parseRetryAfter(v); d > 0 {
			return d
		}
	}
	return 0
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefBool(b *bool) bool {
	return b != nil && *b
}
