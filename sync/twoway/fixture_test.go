package twoway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/calendaraccount"
	"calsync/ent/eventlink"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator/emucore"
)

// fixture is an organization syncing one provider both ways (or push
// only), its fieldworker linked, the worker running.
type fixture struct {
	env   *testenv.Env
	kit   testenv.ProviderKit
	org   testenv.Org
	admin *testenv.Client
	fw    *testenv.Client
	acct  *ent.CalendarAccount
	// personal and imported are the organization's personal and default
	// booking types.
	personal, imported int
}

type opts struct {
	direction string // "" = TWO_WAY
	// before runs after the provider account exists and before linking
	// (events already in the calendar at first contact).
	before func(f *fixture)
	// importedSyncs false: the default type of imported events does not
	// sync to calendars.
	importedDoesNotSync bool
	// backend is the database the app runs on ("": SQLite).
	backend testenv.Backend
}

func setup(t *testing.T, k testenv.ProviderKit, slug string, o opts) *fixture {
	t.Helper()
	backend := o.backend
	if backend == "" {
		backend = testenv.SQLite
	}
	env := testenv.New(t, backend)
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	org := env.SeedOrg(t, slug)
	f := &fixture{env: env, kit: k, org: org}
	f.admin = env.SignIn(t, org.Admin.Email, testenv.Password)
	var err error
	dir := o.direction
	if dir == "" {
		dir = "TWO_WAY"
	}
	var typ struct {
		CreateBookingType struct{ ID string }
	}
	f.admin.MustDo(t, `mutation{createBookingType(input:{name:"Personal",personal:true}){id}}`, nil, &typ)
	f.personal, _ = strconv.Atoi(typ.CreateBookingType.ID)
	f.admin.MustDo(t, `mutation($s:Boolean!){createBookingType(input:{name:"Imported",default:true,syncToCalendar:$s}){id}}`,
		map[string]any{"s": !o.importedDoesNotSync}, &typ)
	f.imported, _ = strconv.Atoi(typ.CreateBookingType.ID)
	f.admin.MustDo(t, `mutation($p:Provider!,$d:ProviderConfigSyncDirection!){updateProviderConfig(input:{provider:$p,enabled:true,syncDirection:$d}){id}}`,
		map[string]any{"p": string(k.Provider), "d": dir}, nil)
	// The seeded booking, moved into the window calendars are read over.
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2).Add(10 * time.Hour)
	f.admin.MustDo(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
		map[string]any{"id": strconv.Itoa(org.Booking.ID), "s": start, "e": start.Add(time.Hour)}, nil)
	if f.org.Booking, err = env.App.Client().Booking.Get(f.sys(), org.Booking.ID); err != nil {
		t.Fatal(err)
	}
	f.fw = env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	k.AddAccount(t, env, org.Fieldworker.Email)
	if o.before != nil {
		o.before(f)
	}
	if page := k.Consent(t, env, testenv.NewBrowser(), f.fw.StartLink(t, k.Provider), org.Fieldworker.Email, true); testenv.Title(page) != "Calendar linked" {
		t.Fatalf("link: %d %q", page.Status, testenv.Title(page))
	}
	a, err := env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(k.Provider)).Only(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	f.acct = a
	f.settle(t)
	return f
}

func (f *fixture) sys() context.Context { return viewer.SystemContext(context.Background(), f.org.ID) }

