package tasks_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"calsync/sync/tasks"
)

// localEnv is a Local over a queue of its own (miniredis: the queue's
// state is all the test reads).
type localEnv struct {
	local *tasks.Local
	insp  *asynq.Inspector
}

func newLocal(t *testing.T) localEnv {
	t.Helper()
	m := miniredis.RunT(t)
	q := asynq.NewClient(asynq.RedisClientOpt{Addr: m.Addr()})
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: m.Addr()})
	t.Cleanup(func() {
		_ = q.Close()
		_ = insp.Close()
	})
	return localEnv{local: tasks.NewLocal(q, insp, nil), insp: insp}
}

// queued is every task on q, in any state, by task id.
func (e localEnv) queued(t *testing.T, q string) map[string]asynq.TaskState {
	t.Helper()
	out := map[string]asynq.TaskState{}
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
		e.insp.ListPendingTasks, e.insp.ListScheduledTasks, e.insp.ListRetryTasks, e.insp.ListArchivedTasks,
	} {
		ts, err := list(q)
		if err != nil && err.Error() != "asynq: queue not found" {
			t.Fatal(err)
		}
		for _, ti := range ts {
			out[ti.ID] = ti.State
		}
	}
	return out
}

// gated starts e's Local with a handler that counts its runs, waits for
// release, then returns err.
func (e localEnv) gated(slots int, err error) (release chan struct{}, runs *atomic.Int32) {
	release, runs = make(chan struct{}), new(atomic.Int32)
	e.local.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		runs.Add(1)
		<-release
		return err
	}), slots)
	return release, runs
}

// take has e's Local take a wake-up under id once a runner is free.
func (e localEnv) take(t *testing.T, id string) {
	t.Helper()
	waitFor(t, "a free runner for "+id, func() bool {
		return e.local.Try(context.Background(), asynq.NewTask("x", nil), taskOpts(id)...)
	})
}

func taskOpts(id string) []asynq.Option {
	return []asynq.Option{asynq.Queue(tasks.QueueSync), asynq.MaxRetry(5), asynq.TaskID(id)}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLocalRunsWhenARunnerIsFree: a wake-up runs in the process through
// the handler, which learns its task id and queue; with every runner
// busy, or before Start, Local does not take it (the caller queues it).
func TestLocalRunsWhenARunnerIsFree(t *testing.T) {
	e := newLocal(t)
	ctx := context.Background()
	if e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("early")...) {
		t.Fatal("a Local not started took a wake-up")
	}
	release := make(chan struct{})
	var ran atomic.Int32
	ids := make(chan string, 4)
	e.local.Start(asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		id, q, ok := tasks.LocalTask(ctx)
		if !ok || q != tasks.QueueSync {
			t.Errorf("LocalTask = %q, %q, %v", id, q, ok)
		}
		ids <- id
		ran.Add(1)
		<-release
		return nil
	}), 2)
	waitFor(t, "both runners to wait", func() bool {
		return e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("a")...)
	})
	waitFor(t, "the second runner", func() bool {
		return e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("b")...)
	})
	waitFor(t, "both runs to start", func() bool { return ran.Load() == 2 })
	if e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("c")...) {
		t.Fatal("a third wake-up was taken with both runners busy")
	}
	got := map[string]bool{<-ids: true, <-ids: true}
	if !got["a"] || !got["b"] {
		t.Fatalf("runs saw task ids %v, want a and b", got)
	}
	close(release)
	e.local.Stop(5 * time.Second)
	if e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("late")...) {
		t.Fatal("a stopped Local took a wake-up")
	}
	if q := e.queued(t, tasks.QueueSync); len(q) != 0 {
		t.Fatalf("successful runs left tasks on the queue: %v", q)
	}
}

