package graph_test

import (
	"context"
	"strconv"
	"testing"

	"calsync/internal/testenv"
)

// bookingTimes is a booking's times as the API answers them.
type bookingTimes struct {
	ID, Title, StartAt, EndAt string
	CancelledAt               *string
}

const bookingTimesFields = `id title startAt endAt cancelledAt`

// listBookings answers bookings(from:, to:) as c sees them, failing the
// test on any error (a row the driver cannot read answers INTERNAL).
func listBookings(t *testing.T, c *testenv.Client, from, to string) []bookingTimes {
	t.Helper()
	var out struct {
		Bookings struct {
			TotalCount int
			Edges      []struct{ Node bookingTimes }
		}
	}
	c.MustDo(t, `query($from:Time!,$to:Time!){bookings(from:$from,to:$to,first:100){totalCount edges{node{`+bookingTimesFields+`}}}}`,
		map[string]any{"from": from, "to": to}, &out)
	list := make([]bookingTimes, 0, len(out.Bookings.Edges))
	for _, e := range out.Bookings.Edges {
		list = append(list, e.Node)
	}
	if out.Bookings.TotalCount != len(list) {
		t.Fatalf("totalCount %d, but %d bookings listed", out.Bookings.TotalCount, len(list))
	}
	return list
}

func findBooking(list []bookingTimes, id string) *bookingTimes {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// TestBookingWithOffsetTimes: a booking created with offset times is
// stored as the same instants and answered in UTC, its day lists for
// admin and host alike, and it can be read, updated, cancelled and
// deleted. Before times were normalized, SQLite kept "2026-07-01 10:00:00
// +0200 +0200" and every list covering the day answered INTERNAL.
func TestBookingWithOffsetTimes(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "offset")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			host := env.SignIn(t, org.Fieldworker.Email, testenv.Password)

			var created struct{ CreateBooking bookingTimes }
			admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){`+bookingTimesFields+`}}`, map[string]any{"in": map[string]any{
				"title": "Offset visit", "startAt": "2026-07-01T10:00:00+02:00", "endAt": "2026-07-01T06:30:00-05:00",
				"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)},
			}}, &created)
			b := created.CreateBooking
			if b.StartAt != "2026-07-01T08:00:00Z" || b.EndAt != "2026-07-01T11:30:00Z" {
				t.Fatalf("created %+v, want 08:00Z–11:30Z", b)
			}

			for name, c := range map[string]*testenv.Client{"admin": admin, "host": host} {
				got := findBooking(listBookings(t, c, "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z"), b.ID)
				if got == nil || got.StartAt != "2026-07-01T08:00:00Z" || got.EndAt != "2026-07-01T11:30:00Z" {
					t.Fatalf("%s: booking in the day's list = %+v", name, got)
				}
			}
			var node struct{ Node bookingTimes }
			host.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{`+bookingTimesFields+`}}}`, map[string]any{"id": b.ID}, &node)
			if node.Node.StartAt != "2026-07-01T08:00:00Z" || node.Node.EndAt != "2026-07-01T11:30:00Z" {
				t.Fatalf("node = %+v", node.Node)
			}

			var updated struct{ UpdateBooking bookingTimes }
			admin.MustDo(t, `mutation($id:ID!,$in:UpdateBookingInput!){updateBooking(id:$id,input:$in){`+bookingTimesFields+`}}`, map[string]any{
				"id": b.ID, "in": map[string]any{"startAt": "2026-07-01T14:15:00+05:45", "endAt": "2026-07-01T00:30:00-09:30"},
			}, &updated)
			if updated.UpdateBooking.StartAt != "2026-07-01T08:30:00Z" || updated.UpdateBooking.EndAt != "2026-07-01T10:00:00Z" {
				t.Fatalf("updated %+v, want 08:30Z–10:00Z", updated.UpdateBooking)
			}
			var rescheduled struct{ RescheduleBooking bookingTimes }
			admin.MustDo(t, `mutation($id:ID!){rescheduleBooking(id:$id,startAt:"2026-07-01T12:00:00+03:00",endAt:"2026-07-01T13:00:00+03:00"){`+bookingTimesFields+`}}`,
				map[string]any{"id": b.ID}, &rescheduled)
			if rescheduled.RescheduleBooking.StartAt != "2026-07-01T09:00:00Z" || rescheduled.RescheduleBooking.EndAt != "2026-07-01T10:00:00Z" {
				t.Fatalf("rescheduled %+v, want 09:00Z–10:00Z", rescheduled.RescheduleBooking)
			}
			if got := findBooking(listBookings(t, host, "2026-07-01T11:30:00+02:00", "2026-07-01T11:00:00+01:00"), b.ID); got == nil || got.StartAt != "2026-07-01T09:00:00Z" {
				t.Fatalf("rescheduled booking not in 09:30Z–10:00Z written with offsets: %+v", got)
			}

			var cancelled struct{ CancelBooking bookingTimes }
			admin.MustDo(t, `mutation($id:ID!){cancelBooking(id:$id,reason:"offsets"){`+bookingTimesFields+`}}`, map[string]any{"id": b.ID}, &cancelled)
			if cancelled.CancelBooking.CancelledAt == nil {
				t.Fatal("cancelBooking left cancelledAt empty")
			}
			var withCancelled struct {
				Bookings struct{ Edges []struct{ Node bookingTimes } }
			}
			admin.MustDo(t, `{bookings(from:"2026-07-01T00:00:00+14:00",to:"2026-07-02T00:00:00-12:00",includeCancelled:true,first:100){edges{node{`+bookingTimesFields+`}}}}`, nil, &withCancelled)
			if len(withCancelled.Bookings.Edges) != 1 || withCancelled.Bookings.Edges[0].Node.CancelledAt == nil {
				t.Fatalf("cancelled booking listed as %+v", withCancelled.Bookings.Edges)
			}

			admin.MustDo(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": b.ID}, nil)
			if got := findBooking(listBookings(t, admin, "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z"), b.ID); got != nil {
				t.Fatalf("deleted booking still listed: %+v", got)
			}
		})
	}
}

