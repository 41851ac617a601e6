package engine

import (
	"context"
	"time"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/user"
)

// Window is how far back bookings are pushed: ending no more than this long
// ago.
const Window = 30 * 24 * time.Hour

// want says what a calendar should hold for one (booking, fieldworker).
type want int

const (
	// wantAbsent: the event must not exist (deleted if it does).
	wantAbsent want = iota
	// wantPresent: the event must exist with the rendered content.
	wantPresent
	// wantLeave: do not touch (a status that is not pushed but does not
	// delete either; bookings that ended before the window).
	wantLeave
	// wantCancelled: the event stays, marked cancelled and free.
	wantCancelled
)

// decision is the desired state of one (booking, fieldworker) pair.
type decision struct {
	want    want
	booking *ent.Booking
	user    *ent.User
	event   Event
}

type pairKey struct{ booking, user int }

// desiredFor computes what the account's calendar should hold for each of
// its fieldworkers' bookings. Pairs not in the result (bookings deleted,
// or no longer hosted by the user) are absent.
func desiredFor(ctx context.Context, db *ent.Client, org *ent.Organization, users []*ent.User, now time.Time) (map[pairKey]decision, error) {
	out := map[pairKey]decision{}
	for _, u := range users {
		if !u.Active {
			continue
		}
		bs, err := db.Booking.Query().
			Where(booking.HasHostsWith(user.ID(u.ID))).
			WithStatus().WithType().WithCreatedBy().
			All(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			d := decision{want: decide(b, now), booking: b, user: u}
			switch d.want {
			case wantPresent:
				d.event = Render(org, b, u, false)
			case wantCancelled:
				d.want, d.event = wantPresent, Render(org, b, u, true)
			}
			out[pairKey{b.ID, u.ID}] = d
		}
	}
	return out, nil
}

// decide applies the booking rules, in order:
//   - unpublished bookings and types that do not sync are absent;
//   - a status with deleteFromCalendar removes the event;
//   - bookings that ended before the window are left alone (never
//     created, never deleted for their age);
//   - a cancelled booking stays, marked cancelled — unless its status is
//     not pushed, then it is left as it is;
//   - a status without pushToCalendar is left as it is.
func decide(b *ent.Booking, now time.Time) want {
	st := b.Edges.Status
	switch {
	case !b.Published:
		return wantAbsent
	case b.Edges.Type != nil && !b.Edges.Type.SyncToCalendar:
		return wantAbsent
	case st != nil && st.DeleteFromCalendar:
		return wantAbsent
	case b.Recurrence == "" && b.EndAt.Before(now.Add(-Window)):
		return wantLeave
	case st != nil && !st.PushToCalendar:
		return wantLeave
	case b.CancelledAt != nil:
		return wantCancelled
	}
	return wantPresent
}
