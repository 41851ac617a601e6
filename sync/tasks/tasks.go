// Package tasks defines Calsync's asynq task types, their payloads (ids
// only: the database is the truth) and their handlers.
package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

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
	OrgID int `json:"org_id"`
	// OutboxID is the SyncOutbox row the change wrote: the truth; the
	// rest only describes it (logs, tasks queued before the outbox).
	OutboxID   int   `json:"outbox_id,omitempty"`
	BookingIDs []int `json:"booking_ids"`
	// UserIDs are every host before and after the change.
	UserIDs []int `json:"user_ids"`
}

// NewBookingsChangedTask builds the fan-out task for one committed change
// and the options to queue it with.
func NewBookingsChangedTask(p BookingsChangedPayload) (*asynq.Task, []asynq.Option, error) {
	p.BookingIDs = sortedUnique(p.BookingIDs)
	p.UserIDs = sortedUnique(p.UserIDs)
	data, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("tasks: %w", err)
	}
	return asynq.NewTask(TypeBookingsChanged, data), []asynq.Option{asynq.Queue(QueueDefault), asynq.MaxRetry(10)}, nil
}

// AccountSyncPayload names the account to reconcile.
type AccountSyncPayload struct {
	OrgID     int `json:"org_id"`
	AccountID int `json:"account_id"`
	// Kind is INITIAL, INCREMENTAL (default) or RESYNC.
	Kind string `json:"kind,omitempty"`
	// Since is the request this wakes the sync for: the key
	// engine.RequestSync returned (see NewAccountSyncTask).
	Since int `json:"since,omitempty"`
}

// NewAccountSyncTask builds the wake-up of one account's sync. Its task id
// is keyed by p.Since, the key engine.RequestSync returned with the request
// (the account's sync_done then): wake-ups with the same key are one task,
// so while one is queued, or running and still to check for requests,
// further ones coalesce into it (the handler reads the database when it
// runs, and the engine loops while requests arrive); a request counted
// after the running task's last check has a new key and queues a new task.
func NewAccountSyncTask(p AccountSyncPayload) (*asynq.Task, []asynq.Option, error) {
	return accountSyncTask(p, 0)
}

// accountSyncTask is NewAccountSyncTask delayed by after (the reconcile
// pass spreads its syncs); a delayed wake-up has keys of its own, so it
// never holds back a prompt one.
func accountSyncTask(p AccountSyncPayload, after time.Duration) (*asynq.Task, []asynq.Option, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("tasks: %w", err)
	}
	name := "account-sync"
	if p.Kind == "RESYNC" {
		// A re-sync must not be swallowed by a queued incremental sync.
		name = "account-resync"
	}
	opts := []asynq.Option{asynq.Queue(QueueSync), asynq.MaxRetry(20)}
	if after > 0 {
		name += "-later"
		opts = append(opts, asynq.ProcessIn(after))
	}
	id := name + ":" + strconv.Itoa(p.AccountID) + ":" + strconv.Itoa(p.Since)
	return asynq.NewTask(TypeAccountSync, data), append(opts, asynq.TaskID(id)), nil
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

// BookingsChanged enqueues the fan-out for a committed change, carrying
// ctx's trace context (the operation that committed it).
func (e *Enqueuer) BookingsChanged(ctx context.Context, p BookingsChangedPayload) error {
	t, opts, err := NewBookingsChangedTask(p)
	if err != nil {
		return err
	}
	if _, err := enqueue(ctx, e.client, t, opts...); err != nil {
		return fmt.Errorf("tasks: enqueue %s: %w", t.Type(), err)
	}
	return nil
}
