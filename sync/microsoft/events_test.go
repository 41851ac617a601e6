package microsoft_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"calsync/sync/engine"
	"calsync/sync/microsoft"
)

func TestMaxBatch(t *testing.T) {
	if got := microsoft.New(microsoft.Options{}).MaxBatch(); got != 20 {
		t.Fatalf("MaxBatch = %d, want Graph's $batch limit 20", got)
	}
}

// TestCreateRendersTheEvent creates events of every shape in one batch
// and checks what Outlook stores.
func TestCreateRendersTheEvent(t *testing.T) {
	e := newCalEnv(t)
	ny, berlin, london, tokyo := mustLoad(t, "America/New_York"), mustLoad(t, "Europe/Berlin"), mustLoad(t, "Europe/London"), mustLoad(t, "Asia/Tokyo")

	type pattern struct {
		typ, first, index string
		interval, month   int
		dayOfMonth        int
		days              []string
	}
	type rng struct {
		typ, start, end, zone string
		count                 int
	}
	tests := []struct {
		name       string
		ev         func(engine.Event) engine.Event
		start, end string // stored, in UTC (all-day: the dates)
		allDay     bool
		showAs     string
		pattern    *pattern
		rng        rng
	}{
		{
			name: "timed, New York",
			ev: func(ev engine.Event) engine.Event {
				ev.Start, ev.End, ev.TimeZone = time.Date(2030, 6, 3, 9, 30, 0, 0, ny), time.Date(2030, 6, 3, 11, 0, 0, 0, ny), "America/New_York"
				return ev
			},
			start: "2030-06-03T13:30:00.0000000", end: "2030-06-03T15:00:00.0000000", showAs: "busy",
		},
		{
			name: "all-day, free, end inside the last day",
			ev: func(ev engine.Event) engine.Event {
				ev.Start, ev.End, ev.TimeZone = time.Date(2030, 6, 4, 0, 0, 0, 0, berlin), time.Date(2030, 6, 5, 17, 0, 0, 0, berlin), "Europe/Berlin"
				ev.AllDay, ev.Busy = true, false
				return ev
			},
			start: "2030-06-04T00:00:00.0000000", end: "2030-06-06T00:00:00.0000000", allDay: true, showAs: "free",
		},
		{
			name: "weekly on two days, counted",
			ev: func(ev engine.Event) engine.Event {
				ev.RRule = "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"
				return ev
			},
			start: "2030-06-03T08:00:00.0000000", end: "2030-06-03T09:00:00.0000000", showAs: "busy",
			pattern: &pattern{typ: "weekly", interval: 1, days: []string{"monday", "wednesday"}, first: "monday"},
			rng:     rng{typ: "numbered", start: "2030-06-03", count: 6, zone: "Europe/London"},
		},
		{
			name: "last Friday monthly until a UTC time, Tokyo",
			ev: func(ev engine.Event) engine.Event {
				ev.Start, ev.End, ev.TimeZone = time.Date(2030, 6, 28, 10, 0, 0, 0, tokyo), time.Date(2030, 6, 28, 11, 0, 0, 0, tokyo), "Asia/Tokyo"
				// 23:59:59Z is 08:59:59 on 1 January in Tokyo: before the
				// 10:00 start, so the range ends on 31 December.
				ev.RRule = "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20301231T235959Z"
				return ev
			},
			start: "2030-06-28T01:00:00.0000000", end: "2030-06-28T02:00:00.0000000", showAs: "busy",
			pattern: &pattern{typ: "relativeMonthly", interval: 1, days: []string{"friday"}, index: "last"},
			rng:     rng{typ: "endDate", start: "2030-06-28", end: "2030-12-31", zone: "Asia/Tokyo"},
		},
		{
			name: "last weekday of the month (BYSETPOS)",
			ev: func(ev engine.Event) engine.Event {
				ev.Start, ev.End = time.Date(2030, 6, 28, 9, 0, 0, 0, london), time.Date(2030, 6, 28, 10, 0, 0, 0, london)
				ev.RRule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3"
				return ev
			},
			start: "2030-06-28T08:00:00.0000000", end: "2030-06-28T09:00:00.0000000", showAs: "busy",
			pattern: &pattern{typ: "relativeMonthly", interval: 1, days: []string{"monday", "tuesday", "wednesday", "thursday", "friday"}, index: "last"},
			rng:     rng{typ: "numbered", start: "2030-06-28", count: 3, zone: "Europe/London"},
		},
		{
			name: "every third month on the 15th",
			ev: func(ev engine.Event) engine.Event {
				ev.Start, ev.End = time.Date(2030, 6, 15, 9, 0, 0, 0, london), time.Date(2030, 6, 15, 10, 0, 0, 0, london)
				ev.RRule = "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"
				return ev
			},
			start: "2030-06-15T08:00:00.0000000", end: "2030-06-15T09:00:00.0000000", showAs: "busy",
			pattern: &pattern{typ: "absoluteMonthly", interval: 3, dayOfMonth: 15},
			rng:     rng{typ: "noEnd", start: "2030-06-15", zone: "Europe/London"},
		},
		{
			name: "all-day every other year",
			ev: func(ev engine.Event) engine.Event {
				ev.Start, ev.End, ev.AllDay = time.Date(2030, 6, 4, 0, 0, 0, 0, london), time.Date(2030, 6, 5, 0, 0, 0, 0, london), true
				ev.RRule = "FREQ=YEARLY;INTERVAL=2"
				return ev
			},
			start: "2030-06-04T00:00:00.0000000", end: "2030-06-05T00:00:00.0000000", allDay: true, showAs: "busy",
			pattern: &pattern{typ: "absoluteYearly", interval: 2, month: 6, dayOfMonth: 4},
			rng:     rng{typ: "noEnd", start: "2030-06-04", zone: "Europe/London"},
		},
		{
			name: "working days (daily with BYDAY) until a date",
			ev: func(ev engine.Event) engine.Event {
				ev.RRule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20300630"
				return ev
			},
			start: "2030-06-03T08:00:00.0000000", end: "2030-06-03T09:00:00.0000000", showAs: "busy",
			pattern: &pattern{typ: "weekly", interval: 1, days: []string{"monday", "tuesday", "wednesday", "thursday", "friday"}},
			rng:     rng{typ: "endDate", start: "2030-06-03", end: "2030-06-30", zone: "Europe/London"},
		},
	}
	var ops []engine.Op
	for i, tt := range tests {
		ev := booking(t, 0)
		ev.Key, ev.Title, ev.Location = testKey(100+i), tt.name, "Site "+fmt.Sprint(i)
		ops = append(ops, create(tt.ev(ev)))
	}
	batches := e.batches.Load()
	res := e.mustApply(t, ops...)
	if got := e.batches.Load() - batches; got != 1 {
		t.Fatalf("%d $batch requests for %d creates, want 1", got, len(ops))
	}
	stored := e.storedByID(t)
	if len(stored) != len(tests) {
		t.Fatalf("the calendar holds %d events, want %d", len(stored), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, r := ops[i].Event, res[i].Remote
			g, ok := stored[r.ID]
			if !ok {
				t.Fatalf("result id %q is not in the calendar", r.ID)
			}
			if r.ETag == "" || r.ETag != g.ChangeKey || r.ICalUID == "" || r.Cancelled {
				t.Errorf("remote = %+v, stored changeKey %q", r, g.ChangeKey)
			}
			if !maps.Equal(r.Tags, ev.Tags) {
				t.Errorf("remote tags = %v, want %v", r.Tags, ev.Tags)
			}
			if g.Subject != ev.Title || g.Location.DisplayName != ev.Location {
				t.Errorf("subject %q location %q", g.Subject, g.Location.DisplayName)
			}
			if g.Body.ContentType != "text" || g.Body.Content != ev.Description {
				t.Errorf("body = %+v, want plain text %q", g.Body, ev.Description)
			}
			if g.Start.DateTime != tt.start || g.End.DateTime != tt.end || g.Start.TimeZone != "UTC" {
				t.Errorf("start/end = %+v %+v, want %s %s", g.Start, g.End, tt.start, tt.end)
			}
			if g.OriginalStartTimeZone != ev.TimeZone {
				t.Errorf("created in zone %q, want %q", g.OriginalStartTimeZone, ev.TimeZone)
			}
			if g.IsAllDay != tt.allDay || g.ShowAs != tt.showAs {
				t.Errorf("isAllDay %t showAs %q, want %t %q", g.IsAllDay, g.ShowAs, tt.allDay, tt.showAs)
			}
			// Reminders left to Outlook's default (on, 15 minutes); nobody invited.
			if !g.IsReminderOn || g.ReminderMinutesBeforeStart != 15 || len(g.Attendees) != 0 {
				t.Errorf("reminder %t %d, %d attendees", g.IsReminderOn, g.ReminderMinutesBeforeStart, len(g.Attendees))
			}
			if g.TransactionID == nil || *g.TransactionID != ev.Key {
				t.Errorf("transactionId = %v, want %q", g.TransactionID, ev.Key)
			}
			if !maps.Equal(g.tags(), ev.Tags) || len(g.SingleValueExtendedProperties) != len(ev.Tags) {
				t.Errorf("extended properties = %+v, want the tags %v", g.SingleValueExtendedProperties, ev.Tags)
			}
			if tt.pattern == nil {
				if g.Recurrence != nil || g.Type != "singleInstance" {
					t.Errorf("type %q recurrence %+v, want a single event", g.Type, g.Recurrence)
				}
				return
			}
			if g.Recurrence == nil || g.Type != "seriesMaster" {
				t.Fatalf("type %q without recurrence, want a series", g.Type)
			}
			p, rg := g.Recurrence.Pattern, g.Recurrence.Range
			wantFirst := tt.pattern.first
			if wantFirst == "" {
				wantFirst = "sunday" // Graph's default when not sent
			}
			wantIndex := tt.pattern.index
			if wantIndex == "" {
				wantIndex = "first"
			}
			if p.Type != tt.pattern.typ || p.Interval != tt.pattern.interval || p.Month != tt.pattern.month ||
				p.DayOfMonth != tt.pattern.dayOfMonth || !slices.Equal(p.DaysOfWeek, nonNilStrings(tt.pattern.days)) ||
				p.FirstDayOfWeek != wantFirst || p.Index != wantIndex {
				t.Errorf("pattern = %+v, want %+v", p, *tt.pattern)
			}
			wantEnd := tt.rng.end
			if wantEnd == "" {
				wantEnd = "0001-01-01"
			}
			if rg.Type != tt.rng.typ || rg.StartDate != tt.rng.start || rg.EndDate != wantEnd ||
				rg.RecurrenceTimeZone != tt.rng.zone || rg.NumberOfOccurrences != tt.rng.count {
				t.Errorf("range = %+v, want %+v", rg, tt.rng)
			}
		})
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestCreateSeriesWithExDates checks that excluded dates become deleted
// occurrences, for timed and all-day series.
func TestCreateSeriesWithExDates(t *testing.T) {
	e := newCalEnv(t)
	london := mustLoad(t, "Europe/London")
	sydney := mustLoad(t, "Australia/Sydney")

	timed := booking(t, 1)
	timed.Start, timed.End = time.Date(2030, 6, 3, 9, 0, 0, 0, london), time.Date(2030, 6, 3, 10, 0, 0, 0, london)
	timed.RRule = "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"
	timed.ExDates = []time.Time{time.Date(2030, 6, 5, 9, 0, 0, 0, london), time.Date(2030, 6, 17, 9, 0, 0, 0, london)}

	// All-day in a zone east of UTC: the excluded date is a Sydney date.
	allDay := booking(t, 2)
	allDay.TimeZone, allDay.AllDay = "Australia/Sydney", true
	allDay.Start, allDay.End = time.Date(2030, 6, 3, 0, 0, 0, 0, sydney), time.Date(2030, 6, 4, 0, 0, 0, 0, sydney)
	allDay.RRule = "FREQ=DAILY;COUNT=5"
	allDay.ExDates = []time.Time{time.Date(2030, 6, 5, 0, 0, 0, 0, sydney)}

	res := e.mustApply(t, create(timed), create(allDay))
	from, to := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC)
	var timedStarts, allDayStarts []string
	for _, in := range e.instances(t, from, to) {
		switch in.Subject {
		case timed.Title:
			timedStarts = append(timedStarts, in.Start.DateTime[:16])
		case allDay.Title:
			allDayStarts = append(allDayStarts, in.Start.DateTime[:10])
		}
	}
	if want := []string{"2030-06-03T08:00", "2030-06-10T08:00", "2030-06-12T08:00", "2030-06-19T08:00"}; !slices.Equal(timedStarts, want) {
		t.Errorf("timed occurrences %v, want %v (5 and 17 June excluded)", timedStarts, want)
	}
	if want := []string{"2030-06-03", "2030-06-04", "2030-06-06", "2030-06-07"}; !slices.Equal(allDayStarts, want) {
		t.Errorf("all-day occurrences %v, want %v (5 June excluded)", allDayStarts, want)
	}
	for i, r := range res {
		if g := e.storedOne(t, r.Remote.ID); r.Remote.ETag != g.ChangeKey {
			t.Errorf("series %d: etag %q, stored changeKey %q", i, r.Remote.ETag, g.ChangeKey)
		}
	}

	// A retried create finds the series and the occurrences already gone.
	again := e.mustApply(t, create(timed))
	if again[0].Remote.ID != res[0].Remote.ID || len(e.stored(t)) != 2 {
		t.Fatalf("retried create made %q (first %q), %d events stored", again[0].Remote.ID, res[0].Remote.ID, len(e.stored(t)))
	}
}

