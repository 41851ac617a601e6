package server

import (
	"context"
	"database/sql/driver"
	"net/http"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"calsync/ent"
)

// tracerName is the instrumentation scope of the server's spans.
const tracerName = "calsync/internal/server"

// traceRequests gives each request a server span named by the mux
// pattern that will serve it ("POST /graphql", "GET /oauth/{provider}/callback"),
// never by its raw path, which carries ids and one-time tokens. A caller's
// W3C traceparent makes the span its child. Requests in untraced (health
// checks, the emulators standing in for the providers) and requests no
// route matches get no span. A websocket's span lasts as long as the
// socket; its operations get spans of their own.
func traceRequests(tp trace.TracerProvider, mux *http.ServeMux, untraced map[string]bool, next http.Handler) http.Handler {
	tracer := tp.Tracer(tracerName)
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The pattern is needed before the span starts (samplers see the
		// name), so the route is looked up here as well as by mux.
		_, pattern := mux.Handler(r)
		if pattern == "" || untraced[pattern] {
			next.ServeHTTP(w, r)
			return
		}
		name := pattern
		if !strings.Contains(pattern, " ") {
			// A method-less pattern (/graphql) is named with the method.
			name = r.Method + " " + pattern
		}
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(semconv.HTTPRequestMethodKey.String(r.Method), semconv.HTTPRoute(pattern)))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		code := sw.code()
		span.SetAttributes(semconv.HTTPResponseStatusCode(code))
		if code >= 500 {
			span.SetStatus(codes.Error, http.StatusText(code))
		}
	})
}

// traceOperations gives each GraphQL operation a span, "mutation
// CreateBooking" (the type alone for an anonymous one), as a child of
// the request's: resolvers, the transaction's commit and the tasks queued
// after it run under it. It ends with the operation's first response (a
// subscription's first event, not its lifetime). The document and the
// variables are never recorded (they may hold passwords and tokens);
// errors are recorded by their codes only.
func traceOperations(tp trace.TracerProvider) graphql.OperationMiddleware {
	tracer := tp.Tracer(tracerName)
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation == nil {
			return next(ctx)
		}
		// The name comes from the parsed document (a GraphQL name, not
		// any string a client sends), bounded like the metrics' label.
		opType, opName := string(oc.Operation.Operation), oc.Operation.Name
		if len(opName) > 64 {
			opName = opName[:64]
		}
		spanName := opType
		if opName != "" {
			spanName += " " + opName
		}
		ctx, span := tracer.Start(ctx, spanName, trace.WithAttributes(
			semconv.GraphQLOperationTypeKey.String(opType), semconv.GraphQLOperationName(opName)))
		h := next(ctx)
		done := false
		return func(ctx context.Context) *graphql.Response {
			res := h(ctx)
			if !done {
				done = true
				if res != nil && len(res.Errors) > 0 {
					var codesSeen []string
					for _, e := range res.Errors {
						if c, _ := e.Extensions["code"].(string); c != "" && len(codesSeen) < 5 {
							codesSeen = append(codesSeen, c)
						}
					}
					span.SetStatus(codes.Error, strings.Join(codesSeen, ","))
				}
				span.End()
			}
			return res
		}
	}
}

// traceCommits opens a mutation's transaction with o and gives its
// commit a span (a child of the operation's).
func traceCommits(tp trace.TracerProvider, o entgql.TxOpener) entgql.TxOpener {
	tracer := tp.Tracer(tracerName)
	return entgql.TxOpenerFunc(func(ctx context.Context) (context.Context, driver.Tx, error) {
		ctx, tx, err := o.OpenTx(ctx)
		if err != nil {
			return ctx, tx, err
		}
		etx, ok := tx.(*ent.Tx)
		if !ok {
			return ctx, tx, nil
		}
		return ctx, tracedCommit{Tx: etx, tracer: tracer}, nil
	})
}

// tracedCommit times the database's commit alone: its hook is added at
// Commit, last, so it runs innermost — inside the after-commit hooks
// (store.AfterCommit: publishing, queueing tasks), which run after the
// database has committed and are not part of it.
type tracedCommit struct {
	*ent.Tx
	tracer trace.Tracer
}

func (t tracedCommit) Commit() error {
	t.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			_, span := t.tracer.Start(ctx, "COMMIT", trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(semconv.DBOperationName("COMMIT")))
			defer span.End()
			err := next.Commit(ctx, tx)
			if err != nil {
				span.SetStatus(codes.Error, "commit failed")
			}
			return err
		})
	})
	return t.Tx.Commit()
}
