package gcal_test

import (
	"testing"
	"time"

	"google.golang.org/api/calendar/v3"
)

func TestSingleEventsExpansionWithExceptions(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	// Weekly on Mondays 09:00 Berlin, five times, without the second.
	series := &calendar.Event{
		Id:         "standup001",
		Summary:    "Standup",
		Start:      &calendar.EventDateTime{DateTime: "2030-01-07T09:00:00", TimeZone: "Europe/Berlin"},
		End:        &calendar.EventDateTime{DateTime: "2030-01-07T09:30:00", TimeZone: "Europe/Berlin"},
		Recurrence: []string{"RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;TZID=Europe/Berlin:20300114T090000"},
	}
	if _, err := svc.Events.Insert("primary", series).Do(); err != nil {
		t.Fatalf("insert series: %v", err)
	}
	_, token := listAll(t, svc.Events.List("primary"))

	inst, err := svc.Events.Instances("primary", "standup001").Do()
	if err != nil {
		t.Fatalf("instances: %v", err)
	}
	if len(inst.Items) != 4 || inst.Items[0].Id != "standup001_20300107T080000Z" || inst.Items[1].Id != "standup001_20300121T080000Z" {
		t.Fatalf("instances %d: %v", len(inst.Items), ids(inst.Items))
	}
	third, fourth := inst.Items[1], inst.Items[2]
	if third.RecurringEventId != "standup001" || third.OriginalStartTime == nil || third.OriginalStartTime.DateTime != "2030-01-21T09:00:00+01:00" {
		t.Fatalf("instance fields %+v %+v", third, third.OriginalStartTime)
	}

	// Move the third occurrence by an hour and cancel the fourth.
	moved, err := svc.Events.Patch("primary", third.Id, &calendar.Event{
		Summary: "Standup (late)",
		Start:   &calendar.EventDateTime{DateTime: "2030-01-21T10:00:00", TimeZone: "Europe/Berlin"},
		End:     &calendar.EventDateTime{DateTime: "2030-01-21T10:30:00", TimeZone: "Europe/Berlin"},
	}).Do()
	if err != nil {
		t.Fatalf("patch instance: %v", err)
	}
	if moved.Id != third.Id || moved.RecurringEventId != "standup001" || moved.OriginalStartTime.DateTime != "2030-01-21T09:00:00+01:00" {
		t.Fatalf("exception %+v", moved)
	}
	if err := svc.Events.Delete("primary", fourth.Id).Do(); err != nil {
		t.Fatalf("delete instance: %v", err)
	}
	apiErr(t, svc.Events.Delete("primary", fourth.Id).Do(), 410, "deleted")
	apiErr(t, svc.Events.Delete("primary", "standup001_20300114T080000Z").Do(), 404, "notFound") // excluded by EXDATE

	expanded, _ := listAll(t, svc.Events.List("primary").SingleEvents(true).OrderBy("startTime").
		TimeMin("2030-01-01T00:00:00Z").TimeMax("2030-03-01T00:00:00Z"))
	if got := ids(expanded); len(got) != 3 || got[0] != "standup001_20300107T080000Z" || got[1] != third.Id || got[2] != "standup001_20300204T080000Z" {
		t.Fatalf("expanded %v", got)
	}
	if expanded[1].Summary != "Standup (late)" || expanded[1].Start.DateTime != "2030-01-21T10:00:00+01:00" {
		t.Fatalf("exception not applied: %+v", expanded[1].Start)
	}
	withDeleted, _ := listAll(t, svc.Events.List("primary").SingleEvents(true).ShowDeleted(true))
	if len(withDeleted) != 4 {
		t.Fatalf("showDeleted expansion has %d items", len(withDeleted))
	}

	// Not expanded: the master plus the modified exception.
	plain, _ := listAll(t, svc.Events.List("primary"))
	if got := ids(plain); len(got) != 2 {
		t.Fatalf("unexpanded list %v", got)
	}

	// The incremental sync reports both exceptions; the cancelled one
	// keeps its series id and original start.
	changes, _ := listAll(t, svc.Events.List("primary").SyncToken(token))
	var cancelled *calendar.Event
	for _, c := range changes {
		if c.Id == fourth.Id {
			cancelled = c
		}
	}
	if len(changes) != 2 || cancelled == nil || cancelled.Status != "cancelled" || cancelled.RecurringEventId != "standup001" || cancelled.OriginalStartTime == nil {
		t.Fatalf("sync changes %v, cancelled %+v", ids(changes), cancelled)
	}

	// Deleting the series cancels its exceptions.
	if err := svc.Events.Delete("primary", "standup001").Do(); err != nil {
		t.Fatal(err)
	}
	left, _ := listAll(t, svc.Events.List("primary").SingleEvents(true))
	if len(left) != 0 {
		t.Fatalf("after deleting the series %v", ids(left))
	}
}

func TestAllDaySeriesAndUnboundedRule(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	daily := &calendar.Event{
		Id: "repeat0001", Summary: "Daily",
		Start: &calendar.EventDateTime{Date: "2030-03-01"}, End: &calendar.EventDateTime{Date: "2030-03-02"},
		Recurrence: []string{"RRULE:FREQ=DAILY", "EXDATE;VALUE=DATE:20300303"},
	}
	if _, err := svc.Events.Insert("primary", daily).Do(); err != nil {
		t.Fatal(err)
	}
	items, _ := listAll(t, svc.Events.List("primary").SingleEvents(true).OrderBy("startTime").
		TimeMin("2030-03-01T00:00:00Z").TimeMax("2030-03-06T00:00:00Z"))
	if got := ids(items); len(got) != 4 || got[0] != "repeat0001_20300301" || got[2] != "repeat0001_20300304" || items[0].Start.Date != "2030-03-01" {
		t.Fatalf("all-day expansion %v", got)
	}
	// Without timeMax the expansion stops at the horizon instead of running forever.
	start := time.Now()
	all, _ := listAll(t, svc.Events.List("primary").SingleEvents(true).MaxResults(2500))
	if len(all) == 0 || len(all) > 2500 || time.Since(start) > 10*time.Second {
		t.Fatalf("unbounded expansion gave %d items", len(all))
	}
}

func ids(items []*calendar.Event) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.Id)
	}
	return out
}
