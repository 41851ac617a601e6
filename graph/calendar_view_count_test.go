package graph_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"calsync/ent"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// cvCountQuery asks for everything of a view, the entries' objects and
// their edges included (to-many ones too: a booking's hosts, an account's
// users).
const cvCountQuery = `query($from:Time!,$to:Time!,$ids:[ID!]){calendarView(from:$from,to:$to,fieldworkerIds:$ids){
  from to fieldworkers{id name}
  entries{
    kind id start end allDay title busy showAs private color recurring provider webLink
    fieldworker{id name email}
    booking{id title startAt recurrence hosts{id name}}
    externalEvent{id title provider startAt calendar{id name}}
    calendar{id name selected account{id provider users{id}}}
  }
  legend{booking recurringBooking google microsoft}}}`

// cvPlainCountQuery asks for the entries and their objects' own fields.
const cvPlainCountQuery = `query($from:Time!,$to:Time!,$ids:[ID!]){calendarView(from:$from,to:$to,fieldworkerIds:$ids){
  fieldworkers{id name}
  entries{kind id start end title busy showAs private color provider webLink
    fieldworker{id name} booking{id title} externalEvent{id title provider} calendar{id name}}
  legend{booking}}}`

// cvConflictsCountQuery asks for a page of bookings with their conflicts.
const cvConflictsCountQuery = `query($from:Time!,$to:Time!){bookings(from:$from,to:$to,first:10,orderBy:{field:TITLE,direction:ASC}){edges{node{id
  conflicts{kind id title fieldworker{id name} booking{id title} externalEvent{id title provider} calendar{id account{id}}}}}}}`

