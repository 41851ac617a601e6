package engine_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/calendaraccount"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestRenderedFieldsChangeEvents: renaming the fieldworker, the booking's
// creator or the organization reaches the calendar at once (not at the 10-minute reconcile pass).
// Status and type edits are covered by TestStatusAndTypeEditsReachCalendars.
func TestRenderedFieldsChangeEvents(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "ren")
			f.waitTitles(t, "initial sync", "Visit ren")
			f.createBooking(t, "Admin's visit", time.Date(2030, 2, 4, 9, 0, 0, 0, time.UTC), f.org.Fieldworker.ID)
			f.waitTitles(t, "second booking", "Admin's visit", "Visit ren")

			shows := func(what, title, text string) {
				t.Helper()
				f.waitFor(t, what, func(evs []calEvent) bool {
					for _, e := range evs {
						if e.Title == title && strings.Contains(e.Description, text) {
							return true
						}
					}
					return false
				})
			}
			f.mutate(t, `mutation($id:ID!){updateUser(id:$id,input:{name:"Fiona Renamed"}){id}}`, map[string]any{"id": strconv.Itoa(f.org.Fieldworker.ID)})
			shows("fieldworker renamed", "Visit ren", "Fieldworker: Fiona Renamed")
			f.mutate(t, `mutation($id:ID!){updateUser(id:$id,input:{name:"Ada Admin"}){id}}`, map[string]any{"id": strconv.Itoa(f.org.Admin.ID)})
			shows("creator renamed", "Admin's visit", "Created by: Ada Admin")
			f.mutate(t, `mutation{updateOrganization(input:{name:"Renamed Oy"}){id}}`, nil)
			shows("organization renamed", "Visit ren", "Managed by Calsync (Renamed Oy)")
		})
	}
}

// TestAccountInErrorGetsChangesAtOnce: an account whose last sync failed
// still syncs on every change (one predicate decides which accounts sync),
// and a sync that succeeds clears the error.
func TestAccountInErrorGetsChangesAtOnce(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "err")
			f.waitTitles(t, "initial sync", "Visit err")
			sys := viewer.SystemContext(context.Background(), f.org.ID)
			db := f.env.App.Client()
			db.CalendarAccount.UpdateOneID(f.account.ID).SetStatus(calendaraccount.StatusERROR).SetLastError("temporary").ExecX(sys)
			f.createBooking(t, "After the error", time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC), f.org.Fieldworker.ID)
			f.waitTitles(t, "change while in ERROR", "After the error", "Visit err")
			deadline := time.Now().Add(10 * time.Second)
			for db.CalendarAccount.GetX(sys, f.account.ID).Status != calendaraccount.StatusACTIVE {
				if time.Now().After(deadline) {
					t.Fatal("the account stayed in ERROR after a successful sync")
				}
				time.Sleep(25 * time.Millisecond)
			}
		})
	}
}
