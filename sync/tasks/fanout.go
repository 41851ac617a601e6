package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/viewer"
)

// FanOut handles bookings:changed: it finds the active calendar accounts of
// every affected host and queues one account:sync for each.
type FanOut struct {
	Client *ent.Client
	Queue  *asynq.Client
	Log    *slog.Logger
}

// ProcessTask implements asynq.Handler.
func (h *FanOut) ProcessTask(ctx context.Context, t *asynq.Task) error {
	p, err := DecodeBookingsChanged(t)
	if err != nil {
		return err
	}
	ctx = viewer.SystemContext(ctx, p.OrgID)
	accounts, err := h.Client.CalendarAccount.Query().
		Where(calendaraccount.HasUsersWith(user.IDIn(p.UserIDs...)), calendaraccount.StatusEQ(calendaraccount.StatusACTIVE)).
		IDs(ctx)
	if err != nil {
		return fmt.Errorf("tasks: fan-out: %w", err)
	}
	for _, id := range accounts {
		task, opts, err := NewAccountSyncTask(AccountSyncPayload{OrgID: p.OrgID, AccountID: id})
		if err != nil {
			return err
		}
		if _, err := h.Queue.EnqueueContext(ctx, task, opts...); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return fmt.Errorf("tasks: enqueue account sync: %w", err)
		}
	}
	h.Log.DebugContext(ctx, "bookings fanned out", slog.Int("org_id", p.OrgID), slog.Int("accounts", len(accounts)))
	return nil
}
