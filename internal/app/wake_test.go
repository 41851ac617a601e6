package app

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"calsync/sync/emulator/emucore"
)

// publishCounter counts the PUBLISH commands a client sends.
type publishCounter struct{ n atomic.Int64 }

func (c *publishCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *publishCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *publishCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "publish" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// wakeTestClients returns a maker of clients of the test's Redis
// (REDIS_URL, else one in-process server for the test), each counting
// its PUBLISH commands.
func wakeTestClients(t *testing.T) func() (*redis.Client, *publishCounter) {
	t.Helper()
	var opt *redis.Options
	if u := os.Getenv("REDIS_URL"); u != "" {
		var err error
		if opt, err = redis.ParseURL(u); err != nil {
			t.Fatal(err)
		}
	} else {
		m := miniredis.RunT(t)
		opt = &redis.Options{Addr: m.Addr()}
	}
	return func() (*redis.Client, *publishCounter) {
		c := redis.NewClient(opt)
		t.Cleanup(func() { c.Close() })
		n := &publishCounter{}
		c.AddHook(n)
		return c, n
	}
}

// TestWakesReachOtherProcessesOnly: an announced task wakes the other
// process's worker, not the announcing one's; with no other listener the
// announcements stop until wakeRecheck has passed, and then reach a
// worker that started meanwhile.
func TestWakesReachOtherProcessesOnly(t *testing.T) {
	ctx := context.Background()
	channel := "calsync-test-" + randomSuffix(t) + ":asynq-wake"
	clock := emucore.NewFakeClock(time.Now())
	var wokeA, wokeB atomic.Int64
	client := wakeTestClients(t)
	ca, pubA := client()
	cb, _ := client()
	a := newWakes(ca, channel, func() { wokeA.Add(1) }, slog.New(slog.DiscardHandler), clock.Now)
	b := newWakes(cb, channel, func() { wokeB.Add(1) }, slog.New(slog.DiscardHandler), clock.Now)
	stopA := a.listen()
	defer stopA()
	stopB := b.listen()

	a.announce(ctx)
	waitFor(t, "b woken", func() bool { return wokeB.Load() == 1 })
	time.Sleep(100 * time.Millisecond) // a's own message has arrived by now
	if n := wokeA.Load(); n != 0 {
		t.Fatalf("a's own announcement woke a %d times", n)
	}
	a.announce(ctx)
	waitFor(t, "b woken again", func() bool { return wokeB.Load() == 2 })

	// b's worker stops: the next announcement finds nobody else and the
	// ones after it are not sent.
	stopB()
	// Redis drops b's subscription once it sees the connection closed.
	waitFor(t, "b's subscription gone", func() bool {
		n, err := ca.PubSubNumSub(ctx, channel).Result()
		return err == nil && n[channel] == 1
	})
	before := pubA.n.Load()
	a.announce(ctx)
	a.announce(ctx)
	a.announce(ctx)
	if sent := pubA.n.Load() - before; sent != 1 {
		t.Fatalf("%d announcements sent with no other listener, want 1 (the one that found out)", sent)
	}

	// Another worker starts; once wakeRecheck has passed, announcements
	// are sent again and reach it.
	var wokeC atomic.Int64
	cc, _ := client()
	c := newWakes(cc, channel, func() { wokeC.Add(1) }, slog.New(slog.DiscardHandler), clock.Now)
	stopC := c.listen()
	defer stopC()
	waitFor(t, "c subscribed", func() bool {
		n, err := ca.PubSubNumSub(ctx, channel).Result()
		return err == nil && n[channel] == 2
	})
	a.announce(ctx)
	if sent := pubA.n.Load() - before; sent != 1 {
		t.Fatalf("an announcement was sent within wakeRecheck of finding no listener")
	}
	clock.Advance(wakeRecheck)
	a.announce(ctx)
	waitFor(t, "the new worker woken", func() bool { return wokeC.Load() == 1 })
	a.announce(ctx)
	waitFor(t, "the new worker woken again", func() bool { return wokeC.Load() == 2 })
	if n := wokeA.Load(); n != 0 {
		t.Fatalf("a's own announcements woke a %d times", n)
	}
}

// TestWakesWithoutWorkerCountNoSelf: a process without a worker (an API
// process) does not subtract itself: one worker elsewhere keeps the
// announcements going.
func TestWakesWithoutWorkerCountNoSelf(t *testing.T) {
	ctx := context.Background()
	channel := "calsync-test-" + randomSuffix(t) + ":asynq-wake"
	var woke atomic.Int64
	client := wakeTestClients(t)
	ca, pubA := client()
	cb, _ := client()
	a := newWakes(ca, channel, func() {}, slog.New(slog.DiscardHandler), time.Now)
	b := newWakes(cb, channel, func() { woke.Add(1) }, slog.New(slog.DiscardHandler), time.Now)
	stop := b.listen()
	defer stop()
	for i := 1; i <= 3; i++ {
		a.announce(ctx)
		waitFor(t, "the worker woken", func() bool { return woke.Load() == int64(i) })
	}
	if n := pubA.n.Load(); n != 3 {
		t.Fatalf("%d announcements sent, want 3", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func randomSuffix(t *testing.T) string {
	t.Helper()
	w := newWakes(nil, "", nil, nil, nil)
	return w.self
}

// TestWakesCountWorkers: each listening process is a worker; the count
// reaches onWorkers (the engine's project budget shares).
func TestWakesCountWorkers(t *testing.T) {
	ctx := context.Background()
	channel := "calsync-test-" + randomSuffix(t) + ":asynq-wake"
	client := wakeTestClients(t)
	var seen atomic.Int64
	ca, _ := client()
	cb, _ := client()
	a := newWakes(ca, channel, func() {}, slog.New(slog.DiscardHandler), time.Now)
	a.onWorkers = func(n int) { seen.Store(int64(n)) }
	b := newWakes(cb, channel, func() {}, slog.New(slog.DiscardHandler), time.Now)
	stopA := a.listen()
	defer stopA()
	waitFor(t, "one worker counted", func() bool { return seen.Load() == 1 })
	stopB := b.listen()
	a.countWorkers(ctx)
	if n := seen.Load(); n != 2 {
		t.Fatalf("two workers listening: counted %d", n)
	}
	stopB()
	waitFor(t, "one worker counted again", func() bool { a.countWorkers(ctx); return seen.Load() == 1 })
}
