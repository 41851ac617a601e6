package store_test

import (
	"errors"
	"testing"
	"time"

	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// TestTimesOutsideYears1To9999Refused: a time whose UTC year is outside 1
// to 9999 — also one inside the range as written, with an offset — is
// refused by every kind of write with BAD_USER_INPUT naming the field
// (GraphQL's name), JSON time lists included, and nothing is stored. The
// range's ends are stored and read back.
func TestTimesOutsideYears1To9999Refused(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			sdb, _ := openStore(t, backend)
			db := sdb.Client
			ctx := newOrg(t, db)
			ok1, ok2 := at(t, "2030-01-01T10:00:00Z"), at(t, "2030-01-01T11:00:00Z")
			refuse := func(t *testing.T, what, field string, err error) {
				t.Helper()
				var de *domain.Error
				if !errors.As(err, &de) || de.Code != domain.CodeBadUserInput || de.Field != field {
					t.Fatalf("%s: want BAD_USER_INPUT on %s, got %v", what, field, err)
				}
				if want := field + ": must be between the years 1 and 9999 (in UTC)"; de.Message != want {
					t.Fatalf("%s: message %q, want %q", what, de.Message, want)
				}
			}

			for _, c := range []struct {
				name, field, start, end string
				exceptions              []string
			}{
				{"past 9999 in UTC only", "startAt", "9999-12-31T23:30:00-01:00", "9999-12-31T23:45:00-01:00", nil},
				{"before year 1 in UTC only", "startAt", "0001-01-01T00:00:00+00:30", "0001-01-01T01:00:00Z", nil},
				{"before year 1 with an offset", "startAt", "0000-01-01T00:00:00+00:30", "0000-01-01T01:00:00+00:30", nil},
				{"year 0", "startAt", "0000-01-01T00:00:00Z", "0000-01-01T01:00:00Z", nil},
				{"end past 9999", "endAt", "9999-12-31T22:00:00Z", "9999-12-31T23:30:00-01:00", nil},
				{"an exception in year 0", "recurrenceExceptions", "2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z",
					[]string{"2030-01-08T10:00:00Z", "0000-01-01T00:00:00Z"}},
			} {
				create := db.Booking.Create().SetTitle(c.name).SetStartAt(at(t, c.start)).SetEndAt(at(t, c.end))
				if c.exceptions != nil {
					var ex []time.Time
					for _, s := range c.exceptions {
						ex = append(ex, at(t, s))
					}
					create.SetRecurrenceExceptions(ex)
				}
				_, err := create.Save(ctx)
				refuse(t, "create "+c.name, c.field, err)
			}
			_, err := db.Booking.CreateBulk(
				db.Booking.Create().SetTitle("bulk fine").SetStartAt(ok1).SetEndAt(ok2),
				db.Booking.Create().SetTitle("bulk bad").SetStartAt(ok1).SetEndAt(at(t, "9999-12-31T23:30:00-01:00")),
			).Save(ctx)
			refuse(t, "bulk create", "endAt", err)
			if n := db.Booking.Query().CountX(ctx); n != 0 {
				t.Fatalf("%d bookings stored by refused creates", n)
			}

			// The ends of the range are fine, written with offsets too.
			b, err := db.Booking.Create().SetTitle("edges").
				SetStartAt(at(t, "0001-01-01T00:30:00+00:30")).SetEndAt(at(t, "9999-12-31T22:59:59-01:00")).
				SetRecurrenceExceptions([]time.Time{at(t, "0001-01-01T00:00:00Z")}).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			read, err := db.Booking.Get(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !read.StartAt.Equal(at(t, "0001-01-01T00:00:00Z")) || !read.EndAt.Equal(at(t, "9999-12-31T23:59:59Z")) {
				t.Fatalf("edges read back as %v – %v", read.StartAt, read.EndAt)
			}

			// Updates: one, many, a nillable time, a JSON list.
			_, err = db.Booking.UpdateOne(read).SetStartAt(at(t, "0000-12-31T23:00:00Z")).Save(ctx)
			refuse(t, "update one", "startAt", err)
			err = db.Booking.Update().SetEndAt(at(t, "9999-12-31T23:30:00-01:00")).Exec(ctx)
			refuse(t, "update many", "endAt", err)
			_, err = db.Booking.UpdateOne(read).SetCancelledAt(at(t, "0000-06-01T00:00:00Z")).Save(ctx)
			refuse(t, "update nillable", "cancelledAt", err)
			_, err = db.Booking.UpdateOne(read).SetRecurrenceExceptions([]time.Time{at(t, "9999-12-31T23:30:00-01:00")}).Save(ctx)
			refuse(t, "update JSON list", "recurrenceExceptions", err)
			after, err := db.Booking.Get(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !after.StartAt.Equal(read.StartAt) || !after.EndAt.Equal(read.EndAt) || after.CancelledAt != nil ||
				len(after.RecurrenceExceptions) != 1 || !after.RecurrenceExceptions[0].Equal(read.RecurrenceExceptions[0]) {
				t.Fatalf("refused updates changed the booking: %+v", after)
			}
			// Any entity's times: the hook knows no entity.
			v, _ := viewer.FromContext(ctx)
			err = db.Organization.UpdateOneID(v.OrgID).SetUpdatedAt(at(t, "0000-01-01T00:00:00Z")).Exec(ctx)
			refuse(t, "organization", "updatedAt", err)
		})
	}
}
