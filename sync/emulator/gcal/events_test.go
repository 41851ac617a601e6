package gcal_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
)

func TestInsertWithClientIDAndDuplicate(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	start := e.clock.Now().Add(48 * time.Hour).Truncate(time.Hour)

	ev, err := svc.Events.Insert("primary", newEvent("booking0001", "Booking", start)).SendUpdates("none").Do()
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	if ev.Id != "booking0001" || ev.Status != "confirmed" || ev.Etag == "" || ev.ICalUID != "booking0001@google.com" ||
		ev.HtmlLink == "" || ev.Created == "" || ev.Updated == "" || ev.Kind != "calendar#event" || ev.Reminders == nil || !ev.Reminders.UseDefault {
		t.Fatalf("inserted event %+v", ev)
	}
	if ev.Start.DateTime != start.UTC().Format(time.RFC3339) {
		t.Fatalf("start %q", ev.Start.DateTime)
	}

	// Re-inserting the same id — a retried create — is 409 duplicate.
	_, err = svc.Events.Insert("primary", newEvent("booking0001", "Booking", start)).Do()
	apiErr(t, err, 409, "duplicate")

	for _, id := range []string{"abc", "UPPERCASE1", "has-dash-1", "wxyz12345", strings.Repeat("a", 1025)} {
		_, err = svc.Events.Insert("primary", newEvent(id, "bad id", start)).Do()
		apiErr(t, err, 400, "invalid")
	}

	// Even a deleted event's id cannot be reused.
	if err := svc.Events.Delete("primary", "booking0001").Do(); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = svc.Events.Insert("primary", newEvent("booking0001", "again", start)).Do()
	apiErr(t, err, 409, "duplicate")

	// Without an id the emulator picks a base32hex one.
	ev, err = svc.Events.Insert("primary", newEvent("", "generated", start)).Do()
	if err != nil || len(ev.Id) < 5 || strings.Trim(ev.Id, "0123456789abcdefghijklmnopqrstuv") != "" {
		t.Fatalf("generated id %q (%v)", ev.Id, err)
	}
}

func TestInsertValidation(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	now := e.clock.Now()
	s, en := timed(now, time.Hour)
	for _, tc := range []struct {
		name   string
		ev     *calendar.Event
		reason string
	}{
		{"no end", &calendar.Event{Summary: "x", Start: s}, "required"},
		{"end before start", &calendar.Event{Start: en, End: s}, "timeRangeEmpty"},
		{"bad dateTime", &calendar.Event{Start: &calendar.EventDateTime{DateTime: "tomorrow"}, End: en}, "invalid"},
		{"mixed date kinds", &calendar.Event{Start: &calendar.EventDateTime{Date: "2030-01-01"}, End: en}, "invalid"},
		{"bad time zone", &calendar.Event{Start: &calendar.EventDateTime{DateTime: "2030-01-01T10:00:00", TimeZone: "Mars/Olympus"}, End: en}, "invalid"},
		{"local time without zone", &calendar.Event{Start: &calendar.EventDateTime{DateTime: "2030-01-01T10:00:00"}, End: en}, "required"},
		{"recurrence without zone", &calendar.Event{Start: s, End: en, Recurrence: []string{"RRULE:FREQ=DAILY"}}, "required"},
		{"bad rrule", &calendar.Event{Start: &calendar.EventDateTime{DateTime: "2030-01-01T10:00:00", TimeZone: "UTC"}, End: &calendar.EventDateTime{DateTime: "2030-01-01T11:00:00", TimeZone: "UTC"}, Recurrence: []string{"RRULE:FREQ=SOMETIMES"}}, "invalid"},
		{"bad color", &calendar.Event{Start: s, End: en, ColorId: "99"}, "invalid"},
		{"long property key", &calendar.Event{Start: s, End: en, ExtendedProperties: &calendar.EventExtendedProperties{Private: map[string]string{strings.Repeat("k", 45): "v"}}}, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Events.Insert("primary", tc.ev).Do()
			apiErr(t, err, 400, tc.reason)
		})
	}

	// Malformed JSON gets Google's parse error.
	tok := e.token("ann@example.com", scopeCalendar)
	req, _ := http.NewRequest("POST", e.srv.URL+"/google/calendar/v3/calendars/primary/events?alt=json&prettyPrint=false", strings.NewReader(`{"summary":`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = googleapi.CheckResponse(resp)
	resp.Body.Close()
	apiErr(t, err, 400, "parseError")
}

func TestAllDayAndFieldsRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.emu.CreateAccount(gcalAccount("ann@example.com", "Europe/Berlin"))
	svc := e.service("ann@example.com")
	in := &calendar.Event{
		Id: "a11dae00001", Summary: "Holiday", Description: "Away", Location: "Beach",
		Start: &calendar.EventDateTime{Date: "2030-07-01"}, End: &calendar.EventDateTime{Date: "2030-07-03"},
		ColorId: "5", Transparency: "transparent", Visibility: "private",
		Reminders: &calendar.EventReminders{Overrides: []*calendar.EventReminder{{Method: "popup", Minutes: 30}}, ForceSendFields: []string{"UseDefault"}},
	}
	if _, err := svc.Events.Insert("primary", in).Do(); err != nil {
		t.Fatalf("insert: %v", err)
	}
	got, err := svc.Events.Get("primary", "a11dae00001").Do()
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Start.Date != "2030-07-01" || got.End.Date != "2030-07-03" || got.ColorId != "5" || got.Transparency != "transparent" ||
		got.Visibility != "private" || got.Reminders.UseDefault || len(got.Reminders.Overrides) != 1 || got.Location != "Beach" {
		t.Fatalf("round trip %+v", got)
	}
	// A timed event without a zone is shown in the calendar's zone.
	ev, err := svc.Events.Insert("primary", &calendar.Event{Start: &calendar.EventDateTime{DateTime: "2030-01-10T09:00:00Z"}, End: &calendar.EventDateTime{DateTime: "2030-01-10T10:00:00Z"}}).Do()
	if err != nil || ev.Start.DateTime != "2030-01-10T10:00:00+01:00" {
		t.Fatalf("zone rendering %v %v", err, ev)
	}
	// Partial responses honour fields.
	part, err := svc.Events.Get("primary", "a11dae00001").Fields("id,start(date)").Do()
	if err != nil || part.Id != "a11dae00001" || part.Summary != "" || part.Start.Date != "2030-07-01" {
		t.Fatalf("fields: %v %+v", err, part)
	}
}

