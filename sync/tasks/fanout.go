package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// FanOut handles bookings:changed: it hands the change's outbox row to
// the engine (engine.FanOut), which counts a sync request of the active
// calendar accounts of every affected host for the bookings changed, and
// wakes their syncs.
type FanOut struct {
	Client *ent.Client
	Queue  *asynq.Client
	// Inspector lets a finished (archived) sync of the account be replaced.
	Inspector *asynq.Inspector
	Log       *slog.Logger
	// Now is the application's clock (default time.Now).
	Now func() time.Time
}

// ProcessTask implements asynq.Handler.
func (h *FanOut) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := DecodeBookingsChanged(t)
	if err != nil {
		return err
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	ctx = viewer.SystemContext(ctx, p.OrgID)
	if p.OutboxID == 0 {
		// Queued before the outbox: sync the hosts' accounts in full.
		accounts, err := h.Client.CalendarAccount.Query().
			Where(calendaraccount.HasUsersWith(user.IDIn(p.UserIDs...)), engine.SyncingAccounts()).
			IDs(ctx)
		if err != nil {
			return fmt.Errorf("tasks: fan-out: %w", err)
		}
		return SyncAccounts(ctx, h.Client, h.Queue, h.Inspector, "", 0, now, accounts...)
	}
	reqs, err := engine.FanOut(ctx, h.Client, p.OutboxID, now)
	if err != nil {
		return fmt.Errorf("tasks: %w", err)
	}
	if err := WakeSyncs(ctx, h.Queue, h.Inspector, "", 0, reqs...); err != nil {
		return fmt.Errorf("tasks: fan-out: %w", err)
	}
	h.Log.DebugContext(ctx, "bookings fanned out", slog.Int("org_id", p.OrgID), slog.Int("accounts", len(reqs)))
	return nil
}