// TestRecurrenceGraphCannotExpress refuses rules Outlook has no pattern
// for, and other unusable events, without a request.
func TestRecurrenceGraphCannotExpress(t *testing.T) {
	e := newCalEnv(t)
	tests := []struct {
		name string
		ev   func(engine.Event) engine.Event
	}{
		{"hourly", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=HOURLY"; return ev }},
		{"BYHOUR", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=WEEKLY;BYHOUR=9,15"; return ev }},
		{"every Monday of the month", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=MONTHLY;BYDAY=MO"; return ev }},
		{"fifth Monday", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=MONTHLY;BYDAY=5MO"; return ev }},
		{"last day of the month", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=MONTHLY;BYMONTHDAY=-1"; return ev }},
		{"two days of the month", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=MONTHLY;BYMONTHDAY=1,15"; return ev }},
		{"every other day on weekdays", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU"; return ev }},
		{"COUNT and UNTIL", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=DAILY;COUNT=3;UNTIL=20300701"; return ev }},
		{"until before the start", func(ev engine.Event) engine.Event { ev.RRule = "FREQ=DAILY;UNTIL=20300101"; return ev }},
		{"no FREQ", func(ev engine.Event) engine.Event { ev.RRule = "COUNT=3"; return ev }},
		{"unknown zone", func(ev engine.Event) engine.Event { ev.TimeZone = "Mars/Olympus_Mons"; return ev }},
		{"ends before it starts", func(ev engine.Event) engine.Event { ev.End = ev.Start.Add(-time.Minute); return ev }},
		{"no key", func(ev engine.Event) engine.Event { ev.Key = ""; return ev }},
	}
	var ops []engine.Op
	for i, tt := range tests {
		ev := booking(t, i)
		ops = append(ops, create(tt.ev(ev)))
	}
	before := e.graphRequests.Load()
	res := e.apply(t, ops...)
	for i, tt := range tests {
		wantSentinel(t, tt.name, res[i].Err, engine.ErrInvalid)
	}
	if got := e.graphRequests.Load() - before; got != 0 {
		t.Fatalf("%d Graph requests for refused events", got)
	}
}

func TestRetriedCreateMakesOneEvent(t *testing.T) {
	e := newCalEnv(t)
	ev := booking(t, 1)
	first := e.mustApply(t, create(ev))[0].Remote

	// The same create again (a task that ran twice, a lost answer).
	again := e.mustApply(t, create(ev))[0].Remote
	if again.ID != first.ID || again.ETag != first.ETag {
		t.Fatalf("retried create = %+v, want the first event %+v", again, first)
	}
	// A retry carrying newer content updates the event it finds.
	ev.Title, ev.Location = "Booking 1 (moved)", "2 Side Street"
	ev.Start, ev.End = ev.Start.Add(time.Hour), ev.End.Add(time.Hour)
	newer := e.mustApply(t, create(ev))[0].Remote
	if newer.ID != first.ID || newer.ETag == first.ETag {
		t.Fatalf("retry with new content = %+v, want event %s with a new etag", newer, first.ID)
	}
	stored := e.stored(t)
	if len(stored) != 1 {
		t.Fatalf("%d events stored, want 1", len(stored))
	}
	if g := stored[0]; g.Subject != ev.Title || g.Location.DisplayName != ev.Location || g.Start.DateTime != "2030-06-03T10:00:00.0000000" || g.ChangeKey != newer.ETag {
		t.Fatalf("stored %q at %q in %q (changeKey %q), want the newer content", g.Subject, g.Start.DateTime, g.Location.DisplayName, g.ChangeKey)
	}
}

func TestCreateRefusesAForeignEventHoldingTheKey(t *testing.T) {
	e := newCalEnv(t)
	ev := booking(t, 1)
	_, err := e.emu.CreateEvent(e.adele.ID, e.cal.CalendarID, fmt.Appendf(nil,
		`{"subject":"Dentist","transactionId":%q,"start":{"dateTime":"2030-06-03T12:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-06-03T13:00:00","timeZone":"UTC"}}`, ev.Key))
	must(t, err)
	res := e.apply(t, create(ev))
	wantSentinel(t, "create over a foreign event", res[0].Err, engine.ErrInvalid)
	stored := e.stored(t)
	if len(stored) != 1 || stored[0].Subject != "Dentist" {
		t.Fatalf("stored %+v, want only the untouched foreign event", stored)
	}

	// Tagged by another organization: not Calsync's event for this one either.
	other := booking(t, 2)
	_, err = e.emu.CreateEvent(e.adele.ID, e.cal.CalendarID, fmt.Appendf(nil,
		`{"subject":"Other org","transactionId":%q,"start":{"dateTime":"2030-06-03T12:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-06-03T13:00:00","timeZone":"UTC"},
		  "singleValueExtendedProperties":[{"id":%q,"value":"99"}]}`, other.Key, microsoft.TagPropertyID(engine.TagOwner)))
	must(t, err)
	res = e.apply(t, create(other))
	wantSentinel(t, "create over another organization's event", res[0].Err, engine.ErrInvalid)
}

func TestUpdateSendsOnlyTheChosenFields(t *testing.T) {
	e := newCalEnv(t)
	ev := booking(t, 1)
	r := e.mustApply(t, create(ev))[0].Remote

	changed := ev
	changed.Title, changed.Description, changed.Location = "Renamed", "New description", "New place"
	changed.Start, changed.End, changed.Busy = ev.Start.Add(2*time.Hour), ev.End.Add(2*time.Hour), false
	up := e.mustApply(t, update(r, changed, engine.FieldTitle, engine.FieldLocation))[0].Remote
	if up.ID != r.ID || up.ETag == r.ETag || up.ETag == "" {
		t.Fatalf("update = %+v, want event %s with a new etag", up, r.ID)
	}
	g := e.storedOne(t, r.ID)
	if g.Subject != "Renamed" || g.Location.DisplayName != "New place" || g.ChangeKey != up.ETag {
		t.Fatalf("stored subject %q location %q changeKey %q", g.Subject, g.Location.DisplayName, g.ChangeKey)
	}
	if g.Body.Content != ev.Description || g.Start.DateTime != "2030-06-03T09:00:00.0000000" || g.ShowAs != "busy" || !maps.Equal(g.tags(), ev.Tags) {
		t.Fatalf("fields not sent changed: body %q start %q showAs %q tags %v", g.Body.Content, g.Start.DateTime, g.ShowAs, g.tags())
	}

	// Time and free/busy, with a weak etag as Graph's @odata.etag spells it.
	weak := up
	weak.ETag = `W/"` + up.ETag + `"`
	up2 := e.mustApply(t, update(weak, changed, engine.FieldTime, engine.FieldBusy))[0].Remote
	g = e.storedOne(t, r.ID)
	if g.Start.DateTime != "2030-06-03T11:00:00.0000000" || g.ShowAs != "free" || g.Body.Content != ev.Description || g.ChangeKey != up2.ETag {
		t.Fatalf("after the time update: start %q showAs %q body %q", g.Start.DateTime, g.ShowAs, g.Body.Content)
	}

	// Everything (nil fields), without an etag.
	changed.Tags = map[string]string{engine.TagOwner: "1", engine.TagBooking: "1", engine.TagUser: "8"}
	e.mustApply(t, engine.Op{Kind: engine.OpUpdate, Event: changed, RemoteID: r.ID})
	g = e.storedOne(t, r.ID)
	if g.Body.Content != "New description" || g.tags()[engine.TagUser] != "8" {
		t.Fatalf("after the full update: body %q tags %v", g.Body.Content, g.tags())
	}
}

func TestUpdateTurnsASeriesIntoASingleEventAndBack(t *testing.T) {
	e := newCalEnv(t)
	ev := booking(t, 1)
	ev.RRule = "FREQ=DAILY;COUNT=4"
	r := e.mustApply(t, create(ev))[0].Remote
	if g := e.storedOne(t, r.ID); g.Type != "seriesMaster" {
		t.Fatalf("type %q, want a series", g.Type)
	}
	single := ev
	single.RRule = ""
	r = e.mustApply(t, update(r, single, engine.FieldRecurrence))[0].Remote
	if g := e.storedOne(t, r.ID); g.Type != "singleInstance" || g.Recurrence != nil {
		t.Fatalf("type %q recurrence %+v, want a single event", g.Type, g.Recurrence)
	}
	// Back to a series, with an excluded date applied after the update.
	ev.ExDates = []time.Time{ev.Start.AddDate(0, 0, 1)}
	r = e.mustApply(t, update(r, ev, engine.FieldRecurrence))[0].Remote
	g := e.storedOne(t, r.ID)
	if g.Type != "seriesMaster" || g.ChangeKey != r.ETag {
		t.Fatalf("type %q changeKey %q (etag %q), want the series back", g.Type, g.ChangeKey, r.ETag)
	}
	var days []string
	for _, in := range e.instances(t, ev.Start.AddDate(0, 0, -1), ev.Start.AddDate(0, 0, 10)) {
		days = append(days, in.Start.DateTime[:10])
	}
	if want := []string{"2030-06-03", "2030-06-05", "2030-06-06"}; !slices.Equal(days, want) {
		t.Fatalf("occurrences %v, want %v", days, want)
	}
}

func TestStaleETagIsAPreconditionFailure(t *testing.T) {
	e := newCalEnv(t)
	ev := booking(t, 1)
	r := e.mustApply(t, create(ev))[0].Remote
	// Someone edits the event in Outlook.
	_, err := e.emu.UpdateEvent(e.adele.ID, r.ID, []byte(`{"subject":"Edited in Outlook"}`))
	must(t, err)

	changed := ev
	changed.Title = "Calsync's title"
	res := e.apply(t, update(r, changed, engine.FieldTitle), del(r))
	wantSentinel(t, "update with a stale etag", res[0].Err, engine.ErrPrecondition)
	wantSentinel(t, "delete with a stale etag", res[1].Err, engine.ErrPrecondition)
	if g := e.storedOne(t, r.ID); g.Subject != "Edited in Outlook" {
		t.Fatalf("subject %q, want the user's edit kept", g.Subject)
	}
	// Re-read, then the update goes through.
	cur, err := e.ms.Get(e.ctx, e.ts, e.cal, r.ID)
	must(t, err)
	e.mustApply(t, update(cur, changed, engine.FieldTitle))
	if g := e.storedOne(t, r.ID); g.Subject != "Calsync's title" {
		t.Fatalf("subject %q after the re-read update", g.Subject)
	}
}

func TestDeleteTwiceAndGetAfterDelete(t *testing.T) {
	e := newCalEnv(t)
	r := e.mustApply(t, create(booking(t, 1)))[0].Remote
	got, err := e.ms.Get(e.ctx, e.ts, e.cal, r.ID)
	must(t, err)
	if got.ID != r.ID || got.ETag != r.ETag || got.ICalUID != r.ICalUID || got.Cancelled || !maps.Equal(got.Tags, booking(t, 1).Tags) {
		t.Fatalf("Get = %+v, want %+v", got, r)
	}

	e.mustApply(t, del(r))
	if n := len(e.stored(t)); n != 0 {
		t.Fatalf("%d events after the delete", n)
	}
	// Again, with the same etag, and unconditionally: already gone is done.
	e.mustApply(t, del(r), engine.Op{Kind: engine.OpDelete, RemoteID: r.ID})

	_, err = e.ms.Get(e.ctx, e.ts, e.cal, r.ID)
	wantSentinel(t, "Get of a deleted event", err, engine.ErrNotFound)
	res := e.apply(t, update(r, booking(t, 1), engine.FieldTitle))
	wantSentinel(t, "update of a deleted event", res[0].Err, engine.ErrNotFound)
}

func TestListTaggedReturnsOnlyCalsyncsEvents(t *testing.T) {
	e := newCalEnv(t)
	var ops []engine.Op
	for i := range 3 {
		ops = append(ops, create(booking(t, i)))
	}
	otherOrg := booking(t, 3)
	otherOrg.Tags[engine.TagOwner] = "2"
	ops = append(ops, create(otherOrg))
	res := e.mustApply(t, ops...)

	// The user's own events: untagged in Calsync's calendar, and one in
	// the default calendar that even carries the tag.
	_, err := e.emu.CreateEvent(e.adele.ID, e.cal.CalendarID, []byte(
		`{"subject":"Lunch","start":{"dateTime":"2030-06-03T12:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-06-03T13:00:00","timeZone":"UTC"}}`))
	must(t, err)
	_, err = e.emu.CreateEvent(e.adele.ID, "default", fmt.Appendf(nil,
		`{"subject":"Elsewhere","start":{"dateTime":"2030-06-03T12:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-06-03T13:00:00","timeZone":"UTC"},
		  "singleValueExtendedProperties":[{"id":%q,"value":"1"}]}`, microsoft.TagPropertyID(engine.TagOwner)))
	must(t, err)
	// A deleted one.
	e.mustApply(t, del(res[2].Remote))

	got, err := e.ms.ListTagged(e.ctx, e.ts, e.cal, "1")
	must(t, err)
	want := []string{res[0].Remote.ID, res[1].Remote.ID}
	slices.Sort(want)
	if !slices.Equal(sortedIDs(got), want) {
		t.Fatalf("ListTagged = %v, want %v", sortedIDs(got), want)
	}
	for _, r := range got {
		if r.ETag == "" || r.Tags[engine.TagOwner] != "1" || r.Tags[engine.TagUser] != "7" || r.Tags[engine.TagBooking] == "" {
			t.Errorf("remote %+v lacks its etag or tags", r)
		}
	}
	got, err = e.ms.ListTagged(e.ctx, e.ts, e.cal, "2")
	must(t, err)
	if len(got) != 1 || got[0].ID != res[3].Remote.ID {
		t.Fatalf("ListTagged(2) = %+v", got)
	}
}

func TestListTaggedFollowsPages(t *testing.T) {
	e := newCalEnv(t)
	const n = 260 // more than one page of 250
	for i := range n {
		_, err := e.emu.CreateEvent(e.adele.ID, e.cal.CalendarID, fmt.Appendf(nil,
			`{"subject":"Seeded %d","start":{"dateTime":"2030-07-01T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-07-01T10:00:00","timeZone":"UTC"},
			  "singleValueExtendedProperties":[{"id":%q,"value":"1"},{"id":%q,"value":"%d"}]}`,
			i, microsoft.TagPropertyID(engine.TagOwner), microsoft.TagPropertyID(engine.TagBooking), i))
		must(t, err)
	}
	before := e.graphRequests.Load()
	got, err := e.ms.ListTagged(e.ctx, e.ts, e.cal, "1")
	must(t, err)
	if len(got) != n {
		t.Fatalf("ListTagged returned %d events, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.Tags[engine.TagBooking]] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct bookings, want %d", len(seen), n)
	}
	if pages := e.graphRequests.Load() - before; pages != 2 {
		t.Fatalf("%d requests, want 2 pages", pages)
	}
}
