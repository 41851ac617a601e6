package graph_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/externalevent"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// The organization's default colours (ent/schema/organization.go).
const (
	cvPrimary   = "#1a73e8"
	cvSecondary = "#8e24aa"
	cvGoogle    = "#93c572"
	cvMicrosoft = "#555555"
)

// cvEntryFields selects everything of a CalendarEntry, sub-objects too.
const cvEntryFields = `fragment E on CalendarEntry {
  kind id fieldworker{id name} start end allDay title busy showAs private color recurring provider webLink
  booking{id title} externalEvent{id title provider calendar{id}} calendar{id name account{id provider}}
}`

// cvEntry is a CalendarEntry as the client sees it.
type cvEntry struct {
	Kind, ID    string
	Fieldworker struct{ ID, Name string }
	Start, End  time.Time
	AllDay      bool
	Title       string
	Busy        bool
	ShowAs      string
	Private     bool
	Color       string
	Recurring   bool
	Provider    *string
	WebLink     *string
	Booking     *struct{ ID, Title string }
	// ExternalEvent's title and provider go through their resolvers.
	ExternalEvent *struct {
		ID, Title, Provider string
		Calendar            struct{ ID string }
	}
	Calendar *struct {
		ID, Name string
		Account  struct{ ID, Provider string }
	}
}

// String is the entry in one line, every field included.
func (e cvEntry) String() string {
	s := fmt.Sprintf("%s #%s %q for %s %s–%s busy=%v %s private=%v %s", e.Kind, e.ID, e.Title, e.Fieldworker.Name,
		e.Start.UTC().Format("01-02T15:04"), e.End.UTC().Format("01-02T15:04"), e.Busy, e.ShowAs, e.Private, e.Color)
	if e.AllDay {
		s += " all-day"
	}
	if e.Recurring {
		s += " recurring"
	}
	if e.Booking != nil {
		s += fmt.Sprintf(" booking=%s(%s)", e.Booking.ID, e.Booking.Title)
	}
	if e.ExternalEvent != nil {
		x := e.ExternalEvent
		s += fmt.Sprintf(" event=%s(%q %s cal %s)", x.ID, x.Title, x.Provider, x.Calendar.ID)
	}
	if e.Provider != nil {
		s += " provider=" + *e.Provider
	}
	if e.Calendar != nil {
		s += fmt.Sprintf(" calendar=%s(%s, account %s %s)", e.Calendar.ID, e.Calendar.Name, e.Calendar.Account.ID, e.Calendar.Account.Provider)
	}
	if e.WebLink != nil {
		s += " link=" + *e.WebLink
	}
	return s
}

func cvLines(es []cvEntry) string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.String()
	}
	return strings.Join(lines, "\n")
}

func cvSameEntries(t *testing.T, what string, got, want []cvEntry) {
	t.Helper()
	if g, w := cvLines(got), cvLines(want); g != w {
		t.Errorf("%s:\ngot\n%s\nwant\n%s", what, g, w)
	}
}

// cvFixture is an organization with two linked fieldworkers and events
// and bookings around the week of 2030-03-04.
type cvFixture struct {
	env *testenv.Env
	org testenv.Org
	ctx context.Context
	db  *ent.Client

	admin, scheduler, fw, fw2 *testenv.Client
	// fw3 is a deactivated fieldworker.
	fw3 *ent.User

	acctG, acctM                *ent.CalendarAccount
	calG, calGOff, calM         *ent.ProviderCalendar
	dentist, lunch, hidden      *ent.ExternalEvent
	call, teamSync, offsite     *ent.ExternalEvent
	travel, later, freeSlot     *ent.ExternalEvent
	install, standup, cancelled *ent.Booking
	repair, archive             *ent.Booking
}

// The week the fixture's view covers.
var (
	cvFrom = time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	cvTo   = time.Date(2030, 3, 12, 0, 0, 0, 0, time.UTC)
)

func cvAt(day, hour, minute int) time.Time {
	return time.Date(2030, 3, day, hour, minute, 0, 0, time.UTC)
}

