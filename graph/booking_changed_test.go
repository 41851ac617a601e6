package graph_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"calsync/internal/testenv"
)

// TestBookingChangedFollowsBookingPolicy: an unfiltered bookingChanged
// subscription tells each role what the Booking policy lets it see —
// admins and schedulers every booking, a fieldworker only the bookings
// they host, their deletion included (no row is left to read then: the
// hosts it had decide, by the same rule).
func TestBookingChangedFollowsBookingPolicy(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "bc")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			subs := map[string]func(time.Duration) map[string]any{}
			for name, email := range map[string]string{"admin": org.Admin.Email, "scheduler": org.Scheduler.Email, "fieldworker": org.Fieldworker.Email} {
				c := admin
				if name != "admin" {
					c = env.SignIn(t, email, testenv.Password)
				}
				subs[name] = env.Subscribe(t, c, `subscription{bookingChanged{kind bookingId booking{title}}}`, nil)
			}
			book := func(title string, host int) string {
				var out struct{ CreateBooking struct{ ID string } }
				admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
					"title": title, "startAt": "2030-04-01T10:00:00Z", "endAt": "2030-04-01T11:00:00Z", "hostIDs": []string{strconv.Itoa(host)},
				}}, &out)
				admin.MustDo(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": out.CreateBooking.ID}, nil)
				return out.CreateBooking.ID
			}
			theirs := book("theirs", org.Fieldworker2.ID)
			mine := book("mine", org.Fieldworker.ID)

			type ev struct{ kind, id, title string }
			all := []ev{{"CREATED", theirs, "theirs"}, {"DELETED", theirs, ""}, {"CREATED", mine, "mine"}, {"DELETED", mine, ""}}
			for name, want := range map[string][]ev{"admin": all, "scheduler": all, "fieldworker": all[2:]} {
				for _, w := range want {
					m := subs[name](5 * time.Second)
					var got struct {
						Payload struct {
							Data struct {
								BookingChanged struct {
									Kind, BookingID string
									Booking         *struct{ Title string }
								}
							}
						}
					}
					raw, _ := json.Marshal(m)
					if err := json.Unmarshal(raw, &got); err != nil || m["type"] != "next" {
						t.Fatalf("%s: got %s, want %+v", name, raw, w)
					}
					bc := got.Payload.Data.BookingChanged
					// A created booking may be gone by the time the event is
					// read (it is deleted right after): then it comes
					// without the booking.
					if bc.Kind != w.kind || bc.BookingID != w.id || (bc.Booking != nil && bc.Booking.Title != w.title) {
						t.Fatalf("%s: got %s, want %+v", name, raw, w)
					}
				}
			}
		})
	}
}
