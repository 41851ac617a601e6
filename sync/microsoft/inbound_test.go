package microsoft_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/outlook"
	"calsync/sync/engine"
	"calsync/sync/inbound"
	"calsync/sync/microsoft"
)

// june2030 is the window of most reads: June 2030.
var june2030 = inbound.Window{
	From: time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC),
}

// readResult is what one ReadEvents call handed over.
type readResult struct {
	pages   []inbound.Page
	events  map[string]inbound.Event // by id
	removed []string                 // sorted
	next    string
}

// readAll runs ReadEvents and fails on its error or on an id handed
// over twice.
func readAll(t *testing.T, e *env, ts oauth2.TokenSource, cal engine.CalendarRef, cursor string, w inbound.Window) readResult {
	t.Helper()
	res := readResult{events: map[string]inbound.Event{}}
	next, err := e.ms.ReadEvents(e.ctx, ts, cal, cursor, w, func(p inbound.Page) error {
		res.pages = append(res.pages, p)
		return nil
	})
	must(t, err)
	res.next = next
	seen := map[string]bool{}
	for _, p := range res.pages {
		for _, ev := range p.Events {
			if seen[ev.ID] {
				t.Fatalf("event %s handed over twice", ev.ID)
			}
			seen[ev.ID] = true
			res.events[ev.ID] = ev
		}
		for _, id := range p.Removed {
			if seen[id] {
				t.Fatalf("id %s handed over twice", id)
			}
			seen[id] = true
			res.removed = append(res.removed, id)
		}
	}
	slices.Sort(res.removed)
	return res
}

// seed creates an event (Graph JSON) in calendar as user, as Outlook
// would, and returns its id.
func seed(t *testing.T, e *env, user, calendar, event string) string {
	t.Helper()
	raw, err := e.emu.CreateEvent(user, calendar, []byte(event))
	must(t, err)
	var got struct{ ID string }
	must(t, json.Unmarshal(raw, &got))
	if got.ID == "" {
		t.Fatalf("created event without id: %s", raw)
	}
	return got.ID
}

