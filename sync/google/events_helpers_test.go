package google_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"

	"calsync/internal/linking"
	"calsync/sync/engine"
	"calsync/sync/google"
)

// org is the organization id Calsync's events carry as TagOwner.
const org = "org-acme"

// eventsEnv is an emulator with a linked account and an adapter whose
// transport also keeps the bodies of batch requests.
type eventsEnv struct {
	*env
	ctx    context.Context
	grant  *linking.Grant
	ts     oauth2.TokenSource
	cal    engine.CalendarRef
	client *google.Client // through tap
	tap    *batchTap
}

// newEventsEnv links personal and targets its primary calendar.
func newEventsEnv(t *testing.T) *eventsEnv {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	g := e.link(personal)
	tap := &batchTap{base: e.rec}
	return &eventsEnv{
		env:   e,
		ctx:   ctx,
		grant: g,
		ts:    e.client.TokenSource(ctx, e.app, g.Token),
		cal:   engine.CalendarRef{CalendarID: personal},
		client: google.New(google.Options{
			Endpoints:  google.EmulatorEndpoints(e.srv.URL),
			HTTPClient: &http.Client{Transport: tap, Timeout: 10 * time.Second},
		}),
		tap: tap,
	}
}

// apply runs Apply and checks that it returned one result per op.
func (e *eventsEnv) apply(ops ...engine.Op) []engine.Result {
	e.t.Helper()
	res, err := e.client.Apply(e.ctx, e.ts, e.cal, ops)
	if err != nil {
		e.t.Fatalf("apply: %v", err)
	}
	if len(res) != len(ops) {
		e.t.Fatalf("apply: %d results for %d ops", len(res), len(ops))
	}
	return res
}

// create applies one create and fails the test unless it succeeds.
func (e *eventsEnv) create(ev engine.Event) engine.Remote {
	e.t.Helper()
	r := e.apply(engine.Op{Kind: engine.OpCreate, Event: ev})[0]
	if r.Err != nil {
		e.t.Fatalf("create %s: %v", ev.Key, r.Err)
	}
	return r.Remote
}

// stored returns the events the emulator holds in the calendar (with
// tombstones when showDeleted), keyed by id.
func (e *eventsEnv) stored(showDeleted bool) map[string]*calendar.Event {
	e.t.Helper()
	raw, err := e.emu.CalendarEvents(e.cal.CalendarID, showDeleted)
	if err != nil {
		e.t.Fatalf("calendar events: %v", err)
	}
	out := map[string]*calendar.Event{}
	for _, r := range raw {
		ev := &calendar.Event{}
		if err := json.Unmarshal(r, ev); err != nil {
			e.t.Fatalf("decode stored event: %v", err)
		}
		out[ev.Id] = ev
	}
	return out
}

// storedEvent returns one stored event or fails.
func (e *eventsEnv) storedEvent(id string) *calendar.Event {
	e.t.Helper()
	ev := e.stored(true)[id]
	if ev == nil {
		e.t.Fatalf("event %s is not in the emulator", id)
	}
	return ev
}

