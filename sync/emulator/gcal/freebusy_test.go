package gcal_test

import (
	"testing"

	"google.golang.org/api/calendar/v3"
)

func TestFreeBusy(t *testing.T) {
	e := newEnv(t)
	e.account("ann@corp.example", "corp.example")
	e.account("bob@corp.example", "corp.example")
	e.account("eve@else.example", "")
	ann := e.service("ann@corp.example")
	events := []*calendar.Event{
		{Id: "bus0000001", Start: &calendar.EventDateTime{DateTime: "2030-06-03T09:00:00Z"}, End: &calendar.EventDateTime{DateTime: "2030-06-03T10:00:00Z"}},
		{Id: "bus0000002", Start: &calendar.EventDateTime{DateTime: "2030-06-03T09:30:00Z"}, End: &calendar.EventDateTime{DateTime: "2030-06-03T11:00:00Z"}},
		{Id: "free000001", Transparency: "transparent", Start: &calendar.EventDateTime{DateTime: "2030-06-03T12:00:00Z"}, End: &calendar.EventDateTime{DateTime: "2030-06-03T13:00:00Z"}},
		{Id: "standup002", Start: &calendar.EventDateTime{DateTime: "2030-06-03T15:00:00", TimeZone: "UTC"}, End: &calendar.EventDateTime{DateTime: "2030-06-03T15:30:00", TimeZone: "UTC"}, Recurrence: []string{"RRULE:FREQ=DAILY;COUNT=3"}},
	}
	for _, ev := range events {
		if _, err := ann.Events.Insert("primary", ev).Do(); err != nil {
			t.Fatalf("insert %s: %v", ev.Id, err)
		}
	}
	if _, err := e.service("bob@corp.example").Events.Insert("primary", &calendar.Event{
		Start: &calendar.EventDateTime{DateTime: "2030-06-03T08:00:00Z"}, End: &calendar.EventDateTime{DateTime: "2030-06-03T08:30:00Z"}}).Do(); err != nil {
		t.Fatal(err)
	}
	res, err := ann.Freebusy.Query(&calendar.FreeBusyRequest{
		TimeMin: "2030-06-03T00:00:00Z", TimeMax: "2030-06-04T12:00:00Z",
		Items: []*calendar.FreeBusyRequestItem{{Id: "primary"}, {Id: "bob@corp.example"}, {Id: "eve@else.example"}, {Id: "nobody@corp.example"}},
	}).Do()
	if err != nil {
		t.Fatalf("freebusy: %v", err)
	}
	mine := res.Calendars["primary"].Busy
	// Overlapping events merge, the transparent one is free, and the window
	// ends at noon on the 4th, before the second daily occurrence.
	want := [][2]string{{"2030-06-03T09:00:00Z", "2030-06-03T11:00:00Z"}, {"2030-06-03T15:00:00Z", "2030-06-03T15:30:00Z"}}
	if len(mine) != len(want) {
		t.Fatalf("busy %+v", mine)
	}
	for i, w := range want {
		if mine[i].Start != w[0] || mine[i].End != w[1] {
			t.Fatalf("busy[%d] = %s..%s, want %s..%s", i, mine[i].Start, mine[i].End, w[0], w[1])
		}
	}
	if b := res.Calendars["bob@corp.example"]; len(b.Busy) != 1 || len(b.Errors) != 0 {
		t.Fatalf("colleague %+v", b)
	}
	for _, id := range []string{"eve@else.example", "nobody@corp.example"} {
		if c := res.Calendars[id]; len(c.Errors) != 1 || c.Errors[0].Reason != "notFound" {
			t.Fatalf("%s: %+v", id, c)
		}
	}
	_, err = ann.Freebusy.Query(&calendar.FreeBusyRequest{TimeMin: "2030-06-03T00:00:00Z", TimeMax: "2030-06-02T00:00:00Z"}).Do()
	apiErr(t, err, 400, "timeRangeEmpty")
}
