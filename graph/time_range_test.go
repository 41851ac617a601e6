package graph_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/booking"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestBookingTimesOutsideYears1To9999: times whose UTC year falls outside
// 1–9999 — even when the written year is inside it — are answered
// BAD_USER_INPUT naming the input field, and nothing is stored. Before,
// they were accepted and every later answer carrying the booking failed
// with INTERNAL (PostgreSQL: "year outside of range" encoding JSON;
// SQLite: a row that could no longer be read). A booking at the very end
// of year 9999 is fine, but shifting it past the end is refused too.
func TestBookingTimesOutsideYears1To9999(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "years")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := strconv.Itoa(org.Fieldworker.ID)
			sys := viewer.AllTenantsContext(context.Background())
			count := func() int { return env.App.Client().Booking.Query().CountX(sys) }
			refused := func(t *testing.T, what string, r testenv.Response, field string) {
				t.Helper()
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != field ||
					!strings.Contains(r.Errors[0].Message, "between the years 1 and 9999") {
					t.Fatalf("%s: want BAD_USER_INPUT on %s, got %d %+v", what, field, r.Status, r.Errors)
				}
			}
			const qCreate = `mutation($in:CreateBookingInput!){createBooking(input:$in){id startAt endAt recurrenceExceptions}}`
			const qUpdate = `mutation($id:ID!,$in:UpdateBookingInput!){updateBooking(id:$id,input:$in){id startAt endAt}}`

			before := count()
			for _, c := range []struct {
				name, field string
				in          map[string]any
			}{
				{"start past 9999 in UTC", "startAt", map[string]any{"startAt": "9999-12-31T23:30:00-01:00", "endAt": "9999-12-31T23:45:00-01:00"}},
				{"start before year 1 in UTC only", "startAt", map[string]any{"startAt": "0001-01-01T00:00:00+00:30", "endAt": "0001-01-01T01:00:00Z"}},
				{"start before year 1 with an offset", "startAt", map[string]any{"startAt": "0000-01-01T00:00:00+00:30", "endAt": "0000-01-01T01:00:00+00:30"}},
				{"year 0", "startAt", map[string]any{"startAt": "0000-01-01T00:00:00Z", "endAt": "0000-01-01T01:00:00Z"}},
				{"end past 9999 in UTC", "endAt", map[string]any{"startAt": "9999-12-31T22:00:00Z", "endAt": "9999-12-31T23:30:00-01:00"}},
				{"an exception before year 1", "recurrenceExceptions", map[string]any{
					"startAt": "2030-02-04T09:00:00Z", "endAt": "2030-02-04T10:00:00Z", "recurrence": "FREQ=WEEKLY",
					"recurrenceExceptions": []string{"0000-01-01T00:00:00+00:30"}}},
			} {
				c.in["title"], c.in["hostIDs"] = c.name, []string{fw}
				refused(t, "createBooking, "+c.name, admin.Do(t, qCreate, map[string]any{"in": c.in}), c.field)
			}
			if n := count(); n != before {
				t.Fatalf("refused creates stored %d bookings", n-before)
			}

			// Updates of the seeded booking: refused, and it is as it was.
			id := strconv.Itoa(org.Booking.ID)
			refused(t, "updateBooking start", admin.Do(t, qUpdate, map[string]any{"id": id, "in": map[string]any{
				"startAt": "9999-12-31T23:30:00-01:00", "endAt": "9999-12-31T23:50:00-01:00"}}), "startAt")
			refused(t, "updateBooking exceptions", admin.Do(t, qUpdate, map[string]any{"id": id, "in": map[string]any{
				"recurrence": "FREQ=DAILY", "appendRecurrenceExceptions": []string{"2030-01-08T09:00:00Z", "0000-01-01T00:00:00Z"}}}), "recurrenceExceptions")
			refused(t, "rescheduleBooking", admin.Do(t, `mutation($id:ID!){rescheduleBooking(id:$id,startAt:"0000-06-01T09:00:00Z",endAt:"0000-06-01T10:00:00Z"){id}}`,
				map[string]any{"id": id}), "startAt")
			stored := env.App.Client().Booking.GetX(sys, org.Booking.ID)
			if !stored.StartAt.Equal(org.Booking.StartAt) || !stored.EndAt.Equal(org.Booking.EndAt) || stored.Recurrence != "" || len(stored.RecurrenceExceptions) != 0 {
				t.Fatalf("refused updates changed the booking: %v – %v %q %v", stored.StartAt, stored.EndAt, stored.Recurrence, stored.RecurrenceExceptions)
			}

			// The last hours of year 9999 are bookable and answered...
			var late struct {
				CreateBooking struct{ ID, StartAt, EndAt string }
			}
			admin.MustDo(t, qCreate, map[string]any{"in": map[string]any{"title": "Last evening", "hostIDs": []string{fw},
				"startAt": "9999-12-31T19:00:00-01:00", "endAt": "9999-12-31T21:00:00-01:00"}}, &late)
			if late.CreateBooking.StartAt != "9999-12-31T20:00:00Z" || late.CreateBooking.EndAt != "9999-12-31T22:00:00Z" {
				t.Fatalf("late booking answered as %+v", late.CreateBooking)
			}
			if got := findBooking(listBookings(t, admin, "9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"), late.CreateBooking.ID); got == nil {
				t.Fatal("the late booking is not listed")
			}
			// ...but shifting it (with the seeded one) two hours on is
			// refused, and neither moves.
			r := admin.Do(t, `mutation($ids:[ID!]!){massModifyBookings(input:{ids:$ids,shiftMinutes:120}){count}}`,
				map[string]any{"ids": []string{id, late.CreateBooking.ID}})
			refused(t, "massModifyBookings", r, "endAt")
			lateID, _ := strconv.Atoi(late.CreateBooking.ID)
			for _, b := range env.App.Client().Booking.Query().Where(booking.IDIn(org.Booking.ID, lateID)).AllX(sys) {
				want := org.Booking.StartAt
				if b.ID == lateID {
					want = time.Date(9999, 12, 31, 20, 0, 0, 0, time.UTC)
				}
				if !b.StartAt.Equal(want) {
					t.Fatalf("booking %d moved to %v by a refused shift", b.ID, b.StartAt)
				}
			}
			listBookings(t, admin, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z")
		})
	}
}
