package inbound_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/externalevent"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
	"calsync/sync/inbound"
	"calsync/sync/tasks"
)

// fixture is a fieldworker who linked a calendar, with the worker running.
type fixture struct {
	env   *testenv.Env
	kit   testenv.ProviderKit
	org   testenv.Org
	admin *testenv.Client
	fw    *testenv.Client
	acct  *ent.CalendarAccount
	clock *emucore.FakeClock
}

// opts vary the fixture: the application's clock, the destination mode,
// and quiet (the fieldworker hosts no booking, so Calsync pushes nothing
// and the provider sends no notification the test did not cause).
type opts struct {
	clock       *emucore.FakeClock
	destination string
	quiet       bool
}

func setup(t *testing.T, k testenv.ProviderKit, slug string, o opts) *fixture {
	t.Helper()
	clock := o.clock
	var now func() time.Time
	if clock != nil {
		now = clock.Now
	}
	env := testenv.NewClocked(t, testenv.SQLite, now, nil)
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	org := env.SeedOrg(t, slug)
	f := &fixture{env: env, kit: k, org: org, clock: clock}
	f.admin = env.SignIn(t, org.Admin.Email, testenv.Password)
	dest := "PRIMARY"
	if o.destination != "" {
		dest = o.destination
	}
	if o.quiet {
		f.admin.MustDo(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": org.Booking.ID}, nil)
	}
	f.admin.MustDo(t, `mutation($p:Provider!,$d:ProviderConfigDestination!){updateProviderConfig(input:{provider:$p,enabled:true,destination:$d}){id}}`,
		map[string]any{"p": string(k.Provider), "d": dest}, nil)
	f.fw = env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	k.Link(t, env, f.fw, org.Fieldworker.Email)
	a, err := env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(k.Provider)).Only(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	f.acct = a
	// The primary calendar is imported by default and watched.
	f.waitCalendar(t, "watched after linking", func(c *ent.ProviderCalendar) bool {
		return c.ChannelID != "" && c.ChannelExpiresAt != nil && c.LastReadAt != nil
	})
	f.waitWatchDone(t)
	return f
}

// waitWatchDone waits until the calendar's watch task has ended. The
// channel is recorded before the task asks for a read and ends; a watch
// woken meanwhile (a maintenance pass the test runs) joins the running
// one under its id and is left to the next pass, so a test that wants a
// renewal now must first let the linking's watch end.
func (f *fixture) waitWatchDone(t *testing.T) {
	t.Helper()
	f.waitWatchOf(t, f.primary(t).ID)
}

// waitWatchOf is waitWatchDone for the calendar whose id is calendarID.
func (f *fixture) waitWatchOf(t *testing.T, calendarID int) {
	t.Helper()
	insp := asynq.NewInspector(f.env.App.Redis.Asynq)
	defer insp.Close()
	id := "calendar-watch:" + fmt.Sprint(calendarID)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := insp.GetTaskInfo(tasks.QueueDefault, id)
		if errors.Is(err, asynq.ErrTaskNotFound) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch task %s never ended: %v", id, err)
		}
	}
}

// settle waits until the initial push and every read it caused are done
// (Calsync's own events notify too), so a test's next change is the only
// one in flight.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	quietSince := time.Now()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		a, err := f.env.App.Client().CalendarAccount.Get(f.sys(), f.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := f.primary(t)
		if a.LastSyncedAt == nil || a.SyncDone != a.SyncRequested || c.ReadDone != c.ReadRequested {
			quietSince = time.Now()
			continue
		}
		if time.Since(quietSince) > 400*time.Millisecond {
			return
		}
	}
	t.Fatal("the linked calendar never settled")
}

func (f *fixture) sys() context.Context { return viewer.SystemContext(context.Background(), f.org.ID) }

