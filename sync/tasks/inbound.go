package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"calsync/sync/inbound"
)

// Task types of inbound sync.
const (
	// TypeCalendarRead: read one imported calendar (inbound.Reader.Read).
	TypeCalendarRead = "calendar:read"
	// TypeCalendarWatch: start, renew or stop one calendar's notifications.
	TypeCalendarWatch = "calendar:watch"
	// TypeInboundMaintain: the safety poll and channel renewals.
	TypeInboundMaintain = "inbound:maintain"
)

// InboundMaintainEvery is how often the maintenance pass looks for due
// polls and renewals (each calendar's own poll is jittered around
// CALSYNC_IMPORT_POLL).
const InboundMaintainEvery = time.Minute

// CalendarPayload names one imported calendar (ProviderCalendar id).
type CalendarPayload struct {
	OrgID      int `json:"org_id"`
	CalendarID int `json:"calendar_id"`
	// Since is the read request's key (inbound.ReadRequest.Since).
	Since int `json:"since,omitempty"`
}

func decodeCalendar(t *asynq.Task) (CalendarPayload, error) {
	var p CalendarPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.OrgID <= 0 || p.CalendarID <= 0 {
		return p, fmt.Errorf("tasks: bad %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	return p, nil
}

// InboundWaker queues inbound's tasks (inbound.Waker).
type InboundWaker struct {
	Queue     *asynq.Client
	Inspector *asynq.Inspector
	// Local, when set, runs the reads in this process when it can.
	Local *Local
}

var _ inbound.Waker = (*InboundWaker)(nil)

// WakeReads queues one read per request, keyed by the request's Since:
// wake-ups with the same key coalesce (see inbound.RequestRead).
func (w *InboundWaker) WakeReads(ctx context.Context, reqs ...inbound.ReadRequest) error {
	for _, r := range reqs {
		data, _ := json.Marshal(CalendarPayload{OrgID: r.OrgID, CalendarID: r.CalendarID, Since: r.Since})
		id := "calendar-read:" + strconv.Itoa(r.CalendarID) + ":" + strconv.Itoa(r.Since)
		t := asynq.NewTask(TypeCalendarRead, data)
		opts := []asynq.Option{asynq.Queue(QueueSync), asynq.MaxRetry(10), asynq.TaskID(id)}
		if w.Local != nil {
			if r.After > 0 && w.Local.Later(ctx, r.After, t, opts...) || r.After <= 0 && w.Local.Try(ctx, t, opts...) {
				continue
			}
		}
		if r.After > 0 {
			opts = append(opts, asynq.ProcessIn(r.After))
		}
		err := EnqueueOnce(ctx, w.Queue, w.Inspector, t, opts...)
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return fmt.Errorf("tasks: enqueue calendar read: %w", err)
		}
	}
	return nil
}

// WakeWatch queues the calendar's watch check; one already queued is the
// same work.
func (w *InboundWaker) WakeWatch(ctx context.Context, orgID, calendarID int) error {
	data, _ := json.Marshal(CalendarPayload{OrgID: orgID, CalendarID: calendarID})
	t := asynq.NewTask(TypeCalendarWatch, data)
	// A watch queued or running under the id is the same work; a request
	// arriving after its check is picked up by the next maintenance pass.
	err := EnqueueOnce(ctx, w.Queue, w.Inspector, t, asynq.Queue(QueueDefault), asynq.MaxRetry(10),
		asynq.TaskID("calendar-watch:"+strconv.Itoa(calendarID)), asynq.Retention(0))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("tasks: enqueue calendar watch: %w", err)
	}
	return nil
}

// CalendarRead handles calendar:read.
type CalendarRead struct{ Reader *inbound.Reader }

// ProcessTask implements asynq.Handler.
func (h *CalendarRead) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := decodeCalendar(t)
	if err != nil {
		return err
	}
	err = h.Reader.Read(ctx, p.OrgID, p.CalendarID)
	switch {
	case errors.Is(err, inbound.ErrStopped):
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	case errors.Is(err, inbound.ErrReadBehind):
		return &retryLater{after: 0, why: "notifications kept arriving during the read"}
	case errors.Is(err, errLocked):
		return &retryLater{after: time.Second, why: "another read of the calendar is running"}
	}
	return err
}

// CalendarWatch handles calendar:watch.
type CalendarWatch struct{ Reader *inbound.Reader }

// ProcessTask implements asynq.Handler.
func (h *CalendarWatch) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := decodeCalendar(t)
	if err != nil {
		return err
	}
	err = h.Reader.EnsureWatch(ctx, p.OrgID, p.CalendarID)
	switch {
	case errors.Is(err, inbound.ErrStopped):
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	case errors.Is(err, errLocked):
		return &retryLater{after: time.Second, why: "the calendar is being read"}
	}
	return err
}

// NewInboundMaintainTask builds the maintenance pass; Unique keeps
// replicas' schedulers from queueing it twice per period.
func NewInboundMaintainTask() (*asynq.Task, []asynq.Option) {
	return asynq.NewTask(TypeInboundMaintain, nil), []asynq.Option{asynq.Queue(QueueDefault), asynq.Unique(InboundMaintainEvery / 2), asynq.MaxRetry(1)}
}

// InboundMaintain handles inbound:maintain.
type InboundMaintain struct {
	Reader *inbound.Reader
	Log    *slog.Logger
}

// ProcessTask implements asynq.Handler.
func (h *InboundMaintain) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	due, err := h.Reader.Maintain(ctx)
	if err != nil {
		return err
	}
	if len(due.Reads)+len(due.Watches) > 0 {
		h.Log.DebugContext(ctx, "inbound maintenance", slog.Int("polls", len(due.Reads)), slog.Int("watches", len(due.Watches)))
	}
	return nil
}

// errLocked is what a calendar lock that could not be taken returns.
var errLocked = errors.New("tasks: the calendar is locked")

// CalendarLock returns a LockCalendar for inbound.Options: the calendar's
// lock, waiting at most a few seconds (then the task runs again later).
func CalendarLock(l Locker, prefix string) func(ctx context.Context, calendarID int) (func(), error) {
	return func(ctx context.Context, calendarID int) (func(), error) {
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		unlock, err := l.Lock(lctx, prefix+":calendar-read-lock:"+strconv.Itoa(calendarID), time.Minute)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errLocked, err)
		}
		return unlock, nil
	}
}
