package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/syncconflict"
	"calsync/ent/user"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// MaxBookingLength bounds one occurrence.
const MaxBookingLength = 31 * 24 * time.Hour

// MaxMassModify bounds one mass modification.
const MaxMassModify = 1000

func validateTimes(start, end time.Time, allDay bool) error {
	if start.IsZero() || end.IsZero() {
		return domain.InvalidField("startAt", errors.New("start and end are required"))
	}
	if !end.After(start) {
		return domain.InvalidField("endAt", errors.New("end must be after start"))
	}
	if end.Sub(start) > MaxBookingLength {
		return domain.InvalidField("endAt", fmt.Errorf("a booking lasts at most %d days", int(MaxBookingLength.Hours()/24)))
	}
	if allDay {
		for _, t := range []time.Time{start, end} {
			u := t.UTC()
			if u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 {
				return domain.InvalidField("startAt", errors.New("all-day bookings start and end at midnight UTC of their dates"))
			}
		}
	}
	return nil
}

// checkRefs makes sure every referenced host, status and type exists in the
// viewer's organization. Lookups go through privacy rules, so another
// organization's ids are simply not found.
func checkRefs(ctx context.Context, db *ent.Client, hostIDs []int, statusID, typeID *int) error {
	if len(hostIDs) > 0 {
		hostIDs = uniq(hostIDs)
		found, err := db.User.Query().Where(user.IDIn(hostIDs...)).All(ctx)
		if err != nil {
			return fmt.Errorf("scheduling: hosts: %w", err)
		}
		for _, id := range hostIDs {
			i := slices.IndexFunc(found, func(u *ent.User) bool { return u.ID == id })
			if i < 0 {
				return domain.NotFound("user", id)
			}
			if !found[i].Active {
				return domain.InvalidField("hostIDs", fmt.Errorf("user %d is deactivated", id))
			}
		}
	}
	if statusID != nil {
		if _, err := db.BookingStatus.Get(ctx, *statusID); err != nil {
			return notFoundOr(err, "booking status", *statusID)
		}
	}
	if typeID != nil {
		if _, err := db.BookingType.Get(ctx, *typeID); err != nil {
			return notFoundOr(err, "booking type", *typeID)
		}
	}
	return nil
}

func notFoundOr(err error, kind string, id int) error {
	if ent.IsNotFound(err) {
		return domain.NotFound(kind, id)
	}
	return err
}

func validateContent(recurrence *string, props domain.Properties, addresses []string) error {
	if recurrence != nil {
		if err := domain.ValidateRRule(*recurrence); err != nil {
			return domain.InvalidField("recurrence", err)
		}
	}
	if err := props.Validate(); err != nil {
		return domain.InvalidField("customProperties", err)
	}
	if err := domain.ValidateAddresses(addresses); err != nil {
		return domain.InvalidField("addresses", err)
	}
	return nil
}

