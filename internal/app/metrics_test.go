package app_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"calsync/internal/app"
	"calsync/internal/config"
	"calsync/internal/logging"
	"calsync/internal/testenv"
	"calsync/sync/emulator"
	"calsync/sync/tasks"
)

// series is one line of a scrape: its labels and value.
type series struct {
	labels map[string]string
	value  float64
}

// scrape GETs /metrics from h and returns the series by metric name.
func scrape(t *testing.T, h http.Handler) map[string][]series {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", res.Status)
	}
	out := map[string][]series{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape line %q: %v", line, err)
		}
		key, s := line[:i], series{labels: map[string]string{}, value: v}
		name, labels, _ := strings.Cut(key, "{")
		for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				s.labels[k] = strings.Trim(v, `"`)
			}
		}
		out[name] = append(out[name], s)
	}
	return out
}

// find returns the series of name whose labels include want.
func find(m map[string][]series, name string, want map[string]string) []series {
	var out []series
	for _, s := range m[name] {
		ok := true
		for k, v := range want {
			if s.labels[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

func sum(ss []series) float64 {
	var n float64
	for _, s := range ss {
		n += s.value
	}
	return n
}

// TestMetricsAfterASync: a fieldworker links Google, an admin creates a
// booking for them through a named GraphQL operation, and the event
// reaches the emulator; the scrape then holds the request, the operation,
// the tasks, the provider calls with id-free paths, the push lag, the
// queues and the accounts.
func TestMetricsAfterASync(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	l := linkFieldworker(t, env, testenv.Kits[0], "metrics")
	org, admin, acct, sys := l.org, l.admin, l.acct, l.sys

	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	admin.MustDo(t, `mutation CreateBooking($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
		"title": "Metered visit", "startAt": start.Format(time.RFC3339), "endAt": start.Add(time.Hour).Format(time.RFC3339),
		"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)}, "customerName": "Ann",
	}}, nil)
	// A named operation that fails, and one whose name is not a label.
	if r := admin.Do(t, `query Missing($id:ID!){node(id:$id){id}}`, map[string]any{"id": "nope"}); len(r.Errors) == 0 {
		t.Fatal("a node query for a bad id succeeded")
	}
	admin.MustDo(t, `query `+strings.Repeat("Long", 20)+`{__typename}`, nil, nil)

	var m map[string][]series
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs, err := env.App.Emulators.GoogleEvents(acct.DestinationCalendarID)
		if err != nil {
			t.Fatal(err)
		}
		pushed := slices.ContainsFunc(evs, func(e emulator.HeldEvent) bool { return e.Title == "Metered visit" })
		m = scrape(t, env.App.MetricsHandler())
		// The task is counted after its handler returns: wait for both.
		if pushed && sum(find(m, "calsync_push_lag_seconds_count", nil)) > 0 && sum(find(m, "calsync_tasks_total", map[string]string{"type": tasks.TypeAccountSync})) > 0 {
			break
		}
		if time.Now().After(deadline) {
			runs, _ := env.App.Client().SyncRun.Query().All(sys)
			for _, r := range runs {
				t.Logf("run %s %s created=%d updated=%d", r.Kind, r.State, r.CreatedCount, r.UpdatedCount)
			}
			for _, e := range evs {
				t.Logf("event %q", e.Title)
			}
			t.Logf("tasks %v", m["calsync_tasks_total"])
			t.Fatalf("no push measured after 15 s (calendar holds %d events): %v", len(evs), m["calsync_push_lag_seconds_count"])
		}
		time.Sleep(50 * time.Millisecond)
	}

	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"calsync_http_requests_total", map[string]string{"route": "/graphql", "code": "200"}, 4},
		{"calsync_http_requests_total", map[string]string{"route": "GET /oauth/{provider}/callback"}, 1},
		{"calsync_http_request_duration_seconds_count", map[string]string{"route": "/graphql"}, 4},
		{"calsync_graphql_operations_total", map[string]string{"operation": "CreateBooking", "outcome": "ok"}, 1},
		{"calsync_graphql_operations_total", map[string]string{"operation": "Missing", "outcome": "error"}, 1},
		{"calsync_graphql_operations_total", map[string]string{"operation": "anonymous", "outcome": "ok"}, 1},
		{"calsync_graphql_operation_duration_seconds_count", map[string]string{"operation": "CreateBooking"}, 1},
		{"calsync_tasks_total", map[string]string{"type": tasks.TypeAccountSync, "outcome": "ok"}, 1},
		{"calsync_tasks_total", map[string]string{"type": tasks.TypeAccountSync, "outcome": "ok"}, 1},
		{"calsync_task_duration_seconds_count", map[string]string{"type": tasks.TypeAccountSync}, 1},
		{"calsync_provider_requests_total", map[string]string{"provider": "google", "operation": "POST /token", "code": "200"}, 1},
		{"calsync_provider_request_duration_seconds_count", map[string]string{"provider": "google"}, 2},
		{"calsync_push_lag_seconds_count", nil, 1},
		{"calsync_calendar_accounts", map[string]string{"status": "ACTIVE"}, 1},
	}
	for _, c := range checks {
		if got := sum(find(m, c.name, c.labels)); got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	if n := sum(find(m, "calsync_calendar_accounts", map[string]string{"status": "ERROR"})); len(find(m, "calsync_calendar_accounts", map[string]string{"status": "ERROR"})) != 1 || n != 0 {
		t.Errorf("calendar accounts in ERROR: %v series, %v", len(find(m, "calsync_calendar_accounts", map[string]string{"status": "ERROR"})), n)
	}
	for _, q := range []string{tasks.QueueSync, tasks.QueueDefault} {
		if len(find(m, "calsync_queue_depth", map[string]string{"queue": q, "state": "pending"})) != 1 {
			t.Errorf("no queue depth for %s", q)
		}
	}
	// Labels stay bounded: no raw path, no odd operation name, no id in a
	// provider path.
	for _, s := range m["calsync_http_requests_total"] {
		if strings.Contains(s.labels["route"], strconv.Itoa(org.ID)) || strings.Contains(s.labels["route"], "?") {
			t.Errorf("raw path as route: %v", s.labels)
		}
	}
	if len(find(m, "calsync_graphql_operations_total", map[string]string{"operation": "other"})) != 1 {
		t.Errorf("the operation with an 80-character name was not counted as other: %v", m["calsync_graphql_operations_total"])
	}
	for _, s := range m["calsync_provider_requests_total"] {
		_, path, _ := strings.Cut(s.labels["operation"], " ")
		for _, seg := range strings.Split(path, "/") {
			if strings.Contains(seg, "@") || strings.ContainsAny(seg, "0123456789") && !strings.HasPrefix(seg, "v") && seg != "oauth2" {
				t.Errorf("provider operation with an id: %q", s.labels["operation"])
			}
		}
	}
	if sum(find(m, "calsync_provider_requests_total", map[string]string{"provider": "google", "operation": "POST /calendar/v3/calendars/{id}/events", "code": "200"})) < 2 {
		t.Errorf("the two event inserts are not counted: %v", m["calsync_provider_requests_total"])
	}
	lagSum := sum(find(m, "calsync_push_lag_seconds_sum", nil))
	if lagSum <= 0 || lagSum > 15*sum(find(m, "calsync_push_lag_seconds_count", nil)) {
		t.Errorf("push lag sum %v s is not within 15 s per push", lagSum)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if len(m[name]) == 0 {
			t.Errorf("no %s (runtime collectors)", name)
		}
	}
}

// lockedBuffer is a bytes.Buffer several goroutines may log to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestJSONLogCarriesRequestID: in JSON mode, a line logged while serving
// a request (readiness failing) carries the request id the response
// names in X-Request-Id; each request gets its own.
func TestJSONLogCarriesRequestID(t *testing.T) {
	cfg, err := config.FromEnv(func(k string) string {
		if k == "CALSYNC_LOG_FORMAT" {
			return "json"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = base64.StdEncoding.EncodeToString(key)
	cfg.SeedDemo = false
	cfg.RedisURL = ""
	var buf lockedBuffer
	a, err := app.New(context.Background(), cfg, app.Options{Logger: logging.New(&buf, cfg.LogFormat, cfg.LogLevel)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	get := func() *http.Response {
		res, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	ok := get()
	if ok.StatusCode != http.StatusOK || ok.Header.Get("X-Request-Id") == "" {
		t.Fatalf("ready: %s, X-Request-Id %q", ok.Status, ok.Header.Get("X-Request-Id"))
	}
	// The database gone, readiness fails and says so in the log.
	if err := a.DB.SQL.Close(); err != nil {
		t.Fatal(err)
	}
	res := get()
	id := res.Header.Get("X-Request-Id")
	if res.StatusCode != http.StatusServiceUnavailable || id == "" || id == ok.Header.Get("X-Request-Id") {
		t.Fatalf("not ready: %s, X-Request-Id %q (the first request had %q)", res.Status, id, ok.Header.Get("X-Request-Id"))
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "not ready" {
			found = true
			if rec["request_id"] != id {
				t.Errorf("request_id = %v, want %q: %s", rec["request_id"], id, line)
			}
		}
	}
	if !found {
		t.Fatalf("no \"not ready\" line in:\n%s", buf.String())
	}
}

// TestMicrosoftProviderMetrics: Graph calls made through the Microsoft
// SDK are counted like Google's, by the templated operation (no user,
// calendar or event id, no email) and the status — the token exchange
// and the event writes of a push.
func TestMicrosoftProviderMetrics(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	l := linkFieldworker(t, env, testenv.Kits[1], "msmetrics")
	org, admin, acct := l.org, l.admin, l.acct
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	admin.MustDo(t, `mutation CreateBooking($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
		"title": "Metered Outlook visit", "startAt": start.Format(time.RFC3339), "endAt": start.Add(time.Hour).Format(time.RFC3339),
		"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)},
	}}, nil)

	var m map[string][]series
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		evs, err := env.App.Emulators.MicrosoftEvents(org.Fieldworker.Email, acct.DestinationCalendarID)
		if err != nil {
			t.Fatal(err)
		}
		pushed := slices.ContainsFunc(evs, func(e emulator.HeldEvent) bool { return e.Title == "Metered Outlook visit" })
		m = scrape(t, env.App.MetricsHandler())
		if pushed && sum(find(m, "calsync_tasks_total", map[string]string{"type": tasks.TypeAccountSync, "outcome": "ok"})) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Outlook push after 20 s (%d events): %v", len(evs), m["calsync_provider_requests_total"])
		}
	}
	if got := sum(find(m, "calsync_provider_requests_total", map[string]string{"provider": "microsoft", "operation": "POST /{id}/oauth2/v2.0/token", "code": "200"})); got < 1 {
		t.Errorf("the token exchange is not counted: %v", m["calsync_provider_requests_total"])
	}
	// The calendar lookup answers 200, the event write 201.
	lookup := sum(find(m, "calsync_provider_requests_total", map[string]string{"provider": "microsoft", "operation": "GET /v1.0/me/calendars", "code": "200"}))
	writes := sum(find(m, "calsync_provider_requests_total", map[string]string{"provider": "microsoft", "operation": "POST /v1.0/me/calendars/{id}/events", "code": "201"}))
	if lookup < 1 || writes < 1 {
		t.Errorf("Graph calls (calendar lookup, event writes) not counted: %v", m["calsync_provider_requests_total"])
	}
	// The subscription's validation request reached the webhook.
	if sum(find(m, "calsync_webhook_deliveries_total", map[string]string{"provider": "microsoft", "code": "200"})) < 1 {
		t.Errorf("the subscription's validation is not counted: %v", m["calsync_webhook_deliveries_total"])
	}
	if sum(find(m, "calsync_provider_request_duration_seconds_count", map[string]string{"provider": "microsoft"})) < 3 {
		t.Errorf("Graph call durations not observed: %v", m["calsync_provider_request_duration_seconds_count"])
	}
	for _, s := range find(m, "calsync_provider_requests_total", map[string]string{"provider": "microsoft"}) {
		op := s.labels["operation"]
		if strings.Contains(op, "@") || strings.Contains(op, acct.DestinationCalendarID) || strings.Contains(op, "?") {
			t.Errorf("a Graph operation label carries an id, email or query: %q", op)
		}
	}
}