// primary is the account's primary calendar row.
func (f *fixture) primary(t *testing.T) *ent.ProviderCalendar {
	t.Helper()
	c, err := f.env.App.Client().ProviderCalendar.Query().
		Where(providercalendar.AccountID(f.acct.ID), providercalendar.Primary(true)).Only(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) waitCalendar(t *testing.T, what string, ok func(*ent.ProviderCalendar) bool) *ent.ProviderCalendar {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c := f.primary(t)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: calendar is %+v (channel %q)", what, c, c.ChannelID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// imported lists the account's imported events, by title.
func (f *fixture) imported(t *testing.T) []*ent.ExternalEvent {
	t.Helper()
	evs, err := f.env.App.Client().ExternalEvent.Query().Where(externalevent.AccountID(f.acct.ID)).
		Order(ent.Asc(externalevent.FieldTitle), ent.Asc(externalevent.FieldStartAt)).All(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func titlesOf(evs []*ent.ExternalEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Title
	}
	return out
}

func (f *fixture) waitImported(t *testing.T, what string, ok func([]*ent.ExternalEvent) bool) []*ent.ExternalEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := f.imported(t)
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: imported %q", what, titlesOf(evs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) waitTitles(t *testing.T, what string, want ...string) []*ent.ExternalEvent {
	t.Helper()
	sort.Strings(want)
	return f.waitImported(t, what, func(evs []*ent.ExternalEvent) bool { return slices.Equal(titlesOf(evs), want) })
}

// spec is an event as a person creates it at the provider.
type spec struct {
	title      string
	start, end time.Time
	private    bool
	free       bool
	daily      int // occurrences of a daily series (0: single)
	// calendar is the provider's calendar id ("": the primary calendar).
	calendar string
}

// create makes the event in the fieldworker's primary calendar, as they
// would in Google Calendar or Outlook, and returns its id.
func (f *fixture) create(t *testing.T, s spec) string {
	t.Helper()
	emu := f.env.App.Emulators
	var body map[string]any
	var raw json.RawMessage
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		body = map[string]any{"summary": s.title,
			"start": map[string]any{"dateTime": s.start.Format(time.RFC3339), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": s.end.Format(time.RFC3339), "timeZone": "UTC"}}
		if s.private {
			body["visibility"] = "private"
		}
		if s.free {
			body["transparency"] = "transparent"
		}
		if s.daily > 0 {
			body["recurrence"] = []string{fmt.Sprintf("RRULE:FREQ=DAILY;COUNT=%d", s.daily)}
		}
		data, _ := json.Marshal(body)
		cal := f.acct.AccountEmail
		if s.calendar != "" {
			cal = s.calendar
		}
		raw, err = emu.Google.InsertEventAsUser(cal, data)
	} else {
		body = map[string]any{"subject": s.title,
			"start": map[string]any{"dateTime": s.start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": s.end.Format("2006-01-02T15:04:05"), "timeZone": "UTC"}}
		if s.private {
			body["sensitivity"] = "private"
		}
		if s.free {
			body["showAs"] = "free"
		}
		if s.daily > 0 {
			body["recurrence"] = map[string]any{
				"pattern": map[string]any{"type": "daily", "interval": 1},
				"range":   map[string]any{"type": "numbered", "startDate": s.start.Format("2006-01-02"), "numberOfOccurrences": s.daily},
			}
		}
		data, _ := json.Marshal(body)
		cal := s.calendar
		if cal == "" {
			cal = f.primary(t).CalendarID
		}
		raw, err = emu.Microsoft.CreateEvent(f.acct.AccountEmail, cal, data)
	}
	if err != nil {
		t.Fatalf("create %q at the provider: %v", s.title, err)
	}
	var ev struct{ ID string }
	if err := json.Unmarshal(raw, &ev); err != nil || ev.ID == "" {
		t.Fatalf("created event: %s", raw)
	}
	return ev.ID
}

func (f *fixture) rename(t *testing.T, id, title string) {
	t.Helper()
	emu := f.env.App.Emulators
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		_, err = emu.Google.PatchEventAsUser(f.acct.AccountEmail, id, []byte(fmt.Sprintf(`{"summary":%q}`, title)))
	} else {
		_, err = emu.Microsoft.UpdateEvent(f.acct.AccountEmail, id, []byte(fmt.Sprintf(`{"subject":%q}`, title)))
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) remove(t *testing.T, id string) {
	t.Helper()
	emu := f.env.App.Emulators
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		err = emu.Google.DeleteEventAsUser(f.acct.AccountEmail, id)
	} else {
		err = emu.Microsoft.DeleteEvent(f.acct.AccountEmail, id)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// expireCursor makes the provider forget the calendar's sync state.
func (f *fixture) expireCursor(t *testing.T) {
	t.Helper()
	emu := f.env.App.Emulators
	if f.kit.Provider == domain.ProviderGoogle {
		if err := emu.Google.InvalidateSyncTokens(f.acct.AccountEmail); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := emu.Microsoft.ExpireDeltaTokens(f.acct.AccountEmail); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) faults() *emucore.Faults {
	if f.kit.Provider == domain.ProviderGoogle {
		return f.env.App.Emulators.GoogleFaults
	}
	return f.env.App.Emulators.MicrosoftFaults
}

// channels lists the live channel (Google) or subscription (Graph) ids at
// the provider.
func (f *fixture) channels() map[string]time.Time {
	out := map[string]time.Time{}
	if f.kit.Provider == domain.ProviderGoogle {
		for _, c := range f.env.App.Emulators.Google.Channels() {
			out[c.ID] = c.Expiration
		}
		return out
	}
	for _, s := range f.env.App.Emulators.Microsoft.Subscriptions() {
		out[s.ID] = s.Expiration
	}
	return out
}

func (f *fixture) waitChannels(t *testing.T, what string, ok func(map[string]time.Time) bool) map[string]time.Time {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		chs := f.channels()
		if ok(chs) {
			return chs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: channels at the provider %v", what, chs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// secret is the channel's token (Google) or clientState (Graph) as the
// provider holds it (Calsync keeps only its hash), and for Google the
// number of the channel's last message.
func (f *fixture) secret(t *testing.T, channelID string) (string, int64) {
	t.Helper()
	if f.kit.Provider == domain.ProviderGoogle {
		for _, c := range f.env.App.Emulators.Google.Channels() {
			if c.ID == channelID {
				return c.Token, c.MessageNumber
			}
		}
	} else {
		for _, s := range f.env.App.Emulators.Microsoft.Subscriptions() {
			if s.ID == channelID {
				return s.ClientState, 0
			}
		}
	}
	t.Fatalf("no channel %q at the provider", channelID)
	return "", 0
}

// notify posts a notification for the calendar's channel as the provider
// would, with token as its secret (and, for Google, message number n),
// and returns the status.
func (f *fixture) notify(t *testing.T, c *ent.ProviderCalendar, channelID, token string, n ...int64) int {
	t.Helper()
	var req *http.Request
	if f.kit.Provider == domain.ProviderGoogle {
		req, _ = http.NewRequest(http.MethodPost, f.env.Server.URL+inbound.GoogleWebhookPath, nil)
		req.Header.Set("X-Goog-Channel-ID", channelID)
		req.Header.Set("X-Goog-Channel-Token", token)
		req.Header.Set("X-Goog-Resource-ID", c.ChannelResourceID)
		req.Header.Set("X-Goog-Resource-State", "exists")
		if len(n) > 0 {
			req.Header.Set("X-Goog-Message-Number", fmt.Sprint(n[0]))
		}
	} else {
		body, _ := json.Marshal(map[string]any{"value": []map[string]any{{
			"subscriptionId": channelID, "clientState": token, "changeType": "updated",
			"resource": "Users/x/Events/y", "tenantId": "t",
		}}})
		req, _ = http.NewRequest(http.MethodPost, f.env.Server.URL+inbound.MicrosoftWebhookPath, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestImportFollowsTheProvider(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "import-"+strings.ToLower(string(k.Provider)), opts{})
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
			at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }

			dentist := f.create(t, spec{title: "Dentist", start: at(9), end: at(10)})
			f.create(t, spec{title: "Therapy", start: at(11), end: at(12), private: true})
			f.create(t, spec{title: "Gym maybe", start: at(13), end: at(14), free: true})
			f.create(t, spec{title: "Standup", start: at(8), end: at(8).Add(15 * time.Minute), daily: 3})
			f.create(t, spec{title: "Long ago", start: day.AddDate(0, 0, -60), end: day.AddDate(0, 0, -60).Add(time.Hour)})
			evs := f.waitTitles(t, "created at the provider", "Dentist", "Gym maybe", "Standup", "Standup", "Standup", "Therapy")
			for _, e := range evs {
				switch e.Title {
				case "Dentist":
					if !e.StartAt.Equal(at(9)) || !e.EndAt.Equal(at(10)) || !e.Busy || e.Private || e.ShowAs != externalevent.ShowAsBUSY {
						t.Errorf("Dentist imported as %+v", e)
					}
					if !strings.HasPrefix(e.WebLink, "http") {
						t.Errorf("web link %q is not an absolute URL", e.WebLink)
					}
				case "Therapy":
					if !e.Private || !e.Busy {
						t.Errorf("private event imported as %+v", e)
					}
				case "Gym maybe":
					if e.Busy || e.ShowAs != externalevent.ShowAsFREE {
						t.Errorf("free event imported as %+v", e)
					}
				case "Standup":
					if e.RecurringSeriesID == "" || e.StartAt.Hour() != 8 {
						t.Errorf("occurrence imported as %+v", e)
					}
				}
			}

			// Calsync's own events are never imported.
			f.admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
				"title": "Calsync booking", "startAt": at(15).Format(time.RFC3339), "endAt": at(16).Format(time.RFC3339),
				"hostIDs": []int{f.org.Fieldworker.ID},
			}}, nil)
			f.waitTitles(t, "after a booking was pushed", "Dentist", "Gym maybe", "Standup", "Standup", "Standup", "Therapy")
			time.Sleep(500 * time.Millisecond)
			f.create(t, spec{title: "Marker", start: at(17), end: at(18)})
			f.waitTitles(t, "Calsync's event left out", "Dentist", "Gym maybe", "Marker", "Standup", "Standup", "Standup", "Therapy")

			// An exception of the series: one occurrence renamed, another deleted.
			var occ []*ent.ExternalEvent
			for _, e := range f.imported(t) {
				if e.Title == "Standup" {
					occ = append(occ, e)
				}
			}
			sort.Slice(occ, func(i, j int) bool { return occ[i].StartAt.Before(occ[j].StartAt) })
			f.rename(t, occ[1].ProviderEventID, "Standup (long)")
			f.waitTitles(t, "an occurrence renamed", "Dentist", "Gym maybe", "Marker", "Standup", "Standup", "Standup (long)", "Therapy")
			f.remove(t, occ[2].ProviderEventID)
			f.waitTitles(t, "an occurrence deleted", "Dentist", "Gym maybe", "Marker", "Standup", "Standup (long)", "Therapy")

			f.rename(t, dentist, "Dentist (moved)")
			f.waitTitles(t, "renamed at the provider", "Dentist (moved)", "Gym maybe", "Marker", "Standup", "Standup (long)", "Therapy")
			f.remove(t, dentist)
			f.waitTitles(t, "deleted at the provider", "Gym maybe", "Marker", "Standup", "Standup (long)", "Therapy")

			// The provider forgets the cursor: a full read, nothing lost or doubled.
			f.expireCursor(t)
			f.create(t, spec{title: "After expiry", start: at(19), end: at(20)})
			f.waitTitles(t, "after the cursor expired", "After expiry", "Gym maybe", "Marker", "Standup", "Standup (long)", "Therapy")
		})
	}
}

func TestNotificationsAreVerified(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "verify-"+strings.ToLower(string(k.Provider)), opts{quiet: true})
			// The watch counts one more read after recording its channel:
			// wait for it, so the only requests counted below are the test's.
			f.settle(t)
			c := f.primary(t)
			requested := c.ReadRequested
			if got := f.notify(t, c, c.ChannelID, "not-the-token"); got != http.StatusForbidden {
				t.Errorf("forged token: %d, want 403", got)
			}
			token, number := f.secret(t, c.ChannelID)
			if got := f.notify(t, c, "calsync-unknown", token); got != http.StatusNotFound {
				t.Errorf("unknown channel: %d, want 404", got)
			}
			if c.ChannelToken == token || !strings.HasPrefix(c.ChannelToken, "sha256:") {
				t.Errorf("the channel's secret is kept as %q", c.ChannelToken)
			}
			// The other provider's endpoint does not know this channel.
			other := *f
			other.kit = testenv.Kits[0]
			if k.Provider == domain.ProviderGoogle {
				other.kit = testenv.Kits[1]
			}
			if got := other.notify(t, c, c.ChannelID, token); got != http.StatusNotFound {
				t.Errorf("the channel posted to the other provider's webhook: %d, want 404", got)
			}
			if got := f.primary(t).ReadRequested; got != requested {
				t.Errorf("refused notifications requested reads: %d → %d", requested, got)
			}
			// A genuine notification, duplicated: reads, and nothing doubles.
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
			f.faults().Add(emucore.Fault{DropNotifications: true, Count: 100})
			f.create(t, spec{title: "Quiet", start: day.Add(9 * time.Hour), end: day.Add(10 * time.Hour)})
			want := http.StatusOK
			if k.Provider == domain.ProviderMicrosoft {
				want = http.StatusAccepted
			}
			for range 3 {
				if got := f.notify(t, c, c.ChannelID, token, number+1); got != want {
					t.Fatalf("genuine notification: %d, want %d", got, want)
				}
			}
			f.waitTitles(t, "after duplicated notifications", "Quiet")
			if k.Provider == domain.ProviderGoogle {
				// A replayed message number is acknowledged and ignored.
				before := f.primary(t).ReadRequested
				if got := f.notify(t, c, c.ChannelID, token, number+1); got != http.StatusOK {
					t.Errorf("replayed notification: %d, want 200", got)
				}
				if after := f.primary(t).ReadRequested; after != before {
					t.Errorf("a replayed notification requested a read (%d → %d)", before, after)
				}
			}
			f.faults().Clear()

			// A channel since replaced (renewed, or stopped) counts nothing,
			// though its calendar was remembered from the notifications
			// above; then it is unknown.
			if got := f.notify(t, c, c.ChannelID, token, number+4); got != want {
				t.Fatalf("genuine notification: %d, want %d", got, want)
			}
			db := f.env.App.Client()
			if err := db.ProviderCalendar.UpdateOneID(c.ID).SetChannelID("calsync-replaced").Exec(f.sys()); err != nil {
				t.Fatal(err)
			}
			before := f.primary(t).ReadRequested
			if got := f.notify(t, c, c.ChannelID, token, number+5); got != want {
				t.Errorf("notification through a replaced channel remembered: %d, want %d", got, want)
			}
			if got := f.notify(t, c, c.ChannelID, token, number+6); got != http.StatusNotFound {
				t.Errorf("notification through a replaced channel: %d, want 404", got)
			}
			if after := f.primary(t).ReadRequested; after != before {
				t.Errorf("a replaced channel's notifications requested reads (%d → %d)", before, after)
			}
			if err := db.ProviderCalendar.UpdateOneID(c.ID).SetChannelID(c.ChannelID).Exec(f.sys()); err != nil {
				t.Fatal(err)
			}

			// Malformed requests are refused, cheaply.
			for _, tc := range []struct {
				method, path, body string
				want               int
			}{
				{http.MethodGet, inbound.GoogleWebhookPath, "", http.StatusMethodNotAllowed},
				{http.MethodPost, inbound.GoogleWebhookPath, "", http.StatusBadRequest},
				{http.MethodPost, inbound.MicrosoftWebhookPath, "{", http.StatusBadRequest},
				{http.MethodPost, inbound.MicrosoftWebhookPath, `{"value":[]}`, http.StatusBadRequest},
				{http.MethodPost, inbound.MicrosoftWebhookPath, `{"value":[{"subscriptionId":"x","clientState":"y"}]}`, http.StatusNotFound},
				{http.MethodPost, inbound.MicrosoftWebhookPath, `{"value":"` + strings.Repeat("a", 2<<20) + `"}`, http.StatusRequestEntityTooLarge},
				{http.MethodPost, inbound.MicrosoftWebhookPath + "?validationToken=a%0d%0aSet-Cookie:%20x=1", "", http.StatusBadRequest},
			} {
				req, _ := http.NewRequest(tc.method, f.env.Server.URL+tc.path, strings.NewReader(tc.body))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != tc.want {
					t.Errorf("%s %s %.30q: %d, want %d", tc.method, tc.path, tc.body, res.StatusCode, tc.want)
				}
			}
			// Graph's subscription handshake.
			res, err := http.Post(f.env.Server.URL+inbound.MicrosoftWebhookPath+"?validationToken=Validation%3A+Testing+client+application", "text/plain", nil)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 100)
			n, _ := res.Body.Read(buf)
			res.Body.Close()
			if res.StatusCode != 200 || string(buf[:n]) != "Validation: Testing client application" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("validation handshake: %d %q %q", res.StatusCode, buf[:n], res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestSafetyPollRecoversDroppedNotifications(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			clock := emucore.NewFakeClock(time.Now())
			f := setup(t, k, "poll-"+strings.ToLower(string(k.Provider)), opts{clock: clock, quiet: true})
			f.settle(t)
			f.faults().Add(emucore.Fault{DropNotifications: true, Count: 100})
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
			f.create(t, spec{title: "Lost notification", start: day.Add(9 * time.Hour), end: day.Add(10 * time.Hour)})
			time.Sleep(time.Second)
			if got := titlesOf(f.imported(t)); len(got) != 0 {
				t.Fatalf("imported without a notification or a poll: %q", got)
			}
			// Not due yet: the pass does not read.
			due, err := f.env.App.Inbound.Maintain(context.Background())
			if err != nil || len(due.Reads) != 0 {
				t.Fatalf("maintenance before the poll is due: %+v, %v", due, err)
			}
			clock.Advance(f.env.App.Inbound.PollEvery() * 5 / 4)
			due, err = f.env.App.Inbound.Maintain(context.Background())
			if err != nil || len(due.Reads) != 1 {
				t.Fatalf("maintenance once the poll is due: %+v, %v", due, err)
			}
			f.waitTitles(t, "after the safety poll", "Lost notification")
			before := f.primary(t)
			if before.WindowTo == nil || before.ReadGen != 1 {
				t.Fatalf("after the first full read and an incremental one: %+v", before)
			}

			// Two days on, the window rolls forward with a full read.
			clock.Advance(48 * time.Hour)
			if _, err := f.env.App.Inbound.Maintain(context.Background()); err != nil {
				t.Fatal(err)
			}
			rolled := f.waitCalendar(t, "window rolled", func(c *ent.ProviderCalendar) bool { return c.ReadGen == 2 })
			if d := rolled.WindowTo.Sub(*before.WindowTo); d < 47*time.Hour || d > 51*time.Hour {
				t.Errorf("window end moved by %v, want about 2 days", d)
			}
			f.waitTitles(t, "after the full read", "Lost notification")
			next := f.primary(t).NextPollAt
			min, max := clock.Now().Add(f.env.App.Inbound.PollEvery()*3/4), clock.Now().Add(f.env.App.Inbound.PollEvery()*5/4)
			if next == nil || next.Before(min) || next.After(max) {
				t.Errorf("next poll at %v, want within ±25 %% of %v", next, f.env.App.Inbound.PollEvery())
			}
		})
	}
}

func TestChannelsAreRenewed(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			clock := emucore.NewFakeClock(time.Now())
			f := setup(t, k, "renew-"+strings.ToLower(string(k.Provider)), opts{clock: clock, quiet: true})
			before := f.primary(t)
			f.waitChannels(t, "watching", func(chs map[string]time.Time) bool { _, ok := chs[before.ChannelID]; return ok && len(chs) == 1 })
			// A day before the end, the pass renews.
			clock.Advance(before.ChannelExpiresAt.Sub(clock.Now()) - 23*time.Hour)
			due, err := f.env.App.Inbound.Maintain(context.Background())
			if err != nil || len(due.Watches) != 1 {
				t.Fatalf("maintenance near the channel's end: %+v, %v", due, err)
			}
			after := f.waitCalendar(t, "renewed", func(c *ent.ProviderCalendar) bool {
				return c.ChannelExpiresAt != nil && c.ChannelExpiresAt.After(*before.ChannelExpiresAt)
			})
			if k.Provider == domain.ProviderGoogle {
				// A new channel, and the old one stopped.
				if after.ChannelID == before.ChannelID || after.ChannelToken == before.ChannelToken || after.ChannelMessage != 0 {
					t.Errorf("Google channel not replaced: %q", after.ChannelID)
				}
				f.waitChannels(t, "old channel stopped", func(chs map[string]time.Time) bool {
					_, old := chs[before.ChannelID]
					_, cur := chs[after.ChannelID]
					return !old && cur && len(chs) == 1
				})
			} else if after.ChannelID != before.ChannelID {
				t.Errorf("Graph subscription recreated (%q → %q), want renewed", before.ChannelID, after.ChannelID)
			}
			// Notifications still arrive on the renewed channel.
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
			f.create(t, spec{title: "After renewal", start: day.Add(9 * time.Hour), end: day.Add(10 * time.Hour)})
			f.waitTitles(t, "notified after renewal", "After renewal")
		})
	}
}

