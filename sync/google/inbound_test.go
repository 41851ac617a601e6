package google_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
	"calsync/sync/engine"
	"calsync/sync/google"
	"calsync/sync/inbound"
)

// inboundEnv is an emulator that accepts http webhooks on loopback
// addresses, with personal linked and its primary calendar as cal.
type inboundEnv struct {
	*env
	ctx context.Context
	ts  oauth2.TokenSource
	cal engine.CalendarRef
}

// march is the window most tests read.
var march = inbound.Window{
	From: time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC),
}

func newInboundEnv(t *testing.T) *inboundEnv {
	t.Helper()
	clock := emucore.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	faults := emucore.NewFaults(1)
	emu := gcal.New(gcal.Options{Clock: clock, Faults: faults, AllowInsecureWebhooks: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	rec := &recorder{base: srv.Client().Transport}
	e := &env{
		t: t, emu: emu, srv: srv, clock: clock, faults: faults, rec: rec,
		client: google.New(google.Options{
			Endpoints:  google.EmulatorEndpoints(srv.URL),
			HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second},
		}),
		app:     linking.OAuthApp{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL},
		account: map[string]gcal.Account{},
	}
	if err := emu.RegisterClient(gcal.Client{ClientID: clientID, ClientSecret: clientSecret, Name: "Calsync",
		RedirectURIs: []string{redirectURL}}); err != nil {
		t.Fatalf("register client: %v", err)
	}
	a, err := emu.CreateAccount(gcal.Account{Email: personal, Name: "Ann Example", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	e.account[personal] = a
	ctx := context.Background()
	g := e.link(personal)
	return &inboundEnv{env: e, ctx: ctx, ts: e.client.TokenSource(ctx, e.app, g.Token),
		cal: engine.CalendarRef{CalendarID: personal}}
}

// insert creates an event as the calendar's owner and returns its id.
func (e *inboundEnv) insert(body map[string]any) string {
	e.t.Helper()
	b, _ := json.Marshal(body)
	raw, err := e.emu.InsertEventAsUser(e.cal.CalendarID, b)
	if err != nil {
		e.t.Fatalf("insert %s: %v", b, err)
	}
	var got struct{ ID string }
	if err := json.Unmarshal(raw, &got); err != nil || got.ID == "" {
		e.t.Fatalf("inserted event without id: %s", raw)
	}
	return got.ID
}

// patch patches an event or an occurrence as the owner.
func (e *inboundEnv) patch(id string, body map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	if _, err := e.emu.PatchEventAsUser(e.cal.CalendarID, id, b); err != nil {
		e.t.Fatalf("patch %s: %v", id, err)
	}
}

// remove deletes an event or cancels an occurrence as the owner.
func (e *inboundEnv) remove(id string) {
	e.t.Helper()
	if err := e.emu.DeleteEventAsUser(e.cal.CalendarID, id); err != nil {
		e.t.Fatalf("delete %s: %v", id, err)
	}
}

// lists are the events.list requests of ReadEvents.
func (e *inboundEnv) lists() []*url.URL {
	var out []*url.URL
	for _, u := range e.rec.requests("/google/calendar/v3/calendars/" + personal + "/events") {
		if u.Query().Has("singleEvents") {
			out = append(out, u)
		}
	}
	return out
}

// timed is an event body between two RFC 3339 instants.
func timed(summary, start, end string, extra map[string]any) map[string]any {
	b := map[string]any{"summary": summary, "start": map[string]any{"dateTime": start}, "end": map[string]any{"dateTime": end}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// readResult is what one ReadEvents call produced.
type readResult struct {
	pages []inbound.Page
	next  string
}

// events is every event of the pages by id (failing on a repeated id).
func (r readResult) events(t *testing.T) map[string]inbound.Event {
	t.Helper()
	out := map[string]inbound.Event{}
	for _, p := range r.pages {
		for _, ev := range p.Events {
			if _, dup := out[ev.ID]; dup {
				t.Fatalf("event %s read twice", ev.ID)
			}
			out[ev.ID] = ev
		}
	}
	return out
}

// removed is every removed id of the pages, sorted.
func (r readResult) removed() []string {
	var out []string
	for _, p := range r.pages {
		out = append(out, p.Removed...)
	}
	slices.Sort(out)
	return out
}

// read runs ReadEvents and fails the test on an error.
func (e *inboundEnv) read(cursor string, w inbound.Window) readResult {
	e.t.Helper()
	var r readResult
	next, err := e.client.ReadEvents(e.ctx, e.ts, e.cal, cursor, w, func(p inbound.Page) error {
		r.pages = append(r.pages, p)
		return nil
	})
	if err != nil {
		e.t.Fatalf("read events (cursor %q): %v", cursor, err)
	}
	if next == "" {
		e.t.Fatal("read events returned no cursor")
	}
	r.next = next
	return r
}

// wantEvent compares an event with want, WebLink aside (checked to be
// an absolute link to the event at the emulator).
func (e *inboundEnv) wantEvent(t *testing.T, got map[string]inbound.Event, want inbound.Event) {
	t.Helper()
	ev, ok := got[want.ID]
	if !ok {
		t.Errorf("event %s (%s) was not read", want.ID, want.Title)
		return
	}
	if !strings.HasPrefix(ev.WebLink, e.srv.URL+"/") || !strings.HasSuffix(ev.WebLink, want.ID) {
		t.Errorf("event %s: WebLink = %q, want an absolute link to it", want.ID, ev.WebLink)
	}
	ev.WebLink = ""
	if ev.ETag == "" {
		t.Errorf("event %s: no etag", want.ID)
	}
	ev.ETag, ev.Location, ev.Description = "", "", ""
	if ev != want {
		t.Errorf("event %s:\n got %+v\nwant %+v", want.ID, ev, want)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestReadEventsFullReadMapsEvents(t *testing.T) {
	e := newInboundEnv(t)
	e.cal.UserEmail = personal // service-account mode: quotaUser on every call

	dentist := e.insert(timed("Dentist", "2030-03-05T09:00:00+01:00", "2030-03-05T10:00:00+01:00", nil))
	holiday := e.insert(map[string]any{"summary": "Holiday",
		"start": map[string]any{"date": "2030-03-10"}, "end": map[string]any{"date": "2030-03-12"}})
	private := e.insert(timed("Therapy", "2030-03-06T12:00:00Z", "2030-03-06T13:00:00Z", map[string]any{"visibility": "private"}))
	confidential := e.insert(timed("Lawyer", "2030-03-07T12:00:00Z", "2030-03-07T13:00:00Z", map[string]any{"visibility": "confidential"}))
	public := e.insert(timed("Meetup", "2030-03-07T18:00:00Z", "2030-03-07T20:00:00Z", map[string]any{"visibility": "public"}))
	free := e.insert(timed("Focus reading", "2030-03-08T08:00:00Z", "2030-03-08T10:00:00Z", map[string]any{"transparency": "transparent"}))
	ooo := e.insert(timed("Out of office", "2030-03-11T00:00:00Z", "2030-03-13T00:00:00Z", map[string]any{"eventType": "outOfOffice"}))
	wfh := e.insert(timed("Home", "2030-03-14T08:00:00Z", "2030-03-14T17:00:00Z",
		map[string]any{"eventType": "workingLocation", "transparency": "transparent"}))
	tentative := e.insert(timed("Maybe lunch", "2030-03-15T12:00:00Z", "2030-03-15T13:00:00Z", map[string]any{"status": "tentative"}))
	straddling := e.insert(timed("Night shift", "2030-02-28T22:00:00Z", "2030-03-01T06:00:00Z", nil))
	e.insert(timed("Too early", "2030-02-27T08:00:00Z", "2030-02-27T09:00:00Z", nil))
	e.insert(timed("Too late", "2030-04-01T00:00:00Z", "2030-04-01T01:00:00Z", nil))
	e.remove(e.insert(timed("Cancelled call", "2030-03-20T08:00:00Z", "2030-03-20T09:00:00Z", nil)))

	// A weekly series: the second occurrence moved and renamed, the
	// third cancelled.
	series := e.insert(map[string]any{"summary": "Standup",
		"start":      map[string]any{"dateTime": "2030-03-06T10:00:00Z", "timeZone": "UTC"},
		"end":        map[string]any{"dateTime": "2030-03-06T10:30:00Z", "timeZone": "UTC"},
		"recurrence": []string{"RRULE:FREQ=WEEKLY;COUNT=4"}})
	moved := series + "_20300313T100000Z"
	e.patch(moved, map[string]any{"summary": "Standup (moved)",
		"start": map[string]any{"dateTime": "2030-03-14T15:00:00Z"}, "end": map[string]any{"dateTime": "2030-03-14T15:45:00Z"}})
	e.remove(series + "_20300320T100000Z")

	// Calsync's own event, tagged.
	owned := timedEvent(1) // 2030-03-05 09:30 New York
	if r := (&eventsEnv{env: e.env, ctx: e.ctx, ts: e.ts, cal: e.cal, client: e.client}).apply(
		engine.Op{Kind: engine.OpCreate, Event: owned})[0]; r.Err != nil {
		t.Fatalf("create Calsync's event: %v", r.Err)
	}

	r := e.read("", march)
	if len(r.pages) != 1 {
		t.Fatalf("%d pages, want 1", len(r.pages))
	}
	if len(r.removed()) != 0 {
		t.Errorf("a full read removed %v", r.removed())
	}
	got := r.events(t)
	busy := func(id, title, start, end string) inbound.Event {
		return inbound.Event{ID: id, Title: title, Start: utc(start), End: utc(end), ShowAs: inbound.ShowBusy}
	}
	want := []inbound.Event{
		busy(dentist, "Dentist", "2030-03-05T08:00:00Z", "2030-03-05T09:00:00Z"),
		{ID: holiday, Title: "Holiday", Start: utc("2030-03-10T00:00:00Z"), End: utc("2030-03-12T00:00:00Z"), AllDay: true, ShowAs: inbound.ShowBusy},
		{ID: private, Title: "Therapy", Start: utc("2030-03-06T12:00:00Z"), End: utc("2030-03-06T13:00:00Z"), Private: true, ShowAs: inbound.ShowBusy},
		{ID: confidential, Title: "Lawyer", Start: utc("2030-03-07T12:00:00Z"), End: utc("2030-03-07T13:00:00Z"), Private: true, ShowAs: inbound.ShowBusy},
		busy(public, "Meetup", "2030-03-07T18:00:00Z", "2030-03-07T20:00:00Z"),
		{ID: free, Title: "Focus reading", Start: utc("2030-03-08T08:00:00Z"), End: utc("2030-03-08T10:00:00Z"), ShowAs: inbound.ShowFree},
		{ID: ooo, Title: "Out of office", Start: utc("2030-03-11T00:00:00Z"), End: utc("2030-03-13T00:00:00Z"), ShowAs: inbound.ShowOutOfOffice},
		{ID: wfh, Title: "Home", Start: utc("2030-03-14T08:00:00Z"), End: utc("2030-03-14T17:00:00Z"), ShowAs: inbound.ShowWorkingElsewhere},
		{ID: tentative, Title: "Maybe lunch", Start: utc("2030-03-15T12:00:00Z"), End: utc("2030-03-15T13:00:00Z"), ShowAs: inbound.ShowBusy, Tentative: true},
		busy(straddling, "Night shift", "2030-02-28T22:00:00Z", "2030-03-01T06:00:00Z"),
		{ID: series + "_20300306T100000Z", SeriesID: series, Title: "Standup", Start: utc("2030-03-06T10:00:00Z"), End: utc("2030-03-06T10:30:00Z"), ShowAs: inbound.ShowBusy},
		{ID: moved, SeriesID: series, Title: "Standup (moved)", Start: utc("2030-03-14T15:00:00Z"), End: utc("2030-03-14T15:45:00Z"), ShowAs: inbound.ShowBusy},
		{ID: series + "_20300327T100000Z", SeriesID: series, Title: "Standup", Start: utc("2030-03-27T10:00:00Z"), End: utc("2030-03-27T10:30:00Z"), ShowAs: inbound.ShowBusy},
		{ID: owned.Key, Title: owned.Title, Start: utc("2030-03-05T14:30:00Z"), End: utc("2030-03-05T15:30:00Z"), ShowAs: inbound.ShowBusy, Owned: true},
	}
	for _, w := range want {
		e.wantEvent(t, got, w)
	}
	if len(got) != len(want) {
		var ids []string
		for id, ev := range got {
			ids = append(ids, id+" "+ev.Title)
		}
		slices.Sort(ids)
		t.Errorf("read %d events, want %d: %v", len(got), len(want), ids)
	}

	// The request: one events.list with the window, expansion, no
	// deleted events, the largest page, a partial response and quotaUser.
	lists := e.lists()
	if len(lists) != 1 {
		t.Fatalf("%d events.list requests, want 1", len(lists))
	}
	q := lists[0].Query()
	for k, v := range map[string]string{
		"singleEvents": "true", "showDeleted": "false", "maxResults": "2500",
		"timeMin": "2030-03-01T00:00:00Z", "timeMax": "2030-04-01T00:00:00Z", "quotaUser": personal,
		"fields": "items(id,etag,recurringEventId,summary,location,description,start,end,visibility,transparency,status,htmlLink,eventType,extendedProperties/private),nextPageToken,nextSyncToken",
	} {
		if q.Get(k) != v {
			t.Errorf("query %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("syncToken") || q.Has("pageToken") {
		t.Errorf("a full read sent a sync or page token: %v", q)
	}
}

func TestReadEventsFullReadPages(t *testing.T) {
	e := newInboundEnv(t)
	// 2500 occurrences (the emulator expands at most 2500 per series)
	// plus 600 more: two pages of at most 2500.
	daily := e.insert(map[string]any{"summary": "Daily",
		"start":      map[string]any{"dateTime": "2030-01-01T07:00:00Z", "timeZone": "UTC"},
		"end":        map[string]any{"dateTime": "2030-01-01T07:15:00Z"},
		"recurrence": []string{"RRULE:FREQ=DAILY;COUNT=2500"}})
	evening := e.insert(map[string]any{"summary": "Evening",
		"start":      map[string]any{"dateTime": "2030-01-01T19:00:00Z", "timeZone": "UTC"},
		"end":        map[string]any{"dateTime": "2030-01-01T19:15:00Z"},
		"recurrence": []string{"RRULE:FREQ=DAILY;COUNT=600"}})
	w := inbound.Window{From: time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)}

	r := e.read("", w)
	var sizes []int
	for _, p := range r.pages {
		sizes = append(sizes, len(p.Events))
	}
	if !slices.Equal(sizes, []int{2500, 600}) {
		t.Fatalf("page sizes %v, want [2500 600]", sizes)
	}
	got := r.events(t)
	perSeries := map[string]int{}
	for _, ev := range got {
		perSeries[ev.SeriesID]++
	}
	if perSeries[daily] != 2500 || perSeries[evening] != 600 || len(perSeries) != 2 {
		t.Errorf("occurrences per series %v, want %s:2500 %s:600", perSeries, daily, evening)
	}
	last := got[daily+"_20361104T070000Z"] // the 2500th day
	if last.Start != utc("2036-11-04T07:00:00Z") || last.Title != "Daily" {
		t.Errorf("last occurrence = %+v", last)
	}
	lists := e.lists()
	if len(lists) != 2 || lists[0].Query().Has("pageToken") || lists[1].Query().Get("pageToken") == "" {
		t.Fatalf("requests %v, want a first page and a second with the page token", lists)
	}
	if lists[1].Query().Get("timeMin") != "2029-12-01T00:00:00Z" || lists[1].Query().Get("singleEvents") != "true" {
		t.Errorf("the second page dropped the parameters: %v", lists[1].Query())
	}

	// The cursor from the last page works: nothing changed.
	again := e.read(r.next, w)
	if len(again.events(t)) != 0 || len(again.removed()) != 0 {
		t.Errorf("incremental read after the full read: %d events, removed %v", len(again.events(t)), again.removed())
	}

	// An error from each stops the read at that page.
	stop := errors.New("stop here")
	calls := 0
	next, err := e.client.ReadEvents(e.ctx, e.ts, e.cal, "", w, func(inbound.Page) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || next != "" || calls != 1 {
		t.Errorf("each failing: next %q, err %v, %d calls; want the error after 1 call", next, err, calls)
	}
}

func TestReadEventsIncrementalChanges(t *testing.T) {
	e := newInboundEnv(t)
	kept := e.insert(timed("Kept", "2030-03-04T08:00:00Z", "2030-03-04T09:00:00Z", nil))
	renamed := e.insert(timed("Gym", "2030-03-05T08:00:00Z", "2030-03-05T09:00:00Z", nil))
	deleted := e.insert(timed("Call", "2030-03-06T08:00:00Z", "2030-03-06T09:00:00Z", nil))
	leaving := e.insert(timed("Workshop", "2030-03-07T08:00:00Z", "2030-03-07T09:00:00Z", nil))
	series := e.insert(map[string]any{"summary": "Yoga",
		"start":      map[string]any{"dateTime": "2030-03-04T18:00:00Z", "timeZone": "UTC"},
		"end":        map[string]any{"dateTime": "2030-03-04T19:00:00Z"},
		"recurrence": []string{"RRULE:FREQ=WEEKLY;COUNT=3"}})
	dropped := e.insert(map[string]any{"summary": "Choir",
		"start":      map[string]any{"date": "2030-03-02"},
		"end":        map[string]any{"date": "2030-03-03"},
		"recurrence": []string{"RRULE:FREQ=WEEKLY;COUNT=3"}})
	full := e.read("", march)
	if n := len(full.events(t)); n != 10 {
		t.Fatalf("full read: %d events, want 10", n)
	}
	if full.events(t)[dropped+"_20300309"].AllDay != true {
		t.Errorf("all-day occurrence: %+v", full.events(t)[dropped+"_20300309"])
	}

	// Nothing changed yet.
	quiet := e.read(full.next, march)
	if len(quiet.events(t)) != 0 || len(quiet.removed()) != 0 {
		t.Fatalf("quiet incremental read: events %v, removed %v", quiet.events(t), quiet.removed())
	}

	added := e.insert(timed("New meeting", "2030-03-12T08:00:00Z", "2030-03-12T09:00:00Z", map[string]any{"visibility": "private"}))
	e.patch(renamed, map[string]any{"summary": "Gym (late)", "transparency": "transparent"})
	e.remove(deleted)
	e.patch(leaving, map[string]any{"start": map[string]any{"dateTime": "2030-05-07T08:00:00Z"},
		"end": map[string]any{"dateTime": "2030-05-07T09:00:00Z"}})
	e.patch(series+"_20300311T180000Z", map[string]any{"start": map[string]any{"dateTime": "2030-03-11T20:00:00Z"},
		"end": map[string]any{"dateTime": "2030-03-11T21:00:00Z"}})
	e.remove(series + "_20300318T180000Z")
	e.remove(dropped) // the whole series

	r := e.read(quiet.next, march)
	if r.next == quiet.next {
		t.Error("the cursor did not move")
	}
	got := r.events(t)
	want := []inbound.Event{
		{ID: added, Title: "New meeting", Start: utc("2030-03-12T08:00:00Z"), End: utc("2030-03-12T09:00:00Z"), Private: true, ShowAs: inbound.ShowBusy},
		{ID: renamed, Title: "Gym (late)", Start: utc("2030-03-05T08:00:00Z"), End: utc("2030-03-05T09:00:00Z"), ShowAs: inbound.ShowFree},
		{ID: series + "_20300311T180000Z", SeriesID: series, Title: "Yoga", Start: utc("2030-03-11T20:00:00Z"), End: utc("2030-03-11T21:00:00Z"), ShowAs: inbound.ShowBusy},
	}
	for _, w := range want {
		e.wantEvent(t, got, w)
	}
	if len(got) != len(want) {
		t.Errorf("incremental read: %d events, want %d: %v", len(got), len(want), got)
	}
	if _, ok := got[kept]; ok {
		t.Error("the unchanged event was read again")
	}
	// Deleted events and cancelled occurrences by id; the event moved
	// out of the window too; a deleted series as its own id (the
	// emulator, like Google, lists the cancelled master, not each
	// occurrence).
	wantRemoved := []string{deleted, leaving, series + "_20300318T180000Z", dropped}
	slices.Sort(wantRemoved)
	if !slices.Equal(r.removed(), wantRemoved) {
		t.Errorf("removed %v, want %v", r.removed(), wantRemoved)
	}

	lists := e.lists()
	q := lists[len(lists)-1].Query()
	if q.Get("syncToken") != quiet.next || q.Get("singleEvents") != "true" || q.Get("maxResults") != "2500" {
		t.Errorf("incremental query %v", q)
	}
	for _, k := range []string{"timeMin", "timeMax", "showDeleted"} {
		if q.Has(k) {
			t.Errorf("incremental read sent %s=%q", k, q.Get(k))
		}
	}

	// Without a window every change is an event.
	open := e.read(quiet.next, inbound.Window{})
	if ev, ok := open.events(t)[leaving]; !ok || ev.Start != utc("2030-05-07T08:00:00Z") {
		t.Errorf("unwindowed incremental read: the moved event = %+v (read %v)", ev, ok)
	}

	// The next read from the new cursor is empty.
	after := e.read(r.next, march)
	if len(after.events(t)) != 0 || len(after.removed()) != 0 {
		t.Errorf("read after the changes: events %v, removed %v", after.events(t), after.removed())
	}
}

func TestReadEventsExpiredCursor(t *testing.T) {
	e := newInboundEnv(t)
	e.insert(timed("Dentist", "2030-03-05T08:00:00Z", "2030-03-05T09:00:00Z", nil))
	first := e.read("", march)

	// Invalidated by the control API.
	ctl := httptest.NewRecorder()
	e.emu.ControlHandler().ServeHTTP(ctl, httptest.NewRequest(http.MethodPost,
		"/calendars/"+url.PathEscape(personal)+"/invalidate-sync-tokens", nil))
	if ctl.Code != http.StatusNoContent {
		t.Fatalf("invalidate sync tokens: %d %s", ctl.Code, ctl.Body)
	}
	calls := 0
	next, err := e.client.ReadEvents(e.ctx, e.ts, e.cal, first.next, march, func(inbound.Page) error { calls++; return nil })
	if !errors.Is(err, inbound.ErrCursorExpired) || next != "" || calls != 0 {
		t.Fatalf("invalidated cursor: next %q, %d pages, err %v; want ErrCursorExpired", next, calls, err)
	}
	if errors.Is(err, engine.ErrNotFound) || !strings.HasPrefix(err.Error(), "google: ") {
		t.Errorf("err = %v, want only ErrCursorExpired with the google: prefix", err)
	}

	// A full read recovers.
	again := e.read("", march)
	if len(again.events(t)) != 1 {
		t.Fatalf("full read after expiry: %v", again.events(t))
	}
	if quiet := e.read(again.next, march); len(quiet.events(t)) != 0 {
		t.Errorf("the new cursor reads %v", quiet.events(t))
	}

	// Expired by age (the emulator's access tokens live an hour by its
	// clock, so the clock moves by seconds only).
	e.emu.SetSyncTokenRetention(time.Second)
	e.clock.Advance(2 * time.Second)
	if _, err := e.client.ReadEvents(e.ctx, e.ts, e.cal, again.next, march, func(inbound.Page) error { return nil }); !errors.Is(err, inbound.ErrCursorExpired) {
		t.Errorf("old cursor: err %v, want ErrCursorExpired", err)
	}

	// A cursor Google cannot read.
	if _, err := e.client.ReadEvents(e.ctx, e.ts, e.cal, "not-a-sync-token", march, func(inbound.Page) error { return nil }); !errors.Is(err, inbound.ErrCursorExpired) {
		t.Errorf("damaged cursor: err %v, want ErrCursorExpired", err)
	}
}

func TestReadEventsErrors(t *testing.T) {
	e := newInboundEnv(t)
	none := func(inbound.Page) error { t.Error("a page was handed over"); return nil }

	missing := e.cal
	missing.CalendarID = "nobody@example.com"
	_, err := e.client.ReadEvents(e.ctx, e.ts, missing, "", march, none)
	wantEngineErr(t, err, engine.ErrNotFound)

	e.fault(emucore.Fault{Status: 429, RetryAfter: 3, Count: 1, PathPrefix: "/google/calendar/v3/"})
	_, err = e.client.ReadEvents(e.ctx, e.ts, e.cal, "", march, none)
	wantRateLimited(t, err, 3*time.Second)

	e.fault(emucore.Fault{Status: 503, Count: 1, PathPrefix: "/google/calendar/v3/"})
	_, err = e.client.ReadEvents(e.ctx, e.ts, e.cal, "", march, none)
	wantEngineErr(t, err, nil)
	if errors.Is(err, inbound.ErrCursorExpired) {
		t.Errorf("503 = %v, want no ErrCursorExpired", err)
	}

	backwards := inbound.Window{From: march.To, To: march.From}
	_, err = e.client.ReadEvents(e.ctx, e.ts, e.cal, "", backwards, none)
	wantEngineErr(t, err, engine.ErrInvalid)

	if n := len(e.rec.requests("/google/calendar/v3/calendars/")); n != 3 {
		t.Errorf("%d events.list requests, want 3 (none for the backwards window)", n)
	}
}

// hook is a webhook receiver on a loopback http address.
type hook struct {
	srv   *httptest.Server
	notes chan http.Header
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{notes: make(chan http.Header, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("notification method %s", r.Method)
		}
		h.notes <- r.Header.Clone()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// next waits for the next notification.
func (h *hook) next(t *testing.T) http.Header {
	t.Helper()
	select {
	case n := <-h.notes:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5 s")
		return nil
	}
}

// quiet fails if a notification arrives within d.
func (h *hook) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case n := <-h.notes:
		t.Fatalf("unexpected notification %v", n)
	case <-time.After(d):
	}
}

func TestWatchDeliversNotificationsUntilUnwatched(t *testing.T) {
	e := newInboundEnv(t)
	e.cal.UserEmail = personal
	h := newHook(t)
	expiry := e.clock.Now().Add(36 * time.Hour).Add(123 * time.Millisecond)

	ch, err := e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "chan-1", URL: h.srv.URL + "/hooks/google", Token: "tok-xyz", Expiry: expiry})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	live := e.emu.Channels()
	if len(live) != 1 {
		t.Fatalf("%d live channels, want 1", len(live))
	}
	want := inbound.Channel{ID: "chan-1", ResourceID: live[0].ResourceID, Expiry: expiry.UTC().Truncate(time.Millisecond)}
	if ch != want || want.ResourceID == "" {
		t.Fatalf("channel = %+v, want %+v", ch, want)
	}
	if live[0].Address != h.srv.URL+"/hooks/google" || live[0].CalendarID != personal || !live[0].Expiration.Equal(want.Expiry) {
		t.Errorf("emulator channel %+v", live[0])
	}

	check := func(n http.Header, state string) {
		t.Helper()
		for k, v := range map[string]string{"X-Goog-Channel-Id": "chan-1", "X-Goog-Channel-Token": "tok-xyz",
			"X-Goog-Resource-Id": ch.ResourceID, "X-Goog-Resource-State": state} {
			if n.Get(k) != v {
				t.Errorf("%s notification: %s = %q, want %q", state, k, n.Get(k), v)
			}
		}
	}
	check(h.next(t), "sync")
	e.insert(timed("Dentist", "2030-03-05T08:00:00Z", "2030-03-05T09:00:00Z", nil))
	check(h.next(t), "exists")

	if err := e.client.Unwatch(e.ctx, e.ts, e.cal, ch); err != nil {
		t.Fatalf("unwatch: %v", err)
	}
	if live := e.emu.Channels(); len(live) != 0 {
		t.Fatalf("channels after unwatch: %+v", live)
	}
	e.insert(timed("Gym", "2030-03-06T08:00:00Z", "2030-03-06T09:00:00Z", nil))
	h.quiet(t, 300*time.Millisecond)

	// Stopping it again is fine.
	if err := e.client.Unwatch(e.ctx, e.ts, e.cal, ch); err != nil {
		t.Fatalf("second unwatch: %v", err)
	}

	for _, u := range append(e.rec.requests("/google/calendar/v3/calendars/"), e.rec.requests("/google/calendar/v3/channels/")...) {
		if u.Query().Get("quotaUser") != personal {
			t.Errorf("%s without quotaUser", u)
		}
	}
	if n := len(e.rec.requests("/google/calendar/v3/channels/stop")); n != 2 {
		t.Errorf("%d channels.stop requests, want 2", n)
	}
}

func TestWatchExpiryAndReuse(t *testing.T) {
	e := newInboundEnv(t)
	h := newHook(t)

	// Google caps the lifetime; the answer's expiry is returned.
	ch, err := e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "long", URL: h.srv.URL, Token: "t", Expiry: e.clock.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	if want := e.clock.Now().Add(30 * 24 * time.Hour); !ch.Expiry.Equal(want) {
		t.Errorf("expiry %s, want the 30-day cap %s", ch.Expiry, want)
	}
	// Without an expiry Google picks one (a week at the emulator).
	short, err := e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "default", URL: h.srv.URL})
	if err != nil {
		t.Fatalf("watch without expiry: %v", err)
	}
	if want := e.clock.Now().Add(7 * 24 * time.Hour); !short.Expiry.Equal(want) || short.ResourceID != ch.ResourceID {
		t.Errorf("channel %+v, want expiry %s and resource %s", short, want, ch.ResourceID)
	}

	// A live channel id cannot be reused: an invalid request, not a
	// refused address.
	_, err = e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "long", URL: h.srv.URL})
	wantEngineErr(t, err, engine.ErrInvalid)
	if errors.Is(err, inbound.ErrWebhookRefused) {
		t.Errorf("duplicate channel id = %v, want no ErrWebhookRefused", err)
	}

	// An expired channel is gone: stopping it is fine.
	brief, err := e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "brief", URL: h.srv.URL, Expiry: e.clock.Now().Add(2 * time.Second)})
	if err != nil {
		t.Fatalf("watch briefly: %v", err)
	}
	e.clock.Advance(3 * time.Second)
	for _, c := range []inbound.Channel{brief, short} {
		if err := e.client.Unwatch(e.ctx, e.ts, e.cal, c); err != nil {
			t.Errorf("unwatch %s: %v", c.ID, err)
		}
	}
	if err := e.client.Unwatch(e.ctx, e.ts, e.cal, ch); err != nil {
		t.Errorf("unwatch: %v", err)
	}
	if live := e.emu.Channels(); len(live) != 0 {
		t.Errorf("channels left: %+v", live)
	}

	// A channel on a calendar the user cannot see.
	other := e.cal
	other.CalendarID = "nobody@example.com"
	_, err = e.client.Watch(e.ctx, e.ts, other, inbound.WatchRequest{ID: "nobody", URL: h.srv.URL})
	wantEngineErr(t, err, engine.ErrNotFound)
}

func TestWatchRefusesInsecureAddress(t *testing.T) {
	e := newInboundEnv(t)
	for _, addr := range []string{"http://hooks.example.com/google", "http://10.1.2.3:8080/google", "not a url"} {
		t.Run(addr, func(t *testing.T) {
			_, err := e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "c1", URL: addr, Token: "t"})
			if !errors.Is(err, inbound.ErrWebhookRefused) {
				t.Fatalf("err = %v, want ErrWebhookRefused", err)
			}
			for _, s := range engineSentinels {
				if errors.Is(err, s) {
					t.Errorf("err = %v also wraps %q", err, s)
				}
			}
			if _, ok := engine.RetryAfter(err); ok {
				t.Errorf("err = %v is a rate-limit error", err)
			}
		})
	}
	if live := e.emu.Channels(); len(live) != 0 {
		t.Errorf("refused watches left channels: %+v", live)
	}
	if n := len(e.rec.requests("/google/calendar/v3/calendars/" + personal + "/events/watch")); n != 3 {
		t.Errorf("%d events.watch requests, want 3", n)
	}
}

