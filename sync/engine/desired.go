package engine

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/user"
	"calsync/internal/scheduling"
	"calsync/internal/store"
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
	// wantCancelled: the event Calsync holds stays, marked cancelled and
	// free; none is created (desiredFor turns it into wantPresent with
	// decision.cancelled).
	wantCancelled
)

// decision is the desired state of one (booking, fieldworker) pair.
type decision struct {
	want    want
	booking *ent.Booking
	user    *ent.User
	event   Event
	// cancelled: the booking is cancelled and its status keeps its events.
	// Only an event Calsync already holds is kept (marked cancelled): a
	// cancelled booking is never created in a calendar — not on linking,
	// not for a new host, not again after it was deleted.
	cancelled bool
}

// creates says whether a missing event is created for the pair.
func (d decision) creates() bool { return d.want == wantPresent && !d.cancelled }

// has says whether the decision is for a booking the user hosts (the
// zero decision, of a pair not in the desired state, is not).
func (d decision) has() bool { return d.booking != nil }

type pairKey struct{ booking, user int }

// tagPair is the pair a tagged event says it stands for.
func tagPair(rm Remote) pairKey {
	b, _ := strconv.Atoi(rm.Tags[TagBooking])
	u, _ := strconv.Atoi(rm.Tags[TagUser])
	return pairKey{b, u}
}

// desiredFor reads the bookings the account's active fieldworkers host —
// only those of only (a scoped sync), when not nil — and computes what the
// calendar should hold (desiredFrom).
func desiredFor(ctx context.Context, db *ent.Client, org *ent.Organization, users []*ent.User, now time.Time, only []int) (map[pairKey]decision, error) {
	hosted := map[int][]*ent.Booking{}
	var active []int
	for _, u := range users {
		if u.Active {
			active = append(active, u.ID)
		}
	}
	if len(active) == 0 || (only != nil && len(only) == 0) {
		return desiredFrom(org, users, hosted, now), nil
	}
	if only == nil {
		// The whole account: many rows, for which ent's batched eager
		// loads cost less than a subselect per row.
		bs, err := WithRendered(db.Booking.Query()).Where(booking.HasHostsWith(user.IDIn(active...))).
			WithHosts(func(q *ent.UserQuery) { q.Where(user.IDIn(active...)).Select(user.FieldID) }).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			for _, h := range b.Edges.Hosts {
				hosted[h.ID] = append(hosted[h.ID], b)
			}
		}
		return desiredFrom(org, users, hosted, now), nil
	}
	// A scoped sync, of a booking or a few: one statement, the hosts among
	// the active users and the creator's name selected with each row
	// (status and type as WithRendered loads them). By id alone: "hosted
	// by these users" would make the database gather every booking they
	// host, which is what a scoped sync must not pay for; bookings without
	// such a host are dropped below.
	bs, err := db.Booking.Query().WithStatus().WithType().Where(booking.IDIn(only...)).
		Modify(withHostsAmong(active), withCreatorName).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if err := creatorFromRow(b); err != nil {
			return nil, err
		}
		hosts, err := store.SelectedIDs(b, hostsColumn)
		if err != nil {
			return nil, fmt.Errorf("engine: booking %d's hosts: %w", b.ID, err)
		}
		for _, h := range hosts {
			hosted[h] = append(hosted[h], b)
		}
	}
	return desiredFrom(org, users, hosted, now), nil
}

// Columns a sync selects with each booking (desiredFor).
const (
	hostsColumn   = "calsync_host_ids"
	creatorColumn = "calsync_creator_name"
)

// withHostsAmong selects, with each booking, the ids of its hosts among
// users (an idList).
func withHostsAmong(users []int) func(*sql.Selector) {
	return func(s *sql.Selector) {
		b := sql.Dialect(s.Dialect())
		h := b.Table(booking.HostsTable)
		s.AppendSelectExprAs(store.OrEmpty(b.Select(store.IDList(s.Dialect(), h.C(booking.HostsPrimaryKey[1]))).From(h).Where(sql.And(
			sql.ColumnsEQ(h.C(booking.HostsPrimaryKey[0]), s.C(booking.FieldID)),
			sql.InInts(h.C(booking.HostsPrimaryKey[1]), users...),
		))), hostsColumn)
	}
}

// withCreatorName selects, with each booking, the name of the user who
// created it: all Render reads of the creator.
func withCreatorName(s *sql.Selector) {
	b := sql.Dialect(s.Dialect())
	u := b.Table(user.Table)
	s.AppendSelectExprAs(store.OrEmpty(b.Select(u.C(user.FieldName)).From(u).Where(sql.And(
		sql.ColumnsEQ(u.C(user.FieldID), s.C(booking.FieldCreatedByID)),
		sql.ColumnsEQ(u.C(user.FieldOrganizationID), s.C(booking.FieldOrganizationID)), // as ent's tenant filter reads it
	))), creatorColumn)
}

// creatorFromRow sets b's creator edge from the name selected with it
// (withCreatorName): a user holding its id and name only, for rendering.
func creatorFromRow(b *ent.Booking) error {
	if b.CreatedByID == nil {
		return nil
	}
	name, err := store.SelectedText(b, creatorColumn)
	if err != nil {
		return fmt.Errorf("engine: booking %d's creator: %w", b.ID, err)
	}
	if name == "" {
		return nil // not found in the organization: no creator, as ent's tenant filter would load it
	}
	b.Edges.CreatedBy = &ent.User{ID: *b.CreatedByID, Name: name}
	return nil
}

// desiredFrom computes what the account's calendar should hold for each of
// its fieldworkers' bookings (hosted: per user, the bookings they host,
// with status, type and creator). Pairs not in the result (bookings
// deleted, or no longer hosted by the user) are absent.
func desiredFrom(org *ent.Organization, users []*ent.User, hosted map[int][]*ent.Booking, now time.Time) map[pairKey]decision {
	out := map[pairKey]decision{}
	for _, u := range users {
		if !u.Active {
			continue
		}
		for _, b := range hosted[u.ID] {
			d := decision{want: decide(b, now), booking: b, user: u}
			switch d.want {
			case wantPresent:
				d.event = Render(org, b, u, false)
			case wantCancelled:
				d.want, d.cancelled, d.event = wantPresent, true, Render(org, b, u, true)
			}
			out[pairKey{b.ID, u.ID}] = d
		}
	}
	return out
}

// decide applies the booking rules, in order:
//   - unpublished bookings and types that do not sync are absent;
//   - a booking that leaves calendars while it stays — cancelled, or in a
//     status that is not pushed — is absent when its status removes
//     events (scheduling.RemovesEvents: deleteFromCalendar, the default);
//   - bookings that ended before the window are left alone (never
//     created, never deleted for their age);
//   - a status without pushToCalendar (and deleteFromCalendar off) is left
//     as it is;
//   - a cancelled booking whose status keeps events stays, marked
//     cancelled (never created: see decision.cancelled).
//
// Deleted bookings and bookings moved to another fieldworker are not
// decided here: scheduling forgets their links at once when their status
// keeps events, and the links left are deleted as no longer wanted.
func decide(b *ent.Booking, now time.Time) want {
	st := b.Edges.Status
	leaves := b.CancelledAt != nil || (st != nil && !st.PushToCalendar)
	switch {
	case !b.Published:
		return wantAbsent
	case b.Edges.Type != nil && !b.Edges.Type.SyncToCalendar:
		return wantAbsent
	case leaves && scheduling.RemovesEvents(st):
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
