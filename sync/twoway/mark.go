package twoway

import (
	"context"
	"fmt"
	"strings"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/providercalendar"
	"calsync/ent/providerconfig"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// MarkReadBack sets which calendars of an organization's provider
// accounts two-way sync reads back — when the organization syncs p both
// ways, the destination calendars and the calendars chosen for import
// that flow back (FlowsBack) — in ctx's transaction, and returns the
// calendars whose mark changed (to read: a newly marked one is read in
// full; one no longer marked and not chosen has its copy discarded).
func MarkReadBack(ctx context.Context, client *ent.Client, orgID int, p domain.Provider) ([]int, error) {
	sys := viewer.SystemContext(ctx, orgID)
	db := store.ClientFrom(ctx, client)
	twoWay, err := db.ProviderConfig.Query().
		Where(providerconfig.ProviderEQ(p), providerconfig.SyncDirectionEQ(providerconfig.SyncDirectionTWO_WAY)).Exist(sys)
	if err != nil {
		return nil, fmt.Errorf("twoway: provider settings: %w", err)
	}
	cals, err := db.ProviderCalendar.Query().
		Where(providercalendar.HasAccountWith(calendaraccount.ProviderEQ(p))).WithAccount().All(sys)
	if err != nil {
		return nil, fmt.Errorf("twoway: calendars: %w", err)
	}
	var changed []int
	for _, c := range cals {
		want := twoWay && c.Edges.Account != nil && (c.CalendarID == c.Edges.Account.DestinationCalendarID || FlowsBack(c))
		if c.ReadsBack == want {
			continue
		}
		u := db.ProviderCalendar.UpdateOneID(c.ID).SetReadsBack(want)
		if want {
			// Read in full from the start: first contact must see every event.
			u.ClearSyncCursor().ClearWindowFrom().ClearWindowTo()
		}
		if err := u.Exec(sys); err != nil {
			return nil, fmt.Errorf("twoway: mark calendar: %w", err)
		}
		changed = append(changed, c.ID)
	}
	return changed, nil
}

// FlowsBack reports whether a calendar other than the destination flows
// back in two-way sync: chosen for import, and one the fieldworker can
// write to (a subscribed or shared read-only calendar stays busy time —
// Calsync could not keep its events in step with their bookings).
func FlowsBack(c *ent.ProviderCalendar) bool {
	switch strings.ToLower(c.AccessRole) {
	case "owner", "writer":
		return c.Selected
	}
	return false
}
