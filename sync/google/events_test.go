package google_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/calendar/v3"

	"calsync/sync/engine"
	"calsync/sync/google"
)

// sansIdentity strips what differs between two copies of the same event
// (ids, etags, timestamps, links) and returns the rest as JSON.
func sansIdentity(t *testing.T, ev *calendar.Event) string {
	t.Helper()
	c := *ev
	c.Id, c.Etag, c.ICalUID, c.Created, c.Updated, c.HtmlLink = "", "", "", "", "", ""
	c.ExtendedProperties = nil
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateRendersTheEventAsGoogleStoresIt(t *testing.T) {
	berlin := mustZone("Europe/Berlin")
	ny := mustZone("America/New_York")

	recurring := timedEvent(1)
	recurring.RRule = "FREQ=WEEKLY;COUNT=4"
	// The second occurrence is removed; given in UTC, sent in the zone.
	recurring.ExDates = []time.Time{recurring.Start.AddDate(0, 0, 7).UTC()}

	allDay := engine.Event{
		Key: key(2), Title: "Site survey", Description: "Customer: Bea", Location: "",
		Start: time.Date(2030, 5, 1, 0, 0, 0, 0, berlin), End: time.Date(2030, 5, 3, 0, 0, 0, 0, berlin),
		TimeZone: "Europe/Berlin", AllDay: true, Busy: false, Tags: tags(2),
		RRule: "FREQ=WEEKLY;COUNT=3", ExDates: []time.Time{time.Date(2030, 5, 8, 0, 0, 0, 0, berlin)},
	}

	cases := []struct {
		name       string
		ev         engine.Event
		start, end calendar.EventDateTime
		recurrence []string
		occurs     []string // start of each occurrence (dateTime or date)
		busy       string
	}{
		{
			name:       "timed weekly with an exdate",
			ev:         recurring,
			start:      calendar.EventDateTime{DateTime: "2030-03-05T09:30:00-05:00", TimeZone: "America/New_York"},
			end:        calendar.EventDateTime{DateTime: "2030-03-05T10:30:00-05:00", TimeZone: "America/New_York"},
			recurrence: []string{"RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;TZID=America/New_York:20300312T093000"},
			// 2030-03-10 is the US switch to daylight saving time.
			occurs: []string{"2030-03-05T09:30:00-05:00", "2030-03-19T09:30:00-04:00", "2030-03-26T09:30:00-04:00"},
			busy:   "opaque",
		},
		{
			name:       "all-day weekly with an exdate",
			ev:         allDay,
			start:      calendar.EventDateTime{Date: "2030-05-01", TimeZone: "Europe/Berlin"},
			end:        calendar.EventDateTime{Date: "2030-05-03", TimeZone: "Europe/Berlin"},
			recurrence: []string{"RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;VALUE=DATE:20300508"},
			occurs:     []string{"2030-05-01", "2030-05-15"},
			busy:       "transparent",
		},
		{
			name:  "single timed in UTC given as instants elsewhere",
			ev:    engine.Event{Key: key(3), Title: "Call", Start: time.Date(2030, 1, 2, 3, 4, 0, 0, ny), End: time.Date(2030, 1, 2, 4, 4, 0, 0, ny), Busy: true, Tags: tags(3)},
			start: calendar.EventDateTime{DateTime: "2030-01-02T08:04:00Z", TimeZone: "UTC"},
			end:   calendar.EventDateTime{DateTime: "2030-01-02T09:04:00Z", TimeZone: "UTC"},
			busy:  "opaque",
		},
	}
	e := newEventsEnv(t)
	svc := e.service()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			got := e.create(tc.ev)
			ev := e.storedEvent(tc.ev.Key)
			if got.ID != tc.ev.Key || got.ETag == "" || got.ETag != ev.Etag || got.ICalUID != ev.ICalUID || got.Cancelled {
				t.Errorf("remote = %+v, stored id %s etag %s", got, ev.Id, ev.Etag)
			}
			if !maps.Equal(got.Tags, tc.ev.Tags) {
				t.Errorf("remote tags = %v, want %v", got.Tags, tc.ev.Tags)
			}
			if ev.Summary != tc.ev.Title || ev.Description != tc.ev.Description || ev.Location != tc.ev.Location {
				t.Errorf("stored summary/description/location = %q/%q/%q", ev.Summary, ev.Description, ev.Location)
			}
			if !sameTime(ev.Start, tc.start) || !sameTime(ev.End, tc.end) {
				t.Errorf("stored start/end = %+v / %+v, want %+v / %+v", *ev.Start, *ev.End, tc.start, tc.end)
			}
			if !slices.Equal(ev.Recurrence, tc.recurrence) {
				t.Errorf("stored recurrence = %q, want %q", ev.Recurrence, tc.recurrence)
			}
			if ev.Transparency != tc.busy {
				t.Errorf("stored transparency = %q, want %q", ev.Transparency, tc.busy)
			}
			if ev.Reminders == nil || !ev.Reminders.UseDefault || len(ev.Reminders.Overrides) != 0 {
				t.Errorf("stored reminders = %+v, want the calendar's defaults", ev.Reminders)
			}
			if len(ev.Attendees) != 0 || ev.Status != "confirmed" {
				t.Errorf("stored attendees %v, status %q", ev.Attendees, ev.Status)
			}
			if ev.ExtendedProperties == nil || !maps.Equal(ev.ExtendedProperties.Private, tc.ev.Tags) || len(ev.ExtendedProperties.Shared) != 0 {
				t.Errorf("stored extended properties = %+v, want private %v", ev.ExtendedProperties, tc.ev.Tags)
			}
			if tc.occurs != nil {
				inst, err := svc.Events.Instances(e.cal.CalendarID, tc.ev.Key).Do()
				if err != nil {
					t.Fatalf("instances: %v", err)
				}
				var starts []string
				for _, o := range inst.Items {
					starts = append(starts, o.Start.DateTime+o.Start.Date)
				}
				if !slices.Equal(starts, tc.occurs) {
					t.Errorf("occurrences = %q, want %q", starts, tc.occurs)
				}
			}
		})
	}
	e.t = t
	// Every write asked Google not to mail anyone.
	for _, u := range e.rec.requests("/google/calendar/v3/calendars/") {
		if strings.HasSuffix(u.Path, "/events") && u.Query().Get("sendUpdates") != "none" {
			t.Errorf("insert %s without sendUpdates=none", u)
		}
	}

	// The same events sent in one batch are stored identically.
	var ops []engine.Op
	for i, tc := range cases {
		ev := tc.ev
		ev.Key = key(100 + i)
		ops = append(ops, engine.Op{Kind: engine.OpCreate, Event: ev})
	}
	for i, r := range e.apply(ops...) {
		if r.Err != nil || r.Remote.ID != key(100+i) {
			t.Fatalf("batch create %d: %+v", i, r)
		}
	}
	if b := e.tap.seen(); len(b) != 1 || len(b[0]) != len(cases) {
		t.Fatalf("batch requests = %q, want one with %d parts", b, len(cases))
	}
	for i, tc := range cases {
		single, batched := e.storedEvent(tc.ev.Key), e.storedEvent(key(100+i))
		if a, b := sansIdentity(t, single), sansIdentity(t, batched); a != b {
			t.Errorf("%s: batched event differs:\n single %s\nbatched %s", tc.name, a, b)
		}
	}
	if b := e.tap.seen()[0]; !strings.HasPrefix(b[0], "POST /google/calendar/v3/calendars/ann@example.com/events?") ||
		!strings.Contains(b[0], "sendUpdates=none") {
		t.Errorf("inner request line = %q", b[0])
	}
}

