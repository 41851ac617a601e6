package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/internal/viewer"
)

// ReleaseUser stops managing a user's events in an account (unlink,
// deactivation). Under the account's lock, so no sync runs meanwhile, the
// user leaves the account (leave) and, with remove, Calsync's events are
// deleted from the calendar; otherwise they stay as they are. Either way
// the links are forgotten. Call it before the credentials are revoked.
func (r *Reconciler) ReleaseUser(ctx context.Context, a *ent.CalendarAccount, userID int, remove bool, leave func(context.Context) error) error {
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	if r.lock != nil {
		unlock, err := r.lock(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("engine: release: %w", err)
		}
		defer unlock()
	}
	links, err := r.client.EventLink.Query().Where(eventlink.AccountID(a.ID), eventlink.UserID(userID)).All(sys)
	if err != nil {
		return fmt.Errorf("engine: release: %w", err)
	}
	forget := func() error {
		_, err := r.client.EventLink.Delete().Where(eventlink.AccountID(a.ID), eventlink.UserID(userID)).Exec(sys)
		return err
	}
	if !remove {
		// Forget first: once the user has left, a sync would otherwise
		// delete these events as no longer wanted.
		if err := forget(); err != nil {
			return fmt.Errorf("engine: release: %w", err)
		}
		return leave(ctx)
	}
	if err := leave(ctx); err != nil {
		return err
	}
	if err := r.deleteLinked(sys, a, links); err != nil {
		return err // the links stay: a later sync of a shared account retries
	}
	if err := forget(); err != nil {
		return fmt.Errorf("engine: release: %w", err)
	}
	return nil
}

func (r *Reconciler) deleteLinked(ctx context.Context, a *ent.CalendarAccount, links []*ent.EventLink) error {
	pr, ok := r.providers[a.Provider]
	if !ok {
		return fmt.Errorf("engine: no adapter for %s", a.Provider)
	}
	byCal := map[string][]Op{}
	var cals []string
	for _, l := range links {
		// An event made at the provider (two-way) is the fieldworker's
		// own: it stays.
		if l.ProviderEventID != "" && l.State != eventlink.StateDELETED && l.Origin != eventlink.OriginPROVIDER {
			if _, ok := byCal[l.CalendarID]; !ok {
				cals = append(cals, l.CalendarID)
			}
			byCal[l.CalendarID] = append(byCal[l.CalendarID], Op{Kind: OpDelete, RemoteID: l.ProviderEventID})
		}
	}
	if len(cals) == 0 {
		return nil
	}
	ts, err := r.creds.TokenSource(ctx, a)
	if err != nil {
		return fmt.Errorf("engine: release: %w", err)
	}
	for _, cal := range cals {
		if err := r.deleteEvents(ctx, a, pr, ts, CalendarOf(a, cal), byCal[cal]); err != nil {
			return err
		}
	}
	return nil
}

// deleteEvents deletes events of one calendar.
func (r *Reconciler) deleteEvents(ctx context.Context, a *ent.CalendarAccount, pr Provider, ts oauth2.TokenSource, cal CalendarRef, ops []Op) error {
	// Paced like a sync; rate limits are waited out (a bounded number of
	// times) rather than leaving events behind.
	for start, waits := 0, 0; start < len(ops); {
		batch := ops[start:min(start+pr.MaxBatch(), len(ops))]
		if err := r.pacer.Wait(ctx, a.Provider, a.ID, len(batch)); err != nil {
			return err
		}
		res, err := pr.Apply(ctx, ts, cal, batch)
		var retry []Op
		for i, x := range res {
			var rl *RateLimitedError
			switch {
			case x.Err == nil, errors.Is(x.Err, ErrNotFound):
			case errors.As(x.Err, &rl):
				retry = append(retry, batch[i])
				err = rl
			default:
				return fmt.Errorf("engine: remove events: %w", x.Err)
			}
		}
		var rl *RateLimitedError
		if errors.As(err, &rl) && waits < 5 {
			waits++
			wait := rl.RetryAfter
			if wait <= 0 {
				wait = 10 * time.Second
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			if len(retry) > 0 {
				ops = append(ops[:start], append(retry, ops[start+len(batch):]...)...)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("engine: remove events: %w", err)
		}
		start += len(batch)
	}
	return nil
}
