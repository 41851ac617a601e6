package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/linkattempt"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// TypeReconcileAll queues a sync of every linked account: the safety net
// under lost hints (a crashed enqueue, a missed change).
const TypeReconcileAll = "reconcile:all"

// ReconcileEvery is how often the reconcile pass runs.
const ReconcileEvery = 10 * time.Minute

// NewReconcileAllTask builds the pass; Unique keeps replicas' schedulers
// from queueing it more than once per period.
func NewReconcileAllTask() (*asynq.Task, []asynq.Option) {
	return asynq.NewTask(TypeReconcileAll, nil), []asynq.Option{asynq.Queue(QueueDefault), asynq.Unique(ReconcileEvery / 2), asynq.MaxRetry(3)}
}

// ReconcileAll handles reconcile:all, spreading the accounts' syncs over
// a minute so they do not all hit the providers at once.
type ReconcileAll struct {
	Client    *ent.Client
	Queue     *asynq.Client
	Inspector *asynq.Inspector
	Log       *slog.Logger
	Spread    time.Duration
	// Now is the application's clock (default time.Now).
	Now func() time.Time
}

func (h *ReconcileAll) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

// ProcessTask implements asynq.Handler.
func (h *ReconcileAll) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	accounts, err := h.Client.CalendarAccount.Query().
		Where(engine.SyncingAccounts()).
		All(viewer.AllTenantsContext(ctx))
	if err != nil {
		return fmt.Errorf("tasks: reconcile: %w", err)
	}
	for _, a := range accounts {
		if err := SyncAccounts(viewer.SystemContext(ctx, a.OrganizationID), h.Client, h.Queue, h.Inspector, "", h.Spread, h.now(), a.ID); err != nil {
			return fmt.Errorf("tasks: reconcile: %w", err)
		}
	}
	// Consents abandoned a day ago will never complete: forget them.
	n, err := h.Client.LinkAttempt.Delete().Where(linkattempt.ExpiresAtLT(h.now().Add(-24 * time.Hour))).
		Exec(viewer.AllTenantsContext(ctx))
	if err != nil {
		return fmt.Errorf("tasks: purge link attempts: %w", err)
	}
	h.Log.InfoContext(ctx, "reconcile pass queued", slog.Int("accounts", len(accounts)), slog.Int("expired_link_attempts", n))
	return nil
}
