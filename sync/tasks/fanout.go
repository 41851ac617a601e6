package tasks

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// FanOut handles bookings:changed: it requests a sync of the active
// calendar accounts of every affected host (tasks.SyncAccounts).
type FanOut struct {
	Client *ent.Client
	Queue  *asynq.Client
	// Inspector lets a finished (archived) sync of the account be replaced.
	Inspector *asynq.Inspector
	Log       *slog.Logger
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
	if err := SyncAccounts(ctx, h.Client, h.Queue, h.Inspector, "", 0, accounts...); err != nil {
		return fmt.Errorf("tasks: fan-out: %w", err)
	}
	h.Log.DebugContext(ctx, "bookings fanned out", slog.Int("org_id", p.OrgID), slog.Int("accounts", len(accounts)))
	return nil
}
