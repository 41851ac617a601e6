package tasks

import (
	"context"
	"testing"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/trace"
)

// TestTaskCarriesTraceContext: a task queued under a span carries its
// traceparent in the headers, payload untouched, and the worker side reads
// it back as the remote parent; a task queued without one (tracing off,
// the scheduler, a task from before tracing) is the task itself, with no
// allocation, and the worker's context stays as it was.
func TestTaskCarriesTraceContext(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
	})
	traced := trace.ContextWithSpanContext(context.Background(), sc)
	task, opts, err := NewBookingsChangedTask(BookingsChangedPayload{OrgID: 7, OutboxID: 3, BookingIDs: []int{2, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) == 0 {
		t.Fatal("the fan-out task's options were not returned apart from it")
	}

	carried := withTrace(traced, task)
	if got, want := carried.Headers()["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; got != want {
		t.Fatalf("traceparent = %q, want %q", got, want)
	}
	if string(carried.Payload()) != string(task.Payload()) || carried.Type() != task.Type() {
		t.Fatalf("payload or type changed: %s %s", carried.Type(), carried.Payload())
	}
	if p, err := DecodeBookingsChanged(carried); err != nil || p.OrgID != 7 || p.OutboxID != 3 {
		t.Fatalf("decode carried task: %+v %v", p, err)
	}
	back := trace.SpanContextFromContext(TraceContext(context.Background(), carried))
	if !back.IsRemote() || back.TraceID() != sc.TraceID() || back.SpanID() != sc.SpanID() || !back.IsSampled() {
		t.Fatalf("worker reads %+v, want the remote %+v", back, sc)
	}

	// No span: the same task, nothing allocated, and no parent read back.
	plain := context.Background()
	if withTrace(plain, task) != task {
		t.Fatal("a task queued without a span was copied")
	}
	if n := testing.AllocsPerRun(100, func() { _ = withTrace(plain, task) }); n != 0 {
		t.Fatalf("withTrace without a span allocates %v times", n)
	}
	old := asynq.NewTask(TypeAccountSync, []byte(`{"org_id":1,"account_id":2}`))
	if ctx := TraceContext(plain, old); ctx != plain || trace.SpanContextFromContext(ctx).IsValid() {
		t.Fatal("a task without headers gave the worker a parent")
	}
}
