package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/bookingstatus"
	"calsync/ent/bookingtype"
	"calsync/ent/organization"
	"calsync/ent/predicate"
	"calsync/ent/user"
	"calsync/internal/scheduling"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// renderedFields declares, in one place, what an event depends on besides
// its booking: the fields of other entities that Render and the desired
// state read. Whoever makes Render or desired read another field adds it
// here; TestRenderedFieldsChangeEvents and TestStatusAndTypeEditsReachCalendars
// check that each one shows at once.
var renderedFields = map[string][]string{
	// Not the default time zone: every booking carries its own.
	ent.TypeOrganization:  {organization.FieldName},
	ent.TypeUser:          {user.FieldName},
	ent.TypeBookingStatus: {bookingstatus.FieldName, bookingstatus.FieldPushToCalendar, bookingstatus.FieldDeleteFromCalendar},
	ent.TypeBookingType:   {bookingtype.FieldSyncToCalendar},
}

// Rerender is told, after commit, which fieldworkers' calendars show
// something that changed.
type Rerender func(ctx context.Context, orgID, outboxID int, userIDs []int)

// RerenderHook is the ent hook that turns a change to anything events
// show (renderedFields) into syncs of exactly the calendars showing it:
// an organization's name → its linked fieldworkers; a
// person's name → their own calendars and those of the hosts of bookings
// they created; a status or type → the hosts of its bookings.
func RerenderHook(rerender Rerender, now func() time.Time) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			fields, watched := renderedFields[m.Type()]
			if !watched || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) || !slices.ContainsFunc(fields, func(f string) bool {
				return changes(ctx, m, f)
			}) {
				return next.Mutate(ctx, m)
			}
			ids, err := mutatedIDs(ctx, m)
			if err != nil {
				return nil, err
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || len(ids) == 0 {
				return v, err
			}
			byOrg, err := affectedUsers(ctx, m, ids)
			if err != nil {
				return nil, fmt.Errorf("engine: rerender: %w", err)
			}
			// Recorded with the change (scheduling.RecordChange), so a lost
			// wake-up is relayed; announced once it commits.
			client := m.(interface{ Client() *ent.Client }).Client()
			outbox := map[int]int{}
			for org, users := range byOrg {
				if len(users) > 0 {
					if outbox[org], err = scheduling.RecordChange(ctx, client, org, nil, users, now()); err != nil {
						return nil, fmt.Errorf("engine: rerender: %w", err)
					}
				}
			}
			store.AfterCommit(ctx, func(ctx context.Context) {
				for org, users := range byOrg {
					if len(users) > 0 {
						rerender(ctx, org, outbox[org], users)
					}
				}
			})
			return v, nil
		})
	}
}

// changes reports whether m sets field f — to a new value, when it updates
// one row and the old value can be read (saving a profile unchanged
// re-syncs nothing).
func changes(ctx context.Context, m ent.Mutation, f string) bool {
	v, set := m.Field(f)
	if !set {
		return false
	}
	if m.Op().Is(ent.OpUpdateOne) {
		if old, err := m.OldField(viewer.AllTenantsContext(ctx), f); err == nil && old == v {
			return false
		}
	}
	return true
}

// mutatedIDs are the ids a mutation is about to change, read before it
// does (an update may change what its own predicates match).
func mutatedIDs(ctx context.Context, m ent.Mutation) ([]int, error) {
	im, ok := m.(interface {
		IDs(context.Context) ([]int, error)
	})
	if !ok {
		return nil, nil
	}
	return im.IDs(viewer.AllTenantsContext(ctx))
}

// affectedUsers returns, per organization, the users whose calendars show
// the mutated entities.
func affectedUsers(ctx context.Context, m ent.Mutation, ids []int) (map[int][]int, error) {
	sys := viewer.AllTenantsContext(ctx)
	out := map[int][]int{}
	switch m := m.(type) {
	case *ent.OrganizationMutation:
		for _, org := range ids {
			users, err := m.Client().User.Query().
				Where(user.OrganizationID(org), user.HasCalendarAccountsWith(SyncingAccounts())).IDs(sys)
			if err != nil {
				return nil, err
			}
			out[org] = users
		}
	case *ent.UserMutation:
		// Their own calendars, and those of the hosts of bookings they
		// created: two queries whatever the number of people.
		people, err := m.Client().User.Query().Where(user.IDIn(ids...)).All(sys)
		if err != nil {
			return nil, err
		}
		hosts, err := m.Client().User.Query().
			Where(user.HasBookingsWith(booking.HasCreatedByWith(user.IDIn(ids...)))).All(sys)
		if err != nil {
			return nil, err
		}
		for _, p := range append(people, hosts...) {
			out[p.OrganizationID] = append(out[p.OrganizationID], p.ID)
		}
	case *ent.BookingStatusMutation:
		return hostsOf(sys, m.Client(), booking.StatusIDIn(ids...))
	case *ent.BookingTypeMutation:
		return hostsOf(sys, m.Client(), booking.TypeIDIn(ids...))
	}
	for org, users := range out {
		slices.Sort(users)
		out[org] = slices.Compact(users)
	}
	return out, nil
}

func hostsOf(ctx context.Context, db *ent.Client, p ...predicate.Booking) (map[int][]int, error) {
	hosts, err := db.User.Query().Where(user.HasBookingsWith(p...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int][]int{}
	for _, h := range hosts {
		out[h.OrganizationID] = append(out[h.OrganizationID], h.ID)
	}
	return out, nil
}