func TestRetriedCreateKeepsOneEvent(t *testing.T) {
	e := newEventsEnv(t)
	first := e.create(timedEvent(1))

	// A retry (its first attempt landed) keeps the one event and writes
	// the content asked for now: the booking may have changed meanwhile.
	retry := timedEvent(1)
	retry.Title = "changed meanwhile"
	r := e.apply(engine.Op{Kind: engine.OpCreate, Event: retry})[0]
	if r.Err != nil {
		t.Fatalf("retried create: %v", r.Err)
	}
	if r.Remote.ID != first.ID || r.Remote.Tags[engine.TagOwner] != org {
		t.Errorf("retried create = %+v, want %+v", r.Remote, first)
	}
	if got := e.stored(false); len(got) != 1 || got[first.ID].Summary != "changed meanwhile" {
		t.Errorf("after the retried create the calendar holds %d events (%+v)", len(got), got)
	}

	// In a batch too, next to a new event; a key held by an event Calsync
	// did not make is refused.
	e.asUser(key(9), nil)
	res := e.apply(
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(1)},
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(2)},
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(9)},
	)
	if res[0].Err != nil || res[0].Remote.ID != first.ID {
		t.Errorf("batched retry = %+v", res[0])
	}
	if res[1].Err != nil || res[1].Remote.ID != key(2) {
		t.Errorf("batched new create = %+v", res[1])
	}
	wantEngineErr(t, res[2].Err, engine.ErrInvalid)

	stored := e.stored(true)
	if len(stored) != 3 {
		t.Fatalf("stored %d events, want 3", len(stored))
	}
	if ev := stored[key(1)]; ev.Summary != timedEvent(1).Title {
		t.Errorf("retries changed the event: %q", ev.Summary)
	}
	if ev := stored[key(9)]; ev.Summary != "Dentist" || ev.ExtendedProperties != nil {
		t.Errorf("the user's event was touched: %+v", ev)
	}

	// The key of a Calsync event deleted since cannot be used again:
	// the create restores it with the wanted content.
	if r := e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(2)})[0]; r.Err != nil {
		t.Fatalf("delete: %v", r.Err)
	}
	again := timedEvent(2)
	again.Title = "Booked again"
	r = e.apply(engine.Op{Kind: engine.OpCreate, Event: again})[0]
	if r.Err != nil || r.Remote.ID != key(2) || r.Remote.Cancelled {
		t.Fatalf("create over a deleted event = %+v", r)
	}
	if ev := e.storedEvent(key(2)); ev.Status != "confirmed" || ev.Summary != "Booked again" || ev.Etag != r.Remote.ETag {
		t.Errorf("restored event = status %q summary %q etag %s (remote %s)", ev.Status, ev.Summary, ev.Etag, r.Remote.ETag)
	}
	if n := len(e.stored(true)); n != 3 {
		t.Errorf("stored %d events, want 3", n)
	}
}

