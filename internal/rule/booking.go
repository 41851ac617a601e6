package rule

import (
	"context"
	"slices"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/privacy"
	"calsync/ent/user"
	"calsync/internal/viewer"
)

// seesAllBookings: the system, admins and schedulers see every booking of
// the organization; fieldworkers only those they host.
func seesAllBookings(v viewer.Viewer) bool {
	return v.System || v.CanSchedule()
}

// FilterBookings narrows a fieldworker's (or anyone else's without a
// staff role) bookings to the ones they host.
func FilterBookings() privacy.QueryRule {
	return privacy.BookingQueryRuleFunc(func(ctx context.Context, q *ent.BookingQuery) error {
		v, _ := viewer.FromContext(ctx)
		if !seesAllBookings(v) {
			q.Where(booking.HasHostsWith(user.ID(v.UserID)))
		}
		return privacy.Skip
	})
}

// SeesBookingHostedBy tells whether v may see a booking hosted by hostIDs:
// FilterBookings for a booking that has no row left to query (deleted),
// so a subscription tells of its deletion only those who saw it.
func SeesBookingHostedBy(v viewer.Viewer, hostIDs []int) bool {
	return seesAllBookings(v) || (v.UserID != 0 && slices.Contains(hostIDs, v.UserID))
}