func TestRenewIsUnsupported(t *testing.T) {
	e := newInboundEnv(t)
	before := len(e.rec.requests("/"))
	ch := inbound.Channel{ID: "c1", ResourceID: "r1", Expiry: time.Now().Add(time.Hour)}
	got, err := e.client.Renew(e.ctx, e.ts, e.cal, ch, time.Now().Add(48*time.Hour))
	if !errors.Is(err, inbound.ErrRenewUnsupported) {
		t.Fatalf("err = %v, want ErrRenewUnsupported", err)
	}
	if got != (inbound.Channel{}) {
		t.Errorf("channel = %+v, want none", got)
	}
	if after := len(e.rec.requests("/")); after != before {
		t.Errorf("renew made %d requests", after-before)
	}
}

func TestUnwatchNeedsTheChannelIdentifiers(t *testing.T) {
	e := newInboundEnv(t)
	for _, ch := range []inbound.Channel{{ID: "c1"}, {ResourceID: "r1"}} {
		err := e.client.Unwatch(e.ctx, e.ts, e.cal, ch)
		wantEngineErr(t, err, engine.ErrInvalid)
	}
	// A channel of another resource id is not ours to stop: Google
	// answers 404, which is taken as already stopped.
	h := newHook(t)
	ch, err := e.client.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{ID: "c2", URL: h.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.Unwatch(e.ctx, e.ts, e.cal, inbound.Channel{ID: ch.ID, ResourceID: "someone-else"}); err != nil {
		t.Errorf("unwatch with another resource id: %v", err)
	}
	if live := e.emu.Channels(); len(live) != 1 {
		t.Errorf("live channels %+v, want c2 still there", live)
	}
	e.fault(emucore.Fault{Status: 503, Count: 1, PathPrefix: "/google/calendar/v3/channels/"})
	err = e.client.Unwatch(e.ctx, e.ts, e.cal, ch)
	wantEngineErr(t, err, nil)
	if err := e.client.Unwatch(e.ctx, e.ts, e.cal, ch); err != nil {
		t.Errorf("unwatch after the fault: %v", err)
	}
	if live := e.emu.Channels(); len(live) != 0 {
		t.Errorf("live channels %+v, want none", live)
	}
}