func TestGraphLifecycleNotifications(t *testing.T) {
	k := testenv.Kits[1]
	f := setup(t, k, "lifecycle", opts{quiet: true})
	emu := f.env.App.Emulators.Microsoft
	c := f.primary(t)
	// reauthorizationRequired: renewed at once (a little later, so the new
	// end differs).
	time.Sleep(1100 * time.Millisecond)
	if err := emu.SendLifecycleEvent(c.ChannelID, "reauthorizationRequired"); err != nil {
		t.Fatal(err)
	}
	f.waitCalendar(t, "renewed on reauthorizationRequired", func(x *ent.ProviderCalendar) bool {
		return x.ChannelID == c.ChannelID && x.ChannelExpiresAt != nil && x.ChannelExpiresAt.After(*c.ChannelExpiresAt)
	})
	// missed: the changes are read.
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
	f.faults().Add(emucore.Fault{DropNotifications: true, Count: 1})
	f.create(t, spec{title: "Missed", start: day.Add(9 * time.Hour), end: day.Add(10 * time.Hour)})
	time.Sleep(300 * time.Millisecond)
	if err := emu.SendLifecycleEvent(c.ChannelID, "missed"); err != nil {
		t.Fatal(err)
	}
	f.waitTitles(t, "read on missed", "Missed")
	// subscriptionRemoved: subscribed again, then read.
	if err := emu.SendLifecycleEvent(c.ChannelID, "subscriptionRemoved"); err != nil {
		t.Fatal(err)
	}
	again := f.waitCalendar(t, "subscribed again", func(x *ent.ProviderCalendar) bool { return x.ChannelID != "" && x.ChannelID != c.ChannelID })
	f.waitChannels(t, "one subscription", func(chs map[string]time.Time) bool { _, ok := chs[again.ChannelID]; return ok && len(chs) == 1 })
	f.create(t, spec{title: "Resubscribed", start: day.Add(11 * time.Hour), end: day.Add(12 * time.Hour)})
	f.waitTitles(t, "notified after resubscribing", "Missed", "Resubscribed")
}