func cvSetup(t *testing.T, backend testenv.Backend) *cvFixture {
	t.Helper()
	env := testenv.New(t, backend)
	f := &cvFixture{env: env, org: env.SeedOrg(t, "cv"), db: env.App.Client()}
	f.ctx = viewer.SystemContext(context.Background(), f.org.ID)
	f.admin = env.SignIn(t, f.org.Admin.Email, testenv.Password)
	f.scheduler = env.SignIn(t, f.org.Scheduler.Email, testenv.Password)
	f.fw = env.SignIn(t, f.org.Fieldworker.Email, testenv.Password)
	f.fw2 = env.SignIn(t, f.org.Fieldworker2.Email, testenv.Password)
	var err error
	if f.fw3, err = f.db.User.Create().SetName("fieldworker3").SetEmail("fieldworker3@cv.test").SetRole(viewer.RoleFieldworker).
		SetActive(false).SetPasswordHash("x").Save(f.ctx); err != nil {
		t.Fatal(err)
	}
	fw, fw2 := f.org.Fieldworker, f.org.Fieldworker2

	// Google: the first fieldworker's own; Microsoft: shared by both.
	f.acctG = cvAccount(t, f.ctx, f.db, domain.ProviderGoogle, "fw@gmail.test", fw)
	f.acctM = cvAccount(t, f.ctx, f.db, domain.ProviderMicrosoft, "team@outlook.test", fw, fw2)
	f.calG = cvCalendar(t, f.ctx, f.db, f.acctG, "Work", true)
	f.calGOff = cvCalendar(t, f.ctx, f.db, f.acctG, "Holidays", false)
	f.calM = cvCalendar(t, f.ctx, f.db, f.acctM, "Outlook", true)

	ev := func(cal *ent.ProviderCalendar, title string, start, end time.Time, set func(*ent.ExternalEventCreate)) *ent.ExternalEvent {
		return cvEvent(t, f.ctx, f.db, cal, title, start, end, set)
	}
	f.dentist = ev(f.calG, "Dentist", cvAt(4, 10, 0), cvAt(4, 11, 0), func(c *ent.ExternalEventCreate) {
		c.SetPrivate(true).SetWebLink("https://calendar.google.test/event?eid=dentist")
	})
	f.call = ev(f.calG, "Call", cvAt(4, 13, 0), cvAt(4, 13, 30), nil)
	f.lunch = ev(f.calG, "Lunch", cvAt(5, 12, 0), cvAt(5, 13, 0), func(c *ent.ExternalEventCreate) {
		c.SetBusy(false).SetShowAs(externalevent.ShowAsFREE)
	})
	f.hidden = ev(f.calGOff, "Hidden", cvAt(5, 9, 0), cvAt(5, 10, 0), nil)
	f.teamSync = ev(f.calM, "Team sync", cvAt(6, 9, 0), cvAt(6, 9, 30), func(c *ent.ExternalEventCreate) {
		c.SetShowAs(externalevent.ShowAsTENTATIVE).SetStatus("tentative")
	})
	f.offsite = ev(f.calM, "Offsite", cvAt(7, 0, 0), cvAt(8, 0, 0), func(c *ent.ExternalEventCreate) {
		c.SetAllDay(true).SetPrivate(true).SetShowAs(externalevent.ShowAsOUT_OF_OFFICE)
	})
	f.travel = ev(f.calM, "Travel", cvAt(8, 8, 0), cvAt(8, 17, 0), func(c *ent.ExternalEventCreate) {
		c.SetBusy(false).SetShowAs(externalevent.ShowAsWORKING_ELSEWHERE)
	})
	f.later = ev(f.calG, "Later", cvAt(20, 10, 0), cvAt(20, 11, 0), func(c *ent.ExternalEventCreate) { c.SetPrivate(true) })
	f.freeSlot = ev(f.calG, "Free slot", cvAt(20, 11, 0), cvAt(20, 12, 0), func(c *ent.ExternalEventCreate) {
		c.SetBusy(false).SetShowAs(externalevent.ShowAsFREE)
	})

	bk := func(title string, start, end time.Time, hosts []*ent.User, set func(*ent.BookingCreate)) *ent.Booking {
		return cvBooking(t, f.ctx, f.db, f.org, title, start, end, hosts, set)
	}
	f.install = bk("Install", cvAt(4, 13, 0), cvAt(4, 14, 0), []*ent.User{fw, fw2}, nil)
	// Mondays and Wednesdays from the week before, but Wednesday the 6th.
	f.standup = bk("Standup", time.Date(2030, 2, 25, 7, 0, 0, 0, time.UTC), time.Date(2030, 2, 25, 7, 30, 0, 0, time.UTC), []*ent.User{fw}, func(c *ent.BookingCreate) {
		c.SetRecurrence("FREQ=WEEKLY;BYDAY=MO,WE").SetRecurrenceExceptions([]time.Time{cvAt(6, 7, 0)})
	})
	f.cancelled = bk("Cancelled visit", cvAt(5, 15, 0), cvAt(5, 16, 0), []*ent.User{fw}, nil)
	f.admin.MustDo(t, `mutation($id:ID!){cancelBooking(id:$id){id}}`, map[string]any{"id": strconv.Itoa(f.cancelled.ID)}, nil)
	f.repair = bk("Repair", cvAt(7, 10, 0), cvAt(7, 11, 0), []*ent.User{fw2}, nil)
	f.archive = bk("Archive", cvAt(5, 10, 0), cvAt(5, 11, 0), []*ent.User{f.fw3}, nil)
	return f
}

