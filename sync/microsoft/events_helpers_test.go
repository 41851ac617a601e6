package microsoft_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/engine"
	"calsync/sync/microsoft"
)

// calEnv is an env with Adele linked (delegated) and a secondary calendar
// "Calsync" for her events.
type calEnv struct {
	*env
	grant *linking.Grant
	ts    oauth2.TokenSource // renews on expiry and on Graph's 401
	cal   engine.CalendarRef
}

func newCalEnv(t *testing.T) *calEnv {
	t.Helper()
	e := newEnv(t)
	g := e.mustLink(e.app, "adele@contoso.example")
	c, err := e.emu.CreateCalendar(e.adele.ID, "Calsync")
	must(t, err)
	return &calEnv{env: e, grant: g, ts: e.ms.TokenSource(e.ctx, e.app, g.Token), cal: engine.CalendarRef{CalendarID: c.ID}}
}

// graphEvent is an event as the emulator stores it (Graph's JSON, times
// in UTC).
type graphEvent struct {
	ID            string
	Type          string
	Subject       string
	ChangeKey     string
	TransactionID *string
	Body          struct{ ContentType, Content string }
	Start, End    struct{ DateTime, TimeZone string }
	// OriginalStartTimeZone is the zone the event was created in.
	OriginalStartTimeZone      string
	IsAllDay                   bool
	Location                   struct{ DisplayName string }
	ShowAs                     string
	IsReminderOn               bool
	ReminderMinutesBeforeStart int
	Attendees                  []json.RawMessage
	Recurrence                 *struct {
		Pattern struct {
			Type           string
			Interval       int
			Month          int
			DayOfMonth     int
			DaysOfWeek     []string
			FirstDayOfWeek string
			Index          string
		}
		Range struct {
			Type                string
			StartDate           string
			EndDate             string
			RecurrenceTimeZone  string
			NumberOfOccurrences int
		}
	}
	SingleValueExtendedProperties []struct{ ID, Value string }
	OriginalStart                 string
}

// tags are the event's Calsync tags, by key.
func (g graphEvent) tags() map[string]string {
	out := map[string]string{}
	for _, p := range g.SingleValueExtendedProperties {
		for _, k := range []string{engine.TagOwner, engine.TagBooking, engine.TagUser} {
			if strings.EqualFold(p.ID, microsoft.TagPropertyID(k)) {
				out[k] = p.Value
			}
		}
	}
	return out
}

func decodeEvents(t *testing.T, raws []json.RawMessage) []graphEvent {
	t.Helper()
	out := make([]graphEvent, 0, len(raws))
	for _, raw := range raws {
		var g graphEvent
		must(t, json.Unmarshal(raw, &g))
		out = append(out, g)
	}
	return out
}

// stored lists what the calendar holds: single events and series masters.
func (e *calEnv) stored(t *testing.T) []graphEvent {
	t.Helper()
	raws, err := e.emu.ListEvents(e.adele.ID, e.cal.CalendarID)
	must(t, err)
	return decodeEvents(t, raws)
}

// storedByID is stored, by event id.
func (e *calEnv) storedByID(t *testing.T) map[string]graphEvent {
	t.Helper()
	out := map[string]graphEvent{}
	for _, g := range e.stored(t) {
		out[g.ID] = g
	}
	return out
}

// storedOne is the stored event with id.
func (e *calEnv) storedOne(t *testing.T, id string) graphEvent {
	t.Helper()
	g, ok := e.storedByID(t)[id]
	if !ok {
		t.Fatalf("the calendar does not hold event %s", id)
	}
	return g
}

// instances lists what the calendar shows in [from, to).
func (e *calEnv) instances(t *testing.T, from, to time.Time) []graphEvent {
	t.Helper()
	raws, err := e.emu.ListInstances(e.adele.ID, e.cal.CalendarID, from, to)
	must(t, err)
	return decodeEvents(t, raws)
}

// apply runs Apply and fails on its error return.
func (e *calEnv) apply(t *testing.T, ops ...engine.Op) []engine.Result {
	t.Helper()
	res, err := e.ms.Apply(e.ctx, e.ts, e.cal, ops)
	must(t, err)
	if len(res) != len(ops) {
		t.Fatalf("%d results for %d ops", len(res), len(ops))
	}
	return res
}