func TestCreateRefusedBeforeAnyCall(t *testing.T) {
	e := newEventsEnv(t)
	noTag := timedEvent(4)
	delete(noTag.Tags, engine.TagOwner)
	badZone := timedEvent(5)
	badZone.TimeZone = "Mars/Olympus_Mons"
	badKey := timedEvent(6)
	badKey.Key = "Not-A-Key"
	before := len(e.rec.requests("/google/"))
	res := e.apply(
		engine.Op{Kind: engine.OpCreate, Event: noTag},
		engine.Op{Kind: engine.OpCreate, Event: badZone},
		engine.Op{Kind: engine.OpCreate, Event: badKey},
		engine.Op{Kind: engine.OpUpdate, Event: timedEvent(7), RemoteID: key(7), Fields: []engine.Field{"colour"}},
	)
	for i, r := range res {
		wantEngineErr(t, r.Err, engine.ErrInvalid)
		if r.Remote.ID != "" {
			t.Errorf("result %d has a remote: %+v", i, r.Remote)
		}
	}
	if after := len(e.rec.requests("/google/")); after != before {
		t.Errorf("%d requests sent for ops that cannot be sent", after-before)
	}
	if _, err := e.client.Apply(e.ctx, nil, e.cal, []engine.Op{{Kind: engine.OpDelete, RemoteID: key(1)}}); err == nil {
		t.Error("Apply without a token source succeeded")
	}
}

