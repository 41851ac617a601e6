package outlook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"

	"calsync/sync/emulator/emucore"
)

// Delivery rules, after Graph's: a receiver has 3 s to answer 2xx, failed
// notifications are retried with backoff for up to 4 h, and the
// validation handshake must be answered within 10 s. The emulator keeps
// the number of real retries small (the 4 h bound is on the injected
// clock) so a dead receiver does not keep goroutines busy for long.
const (
	notifyTimeout     = 3 * time.Second
	validationTimeout = 10 * time.Second
	notifyRetryWindow = 4 * time.Hour
	notifyAttempts    = 5
	notifyFirstRetry  = 500 * time.Millisecond
	maxParallelPosts  = 16
)

// outgoing is one POST to a subscriber.
type outgoing struct {
	URL            string
	Body           []byte
	SubscriptionID string
	Kind           string    // "change" or the lifecycle event
	Deadline       time.Time // on the injected clock: stop retrying after it
	alive          func() bool
}

// deliverer posts notifications in the background.
type deliverer struct {
	ctx    context.Context
	client *http.Client
	logger *slog.Logger
	faults *emucore.Faults
	clock  emucore.Clock
	sem    chan struct{}

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newDeliverer(ctx context.Context, client *http.Client, logger *slog.Logger, faults *emucore.Faults, clock emucore.Clock) *deliverer {
	return &deliverer{ctx: ctx, client: client, logger: logger, faults: faults, clock: clock, sem: make(chan struct{}, maxParallelPosts)}
}

// enqueue starts delivering n without blocking the caller (who may hold
// the state lock).
func (d *deliverer) enqueue(n outgoing) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if n.Kind == "change" && d.faults.DropNotification() {
		d.logger.Info("outlook notification dropped by fault", slog.String("subscription_id", n.SubscriptionID))
		return
	}
	d.wg.Add(1)
	go d.run(n)
	if n.Kind == "change" && d.faults.DuplicateNotification() {
		d.wg.Add(1)
		go d.run(n) // delivered twice, as Graph may
	}
}

// close stops new deliveries and waits for running ones (whose context
// has been cancelled) to return.
func (d *deliverer) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.wg.Wait()
}

func (d *deliverer) run(n outgoing) {
	defer d.wg.Done()
	select {
	case d.sem <- struct{}{}:
	case <-d.ctx.Done():
		return
	}
	defer func() { <-d.sem }()
	wait := notifyFirstRetry
	for attempt := 1; ; attempt++ {
		err := d.post(n)
		if err == nil {
			return
		}
		d.logger.Info("outlook notification failed",
			slog.String("subscription_id", n.SubscriptionID), slog.String("kind", n.Kind),
			slog.Int("attempt", attempt), slog.String("error", err.Error()))
		if attempt >= notifyAttempts || d.clock.Now().After(n.Deadline) || (n.alive != nil && !n.alive()) {
			d.logger.Warn("outlook notification discarded", slog.String("subscription_id", n.SubscriptionID), slog.String("kind", n.Kind))
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-d.ctx.Done():
			t.Stop()
			return
		}
		wait *= 2
	}
}

func (d *deliverer) post(n outgoing) error {
	ctx, cancel := context.WithTimeout(d.ctx, notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(n.Body))
	if err != nil {
		return fmt.Errorf("outlook: notification request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Microsoft-Graph-Emulator/1.0")
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("outlook: post notification: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("outlook: post notification: status %d", resp.StatusCode)
	}
	return nil
}

// Validation outcomes, mapped to Graph's error messages by the caller.
var (
	errValidationTimeout  = errors.New("validation timed out")
	errValidationStatus   = errors.New("validation status not 200")
	errValidationMismatch = errors.New("validation response mismatch")
)

// validateEndpoint performs Graph's handshake: POST
// {url}?validationToken=<token> and expect 200 text/plain with the token.
func (d *deliverer) validateEndpoint(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("outlook: validation url: %w", err)
	}
	token := "Validation: Testing client application reachability for subscription Request-Id: " + newGUID()
	q := u.Query()
	q.Set("validationToken", token)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, validationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return fmt.Errorf("outlook: validation request: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return errValidationTimeout
		}
		return fmt.Errorf("outlook: validation post: %w: %w", errValidationStatus, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return errValidationTimeout
	}
	if resp.StatusCode != http.StatusOK {
		return errValidationStatus
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/plain" || string(body) != token {
		return errValidationMismatch
	}
	return nil
}
