package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// Local runs wake-ups in this process, beside the queue, when the process
// works the queues and has a slot free: a booking change's account sync,
// or a notification's calendar read, then starts at once, without the
// queue's three scripts (enqueue, dequeue, done) and their round trips.
//
// Nothing is lost by it: what must be done is recorded in the database
// before a wake-up is sent (the request counters), so a run lost with the
// process is the outbox relay's or the maintenance pass's, as a lost task
// is. A run that fails goes on the queue, to be retried there as asynq
// would retry it (RetryDelay); one that asks not to be retried
// (asynq.SkipRetry) is only reported. A wake-up Local cannot take — no
// runner free, not started, or stopping — is the caller's to queue.
//
// Delayed wake-ups (Later) wait in memory, not in Redis: one lost with
// its process, like a run lost with it, waits for the relay (syncs, 3 s)
// or the maintenance pass (reads, a minute).
//
// Runs go through the worker's handler, middlewares included (metrics,
// tracing), so they are counted and traced as the queue's tasks are.
type Local struct {
	queue   *asynq.Client
	insp    *asynq.Inspector
	onError asynq.ErrorHandler

	mu      sync.Mutex
	handler asynq.Handler // nil until Start, and again once stopping
	// work feeds the runners: one goroutine per slot, each running one
	// wake-up at a time (a goroutine per run would start cold each time).
	work   chan localRun
	ctx    context.Context // the runs' context; cancelled by Stop
	cancel context.CancelFunc
	runs   sync.WaitGroup
	// active are the task ids handed to a runner and not done yet. A
	// wake-up under one of them joins it: the run goes once more when it
	// ends (a run may have passed its last look at the database when the
	// wake-up came), rather than side by side with it.
	active map[string]*activeRun
	// later are the delayed wake-ups waiting in this process, by task id.
	later map[string]*delayed
	// queuing counts delayed wake-ups being queued as they fall due
	// (Stop waits for them: the queue's client closes after it).
	queuing sync.WaitGroup
}

type activeRun struct{ again bool }

type localRun struct {
	task *asynq.Task
	opts []asynq.Option
}

type delayed struct {
	timer *time.Timer
	task  *asynq.Task
	opts  []asynq.Option
}

// localTimeout bounds one run, as asynq bounds a task without a deadline
// of its own; stopAfterCancel is how long Stop still waits for runs it
// cancelled.
const (
	localTimeout    = 30 * time.Minute
	stopAfterCancel = 5 * time.Second
)

// NewLocal returns a Local that takes nothing until Start. onError hears
// of each failed run, as the worker's asynq.ErrorHandler does of a failed
// task (LocalTask tells the two apart); a failed run is queued again
// unless it asked for no retry.
func NewLocal(q *asynq.Client, insp *asynq.Inspector, onError asynq.ErrorHandler) *Local {
	if onError == nil {
		onError = asynq.ErrorHandlerFunc(func(context.Context, *asynq.Task, error) {})
	}
	return &Local{queue: q, insp: insp, onError: onError}
}

// Start has l run wake-ups through h, at most slots at a time, on as many
// goroutines.
func (l *Local) Start(h asynq.Handler, slots int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ctx != nil {
		return // once: a stopped Local stays stopped
	}
	l.handler = h
	l.work = make(chan localRun)
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.active = map[string]*activeRun{}
	l.later = map[string]*delayed{}
	for range max(slots, 1) {
		l.runs.Go(func() {
			for r := range l.work {
				l.runAll(h, r)
			}
		})
	}
}

// Stop takes no more wake-ups, puts the delayed ones waiting here on the
// queue, and waits for the runs under way; after grace it cancels them
// (a cancelled run is queued again) and waits stopAfterCancel more at
// most.
func (l *Local) Stop(grace time.Duration) {
	l.mu.Lock()
	if l.handler == nil {
		l.mu.Unlock()
		return
	}
	l.handler = nil
	later := l.later
	l.later = nil
	close(l.work)
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	for _, d := range later {
		// Still in the map, so its timer has not taken it: should it
		// fire now, it finds itself gone and leaves it to this.
		d.timer.Stop()
		l.enqueue(ctx, d.task, d.opts)
	}
	cancel()
	done := make(chan struct{})
	go func() {
		l.runs.Wait()
		l.queuing.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		l.cancel()
		select {
		case <-done:
		case <-time.After(stopAfterCancel):
			// A handler ignoring its context: its work is recorded in
			// the database, for the next worker's relay or pass.
		}
	}
	l.cancel()
}

