package app

import (
	"context"
	"net/http"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"calsync/internal/metrics"
	"calsync/sync/tasks"
)

// instrumentProvider is how the adapters' HTTP clients are observed:
// counted and timed (metrics) and, when tracing, given client spans, both
// under the same id-free operation name.
func (a *App) instrumentProvider(provider string, hc *http.Client) *http.Client {
	return a.Tracing.ProviderClient(provider, a.Metrics.ProviderClient(provider, hc), func(r *http.Request) string {
		return metrics.ProviderOperation(provider, r)
	})
}

// traceTasks gives each task attempt a span, "task account:sync", as a
// child of the span that queued the task (tasks.TraceContext): the GraphQL
// operation whose commit queued a fan-out, the fan-out that woke a sync.
// Tasks queued without one (the scheduler's, older ones) start traces of
// their own. A sync woken several times runs once, under the first wake-up's
// trace. Errors are only marked: the worker's log line says what failed,
// with the same trace id.
func traceTasks(tp trace.TracerProvider) asynq.MiddlewareFunc {
	tracer := tp.Tracer("calsync/sync/tasks")
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			attrs := []attribute.KeyValue{semconv.MessagingSystemKey.String("asynq"), semconv.MessagingOperationName("process")}
			if id, ok := asynq.GetTaskID(ctx); ok {
				attrs = append(attrs, semconv.MessagingMessageID(id))
			}
			if q, ok := asynq.GetQueueName(ctx); ok {
				attrs = append(attrs, semconv.MessagingDestinationName(q))
			}
			if n, ok := asynq.GetRetryCount(ctx); ok && n > 0 {
				attrs = append(attrs, retriedAttr.Int(n))
			}
			if id, q, ok := tasks.LocalTask(ctx); ok {
				// Run in the process that woke it, not taken off the queue.
				attrs = append(attrs, semconv.MessagingMessageID(id), semconv.MessagingDestinationName(q), inProcessAttr.Bool(true))
			}
			ctx, span := tracer.Start(tasks.TraceContext(ctx, t), "task "+t.Type(),
				trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
			defer span.End()
			err := next.ProcessTask(ctx, t)
			switch {
			case err == nil:
			case !tasks.IsFailure(err):
				span.SetAttributes(postponedAttr.Bool(true))
			default:
				span.SetStatus(codes.Error, "task failed")
			}
			return err
		})
	}
}

// Attributes of task spans semantic conventions have no name for.
const (
	// retriedAttr: how many attempts failed before this one.
	retriedAttr = attribute.Key("calsync.task.retried")
	// postponedAttr: the attempt was put off without failing (rate
	// limited, the account's lock held).
	postponedAttr = attribute.Key("calsync.task.postponed")
	// inProcessAttr: the wake-up ran in the process that sent it
	// (tasks.Local), beside the queue.
	inProcessAttr = attribute.Key("calsync.task.in_process")
)
