package engine

import (
	"context"
	"errors"
	"fmt"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// ReleaseUser stops managing a user's events in an account (unlink,
// deactivation): with remove, Calsync's events are deleted from the
// calendar first; otherwise they stay as they are. Either way the links
// are forgotten. Call it before the account's credentials are revoked.
func (r *Reconciler) ReleaseUser(ctx context.Context, a *ent.CalendarAccount, userID int, remove bool) error {
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	links, err := r.client.EventLink.Query().Where(eventlink.AccountID(a.ID), eventlink.UserID(userID)).All(sys)
	if err != nil {
		return fmt.Errorf("engine: release: %w", err)
	}
	if remove {
		if err := r.deleteLinked(sys, a, links); err != nil {
			return err
		}
	}
	if _, err := r.client.EventLink.Delete().Where(eventlink.AccountID(a.ID), eventlink.UserID(userID)).Exec(sys); err != nil {
		return fmt.Errorf("engine: release: %w", err)
	}
	return nil
}

func (r *Reconciler) deleteLinked(ctx context.Context, a *ent.CalendarAccount, links []*ent.EventLink) error {
	pr, ok := r.providers[a.Provider]
	if !ok {
		return fmt.Errorf("engine: no adapter for %s", a.Provider)
	}
	var ops []Op
	for _, l := range links {
		if l.ProviderEventID != "" && l.State != eventlink.StateDELETED {
			ops = append(ops, Op{Kind: OpDelete, RemoteID: l.ProviderEventID})
		}
	}
	if len(ops) == 0 {
		return nil
	}
	ts, err := r.creds.TokenSource(ctx, a)
	if err != nil {
		return fmt.Errorf("engine: release: %w", err)
	}
	cal := CalendarRef{CalendarID: a.DestinationCalendarID}
	if a.CredentialMode == domain.CredentialServiceAccount {
		cal.UserEmail = a.AccountEmail
	}
	for start := 0; start < len(ops); start += pr.MaxBatch() {
		batch := ops[start:min(start+pr.MaxBatch(), len(ops))]
		res, err := pr.Apply(ctx, ts, cal, batch)
		if err != nil {
			return fmt.Errorf("engine: remove events: %w", err)
		}
		for _, x := range res {
			if x.Err != nil && !errors.Is(x.Err, ErrNotFound) {
				return fmt.Errorf("engine: remove events: %w", x.Err)
			}
		}
	}
	return nil
}
