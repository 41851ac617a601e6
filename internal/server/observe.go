package server

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"calsync/internal/logging"
)

// Observer records what the server serves (the app's metrics implement
// it); the server does not know how they are kept.
type Observer interface {
	// ObserveHTTP records one request by the mux pattern that served it
	// ("" when none matched), never by its raw path.
	ObserveHTTP(route string, code int, d time.Duration)
	// ObserveOperation records one GraphQL operation by its name ("" for
	// an anonymous one); the observer bounds the names it keeps.
	ObserveOperation(name string, failed bool, d time.Duration)
}

// requestIDs gives each request an id, sent back in X-Request-Id and put
// on the context so log lines written for the request carry it.
func requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := logging.NewRequestID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(logging.WithRequestID(r.Context(), id)))
	})
}

// observeRequests records each request under its mux pattern; mux sets
// r.Pattern on the request it is handed, so this wraps mux directly.
func observeRequests(o Observer, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		mux.ServeHTTP(sw, r)
		o.ObserveHTTP(r.Pattern, sw.code(), time.Since(start))
	})
}

// statusWriter remembers the status code; Unwrap lets websocket
// upgrades and http.ResponseController reach the connection beneath.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// observeOperations records each operation when its first response is
// ready (a subscription's first event: its duration is not its lifetime).
func observeOperations(o Observer) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		start := time.Now()
		oc := graphql.GetOperationContext(ctx)
		name := oc.OperationName
		if name == "" && oc.Operation != nil {
			name = oc.Operation.Name
		}
		h := next(ctx)
		done := false
		return func(ctx context.Context) *graphql.Response {
			res := h(ctx)
			if !done {
				done = true
				o.ObserveOperation(name, res != nil && len(res.Errors) > 0, time.Since(start))
			}
			return res
		}
	}
}
