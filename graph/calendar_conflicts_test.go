package graph_test

import (
	"strconv"
	"testing"
	"time"

	"calsync/ent"
	"calsync/internal/testenv"
)

const cvOverlapsQuery = `query($u:ID!,$from:Time!,$to:Time!,$x:ID){overlaps(fieldworkerId:$u,from:$from,to:$to,excludeBookingId:$x){...E}}
` + cvEntryFields

func cvOverlapsVars(u *ent.User, from, to time.Time, exclude *ent.Booking) map[string]any {
	vars := map[string]any{"u": strconv.Itoa(u.ID), "from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}
	if exclude != nil {
		vars["x"] = strconv.Itoa(exclude.ID)
	}
	return vars
}

// TestOverlaps: what takes a fieldworker's time — busy events of selected
// calendars and the bookings they host, recurring ones per occurrence —
// but free and working-elsewhere events, cancelled bookings and the
// booking being edited; fieldworkers ask only about themselves.
func TestOverlaps(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			f := cvSetup(t, backend)
			fw := f.org.Fieldworker
			want := cvWant{f: f, primary: cvPrimary, secondary: cvSecondary, google: cvGoogle, microft: cvMicrosoft, viewer: fw}
			var out struct{ Overlaps []cvEntry }
			f.fw.MustDo(t, cvOverlapsQuery, cvOverlapsVars(fw, cvFrom, cvTo, nil), &out)
			all := []cvEntry{
				want.booking(f.standup, fw, cvAt(4, 7, 0)),
				want.external(f.dentist, fw),
				want.booking(f.install, fw, f.install.StartAt),
				want.external(f.call, fw),
				want.external(f.teamSync, fw),
				want.external(f.offsite, fw),
				want.booking(f.standup, fw, cvAt(11, 7, 0)),
			}
			cvSameEntries(t, "fieldworker's overlaps", out.Overlaps, all)

			// Leaving out the booking being edited.
			f.fw.MustDo(t, cvOverlapsQuery, cvOverlapsVars(fw, cvFrom, cvTo, f.install), &out)
			cvSameEntries(t, "overlaps but Install", out.Overlaps, append(all[:2:2], all[3:]...))
			f.fw.MustDo(t, cvOverlapsQuery, cvOverlapsVars(fw, cvFrom, cvTo, f.standup), &out)
			cvSameEntries(t, "overlaps but the standups", out.Overlaps, all[1:6])

			// A narrow range: only what overlaps it (Dentist ends as
			// Install starts; Call starts with it).
			f.fw.MustDo(t, cvOverlapsQuery, cvOverlapsVars(fw, cvAt(4, 11, 0), cvAt(4, 13, 15), nil), &out)
			cvSameEntries(t, "overlaps of 11:00–13:15 on the 4th", out.Overlaps, []cvEntry{
				want.booking(f.install, fw, f.install.StartAt),
				want.external(f.call, fw),
			})

			// An admin asking: the private event is "Busy".
			want.viewer = f.org.Admin
			f.admin.MustDo(t, cvOverlapsQuery, cvOverlapsVars(fw, cvAt(4, 0, 0), cvAt(5, 0, 0), nil), &out)
			cvSameEntries(t, "admin's overlaps of the 4th", out.Overlaps, []cvEntry{
				want.booking(f.standup, fw, cvAt(4, 7, 0)),
				want.external(f.dentist, fw),
				want.booking(f.install, fw, f.install.StartAt),
				want.external(f.call, fw),
			})
			if out.Overlaps[1].Title != "Busy" {
				t.Errorf("private event reached the admin as %s", out.Overlaps[1])
			}

			// The second fieldworker's overlaps: the Microsoft account's
			// busy events too; Travel (working elsewhere) and Lunch (free)
			// take no time.
			want.viewer = f.org.Scheduler
			f.scheduler.MustDo(t, cvOverlapsQuery, cvOverlapsVars(f.org.Fieldworker2, cvFrom, cvTo, nil), &out)
			cvSameEntries(t, "scheduler's view of the second fieldworker's overlaps", out.Overlaps, []cvEntry{
				want.booking(f.install, f.org.Fieldworker2, f.install.StartAt),
				want.external(f.teamSync, f.org.Fieldworker2),
				want.external(f.offsite, f.org.Fieldworker2),
				want.booking(f.repair, f.org.Fieldworker2, f.repair.StartAt),
			})

			r := f.fw.Do(t, cvOverlapsQuery, cvOverlapsVars(f.org.Fieldworker2, cvFrom, cvTo, nil))
			if len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("fieldworker asking for another's overlaps: %+v, want FORBIDDEN", r.Errors)
			}
		})
	}
}

