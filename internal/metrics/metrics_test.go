package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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

// TestWebhookDeliveries: deliveries are counted by provider and the status
// answered; a path naming no provider counts as "other" (bounded labels).
func TestWebhookDeliveries(t *testing.T) {
	m := New(Sources{})
	h := m.Webhooks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Answer") {
		case "forged":
			w.WriteHeader(http.StatusForbidden)
		case "accepted":
			w.WriteHeader(http.StatusAccepted)
		default:
			_, _ = w.Write([]byte("validation-token")) // an implicit 200
		}
	}))
	for _, c := range []struct{ path, answer string }{
		{"/webhooks/google", ""}, {"/webhooks/google", "forged"}, {"/webhooks/microsoft", "accepted"},
		{"/webhooks/microsoft", "accepted"}, {"/webhooks/evil%2Fpath", "forged"},
	} {
		req := httptest.NewRequest("POST", c.path, nil)
		req.Header.Set("X-Answer", c.answer)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	for _, c := range []struct {
		provider, code string
		want           float64
	}{{"google", "200", 1}, {"google", "403", 1}, {"microsoft", "202", 2}, {"other", "403", 1}} {
		if got := webhookCount(t, m, c.provider, c.code); got != c.want {
			t.Errorf("deliveries{%s,%s} = %v, want %v", c.provider, c.code, got, c.want)
		}
	}
}

func webhookCount(t *testing.T, m *Metrics, provider, code string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "calsync_webhook_deliveries_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["provider"] == provider && labels["code"] == code {
				return s.GetCounter().GetValue()
			}
		}
	}
	return 0
}
