package server

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"calsync/internal/auth"
	"calsync/internal/config"
)

// originPolicy decides which browser origins may call the API. Origins
// are compared on scheme, host and port (default ports made explicit).
type originPolicy struct {
	any     bool
	allowed map[string]bool
	public  string
	// publicHost is the public URL's host[:port] as clients send it.
	publicHost string
}

func newOriginPolicy(publicURL string, allowed []string) originPolicy {
	p := originPolicy{allowed: map[string]bool{}, public: normalizeOrigin(publicURL)}
	if u, err := url.Parse(publicURL); err == nil {
		p.publicHost = u.Host
	}
	for _, a := range allowed {
		if a == "*" {
			p.any = true
			continue
		}
		if n := normalizeOrigin(a); n != "" {
			p.allowed[n] = true
		}
	}
	return p
}

// normalizeOrigin returns scheme://host:port in lower case, or "" when s
// is not an http(s) origin.
func normalizeOrigin(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(u.Scheme + "://" + net.JoinHostPort(host, port))
}

// listed reports whether origin is configured (or the public URL's): such
// origins get CORS headers.
func (p originPolicy) listed(origin string) bool {
	n := normalizeOrigin(origin)
	return n != "" && (p.any || p.allowed[n] || n == p.public)
}

// allows accepts requests without an Origin header (non-browser clients),
// same-origin requests (the origin's host is the Host the request was sent
// to, and that Host is the public URL's or names this machine — a rebound
// DNS name is neither) and listed origins.
func (p originPolicy) allows(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if p.listed(origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.EqualFold(u.Host, r.Host) {
		return false
	}
	return config.LoopbackHost(r.Host) || strings.EqualFold(r.Host, p.publicHost)
}

// hostPatterns turns allowed origins into the host patterns the websocket
// library matches.
func (p originPolicy) hostPatterns() []string {
	if p.any {
		return []string{"*"}
	}
	var out []string
	for o := range p.allowed {
		if u, err := url.Parse(o); err == nil {
			out = append(out, u.Host)
			if h, port, _ := net.SplitHostPort(u.Host); (port == "80" && u.Scheme == "http") || (port == "443" && u.Scheme == "https") {
				out = append(out, h)
			}
		}
	}
	return out
}

func (p originPolicy) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.allows(r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"errors":[{"message":"origin not allowed","extensions":{"code":"FORBIDDEN"}}]}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CORS: what a listed origin may send.
const (
	corsMethods = "GET, POST, OPTIONS"
	corsMaxAge  = "600"
)

var corsHeaders = []string{"Content-Type", "Authorization", auth.CSRFHeader, "Accept"}

// cors answers preflights and marks responses readable by listed origins,
// with credentials (the session cookie). Other origins get no CORS
// headers, so browsers keep their responses from the calling page.
func (p originPolicy) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		listed := origin != "" && p.listed(origin)
		switch n := normalizeOrigin(origin); {
		case listed && (p.allowed[n] || n == p.public):
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		case listed:
			// "*" opens the API to bearer-token clients on any site,
			// never with the session cookie.
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Allow", corsMethods)
		if listed && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", strings.Join(corsHeaders, ", "))
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// bodyReadTimeout bounds how long a client may take to send a request
// body: a connection that trickles one never holds its descriptor for long.
const bodyReadTimeout = 30 * time.Second

// baseHeaders sets what every response carries: no MIME sniffing, no
// framing, no referrer (link and invitation URLs hold secrets). It also
// bounds the time to read the request (websockets, which live on, aside).
func baseHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			// Not every ResponseWriter supports deadlines (httptest's).
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// pageCSP is the policy of Calsync's own HTML pages: nothing but their own
// inline styles, no scripts, never framed.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

func pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// playgroundHeaders: the playground loads its scripts and styles from a CDN
// and runs inline script; it still may not be framed.
func playgroundHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		next.ServeHTTP(w, r)
	})
}

// loopbackOnly serves only clients on this machine: the emulators' control
// API hands out tokens and signing keys and can wipe their state. The Host
// must name this machine too, or a page whose name was rebound to
// 127.0.0.1 (DNS rebinding) could read it from the visitor's browser.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !config.LoopbackHost(r.RemoteAddr) || !config.LoopbackHost(r.Host) {
			http.Error(w, "the emulator control API answers only on this machine (loopback)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// introspectionOff answers an introspection query with a validation error
// when introspection is disabled, instead of failing inside execution.
type introspectionOff struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionOff{}

func (introspectionOff) ExtensionName() string                   { return "IntrospectionOff" }
func (introspectionOff) Validate(graphql.ExecutableSchema) error { return nil }

func (introspectionOff) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	introspection := func(n string) bool { return n == "__schema" || n == "__type" }
	if oc.Operation == nil || rootField(oc.Doc, oc.Operation.SelectionSet, introspection, map[string]bool{}) == "" {
		return nil
	}
	e := gqlerror.Errorf("introspection is disabled on this server")
	e.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	return e
}
