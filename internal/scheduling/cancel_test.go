package scheduling_test

import (
	"context"
	"strconv"
	"testing"

	"calsync/ent/bookingstatus"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestCancellationStatusDefault: an organization that never chose a
// cancellation status uses its status named "Cancelled", or gets one
// (removing events) on its first cancellation; a scheduler can cancel
// either way, and only admins choose another status.
func TestCancellationStatusDefault(t *testing.T) {
	for _, db := range testenv.Backends() {
		t.Run(string(db), func(t *testing.T) {
			env := testenv.New(t, db)
			org := env.SeedOrg(t, "cst")
			sys := viewer.SystemContext(context.Background(), org.ID)
			client := env.App.Client()
			// Forget the seeded choice and the status itself.
			client.Organization.UpdateOneID(org.ID).ClearCancellationStatusID().ExecX(sys)
			client.BookingStatus.DeleteOneID(org.Cancelled.ID).ExecX(sys)

			scheduler := env.SignIn(t, org.Scheduler.Email, testenv.Password)
			cancel := func(id int) string {
				t.Helper()
				var out struct {
					CancelBooking struct {
						CancelledAt *string
						Status      struct{ ID, Name string }
					}
				}
				scheduler.MustDo(t, `mutation($id:ID!){cancelBooking(id:$id){cancelledAt status{id name}}}`, map[string]any{"id": strconv.Itoa(id)}, &out)
				if out.CancelBooking.CancelledAt == nil || out.CancelBooking.Status.Name != "Cancelled" {
					t.Fatalf("cancelled booking: %+v", out.CancelBooking)
				}
				return out.CancelBooking.Status.ID
			}
			created := cancel(org.Booking.ID)
			st, err := client.BookingStatus.Query().Where(bookingstatus.Name("Cancelled")).Only(sys)
			if err != nil || strconv.Itoa(st.ID) != created || !st.DeleteFromCalendar || !st.PushToCalendar {
				t.Fatalf("created cancellation status: %+v (%v)", st, err)
			}
			if o := client.Organization.GetX(sys, org.ID); o.CancellationStatusID == nil || *o.CancellationStatusID != st.ID {
				t.Fatalf("the created status is not the organization's choice: %v", o.CancellationStatusID)
			}

			// Unchosen but present: the status named "Cancelled" is used.
			client.Organization.UpdateOneID(org.ID).ClearCancellationStatusID().ExecX(sys)
			second := client.Booking.Create().SetTitle("Second").SetStartAt(org.Booking.StartAt).SetEndAt(org.Booking.EndAt).
				AddHostIDs(org.Fieldworker.ID).SaveX(sys)
			if got := cancel(second.ID); got != created {
				t.Fatalf("cancelling used status %s, not the existing %s", got, created)
			}
			if n := client.BookingStatus.Query().Where(bookingstatus.Name("Cancelled")).CountX(sys); n != 1 {
				t.Fatalf("%d statuses named Cancelled", n)
			}

			// Choosing another status is for admins, and only their own.
			r := scheduler.Do(t, `mutation($s:ID!){setCancellationStatus(statusId:$s){id}}`, map[string]any{"s": strconv.Itoa(org.Status.ID)})
			if len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
				t.Fatalf("scheduler chose the cancellation status: %+v", r.Errors)
			}
			other := env.SeedOrg(t, "cst2")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			r = admin.Do(t, `mutation($s:ID!){setCancellationStatus(statusId:$s){id}}`, map[string]any{"s": strconv.Itoa(other.Status.ID)})
			if len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
				t.Fatalf("another organization's status was accepted: %+v", r.Errors)
			}
		})
	}
}
