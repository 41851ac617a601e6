// Package server wires the HTTP surface: the GraphQL endpoint with its
// transports and limits, health checks, and (later) the admin console.
package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/trace"

	"calsync/graph"
	"calsync/graph/generated"
	"calsync/internal/auth"
	"calsync/internal/domain"
	"calsync/internal/linking/consent"
	"calsync/internal/linking/invitations"
	"calsync/internal/viewer"
)

// Options configures the HTTP handler.
type Options struct {
	Resolver *graph.Resolver
	Logger   *slog.Logger
	// Introspection enables schema introspection and the playground.
	Introspection bool
	// PublicURL is where users reach Calsync; its origin is always allowed.
	PublicURL string
	// AllowedOrigins are the browser origins (scheme://host[:port]) allowed
	// besides the server's own; "*" allows any. They get CORS headers.
	AllowedOrigins []string
	// ComplexityLimit bounds the cost of one operation (default 5000).
	ComplexityLimit int
	// DepthLimit bounds nesting (default 12).
	DepthLimit int
	// MaxBodyBytes bounds a GraphQL request body (default 1 MiB).
	MaxBodyBytes int64
	// Ready reports whether dependencies (database, Redis) answer.
	Ready func(context.Context) error
	// Consent serves the start page and the OAuth callback.
	Consent *consent.Service
	// Invitations serves authorization links.
	Invitations *invitations.Service
	// SecureCookies marks cookies Secure (behind HTTPS).
	SecureCookies bool
	// Emulators, when set, are mounted at /google/, /graph/, /microsoft/
	// and /_emulator/ (the embedded default's stand-in providers); the
	// control API under /_emulator/ answers loopback clients only.
	Emulators http.Handler
	// Observer, when set, records requests and GraphQL operations
	// (metrics).
	Observer Observer
	// Tracer, when set, gives requests, GraphQL operations and mutations'
	// commits spans (see traceRequests); nil installs no tracing at all.
	Tracer trace.TracerProvider
	// Queues, when set, is the queue dashboard (QueueDashboard), mounted
	// at QueuesPath for operators only.
	Queues http.Handler
	// Webhooks, when set, receives the providers' change notifications at
	// /webhooks/ (anonymous: it verifies them itself).
	Webhooks http.Handler
	// Console is the built admin console (index.html and assets/), served
	// at / for every address no other route claims; nil shows a page
	// saying how to build it.
	Console fs.FS
}

// New returns the HTTP handler.
func New(o Options) http.Handler {
	limits := DefaultLimits()
	if o.ComplexityLimit > 0 {
		limits.MaxComplexity = o.ComplexityLimit
	}
	if o.DepthLimit > 0 {
		limits.MaxDepth = o.DepthLimit
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := o.Resolver
	origins := newOriginPolicy(o.PublicURL, o.AllowedOrigins)
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		// A socket that never says who it is is closed rather than kept.
		InitTimeout: 10 * time.Second,
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: coderws.AcceptOptions{OriginPatterns: origins.hostPatterns()},
		},
		InitFunc: websocketInit(res.Auth, limits.MaxSubscriptions),
	})
	srv.AddTransport(httpTransport{maxBody: o.MaxBodyBytes, limits: limits})
	queryCache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queryCache)
	srv.SetParserTokenLimit(limits.MaxTokens)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(introspectionOff{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	// After the persisted query is known, before gqlgen parses it.
	srv.Use(documentGuard{limits: limits, cache: queryCache})
	srv.Use(operationLimits{limits: limits})
	srv.AroundFields(defaultPage(limits))
	if o.Observer != nil {
		// Before the other operation interceptors, so an operation's time
		// includes theirs.
		srv.AroundOperations(observeOperations(o.Observer))
	}
	if o.Tracer != nil {
		// Outside the loaders and the transaction, so both run under the
		// operation's span.
		srv.AroundOperations(traceOperations(o.Tracer))
	}
	srv.AroundOperations(subscriptionBudgetCheck)
	srv.AroundOperations(res.WithLoaders)
	srv.Use(csrfCheck{})
	srv.Use(passwordFieldAlone{})
	// Mutation fields marked @ownTransactions (provider calls, password
	// hashing) open their own short transactions, rather than hold the
	// operation's (on SQLite: the write lock) across the network or the
	// hash. Fragments at the root are looked through.
	ownTx := ownTransactionFields()
	var txOpener entgql.TxOpener = res.Client
	if o.Tracer != nil {
		txOpener = traceCommits(o.Tracer, txOpener)
	}
	srv.Use(txPerMutation{entgql.Transactioner{
		TxOpener: txOpener,
		SkipTxFunc: func(op *ast.OperationDefinition) bool {
			return op.Operation != ast.Mutation || rootField(nil, op.SelectionSet, func(n string) bool { return ownTx[n] }, map[string]bool{}) != ""
		},
	}})
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql panic", slog.Any("panic", p), slog.String("path", pathOf(ctx)))
		return errors.New("internal error")
	})

	mux := http.NewServeMux()
	gql := origins.cors(res.Auth.Middleware(origins.guard(srv)))
	mux.Handle("/graphql", gql)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if o.Ready != nil {
			if err := o.Ready(r.Context()); err != nil {
				log.WarnContext(r.Context(), "not ready", slog.Any("error", err))
				http.Error(w, "not ready", http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	if o.Consent != nil {
		mux.Handle("GET /oauth/{provider}/callback", pageHeaders(oauthCallback(o.Consent, log)))
		mux.Handle("GET "+consent.StartPath+"{token}", pageHeaders(startLink(o.Consent, o.SecureCookies, log)))
		mux.Handle("POST "+consent.StartPath+"{token}", pageHeaders(startLink(o.Consent, o.SecureCookies, log)))
	}
	if o.Invitations != nil {
		mux.Handle("GET "+invitations.InvitePath+"{token}", pageHeaders(followInvitation(o.Invitations, log)))
	}
	mux.Handle(signInPattern, pageHeaders(signInLink(res.Auth, log)))
	// Probes would fill traces with noise; the emulators stand in for
	// the providers, whose side Calsync's traces do not show.
	untraced := map[string]bool{"GET /healthz": true, "GET /readyz": true}
	if o.Emulators != nil {
		for _, prefix := range []string{"/google/", "/graph/", "/microsoft/"} {
			mux.Handle(prefix, o.Emulators)
			untraced[prefix] = true
		}
		mux.Handle("/_emulator/", loopbackOnly(o.Emulators))
		untraced["/_emulator/"] = true
	}
	if o.Queues != nil {
		mountQueues(mux, res.Auth, o.Queues)
	}
	if o.Webhooks != nil {
		mux.Handle("/webhooks/", o.Webhooks)
	}
	if o.Introspection {
		mux.Handle("GET /playground", playgroundHeaders(playground.Handler("Calsync", "/graphql")))
	}
	var console http.Handler
	if o.Console != nil {
		console = consoleHandler(o.Console)
	}
	if console != nil {
		// "/" rather than "GET /": a method on the catch-all would
		// conflict with the method-less routes above (/graphql…).
		mux.Handle("/", console)
	} else {
		mux.Handle("GET /{$}", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(landingPage))
		})))
	}
	var h http.Handler = mux
	if o.Observer != nil {
		h = observeRequests(o.Observer, mux)
	}
	if o.Tracer != nil {
		// Inside the request id (log lines carry both ids), outside the
		// metrics (their time is part of the span).
		h = traceRequests(o.Tracer, mux, untraced, h)
	}
	return requestIDs(baseHeaders(h))
}

