package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/internal/broker"
	"calsync/internal/linking/consent"
	"calsync/internal/linking/credentials"
	"calsync/internal/linking/outbox"
	"calsync/internal/scheduling"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/engine"
	"calsync/sync/tasks"
)

// changeFeed tells subscribers and the sync engine about committed booking
// changes. Failures are logged, not returned: the change is committed, and
// the periodic reconcile pass repairs a lost hint.
type changeFeed struct {
	broker *broker.Broker
	queue  *tasks.Enqueuer
	log    *slog.Logger
}

var (
	_ scheduling.Notifier         = (*changeFeed)(nil)
	_ scheduling.ConflictNotifier = (*changeFeed)(nil)
)

// ConflictChanged tells subscribers of the conflict queue (a deleted
// booking's conflicts, settled).
func (f *changeFeed) ConflictChanged(ctx context.Context, c *ent.SyncConflict) {
	at := c.UpdatedAt
	if c.ResolvedAt != nil {
		at = *c.ResolvedAt
	}
	publishConflict(ctx, f.broker, f.log, c, at)
}

// publishConflict tells every replica's conflict-queue subscribers of c.
func publishConflict(ctx context.Context, b *broker.Broker, log *slog.Logger, c *ent.SyncConflict, at time.Time) {
	err := b.PublishConflictChange(ctx, broker.ConflictChange{
		OrgID: c.OrganizationID, ConflictID: c.ID, UserID: c.UserID, State: string(c.State), At: at,
	})
	if err != nil {
		log.WarnContext(ctx, "publish conflict change failed", slog.Int("conflict_id", c.ID), slog.Any("error", err))
	}
}

func (f *changeFeed) BookingsChanged(ctx context.Context, orgID, outboxID int, changes []scheduling.Change) {
	p := tasks.BookingsChangedPayload{OrgID: orgID, OutboxID: outboxID}
	for _, c := range changes {
		p.BookingIDs = append(p.BookingIDs, c.BookingID)
		p.UserIDs = append(p.UserIDs, c.HostIDs...)
		err := f.broker.PublishBookingChange(ctx, broker.BookingChange{
			OrgID: orgID, BookingID: c.BookingID, Kind: string(c.Kind), HostIDs: c.HostIDs, At: c.At,
		})
		if err != nil {
			f.log.WarnContext(ctx, "publish booking change failed", slog.Int("booking_id", c.BookingID), slog.Any("error", err))
		}
	}
	if outboxID == 0 {
		return // its sync requests were recorded with it and woken (requestsFor)
	}
	if err := f.queue.BookingsChanged(ctx, p); err != nil {
		f.log.WarnContext(ctx, "enqueue bookings changed failed", slog.Int("org_id", orgID), slog.Any("error", err))
	}
}

// requestsFor fans a booking change out at its commit: the sync requests
// of its hosts' accounts are recorded in the change's transaction
// (engine.RequestBookings) and their syncs woken once it commits. A lost
// wake-up is the relay's, as with the outbox.
func requestsFor(a *App, now func() time.Time) scheduling.Requester {
	return func(ctx context.Context, db *ent.Client, orgID int, bookingIDs, userIDs []int) (func(context.Context), error) {
		reqs, err := engine.RequestBookings(ctx, db, orgID, bookingIDs, userIDs, now())
		if err != nil || len(reqs) == 0 {
			return nil, err
		}
		return func(ctx context.Context) {
			if err := tasks.WakeSyncsHere(ctx, a.local, a.Queue, a.inspector, reqs...); err != nil {
				a.Log.WarnContext(ctx, "wake account syncs failed", slog.Int("org_id", orgID), slog.Any("error", err))
				return
			}
			a.Log.DebugContext(ctx, "account syncs woken", slog.Int("org_id", orgID), slog.Int("accounts", len(reqs)))
		}, nil
	}
}

// pushFor is two-way sync's way to have bookings' events synced for
// users although no booking changed (a provider's etag moved, a conflict
// was resolved for Calsync): an outbox row in ctx's transaction, and its
// wake-up once that has committed.
func (f *changeFeed) pushFor(db *ent.Client, now func() time.Time) func(ctx context.Context, orgID int, bookingIDs, userIDs []int) error {
	return func(ctx context.Context, orgID int, bookingIDs, userIDs []int) error {
		id, err := scheduling.RecordChange(ctx, store.ClientFrom(ctx, db), orgID, bookingIDs, userIDs, now())
		if err != nil {
			return err
		}
		store.AfterCommit(ctx, func(ctx context.Context) {
			p := tasks.BookingsChangedPayload{OrgID: orgID, OutboxID: id, BookingIDs: bookingIDs, UserIDs: userIDs}
			if err := f.queue.BookingsChanged(ctx, p); err != nil {
				f.log.WarnContext(ctx, "enqueue two-way push failed", slog.Int("org_id", orgID), slog.Any("error", err))
			}
		})
		return nil
	}
}