func cvAccount(t *testing.T, ctx context.Context, db *ent.Client, p domain.Provider, email string, users ...*ent.User) *ent.CalendarAccount {
	t.Helper()
	a, err := db.CalendarAccount.Create().SetProvider(p).SetAccountEmail(email).SetCredentialMode(domain.CredentialPlatformApp).
		AddUsers(users...).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func cvCalendar(t *testing.T, ctx context.Context, db *ent.Client, a *ent.CalendarAccount, name string, selected bool) *ent.ProviderCalendar {
	t.Helper()
	c, err := db.ProviderCalendar.Create().SetAccountID(a.ID).SetCalendarID(fmt.Sprintf("%s-%d", strings.ToLower(name), a.ID)).
		SetName(name).SetSelected(selected).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var cvEventSeq int

func cvEvent(t *testing.T, ctx context.Context, db *ent.Client, cal *ent.ProviderCalendar, title string, start, end time.Time, set func(*ent.ExternalEventCreate)) *ent.ExternalEvent {
	t.Helper()
	cvEventSeq++
	c := db.ExternalEvent.Create().SetCalendarRefID(cal.ID).SetAccountID(cal.AccountID).SetProviderEventID(fmt.Sprintf("ev%d", cvEventSeq)).
		SetTitle(title).SetStartAt(start).SetEndAt(end)
	if set != nil {
		set(c)
	}
	e, err := c.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func cvBooking(t *testing.T, ctx context.Context, db *ent.Client, org testenv.Org, title string, start, end time.Time, hosts []*ent.User, set func(*ent.BookingCreate)) *ent.Booking {
	t.Helper()
	c := db.Booking.Create().SetTitle(title).SetStartAt(start).SetEndAt(end).SetStatus(org.Status).SetType(org.Type).AddHosts(hosts...)
	if set != nil {
		set(c)
	}
	b, err := c.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cvWant builds the entries the fixture's views should show.
type cvWant struct {
	f                                   *cvFixture
	primary, secondary, google, microft string
	// viewer is the user asking (titles of private events).
	viewer *ent.User
}

func (w cvWant) booking(b *ent.Booking, fw *ent.User, start time.Time) cvEntry {
	e := cvEntry{Kind: "BOOKING", ID: strconv.Itoa(b.ID), Start: start, End: start.Add(b.EndAt.Sub(b.StartAt)), Title: b.Title,
		Busy: true, ShowAs: "BUSY", Color: w.primary, Booking: &struct{ ID, Title string }{strconv.Itoa(b.ID), b.Title}}
	e.Fieldworker.ID, e.Fieldworker.Name = strconv.Itoa(fw.ID), fw.Name
	if b.Recurrence != "" {
		e.Recurring, e.Color = true, w.secondary
		e.ID = strconv.Itoa(b.ID<<26 + int(start.Unix()/60))
	}
	return e
}

func (w cvWant) external(ev *ent.ExternalEvent, fw *ent.User) cvEntry {
	acct, cal, color := w.f.acctG, w.f.calG, w.google
	if ev.AccountID == w.f.acctM.ID {
		acct, cal, color = w.f.acctM, w.f.calM, w.microft
	}
	title := ev.Title
	if ev.Private && !w.usesAccount(acct) {
		title = "Busy"
	}
	p := string(acct.Provider)
	e := cvEntry{Kind: "EXTERNAL", ID: strconv.Itoa(ev.ID), Start: ev.StartAt, End: ev.EndAt, AllDay: ev.AllDay, Title: title,
		Busy: ev.Busy, ShowAs: string(ev.ShowAs), Private: ev.Private, Color: color, Provider: &p}
	e.Fieldworker.ID, e.Fieldworker.Name = strconv.Itoa(fw.ID), fw.Name
	e.ExternalEvent = &struct {
		ID, Title, Provider string
		Calendar            struct{ ID string }
	}{ID: e.ID, Title: title, Provider: p}
	e.ExternalEvent.Calendar.ID = strconv.Itoa(cal.ID)
	e.Calendar = &struct {
		ID, Name string
		Account  struct{ ID, Provider string }
	}{ID: strconv.Itoa(cal.ID), Name: cal.Name}
	e.Calendar.Account.ID, e.Calendar.Account.Provider = strconv.Itoa(acct.ID), p
	if ev.WebLink != "" {
		link := ev.WebLink
		e.WebLink = &link
	}
	return e
}

func (w cvWant) usesAccount(a *ent.CalendarAccount) bool {
	if w.viewer == nil {
		return false
	}
	switch a.ID {
	case w.f.acctG.ID:
		return w.viewer.ID == w.f.org.Fieldworker.ID
	case w.f.acctM.ID:
		return w.viewer.ID == w.f.org.Fieldworker.ID || w.viewer.ID == w.f.org.Fieldworker2.ID
	}
	return false
}

type cvView struct {
	CalendarView struct {
		From, To     time.Time
		Fieldworkers []struct{ ID, Name string }
		Entries      []cvEntry
		Legend       struct{ Booking, RecurringBooking, Google, Microsoft string }
	}
}

const cvViewQuery = `query($from:Time!,$to:Time!,$ids:[ID!]){calendarView(from:$from,to:$to,fieldworkerIds:$ids){
  from to fieldworkers{id name} entries{...E} legend{booking recurringBooking google microsoft}}}
` + cvEntryFields

func cvVars(from, to time.Time, ids ...*ent.User) map[string]any {
	vars := map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}
	if ids != nil {
		s := make([]string, len(ids))
		for i, u := range ids {
			s[i] = strconv.Itoa(u.ID)
		}
		vars["ids"] = s
	}
	return vars
}

func cvNames(v cvView) string {
	var names []string
	for _, u := range v.CalendarView.Fieldworkers {
		names = append(names, u.Name)
	}
	return strings.Join(names, ",")
}

// TestCalendarView: who sees whose calendar, what a view holds (bookings
// per host and occurrence, events per user of their account from selected
// calendars only, private titles masked for all but the account's users),
// its order and its colours, the organization's changed colours, and the
// title and provider of an event read on its own.
func TestCalendarView(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			f := cvSetup(t, backend)
			fw, fw2 := f.org.Fieldworker, f.org.Fieldworker2
			want := cvWant{f: f, primary: cvPrimary, secondary: cvSecondary, google: cvGoogle, microft: cvMicrosoft}
			monday, nextMonday := cvAt(4, 7, 0), cvAt(11, 7, 0)

			// Admins: every active fieldworker when none are named.
			var v cvView
			f.admin.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo), &v)
			if got := cvNames(v); got != "fieldworker,fieldworker2" {
				t.Fatalf("admin's fieldworkers = %s, want fieldworker,fieldworker2 (not the deactivated one)", got)
			}
			if !v.CalendarView.From.Equal(cvFrom) || !v.CalendarView.To.Equal(cvTo) {
				t.Errorf("range = %v – %v", v.CalendarView.From, v.CalendarView.To)
			}
			if l := v.CalendarView.Legend; l.Booking != cvPrimary || l.RecurringBooking != cvSecondary || l.Google != cvGoogle || l.Microsoft != cvMicrosoft {
				t.Errorf("legend = %+v", l)
			}
			// Sorted by start, bookings before events at the same start,
			// then by id and fieldworker. Hidden (unselected calendar),
			// Later (after the range), the cancelled visit and Wednesday
			// the 6th's standup (an exception) are not there.
			cvSameEntries(t, "admin's view", v.CalendarView.Entries, []cvEntry{
				want.booking(f.standup, fw, monday),
				want.external(f.dentist, fw),
				want.booking(f.install, fw, f.install.StartAt),
				want.booking(f.install, fw2, f.install.StartAt),
				want.external(f.call, fw),
				want.external(f.lunch, fw),
				want.external(f.teamSync, fw),
				want.external(f.teamSync, fw2),
				want.external(f.offsite, fw),
				want.external(f.offsite, fw2),
				want.booking(f.repair, fw2, f.repair.StartAt),
				want.external(f.travel, fw),
				want.external(f.travel, fw2),
				want.booking(f.standup, fw, nextMonday),
			})
			if e := v.CalendarView.Entries[1]; e.Title != "Busy" || !e.Private || e.ExternalEvent.Title != "Busy" {
				t.Errorf("a private event reached the admin as %s", e)
			}

			// A fieldworker sees themself, private titles included.
			want.viewer = fw
			f.fw.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo), &v)
			if got := cvNames(v); got != "fieldworker" {
				t.Fatalf("fieldworker's fieldworkers = %s", got)
			}
			mine := []cvEntry{
				want.booking(f.standup, fw, monday),
				want.external(f.dentist, fw),
				want.booking(f.install, fw, f.install.StartAt),
				want.external(f.call, fw),
				want.external(f.lunch, fw),
				want.external(f.teamSync, fw),
				want.external(f.offsite, fw),
				want.external(f.travel, fw),
				want.booking(f.standup, fw, nextMonday),
			}
			cvSameEntries(t, "fieldworker's own view", v.CalendarView.Entries, mine)
			if e := v.CalendarView.Entries[1]; e.Title != "Dentist" || e.ExternalEvent.Title != "Dentist" {
				t.Errorf("the owner got their private event as %s", e)
			}
			f.fw.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo, fw), &v)
			cvSameEntries(t, "fieldworker's view naming themself", v.CalendarView.Entries, mine)
			for _, ids := range [][]*ent.User{{fw2}, {fw, fw2}, {f.org.Admin}} {
				r := f.fw.Do(t, cvViewQuery, cvVars(cvFrom, cvTo, ids...))
				if len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" || string(r.Data) != "null" {
					t.Errorf("fieldworker asking for %d users: %s %+v, want FORBIDDEN", len(ids), r.Data, r.Errors)
				}
			}

			// The second fieldworker shares the Microsoft account: its
			// private event is theirs too.
			want.viewer = fw2
			f.fw2.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo), &v)
			cvSameEntries(t, "second fieldworker's view", v.CalendarView.Entries, []cvEntry{
				want.booking(f.install, fw2, f.install.StartAt),
				want.external(f.teamSync, fw2),
				want.external(f.offsite, fw2),
				want.booking(f.repair, fw2, f.repair.StartAt),
				want.external(f.travel, fw2),
			})
			if e := v.CalendarView.Entries[2]; e.Title != "Offsite" {
				t.Errorf("a user of the shared account got its private event as %s", e)
			}

			// Schedulers see anyone's, private titles masked.
			want.viewer = f.org.Scheduler
			f.scheduler.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo, fw2), &v)
			cvSameEntries(t, "scheduler's view of the second fieldworker", v.CalendarView.Entries, []cvEntry{
				want.booking(f.install, fw2, f.install.StartAt),
				want.external(f.teamSync, fw2),
				want.external(f.offsite, fw2),
				want.booking(f.repair, fw2, f.repair.StartAt),
				want.external(f.travel, fw2),
			})
			// A deactivated fieldworker, named.
			f.admin.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo, f.fw3), &v)
			want.viewer = f.org.Admin
			if cvNames(v) != "fieldworker3" {
				t.Errorf("fieldworkers = %s, want fieldworker3", cvNames(v))
			}
			cvSameEntries(t, "a deactivated fieldworker's view", v.CalendarView.Entries, []cvEntry{want.booking(f.archive, f.fw3, f.archive.StartAt)})

			// The organization's colours are the view's.
			f.admin.MustDo(t, `mutation{updateOrganization(input:{primaryColor:"#111111",secondaryColor:"#222222",googleEventColor:"#333333",microsoftEventColor:"#444444"}){googleEventColor microsoftEventColor}}`, nil, nil)
			want = cvWant{f: f, primary: "#111111", secondary: "#222222", google: "#333333", microft: "#444444", viewer: fw}
			f.fw.MustDo(t, cvViewQuery, cvVars(cvFrom, cvTo), &v)
			if l := v.CalendarView.Legend; l.Booking != "#111111" || l.RecurringBooking != "#222222" || l.Google != "#333333" || l.Microsoft != "#444444" {
				t.Errorf("legend after the change = %+v", l)
			}
			cvSameEntries(t, "fieldworker's view in the new colours", v.CalendarView.Entries, []cvEntry{
				want.booking(f.standup, fw, monday),
				want.external(f.dentist, fw),
				want.booking(f.install, fw, f.install.StartAt),
				want.external(f.call, fw),
				want.external(f.lunch, fw),
				want.external(f.teamSync, fw),
				want.external(f.offsite, fw),
				want.external(f.travel, fw),
				want.booking(f.standup, fw, nextMonday),
			})

			// An event read on its own: the title for the account's users,
			// "Busy" for everyone else when it is private.
			const node = `query($id:ID!){node(id:$id){... on ExternalEvent{id title provider private}}}`
			type nodeOut struct {
				Node *struct {
					ID, Title, Provider string
					Private             bool
				}
			}
			for _, c := range []struct {
				who    string
				c      *testenv.Client
				ev     *ent.ExternalEvent
				title  string
				provid string
			}{
				{"owner", f.fw, f.dentist, "Dentist", "GOOGLE"},
				{"admin", f.admin, f.dentist, "Busy", "GOOGLE"},
				{"scheduler", f.scheduler, f.offsite, "Busy", "MICROSOFT"},
				{"second user of the shared account", f.fw2, f.offsite, "Offsite", "MICROSOFT"},
				{"admin, not private", f.admin, f.teamSync, "Team sync", "MICROSOFT"},
			} {
				var out nodeOut
				c.c.MustDo(t, node, map[string]any{"id": strconv.Itoa(c.ev.ID)}, &out)
				if out.Node == nil || out.Node.Title != c.title || out.Node.Provider != c.provid || out.Node.ID != strconv.Itoa(c.ev.ID) {
					t.Errorf("%s: node = %+v, want title %q provider %s", c.who, out.Node, c.title, c.provid)
				}
			}
			// Several at once (one batch).
			var many struct {
				Nodes []*struct{ Title, Provider string }
			}
			f.scheduler.MustDo(t, `query($ids:[ID!]!){nodes(ids:$ids){... on ExternalEvent{title provider}}}`,
				map[string]any{"ids": []string{strconv.Itoa(f.dentist.ID), strconv.Itoa(f.offsite.ID), strconv.Itoa(f.call.ID)}}, &many)
			if got := fmt.Sprint(many.Nodes[0], many.Nodes[1], many.Nodes[2]); got != "&{Busy GOOGLE} &{Busy MICROSOFT} &{Call GOOGLE}" {
				t.Errorf("nodes = %s", got)
			}
		})
	}
}