func TestPatchMergesAndUpdateReplaces(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	ev := newEvent("patch000001", "Original", e.clock.Now().Add(time.Hour))
	ev.Description = "keep me"
	ev.ExtendedProperties = &calendar.EventExtendedProperties{Private: map[string]string{"calsyncId": "b-1", "owner": "calsync"}}
	ins, err := svc.Events.Insert("primary", ev).Do()
	if err != nil {
		t.Fatal(err)
	}

	patched, err := svc.Events.Patch("primary", ins.Id, &calendar.Event{
		Summary:            "Renamed",
		ExtendedProperties: &calendar.EventExtendedProperties{Private: map[string]string{"version": "2"}},
	}).Do()
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	p := patched.ExtendedProperties.Private
	if patched.Summary != "Renamed" || patched.Description != "keep me" || p["calsyncId"] != "b-1" || p["owner"] != "calsync" || p["version"] != "2" {
		t.Fatalf("patch did not merge: %+v %v", patched, p)
	}
	if patched.Etag == ins.Etag || patched.Sequence != ins.Sequence {
		t.Fatalf("etag must change, sequence must not for a title change: %s/%s %d/%d", ins.Etag, patched.Etag, ins.Sequence, patched.Sequence)
	}

	// A full update drops what it does not send.
	s, en := timed(e.clock.Now().Add(3*time.Hour), time.Hour)
	updated, err := svc.Events.Update("primary", ins.Id, &calendar.Event{Summary: "Replaced", Start: s, End: en}).Do()
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.Description != "" || updated.ExtendedProperties != nil || updated.Sequence != ins.Sequence+1 {
		t.Fatalf("update kept fields or sequence wrong: %+v", updated)
	}
}

func TestIfMatchPreconditions(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	ins, err := svc.Events.Insert("primary", newEvent("ifmatch0001", "A", e.clock.Now())).Do()
	if err != nil {
		t.Fatal(err)
	}
	// Someone else changes the event: the etag moves on.
	if _, err := e.emu.PatchEventAsUser("ann@example.com", ins.Id, []byte(`{"summary":"changed in the UI"}`)); err != nil {
		t.Fatal(err)
	}

	call := svc.Events.Patch("primary", ins.Id, &calendar.Event{Summary: "B"})
	call.Header().Set("If-Match", ins.Etag)
	_, err = call.Do()
	apiErr(t, err, 412, "conditionNotMet")

	upd := svc.Events.Update("primary", ins.Id, newEvent("", "C", e.clock.Now()))
	upd.Header().Set("If-Match", ins.Etag)
	_, err = upd.Do()
	apiErr(t, err, 412, "conditionNotMet")

	del := svc.Events.Delete("primary", ins.Id)
	del.Header().Set("If-Match", ins.Etag)
	apiErr(t, del.Do(), 412, "conditionNotMet")

	// With the current etag it works.
	cur, err := svc.Events.Get("primary", ins.Id).Do()
	if err != nil || cur.Summary != "changed in the UI" {
		t.Fatalf("get: %v %+v", err, cur)
	}
	call = svc.Events.Patch("primary", ins.Id, &calendar.Event{Summary: "B"})
	call.Header().Set("If-Match", cur.Etag)
	if _, err := call.Do(); err != nil {
		t.Fatalf("patch with current etag: %v", err)
	}
	// If-None-Match on get answers 304 when unchanged.
	now, _ := svc.Events.Get("primary", ins.Id).Do()
	_, err = svc.Events.Get("primary", ins.Id).IfNoneMatch(now.Etag).Do()
	if !googleapi.IsNotModified(err) {
		t.Fatalf("want 304, got %v", err)
	}
}