func TestDeselectAndUnlinkCleanUp(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "cleanup-"+strings.ToLower(string(k.Provider)), opts{})
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
			f.create(t, spec{title: "Mine", start: day.Add(9 * time.Hour), end: day.Add(10 * time.Hour)})
			f.waitTitles(t, "imported", "Mine")
			c := f.primary(t)
			p := map[string]any{"p": string(k.Provider)}

			// Deselect: the events go at once, the channel soon after.
			var sel struct {
				SelectImportedCalendars struct {
					Calendars []struct {
						ID       string
						Selected bool
					}
				}
			}
			f.fw.MustDo(t, `mutation($p:Provider!){selectImportedCalendars(provider:$p,calendarIds:[]){calendars{id selected}}}`, p, &sel)
			for _, x := range sel.SelectImportedCalendars.Calendars {
				if x.Selected {
					t.Errorf("calendar %s still selected", x.ID)
				}
			}
			if got := titlesOf(f.imported(t)); len(got) != 0 {
				t.Errorf("deselected calendar's events remain: %q", got)
			}
			f.waitChannels(t, "channel stopped on deselect", func(chs map[string]time.Time) bool { return len(chs) == 0 })
			f.waitCalendar(t, "channel forgotten", func(x *ent.ProviderCalendar) bool { return x.ChannelID == "" })

			// Select again: read fully and watched again.
			f.fw.MustDo(t, `mutation($p:Provider!,$ids:[ID!]!){selectImportedCalendars(provider:$p,calendarIds:$ids){id}}`,
				map[string]any{"p": string(k.Provider), "ids": []int{c.ID}}, nil)
			f.waitTitles(t, "selected again", "Mine")
			f.waitChannels(t, "watched again", func(chs map[string]time.Time) bool { return len(chs) == 1 })

			// Bad choices are refused with typed errors.
			res := f.fw.Do(t, `mutation($p:Provider!,$ids:[ID!]!){selectImportedCalendars(provider:$p,calendarIds:$ids){id}}`,
				map[string]any{"p": string(k.Provider), "ids": []int{999999}})
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("unknown calendar: %+v", res.Errors)
			}
			other := f.env.SignIn(t, f.org.Scheduler.Email, testenv.Password)
			res = other.Do(t, `mutation($p:Provider!,$u:ID!){selectImportedCalendars(provider:$p,userId:$u,calendarIds:[]){id}}`,
				map[string]any{"p": string(k.Provider), "u": f.org.Fieldworker.ID})
			if len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("a scheduler choosing for a fieldworker: %+v", res.Errors)
			}

			// Unlink: events and channels go.
			f.fw.MustDo(t, `mutation($p:Provider!){unlinkCalendar(provider:$p){id}}`, p, nil)
			if got := titlesOf(f.imported(t)); len(got) != 0 {
				t.Errorf("unlinked account's events remain: %q", got)
			}
			f.waitChannels(t, "channel stopped on unlink", func(chs map[string]time.Time) bool { return len(chs) == 0 })
		})
	}
}