// mustApply runs Apply and fails unless every op succeeded.
func (e *calEnv) mustApply(t *testing.T, ops ...engine.Op) []engine.Result {
	t.Helper()
	res := e.apply(t, ops...)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("op %d (%v): %v", i, ops[i].Kind, r.Err)
		}
	}
	return res
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	must(t, err)
	return loc
}

// testKey is a stable event key, shaped like the engine's.
func testKey(n int) string { return fmt.Sprintf("k%025d", n) }

// booking is a timed one-hour event for booking n of organization 1, on
// 2030-06-03 (a Monday) at 09:00 in Europe/London.
func booking(t *testing.T, n int) engine.Event {
	t.Helper()
	loc := mustLoad(t, "Europe/London")
	start := time.Date(2030, 6, 3, 9, 0, 0, 0, loc).Add(time.Duration(n) * time.Hour)
	return engine.Event{
		Key:         testKey(n),
		Title:       fmt.Sprintf("Booking %d", n),
		Description: fmt.Sprintf("Status: Confirmed\nCustomer: Customer %d", n),
		Location:    fmt.Sprintf("%d Main Street", n),
		Start:       start,
		End:         start.Add(time.Hour),
		TimeZone:    "Europe/London",
		Busy:        true,
		Tags:        map[string]string{engine.TagOwner: "1", engine.TagBooking: fmt.Sprint(n), engine.TagUser: "7"},
	}
}

func create(ev engine.Event) engine.Op { return engine.Op{Kind: engine.OpCreate, Event: ev} }

func update(r engine.Remote, ev engine.Event, fields ...engine.Field) engine.Op {
	return engine.Op{Kind: engine.OpUpdate, Event: ev, RemoteID: r.ID, ETag: r.ETag, Fields: fields}
}

func del(r engine.Remote) engine.Op {
	return engine.Op{Kind: engine.OpDelete, RemoteID: r.ID, ETag: r.ETag}
}

// sentinels are the engine's sentinel errors.
func sentinels() []error {
	return []error{engine.ErrNotFound, engine.ErrPrecondition, engine.ErrUnauthorized, engine.ErrForbidden, engine.ErrInvalid}
}

// wantSentinel fails unless err wraps want and no other sentinel, and
// is no rate limit.
func wantSentinel(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
	for _, s := range sentinels() {
		if s != want && errors.Is(err, s) {
			t.Fatalf("%s: err = %v also wraps %v", what, err, s)
		}
	}
	if _, ok := engine.RetryAfter(err); ok {
		t.Fatalf("%s: err = %v is a rate limit", what, err)
	}
	if !strings.HasPrefix(err.Error(), "microsoft: ") {
		t.Fatalf("%s: err = %q lacks the package prefix", what, err)
	}
}

// wantPlain fails unless err is an error that wraps no sentinel and is no
// rate limit (a transient failure).
func wantPlain(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	for _, s := range sentinels() {
		if errors.Is(err, s) {
			t.Fatalf("%s: err = %v wraps %v, want a plain error", what, err, s)
		}
	}
	if _, ok := engine.RetryAfter(err); ok {
		t.Fatalf("%s: err = %v is a rate limit, want a plain error", what, err)
	}
}

// wantRateLimited fails unless err is a rate limit asking for wait.
func wantRateLimited(t *testing.T, what string, err error, wait time.Duration) {
	t.Helper()
	d, ok := engine.RetryAfter(err)
	if !ok || d != wait {
		t.Fatalf("%s: err = %v, want a rate limit of %s", what, err, wait)
	}
	for _, s := range sentinels() {
		if errors.Is(err, s) {
			t.Fatalf("%s: err = %v also wraps %v", what, err, s)
		}
	}
}

// ids are the ids of results.
func ids(res []engine.Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Remote.ID
	}
	return out
}

// sortedIDs are the ids of remotes, sorted.
func sortedIDs(rs []engine.Remote) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	slices.Sort(out)
	return out
}

// graphLogSince returns the Graph requests logged from index n on.
func (e *env) graphLogSince(n int) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.graphLog[n:])
}

func (e *env) graphLogLen() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.graphLog)
}
