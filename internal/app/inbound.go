package app

import (
	"context"
	"log/slog"
	"slices"

	"calsync/ent"
	"calsync/ent/providercalendar"
	"calsync/internal/broker"
	"calsync/internal/domain"
	"calsync/internal/linking/consent"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/engine"
	"calsync/sync/inbound"
	"calsync/sync/tasks"
	"calsync/sync/twoway"
)

var (
	_ consent.ImportJobs = (*linkJobs)(nil)
	_ inbound.Notifier   = (*linkJobs)(nil)
)

// CalendarsChosen reads the calendars whose selection changed (a
// deselected one has its copy discarded) and starts or stops their
// notifications.
func (j *linkJobs) CalendarsChosen(ctx context.Context, orgID int, read, watch []int) {
	// In two-way sync a chosen calendar the fieldworker writes to flows
	// back too: read in full when it starts to.
	for _, p := range []domain.Provider{domain.ProviderGoogle, domain.ProviderMicrosoft} {
		marked, err := twoway.MarkReadBack(ctx, j.db, orgID, p)
		if err != nil {
			j.log.WarnContext(ctx, "mark calendars read back failed", slog.Int("org_id", orgID), slog.Any("error", err))
			continue
		}
		for _, id := range marked {
			if !slices.Contains(read, id) {
				read = append(read, id)
			}
		}
	}
	if err := j.wakeImports(ctx, orgID, read, watch); err != nil {
		j.log.WarnContext(ctx, "queue calendar reads failed", slog.Int("org_id", orgID), slog.Any("error", err))
	}
}

// wakeImports counts read requests (in the operation's transaction when
// there is one) and queues the reads and watches once it has committed.
func (j *linkJobs) wakeImports(ctx context.Context, orgID int, read, watch []int) error {
	reqs, err := inbound.RequestRead(viewer.SystemContext(ctx, orgID), store.ClientFrom(ctx, j.db), read...)
	if err != nil {
		return err
	}
	store.AfterCommit(ctx, func(ctx context.Context) {
		w := j.inboundWaker()
		if err := w.WakeReads(ctx, reqs...); err != nil {
			j.log.WarnContext(ctx, "enqueue calendar read failed", slog.Any("error", err))
		}
		for _, id := range watch {
			if err := w.WakeWatch(ctx, orgID, id); err != nil {
				j.log.WarnContext(ctx, "enqueue calendar watch failed", slog.Int("calendar_id", id), slog.Any("error", err))
			}
		}
	})
	return nil
}

func (j *linkJobs) inboundWaker() *tasks.InboundWaker {
	return &tasks.InboundWaker{Queue: j.queue, Inspector: j.insp, Local: j.local}
}

// importLinked starts importing a newly linked account's chosen calendars
// (and, in two-way sync, reading back its destination calendar).
func (j *linkJobs) importLinked(ctx context.Context, orgID, accountID int) error {
	sys := viewer.SystemContext(ctx, orgID)
	a, err := store.ClientFrom(ctx, j.db).CalendarAccount.Get(sys, accountID)
	if err != nil {
		return err
	}
	if _, err := twoway.MarkReadBack(ctx, j.db, orgID, a.Provider); err != nil {
		return err
	}
	ids, err := store.ClientFrom(ctx, j.db).ProviderCalendar.Query().
		Where(providercalendar.AccountID(accountID), inbound.Chosen()).IDs(sys)
	if err != nil {
		return err
	}
	return j.wakeImports(ctx, orgID, ids, ids)
}

// directionChanged starts or stops two-way sync's reading of the
// provider's destination calendars when the sync direction is set.
func (j *linkJobs) directionChanged(ctx context.Context, pc *ent.ProviderConfig) error {
	changed, err := twoway.MarkReadBack(ctx, j.db, pc.OrganizationID, pc.Provider)
	if err != nil || len(changed) == 0 {
		return err
	}
	return j.wakeImports(ctx, pc.OrganizationID, changed, changed)
}

// ConflictChanged tells subscribers of the conflict queue.
func (j *linkJobs) ConflictChanged(ctx context.Context, c *ent.SyncConflict) {
	publishConflict(ctx, j.broker, j.log, c, j.now())
}

// ExternalEventsChanged tells open calendar views.
func (j *linkJobs) ExternalEventsChanged(ctx context.Context, c inbound.Change) {
	err := j.broker.PublishExternalChange(ctx, broker.ExternalChange{
		OrgID: c.OrgID, AccountID: c.AccountID, CalendarID: c.CalendarID, UserIDs: c.UserIDs,
		From: c.From, To: c.To, At: c.At,
	})
	if err != nil {
		j.log.WarnContext(ctx, "publish external change failed", slog.Int("calendar_id", c.CalendarID), slog.Any("error", err))
	}
}

// releaser applies the unlink policy to Calsync's events (the engine) and,
// when the last user leaves an account, stops importing its calendars
// first, while its credentials still work.
type releaser struct {
	db      *ent.Client
	engine  *engine.Reconciler
	inbound *inbound.Reader
}

func (r releaser) ReleaseUser(ctx context.Context, a *ent.CalendarAccount, userID int, remove bool, leave func(context.Context) error) error {
	users, err := r.db.CalendarAccount.QueryUsers(a).IDs(viewer.SystemContext(ctx, a.OrganizationID))
	last := err == nil && len(users) <= 1
	if last {
		r.inbound.Forget(ctx, a)
	}
	if err := r.engine.ReleaseUser(ctx, a, userID, remove, leave); err != nil {
		return err
	}
	if last {
		// Once the departure is committed: the reader must see it.
		store.AfterCommit(ctx, func(ctx context.Context) { r.inbound.Forgotten(ctx, a) })
	}
	return nil
}
