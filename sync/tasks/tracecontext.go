package tasks

import (
	"context"
	"maps"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// traceContext is how a task carries the trace of whatever queued it: W3C
// traceparent (and tracestate) in the task's headers, beside the payload,
// so payloads stay ids only and tasks queued without them (before tracing,
// or by the scheduler) decode as before and start traces of their own.
var traceContext = propagation.TraceContext{}

// withTrace returns t carrying ctx's span context in its headers, or t
// itself when ctx has none (tracing off: nothing is allocated). Options
// given to asynq.NewTask do not survive the copy, so this package's task
// constructors return their options apart.
func withTrace(ctx context.Context, t *asynq.Task) *asynq.Task {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return t
	}
	h := maps.Clone(t.Headers())
	if h == nil {
		h = make(map[string]string, 2)
	}
	traceContext.Inject(ctx, propagation.MapCarrier(h))
	return asynq.NewTaskWithHeaders(t.Type(), t.Payload(), h)
}

// TraceContext returns ctx carrying, as the remote parent, the span
// context t was queued under (ctx itself when t carries none), for the
// worker's span of the task.
func TraceContext(ctx context.Context, t *asynq.Task) context.Context {
	h := t.Headers()
	if len(h) == 0 {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.MapCarrier(h))
}

// enqueue puts t on the queue with ctx's trace context.
func enqueue(ctx context.Context, c *asynq.Client, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	return c.EnqueueContext(ctx, withTrace(ctx, t), opts...)
}