// ownTransactionFields names the mutation fields the schema marks
// @ownTransactions.
func ownTransactionFields() map[string]bool {
	out := map[string]bool{}
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	if schema.Mutation == nil {
		return out
	}
	for _, f := range schema.Mutation.Fields {
		if f.Directives.ForName("ownTransactions") != nil {
			out[f.Name] = true
		}
	}
	return out
}

// websocketInit authenticates a websocket at connection_init: by the
// session cookie the upgrade request carried, or by a bearer token in the
// payload. A refusal closes the socket with 4403 (graphql-transport-ws) or
// sends connection_error and closes (legacy graphql-ws): gqlgen needs a
// context back even on error, to read the close code from it.
func websocketInit(a *auth.Service, maxSubscriptions int) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if v, ok := viewer.FromContext(ctx); ok && v.UserID != 0 {
			// Authenticated by the session cookie.
			return withSubscriptionBudget(ctx, maxSubscriptions), nil, nil
		}
		refuse := func(msg string) (context.Context, *transport.InitPayload, error) {
			ctx := transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, closeForbidden), "Forbidden")
			return ctx, nil, errors.New(msg)
		}
		tok := p.Authorization()
		if tok == "" {
			tok, _ = p["Authorization"].(string)
		}
		scheme, val, _ := strings.Cut(tok, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return refuse("unauthenticated: send {\"authorization\": \"Bearer <token>\"} in connection_init")
		}
		v, at, err := a.Authenticate(ctx, strings.TrimSpace(val))
		if err != nil {
			return refuse("unauthenticated: invalid or expired token")
		}
		if req := auth.RequestFromContext(ctx); req != nil {
			req.Kind, req.TokenID = auth.KindBearer, at.ID
		}
		return withSubscriptionBudget(viewer.NewContext(ctx, v), maxSubscriptions), nil, nil
	}
}

// subscriptionBudget bounds the subscriptions open at once on one
// websocket: each costs memory and work on every event.
type subscriptionBudget struct {
	open atomic.Int32
	max  int32
}

type budgetKey struct{}

func withSubscriptionBudget(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, budgetKey{}, &subscriptionBudget{max: int32(n)})
}

// subscriptionBudgetCheck refuses a subscription over its socket's budget
// and gives the place back when the subscription ends (gqlgen cancels its
// context then).
func subscriptionBudgetCheck(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	b, _ := ctx.Value(budgetKey{}).(*subscriptionBudget)
	oc := graphql.GetOperationContext(ctx)
	if b == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	if b.open.Add(1) > b.max {
		b.open.Add(-1)
		e := limitError(domain.CodeBadUserInput, "at most %d subscriptions may be open on one connection", b.max)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{e}})
	}
	go func() {
		<-ctx.Done()
		b.open.Add(-1)
	}()
	return next(ctx)
}

// closeForbidden is graphql-transport-ws's close code for a refused
// connection_init.
const closeForbidden = 4403

func pathOf(ctx context.Context) string {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		return fc.Path().String()
	}
	return ""
}

const landingPage = `<!doctype html><html><head><meta charset="utf-8"><title>Calsync</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Calsync</h1><p>The GraphQL API is at <a href="/graphql">/graphql</a>
(<a href="/playground">playground</a>, when introspection is on). The admin console is not part of
this build: build it with <code>make console</code> (<code>make run</code> does) and start Calsync again.</p>
</body></html>`
