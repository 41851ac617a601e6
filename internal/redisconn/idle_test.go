package redisconn

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// counter counts the scripts a client runs, and the forwards of delayed
// sets among them.
type counter struct{ scripts, forwards atomic.Int64 }

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if keys := scriptKeys(cmd); keys != nil {
			c.scripts.Add(1)
			if isForward(keys) {
				c.forwards.Add(1)
			}
		}
		return next(ctx, cmd)
	}
}

// idleWorker runs an asynq worker the way the app does (50 ms task checks,
// 200 ms delayed checks) on a client with Idle, and reports each task's
// handling on the returned channel.
func idleWorker(t *testing.T, m *miniredis.Miniredis) (*redis.Client, *Idle, *counter, chan string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	idle := NewIdle(c)
	idle.WatchQueues("sync", "default")
	n := &counter{}
	c.AddHook(n) // inside Idle: counts only what reaches Redis
	handled := make(chan string, 10)
	srv := asynq.NewServerFromRedisClient(c, asynq.Config{
		Concurrency: 2, Queues: map[string]int{"sync": 6, "default": 3},
		TaskCheckInterval: 50 * time.Millisecond, DelayedTaskCheckInterval: 200 * time.Millisecond,
		LogLevel: asynq.ErrorLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc("t", func(_ context.Context, task *asynq.Task) error {
		handled <- string(task.Payload())
		return nil
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		idle.Stop()
		begun := time.Now()
		srv.Shutdown()
		if d := time.Since(begun); d > time.Second {
			t.Errorf("shutdown took %v: an idle wait held it", d)
		}
		c.Close()
	})
	return c, idle, n, handled
}

func within(t *testing.T, handled chan string, want string, d time.Duration) time.Duration {
	t.Helper()
	begun := time.Now()
	select {
	case got := <-handled:
		if got != want {
			t.Fatalf("handled %q, want %q", got, want)
		}
		return time.Since(begun)
	case <-time.After(d):
		t.Fatalf("%q not handled within %v", want, d)
		return 0
	}
}

// TestIdleWorkerPollsRarelyAndWakesAtOnce: an idle worker runs a few
// scripts a second, not dozens; a task enqueued in the process, or
// announced by another, is handled at once; one enqueued elsewhere without
// an announcement within IdleWait; a delayed one when it is due.
func TestIdleWorkerPollsRarelyAndWakesAtOnce(t *testing.T) {
	m := miniredis.RunT(t)
	c, idle, n, handled := idleWorker(t, m)
	time.Sleep(500 * time.Millisecond) // settled into idling
	before := n.scripts.Load()
	time.Sleep(3 * time.Second)
	// Unhooked, asynq runs about 40 dequeues and 20 forwards a second.
	t.Logf("idle: %d scripts in 3 s", n.scripts.Load()-before)
	if got := n.scripts.Load() - before; got > 20 {
		t.Errorf("an idle worker ran %d scripts in 3 s", got)
	}

	local := asynq.NewClientFromRedisClient(c)
	if _, err := local.Enqueue(asynq.NewTask("t", []byte("local")), asynq.Queue("sync")); err != nil {
		t.Fatal(err)
	}
	if d := within(t, handled, "local", IdleWait); d > 500*time.Millisecond {
		t.Errorf("a task enqueued in the process waited %v", d)
	}

	other := asynq.NewClient(asynq.RedisClientOpt{Addr: m.Addr()}) // another process
	defer other.Close()
	time.Sleep(time.Second)
	if _, err := other.Enqueue(asynq.NewTask("t", []byte("announced")), asynq.Queue("default")); err != nil {
		t.Fatal(err)
	}
	idle.Wake() // what the wake channel delivers
	if d := within(t, handled, "announced", IdleWait); d > 500*time.Millisecond {
		t.Errorf("an announced task waited %v", d)
	}
	time.Sleep(time.Second)
	if _, err := other.Enqueue(asynq.NewTask("t", []byte("unannounced")), asynq.Queue("sync")); err != nil {
		t.Fatal(err)
	}
	within(t, handled, "unannounced", IdleWait+time.Second)

	// A task another process delays, and announces: forwarded when due,
	// though this worker had found the delayed set empty a moment ago.
	time.Sleep(300 * time.Millisecond) // a forward finds the set empty, and remembers it
	elsewhere := time.Now().Add(1200 * time.Millisecond)
	if _, err := other.Enqueue(asynq.NewTask("t", []byte("delayed elsewhere")), asynq.Queue("sync"), asynq.ProcessAt(elsewhere)); err != nil {
		t.Fatal(err)
	}
	idle.Wake() // what the wake channel delivers
	within(t, handled, "delayed elsewhere", 3*time.Second)
	if late := time.Since(time.Unix(elsewhere.Unix(), 0)); late > 700*time.Millisecond {
		t.Errorf("a task delayed by another process ran %v after it was due", late)
	}

	// asynq keeps a delayed task's time in whole seconds: it is due at the
	// start of the second it was asked for, so up to a second early.
	processAt := time.Now().Add(1500 * time.Millisecond)
	if _, err := local.Enqueue(asynq.NewTask("t", []byte("later")), asynq.Queue("sync"), asynq.ProcessAt(processAt)); err != nil {
		t.Fatal(err)
	}
	due := time.Unix(processAt.Unix(), 0)
	within(t, handled, "later", 3*time.Second)
	if ran := time.Now(); ran.Before(due) {
		t.Errorf("a task due at %s ran at %s", due.Format("15:04:05.000"), ran.Format("15:04:05.000"))
	} else if late := ran.Sub(due); late > time.Second {
		t.Errorf("a task due at %s ran %v late: the forward waited for IdleWait", due.Format("15:04:05.000"), late)
	}
}

// TestBusyWorkerSkipsQuietForwards: tasks enqueued in the process one after
// another do not make the worker forward its empty delayed sets at every
// check (only a task put in a delayed set, or another process's
// announcement, does).
func TestBusyWorkerSkipsQuietForwards(t *testing.T) {
	m := miniredis.RunT(t)
	c, _, n, handled := idleWorker(t, m)
	local := asynq.NewClientFromRedisClient(c)
	defer local.Close()
	time.Sleep(500 * time.Millisecond)
	before := n.forwards.Load()
	for range 40 {
		if _, err := local.Enqueue(asynq.NewTask("t", []byte("busy")), asynq.Queue("sync")); err != nil {
			t.Fatal(err)
		}
		within(t, handled, "busy", time.Second)
		time.Sleep(50 * time.Millisecond)
	}
	// Two seconds of 200 ms checks of four delayed sets: 40 forwards if
	// every enqueue made the sets unknown again; at most a refresh per
	// set per IdleWait when they stay known.
	if got := n.forwards.Load() - before; got > 12 {
		t.Errorf("%d forwards of empty delayed sets while tasks were enqueued here", got)
	}
}
