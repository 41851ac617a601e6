package gcal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"calsync/sync/emulator/emucore"
)

// notification is one push message to a channel's address.
type notification struct {
	key        string // channel key
	address    string
	channelID  string
	token      string
	expiration time.Time
	resourceID string
	uri        string
	state      string // sync, exists, not_exists
	number     int64
}

// notifier delivers notifications in the background: one goroutine per
// channel with queued messages, so messages of a channel go out in order
// and a slow receiver holds up only its own channel. Google does not retry
// failed deliveries of Calendar notifications reliably, and neither does
// the emulator: a failed delivery is logged and dropped.
type notifier struct {
	client *http.Client
	log    *slog.Logger
	faults *emucore.Faults
	live   func(key string) bool
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	queues  map[string][]notification
	running map[string]bool
	closed  bool
}

func newNotifier(client *http.Client, log *slog.Logger, faults *emucore.Faults, live func(string) bool) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	return &notifier{client: client, log: log, faults: faults, live: live, ctx: ctx, cancel: cancel,
		queues: map[string][]notification{}, running: map[string]bool{}}
}

// enqueue hands messages over; it never blocks on delivery.
func (n *notifier) enqueue(notes []notification) {
	if len(notes) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	for _, note := range notes {
		n.queues[note.key] = append(n.queues[note.key], note)
		if !n.running[note.key] {
			n.running[note.key] = true
			n.wg.Add(1)
			go n.run(note.key)
		}
	}
}

func (n *notifier) run(key string) {
	defer n.wg.Done()
	for {
		n.mu.Lock()
		q := n.queues[key]
		if len(q) == 0 {
			delete(n.queues, key)
			delete(n.running, key)
			n.mu.Unlock()
			return
		}
		note := q[0]
		n.queues[key] = q[1:]
		n.mu.Unlock()
		n.deliver(note)
		if n.faults.DuplicateNotification() {
			n.deliver(note) // the same message number again, as Google may
		}
	}
}

func (n *notifier) deliver(note notification) {
	if n.ctx.Err() != nil {
		return
	}
	if !n.live(note.key) {
		n.log.Debug("gcal: notification skipped, channel gone", slog.String("channel_id", note.channelID), slog.Int64("message_number", note.number))
		return
	}
	if n.faults.DropNotification() {
		n.log.Info("gcal: notification dropped by fault", slog.String("channel_id", note.channelID), slog.Int64("message_number", note.number))
		return
	}
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, note.address, http.NoBody)
	if err != nil {
		n.log.Warn("gcal: notification request", slog.String("channel_id", note.channelID), slog.String("error", err.Error()))
		return
	}
	// Google's header spelling, set directly so it goes out unchanged.
	h := req.Header
	h["X-Goog-Channel-ID"] = []string{note.channelID}
	if note.token != "" {
		h["X-Goog-Channel-Token"] = []string{note.token}
	}
	h["X-Goog-Channel-Expiration"] = []string{note.expiration.UTC().Format(http.TimeFormat)}
	h["X-Goog-Resource-ID"] = []string{note.resourceID}
	h["X-Goog-Resource-URI"] = []string{note.uri}
	h["X-Goog-Resource-State"] = []string{note.state}
	h["X-Goog-Message-Number"] = []string{strconv.FormatInt(note.number, 10)}
	h.Set("User-Agent", "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)")
	resp, err := n.client.Do(req)
	if err != nil {
		n.log.Warn("gcal: notification failed", slog.String("channel_id", note.channelID), slog.String("error", err.Error()))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	n.log.Debug("gcal: notification delivered", slog.String("channel_id", note.channelID),
		slog.String("resource_state", note.state), slog.Int64("message_number", note.number), slog.Int("status", resp.StatusCode))
}

// close stops delivery and waits for the senders to finish.
func (n *notifier) close() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
}
