package scheduling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"calsync/ent"
)

// RecordChange writes, in ctx's transaction (db its client), that
// bookingIDs changed for userIDs (their hosts before and after) and must
// reach their calendars; no bookingIDs means everything the users' events
// show (a name, a status). The row commits with the change or not at all:
// the queue task that announces it after the commit is only a wake-up, and
// the sync engine's relay picks up a row whose wake-up was lost.
func RecordChange(ctx context.Context, db *ent.Client, orgID int, bookingIDs, userIDs []int, at time.Time) (int, error) {
	row, err := db.SyncOutbox.Create().SetOrganizationID(orgID).
		SetBookingIds(sortedUnique(bookingIDs)).SetUserIds(sortedUnique(userIDs)).SetCreatedAt(at).Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("scheduling: record change: %w", err)
	}
	return row.ID, nil
}

func sortedUnique(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
