package app

import (
	"context"
	"log/slog"

	"calsync/internal/broker"
	"calsync/internal/scheduling"
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

var _ scheduling.Notifier = (*changeFeed)(nil)

func (f *changeFeed) BookingsChanged(ctx context.Context, orgID int, changes []scheduling.Change) {
	p := tasks.BookingsChangedPayload{OrgID: orgID}
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
	if err := f.queue.BookingsChanged(ctx, p); err != nil {
		f.log.WarnContext(ctx, "enqueue bookings changed failed", slog.Int("org_id", orgID), slog.Any("error", err))
	}
}
