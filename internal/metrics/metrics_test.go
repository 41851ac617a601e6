package metrics

import (
	"fmt"
	"testing"
)

func TestPathTemplate(t *testing.T) {
	cases := []struct{ provider, path, want string }{
		{"google", "/calendar/v3/calendars/abc123@group.calendar.google.com/events/evt9", "/calendar/v3/calendars/{id}/events/{id}"},
		{"google", "/google/calendar/v3/calendars/primary/events", "/calendar/v3/calendars/{id}/events"},
		{"google", "/google/batch/calendar/v3", "/batch/calendar/v3"},
		{"google", "/token", "/token"},
		{"microsoft", "/graph/v1.0/users/5f0c-11/calendars/AAMk==/events", "/v1.0/users/{id}/calendars/{id}/events"},
		{"microsoft", "/v1.0/$batch", "/v1.0/$batch"},
		{"microsoft", "/microsoft/common/oauth2/v2.0/token", "/{id}/oauth2/v2.0/token"},
		{"microsoft", "/graph/me", "/me"},
		{"microsoft", "/graph/v1.0/me/calendars/AAMk==/calendarView/microsoft.graph.delta()", "/v1.0/me/calendars/{id}/calendarView/microsoft.graph.delta()"},
		{"google", "/a/b/c/d/e/f/g/h/i/j", "/{id}/{id}/{id}/{id}/{id}/{id}/{id}/{id}/…"},
	}
	for _, c := range cases {
		if got := PathTemplate(c.provider, c.path); got != c.want {
			t.Errorf("PathTemplate(%s, %s) = %s, want %s", c.provider, c.path, got, c.want)
		}
	}
}

// TestOperationNamesBounded: odd names and names past the cap are
// "other"; names already known stay themselves.
func TestOperationNamesBounded(t *testing.T) {
	var n operationNames
	for _, c := range []struct{ name, want string }{
		{"", "anonymous"}, {"Bookings", "Bookings"}, {"with space", "other"}, {"ä", "other"},
		{string(make([]byte, 65)), "other"},
	} {
		if got := n.label(c.name); got != c.want {
			t.Errorf("label(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	for i := range maxOperationNames + 10 {
		n.label(fmt.Sprintf("Op%d", i))
	}
	if got := n.label("Bookings"); got != "Bookings" {
		t.Errorf("a known name became %q", got)
	}
	if got := n.label("BrandNew"); got != "other" {
		t.Errorf("a name past the cap is %q", got)
	}
	if len(n.seen) != maxOperationNames {
		t.Errorf("%d names kept, want %d", len(n.seen), maxOperationNames)
	}
}
