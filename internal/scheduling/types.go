package scheduling

import (
	"context"

	"calsync/ent"
	"calsync/ent/bookingtype"
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
		out, err = db.BookingType.UpdateOneID(id).SetInput(in).Save(ctx)
		return err
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
