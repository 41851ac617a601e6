package graph_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"calsync/ent/bookingstatus"
	"calsync/ent/organization"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestCancelCreatesCancellationStatusAsTheUser: cancelling a booking in an
// organization with no cancellation status creates the default one (or
// chooses the status named "Cancelled") as the user cancelling — allowed
// for schedulers by precise rules, as for admins — and never for a
// fieldworker, who may not cancel.
func TestCancelCreatesCancellationStatusAsTheUser(t *testing.T) {
	const qCancel = `mutation($id:ID!){cancelBooking(id:$id){id cancelledAt statusID}}`
	const qCreateStatus = `mutation($in:CreateBookingStatusInput!){createBookingStatus(input:$in){id}}`
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			db := env.App.Client()
			for i, c := range []struct {
				as      string
				keepOne bool     // an unchosen status named "Cancelled" is left
				want    []string // error codes; nil: cancelled
			}{
				{as: "admin"},
				{as: "scheduler"},
				{as: "scheduler", keepOne: true},
				{as: "fieldworker", want: []string{"FORBIDDEN", "NOT_FOUND"}},
			} {
				t.Run(c.as+"/"+strconv.FormatBool(c.keepOne), func(t *testing.T) {
					org := env.SeedOrg(t, "cs"+strconv.Itoa(i))
					sys := viewer.SystemContext(context.Background(), org.ID)
					if err := db.Organization.UpdateOneID(org.ID).ClearCancellationStatusID().Exec(sys); err != nil {
						t.Fatal(err)
					}
					if !c.keepOne {
						if err := db.BookingStatus.DeleteOneID(org.Cancelled.ID).Exec(sys); err != nil {
							t.Fatal(err)
						}
					}
					email := map[string]string{"admin": org.Admin.Email, "scheduler": org.Scheduler.Email, "fieldworker": org.Fieldworker.Email}[c.as]
					cl := env.SignIn(t, email, testenv.Password)
					if c.as == "scheduler" {
						// The rule is for the default status only: any other
						// stays with admins.
						r := cl.Do(t, qCreateStatus, map[string]any{"in": map[string]any{"name": "Postponed"}})
						if len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
							t.Fatalf("scheduler created a status: %+v", r)
						}
					}
					r := cl.Do(t, qCancel, map[string]any{"id": strconv.Itoa(org.Booking.ID)})
					chosen, err := db.Organization.Query().Where(organization.ID(org.ID)).QueryCancellationStatus().All(sys)
					if err != nil {
						t.Fatal(err)
					}
					if c.want != nil {
						if len(r.Errors) == 0 || !slices.Contains(c.want, r.Errors[0].Code()) {
							t.Fatalf("got %+v, want one of %v", r, c.want)
						}
						if len(chosen) != 0 {
							t.Fatalf("a refused cancel chose status %v", chosen)
						}
						return
					}
					if len(r.Errors) > 0 {
						t.Fatalf("cancel: %+v", r.Errors)
					}
					if len(chosen) != 1 || chosen[0].Name != "Cancelled" || !chosen[0].DeleteFromCalendar {
						t.Fatalf("chosen cancellation status %v", chosen)
					}
					if c.keepOne && chosen[0].ID != org.Cancelled.ID {
						t.Fatalf("chose a new status %d, not the existing %d", chosen[0].ID, org.Cancelled.ID)
					}
					if n, err := db.BookingStatus.Query().Where(bookingstatus.Name("Cancelled")).Count(sys); err != nil || n != 1 {
						t.Fatalf("%d statuses named Cancelled (%v)", n, err)
					}
					b, err := db.Booking.Get(sys, org.Booking.ID)
					if err != nil || b.CancelledAt == nil || b.StatusID == nil || *b.StatusID != chosen[0].ID {
						t.Fatalf("booking %+v (%v)", b, err)
					}
				})
			}
		})
	}
}
