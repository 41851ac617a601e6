package consent

import (
	"context"
	"fmt"
	"slices"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/externalevent"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// ImportJobs hears about changes to what is imported from an account's
// calendars (inbound sync): the calendars to read now and the calendars
// whose notifications must be started or stopped.
type ImportJobs interface {
	CalendarsChosen(ctx context.Context, orgID int, read []int, watch []int)
}

// linkedAccount is userID's working account of provider p, after
// authorizing the viewer.
func (s *Service) linkedAccount(ctx context.Context, userID int, p domain.Provider) (*ent.CalendarAccount, error) {
	if err := s.AuthorizeFor(ctx, userID); err != nil {
		return nil, err
	}
	sys := viewer.SystemContext(ctx, viewerOrg(ctx))
	a, err := accountOf(sys, s.client, userID, p)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Status == calendaraccount.StatusDISCONNECTED || a.Status == calendaraccount.StatusREVOKED {
		return nil, domain.Errorf(domain.CodeNotFound, "no %s calendar is linked for this user", p.DisplayName())
	}
	return a, nil
}

func viewerOrg(ctx context.Context) int {
	v, _ := viewer.FromContext(ctx)
	return v.OrgID
}

// SelectCalendars chooses which of userID's account's calendars are
// imported (ids are ProviderCalendar ids of the account). Calendars left
// out stop being imported at once: their imported events are removed in
// the same transaction, and their notifications are stopped afterwards.
func (s *Service) SelectCalendars(ctx context.Context, userID int, p domain.Provider, ids []int) (*ent.CalendarAccount, error) {
	if len(ids) > 200 {
		return nil, domain.Errorf(domain.CodeBadUserInput, "choose at most 200 calendars")
	}
	a, err := s.linkedAccount(ctx, userID, p)
	if err != nil {
		return nil, err
	}
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	cals, err := s.client.ProviderCalendar.Query().Where(providercalendar.AccountID(a.ID)).All(sys)
	if err != nil {
		return nil, err
	}
	byID := map[int]*ent.ProviderCalendar{}
	for _, c := range cals {
		byID[c.ID] = c
	}
	want := map[int]bool{}
	for _, id := range ids {
		c := byID[id]
		if c == nil {
			return nil, domain.Errorf(domain.CodeBadUserInput, "calendar %d is not a calendar of the linked %s account", id, p.DisplayName())
		}
		if ownCalendar(a, c) {
			return nil, domain.Errorf(domain.CodeBadUserInput, "%q is the calendar Calsync writes your bookings to; it cannot be imported", c.Name)
		}
		want[id] = true
	}
	var changed []int
	err = store.InTx(sys, s.client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.client)
		for _, c := range cals {
			if c.Selected == want[c.ID] {
				continue
			}
			changed = append(changed, c.ID)
			upd := db.ProviderCalendar.UpdateOneID(c.ID).SetSelected(want[c.ID])
			if !want[c.ID] {
				// The copy goes, and with it the cursor: choosing the
				// calendar again reads it fully.
				upd.ClearSyncCursor().ClearWindowFrom().ClearWindowTo()
			}
			if err := upd.Exec(ctx); err != nil {
				return err
			}
			if !want[c.ID] {
				if _, err := db.ExternalEvent.Delete().Where(externalevent.CalendarRefID(c.ID)).Exec(ctx); err != nil {
					return fmt.Errorf("linking: remove imported events: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(changed) > 0 && s.imports != nil {
		s.imports.CalendarsChosen(ctx, a.OrganizationID, changed, changed)
	}
	return s.client.CalendarAccount.Get(sys, a.ID)
}

// ownCalendar reports whether c is a calendar Calsync created for its own
// events (a secondary destination); Calsync's events in a primary
// destination are recognised one by one and never imported.
func ownCalendar(a *ent.CalendarAccount, c *ent.ProviderCalendar) bool {
	return c.CalendarID == a.DestinationCalendarID && !c.Primary
}

// RefreshCalendars lists the account's calendars at the provider again:
// names, colours and access change, new calendars appear (not imported),
// and calendars deleted at the provider are forgotten with their events.
func (s *Service) RefreshCalendars(ctx context.Context, userID int, p domain.Provider) (*ent.CalendarAccount, error) {
	a, err := s.linkedAccount(ctx, userID, p)
	if err != nil {
		return nil, err
	}
	if a.Status == calendaraccount.StatusNEEDS_REAUTH {
		return nil, domain.Errorf(domain.CodeBadUserInput, "link the %s calendar again first: the provider no longer accepts the old grant", p.DisplayName())
	}
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	pr, err := s.creds.Provider(p)
	if err != nil {
		return nil, err
	}
	ts, err := s.creds.TokenSource(sys, a)
	if err != nil {
		return nil, err
	}
	email := ""
	if a.CredentialMode == domain.CredentialServiceAccount {
		email = a.AccountEmail
	}
	cals, err := pr.Calendars(ctx, ts, email)
	if err != nil {
		return nil, &providerError{op: "read calendars", err: err}
	}
	var gone []int
	err = store.InTx(sys, s.client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.client)
		if err := upsertCalendars(ctx, db, a, cals); err != nil {
			return err
		}
		have, err := db.ProviderCalendar.Query().Where(providercalendar.AccountID(a.ID)).All(ctx)
		if err != nil {
			return err
		}
		for _, h := range have {
			if h.CalendarID == a.DestinationCalendarID || slices.ContainsFunc(cals, func(c linking.Calendar) bool { return c.ID == h.CalendarID }) {
				continue
			}
			gone = append(gone, h.ID)
		}
		if len(gone) > 0 {
			// Deleted at the provider, with their notifications; the
			// imported events go with the rows (ON DELETE CASCADE).
			if _, err := db.ExternalEvent.Delete().Where(externalevent.CalendarRefIDIn(gone...)).Exec(ctx); err != nil {
				return err
			}
			_, err := db.ProviderCalendar.Delete().Where(providercalendar.IDIn(gone...)).Exec(ctx)
			return err
		}
		return nil
	})
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, domain.Errorf(domain.CodeNotFound, "the account changed meanwhile; try again")
		}
		return nil, err
	}
	return s.client.CalendarAccount.Get(sys, a.ID)
}
