// Package tasks defines Calsync's asynq task types, their payloads (ids
// only: the database is the truth) and their handlers.
package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/hibiken/asynq"
)

// Task types, "domain:action".
const (
	// TypeBookingsChanged: bookings changed; find the affected calendar
	// accounts and queue a sync for each.
	TypeBookingsChanged = "bookings:changed"
	// TypeAccountSync: reconcile one calendar account (handled by the sync
	// engine).
	TypeAccountSync = "account:sync"
)

// Queue names.
const (
	QueueDefault = "default"
	QueueSync    = "sync"
)

// BookingsChangedPayload names what a committed mutation touched.
type BookingsChangedPayload struct {
	OrgID      int   `json:"org_id"`
	BookingIDs []int `json:"booking_ids"`
	// UserIDs are every host before and after the change.
	UserIDs []int `json:"user_ids"`
}

// NewBookingsChangedTask builds the fan-out task for one committed change.
func NewBookingsChangedTask(p BookingsChangedPayload) (*asynq.Task, error) {
	p.BookingIDs = sortedUnique(p.BookingIDs)
	p.UserIDs = sortedUnique(p.UserIDs)
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	return asynq.NewTask(TypeBookingsChanged, data, asynq.Queue(QueueDefault), asynq.MaxRetry(10)), nil
}

// AccountSyncPayload names the account to reconcile.
type AccountSyncPayload struct {
	OrgID     int `json:"org_id"`
	AccountID int `json:"account_id"`
	// Kind is INITIAL, INCREMENTAL (default) or RESYNC.
	Kind string `json:"kind,omitempty"`
}

// NewAccountSyncTask builds a sync task for one account. The task id is the
// account, so while one sync is queued further changes coalesce into it;
// the handler reads the database when it runs, so it sees them all.
// (A change arriving while the sync is already running is the engine's to
// catch: it re-checks before finishing.)
func NewAccountSyncTask(p AccountSyncPayload) (*asynq.Task, []asynq.Option, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("tasks: %w", err)
	}
	id := "account-sync:" + strconv.Itoa(p.AccountID)
	if p.Kind == "RESYNC" {
		// A re-sync must not be swallowed by a queued incremental sync.
		id = "account-resync:" + strconv.Itoa(p.AccountID)
	}
	return asynq.NewTask(TypeAccountSync, data), []asynq.Option{asynq.Queue(QueueSync), asynq.TaskID(id), asynq.MaxRetry(20)}, nil
}

// DecodeBookingsChanged parses a bookings:changed payload.
func DecodeBookingsChanged(t *asynq.Task) (BookingsChangedPayload, error) {
	var p BookingsChangedPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("tasks: bad %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	if p.OrgID <= 0 {
		return p, fmt.Errorf("tasks: %s without organization: %w", t.Type(), asynq.SkipRetry)
	}
	return p, nil
}

func sortedUnique(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Enqueuer puts tasks on the queue.
type Enqueuer struct{ client *asynq.Client }

// NewEnqueuer wraps an asynq client.
func NewEnqueuer(c *asynq.Client) *Enqueuer { return &Enqueuer{client: c} }

// BookingsChanged enqueues the fan-out for a committed change.
func (e *Enqueuer) BookingsChanged(ctx context.Context, p BookingsChangedPayload) error {
	t, err := NewBookingsChangedTask(p)
	if err != nil {
		return err
	}
	if _, err := e.client.EnqueueContext(ctx, t); err != nil {
		return fmt.Errorf("tasks: enqueue %s: %w", t.Type(), err)
	}
	return nil
}
