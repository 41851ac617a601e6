package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"calsync/ent"
	"calsync/internal/auth"
	"calsync/internal/domain"
	"calsync/internal/scheduling"
	"calsync/internal/viewer"
)

// GQLError is one GraphQL error as the client sees it.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e GQLError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Response is a GraphQL response.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
	Status int             `json:"-"`
}

// Client talks GraphQL to the test server as one user.
type Client struct {
	URL    string
	HTTP   *http.Client
	CSRF   string
	Bearer string
}

// Anonymous returns a client with a cookie jar and no credentials.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{URL: e.Server.URL + "/graphql", HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// Do sends one operation.
func (c *Client) Do(t testing.TB, query string, vars map[string]any) Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.CSRF != "" {
		req.Header.Set(auth.CSRFHeader, c.CSRF)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("graphql request: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("graphql response (status %d) is not JSON: %s", res.StatusCode, raw)
	}
	out.Status = res.StatusCode
	return out
}

// MustDo sends an operation, fails on any error and decodes data into v.
func (c *Client) MustDo(t testing.TB, query string, vars map[string]any, v any) {
	t.Helper()
	r := c.Do(t, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("graphql errors: %+v\nquery: %s", r.Errors, query)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatalf("decode data: %v: %s", err, r.Data)
		}
	}
}

// SignIn signs in through the API and returns the client with its session.
func (e *Env) SignIn(t testing.TB, email, password string) *Client {
	t.Helper()
	c := e.Anonymous()
	var out struct {
		SignIn struct {
			Viewer struct {
				CsrfToken string `json:"csrfToken"`
			} `json:"viewer"`
		} `json:"signIn"`
	}
	c.MustDo(t, `mutation($e:String!,$p:String!){signIn(input:{email:$e,password:$p}){viewer{csrfToken}}}`,
		map[string]any{"e": email, "p": password}, &out)
	c.CSRF = out.SignIn.Viewer.CsrfToken
	return c
}

// Org is a seeded organization with one user per role.
type Org struct {
	ID          int
	Admin       *ent.User
	Scheduler   *ent.User
	Fieldworker *ent.User
	// Fieldworker2 hosts nothing by default.
	Fieldworker2 *ent.User
	Status       *ent.BookingStatus
	// Cancelled is the organization's cancellation status (removes events).
	Cancelled *ent.BookingStatus
	Type      *ent.BookingType
	Booking   *ent.Booking
	Password  string
}

// Password is every seeded user's password.
const Password = "correct horse battery staple"

var hashed = func() string { h, _ := auth.HashPassword(Password); return h }()

// SeedOrg creates an organization with an admin, a scheduler, two
// fieldworkers, a status ("Confirmed"), the default cancellation status
// ("Cancelled"), a type and one booking hosted by the first fieldworker.
func (e *Env) SeedOrg(t testing.TB, slug string) Org {
	t.Helper()
	ctx := viewer.AllTenantsContext(context.Background())
	db := e.App.Client()
	org, err := db.Organization.Create().SetName("Org " + slug).SetSlug(slug).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx = viewer.SystemContext(context.Background(), org.ID)
	o := Org{ID: org.ID, Password: Password}
	mk := func(name string, role viewer.Role) *ent.User {
		u, err := db.User.Create().SetName(name).SetEmail(fmt.Sprintf("%s@%s.test", name, slug)).
			SetRole(role).SetPasswordHash(hashed).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	o.Admin = mk("admin", viewer.RoleAdmin)
	o.Scheduler = mk("scheduler", viewer.RoleScheduler)
	o.Fieldworker = mk("fieldworker", viewer.RoleFieldworker)
	o.Fieldworker2 = mk("fieldworker2", viewer.RoleFieldworker)
	for _, p := range domain.Providers {
		if err := db.ProviderConfig.Create().SetProvider(p).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if o.Status, err = db.BookingStatus.Create().SetName("Confirmed").SetPushToCalendar(true).SetDeleteFromCalendar(true).Save(ctx); err != nil {
		t.Fatal(err)
	}
	if o.Cancelled, err = scheduling.CreateCancellationStatus(ctx, db, org.ID); err != nil {
		t.Fatal(err)
	}
	if o.Type, err = db.BookingType.Create().SetName("Appointment").Save(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	if o.Booking, err = db.Booking.Create().SetTitle("Visit " + slug).SetStartAt(start).SetEndAt(start.Add(time.Hour)).
		SetStatus(o.Status).SetType(o.Type).AddHosts(o.Fieldworker).Save(ctx); err != nil {
		t.Fatal(err)
	}
	return o
}