// TestCalendarViewInputErrors: bad ranges, too many ids and unknown users
// are refused with the API's codes, overlaps alike.
func TestCalendarViewInputErrors(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "cverr")
	other := env.SeedOrg(t, "cverr2")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	from := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	many := make([]*ent.User, 201)
	for i := range many {
		many[i] = org.Fieldworker
	}
	ghost := &ent.User{ID: org.Fieldworker.ID + 1_000_000}
	const overlaps = `query($u:ID!,$from:Time!,$to:Time!){overlaps(fieldworkerId:$u,from:$from,to:$to){id}}`
	ov := func(u *ent.User, from, to time.Time) map[string]any {
		return map[string]any{"u": strconv.Itoa(u.ID), "from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}
	}
	for _, c := range []struct {
		name      string
		c         *testenv.Client
		query     string
		vars      map[string]any
		code      string
		field     string
		msgSubstr string
	}{
		{"to before from", admin, cvViewQuery, cvVars(from, from.Add(-time.Hour)), "BAD_USER_INPUT", "to", "must be after from"},
		{"empty range", admin, cvViewQuery, cvVars(from, from), "BAD_USER_INPUT", "to", "must be after from"},
		{"63 days", admin, cvViewQuery, cvVars(from, from.Add(63*24*time.Hour)), "BAD_USER_INPUT", "to", "at most 62 days"},
		{"201 ids", admin, cvViewQuery, cvVars(from, from.Add(time.Hour), many...), "BAD_USER_INPUT", "fieldworkerIds", "at most 200"},
		{"unknown user", admin, cvViewQuery, cvVars(from, from.Add(time.Hour), org.Fieldworker, ghost), "NOT_FOUND", "", fmt.Sprintf("user %d not found", ghost.ID)},
		{"another organization's user", admin, cvViewQuery, cvVars(from, from.Add(time.Hour), other.Fieldworker), "NOT_FOUND", "", "not found"},
		{"fieldworker, another organization's user", fw, cvViewQuery, cvVars(from, from.Add(time.Hour), other.Fieldworker), "FORBIDDEN", "", "only their own"},
		{"anonymous", env.Anonymous(), cvViewQuery, cvVars(from, from.Add(time.Hour)), "UNAUTHENTICATED", "", ""},
		{"overlaps: to before from", admin, overlaps, ov(org.Fieldworker, from, from.Add(-time.Minute)), "BAD_USER_INPUT", "to", "must be after from"},
		{"overlaps: 63 days", admin, overlaps, ov(org.Fieldworker, from, from.Add(63*24*time.Hour)), "BAD_USER_INPUT", "to", "at most 62 days"},
		{"overlaps: unknown user", admin, overlaps, ov(ghost, from, from.Add(time.Hour)), "NOT_FOUND", "", "not found"},
		{"overlaps: fieldworker asking for another", fw, overlaps, ov(org.Fieldworker2, from, from.Add(time.Hour)), "FORBIDDEN", "", "only their own"},
	} {
		r := c.c.Do(t, c.query, c.vars)
		if len(r.Errors) != 1 || r.Errors[0].Code() != c.code || string(r.Data) != "null" {
			t.Errorf("%s: data %s errors %+v, want one %s", c.name, r.Data, r.Errors, c.code)
			continue
		}
		if got, _ := r.Errors[0].Extensions["field"].(string); got != c.field {
			t.Errorf("%s: field %q, want %q", c.name, got, c.field)
		}
		if !strings.Contains(r.Errors[0].Message, c.msgSubstr) {
			t.Errorf("%s: message %q, want it to say %q", c.name, r.Errors[0].Message, c.msgSubstr)
		}
	}
	// 200 ids (the same one repeated) are fine, an empty list is an empty view.
	var v cvView
	admin.MustDo(t, cvViewQuery, cvVars(from, from.Add(time.Hour), many[:200]...), &v)
	if cvNames(v) != "fieldworker" {
		t.Errorf("200 ids of one fieldworker: fieldworkers %s", cvNames(v))
	}
	admin.MustDo(t, cvViewQuery, map[string]any{"from": from.Format(time.RFC3339), "to": from.Add(time.Hour).Format(time.RFC3339), "ids": []string{}}, &v)
	if len(v.CalendarView.Fieldworkers) != 0 || len(v.CalendarView.Entries) != 0 {
		t.Errorf("an empty list of ids: %+v", v.CalendarView)
	}
}