// TestLocalQueuesFailedRuns: a run that fails (or panics) goes on the
// queue under its task id, delayed as asynq would retry it; one that asks
// for no retry does not.
func TestLocalQueuesFailedRuns(t *testing.T) {
	e := newLocal(t)
	ctx := context.Background()
	var done atomic.Int32
	e.local.Start(asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		defer done.Add(1)
		switch string(task.Payload()) {
		case "fail":
			return errors.New("provider answered 503")
		case "panic":
			panic("boom")
		case "skip":
			return asynq.SkipRetry
		}
		return nil
	}), 1)
	for _, p := range []string{"fail", "panic", "skip", "ok"} {
		waitFor(t, "a free runner for "+p, func() bool {
			return e.local.Try(ctx, asynq.NewTask("x", []byte(p)), taskOpts("t-"+p)...)
		})
	}
	waitFor(t, "every run", func() bool { return done.Load() == 4 })
	e.local.Stop(5 * time.Second)
	got := e.queued(t, tasks.QueueSync)
	want := map[string]asynq.TaskState{"t-fail": asynq.TaskStateScheduled, "t-panic": asynq.TaskStateScheduled}
	if len(got) != len(want) || got["t-fail"] != want["t-fail"] || got["t-panic"] != want["t-panic"] {
		t.Fatalf("queued after the runs: %v, want %v", got, want)
	}
}

// TestLocalLater: a delayed wake-up runs once after its delay, however
// often it is asked for under one task id; one still waiting when Local
// stops goes on the queue, not lost.
func TestLocalLater(t *testing.T) {
	e := newLocal(t)
	ctx := context.Background()
	var runs atomic.Int32
	e.local.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		runs.Add(1)
		return nil
	}), 1)
	start := time.Now()
	for range 3 {
		if !e.local.Later(ctx, 100*time.Millisecond, asynq.NewTask("x", nil), taskOpts("soon")...) {
			t.Fatal("Later did not take the wake-up")
		}
	}
	waitFor(t, "the delayed run", func() bool { return runs.Load() > 0 })
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("the delayed wake-up ran after %v, before its 100ms", waited)
	}
	time.Sleep(200 * time.Millisecond)
	if n := runs.Load(); n != 1 {
		t.Fatalf("three delayed wake-ups under one id ran %d times, want 1", n)
	}
	if !e.local.Later(ctx, time.Hour, asynq.NewTask("x", nil), taskOpts("much-later")...) {
		t.Fatal("Later did not take the wake-up")
	}
	e.local.Stop(5 * time.Second)
	if got := e.queued(t, tasks.QueueSync); got["much-later"] != asynq.TaskStatePending || len(got) != 1 {
		t.Fatalf("queued after Stop: %v, want much-later pending", got)
	}
	if runs.Load() != 1 {
		t.Fatal("the wake-up still waiting ran")
	}
}

// TestLocalStopWaitsForRuns: Stop returns once the runs under way end,
// cancelling them when they outlast its grace.
func TestLocalStopWaitsForRuns(t *testing.T) {
	e := newLocal(t)
	started := make(chan struct{})
	var cancelled atomic.Bool
	e.local.Start(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
		return nil
	}), 1)
	waitFor(t, "a free runner", func() bool {
		return e.local.Try(context.Background(), asynq.NewTask("x", nil), taskOpts("long")...)
	})
	<-started
	t0 := time.Now()
	e.local.Stop(150 * time.Millisecond)
	if !cancelled.Load() {
		t.Fatal("Stop returned before the run ended")
	}
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Fatalf("Stop cancelled the run after %v, before its grace", d)
	}
}

