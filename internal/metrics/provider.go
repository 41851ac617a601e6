package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ProviderClient returns a copy of hc whose requests are counted and
// timed as calls to provider. Operations are the method and a path
// template: segments that are not part of the providers' API vocabulary
// (calendar, event, user and tenant ids) become {id}, so the label stays
// bounded.
func (m *Metrics) ProviderClient(provider string, hc *http.Client) *http.Client {
	c := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &providerTransport{m: m, provider: provider, base: base}
	return &c
}

type providerTransport struct {
	m        *Metrics
	provider string
	base     http.RoundTripper
}

func (t *providerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := ProviderOperation(t.provider, req)
	start := time.Now()
	res, err := t.base.RoundTrip(req)
	code := "error"
	if err == nil {
		code = strconv.Itoa(res.StatusCode)
	}
	t.m.providerReqs.WithLabelValues(t.provider, op, code).Inc()
	t.m.providerTime.WithLabelValues(t.provider, op).Observe(time.Since(start).Seconds())
	return res, err
}

// ProviderOperation names a request to provider by its method and path
// template, e.g. "POST /calendar/v3/calendars/{id}/events": the operation
// label, and the name of the request's client span.
func ProviderOperation(provider string, req *http.Request) string {
	return req.Method + " " + PathTemplate(provider, req.URL.Path)
}

// apiWords are the path segments of the Google Calendar, Graph and OAuth
// endpoints Calsync calls; any other segment is an id.
var apiWords = map[string]bool{
	"calendar": true, "v3": true, "calendars": true, "events": true, "batch": true, "instances": true,
	"calendarList": true, "watch": true, "channels": true, "stop": true, "acl": true,
	"o": true, "oauth2": true, "v1": true, "v2": true, "v2.0": true, "v1.0": true, "auth": true, "authorize": true,
	"token": true, "revoke": true, "userinfo": true, "users": true, "me": true, "$batch": true,
	"calendarView": true, "subscriptions": true, "organization": true, "delta": true,
	// Graph function calls as the SDK spells them in the path.
	"delta()": true, "microsoft.graph.delta()": true,
}

// emulatorPrefixes are the first path segments under which the
// emulators serve each provider (stripped, so the emulator and the real
// provider give the same operations).
var emulatorPrefixes = map[string][]string{
	"google":    {"google"},
	"microsoft": {"graph", "microsoft"},
}

// maxSegments bounds the template's length.
const maxSegments = 8

// PathTemplate is path with ids replaced by {id}, e.g.
// /calendar/v3/calendars/{id}/events/{id}.
func PathTemplate(provider, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 0 {
		for _, p := range emulatorPrefixes[provider] {
			if segs[0] == p {
				segs = segs[1:]
				break
			}
		}
	}
	if len(segs) > maxSegments {
		segs = append(segs[:maxSegments], "…")
	}
	for i, s := range segs {
		if s != "…" && !apiWords[s] {
			segs[i] = "{id}"
		}
	}
	return "/" + strings.Join(segs, "/")
}