func TestOtherCalendarsAndDeactivation(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "others-"+strings.ToLower(string(k.Provider)), opts{})
			family := f.createCalendar(t, "Family")
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 4)
			f.create(t, spec{title: "School run", start: day.Add(8 * time.Hour), end: day.Add(9 * time.Hour), calendar: family})
			f.create(t, spec{title: "Work thing", start: day.Add(10 * time.Hour), end: day.Add(11 * time.Hour)})
			f.waitTitles(t, "only the primary calendar", "Work thing")

			f.chooseAlso(t, family, "Family")
			f.waitTitles(t, "both calendars", "School run", "Work thing")
			f.waitChannels(t, "both watched", func(chs map[string]time.Time) bool { return len(chs) == 2 })

			// Deactivation ends the import like unlinking.
			f.admin.MustDo(t, `mutation($u:ID!){deactivateUser(id:$u){id}}`, map[string]any{"u": f.org.Fieldworker.ID}, nil)
			f.waitTitles(t, "after deactivation")
			f.waitChannels(t, "channels stopped on deactivation", func(chs map[string]time.Time) bool { return len(chs) == 0 })
		})
	}
}

// TestDeactivationDuringAWatch: the fieldworker is deactivated while the
// watch of a calendar just chosen is under way: the provider has started
// the channel, Calsync has not yet recorded it (Graph) or recorded it
// without the resource id its stop needs (Google). It is stopped all the
// same.
func TestDeactivationDuringAWatch(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "watching-"+strings.ToLower(string(k.Provider)), opts{})
			family := f.createCalendar(t, "Family")
			faults, path := f.env.App.Emulators.GoogleFaults, "/google/calendar/v3/calendars/"+url.PathEscape(family)+"/events/watch"
			if k.Provider == domain.ProviderMicrosoft {
				faults, path = f.env.App.Emulators.MicrosoftFaults, "/graph/v1.0/subscriptions"
			}
			// The provider starts the channel at once and replies 1.5 s later.
			faults.Add(emucore.Fault{ID: "slow-watch", Method: "POST", PathPrefix: path, AfterHandler: true, Latency: 1500 * time.Millisecond, Count: 1})
			f.chooseAlso(t, family, "Family")
			f.waitChannels(t, "the chosen calendar's channel started", func(chs map[string]time.Time) bool { return len(chs) == 2 })
			if n := len(faults.List()); n != 0 {
				t.Fatalf("the watch was not the slow one (%d faults left)", n)
			}
			f.admin.MustDo(t, `mutation($u:ID!){deactivateUser(id:$u){id}}`, map[string]any{"u": f.org.Fieldworker.ID}, nil)
			// Once the watch has ended, whatever it started is stopped.
			c, err := f.env.App.Client().ProviderCalendar.Query().
				Where(providercalendar.AccountID(f.acct.ID), providercalendar.CalendarID(family)).Only(f.sys())
			if err != nil {
				t.Fatal(err)
			}
			f.waitWatchOf(t, c.ID)
			f.waitChannels(t, "channels stopped on deactivation", func(chs map[string]time.Time) bool { return len(chs) == 0 })
		})
	}
}

