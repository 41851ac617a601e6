package redisconn

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// IdleWait bounds how long an idle worker goes without looking at its
// queues: what no wake-up announces (a task another process put in a
// delayed set, a lost notification) waits at most this long. Every look
// costs a few scripts and wakes the process: on this project's 2-core VM,
// 2 s kept an idle process with 1,000 accounts above 1 % of a core.
const IdleWait = 5 * time.Second

// PubSubHealthCheck is how often a pub/sub connection with nothing to
// deliver pings Redis to find out it is still there (go-redis pings every
// 3 s otherwise, a wake-up of the process each time): a connection lost
// silently is replaced within about this long. What it would have
// delivered is not lost meanwhile — a worker looks at its queues within
// IdleWait, and live updates are hints the next read of the data
// supersedes.
const PubSubHealthCheck = 15 * time.Second

// Idle makes asynq's polling adapt to load. asynq's processor asks every
// queue for a task every TaskCheckInterval, and its forwarder runs a Lua
// script per queue and delayed set every DelayedTaskCheckInterval, loaded
// or idle: dozens of scripts a second on an idle process. As a go-redis
// hook on the client asynq uses, Idle
//   - holds the dequeue that finds the last of the watched queues empty in
//     a round (every queue's dequeue found nothing since the last wait)
//     until a task is enqueued (in this process, or announced by another
//     one through Redis) or IdleWait passes, then lets asynq's next round
//     look again;
//   - answers a forward of a delayed set (scheduled, retry) "nothing moved"
//     without asking Redis while the set is known to hold nothing due —
//     learnt by reading its first entry after a forward that moved none,
//     forgotten when this process adds to it or another announces an
//     enqueue, and at most IdleWait old.
//
// Scripts are recognised by their keys (asynq v0.26's key layout).
type Idle struct {
	mu sync.Mutex
	// queues are the watched queues' pending keys (WatchQueues); empty
	// says which were found empty since the last wait or wake-up.
	queues []string
	empty  map[string]bool
	woken  chan struct{}
	// quietUntil: the delayed set (by key) holds nothing due before then.
	quietUntil map[string]time.Time
	client     redis.UniversalClient
	// announce tells other processes a task was enqueued.
	announce func(ctx context.Context)
	// stopped: no dequeue waits any more (the worker is shutting down).
	stopped bool
	now     func() time.Time
}

// NewIdle returns the hook for client, and attaches it.
func NewIdle(client redis.UniversalClient) *Idle {
	h := &Idle{empty: map[string]bool{}, woken: make(chan struct{}), quietUntil: map[string]time.Time{},
		client: client, now: time.Now}
	client.AddHook(h)
	return h
}

// Announce sets how other processes are told of a task enqueued here
// (set before the client is used).
func (h *Idle) Announce(fn func(ctx context.Context)) { h.announce = fn }

// Wake ends a wait: a task may be waiting in a queue.
func (h *Idle) Wake() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.wakeLocked()
}

func (h *Idle) wakeLocked() {
	// A task may also have been put in a delayed set (by another
	// process): look at their first entries again.
	clear(h.quietUntil)
	h.wakeQueuesLocked()
}

// wakeQueuesLocked ends a wait for a task put in a queue here: the
// delayed sets this process added to are forgotten by the hook itself.
func (h *Idle) wakeQueuesLocked() {
	clear(h.empty)
	close(h.woken)
	h.woken = make(chan struct{})
}

// WatchQueues names the queues the worker serves: a round finding all of
// them empty waits (none named: no dequeue waits).
func (h *Idle) WatchQueues(names ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queues = h.queues[:0]
	for _, n := range names {
		h.queues = append(h.queues, "asynq:{"+n+"}:pending")
	}
}

// Stop ends the waiting for good: a worker shutting down must not sit
// out an idle wait.
func (h *Idle) Stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	h.wakeLocked()
}