func TestDeleteTwiceAndNeverExisted(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	if _, err := svc.Events.Insert("primary", newEvent("delete00001", "A", e.clock.Now())).Do(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Events.Delete("primary", "delete00001").Do(); err != nil {
		t.Fatalf("delete: %v", err)
	}
	apiErr(t, svc.Events.Delete("primary", "delete00001").Do(), 410, "deleted")
	apiErr(t, svc.Events.Delete("primary", "never000001").Do(), 404, "notFound")
	// A deleted event can still be read, cancelled.
	got, err := svc.Events.Get("primary", "delete00001").Do()
	if err != nil || got.Status != "cancelled" {
		t.Fatalf("get deleted: %v %+v", err, got)
	}
	_, err = svc.Events.Get("primary", "never000001").Do()
	apiErr(t, err, 404, "notFound")
}

func TestCalendarsAndEscapedIDs(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	cal, err := svc.Calendars.Insert(&calendar.Calendar{Summary: "Bookings", TimeZone: "America/New_York"}).Do()
	if err != nil {
		t.Fatalf("calendars.insert: %v", err)
	}
	if !strings.HasSuffix(cal.Id, "@group.calendar.google.com") || cal.TimeZone != "America/New_York" {
		t.Fatalf("calendar %+v", cal)
	}
	_, err = svc.Calendars.Insert(&calendar.Calendar{}).Do()
	apiErr(t, err, 400, "required")

	if _, err := svc.Events.Insert(cal.Id, newEvent("second0001", "On the side", e.clock.Now())).Do(); err != nil {
		t.Fatalf("insert into secondary: %v", err)
	}
	list, err := svc.CalendarList.List().Do()
	if err != nil || len(list.Items) != 2 || !list.Items[0].Primary || list.Items[1].Id != cal.Id {
		t.Fatalf("calendarList %v %+v", err, list)
	}
	if got, err := svc.Calendars.Patch(cal.Id, &calendar.Calendar{Summary: "Renamed"}).Do(); err != nil || got.Summary != "Renamed" || got.TimeZone != "America/New_York" {
		t.Fatalf("calendars.patch %v %+v", err, got)
	}
	if got, err := svc.CalendarList.Get("ann@example.com").Do(); err != nil || !got.Primary {
		t.Fatalf("calendarList.get %v %+v", err, got)
	}

	// Raw percent-escaped ids reach the same calendars.
	tok := e.token("ann@example.com", scopeCalendar)
	for _, path := range []string{"/calendars/ann%40example.com/events", "/calendars/" + strings.ReplaceAll(cal.Id, "@", "%40") + "/events/second0001"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/google/calendar/v3"+path+"?alt=json&prettyPrint=false", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}

	// Another user's calendar does not exist for ann.
	e.account("bob@example.com", "")
	_, err = svc.Events.List("bob@example.com").Do()
	apiErr(t, err, 404, "notFound")

	colors, err := svc.Colors.Get().Do()
	if err != nil || len(colors.Event) != 11 || colors.Event["11"].Background == "" {
		t.Fatalf("colors: %v %+v", err, colors)
	}

	// calendars.clear empties the primary calendar.
	if _, err := svc.Events.Insert("primary", newEvent("clear00001", "to clear", e.clock.Now())).Do(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Calendars.Clear("primary").Do(); err != nil {
		t.Fatalf("calendars.clear: %v", err)
	}
	if left, _ := listAll(t, svc.Events.List("primary")); len(left) != 0 {
		t.Fatalf("clear left %d events", len(left))
	}

	apiErr(t, svc.Calendars.Delete("primary").Do(), 403, "cannotDeletePrimaryCalendar")
	if err := svc.Calendars.Delete(cal.Id).Do(); err != nil {
		t.Fatalf("calendars.delete: %v", err)
	}
	_, err = svc.Calendars.Get(cal.Id).Do()
	apiErr(t, err, 404, "notFound")
}

func TestAuthErrorsAndScopes(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	_, err := e.serviceWithClient(http.DefaultClient).Events.List("primary").Do()
	apiErr(t, err, 401, "required")
	_, err = e.serviceWithToken("ya29.forged").Events.List("primary").Do()
	apiErr(t, err, 401, "authError")

	ro := e.service("ann@example.com", scopeReadonly)
	if _, err := ro.Events.List("primary").Do(); err != nil {
		t.Fatalf("readonly list: %v", err)
	}
	_, err = ro.Events.Insert("primary", newEvent("", "x", e.clock.Now())).Do()
	apiErr(t, err, 403, "insufficientPermissions")

	events := e.service("ann@example.com", "https://www.googleapis.com/auth/calendar.events")
	if _, err := events.Events.Insert("primary", newEvent("", "x", e.clock.Now())).Do(); err != nil {
		t.Fatalf("calendar.events insert: %v", err)
	}
	_, err = events.CalendarList.List().Do()
	apiErr(t, err, 403, "insufficientPermissions")
}