// TestBookingsRangeWithOffsets: bookings(from:, to:) given offset times
// finds exactly the bookings overlapping that instant range, however the
// bookings' own times were written.
func TestBookingsRangeWithOffsets(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "range")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			for _, b := range []struct{ title, start, end string }{
				{"ends at from", "2026-07-01T08:30:00+01:30", "2026-07-01T10:00:00+02:00"},  // 07:00Z–08:00Z
				{"overlaps from", "2026-07-01T03:30:00-04:00", "2026-07-01T04:30:00-04:00"}, // 07:30Z–08:30Z
				{"inside", "2026-07-01T19:00:00+09:00", "2026-07-01T19:30:00+09:00"},        // 10:00Z–10:30Z
				{"overlaps to", "2026-07-01T11:30:00Z", "2026-07-01T12:30:00Z"},             // 11:30Z–12:30Z
				{"starts at to", "2026-07-01T07:00:00-05:00", "2026-07-01T08:00:00-05:00"},  // 12:00Z–13:00Z
				{"next day", "2026-07-02T01:00:00+02:00", "2026-07-02T02:00:00+02:00"},      // 23:00Z–00:00Z
			} {
				admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
					"title": b.title, "startAt": b.start, "endAt": b.end, "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)},
				}}, nil)
			}
			cases := []struct {
				from, to string
				want     []string
			}{
				// [08:00Z, 12:00Z) written with two different offsets.
				{"2026-07-01T10:00:00+02:00", "2026-07-01T07:00:00-05:00", []string{"overlaps from", "inside", "overlaps to"}},
				// The same range in UTC.
				{"2026-07-01T08:00:00Z", "2026-07-01T12:00:00Z", []string{"overlaps from", "inside", "overlaps to"}},
				// [10:15Z, 23:00Z): the offset moves "to" before "next day".
				{"2026-07-01T11:45:00+01:30", "2026-07-02T01:00:00+02:00", []string{"inside", "overlaps to", "starts at to"}},
				// [07:59Z, 07:59:30Z) written far east and far west.
				{"2026-07-01T21:59:00+14:00", "2026-06-30T21:59:30-10:00", []string{"ends at from", "overlaps from"}},
			}
			for _, c := range cases {
				list := listBookings(t, admin, c.from, c.to)
				var got []string
				for _, b := range list {
					got = append(got, b.Title)
				}
				if len(got) != len(c.want) {
					t.Errorf("[%s, %s): got %q, want %q", c.from, c.to, got, c.want)
					continue
				}
				for i := range got {
					if got[i] != c.want[i] {
						t.Errorf("[%s, %s): got %q, want %q", c.from, c.to, got, c.want)
						break
					}
				}
			}
		})
	}
}

// TestMigrateRepairsOffsetRows: a row stored the broken way (the text the
// old code wrote for an offset time) answers INTERNAL until the migration
// runs, then reads through the API as the right UTC instants.
func TestMigrateRepairsOffsetRows(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "repair")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	host := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	if _, err := env.App.DB.SQL.Exec(`UPDATE bookings SET start_at = '2030-01-07 11:00:00 +0200 +0200', end_at = '2030-01-07 05:00:00 -0500 -0500' WHERE id = ?`, org.Booking.ID); err != nil {
		t.Fatal(err)
	}
	list := `{bookings(from:"2030-01-01T00:00:00Z",to:"2030-02-01T00:00:00Z",first:10){edges{node{` + bookingTimesFields + `}}}}`
	if r := admin.Do(t, list, nil); len(r.Errors) == 0 || r.Errors[0].Code() != "INTERNAL" {
		t.Fatalf("the broken row lists without error before the repair (%+v): the test does not reproduce the bug", r.Errors)
	}
	// As a database an earlier release wrote (the repair runs once).
	if _, err := env.App.DB.SQL.Exec("PRAGMA user_version = 0"); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(org.Booking.ID)
	for name, c := range map[string]*testenv.Client{"admin": admin, "host": host} {
		got := findBooking(listBookings(t, c, "2030-01-07T10:30:00+01:00", "2030-01-07T04:45:00-05:00"), id)
		if got == nil || got.StartAt != "2030-01-07T09:00:00Z" || got.EndAt != "2030-01-07T10:00:00Z" {
			t.Fatalf("%s: repaired booking = %+v, want 09:00Z–10:00Z", name, got)
		}
	}
}