func TestUpdateSendsOnlyTheSelectedFields(t *testing.T) {
	e := newEventsEnv(t)
	ev := timedEvent(1)
	ev.RRule = "FREQ=DAILY;COUNT=3"
	e.create(ev)

	// The user edits the description and sets reminders of their own.
	if _, err := e.emu.PatchEventAsUser(personal, key(1), []byte(`{"description":"gate code 1234",
		"reminders":{"useDefault":false,"overrides":[{"method":"popup","minutes":30}]}}`)); err != nil {
		t.Fatal(err)
	}
	cur, err := e.client.Get(e.ctx, e.ts, e.cal, key(1))
	if err != nil {
		t.Fatal(err)
	}

	want := ev
	want.Title = "Boiler repair"
	want.Description = "Calsync's description, not sent"
	want.Location = "" // cleared
	want.Busy = false  // not sent
	r := e.apply(engine.Op{Kind: engine.OpUpdate, Event: want, RemoteID: key(1), ETag: cur.ETag,
		Fields: []engine.Field{engine.FieldTitle, engine.FieldLocation}})[0]
	if r.Err != nil {
		t.Fatalf("update: %v", r.Err)
	}
	got := e.storedEvent(key(1))
	if r.Remote.ETag != got.Etag || r.Remote.ETag == cur.ETag || r.Remote.ID != key(1) {
		t.Errorf("remote = %+v, stored etag %s, old %s", r.Remote, got.Etag, cur.ETag)
	}
	if got.Summary != "Boiler repair" || got.Location != "" {
		t.Errorf("sent fields not applied: summary %q location %q", got.Summary, got.Location)
	}
	if got.Description != "gate code 1234" || got.Transparency != "opaque" || len(got.Recurrence) != 1 ||
		got.Start.DateTime != "2030-03-05T09:30:00-05:00" || got.Reminders.UseDefault {
		t.Errorf("fields not sent were changed: %s", sansIdentity(t, got))
	}

	// Time and recurrence: to an all-day single event.
	berlin := mustZone("Europe/Berlin")
	want.AllDay, want.TimeZone, want.RRule = true, "Europe/Berlin", ""
	want.Start, want.End = time.Date(2030, 4, 1, 0, 0, 0, 0, berlin), time.Date(2030, 4, 1, 18, 0, 0, 0, berlin)
	r = e.apply(engine.Op{Kind: engine.OpUpdate, Event: want, RemoteID: key(1),
		Fields: []engine.Field{engine.FieldTime, engine.FieldRecurrence}})[0]
	if r.Err != nil {
		t.Fatalf("update time: %v", r.Err)
	}
	got = e.storedEvent(key(1))
	if got.Start.Date != "2030-04-01" || got.Start.DateTime != "" || got.End.Date != "2030-04-02" || len(got.Recurrence) != 0 {
		t.Errorf("after the time update: start %+v end %+v recurrence %q", got.Start, got.End, got.Recurrence)
	}
	if got.Summary != "Boiler repair" || got.Description != "gate code 1234" {
		t.Errorf("time update changed other fields: %s", sansIdentity(t, got))
	}

	// Every field (nil): also the calendar's default reminders again.
	r = e.apply(engine.Op{Kind: engine.OpUpdate, Event: want, RemoteID: key(1), ETag: r.Remote.ETag})[0]
	if r.Err != nil {
		t.Fatalf("full update: %v", r.Err)
	}
	got = e.storedEvent(key(1))
	if got.Description != want.Description || got.Transparency != "transparent" || !got.Reminders.UseDefault ||
		len(got.Reminders.Overrides) != 0 || !maps.Equal(got.ExtendedProperties.Private, want.Tags) {
		t.Errorf("after the full update: %s", sansIdentity(t, got))
	}
}

func TestStaleETagIsAPreconditionFailure(t *testing.T) {
	e := newEventsEnv(t)
	old := e.create(timedEvent(1))
	changed := timedEvent(1)
	changed.Title = "moved by someone"
	fresh := e.apply(engine.Op{Kind: engine.OpUpdate, Event: changed, RemoteID: key(1)})[0]
	if fresh.Err != nil {
		t.Fatal(fresh.Err)
	}

	stale := timedEvent(1)
	stale.Title = "stale"
	for _, batched := range []bool{false, true} {
		ops := []engine.Op{
			{Kind: engine.OpUpdate, Event: stale, RemoteID: key(1), ETag: old.ETag, Fields: []engine.Field{engine.FieldTitle}},
			{Kind: engine.OpDelete, RemoteID: key(1), ETag: old.ETag},
		}
		var res []engine.Result
		if batched {
			res = e.apply(ops...)
		} else {
			res = []engine.Result{e.apply(ops[0])[0], e.apply(ops[1])[0]}
		}
		for _, r := range res {
			wantEngineErr(t, r.Err, engine.ErrPrecondition)
		}
	}
	if ev := e.storedEvent(key(1)); ev.Status != "confirmed" || ev.Summary != "moved by someone" || ev.Etag != fresh.Remote.ETag {
		t.Fatalf("a stale write went through: %s %q", ev.Status, ev.Summary)
	}
	if r := e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(1), ETag: fresh.Remote.ETag})[0]; r.Err != nil {
		t.Fatalf("delete with the current etag: %v", r.Err)
	}
}