// TestCalendarViewStatementCount: a calendar view costs the same SQL
// statements for one fieldworker with one event as for twenty with two
// hundred (and their bookings, recurring ones among them), whichever of
// their fields are asked for; so do the conflicts of a page of bookings.
func TestCalendarViewStatementCount(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "cvcount")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			ctx := viewer.SystemContext(context.Background(), org.ID)
			db := env.App.Client()
			day := time.Date(2030, 5, 6, 0, 0, 0, 0, time.UTC)
			from, to := day, day.AddDate(0, 0, 14)

			type worker struct {
				u   *ent.User
				cal *ent.ProviderCalendar
			}
			var workers []worker
			events, bookings := 0, 0
			addWorker := func() worker {
				i := len(workers)
				u, err := db.User.Create().SetName(fmt.Sprintf("worker%02d", i)).SetEmail(fmt.Sprintf("worker%d@cvcount.test", i)).
					SetRole(viewer.RoleFieldworker).SetPasswordHash("x").Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				p := domain.ProviderGoogle
				if i%2 == 1 {
					p = domain.ProviderMicrosoft
				}
				a := cvAccount(t, ctx, db, p, fmt.Sprintf("worker%d@mail.test", i), u)
				w := worker{u, cvCalendar(t, ctx, db, a, "Main", true)}
				cvCalendar(t, ctx, db, a, "Other", false)
				workers = append(workers, w)
				return w
			}
			addEvents := func(w worker, n int) {
				for range n {
					start := day.Add(time.Duration(events%13)*24*time.Hour + 9*time.Hour)
					cvEvent(t, ctx, db, w.cal, fmt.Sprintf("Event %d", events), start, start.Add(time.Hour), func(c *ent.ExternalEventCreate) {
						c.SetPrivate(events%3 == 0).SetBusy(events%4 != 1).SetWebLink(fmt.Sprintf("https://calendar.test/e/%d", events))
					})
					events++
				}
			}
			// A job on one day, and a round every Monday and Thursday
			// morning (the first job, on a Monday, overlaps it).
			addBookings := func(w worker) {
				start := day.Add(time.Duration(bookings%13)*24*time.Hour + 9*time.Hour + 30*time.Minute)
				cvBooking(t, ctx, db, org, fmt.Sprintf("Job %d", bookings), start, start.Add(time.Hour), []*ent.User{w.u}, nil)
				cvBooking(t, ctx, db, org, fmt.Sprintf("Round %d", bookings), day.Add(9*time.Hour), day.Add(10*time.Hour), []*ent.User{w.u},
					func(c *ent.BookingCreate) { c.SetRecurrence("FREQ=WEEKLY;BYDAY=MO,TH") })
				bookings += 2
			}

			type measure struct{ view, plain, all, conflicts, entries int }
			measureNow := func() measure {
				ids := make([]string, len(workers))
				for i, w := range workers {
					ids[i] = strconv.Itoa(w.u.ID)
				}
				vars := map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "ids": ids}
				// Warm up: a session's first request also records its use.
				admin.MustDo(t, `{viewer{role}}`, nil, nil)
				var m measure
				var out struct {
					CalendarView struct {
						Fieldworkers []struct{ ID string }
						Entries      []struct {
							Kind    string
							Booking *struct{ Hosts []struct{ ID string } }
						}
					}
				}
				env.Queries.Reset()
				admin.MustDo(t, cvCountQuery, vars, &out)
				m.view = env.Queries.Count()
				m.entries = len(out.CalendarView.Entries)
				if len(out.CalendarView.Fieldworkers) != len(workers) {
					t.Fatalf("%d fieldworkers shown, want %d", len(out.CalendarView.Fieldworkers), len(workers))
				}
				env.Queries.Reset()
				admin.MustDo(t, cvPlainCountQuery, vars, nil)
				m.plain = env.Queries.Count()
				delete(vars, "ids") // every active fieldworker
				env.Queries.Reset()
				admin.MustDo(t, cvCountQuery, vars, nil)
				m.all = env.Queries.Count()
				var page struct {
					Bookings struct {
						Edges []struct {
							Node struct{ Conflicts []struct{ Kind string } }
						}
					}
				}
				env.Queries.Reset()
				admin.MustDo(t, cvConflictsCountQuery, map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}, &page)
				m.conflicts = env.Queries.Count()
				conflicts := 0
				for _, e := range page.Bookings.Edges {
					conflicts += len(e.Node.Conflicts)
				}
				if conflicts == 0 {
					t.Fatal("no conflicts to count")
				}
				return m
			}

			// The seeded fieldworkers have nothing in the range.
			first := addWorker()
			addEvents(first, 1)
			addBookings(first)
			one := measureNow()
			// Job 0 once, Round 0 on the four Mondays and Thursdays, the event.
			if one.entries != 1+4+1 {
				t.Fatalf("one fieldworker's view has %d entries, want 6", one.entries)
			}

			addEvents(first, 9)
			for len(workers) < 20 {
				w := addWorker()
				addEvents(w, 10)
				addBookings(w)
			}
			if events != 200 {
				t.Fatalf("%d events", events)
			}
			twenty := measureNow()
			if want := 200 + 20*(1+4); twenty.entries != want {
				t.Fatalf("twenty fieldworkers' view has %d entries, want %d", twenty.entries, want)
			}

			t.Logf("SQL statements: calendarView 1 fieldworker/1 event → %d, 20/200 → %d; every field → %d, %d; all active fieldworkers → %d, %d; conflicts of a page of 2 → %d, of 10 of 40 bookings → %d",
				one.plain, twenty.plain, one.view, twenty.view, one.all, twenty.all, one.conflicts, twenty.conflicts)
			if one.plain != twenty.plain || one.view != twenty.view || one.all != twenty.all {
				t.Fatalf("calendarView statements grow with fieldworkers and events: %+v → %+v", one, twenty)
			}
			if one.conflicts != twenty.conflicts {
				t.Fatalf("conflicts statements grow with bookings: %d → %d", one.conflicts, twenty.conflicts)
			}
			// The session (2), the users, the organization, bookings and
			// their hosts, events with their calendars, accounts and the
			// accounts' users.
			if twenty.plain > 10 {
				t.Errorf("calendarView cost %d statements; want at most 10", twenty.plain)
			}
			// And, for the edges asked of the entries' objects, the
			// bookings with their hosts (2), the events with their
			// calendars (2), the calendars with their accounts and the
			// accounts' users (3).
			if twenty.view > 17 || twenty.all > 17 {
				t.Errorf("calendarView with every field cost %d (%d for all active fieldworkers) statements; want at most 17", twenty.view, twenty.all)
			}
			// Imported events read on their own: their accounts (for the
			// title of private ones and the provider) in one batch.
			ids, err := db.ExternalEvent.Query().Order(ent.Asc("id")).IDs(ctx)
			if err != nil || len(ids) != 200 {
				t.Fatalf("%d events: %v", len(ids), err)
			}
			nodes := map[int]int{}
			for _, n := range []int{1, 100} {
				s := make([]string, n)
				for i := range s {
					s[i] = strconv.Itoa(ids[i])
				}
				var out struct {
					Nodes []struct{ Title, Provider string }
				}
				admin.MustDo(t, `{viewer{role}}`, nil, nil)
				env.Queries.Reset()
				admin.MustDo(t, `query($ids:[ID!]!){nodes(ids:$ids){... on ExternalEvent{id title provider}}}`, map[string]any{"ids": s}, &out)
				nodes[n] = env.Queries.Count()
				if len(out.Nodes) != n || out.Nodes[0].Title != "Busy" || out.Nodes[0].Provider != "GOOGLE" {
					t.Fatalf("nodes: %+v", out.Nodes[:1])
				}
			}
			t.Logf("SQL statements: nodes of imported events with title and provider: 1 → %d, 100 → %d", nodes[1], nodes[100])
			if nodes[1] != nodes[100] {
				t.Errorf("title and provider of imported events cost %d statements for one, %d for 100", nodes[1], nodes[100])
			}
			// The session (2), the page; the bookings and their hosts, the
			// organization, the other bookings and their hosts, the events
			// with their calendars, accounts and users; the calendars again
			// with their accounts for calendar{account}.
			if twenty.conflicts > 14 {
				t.Errorf("conflicts of a page cost %d statements; want at most 14", twenty.conflicts)
			}
		})
	}
}