// createCalendar makes a calendar called name in the linked account at the
// provider and returns its provider id.
func (f *fixture) createCalendar(t *testing.T, name string) string {
	t.Helper()
	emu := f.env.App.Emulators
	if f.kit.Provider == domain.ProviderGoogle {
		c, err := emu.Google.CreateCalendar(f.acct.AccountEmail, gcal.CalendarInfo{Summary: name, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	c, err := emu.Microsoft.CreateCalendar(f.acct.AccountEmail, name)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// chooseAlso reads the calendar list again (the calendar appears, called
// name and not imported) and has an admin choose it for the fieldworker beside the
// primary calendar.
func (f *fixture) chooseAlso(t *testing.T, calendarID, name string) {
	t.Helper()
	type cal struct {
		ID, CalendarID, Name, AccessRole string
		Primary, Selected                bool
	}
	var out struct{ RefreshCalendars struct{ Calendars []cal } }
	f.fw.MustDo(t, `mutation($p:Provider!){refreshCalendars(provider:$p){calendars{id calendarID name accessRole primary selected}}}`,
		map[string]any{"p": string(f.kit.Provider)}, &out)
	var ids []string
	var found *cal
	for i, c := range out.RefreshCalendars.Calendars {
		if c.CalendarID == calendarID {
			found = &out.RefreshCalendars.Calendars[i]
		}
		if c.Primary || c.CalendarID == calendarID {
			ids = append(ids, c.ID)
		}
	}
	if found == nil || found.Name != name || found.Selected || found.AccessRole != "owner" {
		t.Fatalf("after refreshCalendars: %+v", out.RefreshCalendars.Calendars)
	}
	f.admin.MustDo(t, `mutation($p:Provider!,$u:ID!,$ids:[ID!]!){selectImportedCalendars(provider:$p,userId:$u,calendarIds:$ids){id}}`,
		map[string]any{"p": string(f.kit.Provider), "u": f.org.Fieldworker.ID, "ids": ids}, nil)
}

func TestCalsyncCalendarIsNeverImported(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "own-"+strings.ToLower(string(k.Provider)), opts{destination: "SECONDARY"})
			dest, err := f.env.App.Client().ProviderCalendar.Query().
				Where(providercalendar.AccountID(f.acct.ID), providercalendar.CalendarID(f.acct.DestinationCalendarID)).Only(f.sys())
			if err != nil {
				t.Fatal(err)
			}
			if dest.Primary || dest.Selected {
				t.Fatalf("Calsync's calendar %+v", dest)
			}
			res := f.fw.Do(t, `mutation($p:Provider!,$ids:[ID!]!){selectImportedCalendars(provider:$p,calendarIds:$ids){id}}`,
				map[string]any{"p": string(k.Provider), "ids": []int{f.primary(t).ID, dest.ID}})
			if len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "cannot be imported") {
				t.Fatalf("importing Calsync's own calendar: %+v", res.Errors)
			}
			if f.primary(t).Selected != true {
				t.Errorf("a refused choice changed the selection")
			}
		})
	}
}

