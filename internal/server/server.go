// Package server wires the HTTP surface: the GraphQL endpoint with its
// transports and limits, health checks, and (later) the admin console.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
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

	"calsync/graph"
	"calsync/graph/generated"
	"calsync/internal/auth"
	"calsync/internal/linking"
	"calsync/internal/viewer"
)

// Options configures the HTTP handler.
type Options struct {
	Resolver *graph.Resolver
	Logger   *slog.Logger
	// Introspection enables schema introspection and the playground.
	Introspection bool
	// AllowedOrigins are the browser origins (scheme://host[:port]) allowed
	// besides the server's own; "*" allows any.
	AllowedOrigins []string
	// ComplexityLimit bounds the cost of one operation (default 1000).
	ComplexityLimit int
	// DepthLimit bounds nesting (default 12).
	DepthLimit int
	// Ready reports whether dependencies (database, Redis) answer.
	Ready func(context.Context) error
	// Linking serves the OAuth callback and authorization links.
	Linking *linking.Service
	// SecureCookies marks cookies Secure (behind HTTPS).
	SecureCookies bool
	// Emulators, when set, are mounted at /google/, /graph/, /microsoft/
	// and /_emulator/ (the embedded default's stand-in providers).
	Emulators http.Handler
}

// New returns the HTTP handler.
func New(o Options) http.Handler {
	if o.ComplexityLimit <= 0 {
		o.ComplexityLimit = 1000
	}
	if o.DepthLimit <= 0 {
		o.DepthLimit = 12
	}
	log := o.Logger
	res := o.Resolver
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: coderws.AcceptOptions{OriginPatterns: originPatterns(o.AllowedOrigins)},
		},
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			if v, ok := viewer.FromContext(ctx); ok && v.UserID != 0 {
				return ctx, nil, nil // authenticated by the session cookie
			}
			tok := p.Authorization()
			if tok == "" {
				tok, _ = p["Authorization"].(string)
			}
			scheme, val, _ := strings.Cut(tok, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				return nil, nil, errors.New("unauthenticated: send {\"authorization\": \"Bearer <token>\"} in connection_init")
			}
			v, at, err := res.Auth.Authenticate(ctx, strings.TrimSpace(val))
			if err != nil {
				return nil, nil, errors.New("unauthenticated: invalid or expired token")
			}
			if req := auth.RequestFromContext(ctx); req != nil {
				req.Kind, req.TokenID = auth.KindBearer, at.ID
			}
			return viewer.NewContext(ctx, v), nil, nil
		},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.Use(depthLimit{max: o.DepthLimit})
	srv.Use(csrfCheck{})
	srv.Use(signInAlone{})
	// Mutations that talk to a provider commit their own short
	// transactions after the network calls, rather than hold one (on
	// SQLite: the write lock) across them.
	// signIn runs alone (signInAlone) and writes one row: no need to
	// hold a transaction across its password hashing.
	callsProvider := entgql.SkipIfHasFields("enableServiceAccountSync", "unlinkCalendar", "testProviderConnection", "signIn")
	srv.Use(txPerMutation{entgql.Transactioner{
		TxOpener: res.Client,
		SkipTxFunc: func(op *ast.OperationDefinition) bool {
			return op.Operation != ast.Mutation || callsProvider(op)
		},
	}})
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql panic", slog.Any("panic", p), slog.String("path", pathOf(ctx)))
		return errors.New("internal error")
	})

	mux := http.NewServeMux()
	gql := res.Auth.Middleware(originGuard(o.AllowedOrigins, srv))
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
	if o.Linking != nil {
		mux.HandleFunc("GET /oauth/{provider}/callback", oauthCallback(o.Linking, log))
		mux.HandleFunc("GET "+linking.StartPath+"{token}", startLink(o.Linking, o.SecureCookies, log))
		mux.HandleFunc("POST "+linking.StartPath+"{token}", startLink(o.Linking, o.SecureCookies, log))
		mux.HandleFunc("GET "+linking.InvitePath+"{token}", followInvitation(o.Linking, log))
	}
	if o.Emulators != nil {
		for _, prefix := range []string{"/google/", "/graph/", "/microsoft/", "/_emulator/"} {
			mux.Handle(prefix, o.Emulators)
		}
	}
	if o.Introspection {
		mux.Handle("GET /playground", playground.Handler("Calsync", "/graphql"))
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(landingPage))
	})
	return mux
}

func pathOf(ctx context.Context) string {
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		return fc.Path().String()
	}
	return ""
}

// originAllowed accepts requests without an Origin header (non-browser
// clients), same-origin requests, and configured origins.
func originAllowed(r *http.Request, allowed []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return slices.Contains(allowed, "*") || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(strings.TrimSuffix(a, "/"), origin) })
}

// originPatterns turns allowed origins into the host patterns the
// websocket library matches.
func originPatterns(allowed []string) []string {
	var out []string
	for _, a := range allowed {
		if a == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(a); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

func originGuard(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !originAllowed(r, allowed) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"errors":[{"message":"origin not allowed","extensions":{"code":"FORBIDDEN"}}]}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

const landingPage = `<!doctype html><html><head><meta charset="utf-8"><title>Calsync</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Calsync</h1><p>The GraphQL API is at <a href="/graphql">/graphql</a>
(<a href="/playground">playground</a>, when introspection is on). The admin console arrives in a later release.</p>
</body></html>`