// TestBookingConflicts: a booking's conflicts are its hosts' busy events
// and other bookings overlapping it (free events and cancelled bookings
// not); a booking with nothing overlapping and a cancelled one have none;
// a recurring booking's occurrences within the horizon count, later ones
// not; a fieldworker sees their own conflicts, private titles and all.
func TestBookingConflicts(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			f := cvSetup(t, backend)
			fw, fw2 := f.org.Fieldworker, f.org.Fieldworker2
			bk := func(title string, start, end time.Time, hosts ...*ent.User) *ent.Booking {
				return cvBooking(t, f.ctx, f.db, f.org, title, start, end, hosts, nil)
			}
			// Later: 10:00–11:00 on the 20th, private and busy; Free slot
			// 11:00–12:00, free.
			clash := bk("Clash", cvAt(20, 10, 30), cvAt(20, 11, 30), fw)
			double := bk("Double", cvAt(20, 11, 0), cvAt(20, 12, 0), fw, fw2)
			bk("Quiet", cvAt(21, 10, 0), cvAt(21, 11, 0), fw2)
			gone := bk("Gone", cvAt(20, 10, 0), cvAt(20, 11, 0), fw)
			f.admin.MustDo(t, `mutation($id:ID!){cancelBooking(id:$id){id}}`, map[string]any{"id": strconv.Itoa(gone.ID)}, nil)

			const page = `query($from:Time!,$to:Time!){bookings(from:$from,to:$to,includeCancelled:true,first:5){edges{node{id title conflicts{...E}}}}}
` + cvEntryFields
			type pageOut struct {
				Bookings struct {
					Edges []struct {
						Node struct {
							ID, Title string
							Conflicts []cvEntry
						}
					}
				}
			}
			conflictsOf := func(c *testenv.Client) map[string][]cvEntry {
				var out pageOut
				c.MustDo(t, page, map[string]any{"from": "2030-03-19T00:00:00Z", "to": "2030-03-22T00:00:00Z"}, &out)
				got := map[string][]cvEntry{}
				for _, e := range out.Bookings.Edges {
					got[e.Node.Title] = e.Node.Conflicts
				}
				return got
			}

			want := cvWant{f: f, primary: cvPrimary, secondary: cvSecondary, google: cvGoogle, microft: cvMicrosoft, viewer: f.org.Admin}
			got := conflictsOf(f.admin)
			// The standups recur from before the page (in 2030: none
			// within the horizon of a recurring booking's conflicts).
			if len(got) != 5 {
				t.Fatalf("bookings on the page: %v", got)
			}
			cvSameEntries(t, "the standups' conflicts", got["Standup"], []cvEntry{})
			cvSameEntries(t, "Clash's conflicts", got["Clash"], []cvEntry{
				want.external(f.later, fw),
				want.booking(double, fw, double.StartAt),
			})
			if got["Clash"][0].Title != "Busy" {
				t.Errorf("a private event reached the admin as %s", got["Clash"][0])
			}
			cvSameEntries(t, "Double's conflicts", got["Double"], []cvEntry{want.booking(clash, fw, clash.StartAt)})
			cvSameEntries(t, "Quiet's conflicts", got["Quiet"], []cvEntry{})
			cvSameEntries(t, "a cancelled booking's conflicts", got["Gone"], []cvEntry{})
			if got["Quiet"] == nil || got["Gone"] == nil {
				t.Errorf("no conflicts must be an empty list: %v %v", got["Quiet"], got["Gone"])
			}

			// The fieldworker sees their own conflicts, the private title
			// included; the second fieldworker's booking is not theirs.
			want.viewer = fw
			got = conflictsOf(f.fw)
			if _, ok := got["Quiet"]; ok || len(got) != 4 {
				t.Errorf("fieldworker's page: %v", got)
			}
			cvSameEntries(t, "Clash's conflicts for its host", got["Clash"], []cvEntry{
				want.external(f.later, fw),
				want.booking(double, fw, double.StartAt),
			})

			// A recurring booking: daily from the day after tomorrow, its
			// occurrences within the next 90 days conflict, later ones not.
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
			round := cvBooking(t, f.ctx, f.db, f.org, "Round", day.Add(9*time.Hour), day.Add(10*time.Hour), []*ent.User{fw2}, func(c *ent.BookingCreate) {
				c.SetRecurrence("FREQ=DAILY")
			})
			near := cvEvent(t, f.ctx, f.db, f.calM, "Near", day.AddDate(0, 0, 3).Add(9*time.Hour+30*time.Minute), day.AddDate(0, 0, 3).Add(11*time.Hour), nil)
			cvEvent(t, f.ctx, f.db, f.calM, "Far", day.AddDate(0, 0, 120).Add(9*time.Hour), day.AddDate(0, 0, 120).Add(10*time.Hour), nil)
			cvEvent(t, f.ctx, f.db, f.calGOff, "Unselected", day.AddDate(0, 0, 4).Add(9*time.Hour), day.AddDate(0, 0, 4).Add(10*time.Hour), nil)
			other := bk("Other", day.AddDate(0, 0, 5).Add(8*time.Hour), day.AddDate(0, 0, 5).Add(9*time.Hour+15*time.Minute), fw2)
			var node struct {
				Node struct{ Conflicts []cvEntry }
			}
			want.viewer = f.org.Admin
			f.admin.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{conflicts{...E}}}}`+"\n"+cvEntryFields, map[string]any{"id": strconv.Itoa(round.ID)}, &node)
			cvSameEntries(t, "the recurring booking's conflicts", node.Node.Conflicts, []cvEntry{
				want.external(near, fw2),
				want.booking(other, fw2, other.StartAt),
			})
			// And the other booking conflicts with one occurrence of it.
			f.admin.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{conflicts{...E}}}}`+"\n"+cvEntryFields, map[string]any{"id": strconv.Itoa(other.ID)}, &node)
			cvSameEntries(t, "a booking overlapping one occurrence", node.Node.Conflicts, []cvEntry{
				want.booking(round, fw2, day.AddDate(0, 0, 5).Add(9*time.Hour)),
			})
		})
	}
}

