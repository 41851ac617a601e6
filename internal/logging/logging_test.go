package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestJSONLineCarriesTraceIDs: a line logged with a context carrying a
// span has its trace_id and span_id next to request_id; without a span it
// has neither, and the handler allocates no more than the one it wraps.
func TestJSONLineCarriesTraceIDs(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	cases := []struct {
		name                       string
		ctx                        context.Context
		requestID, traceID, spanID string
	}{
		{"request and span", trace.ContextWithSpanContext(WithRequestID(context.Background(), "r1"), sc), "r1", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"span only (a task)", trace.ContextWithSpanContext(context.Background(), sc), "", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"},
		{"request only", WithRequestID(context.Background(), "r2"), "r2", "", ""},
		{"neither", context.Background(), "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			New(&buf, "json", slog.LevelInfo).InfoContext(c.ctx, "hello", slog.Int("n", 1))
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("not one JSON object: %q", buf.String())
			}
			for k, want := range map[string]string{"request_id": c.requestID, "trace_id": c.traceID, "span_id": c.spanID} {
				got, ok := line[k]
				if want == "" && ok {
					t.Errorf("%s = %v, want none", k, got)
				}
				if want != "" && got != want {
					t.Errorf("%s = %v, want %q", k, got, want)
				}
			}
		})
	}

	// Tracing off: no span is ever active, and the correlation costs no
	// allocation beyond the JSON handler's own.
	ctx := context.Background()
	plain := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ours := New(io.Discard, "json", slog.LevelInfo)
	base := testing.AllocsPerRun(200, func() { plain.InfoContext(ctx, "hello", slog.Int("n", 1)) })
	got := testing.AllocsPerRun(200, func() { ours.InfoContext(ctx, "hello", slog.Int("n", 1)) })
	if got > base {
		t.Fatalf("a line without a span allocates %v times, the JSON handler alone %v", got, base)
	}
}
