package tasks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/sync/engine"
)

// SyncAccounts requests a sync of each account (engine.RequestSync) and
// queues the wake-ups (WakeSyncs).
func SyncAccounts(ctx context.Context, db *ent.Client, q *asynq.Client, insp *asynq.Inspector, kind string, spread time.Duration, now time.Time, accountIDs ...int) error {
	reqs, err := engine.RequestSync(ctx, db, now.Add(spread), accountIDs...)
	if err != nil {
		return fmt.Errorf("tasks: %w", err)
	}
	return WakeSyncs(ctx, q, insp, kind, spread, reqs...)
}

// WakeSyncsHere wakes each request's incremental sync at once: in this
// process when l has a slot free (Local), on the queue otherwise.
func WakeSyncsHere(ctx context.Context, l *Local, q *asynq.Client, insp *asynq.Inspector, reqs ...engine.SyncRequest) error {
	for _, r := range reqs {
		t, opts, err := NewAccountSyncTask(AccountSyncPayload{OrgID: r.OrgID, AccountID: r.AccountID, Since: r.Since})
		if err != nil {
			return err
		}
		if l != nil && l.Try(ctx, t, opts...) {
			continue
		}
		if err := enqueueSync(ctx, q, insp, t, opts); err != nil {
			return err
		}
	}
	return nil
}

// WakeSyncs queues the wake-up of each request's sync, once the requests
// are committed; a wake-up already queued under the same key is the same
// work. kind is "" (incremental), "INITIAL" or "RESYNC"; spread > 0
// delays each wake-up by a random part of it.
func WakeSyncs(ctx context.Context, q *asynq.Client, insp *asynq.Inspector, kind string, spread time.Duration, reqs ...engine.SyncRequest) error {
	for _, r := range reqs {
		var after time.Duration
		if spread > 0 {
			after = time.Duration(rand.Int64N(int64(spread)))
		}
		t, opts, err := accountSyncTask(AccountSyncPayload{OrgID: r.OrgID, AccountID: r.AccountID, Kind: kind, Since: r.Since}, after)
		if err != nil {
			return err
		}
		if err := enqueueSync(ctx, q, insp, t, opts); err != nil {
			return err
		}
	}
	return nil
}

// enqueueSync queues an account's sync; one queued or running under its
// task id is the same work.
func enqueueSync(ctx context.Context, q *asynq.Client, insp *asynq.Inspector, t *asynq.Task, opts []asynq.Option) error {
	if err := EnqueueOnce(ctx, q, insp, t, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("tasks: enqueue account sync: %w", err)
	}
	return nil
}