func TestDeleteTwiceAndReadDeleted(t *testing.T) {
	e := newEventsEnv(t)
	created := e.create(timedEvent(1))
	for i := range 2 {
		r := e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(1), ETag: created.ETag})[0]
		if r.Err != nil {
			t.Fatalf("delete #%d: %v", i+1, r.Err)
		}
		if r.Remote.ID != key(1) || !r.Remote.Cancelled {
			t.Errorf("delete #%d remote = %+v", i+1, r.Remote)
		}
	}
	// Never existed, alone and in a batch.
	if r := e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(2)})[0]; r.Err != nil {
		t.Errorf("delete of a missing event: %v", r.Err)
	}
	for _, r := range e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(1)}, engine.Op{Kind: engine.OpDelete, RemoteID: key(2)}) {
		if r.Err != nil {
			t.Errorf("batched delete of gone events: %v", r.Err)
		}
	}
	if ev := e.storedEvent(key(1)); ev.Status != "cancelled" {
		t.Errorf("stored status = %q", ev.Status)
	}
	if len(e.stored(false)) != 0 {
		t.Errorf("live events remain: %v", e.stored(false))
	}

	for _, id := range []string{key(1), key(2)} {
		_, err := e.client.Get(e.ctx, e.ts, e.cal, id)
		wantEngineErr(t, err, engine.ErrNotFound)
	}
	// Updating a deleted event does not bring it back.
	r := e.apply(engine.Op{Kind: engine.OpUpdate, Event: timedEvent(1), RemoteID: key(1), Fields: []engine.Field{engine.FieldTitle}})[0]
	wantEngineErr(t, r.Err, engine.ErrNotFound)
	r = e.apply(engine.Op{Kind: engine.OpUpdate, Event: timedEvent(2), RemoteID: key(2)})[0]
	wantEngineErr(t, r.Err, engine.ErrNotFound)
	if ev := e.storedEvent(key(1)); ev.Status != "cancelled" {
		t.Errorf("the update revived the event: %q", ev.Status)
	}
}

func TestGetReadsTheEvent(t *testing.T) {
	e := newEventsEnv(t)
	created := e.create(timedEvent(1))
	got, err := e.client.Get(e.ctx, e.ts, e.cal, key(1))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != key(1) || got.ETag != created.ETag || got.ICalUID == "" || got.Cancelled || !maps.Equal(got.Tags, tags(1)) {
		t.Errorf("get = %+v, want %+v", got, created)
	}
}

func TestListTaggedReturnsOnlyCalsyncEvents(t *testing.T) {
	e := newEventsEnv(t)
	// Small pages, so that listing takes several.
	e.tap.rewrite = func(r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/events") {
			q := r.URL.Query()
			q.Set("maxResults", "2")
			r.URL.RawQuery = q.Encode()
		}
	}
	var ops []engine.Op
	for n := 1; n <= 5; n++ {
		ops = append(ops, engine.Op{Kind: engine.OpCreate, Event: timedEvent(n)})
	}
	series := timedEvent(6)
	series.RRule = "FREQ=DAILY;COUNT=5"
	ops = append(ops, engine.Op{Kind: engine.OpCreate, Event: series})
	other := timedEvent(7)
	other.Tags = map[string]string{engine.TagOwner: "org-other"}
	ops = append(ops, engine.Op{Kind: engine.OpCreate, Event: other})
	for _, r := range e.apply(ops...) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if r := e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(3)})[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	// The user's own events: untagged, and one with an unrelated property.
	e.asUser("", nil)
	e.asUser("", map[string]any{"extendedProperties": map[string]any{"private": map[string]any{"calsyncBooking": "x"}}})
	// The user moves one occurrence of the series: an exception that
	// inherits the tags.
	occurrence := key(6) + "_" + series.Start.AddDate(0, 0, 1).UTC().Format("20060102T150405Z")
	if _, err := e.emu.PatchEventAsUser(personal, occurrence, []byte(`{"summary":"moved"}`)); err != nil {
		t.Fatalf("patch occurrence: %v", err)
	}

	got, err := e.client.ListTagged(e.ctx, e.ts, e.cal, org)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
		if r.Tags[engine.TagOwner] != org || r.ETag == "" || r.Cancelled {
			t.Errorf("listed %+v", r)
		}
	}
	slices.Sort(ids)
	if want := []string{key(1), key(2), key(4), key(5), key(6)}; !slices.Equal(ids, want) {
		t.Fatalf("listed %q, want %q", ids, want)
	}
	lists := 0
	for _, u := range e.rec.requests("/google/calendar/v3/calendars/") {
		if strings.HasSuffix(u.Path, "/events") && u.Query().Get("privateExtendedProperty") == "calsync="+org {
			lists++
		}
	}
	if lists < 3 {
		t.Errorf("listed in %d pages, want every page (at least 3)", lists)
	}
}

