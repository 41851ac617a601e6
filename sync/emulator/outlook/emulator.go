package outlook

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"calsync/sync/emulator/emucore"
)

// ControlPrefix is where the lead mounts ControlHandler; the emulator uses
// it to build links to the per-user pages (event webLinks).
const ControlPrefix = "/_emulator/microsoft"

// Base paths served by ServeHTTP.
const (
	graphPrefix    = "/graph/v1.0"
	identityPrefix = "/microsoft/"
)

// maxBodyBytes bounds request bodies (Graph's own limit for JSON batches is 4 MB).
const maxBodyBytes = 4 << 20

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

// Emulator is an in-memory Microsoft Graph (calendar) and Microsoft
// identity platform. It is safe for concurrent use.
type Emulator struct {
	clock         emucore.Clock
	logger        *slog.Logger
	faults        *emucore.Faults
	allowInsecure bool

	mu sync.Mutex
	st *state

	window   *emucore.Window
	inflight *inflightCounter
	keys     *signer
	deliver  *deliverer

	closeOnce sync.Once
	stop      context.CancelFunc
	bgDone    chan struct{}
}

// New returns a running emulator; call Close to stop its background work.
func New(opts Options) *Emulator {
	clock := opts.Clock
	if clock == nil {
		clock = emucore.SystemClock{}
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	faults := opts.Faults
	if faults == nil {
		faults = emucore.NewFaults(1)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := newState()
	e := &Emulator{
		clock:         clock,
		logger:        logger,
		faults:        faults,
		allowInsecure: opts.AllowInsecureWebhooks,
		st:            st,
		inflight:      newInflightCounter(),
		keys:          &signer{},
		stop:          cancel,
		bgDone:        make(chan struct{}),
	}
	e.window = emucore.NewWindow(clock, time.Duration(st.Throttle.WindowSeconds)*time.Second, st.Throttle.Requests)
	e.deliver = newDeliverer(ctx, client, logger, faults, clock)
	go e.sweepLoop(ctx)
	return e
}

// Close stops the background goroutines (notification delivery, expiry).
// The emulator keeps answering requests but delivers nothing afterwards.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() {
		e.stop()
		<-e.bgDone
		e.deliver.close()
	})
}

// ServeHTTP serves Graph under /graph/v1.0/ and the identity platform under
// /microsoft/{tenant}/oauth2/v2.0/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.sweep()
	switch p := r.URL.Path; {
	case p == graphPrefix || strings.HasPrefix(p, graphPrefix+"/"):
		e.serveGraph(w, r)
	case strings.HasPrefix(p, identityPrefix):
		e.faults.Middleware(http.HandlerFunc(e.serveIdentity), e.writeIdentityFault).ServeHTTP(w, r)
	default:
		e.writeGraphError(w, r, newGraphError(http.StatusNotFound, "ResourceNotFound", "No resource is served at '%s'.", p))
	}
}

// baseURL is scheme://host of the request, honouring X-Forwarded-Proto, so
// the links the emulator returns work at whatever address it is reached.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = strings.TrimSpace(strings.Split(p, ",")[0])
	}
	return scheme + "://" + r.Host
}

var errBodyTooLarge = errors.New("request body too large")

// readBody reads the request body, inflating it when the client (as
// msgraph-sdk-go does) sent it gzip-compressed.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var src io.Reader = io.LimitReader(r.Body, maxBodyBytes+1)
	raw, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("outlook: read body: %w", err)
	}
	if len(raw) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") && len(raw) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("outlook: gzip body: %w", err)
		}
		defer zr.Close()
		out, err := io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
		if err != nil {
			return nil, fmt.Errorf("outlook: gzip body: %w", err)
		}
		if len(out) > maxBodyBytes {
			return nil, errBodyTooLarge
		}
		return out, nil
	}
	return raw, nil
}