// TestCalendarShowsImportedEvents: from the provider to the app — an
// event made in Google Calendar or Outlook reaches an open calendar's
// subscription, shows in the calendar view (private ones as "Busy" to
// others), and a booking over it reports the double booking.
func TestCalendarShowsImportedEvents(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "view-"+strings.ToLower(string(k.Provider)), opts{})
			f.settle(t)
			next := f.env.Subscribe(t, f.admin, `subscription{externalEventsChanged{fieldworkerId calendarId from to}}`, nil)
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 5)
			f.create(t, spec{title: "Therapy", start: day.Add(9 * time.Hour), end: day.Add(10 * time.Hour), private: true})
			msg := next(10 * time.Second)
			if msg == nil {
				t.Fatal("no externalEventsChanged after a change at the provider")
			}
			ev, _ := msg["payload"].(map[string]any)["data"].(map[string]any)["externalEventsChanged"].(map[string]any)
			if ev["fieldworkerId"] != fmt.Sprint(f.org.Fieldworker.ID) || ev["calendarId"] != fmt.Sprint(f.primary(t).ID) || ev["from"] == nil {
				t.Errorf("externalEventsChanged = %v", ev)
			}

			const view = `query($from:Time!,$to:Time!){calendarView(from:$from,to:$to){entries{kind title private busy color webLink provider fieldworker{id}}}}`
			vars := map[string]any{"from": day.Format(time.RFC3339), "to": day.AddDate(0, 0, 1).Format(time.RFC3339)}
			type entry struct {
				Kind, Title, Color, WebLink, Provider string
				Private, Busy                         bool
			}
			read := func(c *testenv.Client) []entry {
				var out struct{ CalendarView struct{ Entries []entry } }
				c.MustDo(t, view, vars, &out)
				return out.CalendarView.Entries
			}
			wantColor := map[domain.Provider]string{domain.ProviderGoogle: "#93c572", domain.ProviderMicrosoft: "#555555"}[k.Provider]
			for who, c := range map[string]*testenv.Client{"owner": f.fw, "admin": f.admin} {
				got := read(c)
				want := "Therapy"
				if who == "admin" {
					want = "Busy"
				}
				if len(got) != 1 || got[0].Kind != "EXTERNAL" || got[0].Title != want || !got[0].Private || !got[0].Busy ||
					got[0].Color != wantColor || got[0].Provider != string(k.Provider) || !strings.HasPrefix(got[0].WebLink, "http") {
					t.Errorf("%s sees %+v, want one private EXTERNAL entry titled %q", who, got, want)
				}
			}

			// A booking over it: created, and the conflict is visible.
			var created struct{ CreateBooking struct{ ID string } }
			f.admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
				"title": "Visit", "startAt": day.Add(9*time.Hour + 30*time.Minute).Format(time.RFC3339),
				"endAt": day.Add(11 * time.Hour).Format(time.RFC3339), "hostIDs": []int{f.org.Fieldworker.ID},
			}}, &created)
			var got struct {
				Node struct {
					Conflicts []struct {
						Kind, Title string
						Fieldworker struct{ ID string }
					}
				}
			}
			f.admin.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{conflicts{kind title fieldworker{id}}}}}`, map[string]any{"id": created.CreateBooking.ID}, &got)
			if c := got.Node.Conflicts; len(c) != 1 || c[0].Kind != "EXTERNAL" || c[0].Title != "Busy" || c[0].Fieldworker.ID != fmt.Sprint(f.org.Fieldworker.ID) {
				t.Errorf("conflicts = %+v, want the imported event", c)
			}
			var over struct {
				Overlaps []struct{ Kind, Title string }
			}
			f.fw.MustDo(t, `query($u:ID!,$from:Time!,$to:Time!){overlaps(fieldworkerId:$u,from:$from,to:$to){kind title}}`, map[string]any{
				"u": f.org.Fieldworker.ID, "from": day.Add(8 * time.Hour).Format(time.RFC3339), "to": day.Add(12 * time.Hour).Format(time.RFC3339),
			}, &over)
			if len(over.Overlaps) != 2 {
				t.Errorf("overlaps for the booking form = %+v, want the event and the booking", over.Overlaps)
			}
		})
	}
}
