package app

import (
	"context"
	"log/slog"

	"calsync/ent"
	"calsync/ent/providercalendar"
	"calsync/internal/broker"
	"calsync/internal/linking/consent"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/engine"
	"calsync/sync/inbound"
	"calsync/sync/tasks"
)

var (
	_ consent.ImportJobs = (*linkJobs)(nil)
	_ inbound.Notifier   = (*linkJobs)(nil)
)

// CalendarsChosen reads the calendars whose selection changed (a
// deselected one has its copy discarded) and starts or stops their
// notifications.
func (j *linkJobs) CalendarsChosen(ctx context.Context, orgID int, read, watch []int) {
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
	return &tasks.InboundWaker{Queue: j.queue, Inspector: j.insp}
}

// importLinked starts importing a newly linked account's chosen calendars.
func (j *linkJobs) importLinked(ctx context.Context, orgID, accountID int) error {
	ids, err := store.ClientFrom(ctx, j.db).ProviderCalendar.Query().
		Where(providercalendar.AccountID(accountID), providercalendar.Selected(true)).
		IDs(viewer.SystemContext(ctx, orgID))
	if err != nil {
		return err
	}
	return j.wakeImports(ctx, orgID, ids, ids)
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
	if err == nil && len(users) <= 1 {
		r.inbound.Forget(ctx, a)
	}
	return r.engine.ReleaseUser(ctx, a, userID, remove, leave)
}
