package scheduling

import (
	"context"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/bookingtype"
	"calsync/ent/predicate"
	"calsync/ent/user"
)

// CreateBookingType adds a booking type. At most one type is "personal" and
// at most one is "default": marking a new one unmarks the old.
func (s *Service) CreateBookingType(ctx context.Context, in ent.CreateBookingTypeInput) (*ent.BookingType, error) {
	var out *ent.BookingType
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		if err := unmarkOthers(ctx, db, 0, in.Personal, in.Default); err != nil {
			return err
		}
		var err error
		out, err = db.BookingType.Create().SetInput(in).Save(ctx)
		return err
	})
	return out, err
}

// UpdateBookingType changes a booking type.
func (s *Service) UpdateBookingType(ctx context.Context, id int, in ent.UpdateBookingTypeInput) (*ent.BookingType, error) {
	var out *ent.BookingType
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		if _, err := db.BookingType.Get(ctx, id); err != nil {
			return notFoundOr(err, "booking type", id)
		}
		if err := unmarkOthers(ctx, db, id, in.Personal, in.Default); err != nil {
			return err
		}
		var err error
		if out, err = db.BookingType.UpdateOneID(id).SetInput(in).Save(ctx); err != nil {
			return err
		}
		if in.SyncToCalendar == nil {
			return nil
		}
		// Whether its bookings sync changed: their calendars re-sync now.
		return s.announce(ctx, db, out.OrganizationID, booking.TypeID(id))
	})
	return out, err
}

func unmarkOthers(ctx context.Context, db *ent.Client, id int, personal, def *bool) error {
	if personal != nil && *personal {
		if err := db.BookingType.Update().Where(bookingtype.Personal(true), bookingtype.IDNEQ(id)).SetPersonal(false).Exec(ctx); err != nil {
			return err
		}
	}
	if def != nil && *def {
		if err := db.BookingType.Update().Where(bookingtype.Default(true), bookingtype.IDNEQ(id)).SetDefault(false).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// UpdateBookingStatus changes a status; when what it means for calendars
// changes, every booking in it is announced (its calendars re-sync now,
// not at the next reconcile pass).
func (s *Service) UpdateBookingStatus(ctx context.Context, id int, in ent.UpdateBookingStatusInput) (*ent.BookingStatus, error) {
	var out *ent.BookingStatus
	err := s.inTx(ctx, func(ctx context.Context, db *ent.Client) error {
		var err error
		if out, err = db.BookingStatus.UpdateOneID(id).SetInput(in).Save(ctx); err != nil {
			return notFoundOr(err, "booking status", id)
		}
		if in.PushToCalendar == nil && in.DeleteFromCalendar == nil && in.Name == nil {
			return nil
		}
		return s.announce(ctx, db, out.OrganizationID, booking.StatusID(id))
	})
	return out, err
}

// announce reports every booking matching p as updated, after commit.
func (s *Service) announce(ctx context.Context, db *ent.Client, orgID int, p predicate.Booking) error {
	bs, err := db.Booking.Query().Where(p).WithHosts(func(q *ent.UserQuery) { q.Select(user.FieldID) }).All(ctx)
	if err != nil {
		return err
	}
	changes := make([]Change, 0, len(bs))
	for _, b := range bs {
		hosts := make([]int, 0, len(b.Edges.Hosts))
		for _, h := range b.Edges.Hosts {
			hosts = append(hosts, h.ID)
		}
		changes = append(changes, Change{BookingID: b.ID, Kind: Updated, HostIDs: hosts, At: s.now()})
	}
	return s.afterCommit(ctx, orgID, changes)
}