// TestLocalCoalescesByTaskID: a wake-up under the id of a run not done
// yet joins it, even with a runner free (the queue drops it as a task id
// conflict): the run goes once more when it ends, however many joined.
func TestLocalCoalescesByTaskID(t *testing.T) {
	e := newLocal(t)
	ctx := context.Background()
	release, runs := e.gated(2, nil)
	e.take(t, "same")
	waitFor(t, "the run", func() bool { return runs.Load() == 1 })
	for range 3 {
		if !e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("same")...) {
			t.Fatal("a wake-up under a running id was not taken")
		}
		if !e.local.Later(ctx, time.Millisecond, asynq.NewTask("x", nil), taskOpts("same")...) {
			t.Fatal("a delayed wake-up under a running id was not taken")
		}
	}
	time.Sleep(50 * time.Millisecond)
	if n := runs.Load(); n != 1 {
		t.Fatalf("wake-ups under a running id ran beside it: %d runs, want 1", n)
	}
	release <- struct{}{}
	waitFor(t, "the run once more", func() bool { return runs.Load() == 2 })
	release <- struct{}{}
	time.Sleep(50 * time.Millisecond)
	if n := runs.Load(); n != 2 {
		t.Fatalf("six wake-ups joining one run made %d runs, want 2", n)
	}
	close(release)
	e.local.Stop(5 * time.Second)
	if q := e.queued(t, tasks.QueueSync); len(q) != 0 {
		t.Fatalf("joined wake-ups left tasks on the queue: %v", q)
	}
}

// TestLocalLaterWithRunnersBusy: a delayed wake-up falling due while
// every runner is busy goes on the queue at once.
func TestLocalLaterWithRunnersBusy(t *testing.T) {
	e := newLocal(t)
	ctx := context.Background()
	release, _ := e.gated(1, nil)
	e.take(t, "busy")
	if !e.local.Later(ctx, 20*time.Millisecond, asynq.NewTask("x", nil), taskOpts("due")...) {
		t.Fatal("Later did not take the wake-up")
	}
	waitFor(t, "the due wake-up on the queue", func() bool {
		return e.queued(t, tasks.QueueSync)["due"] == asynq.TaskStatePending
	})
	close(release)
	e.local.Stop(5 * time.Second)
}

// TestLocalStopRequeuesCancelledRuns: a run Stop cancels after its grace
// is reported and queued again, not lost.
func TestLocalStopRequeuesCancelledRuns(t *testing.T) {
	m := miniredis.RunT(t)
	q := asynq.NewClient(asynq.RedisClientOpt{Addr: m.Addr()})
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: m.Addr()})
	defer q.Close()
	defer insp.Close()
	var reported atomic.Value
	local := tasks.NewLocal(q, insp, asynq.ErrorHandlerFunc(func(ctx context.Context, _ *asynq.Task, err error) {
		if _, _, ok := tasks.LocalTask(ctx); ok {
			reported.Store(err)
		}
	}))
	started := make(chan struct{})
	local.Start(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}), 1)
	waitFor(t, "a free runner", func() bool {
		return local.Try(context.Background(), asynq.NewTask("x", nil), taskOpts("cut")...)
	})
	<-started
	local.Stop(20 * time.Millisecond)
	if err, _ := reported.Load().(error); !errors.Is(err, context.Canceled) {
		t.Fatalf("reported %v, want the cancellation", err)
	}
	e := localEnv{local: local, insp: insp}
	if got := e.queued(t, tasks.QueueSync); got["cut"] != asynq.TaskStateScheduled {
		t.Fatalf("queued after the cancelled run: %v, want cut scheduled", got)
	}
}

// TestLocalFailedRunLeavesJoinedToRetry: wake-ups that joined a run that
// fails are the queued retry's (after its delay), not an immediate run.
func TestLocalFailedRunLeavesJoinedToRetry(t *testing.T) {
	e := newLocal(t)
	ctx := context.Background()
	release, runs := e.gated(1, errors.New("provider answered 503"))
	e.take(t, "flaky")
	waitFor(t, "the run", func() bool { return runs.Load() == 1 })
	if !e.local.Try(ctx, asynq.NewTask("x", nil), taskOpts("flaky")...) {
		t.Fatal("a wake-up under a running id was not taken")
	}
	close(release)
	waitFor(t, "the retry on the queue", func() bool {
		return e.queued(t, tasks.QueueSync)["flaky"] == asynq.TaskStateScheduled
	})
	time.Sleep(50 * time.Millisecond)
	if n := runs.Load(); n != 1 {
		t.Fatalf("a failed run with a wake-up joined ran %d times at once, want 1 (the queue retries it)", n)
	}
	e.local.Stop(5 * time.Second)
}
