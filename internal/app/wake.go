package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"calsync/internal/redisconn"
)

// wakes announces tasks enqueued here to the idle workers of other
// processes (redisconn.Idle wakes this process's own without Redis), and
// hears theirs.
//
//   - An announcement names its process, so a worker does not wake itself
//     a second time through Redis (a wake-up makes idle polling look at
//     every queue and delayed set again: a handful of scripts).
//   - PUBLISH answers how many subscribers heard it. When no other process
//     listened, none runs a worker: announcements stop for
//     wakeRecheck, then one asks again. A worker process started
//     meanwhile polls its queues at start, and after at most
//     redisconn.IdleWait when idle, so nothing waits longer than that.
//     (While go-redis subscribes again after a lost connection, this
//     process is counted though not subscribed: announcements may stop
//     for wakeRecheck with a listener elsewhere, with the same bound.)
type wakes struct {
	client  *redis.Client
	channel string
	self    string
	// wake wakes this process's idle polling (redisconn.Idle.Wake).
	wake func()
	log  *slog.Logger
	now  func() time.Time

	// onWorkers hears how many processes run a worker (this one
	// included), every workersEvery while this one listens: the engine
	// splits the providers' project budgets by it (Pacer.ShareProject).
	onWorkers func(n int)

	mu sync.Mutex
	// listening: this process subscribes (its worker runs), so it is one
	// of PUBLISH's receivers.
	listening bool
	// alone: until then no other process listens (last PUBLISH).
	aloneUntil time.Time
}

// wakeRecheck is how long announcements stop after one that no other
// process heard; workersEvery is how often the worker processes are
// counted.
const (
	wakeRecheck  = time.Second
	workersEvery = 5 * time.Second
)

func newWakes(client *redis.Client, channel string, wake func(), log *slog.Logger, now func() time.Time) *wakes {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &wakes{client: client, channel: channel, self: hex.EncodeToString(b[:]), wake: wake, log: log, now: now}
}

// announce tells other processes a task was enqueued.
func (w *wakes) announce(ctx context.Context) {
	w.mu.Lock()
	skip := w.now().Before(w.aloneUntil)
	w.mu.Unlock()
	if skip {
		return
	}
	n, err := w.client.Publish(context.WithoutCancel(ctx), w.channel, w.self).Result()
	if err != nil {
		w.log.Debug("announce an enqueued task", slog.Any("error", err))
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	others := n
	if w.listening {
		others--
	}
	if others <= 0 {
		w.aloneUntil = w.now().Add(wakeRecheck)
	}
}

// listen wakes this worker's idle polling when another process announces
// an enqueued task, until the returned stop is called.
func (w *wakes) listen() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sub := w.client.Subscribe(ctx, w.channel)
	// Counted among PUBLISH's receivers once Redis confirms (if it does
	// not, go-redis subscribes again when it reconnects).
	// Not confirmed, it is not counted: PUBLISH's answer is then taken
	// for one more listener than there may be, which costs announcements,
	// never a wake-up.
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	if _, err := sub.Receive(rctx); err != nil {
		w.log.Warn("listen for enqueued tasks", slog.Any("error", err))
	} else {
		w.mu.Lock()
		w.listening = true
		w.mu.Unlock()
	}
	rcancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(workersEvery)
		defer tick.Stop()
		w.countWorkers(ctx)
		ch := sub.Channel(redis.WithChannelHealthCheckInterval(redisconn.PubSubHealthCheck))
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				w.countWorkers(ctx)
			case msg, ok := <-ch:
				if !ok {
					return
				}
				if msg.Payload != w.self {
					w.wake()
				}
			}
		}
	}()
	return func() {
		w.mu.Lock()
		w.listening = false
		w.mu.Unlock()
		cancel()
		_ = sub.Close()
		<-done
	}
}

// countWorkers tells onWorkers how many processes listen, that is run a
// worker; unknown (Redis unreachable), the last count stands.
func (w *wakes) countWorkers(ctx context.Context) {
	if w.onWorkers == nil {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	n, err := w.client.PubSubNumSub(cctx, w.channel).Result()
	if err != nil {
		w.log.Debug("count worker processes", slog.Any("error", err))
		return
	}
	w.onWorkers(max(int(n[w.channel]), 1))
}
