package scheduling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"calsync/ent"
	"calsync/ent/bookingstatus"
	"calsync/ent/eventlink"
	"calsync/ent/organization"
	"calsync/internal/audit"
	"calsync/internal/rule"
	"calsync/internal/viewer"
)

// CancellationStatusName is the name of the default cancellation status
// (the privacy rules let a scheduler create and choose it).
const CancellationStatusName = rule.CancellationStatusName

// RemovesEvents is the rule for what happens to a booking's event once the
// booking leaves that calendar — it is deleted, moved to another
// fieldworker, cancelled, or put in a status that is not pushed: with its
// status's deleteFromCalendar on (or no status) the event is removed;
// off, it stays. The sync engine decides cancelled and not-pushed bookings
// with it; deletions and reassignments are decided here, when they happen.
func RemovesEvents(st *ent.BookingStatus) bool { return st == nil || st.DeleteFromCalendar }

// CreateCancellationStatus creates the default cancellation status,
// "Cancelled" (pushed, removing events), and makes it the organization's.
// Seeding calls it with an organization's other default statuses (as the
// system); cancelling calls it for an organization that has none, as the
// user cancelling (rule.AllowSchedulerCreateCancellationStatus and
// rule.AllowSchedulerChooseCancellationStatus let schedulers do it).
func CreateCancellationStatus(ctx context.Context, db *ent.Client, orgID int) (*ent.BookingStatus, error) {
	st, err := db.BookingStatus.Create().SetOrganizationID(orgID).SetName(CancellationStatusName).SetColor("#d50000").
		SetDescription("Given by cancelling a booking.").SetPushToCalendar(true).SetDeleteFromCalendar(true).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: create cancellation status: %w", err)
	}
	if err := db.Organization.UpdateOneID(orgID).SetCancellationStatusID(st.ID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("scheduling: choose cancellation status: %w", err)
	}
	return st, nil
}

// cancellationStatus returns the organization's cancellation status: the
// one chosen, else the status named "Cancelled" (then chosen, when create
// is set). With create, an organization that has neither gets the default
// one; without, it has no cancellation status yet (nil).
func cancellationStatus(ctx context.Context, db *ent.Client, orgID int, create bool) (*ent.BookingStatus, error) {
	org, err := db.Organization.Query().Where(organization.ID(orgID)).WithCancellationStatus().Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: organization: %w", err)
	}
	if st := org.Edges.CancellationStatus; st != nil {
		return st, nil
	}
	st, err := db.BookingStatus.Query().Where(bookingstatus.Name(CancellationStatusName)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		if !create {
			return nil, nil
		}
		return CreateCancellationStatus(ctx, db, orgID)
	case err != nil:
		return nil, fmt.Errorf("scheduling: cancellation status: %w", err)
	}
	if create {
		if err := db.Organization.UpdateOneID(orgID).SetCancellationStatusID(st.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("scheduling: choose cancellation status: %w", err)
		}
	}
	return st, nil
}

// SetCancellationStatus chooses the status cancelling a booking gives it.
// Bookings cancelled before keep the status they got (and stay cancelled).
func (s *Service) SetCancellationStatus(ctx context.Context, statusID int) (*ent.Organization, error) {
	v, _ := viewer.FromContext(ctx)
	var out *ent.Organization
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		if err := checkRefs(ctx, db, nil, &statusID, nil); err != nil {
			return err
		}
		var err error
		out, err = db.Organization.UpdateOneID(v.OrgID).SetCancellationStatusID(statusID).
			Save(audit.WithAction(ctx, "organization.cancellation_status"))
		return err
	})
	return out, err
}

// cancellation keeps cancelledAt true to the booking's status: giving a
// booking the cancellation status cancels it (now), giving a cancelled
// booking any other status reinstates it. statusID is the status the
// booking ends up with; cancel is the organization's cancellation status
// (nil: none yet). It reports whether the booking became cancelled.
func cancellation(u *ent.BookingUpdateOne, b *ent.Booking, statusID *int, cancel *ent.BookingStatus, now time.Time) bool {
	// A cleared status (statusID nil) is "any other status": it reinstates.
	isCancel := statusID != nil && cancel != nil && *statusID == cancel.ID
	switch {
	case isCancel && b.CancelledAt == nil:
		u.SetCancelledAt(now)
		return true
	case !isCancel && b.CancelledAt != nil:
		u.ClearCancelledAt().ClearCancelReason()
	}
	return false
}

// releaseEvents lets go of booking b's events in the calendars of users
// (they no longer host it), or in every calendar when users is nil (it is
// being deleted), if its status keeps events (RemovesEvents is false):
// their links are forgotten, so the events stay where they are and Calsync
// never touches them again. Otherwise the links stay and the sync engine
// removes the events.
func releaseEvents(ctx context.Context, db *ent.Client, b *ent.Booking, st *ent.BookingStatus, users []int) error {
	if RemovesEvents(st) || (users != nil && len(users) == 0) {
		return nil
	}
	q := db.EventLink.Delete().Where(eventlink.BookingID(b.ID))
	if users != nil {
		q.Where(eventlink.UserIDIn(users...))
	}
	// The system's: event links are the sync engine's records of what it
	// wrote where, let go of as a consequence of a booking change the
	// Booking policy already allowed, not a change users make to them.
	if _, err := q.Exec(viewer.SystemContext(ctx, b.OrganizationID)); err != nil {
		return fmt.Errorf("scheduling: release events: %w", err)
	}
	return nil
}

// statusOf loads the status a booking has now (nil: none).
func statusOf(ctx context.Context, db *ent.Client, b *ent.Booking) (*ent.BookingStatus, error) {
	if b.StatusID == nil {
		return nil, nil
	}
	st, err := db.BookingStatus.Get(ctx, *b.StatusID)
	if err != nil {
		return nil, fmt.Errorf("scheduling: status: %w", err)
	}
	return st, nil
}

// removed lists the ids of before that are not in after.
func removed(before, after []int) []int {
	var out []int
	for _, id := range before {
		if !slices.Contains(after, id) {
			out = append(out, id)
		}
	}
	return out
}