// TestConflictsCostIsBounded: conflicts count as their bound, 25 entries,
// in an operation's complexity, so conflicts nested in conflicts (whose
// work multiplies) and conflicts of a hundred bookings are refused before
// they run, while one booking's conflicts are not.
func TestConflictsCostIsBounded(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "conflict-cost")
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	for _, q := range []string{
		`query($id:ID!){node(id:$id){... on Booking{conflicts{id booking{conflicts{id booking{conflicts{id}}}}}}}}`,
		`query($ids:[ID!]!){nodes(ids:$ids){... on Booking{conflicts{id title start end}}}}`,
		`query($from:Time!,$to:Time!){calendarView(from:$from,to:$to){entries{booking{conflicts{id kind title start end}}}}}`,
	} {
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = strconv.Itoa(org.Booking.ID)
		}
		res := fw.Do(t, q, map[string]any{"id": org.Booking.ID, "ids": ids, "from": "2030-01-01T00:00:00Z", "to": "2030-01-02T00:00:00Z"})
		if len(res.Errors) != 1 || res.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Errorf("%s: %+v, want COMPLEXITY_LIMIT_EXCEEDED", q, res.Errors)
		}
	}
	res := fw.Do(t, `query($id:ID!){node(id:$id){... on Booking{conflicts{id title start end kind}}}}`, map[string]any{"id": org.Booking.ID})
	if len(res.Errors) != 0 {
		t.Errorf("one booking's conflicts: %+v", res.Errors)
	}
}
