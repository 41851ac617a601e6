package graph

import (
	"context"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/ent/syncconflict"
	"calsync/graph/model"
	"calsync/internal/broker"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// madeAtProvider is the provider of the event a booking was made from
// (two-way sync), nil for bookings made in Calsync. The link is read as
// the system: the booking is already visible to the viewer.
func (r *Resolver) madeAtProvider(ctx context.Context, b *ent.Booking) (*domain.Provider, error) {
	sys := viewer.SystemContext(ctx, b.OrganizationID)
	l, err := r.Client.EventLink.Query().
		Where(eventlink.BookingRef(b.ID), eventlink.OriginEQ(eventlink.OriginPROVIDER)).WithAccount().First(sys)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &l.Edges.Account.Provider, nil
}

// syncConflictChanged streams the conflict queue's changes the viewer may
// follow.
func (r *Resolver) syncConflictChanged(ctx context.Context, fieldworkerID *int) (<-chan *model.SyncConflictEvent, error) {
	v, err := r.followable(ctx, fieldworkerID)
	if err != nil {
		return nil, err
	}
	return subscribe(ctx, r.Broker.SubscribeConflicts(ctx, v.OrgID), r.Auth.StillValid, func(ev broker.ConflictChange) (*model.SyncConflictEvent, bool) {
		if !r.follows(ctx, fieldworkerID, []int{ev.UserID}) {
			return nil, false
		}
		msg := &model.SyncConflictEvent{ConflictID: ev.ConflictID, State: syncconflict.State(ev.State), At: ev.At}
		if c, err := r.Client.SyncConflict.Get(ctx, ev.ConflictID); err == nil {
			msg.Conflict = c
		}
		return msg, true
	}), nil
}