// CalendarsChanged queues syncs of the users' calendars: what their events
// show changed (a name, the organization's time zone) though no booking did.
func (f *changeFeed) CalendarsChanged(ctx context.Context, orgID, outboxID int, userIDs []int) {
	if err := f.queue.BookingsChanged(ctx, tasks.BookingsChangedPayload{OrgID: orgID, OutboxID: outboxID, UserIDs: userIDs}); err != nil {
		f.log.WarnContext(ctx, "enqueue calendar re-render failed", slog.Int("org_id", orgID), slog.Any("error", err))
	}
}

// linkJobs queues linking's background work and publishes account status.
type linkJobs struct {
	db *ent.Client
	// local runs reads in this process when it works the queues.
	local  *tasks.Local
	queue  *asynq.Client
	insp   *asynq.Inspector
	broker *broker.Broker
	log    *slog.Logger
	now    func() time.Time
}

var (
	_ consent.Jobs               = (*linkJobs)(nil)
	_ outbox.Deliveries          = (*linkJobs)(nil)
	_ credentials.StatusNotifier = (*linkJobs)(nil)
)

// enqueue puts a built task on the queue; one already queued or running
// under the same id is the same work, not an error.
func (j *linkJobs) enqueue(ctx context.Context, t *asynq.Task, opts []asynq.Option, err error) error {
	if err == nil {
		err = tasks.EnqueueOnce(ctx, j.queue, j.insp, t, opts...)
	}
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("app: enqueue %s: %w", t.Type(), err)
	}
	return nil
}

func (j *linkJobs) AccountLinked(ctx context.Context, orgID, accountID int) {
	if err := j.requestSync(ctx, orgID, accountID, "INITIAL"); err != nil {
		j.log.WarnContext(ctx, "request initial sync failed", slog.Int("account_id", accountID), slog.Any("error", err))
	}
	if err := j.importLinked(ctx, orgID, accountID); err != nil {
		j.log.WarnContext(ctx, "request calendar import failed", slog.Int("account_id", accountID), slog.Any("error", err))
	}
}

// requestSync counts a sync request for the account in the operation's
// transaction, if it runs in one (on SQLite another connection would wait
// for its lock), and wakes the sync once that has committed.
func (j *linkJobs) requestSync(ctx context.Context, orgID, accountID int, kind string) error {
	reqs, err := engine.RequestSync(viewer.SystemContext(ctx, orgID), store.ClientFrom(ctx, j.db), j.now(), accountID)
	if err != nil {
		return fmt.Errorf("app: %w", err)
	}
	store.AfterCommit(ctx, func(ctx context.Context) {
		if err := tasks.WakeSyncs(ctx, j.queue, j.insp, kind, 0, reqs...); err != nil {
			j.log.WarnContext(ctx, "enqueue account sync failed", slog.Int("account_id", accountID), slog.String("kind", kind), slog.Any("error", err))
		}
	})
	return nil
}

func (j *linkJobs) EmailQueued(ctx context.Context, orgID, emailID int) {
	t, opts, err := tasks.NewEmailTask(tasks.EmailPayload{OrgID: orgID, MessageID: emailID})
	if err := j.enqueue(ctx, t, opts, err); err != nil {
		j.log.WarnContext(ctx, "enqueue email failed", slog.Int("email_id", emailID), slog.Any("error", err))
	}
}

func (j *linkJobs) AccountStatusChanged(ctx context.Context, orgID, accountID int, userIDs []int, status, lastError string) {
	err := j.broker.PublishAccountChange(ctx, broker.AccountChange{
		OrgID: orgID, AccountID: accountID, UserIDs: userIDs, Status: status, LastError: lastError, At: j.now(),
	})
	if err != nil {
		j.log.WarnContext(ctx, "publish account change failed", slog.Int("account_id", accountID), slog.Any("error", err))
	}
}

func (j *linkJobs) AccountResync(ctx context.Context, orgID, accountID int) error {
	return j.requestSync(ctx, orgID, accountID, "RESYNC")
}

// SyncProgress publishes a run's progress to subscribers.
func (j *linkJobs) SyncProgress(ctx context.Context, run *ent.SyncRun, userIDs []int) {
	err := j.broker.PublishSyncProgress(ctx, broker.SyncProgress{
		OrgID: run.OrganizationID, AccountID: run.AccountID, RunID: run.ID, UserIDs: userIDs,
		State: string(run.State), Total: run.Total, Done: run.Done,
	})
	if err != nil {
		j.log.WarnContext(ctx, "publish sync progress failed", slog.Int("run_id", run.ID), slog.Any("error", err))
	}
}