func TestBatchSplitsAtMaxBatchAndMapsEachAnswer(t *testing.T) {
	e := newEventsEnv(t)
	max := e.client.MaxBatch()
	if max < 2 || max > 1000 {
		t.Fatalf("MaxBatch = %d", max)
	}
	a, b := e.create(timedEvent(1)), e.create(timedEvent(2))
	e.create(timedEvent(3))
	staleA := e.apply(engine.Op{Kind: engine.OpUpdate, Event: timedEvent(1), RemoteID: key(1)})[0]
	if staleA.Err != nil {
		t.Fatal(staleA.Err)
	}
	e.asUser(key(4), nil)
	badZone := timedEvent(5)
	badZone.TimeZone = "Nowhere/Special"

	renamed := timedEvent(2)
	renamed.Title = "renamed in batch"
	ops := []engine.Op{
		{Kind: engine.OpUpdate, Event: timedEvent(1), RemoteID: key(1), ETag: a.ETag}, // stale
		{Kind: engine.OpUpdate, Event: renamed, RemoteID: key(2), ETag: b.ETag, Fields: []engine.Field{engine.FieldTitle}},
		{Kind: engine.OpDelete, RemoteID: key(3)},
		{Kind: engine.OpDelete, RemoteID: key(999)},   // never existed
		{Kind: engine.OpCreate, Event: timedEvent(4)}, // key held by the user's event
		{Kind: engine.OpCreate, Event: badZone},       // refused before sending
	}
	const fresh = 1000
	for n := fresh; len(ops) < max+5; n++ {
		ops = append(ops, engine.Op{Kind: engine.OpCreate, Event: timedEvent(n)})
	}
	res := e.apply(ops...)

	wantEngineErr(t, res[0].Err, engine.ErrPrecondition)
	if res[1].Err != nil || res[1].Remote.ETag == b.ETag {
		t.Errorf("update = %+v", res[1])
	}
	for _, i := range []int{2, 3} {
		if res[i].Err != nil || !res[i].Remote.Cancelled {
			t.Errorf("delete %d = %+v", i, res[i])
		}
	}
	wantEngineErr(t, res[4].Err, engine.ErrInvalid)
	wantEngineErr(t, res[5].Err, engine.ErrInvalid)
	for i := 6; i < len(ops); i++ {
		if res[i].Err != nil || res[i].Remote.ID != ops[i].Event.Key || res[i].Remote.ETag == "" {
			t.Fatalf("create %d = %+v", i, res[i])
		}
	}

	// 5 over MaxBatch, one refused locally: a full batch, then the rest;
	// the taken key is read back alone.
	batches := e.tap.seen()
	if len(batches) != 2 || len(batches[0]) != max || len(batches[1]) != len(ops)-1-max {
		t.Fatalf("batch sizes: %d requests %v", len(batches), sizes(batches))
	}
	if !strings.HasPrefix(batches[0][0], "PATCH ") || !strings.HasPrefix(batches[0][2], "DELETE ") {
		t.Errorf("inner requests out of order: %q", batches[0][:4])
	}

	stored := e.stored(false)
	if want := 2 + 1 + (len(ops) - 6); len(stored) != want {
		t.Errorf("stored %d live events, want %d", len(stored), want)
	}
	if stored[key(2)].Summary != "renamed in batch" || stored[key(1)].Etag != staleA.Remote.ETag || stored[key(3)] != nil {
		t.Errorf("batch effects: 1 %s, 2 %q, 3 %v", stored[key(1)].Etag, stored[key(2)].Summary, stored[key(3)])
	}
}

// sameTime compares a stored start or end with the expected one.
func sameTime(got *calendar.EventDateTime, want calendar.EventDateTime) bool {
	return got != nil && got.Date == want.Date && got.DateTime == want.DateTime && got.TimeZone == want.TimeZone
}

func sizes(b [][]string) []int {
	out := make([]int, len(b))
	for i, x := range b {
		out[i] = len(x)
	}
	return out
}

func TestBatchEndpointDerivesFromTheAPIBase(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:9/google/calendar/v3/":  "http://127.0.0.1:9/google/batch/calendar/v3",
		"https://www.googleapis.com/calendar/v3/": "https://www.googleapis.com/batch/calendar/v3",
	}
	for api, want := range cases {
		got := google.New(google.Options{Endpoints: google.Endpoints{CalendarAPI: api}}).Endpoints().CalendarBatch
		if got != want {
			t.Errorf("batch endpoint for %s = %s, want %s", api, got, want)
		}
	}
	if got := google.DefaultEndpoints().CalendarBatch; got != "https://www.googleapis.com/batch/calendar/v3" {
		t.Errorf("default batch endpoint = %s", got)
	}
}