func uniq(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// CreateBooking validates and stores a new booking.
func (s *Service) CreateBooking(ctx context.Context, in ent.CreateBookingInput) (*ent.Booking, error) {
	v, _ := viewer.FromContext(ctx)
	if err := validateTimes(in.StartAt, in.EndAt, in.AllDay != nil && *in.AllDay); err != nil {
		return nil, err
	}
	if err := validateContent(in.Recurrence, in.CustomProperties, in.Addresses); err != nil {
		return nil, err
	}
	if in.CustomerEmail != nil {
		e := domain.NormalizeEmail(*in.CustomerEmail)
		in.CustomerEmail = &e
	}
	var b *ent.Booking
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		if err := checkRefs(ctx, db, in.HostIDs, in.StatusID, in.TypeID); err != nil {
			return err
		}
		c := db.Booking.Create().SetInput(in)
		if v.UserID != 0 {
			c.SetCreatedByID(v.UserID)
		}
		if in.StatusID != nil {
			// Created straight into the cancellation status: cancelled.
			cancel, err := cancellationStatus(ctx, db, v.OrgID, false)
			if err != nil {
				return err
			}
			if cancel != nil && cancel.ID == *in.StatusID {
				c.SetCancelledAt(s.now())
			}
		}
		var err error
		if b, err = c.Save(audit.WithAction(ctx, "booking.create")); err != nil {
			return err
		}
		return s.afterCommit(ctx, b.OrganizationID, []Change{{BookingID: b.ID, Kind: Created, HostIDs: uniq(in.HostIDs), At: s.now()}})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// load fetches a booking visible to the viewer with its host ids.
func load(ctx context.Context, db *ent.Client, id int) (*ent.Booking, []int, error) {
	b, err := db.Booking.Query().Where(booking.ID(id)).Modify(withHostIDs).Only(ctx)
	if err != nil {
		return nil, nil, notFoundOr(err, "booking", id)
	}
	hosts, err := store.SelectedIDs(b, hostIDsColumn)
	if err != nil {
		return nil, nil, fmt.Errorf("scheduling: hosts: %w", err)
	}
	return b, hosts, nil
}

// hostIDsColumn is a booking's hosts' ids, selected with it (withHostIDs).
const hostIDsColumn = "calsync_host_ids"

// withHostIDs selects, with each booking, the ids of its hosts in its
// organization (all that ent's tenant filter lets QueryHosts read), in the
// booking's own statement.
func withHostIDs(s *sql.Selector) {
	s.AppendSelectExprAs(store.UsersOfRow(s, booking.HostsTable, booking.HostsPrimaryKey, func(u *sql.SelectTable) string {
		return store.IDList(s.Dialect(), u.C(user.FieldID))
	}), hostIDsColumn)
}

// UpdateBooking applies a partial update.
func (s *Service) UpdateBooking(ctx context.Context, id int, in ent.UpdateBookingInput) (*ent.Booking, error) {
	return s.update(ctx, "booking.update", id, func(ctx context.Context, db *ent.Client, b *ent.Booking, hosts []int) (*ent.BookingUpdateOne, error) {
		// Fold the "append" inputs into plain replacements: what the
		// booking ends up with is then validated as a whole.
		if in.AppendAddresses != nil {
			in.Addresses = appendTo(b.Addresses, in.Addresses, in.ClearAddresses, in.AppendAddresses)
			in.ClearAddresses, in.AppendAddresses = false, nil
		}
		if in.AppendRecurrenceExceptions != nil {
			in.RecurrenceExceptions = appendTo(b.RecurrenceExceptions, in.RecurrenceExceptions, in.ClearRecurrenceExceptions, in.AppendRecurrenceExceptions)
			in.ClearRecurrenceExceptions, in.AppendRecurrenceExceptions = false, nil
		}
		if err := validateContent(in.Recurrence, in.CustomProperties, in.Addresses); err != nil {
			return nil, err
		}
		if in.CustomerEmail != nil {
			e := domain.NormalizeEmail(*in.CustomerEmail)
			in.CustomerEmail = &e
		}
		if err := checkRefs(ctx, db, in.AddHostIDs, in.StatusID, in.TypeID); err != nil {
			return nil, err
		}
		return db.Booking.UpdateOne(b).SetInput(in), nil
	})
}

// appendTo is the list an update leaves: the replacement if given (or
// nothing if cleared, else the current list) followed by the appended items.
func appendTo[T any](current, replacement []T, cleared bool, appended []T) []T {
	base := current
	switch {
	case replacement != nil:
		base = replacement
	case cleared:
		base = nil
	}
	return append(slices.Clone(base), appended...)
}

// RescheduleBooking moves a booking, optionally into another time zone.
func (s *Service) RescheduleBooking(ctx context.Context, id int, start, end time.Time, tz *string) (*ent.Booking, error) {
	return s.update(ctx, "booking.reschedule", id, func(ctx context.Context, db *ent.Client, b *ent.Booking, hosts []int) (*ent.BookingUpdateOne, error) {
		u := db.Booking.UpdateOne(b).SetStartAt(start).SetEndAt(end)
		if tz != nil {
			u.SetTimeZone(*tz)
		}
		return u, nil
	})
}

// ReassignBooking replaces a booking's hosts.
func (s *Service) ReassignBooking(ctx context.Context, id int, hostIDs []int) (*ent.Booking, error) {
	return s.update(ctx, "booking.reassign", id, func(ctx context.Context, db *ent.Client, b *ent.Booking, hosts []int) (*ent.BookingUpdateOne, error) {
		if len(hostIDs) == 0 {
			return nil, domain.InvalidField("hostIDs", errors.New("give at least one host"))
		}
		if err := checkRefs(ctx, db, hostIDs, nil, nil); err != nil {
			return nil, err
		}
		return db.Booking.UpdateOne(b).ClearHosts().AddHostIDs(uniq(hostIDs)...), nil
	})
}

// CancelBooking cancels a booking: it gets the organization's cancellation
// status (created if the organization has none), exactly as if its status
// were set to it, and that status decides whether the calendar events are
// removed or kept marked cancelled.
func (s *Service) CancelBooking(ctx context.Context, id int, reason *string) (*ent.Booking, error) {
	return s.update(ctx, "booking.cancel", id, func(ctx context.Context, db *ent.Client, b *ent.Booking, hosts []int) (*ent.BookingUpdateOne, error) {
		if b.CancelledAt != nil {
			return nil, domain.Errorf(domain.CodeConflict, "booking %d is already cancelled", id)
		}
		st, err := cancellationStatus(ctx, db, b.OrganizationID, true)
		if err != nil {
			return nil, err
		}
		u := db.Booking.UpdateOne(b).SetStatusID(st.ID)
		if reason != nil {
			if len(*reason) > 1000 {
				return nil, domain.InvalidField("reason", errors.New("at most 1000 characters"))
			}
			u.SetCancelReason(*reason)
		}
		return u, nil
	})
}

type updateFunc func(ctx context.Context, db *ent.Client, b *ent.Booking, hosts []int) (*ent.BookingUpdateOne, error)

// update loads the booking, builds the update with fn, checks the result
// is still a valid booking and reports the change after commit.
func (s *Service) update(ctx context.Context, action string, id int, fn updateFunc) (*ent.Booking, error) {
	var out *ent.Booking
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		b, before, err := load(ctx, db, id)
		if err != nil {
			return err
		}
		u, err := fn(ctx, db, b, before)
		if err != nil {
			return err
		}
		if id, ok := u.Mutation().StatusID(); ok || u.Mutation().StatusIDCleared() {
			cancel, err := cancellationStatus(ctx, db, b.OrganizationID, false)
			if err != nil {
				return err
			}
			var to *int
			if ok {
				to = &id
			}
			cancellation(u, b, to, cancel, s.now())
		}
		if out, err = u.Save(audit.WithAction(ctx, action)); err != nil {
			return err
		}
		// Read the hosts again only if the update (or a hook) changed them.
		m := u.Mutation()
		hostsChange := m.HostsCleared() || len(m.HostsIDs()) > 0 || len(m.RemovedHostsIDs()) > 0
		if err := validateTimes(out.StartAt, out.EndAt, out.AllDay); err != nil {
			return err
		}
		if kept, changed := keptMoves(out); changed {
			// The series changed: moves of occurrences it no longer has go.
			ku := db.Booking.UpdateOne(out).SetMovedOccurrences(kept)
			if len(kept) == 0 {
				ku.ClearMovedOccurrences()
			}
			if out, err = ku.Save(audit.WithAction(ctx, action)); err != nil {
				return err
			}
		}
		after := before
		if hostsChange {
			if after, err = out.QueryHosts().IDs(ctx); err != nil {
				return fmt.Errorf("scheduling: hosts: %w", err)
			}
		}
		if gone := removed(before, after); len(gone) > 0 {
			st, err := statusOf(ctx, db, out)
			if err != nil {
				return err
			}
			if err := releaseEvents(ctx, db, out, st, gone); err != nil {
				return err
			}
		}
		kind := Updated
		if out.CancelledAt != nil && b.CancelledAt == nil {
			kind = Cancelled
		}
		return s.afterCommit(ctx, out.OrganizationID, []Change{{BookingID: out.ID, Kind: kind, HostIDs: uniq(append(before, after...)), At: s.now()}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteBooking removes a booking for good; its calendar events are
// removed by the sync engine through the event links it leaves behind.
func (s *Service) DeleteBooking(ctx context.Context, id int) error {
	return s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		b, hosts, err := load(ctx, db, id)
		if err != nil {
			return err
		}
		st, err := statusOf(ctx, db, b)
		if err != nil {
			return err
		}
		if err := releaseEvents(ctx, db, b, st, nil); err != nil {
			return err
		}
		if err := s.settleConflicts(ctx, db, b); err != nil {
			return err
		}
		if err := db.Booking.DeleteOne(b).Exec(audit.WithAction(ctx, "booking.delete")); err != nil {
			return err
		}
		return s.afterCommit(ctx, b.OrganizationID, []Change{{BookingID: id, Kind: Deleted, HostIDs: hosts, At: s.now()}})
	})
}

// settleConflicts settles booking b's open two-way sync conflicts as it is
// deleted: Calsync's version (no booking) is kept, by whoever deleted it,
// and the event is removed; the queue's subscribers hear of it after
// commit. Conflicts are two-way sync's rows (a viewer only resolves
// them): settled here as the system, in the deletion's transaction.
func (s *Service) settleConflicts(ctx context.Context, db *ent.Client, b *ent.Booking) error {
	sys := viewer.SystemContext(ctx, b.OrganizationID)
	open, err := db.SyncConflict.Query().Where(syncconflict.BookingID(b.ID), syncconflict.StateEQ(syncconflict.StateOPEN)).All(sys)
	if err != nil || len(open) == 0 {
		return err
	}
	v, _ := viewer.FromContext(ctx)
	settled := make([]*ent.SyncConflict, 0, len(open))
	for _, c := range open {
		u := db.SyncConflict.UpdateOne(c).SetState(syncconflict.StateRESOLVED).
			SetResolution(syncconflict.ResolutionKEEP_CALSYNC).SetResolvedAt(s.now())
		if v.UserID != 0 {
			u.SetResolvedByID(v.UserID)
		}
		c, err := u.Save(sys)
		if err != nil {
			return fmt.Errorf("scheduling: settle the booking's conflicts: %w", err)
		}
		settled = append(settled, c)
	}
	if cn, ok := s.notify.(ConflictNotifier); ok {
		store.AfterCommit(ctx, func(ctx context.Context) {
			for _, c := range settled {
				cn.ConflictChanged(ctx, c)
			}
		})
	}
	return nil
}

// SetPublished publishes or unpublishes bookings (unpublished ones are not
// synced, and unpublishing removes them from calendars).
func (s *Service) SetPublished(ctx context.Context, ids []int, published bool) ([]*ent.Booking, error) {
	return s.MassModify(ctx, MassModification{IDs: ids, Published: &published}, "booking.publish")
}

// MassModification is one change applied to many bookings.
type MassModification struct {
	IDs           []int
	StatusID      *int
	TypeID        *int
	Published     *bool
	HostIDs       []int
	AddHostIDs    []int
	RemoveHostIDs []int
	ShiftMinutes  *int
}

// MassModify applies m to every booking in m.IDs, all or nothing.
func (s *Service) MassModify(ctx context.Context, m MassModification, action string) ([]*ent.Booking, error) {
	if action == "" {
		action = "booking.mass_modify"
	}
	ids := uniq(m.IDs)
	if len(ids) == 0 {
		return nil, domain.InvalidField("ids", errors.New("select at least one booking"))
	}
	if len(ids) > MaxMassModify {
		return nil, domain.InvalidField("ids", fmt.Errorf("at most %d bookings at once", MaxMassModify))
	}
	if m.HostIDs != nil && (len(m.AddHostIDs) > 0 || len(m.RemoveHostIDs) > 0) {
		return nil, domain.InvalidField("hostIDs", errors.New("replace hosts or add/remove them, not both"))
	}
	if m.HostIDs != nil && len(m.HostIDs) == 0 {
		return nil, domain.InvalidField("hostIDs", errors.New("give at least one host"))
	}
	if m.ShiftMinutes != nil && (*m.ShiftMinutes == 0 || *m.ShiftMinutes > 366*24*60 || *m.ShiftMinutes < -366*24*60) {
		return nil, domain.InvalidField("shiftMinutes", errors.New("must be non-zero and within a year"))
	}
	var out []*ent.Booking
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		bs, err := db.Booking.Query().Where(booking.IDIn(ids...)).WithHosts(func(q *ent.UserQuery) { q.Select(user.FieldID) }).All(ctx)
		if err != nil {
			return err
		}
		if len(bs) != len(ids) {
			for _, id := range ids {
				if !slices.ContainsFunc(bs, func(b *ent.Booking) bool { return b.ID == id }) {
					return domain.NotFound("booking", id)
				}
			}
		}
		if err := checkRefs(ctx, db, append(slices.Clone(m.HostIDs), m.AddHostIDs...), m.StatusID, m.TypeID); err != nil {
			return err
		}
		var cancel *ent.BookingStatus
		if m.StatusID != nil {
			if cancel, err = cancellationStatus(ctx, db, bs[0].OrganizationID, false); err != nil {
				return err
			}
		}
		actx := audit.WithAction(ctx, action)
		changes := make([]Change, 0, len(bs))
		for _, b := range bs {
			u := db.Booking.UpdateOne(b)
			kind := Updated
			if m.StatusID != nil {
				u.SetStatusID(*m.StatusID)
				if cancellation(u, b, m.StatusID, cancel, s.now()) {
					kind = Cancelled
				}
			}
			if m.TypeID != nil {
				u.SetTypeID(*m.TypeID)
			}
			if m.Published != nil {
				u.SetPublished(*m.Published)
			}
			if m.HostIDs != nil {
				u.ClearHosts().AddHostIDs(uniq(m.HostIDs)...)
			}
			if len(m.AddHostIDs) > 0 {
				u.AddHostIDs(uniq(m.AddHostIDs)...)
			}
			if len(m.RemoveHostIDs) > 0 {
				u.RemoveHostIDs(uniq(m.RemoveHostIDs)...)
			}
			if m.ShiftMinutes != nil {
				d := time.Duration(*m.ShiftMinutes) * time.Minute
				if err := validateTimes(b.StartAt.Add(d), b.EndAt.Add(d), b.AllDay); err != nil {
					return domain.InvalidField("shiftMinutes", fmt.Errorf("booking %d: %s", b.ID, strings.TrimPrefix(err.Error(), "startAt: ")))
				}
				u.SetStartAt(b.StartAt.Add(d)).SetEndAt(b.EndAt.Add(d))
				if len(b.RecurrenceExceptions) > 0 {
					// Removed occurrences move with the series.
					ex := make([]time.Time, len(b.RecurrenceExceptions))
					for i, x := range b.RecurrenceExceptions {
						ex[i] = x.Add(d)
					}
					u.SetRecurrenceExceptions(ex)
				}
				if len(b.MovedOccurrences) > 0 {
					// So do moved ones, where they were moved to included.
					mv := make([]domain.MovedOccurrence, len(b.MovedOccurrences))
					for i, m := range b.MovedOccurrences {
						mv[i] = domain.MovedOccurrence{OriginalStart: m.OriginalStart.Add(d), StartAt: m.StartAt.Add(d), EndAt: m.EndAt.Add(d)}
					}
					u.SetMovedOccurrences(mv)
				}
			}
			nb, err := u.Save(actx)
			if err != nil {
				return err
			}
			before := make([]int, 0, len(b.Edges.Hosts))
			for _, h := range b.Edges.Hosts {
				before = append(before, h.ID)
			}
			after := before
			if m.HostIDs != nil || len(m.AddHostIDs) > 0 || len(m.RemoveHostIDs) > 0 {
				if after, err = nb.QueryHosts().IDs(ctx); err != nil {
					return err
				}
				if gone := removed(before, after); len(gone) > 0 {
					st, err := statusOf(ctx, db, nb)
					if err != nil {
						return err
					}
					if err := releaseEvents(ctx, db, nb, st, gone); err != nil {
						return err
					}
				}
			}
			out = append(out, nb)
			changes = append(changes, Change{BookingID: nb.ID, Kind: kind, HostIDs: uniq(append(before, after...)), At: s.now()})
		}
		if len(bs) > 0 {
			return s.afterCommit(ctx, bs[0].OrganizationID, changes)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