// Try runs t now if a runner is free and reports whether it took it: a
// run under t's task id not done yet takes it too (the same work). ctx
// gives t its trace; the run itself outlives ctx. opts are the options t
// would be queued with: a failed run is queued with them.
func (l *Local) Try(ctx context.Context, t *asynq.Task, opts ...asynq.Option) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tryLocked(withTrace(ctx, t), opts)
}

func (l *Local) tryLocked(t *asynq.Task, opts []asynq.Option) bool {
	if l.handler == nil {
		return false
	}
	id := taskID(opts)
	if a := l.active[id]; a != nil {
		a.again = true
		return true
	}
	select {
	case l.work <- localRun{t, opts}:
		if id != "" {
			l.active[id] = &activeRun{}
		}
		return true
	default:
		return false // every runner is busy
	}
}

// Later runs t in this process after d, when a runner is free then (the
// queue takes it otherwise), and reports whether it took it. A wake-up
// waiting here or running under the same task id is the same work.
func (l *Local) Later(ctx context.Context, d time.Duration, t *asynq.Task, opts ...asynq.Option) bool {
	id := taskID(opts)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.handler == nil || id == "" {
		return false
	}
	if a := l.active[id]; a != nil {
		a.again = true
		return true
	}
	if _, ok := l.later[id]; ok {
		return true
	}
	t = withTrace(ctx, t)
	w := &delayed{task: t, opts: opts}
	w.timer = time.AfterFunc(d, func() {
		l.mu.Lock()
		if l.later[id] != w {
			l.mu.Unlock()
			return // Stop queued it
		}
		delete(l.later, id)
		took := l.tryLocked(t, opts)
		if !took {
			l.queuing.Add(1) // before Stop can wait: it clears later first
		}
		l.mu.Unlock()
		if !took {
			defer l.queuing.Done()
			l.enqueue(context.Background(), t, opts)
		}
	})
	l.later[id] = w
	return true
}

// runAll runs r, and again while wake-ups joined the run meanwhile; one
// that joined it as Local stops goes on the queue. A run that failed is
// on the queue, to be retried there after its delay (a provider's
// Retry-After, a held lock's pause): the wake-ups that joined it are
// that retry's, not an immediate run's.
func (l *Local) runAll(h asynq.Handler, r localRun) {
	id := taskID(r.opts)
	for {
		ok := l.run(l.ctx, h, r.task, r.opts)
		l.mu.Lock()
		a := l.active[id]
		if a == nil || !a.again || !ok {
			delete(l.active, id)
			l.mu.Unlock()
			return
		}
		a.again = false
		stopping := l.handler == nil
		if stopping {
			delete(l.active, id)
		}
		l.mu.Unlock()
		if stopping {
			l.enqueue(context.Background(), r.task, r.opts)
			return
		}
	}
}

// localKey is the context key of a run's localInfo.
type localKey struct{}

type localInfo struct{ id, queue string }

// LocalTask reports, inside a handler, whether Local runs the task, and
// its task id and queue (asynq.GetTaskID and GetQueueName know only the
// queue's tasks).
func LocalTask(ctx context.Context) (id, queue string, ok bool) {
	i, ok := ctx.Value(localKey{}).(localInfo)
	return i.id, i.queue, ok
}

// run runs t through h and queues it again when it failed; ok reports
// that it did not fail.
func (l *Local) run(ctx context.Context, h asynq.Handler, t *asynq.Task, opts []asynq.Option) (ok bool) {
	ctx, cancel := context.WithTimeout(ctx, localTimeout)
	defer cancel()
	queue, id := target(opts)
	ctx = context.WithValue(ctx, localKey{}, localInfo{id, queue})
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("tasks: panic in %s: %v", t.Type(), p)
			}
		}()
		return h.ProcessTask(ctx, t)
	}()
	if err == nil {
		return true
	}
	l.onError.HandleError(ctx, t, err)
	if !errors.Is(err, asynq.SkipRetry) {
		l.enqueue(context.WithoutCancel(ctx), t, append(slices.Clip(opts), asynq.ProcessIn(RetryDelay(0, err, t))))
	}
	return false
}

// enqueue queues t; a task already queued or running under its id is the
// same work. A failure is logged: the request counters keep the work for
// the relay or the maintenance pass.
func (l *Local) enqueue(ctx context.Context, t *asynq.Task, opts []asynq.Option) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := EnqueueOnce(ctx, l.queue, l.insp, t, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		l.onError.HandleError(ctx, t, fmt.Errorf("tasks: queue a wake-up run in process: %w", err))
	}
}

func taskID(opts []asynq.Option) string {
	_, id := target(opts)
	return id
}
