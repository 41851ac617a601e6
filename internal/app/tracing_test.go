package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"calsync/internal/config"
	"calsync/internal/logging"
	"calsync/internal/testenv"
	"calsync/sync/emulator"
	"calsync/sync/tasks"
)

// TestTraceOfABooking: with spans going to an in-memory exporter through
// the app's own tracing wiring, an admin creates a booking for a
// fieldworker whose Google calendar is linked; once the event is at the
// emulator, one trace holds the request, the GraphQL operation (under the
// request), its commit, the account's sync task it woke and the
// Google calls — the event's insert among them — each below the one
// before. No span names or attributes hold the booking's text, emails,
// ids or tokens; the JSON log lines written for the trace carry its id.
func TestTraceOfABooking(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	var logs lockedBuffer
	env := testenv.NewObserved(t, testenv.SQLite, testenv.Observed{
		Logger: logging.New(&logs, "json", slog.LevelDebug), TraceExporter: exp,
	}, nil)
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	l := linkFieldworker(t, env, testenv.Kits[0], "traced")
	org, admin, acct := l.org, l.admin, l.acct

	const title, customer = "Traced visit", "Customer Tracy"
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	admin.MustDo(t, `mutation CreateBooking($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
		"title": title, "startAt": start.Format(time.RFC3339), "endAt": start.Add(time.Hour).Format(time.RFC3339),
		"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)}, "customerName": customer,
	}}, nil)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		evs, err := env.App.Emulators.GoogleEvents(acct.DestinationCalendarID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(evs, func(e emulator.HeldEvent) bool { return e.Title == title }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the booking did not reach the emulator in 15 s")
		}
	}

	// The sync task's span ends after its handler returns: wait for it.
	var spans tracetest.SpanStubs
	var op tracetest.SpanStub
	inTrace := map[trace.SpanID]tracetest.SpanStub{}
	byName := func(name string) []tracetest.SpanStub {
		var out []tracetest.SpanStub
		for _, s := range inTrace {
			if s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := env.App.Tracing.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		spans = exp.GetSpans()
		i := slices.IndexFunc(spans, func(s tracetest.SpanStub) bool { return s.Name == "mutation CreateBooking" })
		if i >= 0 {
			op = spans[i]
			clear(inTrace)
			for _, s := range spans {
				if s.SpanContext.TraceID() == op.SpanContext.TraceID() {
					inTrace[s.SpanContext.SpanID()] = s
				}
			}
			if len(byName("task "+tasks.TypeAccountSync)) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			for _, s := range spans {
				t.Logf("span %s %q parent %s", s.SpanContext.TraceID(), s.Name, s.Parent.SpanID())
			}
			t.Fatal("no trace from the operation to the sync task after 10 s")
		}
	}

	// descends reports whether s is below ancestor in the trace.
	descends := func(s tracetest.SpanStub, ancestor trace.SpanID) bool {
		for s.Parent.IsValid() {
			if s.Parent.SpanID() == ancestor {
				return true
			}
			p, ok := inTrace[s.Parent.SpanID()]
			if !ok {
				return false
			}
			s = p
		}
		return false
	}
	// The operation is under the request's server span, the trace's root.
	req, ok := inTrace[op.Parent.SpanID()]
	if !ok || req.Name != "POST /graphql" || req.SpanKind != trace.SpanKindServer || req.Parent.IsValid() {
		t.Fatalf("the operation's parent is %q (kind %v, parent %v), want the root span POST /graphql", req.Name, req.SpanKind, req.Parent)
	}
	mustBelow := func(name string, ancestor tracetest.SpanStub) tracetest.SpanStub {
		t.Helper()
		for _, s := range byName(name) {
			if descends(s, ancestor.SpanContext.SpanID()) {
				return s
			}
		}
		t.Fatalf("no span %q below %q in the trace", name, ancestor.Name)
		return tracetest.SpanStub{}
	}
	mustBelow("COMMIT", op)
	// The change's sync requests are recorded with it: the operation
	// wakes the account's sync itself.
	syncTask := mustBelow("task "+tasks.TypeAccountSync, op)
	if syncTask.SpanKind != trace.SpanKindConsumer || syncTask.Parent.SpanID() != op.SpanContext.SpanID() {
		t.Errorf("sync task span: kind %v, parent %v; want a consumer child of the operation", syncTask.SpanKind, syncTask.Parent.SpanID())
	}
	// A worker process runs the wake-up itself, beside the queue
	// (tasks.Local), under the task id the queue would have used.
	attrs := map[attribute.Key]string{}
	for _, a := range syncTask.Attributes {
		attrs[a.Key] = a.Value.Emit()
	}
	if attrs["calsync.task.in_process"] != "true" || !strings.HasPrefix(attrs[semconv.MessagingMessageIDKey], "account-sync:") {
		t.Errorf("sync task span attributes %v: want it run in process, with its task id", attrs)
	}
	var calls []string
	for _, s := range inTrace {
		if s.SpanKind == trace.SpanKindClient && descends(s, syncTask.SpanContext.SpanID()) {
			calls = append(calls, s.Name)
		}
	}
	if !slices.Contains(calls, "POST /calendar/v3/calendars/{id}/events") && !slices.Contains(calls, "POST /batch/calendar/v3") {
		t.Fatalf("no event insert among the sync task's provider calls: %v", calls)
	}

	// Nothing private in any span (all traces, linking's included).
	private := []string{title, customer, org.Fieldworker.Email, org.Admin.Email, acct.DestinationCalendarID, "Bearer", "ya29", "password", "token="}
	for _, s := range spans {
		texts := []string{s.Name, s.Status.Description}
		for _, a := range s.Attributes {
			texts = append(texts, a.Value.Emit())
		}
		for _, txt := range texts {
			for _, p := range private {
				if p != "" && strings.Contains(txt, p) {
					t.Errorf("span %q carries %q in %q", s.Name, p, txt)
				}
			}
		}
	}

	// The log lines written for the trace (the wake-up's, at least) carry
	// its trace id and a span id.
	traceID := op.SpanContext.TraceID().String()
	var correlated []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["trace_id"] == traceID {
			if id, _ := rec["span_id"].(string); len(id) != 16 {
				t.Errorf("line without a span id: %s", line)
			}
			correlated = append(correlated, rec["msg"].(string))
		}
	}
	if !slices.Contains(correlated, "account syncs woken") {
		t.Fatalf("the wake-up's log line does not carry trace %s; lines of the trace: %v", traceID, correlated)
	}
}

// TestTracingOffExportsNothing: spans reach an OTLP/HTTP collector named
// by the configuration (flushed at shutdown), and with no endpoint
// configured the same work sends it nothing.
func TestTracingOffExportsNothing(t *testing.T) {
	var posts atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	run := func(endpoint string) {
		env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) { c.TracesURL = endpoint })
		if got := env.App.Tracing.Enabled(); got != (endpoint != "") {
			t.Fatalf("endpoint %q: tracing enabled %v", endpoint, got)
		}
		org := env.SeedOrg(t, "otlp"+strconv.FormatBool(endpoint != ""))
		admin := env.SignIn(t, org.Admin.Email, testenv.Password)
		admin.MustDo(t, `query Me{viewer{role}}`, nil, nil)
		// What Close does last, after the server and the worker.
		if err := env.App.Tracing.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Off (no endpoint) nothing is installed at all: a collector the app is
	// never told about cannot tell, so only Enabled is checked there
	// (internal/tracing's TestOffInstallsNothing covers the rest).
	run("")
	run(collector.URL + "/v1/traces")
	if posts.Load() == 0 {
		t.Fatal("with an endpoint the collector got no spans")
	}
}
