package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"calsync/internal/tracing"
)

// TestOffInstallsNothing: without an endpoint or exporter tracing is off:
// no provider to instrument with, and provider clients are returned as
// they are (no transport in the way of each request).
func TestOffInstallsNothing(t *testing.T) {
	tr, err := tracing.New(context.Background(), tracing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() || tr.Provider() != nil {
		t.Fatalf("tracing on without an endpoint: enabled %v, provider %v", tr.Enabled(), tr.Provider())
	}
	hc := &http.Client{}
	if got := tr.ProviderClient("google", hc, func(*http.Request) string { return "x" }); got != hc {
		t.Fatal("the provider client was wrapped with tracing off")
	}
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestProviderClientSpans: each provider request is a client span named
// by the operation, a child of the caller's span, with the method, host,
// status and provider — never the URL, its query, or headers; a 4xx marks
// it failed. The service is named calsync, or OTEL_SERVICE_NAME.
func TestProviderClientSpans(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "calsync-eu")
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("traceparent") != "" {
			t.Errorf("trace context sent to the provider: %q", r.Header.Get("traceparent"))
		}
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer provider.Close()
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(context.Background(), tracing.Options{Exporter: exp, Version: "v1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	hc := tr.ProviderClient("google", provider.Client(), func(r *http.Request) string {
		return r.Method + " /calendar/v3/calendars/{id}/events"
	})
	ctx, parent := tr.Provider().Tracer("test").Start(context.Background(), "task account:sync")
	for _, path := range []string{"/calendar/v3/calendars/alice@example.com/events", "/calendar/v3/calendars/alice@example.com/missing"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, provider.URL+path+"?access_token=ya29.SECRET", strings.NewReader(`{"summary":"Private visit"}`))
		req.Header.Set("Authorization", "Bearer ya29.SECRET")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	parent.End()
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	var client []tracetest.SpanStub
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindClient {
			client = append(client, s)
		}
	}
	if len(client) != 2 {
		t.Fatalf("%d client spans, want 2: %v", len(client), spans)
	}
	for i, s := range client {
		if s.Name != "POST /calendar/v3/calendars/{id}/events" || s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q, parent %v; want the operation under %v", s.Name, s.Parent.SpanID(), parent.SpanContext().SpanID())
		}
		attrs := map[attribute.Key]string{}
		for _, a := range s.Attributes {
			attrs[a.Key] = a.Value.Emit()
			for _, bad := range []string{"SECRET", "alice", "Private", "Bearer"} {
				if strings.Contains(a.Value.Emit(), bad) {
					t.Errorf("attribute %s = %q holds %q", a.Key, a.Value.Emit(), bad)
				}
			}
		}
		want := map[attribute.Key]string{"calsync.provider": "google", "http.request.method": "POST", "server.address": "127.0.0.1", "http.response.status_code": []string{"200", "404"}[i]}
		for k, v := range want {
			if attrs[k] != v {
				t.Errorf("span %d: %s = %q, want %q (all: %v)", i, k, attrs[k], v, attrs)
			}
		}
		if failed := s.Status.Code == codes.Error; failed != (i == 1) {
			t.Errorf("span %d: status %v", i, s.Status)
		}
		res := map[attribute.Key]string{}
		for _, a := range s.Resource.Attributes() {
			res[a.Key] = a.Value.Emit()
		}
		if res["service.name"] != "calsync-eu" || res["service.version"] != "v1.2.3" {
			t.Errorf("resource %v", res)
		}
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