// timedJSON is a single event in zone with extra properties (a JSON
// object's members, or "").
func timedJSON(subject, start, end, zone, extra string) string {
	s := fmt.Sprintf(`{"subject":%q,"start":{"dateTime":%q,"timeZone":%q},"end":{"dateTime":%q,"timeZone":%q}`, subject, start, zone, end, zone)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// occurrencesByDate maps the UTC start date of every instance in the view
// of [from, to) to its id, for instances of type typ.
func (e *calEnv) occurrencesByDate(t *testing.T, from, to time.Time, typ string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, g := range e.instances(t, from, to) {
		if g.Type == typ {
			out[g.Start.DateTime[:10]] = g.ID
		}
	}
	return out
}

// webLinkOf is the webLink the emulator gives event id of user to Graph
// requests.
func (e *env) webLinkOf(user, id string) string {
	return e.srv.URL + outlook.ControlPrefix + "/users/" + url.PathEscape(user) + "/page?itemid=" + url.QueryEscape(id)
}

// graphCalls counts the logged Graph requests from index from on that
// are exactly line.
func (e *env) graphCalls(from int, line string) int {
	n := 0
	for _, l := range e.graphLogSince(from) {
		if l == line {
			n++
		}
	}
	return n
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func wantEvent(t *testing.T, got map[string]inbound.Event, want inbound.Event) {
	t.Helper()
	ev, ok := got[want.ID]
	if !ok {
		t.Fatalf("no event %s (%q) in the read", want.ID, want.Title)
	}
	// Two-way sync's fields are checked in sync/twoway (slim occurrences
	// carry no change key).
	ev.ETag, ev.Location, ev.Description = "", "", ""
	if ev != want {
		t.Fatalf("event %s:\n got %+v\nwant %+v", want.ID, ev, want)
	}
}

// TestReadEventsExpandsASeriesOverPages reads a series of 250 daily
// occurrences (an exception, a deleted occurrence) in pages of 200.
func TestReadEventsExpandsASeriesOverPages(t *testing.T) {
	e := newCalEnv(t)
	master := seed(t, e.env, e.adele.ID, e.cal.CalendarID, timedJSON("Standup", "2030-06-03T09:00:00", "2030-06-03T09:15:00", "Europe/Berlin",
		`"sensitivity":"private","showAs":"oof","recurrence":{"pattern":{"type":"daily","interval":1},"range":{"type":"numbered","startDate":"2030-06-03","numberOfOccurrences":250,"recurrenceTimeZone":"Europe/Berlin"}}`))
	w := inbound.Window{From: utc(2030, 6, 1, 0, 0), To: utc(2031, 3, 1, 0, 0)}
	occ := e.occurrencesByDate(t, w.From, w.To, "occurrence")
	if len(occ) != 250 {
		t.Fatalf("%d occurrences, want 250", len(occ))
	}
	moved, gone := occ["2030-06-05"], occ["2030-06-06"]
	_, err := e.emu.UpdateEvent(e.adele.ID, moved, []byte(`{"subject":"Standup (moved)","showAs":"tentative","sensitivity":"normal",`+
		`"start":{"dateTime":"2030-06-05T10:00:00","timeZone":"Europe/Berlin"},"end":{"dateTime":"2030-06-05T10:30:00","timeZone":"Europe/Berlin"}}`))
	must(t, err)
	must(t, e.emu.DeleteEvent(e.adele.ID, gone))

	from := e.graphLogLen()
	got := readAll(t, e.env, e.ts, e.cal, "", w)

	// 248 occurrences, the exception and the master: 250 items, two pages.
	if len(got.pages) != 2 {
		t.Fatalf("%d pages, want 2 (maxpagesize 200)", len(got.pages))
	}
	if n := len(got.pages[0].Events) + len(got.pages[0].Removed); n < 199 || n > 200 {
		t.Fatalf("first page holds %d items, want 200 less the master", n)
	}
	if len(got.events) != 249 || len(got.removed) != 0 {
		t.Fatalf("%d events and %d removed, want 249 and 0", len(got.events), len(got.removed))
	}
	if _, ok := got.events[master]; ok {
		t.Fatal("the series master is handed over as an event")
	}
	if _, ok := got.events[gone]; ok {
		t.Fatal("the deleted occurrence is handed over")
	}
	link := e.webLinkOf(e.adele.ID, master)
	// CEST: 09:00 Berlin is 07:00 UTC; CET from 27 October: 08:00 UTC.
	wantEvent(t, got.events, inbound.Event{ID: occ["2030-06-04"], SeriesID: master, Title: "Standup",
		Start: utc(2030, 6, 4, 7, 0), End: utc(2030, 6, 4, 7, 15), Private: true, ShowAs: inbound.ShowOutOfOffice, WebLink: link})
	wantEvent(t, got.events, inbound.Event{ID: occ["2030-12-02"], SeriesID: master, Title: "Standup",
		Start: utc(2030, 12, 2, 8, 0), End: utc(2030, 12, 2, 8, 15), Private: true, ShowAs: inbound.ShowOutOfOffice, WebLink: link})
	wantEvent(t, got.events, inbound.Event{ID: moved, SeriesID: master, Title: "Standup (moved)",
		Start: utc(2030, 6, 5, 8, 0), End: utc(2030, 6, 5, 8, 30), ShowAs: inbound.ShowTentative, Tentative: true, WebLink: e.webLinkOf(e.adele.ID, moved)})

	base := "/graph/v1.0/me/calendars/" + e.cal.CalendarID
	if n := e.graphCalls(from, "GET "+base+"/calendarView/delta()"); n != 2 {
		t.Fatalf("%d delta requests, want 2: %v", n, e.graphLogSince(from))
	}
	if n := e.graphCalls(from, "GET "+base+"/events/"+master); n != 1 {
		t.Fatalf("the master was read %d times, want once: %v", n, e.graphLogSince(from))
	}
	u, err := url.Parse(got.next)
	if err != nil || u.Scheme+"://"+u.Host != e.srv.URL || u.Path != base+"/calendarView/delta()" || u.Query().Get("$deltatoken") == "" {
		t.Fatalf("cursor %q, want the absolute deltaLink", got.next)
	}
}

// TestReadEventsMapsEvents checks the mapping of single events, all-day
// events and series, privacy, availability and Calsync's own events.
func TestReadEventsMapsEvents(t *testing.T) {
	e := newCalEnv(t)
	user, cal := e.adele.ID, e.cal.CalendarID
	ids := map[string]string{}
	for _, s := range []struct{ name, json string }{
		{"timed", timedJSON("Dentist", "2030-06-10T09:00:00", "2030-06-10T10:30:00", "America/New_York", "")},
		{"windows zone", timedJSON("Call", "2030-06-11T09:00:00", "2030-06-11T09:30:00", "Pacific Standard Time", `"showAs":"busy"`)},
		{"all-day", timedJSON("Conference", "2030-06-12T00:00:00", "2030-06-14T00:00:00", "America/New_York", `"isAllDay":true,"showAs":"free"`)},
		{"private", timedJSON("Doctor", "2030-06-15T08:00:00", "2030-06-15T09:00:00", "UTC", `"sensitivity":"private"`)},
		{"confidential", timedJSON("Review", "2030-06-15T10:00:00", "2030-06-15T11:00:00", "UTC", `"sensitivity":"confidential","showAs":"workingElsewhere"`)},
		{"personal", timedJSON("Errand", "2030-06-15T12:00:00", "2030-06-15T13:00:00", "UTC", `"sensitivity":"personal","showAs":"unknown"`)},
		{"oof", timedJSON("Holiday", "2030-06-16T00:00:00", "2030-06-18T00:00:00", "UTC", `"isAllDay":true,"showAs":"oof"`)},
		{"tentative", timedJSON("Maybe", "2030-06-19T14:00:00", "2030-06-19T15:00:00", "UTC", `"showAs":"tentative"`)},
		{"foreign tag", timedJSON("Other app", "2030-06-20T14:00:00", "2030-06-20T15:00:00", "UTC",
			`"singleValueExtendedProperties":[{"id":"String {00020329-0000-0000-c000-000000000046} Name calsync","value":"1"}]`)},
		{"all-day series", timedJSON("Site day", "2030-06-21T00:00:00", "2030-06-22T00:00:00", "Europe/Berlin",
			`"isAllDay":true,"recurrence":{"pattern":{"type":"weekly","interval":1,"daysOfWeek":["friday"]},"range":{"type":"numbered","startDate":"2030-06-21","numberOfOccurrences":2,"recurrenceTimeZone":"Europe/Berlin"}}`)},
	} {
		ids[s.name] = seed(t, e.env, user, cal, s.json)
	}
	// Calsync's own: a single event and a series (tagged, through Apply).
	single := booking(t, 1)
	series := booking(t, 2)
	series.RRule = "FREQ=DAILY;COUNT=3"
	res := e.mustApply(t, create(single), create(series))
	ownSingle, ownSeries := res[0].Remote.ID, res[1].Remote.ID

	from := e.graphLogLen()
	got := readAll(t, e.env, e.ts, e.cal, "", june2030)
	if len(got.pages) != 1 || len(got.removed) != 0 {
		t.Fatalf("%d pages, %d removed; want 1 and 0", len(got.pages), len(got.removed))
	}
	link := func(id string) string { return e.webLinkOf(user, id) }
	wantEvent(t, got.events, inbound.Event{ID: ids["timed"], Title: "Dentist", Start: utc(2030, 6, 10, 13, 0), End: utc(2030, 6, 10, 14, 30),
		ShowAs: inbound.ShowBusy, WebLink: link(ids["timed"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["windows zone"], Title: "Call", Start: utc(2030, 6, 11, 16, 0), End: utc(2030, 6, 11, 16, 30),
		ShowAs: inbound.ShowBusy, WebLink: link(ids["windows zone"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["all-day"], Title: "Conference", Start: utc(2030, 6, 12, 0, 0), End: utc(2030, 6, 14, 0, 0),
		AllDay: true, ShowAs: inbound.ShowFree, WebLink: link(ids["all-day"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["private"], Title: "Doctor", Start: utc(2030, 6, 15, 8, 0), End: utc(2030, 6, 15, 9, 0),
		Private: true, ShowAs: inbound.ShowBusy, WebLink: link(ids["private"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["confidential"], Title: "Review", Start: utc(2030, 6, 15, 10, 0), End: utc(2030, 6, 15, 11, 0),
		Private: true, ShowAs: inbound.ShowWorkingElsewhere, WebLink: link(ids["confidential"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["personal"], Title: "Errand", Start: utc(2030, 6, 15, 12, 0), End: utc(2030, 6, 15, 13, 0),
		ShowAs: inbound.ShowBusy, WebLink: link(ids["personal"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["oof"], Title: "Holiday", Start: utc(2030, 6, 16, 0, 0), End: utc(2030, 6, 18, 0, 0),
		AllDay: true, ShowAs: inbound.ShowOutOfOffice, WebLink: link(ids["oof"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["tentative"], Title: "Maybe", Start: utc(2030, 6, 19, 14, 0), End: utc(2030, 6, 19, 15, 0),
		ShowAs: inbound.ShowTentative, Tentative: true, WebLink: link(ids["tentative"])})
	wantEvent(t, got.events, inbound.Event{ID: ids["foreign tag"], Title: "Other app", Start: utc(2030, 6, 20, 14, 0), End: utc(2030, 6, 20, 15, 0),
		ShowAs: inbound.ShowBusy, WebLink: link(ids["foreign tag"])})
	// Booking 1: 10:00 London (BST) on 3 June.
	wantEvent(t, got.events, inbound.Event{ID: ownSingle, Title: "Booking 1", Start: utc(2030, 6, 3, 9, 0), End: utc(2030, 6, 3, 10, 0),
		ShowAs: inbound.ShowBusy, WebLink: link(ownSingle), Owned: true})

	siteDays := e.occurrencesByDate(t, june2030.From, june2030.To, "occurrence")
	for _, day := range []int{21, 28} {
		id := siteDays[fmt.Sprintf("2030-06-%02d", day)]
		wantEvent(t, got.events, inbound.Event{ID: id, SeriesID: ids["all-day series"], Title: "Site day",
			Start: utc(2030, 6, day, 0, 0), End: utc(2030, 6, day+1, 0, 0), AllDay: true, ShowAs: inbound.ShowBusy, WebLink: link(ids["all-day series"])})
	}
	// Booking 2 daily at 11:00 London, three times.
	var own []inbound.Event
	for _, ev := range got.events {
		if ev.SeriesID == ownSeries {
			own = append(own, ev)
		}
	}
	slices.SortFunc(own, func(a, b inbound.Event) int { return a.Start.Compare(b.Start) })
	if len(own) != 3 {
		t.Fatalf("%d occurrences of Calsync's series, want 3", len(own))
	}
	for i, ev := range own {
		start := utc(2030, 6, 3+i, 10, 0)
		if ev.Title != "Booking 2" || !ev.Owned || !ev.Start.Equal(start) || !ev.End.Equal(start.Add(time.Hour)) || ev.ShowAs != inbound.ShowBusy || ev.WebLink != link(ownSeries) {
			t.Fatalf("occurrence %d of Calsync's series = %+v", i, ev)
		}
	}
	// 10 single events and instances of the series: 9 + 2 + 1 + 3.
	if len(got.events) != 15 {
		t.Fatalf("%d events, want 15: %+v", len(got.events), got.events)
	}
	if _, ok := got.events[ids["all-day series"]]; ok {
		t.Fatal("a series master is handed over as an event")
	}
	// Calsync's tagged events are listed once, each master read once.
	base := "/graph/v1.0/me/calendars/" + e.cal.CalendarID
	if n := e.graphCalls(from, "GET "+base+"/events"); n != 1 {
		t.Fatalf("tagged events listed %d times, want once: %v", n, e.graphLogSince(from))
	}
	if n := e.graphCalls(from, "GET "+base+"/events/"+ownSeries) + e.graphCalls(from, "GET "+base+"/events/"+ids["all-day series"]); n != 2 {
		t.Fatalf("masters read %d times, want 2: %v", n, e.graphLogSince(from))
	}
}

// TestReadEventsIncremental reads the changes since a full read.
func TestReadEventsIncremental(t *testing.T) {
	e := newCalEnv(t)
	user, cal := e.adele.ID, e.cal.CalendarID
	lunch := seed(t, e.env, user, cal, timedJSON("Lunch", "2030-06-10T12:00:00", "2030-06-10T13:00:00", "UTC", ""))
	gym := seed(t, e.env, user, cal, timedJSON("Gym", "2030-06-11T18:00:00", "2030-06-11T19:00:00", "UTC", ""))
	master := seed(t, e.env, user, cal, timedJSON("Weekly", "2030-06-03T15:00:00", "2030-06-03T16:00:00", "UTC",
		`"showAs":"free","recurrence":{"pattern":{"type":"weekly","interval":1,"daysOfWeek":["monday"]},"range":{"type":"numbered","startDate":"2030-06-03","numberOfOccurrences":4,"recurrenceTimeZone":"UTC"}}`))
	occ := e.occurrencesByDate(t, june2030.From, june2030.To, "occurrence")

	first := readAll(t, e.env, e.ts, e.cal, "", june2030)
	if len(first.events) != 6 {
		t.Fatalf("full read: %d events, want 6", len(first.events))
	}

	dentist := seed(t, e.env, user, cal, timedJSON("Dentist", "2030-06-12T09:00:00", "2030-06-12T10:00:00", "UTC", `"sensitivity":"private"`))
	_, err := e.emu.UpdateEvent(user, lunch, []byte(`{"subject":"Team lunch","showAs":"tentative"}`))
	must(t, err)
	must(t, e.emu.DeleteEvent(user, gym))
	must(t, e.emu.DeleteEvent(user, occ["2030-06-10"]))
	_, err = e.emu.UpdateEvent(user, occ["2030-06-17"], []byte(`{"start":{"dateTime":"2030-06-17T16:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-06-17T17:00:00","timeZone":"UTC"}}`))
	must(t, err)

	from := e.graphLogLen()
	got := readAll(t, e.env, e.ts, e.cal, first.next, inbound.Window{})
	if len(got.pages) != 1 || len(got.events) != 3 {
		t.Fatalf("incremental read: %d pages, events %+v; want 1 page with 3 events", len(got.pages), got.events)
	}
	wantEvent(t, got.events, inbound.Event{ID: dentist, Title: "Dentist", Start: utc(2030, 6, 12, 9, 0), End: utc(2030, 6, 12, 10, 0),
		Private: true, ShowAs: inbound.ShowBusy, WebLink: e.webLinkOf(user, dentist)})
	wantEvent(t, got.events, inbound.Event{ID: lunch, Title: "Team lunch", Start: utc(2030, 6, 10, 12, 0), End: utc(2030, 6, 10, 13, 0),
		ShowAs: inbound.ShowTentative, Tentative: true, WebLink: e.webLinkOf(user, lunch)})
	moved := occ["2030-06-17"]
	wantEvent(t, got.events, inbound.Event{ID: moved, SeriesID: master, Title: "Weekly", Start: utc(2030, 6, 17, 16, 0), End: utc(2030, 6, 17, 17, 0),
		ShowAs: inbound.ShowFree, WebLink: e.webLinkOf(user, moved)})
	wantRemoved := []string{gym, occ["2030-06-10"]}
	slices.Sort(wantRemoved)
	if !slices.Equal(got.removed, wantRemoved) {
		t.Fatalf("removed %v, want %v (Gym and the deleted occurrence)", got.removed, wantRemoved)
	}
	// The cursor is followed as it is, with no window.
	if log := e.graphLogSince(from); len(log) == 0 || log[0] != "GET /graph/v1.0/me/calendars/"+cal+"/calendarView/delta()" {
		t.Fatalf("requests %v, want the deltaLink first", log)
	}
	if got.next == "" || got.next == first.next {
		t.Fatalf("cursor %q after %q, want a new deltaLink", got.next, first.next)
	}

	// Nothing changed since: one empty page and a new cursor.
	again := readAll(t, e.env, e.ts, e.cal, got.next, inbound.Window{})
	if len(again.pages) != 1 || len(again.events) != 0 || len(again.removed) != 0 || again.next == "" {
		t.Fatalf("read without changes: %+v", again)
	}

	// Deleting the series removes its remaining instances.
	must(t, e.emu.DeleteEvent(user, master))
	gone := readAll(t, e.env, e.ts, e.cal, again.next, inbound.Window{})
	wantGone := []string{master, occ["2030-06-03"], moved, occ["2030-06-24"]}
	slices.Sort(wantGone)
	if len(gone.events) != 0 || !slices.Equal(gone.removed, wantGone) {
		t.Fatalf("after deleting the series: events %+v, removed %v; want removed %v", gone.events, gone.removed, wantGone)
	}
}

func TestReadEventsExpiredCursor(t *testing.T) {
	e := newCalEnv(t)
	seed(t, e.env, e.adele.ID, e.cal.CalendarID, timedJSON("Lunch", "2030-06-10T12:00:00", "2030-06-10T13:00:00", "UTC", ""))
	first := readAll(t, e.env, e.ts, e.cal, "", june2030)
	n, err := e.emu.ExpireDeltaTokens(e.adele.ID)
	must(t, err)
	if n == 0 {
		t.Fatal("no delta token to expire")
	}
	called := false
	next, err := e.ms.ReadEvents(e.ctx, e.ts, e.cal, first.next, inbound.Window{}, func(inbound.Page) error {
		called = true
		return nil
	})
	if !errors.Is(err, inbound.ErrCursorExpired) || next != "" || called {
		t.Fatalf("ReadEvents(expired cursor) = %q, %v (page handed over: %v); want ErrCursorExpired", next, err, called)
	}
	for _, s := range sentinels() {
		if errors.Is(err, s) {
			t.Fatalf("err = %v also wraps %v", err, s)
		}
	}
	var ge *microsoft.GraphError
	if !errors.As(err, &ge) || ge.StatusCode != http.StatusGone || ge.Code != "SyncStateNotFound" {
		t.Fatalf("err = %v, want Graph's 410 SyncStateNotFound reachable", err)
	}
	// A full read starts over.
	if again := readAll(t, e.env, e.ts, e.cal, "", june2030); len(again.events) != 1 {
		t.Fatalf("full read after expiry: %d events, want 1", len(again.events))
	}
}

func TestReadEventsFailures(t *testing.T) {
	e := newCalEnv(t)
	seed(t, e.env, e.adele.ID, e.cal.CalendarID, timedJSON("Lunch", "2030-06-10T12:00:00", "2030-06-10T13:00:00", "UTC", ""))
	nop := func(inbound.Page) error { return nil }

	// A full read needs a window; nothing is sent.
	from := e.graphLogLen()
	_, err := e.ms.ReadEvents(e.ctx, e.ts, e.cal, "", inbound.Window{}, nop)
	if !errors.Is(err, engine.ErrInvalid) || e.graphLogLen() != from {
		t.Fatalf("full read without a window = %v after %d requests, want ErrInvalid and none", err, e.graphLogLen()-from)
	}

	// Throttled.
	delta := "/graph/v1.0/me/calendars/" + e.cal.CalendarID + "/calendarView/delta"
	e.faults.Add(emucore.Fault{Method: "GET", PathPrefix: delta, Status: 429, RetryAfter: 7, Count: 1})
	_, err = e.ms.ReadEvents(e.ctx, e.ts, e.cal, "", june2030, nop)
	wantRateLimited(t, "throttled read", err, 7*time.Second)

	// A calendar Adele does not have (Megan's).
	_, err = e.ms.ReadEvents(e.ctx, e.ts, engine.CalendarRef{CalendarID: e.megan.Calendars[0].ID}, "", june2030, nop)
	wantSentinel(t, "read of an unknown calendar", err, engine.ErrNotFound)

	// An error of each stops the read and comes back as it is.
	stop := errors.New("stop here")
	pages := 0
	_, err = e.ms.ReadEvents(e.ctx, e.ts, e.cal, "", june2030, func(inbound.Page) error {
		pages++
		return stop
	})
	if err != stop || pages != 1 {
		t.Fatalf("ReadEvents = %v after %d pages, want the handler's error after 1", err, pages)
	}
}

// TestReadEventsAppOnly reads Megan's calendar with an app-only token.
func TestReadEventsAppOnly(t *testing.T) {
	e := newEnv(t)
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, webID, []string{"Calendars.ReadWrite"}))
	const megan = "megan@contoso.example"
	ts, err := e.ms.ServiceTokenSource(e.ctx, linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "contoso.example"}, megan)
	must(t, err)
	cal := engine.CalendarRef{UserEmail: megan, CalendarID: e.megan.Calendars[0].ID}
	single := seed(t, e, e.megan.ID, "default", timedJSON("Visit", "2030-06-10T12:00:00", "2030-06-10T13:00:00", "UTC", `"showAs":"oof"`))
	master := seed(t, e, e.megan.ID, "default", timedJSON("Daily", "2030-06-03T07:00:00", "2030-06-03T07:30:00", "UTC",
		`"sensitivity":"confidential","recurrence":{"pattern":{"type":"daily","interval":1},"range":{"type":"numbered","startDate":"2030-06-03","numberOfOccurrences":2,"recurrenceTimeZone":"UTC"}}`))

	from := e.graphLogLen()
	got := readAll(t, e, ts, cal, "", june2030)
	if len(got.events) != 3 {
		t.Fatalf("%d events, want 3: %+v", len(got.events), got.events)
	}
	wantEvent(t, got.events, inbound.Event{ID: single, Title: "Visit", Start: utc(2030, 6, 10, 12, 0), End: utc(2030, 6, 10, 13, 0),
		ShowAs: inbound.ShowOutOfOffice, WebLink: e.webLinkOf(e.megan.ID, single)})
	for _, ev := range got.events {
		if ev.ID != single && (ev.SeriesID != master || ev.Title != "Daily" || !ev.Private || ev.ShowAs != inbound.ShowBusy) {
			t.Fatalf("occurrence %+v, want Daily's (private, busy)", ev)
		}
	}
	log := e.graphLogSince(from)
	for _, line := range log {
		if !strings.HasPrefix(line, "GET /graph/v1.0/users/"+megan+"/calendars/"+cal.CalendarID+"/") {
			t.Fatalf("request %q, want one on Megan's calendar under /users/{email}", line)
		}
	}
	if len(log) != 3 { // delta, tagged events, the master
		t.Fatalf("requests %v, want 3", log)
	}
	if _, err := e.ms.ReadEvents(e.ctx, ts, cal, got.next, inbound.Window{}, func(inbound.Page) error { return nil }); err != nil {
		t.Fatalf("incremental app-only read: %v", err)
	}
}

// hook is a webhook receiver: it answers Graph's validation requests
// (unless told otherwise) and collects notifications.
type hook struct {
	srv *httptest.Server

	mu        sync.Mutex
	validated []string // paths of validation requests
	refuse    bool     // answer validations 500
	wrongEcho bool     // answer validations with another token
	notes     chan hookNote
}

type hookNote struct {
	Path           string
	SubscriptionID string `json:"subscriptionId"`
	ChangeType     string `json:"changeType"`
	ClientState    string `json:"clientState"`
	LifecycleEvent string `json:"lifecycleEvent"`
	ResourceData   struct {
		ID string `json:"id"`
	} `json:"resourceData"`
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{notes: make(chan hookNote, 32)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			h.mu.Lock()
			h.validated = append(h.validated, r.URL.Path)
			refuse, wrong := h.refuse, h.wrongEcho
			h.mu.Unlock()
			switch {
			case refuse:
				http.Error(w, "no", http.StatusInternalServerError)
			case wrong:
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "not the token")
			default:
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, tok)
			}
			return
		}
		var body struct{ Value []hookNote }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, n := range body.Value {
			n.Path = r.URL.Path
			h.notes <- n
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) validatedPaths() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.validated)
}

// next waits for a notification.
func (h *hook) next(t *testing.T) hookNote {
	t.Helper()
	select {
	case n := <-h.notes:
		return n
	case <-time.After(15 * time.Second):
		t.Fatal("no notification within 15 s")
		return hookNote{}
	}
}

// newWebhookEnv is a calEnv whose emulator accepts http webhooks on
// loopback (the httptest receivers): the emulator newEnv made is
// swapped for one with AllowInsecureWebhooks and the same state.
func newWebhookEnv(t *testing.T) *calEnv {
	t.Helper()
	e := newEnv(t)
	snap, err := e.emu.Snapshot()
	must(t, err)
	old := e.emu
	e.emu = outlook.New(outlook.Options{Faults: e.faults, AllowInsecureWebhooks: true})
	must(t, e.emu.Restore(snap))
	old.Close()
	g := e.mustLink(e.app, "adele@contoso.example")
	c, err := e.emu.CreateCalendar(e.adele.ID, "Calsync")
	must(t, err)
	return &calEnv{env: e, grant: g, ts: e.ms.TokenSource(e.ctx, e.app, g.Token), cal: engine.CalendarRef{CalendarID: c.ID}}
}

// subscription is the emulator's record of subscription id.
func (e *env) subscription(t *testing.T, id string) (outlook.Subscription, bool) {
	t.Helper()
	for _, s := range e.emu.Subscriptions() {
		if s.ID == id {
			return s, true
		}
	}
	return outlook.Subscription{}, false
}

func TestWatchSubscribesAndIsNotified(t *testing.T) {
	e := newWebhookEnv(t)
	h := newHook(t)
	expiry := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	ch, err := e.ms.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{
		ID: "ignored", URL: h.srv.URL + "/notify", LifecycleURL: h.srv.URL + "/lifecycle", Token: "secret-state", Expiry: expiry,
	})
	must(t, err)
	if ch.ID == "" || ch.ResourceID != "" || !ch.Expiry.Equal(expiry) {
		t.Fatalf("channel %+v, want Graph's subscription id and expiry %s", ch, expiry)
	}
	if got := h.validatedPaths(); !slices.Equal(got, []string{"/notify", "/lifecycle"}) {
		t.Fatalf("validation requests to %v, want /notify and /lifecycle", got)
	}
	s, ok := e.subscription(t, ch.ID)
	if !ok {
		t.Fatalf("the emulator has no subscription %s", ch.ID)
	}
	if s.Resource != "me/calendars/"+e.cal.CalendarID+"/events" || s.ChangeType != "created,updated,deleted" || s.ClientState != "secret-state" ||
		s.NotificationURL != h.srv.URL+"/notify" || s.LifecycleNotificationURL != h.srv.URL+"/lifecycle" || !s.Expiration.Equal(expiry) ||
		s.CalendarID != e.cal.CalendarID || s.UserID != e.adele.ID {
		t.Fatalf("subscription %+v", s)
	}

	id := seed(t, e.env, e.adele.ID, e.cal.CalendarID, timedJSON("Lunch", "2030-06-10T12:00:00", "2030-06-10T13:00:00", "UTC", ""))
	n := h.next(t)
	if n.Path != "/notify" || n.SubscriptionID != ch.ID || n.ClientState != "secret-state" || n.ChangeType != "created" || n.ResourceData.ID != id {
		t.Fatalf("notification %+v, want created %s with the client state", n, id)
	}
	must(t, e.emu.SendLifecycleEvent(ch.ID, outlook.LifecycleReauthorizationRequired))
	n = h.next(t)
	if n.Path != "/lifecycle" || n.SubscriptionID != ch.ID || n.LifecycleEvent != "reauthorizationRequired" || n.ClientState != "secret-state" {
		t.Fatalf("lifecycle notification %+v", n)
	}
}

func TestWatchCapsTheExpiry(t *testing.T) {
	e := newWebhookEnv(t)
	h := newHook(t)
	before := time.Now()
	ch, err := e.ms.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{URL: h.srv.URL + "/notify", Token: "t", Expiry: before.Add(30 * 24 * time.Hour)})
	must(t, err)
	// 10,070 minutes less the 5-minute margin.
	lo, hi := before.Add(10065*time.Minute-time.Second), time.Now().Add(10065*time.Minute)
	if ch.Expiry.Before(lo) || ch.Expiry.After(hi) {
		t.Fatalf("expiry %s, want about %s", ch.Expiry, lo)
	}
	if got := h.validatedPaths(); !slices.Equal(got, []string{"/notify"}) {
		t.Fatalf("validation requests to %v, want /notify only", got)
	}
	s, _ := e.subscription(t, ch.ID)
	if s.LifecycleNotificationURL != "" {
		t.Fatalf("lifecycle URL %q, want none", s.LifecycleNotificationURL)
	}
	// A zero expiry asks for the longest.
	ch2, err := e.ms.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{URL: h.srv.URL + "/notify"})
	must(t, err)
	if ch2.Expiry.Before(lo) || ch2.Expiry.After(time.Now().Add(10065*time.Minute)) {
		t.Fatalf("expiry %s for a zero request, want about %s", ch2.Expiry, lo)
	}
}

func TestRenewAndUnwatch(t *testing.T) {
	e := newWebhookEnv(t)
	h := newHook(t)
	ch, err := e.ms.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{URL: h.srv.URL + "/notify", Token: "t", Expiry: time.Now().Add(time.Hour)})
	must(t, err)

	later := time.Now().Add(50 * time.Hour).UTC().Truncate(time.Second)
	renewed, err := e.ms.Renew(e.ctx, e.ts, e.cal, ch, later)
	must(t, err)
	if renewed.ID != ch.ID || !renewed.Expiry.Equal(later) {
		t.Fatalf("renewed %+v, want %s until %s", renewed, ch.ID, later)
	}
	if s, _ := e.subscription(t, ch.ID); !s.Expiration.Equal(later) {
		t.Fatalf("the emulator's subscription expires %s, want %s", s.Expiration, later)
	}
	// Beyond Graph's limit: capped.
	capped, err := e.ms.Renew(e.ctx, e.ts, e.cal, ch, time.Now().Add(365*24*time.Hour))
	must(t, err)
	if d := time.Until(capped.Expiry); d < 10064*time.Minute || d > 10065*time.Minute {
		t.Fatalf("capped renewal ends in %s, want about 10065 minutes", d)
	}

	must(t, e.ms.Unwatch(e.ctx, e.ts, e.cal, ch))
	if _, ok := e.subscription(t, ch.ID); ok {
		t.Fatal("the subscription survived Unwatch")
	}
	must(t, e.ms.Unwatch(e.ctx, e.ts, e.cal, ch))
	_, err = e.ms.Renew(e.ctx, e.ts, e.cal, ch, later)
	wantSentinel(t, "renewal of a deleted subscription", err, engine.ErrNotFound)

	// One Graph removed itself.
	ch3, err := e.ms.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{URL: h.srv.URL + "/notify", Expiry: time.Now().Add(time.Hour)})
	must(t, err)
	must(t, e.emu.SendLifecycleEvent(ch3.ID, outlook.LifecycleSubscriptionRemoved))
	_, err = e.ms.Renew(e.ctx, e.ts, e.cal, ch3, later)
	wantSentinel(t, "renewal of a removed subscription", err, engine.ErrNotFound)
	must(t, e.ms.Unwatch(e.ctx, e.ts, e.cal, ch3))
}

func TestWatchRefusedWebhooks(t *testing.T) {
	e := newWebhookEnv(t)
	h := newHook(t)
	req := inbound.WatchRequest{URL: h.srv.URL + "/notify", Token: "t", Expiry: time.Now().Add(time.Hour)}

	h.mu.Lock()
	h.refuse = true
	h.mu.Unlock()
	_, err := e.ms.Watch(e.ctx, e.ts, e.cal, req)
	if !errors.Is(err, inbound.ErrWebhookRefused) {
		t.Fatalf("Watch with a failing handshake = %v, want ErrWebhookRefused", err)
	}
	var ge *microsoft.GraphError
	if !errors.As(err, &ge) || ge.StatusCode != http.StatusBadRequest || ge.Code != "ValidationError" {
		t.Fatalf("err = %v, want Graph's 400 ValidationError reachable", err)
	}

	h.mu.Lock()
	h.refuse, h.wrongEcho = false, true
	h.mu.Unlock()
	if _, err := e.ms.Watch(e.ctx, e.ts, e.cal, req); !errors.Is(err, inbound.ErrWebhookRefused) {
		t.Fatalf("Watch with a wrong echo = %v, want ErrWebhookRefused", err)
	}
	if subs := e.emu.Subscriptions(); len(subs) != 0 {
		t.Fatalf("subscriptions %+v after refused handshakes", subs)
	}

	// Not an http(s) URL: refused before anything is sent.
	from := e.graphLogLen()
	if _, err := e.ms.Watch(e.ctx, e.ts, e.cal, inbound.WatchRequest{URL: "ftp://calsync.test/notify"}); !errors.Is(err, inbound.ErrWebhookRefused) || e.graphLogLen() != from {
		t.Fatalf("Watch(ftp) = %v, want ErrWebhookRefused without a request", err)
	}

	// Graph wants https: plain http is refused where it is not allowed.
	plain := newCalEnv(t)
	_, err = plain.ms.Watch(plain.ctx, plain.ts, plain.cal, req)
	if !errors.Is(err, inbound.ErrWebhookRefused) {
		t.Fatalf("Watch(http) = %v, want ErrWebhookRefused", err)
	}
}

func TestWatchAppOnly(t *testing.T) {
	e := newWebhookEnv(t)
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, webID, []string{"Calendars.ReadWrite"}))
	const megan = "megan@contoso.example"
	ts, err := e.ms.ServiceTokenSource(e.ctx, linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "contoso.example"}, megan)
	must(t, err)
	cal := engine.CalendarRef{UserEmail: megan, CalendarID: e.megan.Calendars[0].ID}
	h := newHook(t)
	ch, err := e.ms.Watch(e.ctx, ts, cal, inbound.WatchRequest{URL: h.srv.URL + "/notify", Token: "app", Expiry: time.Now().Add(time.Hour)})
	must(t, err)
	s, ok := e.subscription(t, ch.ID)
	if !ok || s.Resource != "users/"+megan+"/calendars/"+cal.CalendarID+"/events" || s.UserID != e.megan.ID || s.ApplicationID != webID {
		t.Fatalf("subscription %+v, want one on Megan's calendar", s)
	}
	id := seed(t, e.env, e.megan.ID, "default", timedJSON("Visit", "2030-06-10T12:00:00", "2030-06-10T13:00:00", "UTC", ""))
	if n := h.next(t); n.SubscriptionID != ch.ID || n.ClientState != "app" || n.ResourceData.ID != id {
		t.Fatalf("notification %+v", n)
	}
	later := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	r, err := e.ms.Renew(e.ctx, ts, cal, ch, later)
	must(t, err)
	if !r.Expiry.Equal(later) {
		t.Fatalf("renewed until %s, want %s", r.Expiry, later)
	}
	must(t, e.ms.Unwatch(e.ctx, ts, cal, ch))
	if _, ok := e.subscription(t, ch.ID); ok {
		t.Fatal("the subscription survived Unwatch")
	}
}