// destination is the account's destination calendar row.
func (f *fixture) destination(t *testing.T) *ent.ProviderCalendar {
	t.Helper()
	a, err := f.env.App.Client().CalendarAccount.Get(f.sys(), f.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.env.App.Client().ProviderCalendar.Query().
		Where(providercalendar.AccountID(a.ID), providercalendar.CalendarID(a.DestinationCalendarID)).Only(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settle waits until every push and read requested is done and nothing
// new was requested for a while.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	quietSince := time.Now()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		a, err := f.env.App.Client().CalendarAccount.Get(f.sys(), f.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := f.destination(t)
		if a.LastSyncedAt == nil || a.SyncDone != a.SyncRequested || c.ReadDone != c.ReadRequested || c.LastReadAt == nil || !f.chosenRead(t) {
			quietSince = time.Now()
			continue
		}
		if time.Since(quietSince) > 600*time.Millisecond {
			return
		}
	}
	a, _ := f.env.App.Client().CalendarAccount.Get(f.sys(), f.acct.ID)
	c := f.destination(t)
	t.Fatalf("the linked calendar never settled: account synced %v, sync %d/%d (%s %q); read %d/%d at %v, error %q, reads back %v",
		a.LastSyncedAt, a.SyncDone, a.SyncRequested, a.Status, a.LastError, c.ReadDone, c.ReadRequested, c.LastReadAt, c.LastReadError, c.ReadsBack)
}

// chosenRead reports whether every other calendar read is read up to date.
func (f *fixture) chosenRead(t *testing.T) bool {
	t.Helper()
	cals, err := f.env.App.Client().ProviderCalendar.Query().
		Where(providercalendar.AccountID(f.acct.ID), providercalendar.Or(providercalendar.Selected(true), providercalendar.ReadsBack(true))).All(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cals {
		if c.ReadDone != c.ReadRequested || c.LastReadAt == nil {
			return false
		}
	}
	return true
}

// until polls ok for up to 20 s.
func until(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		done, state := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, state)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// remote is an event as the provider holds it.
type remote struct {
	ID, Title  string
	Start, End time.Time
	Tagged     bool
}

// events lists the destination calendar's events at the provider.
func (f *fixture) events(t *testing.T) []remote { return f.eventsIn(t, "") }

// eventsIn lists a calendar's events at the provider ("": the destination).
func (f *fixture) eventsIn(t *testing.T, cal string) []remote {
	t.Helper()
	emu := f.env.App.Emulators
	var out []remote
	if f.kit.Provider == domain.ProviderGoogle {
		if cal == "" {
			cal = f.org.Fieldworker.Email
		}
		raws, err := emu.Google.CalendarEvents(cal, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			var e struct {
				ID, Summary, Status string
				Start, End          struct{ DateTime string }
				ExtendedProperties  struct{ Private map[string]string }
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			if e.Status == "cancelled" {
				continue
			}
			s, _ := time.Parse(time.RFC3339, e.Start.DateTime)
			en, _ := time.Parse(time.RFC3339, e.End.DateTime)
			out = append(out, remote{ID: e.ID, Title: e.Summary, Start: s.UTC(), End: en.UTC(), Tagged: e.ExtendedProperties.Private["calsync"] != ""})
		}
		return out
	}
	if cal == "" {
		cal = f.destination(t).CalendarID
	}
	raws, err := emu.Microsoft.ListEvents(f.org.Fieldworker.Email, cal)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		var e struct {
			ID, Subject                   string
			IsCancelled                   bool
			Start, End                    struct{ DateTime, TimeZone string }
			SingleValueExtendedProperties []struct{ ID string }
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		if e.IsCancelled {
			continue
		}
		out = append(out, remote{ID: e.ID, Title: e.Subject, Start: graphTime(t, e.Start.DateTime, e.Start.TimeZone),
			End: graphTime(t, e.End.DateTime, e.End.TimeZone), Tagged: len(e.SingleValueExtendedProperties) > 0})
	}
	return out
}

func graphTime(t *testing.T, s, zone string) time.Time {
	t.Helper()
	loc := time.UTC
	if zone != "" && zone != "UTC" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatalf("zone %q: %v", zone, err)
		}
		loc = l
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if v, err := time.ParseInLocation(layout, s, loc); err == nil {
			return v.UTC()
		}
	}
	t.Fatalf("graph time %q", s)
	return time.Time{}
}

func (f *fixture) eventByID(t *testing.T, id string) (remote, bool) {
	t.Helper()
	for _, e := range f.events(t) {
		if e.ID == id {
			return e, true
		}
	}
	return remote{}, false
}

// create makes an event in the destination calendar as its owner would.
func (f *fixture) create(t *testing.T, title string, start, end time.Time, private bool) string {
	t.Helper()
	return f.createIn(t, "", title, start, end, private)
}

// createIn makes an event in a calendar ("": the destination) as its
// owner would.
func (f *fixture) createIn(t *testing.T, cal, title string, start, end time.Time, private bool) string {
	t.Helper()
	emu := f.env.App.Emulators
	var raw json.RawMessage
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		body := map[string]any{"summary": title, "location": "12 Harbour St", "description": "Bring the ladder",
			"start": map[string]any{"dateTime": start.Format(time.RFC3339), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": end.Format(time.RFC3339), "timeZone": "UTC"}}
		if private {
			body["visibility"] = "private"
		}
		data, _ := json.Marshal(body)
		if cal == "" {
			cal = f.org.Fieldworker.Email
		}
		raw, err = emu.Google.InsertEventAsUser(cal, data)
	} else {
		body := map[string]any{"subject": title, "location": map[string]any{"displayName": "12 Harbour St"},
			"body":  map[string]any{"contentType": "text", "content": "Bring the ladder"},
			"start": map[string]any{"dateTime": start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": end.Format("2006-01-02T15:04:05"), "timeZone": "UTC"}}
		if private {
			body["sensitivity"] = "private"
		}
		data, _ := json.Marshal(body)
		if cal == "" {
			cal = "default" // the destination is the primary calendar
		}
		raw, err = emu.Microsoft.CreateEvent(f.org.Fieldworker.Email, cal, data)
	}
	if err != nil {
		t.Fatalf("create %q at the provider: %v", title, err)
	}
	var ev struct{ ID string }
	if err := json.Unmarshal(raw, &ev); err != nil || ev.ID == "" {
		t.Fatalf("created event: %s", raw)
	}
	return ev.ID
}

// patch changes an event at the provider as its owner would: a new title
// (when not "") and times (when not zero).
func (f *fixture) patch(t *testing.T, id, title string, start, end time.Time) {
	t.Helper()
	f.patchIn(t, "", id, title, start, end)
}

// patchIn changes an event of a calendar ("": the destination) as patch.
func (f *fixture) patchIn(t *testing.T, cal, id, title string, start, end time.Time) {
	t.Helper()
	emu := f.env.App.Emulators
	body := map[string]any{}
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		if title != "" {
			body["summary"] = title
		}
		if !start.IsZero() {
			body["start"] = map[string]any{"dateTime": start.Format(time.RFC3339), "timeZone": "UTC"}
			body["end"] = map[string]any{"dateTime": end.Format(time.RFC3339), "timeZone": "UTC"}
		}
		data, _ := json.Marshal(body)
		if cal == "" {
			cal = f.org.Fieldworker.Email
		}
		_, err = emu.Google.PatchEventAsUser(cal, id, data)
	} else {
		if title != "" {
			body["subject"] = title
		}
		if !start.IsZero() {
			body["start"] = map[string]any{"dateTime": start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"}
			body["end"] = map[string]any{"dateTime": end.Format("2006-01-02T15:04:05"), "timeZone": "UTC"}
		}
		data, _ := json.Marshal(body)
		_, err = emu.Microsoft.UpdateEvent(f.org.Fieldworker.Email, id, data)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) remove(t *testing.T, id string) {
	t.Helper()
	f.removeIn(t, "", id)
}

// removeIn deletes an event of a calendar ("": the destination).
func (f *fixture) removeIn(t *testing.T, cal, id string) {
	t.Helper()
	emu := f.env.App.Emulators
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		if cal == "" {
			cal = f.org.Fieldworker.Email
		}
		err = emu.Google.DeleteEventAsUser(cal, id)
	} else {
		err = emu.Microsoft.DeleteEvent(f.org.Fieldworker.Email, id)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) faults() *emucore.Faults {
	if f.kit.Provider == domain.ProviderGoogle {
		return f.env.App.Emulators.GoogleFaults
	}
	return f.env.App.Emulators.MicrosoftFaults
}

// link is the link of a provider event.
func (f *fixture) link(t *testing.T, providerID string) *ent.EventLink {
	t.Helper()
	l, err := f.env.App.Client().EventLink.Query().Where(eventlink.ProviderEventID(providerID)).Only(f.sys())
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// eventOf is the provider id of booking b's event.
func (f *fixture) eventOf(t *testing.T, b int) string {
	t.Helper()
	var id string
	until(t, fmt.Sprintf("booking %d's event", b), func() (bool, string) {
		l, err := f.env.App.Client().EventLink.Query().
			Where(eventlink.BookingRef(b), eventlink.StateEQ(eventlink.StateSYNCED)).Only(f.sys())
		if err != nil {
			return false, err.Error()
		}
		id = l.ProviderEventID
		return true, ""
	})
	return id
}

// bookingOf is the booking linked to a provider event (nil: none).
func (f *fixture) bookingOf(t *testing.T, providerID string) *ent.Booking {
	t.Helper()
	l := f.link(t, providerID)
	if l == nil || l.BookingID == nil {
		return nil
	}
	b, err := f.env.App.Client().Booking.Query().Where(booking.ID(*l.BookingID)).WithType().Only(f.sys())
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) booking(t *testing.T, id int) *ent.Booking {
	t.Helper()
	b, err := f.env.App.Client().Booking.Query().Where(booking.ID(id)).WithType().Only(f.sys())
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// providerRequests counts the provider calls Calsync made, by operation.
func (f *fixture) providerRequests(t *testing.T) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	f.env.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "calsync_provider_requests_total{") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q", line)
		}
		out[line[len("calsync_provider_requests_total"):i]] = v
	}
	return out
}

// quiet asserts that Calsync makes no provider call for 3 s once every
// push and read is done and the calendar is watched again.
func (f *fixture) quiet(t *testing.T) {
	t.Helper()
	f.settle(t)
	until(t, "the calendar is watched", func() (bool, string) {
		c := f.destination(t)
		return c.ChannelID != "", fmt.Sprintf("channel %q, retry at %v", c.ChannelID, c.ChannelRetryAt)
	})
	before := f.providerRequests(t)
	time.Sleep(3 * time.Second)
	var calls []string
	for k, v := range f.providerRequests(t) {
		if v != before[k] {
			calls = append(calls, fmt.Sprintf("%s +%v", k, v-before[k]))
		}
	}
	if len(calls) > 0 {
		t.Fatalf("Calsync kept calling the provider after activity stopped: %v", calls)
	}
}

// runRetries runs the failed syncs' and reads' retries now: asynq retries
// them with a growing backoff (up to minutes after an outage).
func (f *fixture) runRetries(t *testing.T) {
	t.Helper()
	insp := asynq.NewInspector(f.env.App.Redis.Asynq)
	queues, err := insp.Queues()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queues {
		if _, err := insp.RunAllRetryTasks(q); err != nil {
			t.Fatal(err)
		}
	}
}

// book creates a booking of the fieldworker through the API (rule: an
// RRULE for a series, or "") and returns its id.
func (f *fixture) book(t *testing.T, title string, start, end time.Time, rule string) int {
	t.Helper()
	in := map[string]any{"title": title, "startAt": start, "endAt": end,
		"hostIDs": []string{strconv.Itoa(f.org.Fieldworker.ID)}, "statusID": strconv.Itoa(f.org.Status.ID)}
	if rule != "" {
		in["recurrence"] = rule
	}
	var out struct{ CreateBooking struct{ ID string } }
	f.admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": in}, &out)
	id, err := strconv.Atoi(out.CreateBooking.ID)
	if err != nil {
		t.Fatalf("booking id %q", out.CreateBooking.ID)
	}
	return id
}