// service is a plain SDK client for reading what the adapter does not
// (occurrences of a series).
func (e *eventsEnv) service() *calendar.Service {
	e.t.Helper()
	svc, err := calendar.NewService(e.ctx, option.WithEndpoint(google.EmulatorEndpoints(e.srv.URL).CalendarAPI),
		option.WithHTTPClient(oauth2.NewClient(e.ctx, e.ts)))
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

// key is a valid event key (base32hex, 26 characters, like the engine's).
func key(n int) string { return fmt.Sprintf("cs%024d", n) }

// tags are the tags of Calsync's event for booking n.
func tags(n int) map[string]string {
	return map[string]string{engine.TagOwner: org, engine.TagBooking: fmt.Sprintf("booking-%d", n), engine.TagUser: "user-7"}
}

// timedEvent is a one-hour event of booking n on 2030-03-04 in New York.
func timedEvent(n int) engine.Event {
	ny := mustZone("America/New_York")
	start := time.Date(2030, 3, 4, 9, 30, 0, 0, ny).Add(time.Duration(n) * 24 * time.Hour)
	return engine.Event{
		Key:         key(n),
		Title:       fmt.Sprintf("Boiler service #%d", n),
		Description: "Status: confirmed\nFieldworker: Ann\nAmount: 120.00 USD",
		Location:    "1 Main St, Springfield",
		Start:       start,
		End:         start.Add(time.Hour),
		TimeZone:    "America/New_York",
		Busy:        true,
		Tags:        tags(n),
	}
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// asUser inserts an event into the calendar as its owner (the Google
// Calendar UI), with id when not empty.
func (e *eventsEnv) asUser(id string, extra map[string]any) {
	e.t.Helper()
	body := map[string]any{
		"summary": "Dentist",
		"start":   map[string]any{"dateTime": "2030-03-05T08:00:00Z"},
		"end":     map[string]any{"dateTime": "2030-03-05T09:00:00Z"},
	}
	if id != "" {
		body["id"] = id
	}
	for k, v := range extra {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	if _, err := e.emu.InsertEventAsUser(e.cal.CalendarID, b); err != nil {
		e.t.Fatalf("insert as user: %v", err)
	}
}

// engineSentinels are the errors Results wrap.
var engineSentinels = []error{engine.ErrNotFound, engine.ErrPrecondition, engine.ErrUnauthorized,
	engine.ErrForbidden, engine.ErrInvalid}

// wantEngineErr fails unless err wraps want (a sentinel, or nil for a
// plain transient error) and no other sentinel, is no rate-limit error
// and carries the google: prefix.
func wantEngineErr(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", want)
	}
	if !strings.HasPrefix(err.Error(), "google: ") {
		t.Errorf("err = %q, want the google: prefix", err)
	}
	if _, ok := engine.RetryAfter(err); ok {
		t.Fatalf("err = %v is a rate-limit error, want %v", err, want)
	}
	for _, s := range engineSentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Fatalf("err = %v: errors.Is(%q) = %v", err, s, got)
		}
	}
}

// wantRateLimited fails unless err is a rate-limit error asking for wait.
func wantRateLimited(t *testing.T, err error, wait time.Duration) {
	t.Helper()
	got, ok := engine.RetryAfter(err)
	if !ok {
		t.Fatalf("err = %v, want a rate-limit error", err)
	}
	if got != wait {
		t.Fatalf("RetryAfter = %s, want %s (err %v)", got, wait, err)
	}
	if !strings.HasPrefix(err.Error(), "google: ") {
		t.Errorf("err = %q, want the google: prefix", err)
	}
	for _, s := range engineSentinels {
		if errors.Is(err, s) {
			t.Fatalf("rate-limit err = %v also wraps %q", err, s)
		}
	}
}

// batchTap passes requests on to base and keeps the inner request lines
// of every batch request.
type batchTap struct {
	base http.RoundTripper
	// rewrite, when set, may change a request before it is sent.
	rewrite func(*http.Request)

	mu      sync.Mutex
	batches [][]string // per batch request: "METHOD target" of each part
}

func (b *batchTap) RoundTrip(req *http.Request) (*http.Response, error) {
	if b.rewrite != nil {
		b.rewrite(req)
	}
	if req.Method == http.MethodPost && strings.Contains(req.URL.Path, "/batch/") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		lines, err := innerRequestLines(req.Header.Get("Content-Type"), body)
		if err != nil {
			return nil, fmt.Errorf("batch tap: %w", err)
		}
		b.mu.Lock()
		b.batches = append(b.batches, lines)
		b.mu.Unlock()
	}
	return b.base.RoundTrip(req)
}

// seen returns the recorded batch requests.
func (b *batchTap) seen() [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]string(nil), b.batches...)
}

// innerRequestLines parses a batch body, checking every part's headers,
// and returns each inner request's line without the protocol.
func innerRequestLines(contentType string, body []byte) ([]string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/mixed" {
		return nil, fmt.Errorf("content type %q", contentType)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var lines []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return nil, err
		}
		if p.Header.Get("Content-Type") != "application/http" || p.Header.Get("Content-ID") == "" {
			return nil, fmt.Errorf("part headers %v", p.Header)
		}
		raw, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		line, _, _ := strings.Cut(string(raw), "\r\n")
		lines = append(lines, strings.TrimSuffix(line, " HTTP/1.1"))
	}
}
