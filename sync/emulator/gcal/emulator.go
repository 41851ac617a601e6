package gcal

import (
	"context"
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"calsync/sync/emulator/emucore"
)

// Options configures the emulator.
type Options struct {
	Clock      emucore.Clock   // nil: emucore.SystemClock{}
	HTTPClient *http.Client    // used to deliver webhook notifications; nil: a client with a 10 s timeout
	Logger     *slog.Logger    // nil: discard
	Faults     *emucore.Faults // nil: a fresh one; the lead passes a shared instance per provider
	// AllowInsecureWebhooks accepts http:// notification addresses on loopback hosts (tests, demo);
	// without it, only https addresses are accepted, as at the real provider.
	AllowInsecureWebhooks bool
}

// Emulator is an in-memory Google Calendar API v3 and Google OAuth 2.0
// server. It is safe for concurrent use; all state sits behind one mutex.
type Emulator struct {
	clock          emucore.Clock
	log            *slog.Logger
	faults         *emucore.Faults
	insecureHooks  bool
	userQuota      *emucore.Window
	projectQuota   *emucore.Window
	notifier       *notifier
	handler        http.Handler
	apiHandler     http.Handler // auth, quota and faults applied; used by batch parts too
	controlHandler http.Handler

	mu           sync.Mutex
	st           *store
	authRequests map[string]*authRequest // pending consent pages; not snapshotted
	pendingNotes []notification          // collected under mu, sent after unlock
	signer       *rsa.PrivateKey         // parsed st.SigningKeyPEM
	signerPEM    string
}

// Path prefixes served by ServeHTTP.
const (
	apiPrefix     = "/google/calendar/v3"
	batchPath     = "/google/batch/calendar/v3"
	authPath      = "/google/o/oauth2/v2/auth"
	tokenPath     = "/google/token"
	revokePath    = "/google/revoke"
	userinfoPath  = "/google/oauth2/v3/userinfo"
	certsPath     = "/google/oauth2/v3/certs"
	controlPrefix = "/_emulator/google"
)

var _ http.Handler = (*Emulator)(nil)

// New returns an emulator with empty state.
func New(opts Options) *Emulator {
	clock := opts.Clock
	if clock == nil {
		clock = emucore.SystemClock{}
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	faults := opts.Faults
	if faults == nil {
		faults = emucore.NewFaults(1)
	}
	e := &Emulator{
		clock:         clock,
		log:           logger,
		faults:        faults,
		insecureHooks: opts.AllowInsecureWebhooks,
		st:            newStore(),
		authRequests:  map[string]*authRequest{},
	}
	e.userQuota = emucore.NewWindow(clock, time.Minute, defaultUserQuota)
	e.projectQuota = emucore.NewWindow(clock, time.Minute, defaultProjectQuota)
	e.notifier = newNotifier(client, logger, faults, e.channelLive)
	e.apiHandler = faults.Middleware(e.authenticate(e.apiRoutes()), e.writeFault)
	e.handler = e.topRoutes()
	e.controlHandler = e.controlRoutes()
	return e
}

// ServeHTTP serves the Google paths: /google/calendar/v3/..., the batch
// endpoint, and the OAuth endpoints under /google/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.handler.ServeHTTP(w, r)
}

// ControlHandler returns the control API, to be mounted with
// http.StripPrefix at /_emulator/google.
func (e *Emulator) ControlHandler() http.Handler { return e.controlHandler }

// Faults returns the fault rules the emulator applies.
func (e *Emulator) Faults() *emucore.Faults { return e.faults }

// Close stops notification delivery. The emulator keeps answering
// requests but sends no more webhooks.
func (e *Emulator) Close() { e.notifier.close() }

func (e *Emulator) topRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(apiPrefix+"/", e.apiHandler)
	mux.Handle(batchPath, e.faults.Middleware(http.HandlerFunc(e.handleBatch), e.writeFault))
	mux.HandleFunc("GET "+authPath, e.handleConsentPage)
	mux.HandleFunc("POST "+authPath, e.handleConsentSubmit)
	mux.Handle(tokenPath, e.faults.Middleware(http.HandlerFunc(e.handleToken), e.writeFault))
	mux.Handle(revokePath, e.faults.Middleware(http.HandlerFunc(e.handleRevoke), e.writeFault))
	mux.Handle("/google/o/oauth2/revoke", e.faults.Middleware(http.HandlerFunc(e.handleRevoke), e.writeFault))
	mux.Handle(userinfoPath, e.faults.Middleware(http.HandlerFunc(e.handleUserinfo), e.writeFault))
	mux.HandleFunc("GET "+certsPath, e.handleCerts)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, r, errNotFound())
	})
	return mux
}

// update runs fn under the state lock and then hands the notifications fn
// queued to the notifier, outside the lock so delivery never blocks a
// request.
func (e *Emulator) update(fn func() error) error {
	e.mu.Lock()
	err := fn()
	notes := e.pendingNotes
	e.pendingNotes = nil
	e.mu.Unlock()
	e.notifier.enqueue(notes)
	return err
}

// read runs fn under the state lock.
func (e *Emulator) read(fn func() error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fn()
}

// baseURL is the scheme and host the client used to reach the emulator, so
// returned links work at any address.
func baseURL(r *http.Request) string {
	if r == nil {
		return ""
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		proto = strings.TrimSpace(strings.Split(p, ",")[0])
	}
	return proto + "://" + r.Host
}

// ctxKey is the type of the request-context keys of this package.
type ctxKey int

const principalKey ctxKey = iota

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey).(*principal)
	return p
}
