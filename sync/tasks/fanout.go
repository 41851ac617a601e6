package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// FanOut handles bookings:changed: it finds the active calendar accounts of
// every affected host and queues one account:sync for each.
type FanOut struct {
	Client *ent.Client
	Queue  *asynq.Client
	// Inspector lets a finished (archived) sync of the account be replaced.
	Inspector *asynq.Inspector
	Log       *slog.Logger
	// Redis and Prefix mark accounts dirty (see MarkDirty); nil Redis
	// skips it.
	Redis  *redis.Client
	Prefix string
}

// ProcessTask implements asynq.Handler.
func (h *FanOut) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := DecodeBookingsChanged(t)
	if err != nil {
		return err
	}
	ctx = viewer.SystemContext(ctx, p.OrgID)
	accounts, err := h.Client.CalendarAccount.Query().
		Where(calendaraccount.HasUsersWith(user.IDIn(p.UserIDs...)), engine.SyncingAccounts()).
		IDs(ctx)
	if err != nil {
		return fmt.Errorf("tasks: fan-out: %w", err)
	}
	for _, id := range accounts {
		if h.Redis != nil {
			if err := MarkDirty(ctx, h.Redis, h.Prefix, id); err != nil {
				return fmt.Errorf("tasks: mark dirty: %w", err)
			}
		}
		task, opts, err := NewAccountSyncTask(AccountSyncPayload{OrgID: p.OrgID, AccountID: id})
		if err != nil {
			return err
		}
		err = EnqueueOnce(ctx, h.Queue, h.Inspector, task, opts...)
		if errors.Is(err, asynq.ErrTaskIDConflict) {
			// A sync is queued or running. A running one re-runs when it
			// sees the dirty mark, but may be just finishing: a prompt
			// follow-up (itself deduplicated; it waits for the running
			// sync's lock) closes that gap.
			opts = append(opts, asynq.TaskID("account-sync-followup:"+strconv.Itoa(id)), asynq.ProcessIn(100*time.Millisecond))
			err = EnqueueOnce(ctx, h.Queue, h.Inspector, task, opts...)
		}
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return fmt.Errorf("tasks: enqueue account sync: %w", err)
		}
	}
	h.Log.DebugContext(ctx, "bookings fanned out", slog.Int("org_id", p.OrgID), slog.Int("accounts", len(accounts)))
	return nil
}
