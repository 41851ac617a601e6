package engine_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/ent/syncrun"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// createStatus adds a booking status through the API and returns its id.
func (f *fixture) createStatus(t *testing.T, name string, push, remove bool) string {
	t.Helper()
	var out struct{ CreateBookingStatus struct{ ID string } }
	f.admin.MustDo(t, `mutation($n:String!,$p:Boolean!,$d:Boolean!){createBookingStatus(input:{name:$n,pushToCalendar:$p,deleteFromCalendar:$d}){id}}`,
		map[string]any{"n": name, "p": push, "d": remove}, &out)
	return out.CreateBookingStatus.ID
}

// bookingState is what the API says of a booking's cancellation.
type bookingState struct {
	Status      struct{ Name string }
	CancelledAt *string
}

func (f *fixture) bookingState(t *testing.T, id int) bookingState {
	t.Helper()
	var out struct{ Node bookingState }
	f.admin.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{status{name} cancelledAt}}}`, map[string]any{"id": strconv.Itoa(id)}, &out)
	return out.Node
}

// sys is the system context of the fixture's organization.
func (f *fixture) sys() context.Context { return viewer.SystemContext(context.Background(), f.org.ID) }

// lastRunID is the id of the account's newest sync run (0: none yet).
func (f *fixture) lastRunID(t *testing.T) int {
	t.Helper()
	ids, err := f.env.App.Client().SyncRun.Query().Where(syncrun.AccountID(f.account.ID)).Order(ent.Desc(syncrun.FieldID)).Limit(1).IDs(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// waitRun waits for a run of kind newer than after to succeed.
func (f *fixture) waitRun(t *testing.T, what string, kind syncrun.Kind, after int) *ent.SyncRun {
	t.Helper()
	// Generous: a retry waits its backoff (1 s, 2 s, …) and may be postponed
	// while another run holds the account.
	deadline := time.Now().Add(30 * time.Second)
	for {
		run, err := f.env.App.Client().SyncRun.Query().
			Where(syncrun.AccountID(f.account.ID), syncrun.IDGT(after), syncrun.KindEQ(kind), syncrun.StateEQ(syncrun.StateSUCCEEDED)).
			First(f.sys())
		if err == nil {
			return run
		}
		if !ent.IsNotFound(err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s run succeeded", what, kind)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestCancellingIsOneRule: cancelBooking and setting the organization's
// cancellation status give the same booking and the same calendar — the
// event removed by default, or kept marked "Cancelled:" when the
// cancellation status (chosen per organization) keeps events.
func TestCancellingIsOneRule(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "can")
			seeded := "Visit can"
			f.waitTitles(t, "initial sync", seeded)
			var org struct {
				Organization struct {
					CancellationStatus struct {
						ID                 string
						Name               string
						DeleteFromCalendar bool
					}
				}
			}
			f.admin.MustDo(t, `{organization{cancellationStatus{id name deleteFromCalendar}}}`, nil, &org)
			def := org.Organization.CancellationStatus
			if def.Name != "Cancelled" || !def.DeleteFromCalendar {
				t.Fatalf("default cancellation status: %+v", def)
			}
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
			cancelBoth := func(byMutation, byStatus int, status string) {
				t.Helper()
				f.mutate(t, `mutation($id:ID!){cancelBooking(id:$id,reason:"ill"){id}}`, map[string]any{"id": strconv.Itoa(byMutation)})
				f.mutate(t, `mutation($id:ID!,$s:ID!){updateBooking(id:$id,input:{statusID:$s}){id}}`, map[string]any{"id": strconv.Itoa(byStatus), "s": status})
				a, b := f.bookingState(t, byMutation), f.bookingState(t, byStatus)
				if a.CancelledAt == nil || b.CancelledAt == nil || a.Status.Name != b.Status.Name {
					t.Fatalf("the two ways of cancelling differ: cancelBooking %+v, status %+v", a, b)
				}
			}

			// Default: both ways remove the event.
			b1 := f.createBooking(t, "By mutation", start, f.org.Fieldworker.ID)
			b2 := f.createBooking(t, "By status", start, f.org.Fieldworker.ID)
			f.waitTitles(t, "created", "By mutation", "By status", seeded)
			cancelBoth(b1, b2, def.ID)
			if st := f.bookingState(t, b1); st.Status.Name != "Cancelled" {
				t.Fatalf("cancelBooking gave status %q, not the organization's cancellation status", st.Status.Name)
			}
			f.waitTitles(t, "cancelled both ways: removed", seeded)

			// Another cancellation status, keeping events: both ways mark
			// the event cancelled.
			keep := f.createStatus(t, "Called off", true, false)
			f.mutate(t, `mutation($s:ID!){setCancellationStatus(statusId:$s){id}}`, map[string]any{"s": keep})
			b3 := f.createBooking(t, "Kept by mutation", start, f.org.Fieldworker.ID)
			b4 := f.createBooking(t, "Kept by status", start, f.org.Fieldworker.ID)
			f.waitTitles(t, "created", "Kept by mutation", "Kept by status", seeded)
			cancelBoth(b3, b4, keep)
			if st := f.bookingState(t, b3); st.Status.Name != "Called off" {
				t.Fatalf("cancelBooking gave status %q, not the chosen cancellation status", st.Status.Name)
			}
			evs := f.waitTitles(t, "cancelled both ways: kept, marked", "Cancelled: Kept by mutation", "Cancelled: Kept by status", seeded)
			for _, e := range evs[:2] {
				if !strings.Contains(e.Description, "This booking was cancelled.") {
					t.Fatalf("kept event not marked cancelled: %q", e.Description)
				}
			}

			// Another status reinstates: the event shows the booking again.
			f.mutate(t, `mutation($id:ID!,$s:ID!){updateBooking(id:$id,input:{statusID:$s}){id}}`, map[string]any{"id": strconv.Itoa(b3), "s": strconv.Itoa(f.org.Status.ID)})
			if st := f.bookingState(t, b3); st.CancelledAt != nil {
				t.Fatalf("a booking given another status stays cancelled: %+v", st)
			}
			f.waitTitles(t, "reinstated", "Cancelled: Kept by status", "Kept by mutation", seeded)
		})
	}
}

// TestCancelledBeforeLinkingNeverAppears: the first sync after linking
// copies only active bookings, even when the cancellation status keeps
// cancelled bookings' events.
func TestCancelledBeforeLinkingNeverAppears(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setupUnlinked(t, k, "pre")
			keep := f.createStatus(t, "Called off", true, false)
			f.mutate(t, `mutation($s:ID!){setCancellationStatus(statusId:$s){id}}`, map[string]any{"s": keep})
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
			f.createBooking(t, "Active", start, f.org.Fieldworker.ID)
			byMutation := f.createBooking(t, "Cancelled by mutation", start, f.org.Fieldworker.ID)
			byStatus := f.createBooking(t, "Cancelled by status", start, f.org.Fieldworker.ID)
			f.mutate(t, `mutation($id:ID!){cancelBooking(id:$id){id}}`, map[string]any{"id": strconv.Itoa(byMutation)})
			f.mutate(t, `mutation($id:ID!,$s:ID!){updateBooking(id:$id,input:{statusID:$s}){id}}`, map[string]any{"id": strconv.Itoa(byStatus), "s": keep})

			f.link(t)
			run := f.waitRun(t, "initial sync", syncrun.KindINITIAL, 0)
			if got := titles(f.events(t)); strings.Join(got, "|") != "Active|Visit pre" {
				t.Fatalf("after the first sync (%d created) the calendar holds %q", run.CreatedCount, got)
			}
			// A later re-sync does not bring them either.
			after := f.lastRunID(t)
			f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			f.waitRun(t, "re-sync", syncrun.KindRESYNC, after)
			if got := titles(f.events(t)); strings.Join(got, "|") != "Active|Visit pre" {
				t.Fatalf("after a re-sync the calendar holds %q", got)
			}
		})
	}
}

// TestDeleteFromCalendarOnDeleteAndReassign: deleting a booking or moving
// it to another fieldworker removes its event from the old calendar when
// its status's deleteFromCalendar is on; off, the event stays there, its
// link is forgotten and Calsync never touches it again (not even on
// re-sync).
func TestDeleteFromCalendarOnDeleteAndReassign(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "dfc")
			seeded := "Visit dfc"
			f.waitTitles(t, "initial sync", seeded)
			removes, keeps := strconv.Itoa(f.org.Status.ID), f.createStatus(t, "Completed", true, false)
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
			mk := func(title, status string) int {
				t.Helper()
				id := f.createBooking(t, title, start, f.org.Fieldworker.ID)
				f.mutate(t, `mutation($id:ID!,$s:ID!){updateBooking(id:$id,input:{statusID:$s}){id}}`, map[string]any{"id": strconv.Itoa(id), "s": status})
				return id
			}
			delOn, moveOn := mk("Deleted, removes", removes), mk("Moved, removes", removes)
			delOff, moveOff := mk("Deleted, keeps", keeps), mk("Moved, keeps", keeps)
			f.waitTitles(t, "created", "Deleted, keeps", "Deleted, removes", "Moved, keeps", "Moved, removes", seeded)
			kept := map[string]string{}
			for _, e := range f.events(t) {
				kept[e.Title] = e.ID
			}

			del := func(id int) {
				f.mutate(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": strconv.Itoa(id)})
			}
			move := func(id int) {
				f.mutate(t, `mutation($id:ID!,$h:[ID!]!){reassignBooking(id:$id,hostIDs:$h){id}}`,
					map[string]any{"id": strconv.Itoa(id), "h": []string{strconv.Itoa(f.org.Fieldworker2.ID)}})
			}
			del(delOn)
			move(moveOn)
			f.waitTitles(t, "deleteFromCalendar on: removed", "Deleted, keeps", "Moved, keeps", seeded)

			del(delOff)
			move(moveOff)
			n, err := f.env.App.Client().EventLink.Query().
				Where(eventlink.BookingRefIn(delOff, moveOff), eventlink.UserID(f.org.Fieldworker.ID)).Count(f.sys())
			if err != nil || n != 0 {
				t.Fatalf("deleteFromCalendar off: %d links still managed (%v)", n, err)
			}
			// The moved booking changes after: its old event is no longer
			// Calsync's to update.
			f.mutate(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Moved, renamed"}){id}}`, map[string]any{"id": strconv.Itoa(moveOff)})
			after := f.lastRunID(t)
			f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			f.waitRun(t, "re-sync", syncrun.KindRESYNC, after)
			evs := f.events(t)
			if got := titles(evs); strings.Join(got, "|") != "Deleted, keeps|Moved, keeps|"+seeded {
				t.Fatalf("deleteFromCalendar off: after a re-sync the calendar holds %q", got)
			}
			for _, e := range evs[:2] {
				if kept[e.Title] != e.ID {
					t.Fatalf("%q is another event than the one left there", e.Title)
				}
			}
		})
	}
}