// DialHook implements redis.Hook.
func (h *Idle) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessPipelineHook implements redis.Hook.
func (h *Idle) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// ProcessHook implements redis.Hook.
func (h *Idle) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		keys := scriptKeys(cmd)
		switch {
		case keys == nil:
			return next(ctx, cmd)
		case isDequeue(keys):
			err := next(ctx, cmd)
			if errors.Is(err, redis.Nil) {
				h.foundEmpty(ctx, keys[0])
			} else {
				h.mu.Lock()
				delete(h.empty, keys[0])
				h.mu.Unlock()
			}
			return err
		case isForward(keys):
			return h.forward(ctx, next, cmd, keys[0])
		}
		err := next(ctx, cmd)
		if err != nil {
			return err
		}
		enqueued, delayed := false, false
		h.mu.Lock()
		for _, k := range keys {
			switch {
			case strings.HasSuffix(k, ":pending"):
				enqueued = true
			case strings.HasSuffix(k, ":scheduled"), strings.HasSuffix(k, ":retry"):
				delete(h.quietUntil, k)
				delayed = true
			}
		}
		if enqueued {
			h.wakeQueuesLocked()
		}
		h.mu.Unlock()
		// Other processes hear of both: a task delayed here (a read put
		// off a second) is forwarded by whichever worker looks first,
		// and one that believes the set quiet would look up to IdleWait
		// late.
		if (enqueued || delayed) && h.announce != nil {
			h.announce(ctx)
		}
		return nil
	}
}

// foundEmpty records that queue (by pending key) had no task; when every
// watched queue has been found empty since the last wait, it waits for a
// wake-up or IdleWait before the dequeue returns.
func (h *Idle) foundEmpty(ctx context.Context, queue string) {
	h.mu.Lock()
	h.empty[queue] = true
	idle := !h.stopped && len(h.queues) > 0
	for _, q := range h.queues {
		idle = idle && h.empty[q]
	}
	if idle {
		clear(h.empty) // the next round looks at every queue again
	}
	woken := h.woken
	h.mu.Unlock()
	if !idle {
		return
	}
	t := time.NewTimer(IdleWait)
	defer t.Stop()
	select {
	case <-woken:
	case <-t.C:
	case <-ctx.Done():
	}
}

// forward runs a forward of delayed set key unless the set is known to
// hold nothing due; after one that moved nothing it reads when the set's
// first task is due.
func (h *Idle) forward(ctx context.Context, next redis.ProcessHook, cmd redis.Cmder, key string) error {
	now := h.now()
	h.mu.Lock()
	quiet := now.Before(h.quietUntil[key])
	h.mu.Unlock()
	if c, ok := cmd.(*redis.Cmd); ok && quiet {
		c.SetVal(int64(0))
		return nil
	}
	err := next(ctx, cmd)
	if err != nil {
		return err
	}
	if c, ok := cmd.(*redis.Cmd); ok {
		if n, _ := c.Int64(); n > 0 {
			h.Wake()
			return nil
		}
	}
	until := now.Add(IdleWait)
	first, zerr := h.client.ZRangeWithScores(ctx, key, 0, 0).Result()
	if zerr != nil {
		return nil // not known: forwarded again next time
	}
	if len(first) > 0 {
		if due := time.Unix(int64(first[0].Score), 0); due.Before(until) {
			until = due
		}
	}
	h.mu.Lock()
	h.quietUntil[key] = until
	h.mu.Unlock()
	return nil
}

// scriptKeys are the keys of an EVAL or EVALSHA; nil for other commands.
func scriptKeys(cmd redis.Cmder) []string {
	args := cmd.Args()
	if len(args) < 3 {
		return nil
	}
	name, _ := args[0].(string)
	if !strings.EqualFold(name, "evalsha") && !strings.EqualFold(name, "eval") {
		return nil
	}
	var n int
	switch v := args[2].(type) {
	case int:
		n = v
	case int64:
		n = int(v)
	default:
		return nil
	}
	if n < 0 || 3+n > len(args) {
		return nil
	}
	keys := make([]string, 0, n)
	for _, a := range args[3 : 3+n] {
		s, ok := a.(string)
		if !ok {
			return nil
		}
		keys = append(keys, s)
	}
	return keys
}

// isDequeue: asynq's dequeue script (pending, paused, active, lease).
func isDequeue(keys []string) bool {
	return len(keys) == 4 && strings.HasSuffix(keys[0], ":pending") && strings.HasSuffix(keys[1], ":paused") &&
		strings.HasSuffix(keys[2], ":active") && strings.HasSuffix(keys[3], ":lease")
}

// isForward: asynq's forward script (a delayed set, pending).
func isForward(keys []string) bool {
	return len(keys) == 2 && (strings.HasSuffix(keys[0], ":scheduled") || strings.HasSuffix(keys[0], ":retry")) &&
		strings.HasSuffix(keys[1], ":pending")
}
