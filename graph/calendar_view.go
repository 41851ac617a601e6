package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/calendaraccount"
	"calsync/ent/externalevent"
	"calsync/ent/predicate"
	"calsync/ent/providercalendar"
	"calsync/ent/user"
	"calsync/graph/model"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// The calendar view reads, for a set of users and a time range, what takes
// their time: the Calsync bookings they host and the events of the
// calendars they import. Each is read with one query for every user and
// the whole range, its edges eager-loaded, so a view costs the same
// statements for one fieldworker as for two hundred; the entries hand out
// the entities so loaded, whose edges the API then reads without a query.
//
// Who sees what is the privacy rules' (reused, not repeated here): a
// fieldworker's booking queries return only the bookings they host
// (rule.FilterBookings) and their imported-event queries only their own
// accounts' events (rule.FilterOwnRows); admins and schedulers see the
// organization's. The resolvers add the matching refusal: a fieldworker
// asking for someone else's time is FORBIDDEN rather than shown nothing.

const (
	// maxViewSpan bounds the range of calendarView and overlaps.
	maxViewSpan = 62 * 24 * time.Hour
	// maxViewUsers bounds calendarView's fieldworkerIds.
	maxViewUsers = 200
	// maxViewEntries bounds the entries of one calendarView or overlaps.
	maxViewEntries = 10000
	// maxWindowTerms bounds the time windows one query ORs together;
	// beyond it the query reads the windows' envelope.
	maxWindowTerms = 64
	// busyTitle stands for the title of a private event to everyone but
	// the users of its account.
	busyTitle = "Busy"
)

// calendarView answers Query.calendarView.
func (r *Resolver) calendarView(ctx context.Context, from, to time.Time, fieldworkerIDs []int) (*model.CalendarView, error) {
	if err := checkViewRange(from, to); err != nil {
		return nil, err
	}
	if len(fieldworkerIDs) > maxViewUsers {
		return nil, domain.InvalidField("fieldworkerIds", fmt.Errorf("at most %d fieldworkers at once", maxViewUsers))
	}
	v, err := signedInViewer(ctx)
	if err != nil {
		return nil, err
	}
	users, err := r.viewedUsers(ctx, v, fieldworkerIDs)
	if err != nil {
		return nil, err
	}
	org, err := r.db(ctx).Organization.Get(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	entries, err := r.viewEntries(ctx, v, org, users, viewFilter{window: span{from, to}})
	if err != nil {
		return nil, err
	}
	out := &model.CalendarView{From: from, To: to, Fieldworkers: users, Entries: entries, Legend: legend(org)}
	if opCtx, view, ok := selectionOf(ctx); ok {
		if entry, ok := childField(opCtx, view, "entries"); ok {
			if err := r.collectEntryEdges(ctx, opCtx, entry, entries); err != nil {
				return nil, err
			}
		}
		ids := make([]int, len(users))
		for i, u := range users {
			ids[i] = u.ID
		}
		again, err := recollectUsers(ctx, opCtx, view, "fieldworkers", r.db(ctx), ids)
		if err != nil {
			return nil, err
		}
		if again != nil {
			out.Fieldworkers = make([]*ent.User, 0, len(users))
			for _, u := range users {
				if x := again[u.ID]; x != nil {
					out.Fieldworkers = append(out.Fieldworkers, x)
				}
			}
		}
	}
	return out, nil
}

// overlaps answers Query.overlaps: what takes one user's time in a range
// (busy imported events and hosted bookings, but excludeBookingID).
func (r *Resolver) overlaps(ctx context.Context, fieldworkerID int, from, to time.Time, excludeBookingID *int) ([]*model.CalendarEntry, error) {
	if err := checkViewRange(from, to); err != nil {
		return nil, err
	}
	v, err := signedInViewer(ctx)
	if err != nil {
		return nil, err
	}
	users, err := r.viewedUsers(ctx, v, []int{fieldworkerID})
	if err != nil {
		return nil, err
	}
	org, err := r.db(ctx).Organization.Get(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	f := viewFilter{window: span{from, to}, busyOnly: true}
	if excludeBookingID != nil {
		f.exclude = *excludeBookingID
	}
	entries, err := r.viewEntries(ctx, v, org, users, f)
	if err != nil {
		return nil, err
	}
	if opCtx, entry, ok := selectionOf(ctx); ok {
		if err := r.collectEntryEdges(ctx, opCtx, entry, entries); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

func checkViewRange(from, to time.Time) error {
	if !to.After(from) {
		return domain.InvalidField("to", errors.New("must be after from"))
	}
	if to.Sub(from) > maxViewSpan {
		return domain.InvalidField("to", fmt.Errorf("the range spans at most %d days", int(maxViewSpan.Hours()/24)))
	}
	return nil
}

func signedInViewer(ctx context.Context) (viewer.Viewer, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.UserID == 0 {
		return v, domain.Errorf(domain.CodeUnauthenticated, "sign in first")
	}
	return v, nil
}

// viewedUsers returns the users whose time v asks for: ids (nil: for a
// fieldworker themself, for admins and schedulers every active
// fieldworker, by name). Fieldworkers may ask only for themselves (any
// other id is FORBIDDEN, whether it exists or not); an id that is no user
// of the organization is NOT_FOUND.
func (r *Resolver) viewedUsers(ctx context.Context, v viewer.Viewer, ids []int) ([]*ent.User, error) {
	if !v.CanSchedule() {
		for _, id := range ids {
			if id != v.UserID {
				return nil, domain.Errorf(domain.CodeForbidden, "fieldworkers see only their own calendar")
			}
		}
		if ids == nil {
			ids = []int{v.UserID}
		}
	}
	db := r.db(ctx)
	if ids == nil {
		return db.User.Query().Where(user.RoleEQ(viewer.RoleFieldworker), user.Active(true)).
			Order(ent.Asc(user.FieldName), ent.Asc(user.FieldID)).All(ctx)
	}
	var uniq []int
	for _, id := range ids {
		if !slices.Contains(uniq, id) {
			uniq = append(uniq, id)
		}
	}
	if len(uniq) == 0 {
		return []*ent.User{}, nil
	}
	found, err := db.User.Query().Where(user.IDIn(uniq...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*ent.User, len(uniq))
	for i, id := range uniq {
		j := slices.IndexFunc(found, func(u *ent.User) bool { return u.ID == id })
		if j < 0 {
			return nil, domain.NotFound("user", id)
		}
		out[i] = found[j]
	}
	return out, nil
}

// viewFilter says what a view shows of the users' time.
type viewFilter struct {
	window span
	// busyOnly leaves out imported events that do not take the time
	// (free, working elsewhere).
	busyOnly bool
	// exclude is a booking left out (0: none).
	exclude int
}

// viewEntries returns the entries of users' time overlapping f.window:
// one per occurrence of a booking and host shown, one per imported event
// and user of its account shown; sorted.
func (r *Resolver) viewEntries(ctx context.Context, v viewer.Viewer, org *ent.Organization, users []*ent.User, f viewFilter) ([]*model.CalendarEntry, error) {
	byID := make(map[int]*ent.User, len(users))
	ids := make([]int, len(users))
	for i, u := range users {
		byID[u.ID] = u
		ids[i] = u.ID
	}
	bookings, events, err := r.timeTakers(ctx, ids, []span{f.window}, f.busyOnly, f.exclude)
	if err != nil {
		return nil, err
	}
	out := []*model.CalendarEntry{}
	for _, b := range bookings {
		occs := bookingOccurrences(b, f.window)
		for _, h := range b.Edges.Hosts {
			if fw := byID[h.ID]; fw != nil {
				for _, o := range occs {
					out = append(out, bookingEntry(org, b, o, fw))
				}
			}
		}
	}
	for _, e := range events {
		for _, u := range e.Edges.Account.Edges.Users {
			if fw := byID[u.ID]; fw != nil {
				out = append(out, externalEntry(v, org, e, fw))
			}
		}
	}
	if len(out) > maxViewEntries {
		return nil, domain.InvalidField("to", fmt.Errorf("the view holds %d entries, more than %d: ask for a shorter range or fewer fieldworkers", len(out), maxViewEntries))
	}
	sortEntries(out)
	return out, nil
}

// timeTakers reads what may take userIDs' time in spans: the bookings they
// host, not cancelled, overlapping a span (recurring series begun before
// the last span ends too: their occurrences decide), but exclude, with
// their hosts; and the events of the selected calendars of their accounts
// overlapping a span (only the busy ones with busyOnly), with their
// calendar and account and its users (the calendar's account edge set to
// it). Six statements, whatever the users, spans and rows.
func (r *Resolver) timeTakers(ctx context.Context, userIDs []int, spans []span, busyOnly bool, exclude int) ([]*ent.Booking, []*ent.ExternalEvent, error) {
	spans = mergeSpans(spans)
	if len(userIDs) == 0 || len(spans) == 0 {
		return nil, nil, nil
	}
	envelope := span{spans[0].start, spans[len(spans)-1].end}
	if len(spans) > maxWindowTerms {
		spans = []span{envelope}
	}
	db := r.db(ctx)

	bookingIn := make([]predicate.Booking, 0, len(spans)+1)
	for _, s := range spans {
		bookingIn = append(bookingIn, booking.And(booking.StartAtLT(s.end), booking.EndAtGT(s.start)))
	}
	bookingIn = append(bookingIn, booking.And(booking.RecurrenceNEQ(""), booking.StartAtLT(envelope.end)))
	bq := db.Booking.Query().Where(booking.HasHostsWith(user.IDIn(userIDs...)), booking.CancelledAtIsNil(), booking.Or(bookingIn...))
	if exclude != 0 {
		bq.Where(booking.IDNEQ(exclude))
	}
	bookings, err := bq.WithHosts().Order(ent.Asc(booking.FieldStartAt), ent.Asc(booking.FieldID)).All(ctx)
	if err != nil {
		return nil, nil, err
	}

	eventIn := make([]predicate.ExternalEvent, len(spans))
	for i, s := range spans {
		eventIn[i] = externalevent.And(externalevent.StartAtLT(s.end), externalevent.EndAtGT(s.start))
	}
	eq := db.ExternalEvent.Query().Where(
		externalevent.HasAccountWith(calendaraccount.HasUsersWith(user.IDIn(userIDs...))),
		externalevent.HasCalendarWith(providercalendar.Selected(true)),
		externalevent.Or(eventIn...),
	)
	if busyOnly {
		eq.Where(externalevent.Busy(true))
	}
	rows, err := eq.WithCalendar().WithAccount(func(q *ent.CalendarAccountQuery) { q.WithUsers() }).
		Order(ent.Asc(externalevent.FieldStartAt), ent.Asc(externalevent.FieldID)).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	events := rows[:0]
	for _, e := range rows {
		// Both are there unless a row changed between the statements.
		if e.Edges.Account == nil || e.Edges.Calendar == nil {
			continue
		}
		e.Edges.Calendar.Edges.Account = e.Edges.Account
		events = append(events, e)
	}
	return bookings, events, nil
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans []span) []span {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b span) int { return a.start.Compare(b.start) })
	var out []span
	for _, x := range s {
		if !x.start.Before(x.end) {
			continue
		}
		if n := len(out); n > 0 && !x.start.After(out[n-1].end) {
			if x.end.After(out[n-1].end) {
				out[n-1].end = x.end
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// bookingEntry is fw's entry for occurrence o of booking b: the
// organization's primary colour, its secondary colour for recurring
// bookings.
func bookingEntry(org *ent.Organization, b *ent.Booking, o occurrence, fw *ent.User) *model.CalendarEntry {
	recurring := strings.TrimSpace(b.Recurrence) != ""
	color := org.PrimaryColor
	if recurring {
		color = org.SecondaryColor
	}
	id := o.start
	var original *time.Time
	if recurring && !o.original.IsZero() {
		id, original = o.original, &o.original
	}
	return &model.CalendarEntry{
		Kind: model.CalendarEntryKindBooking, ID: bookingEntryID(b, id), Fieldworker: fw, OriginalStart: original,
		Start: o.start, End: o.end, AllDay: b.AllDay, Title: b.Title,
		Busy: true, ShowAs: externalevent.ShowAsBUSY, Color: color,
		Booking: b, Recurring: recurring,
	}
}

// externalEntry is fw's entry for imported event e, whose account and
// calendar edges are loaded; its colour is the organization's for the
// account's provider.
func externalEntry(v viewer.Viewer, org *ent.Organization, e *ent.ExternalEvent, fw *ent.User) *model.CalendarEntry {
	acct := e.Edges.Account
	provider := acct.Provider
	out := &model.CalendarEntry{
		Kind: model.CalendarEntryKindExternal, ID: e.ID, Fieldworker: fw,
		Start: e.StartAt, End: e.EndAt, AllDay: e.AllDay, Title: visibleTitle(v, e, acct.Edges.Users),
		Busy: e.Busy, ShowAs: e.ShowAs, Private: e.Private, Color: providerColor(org, provider),
		ExternalEvent: e, Provider: &provider, Calendar: e.Edges.Calendar,
	}
	if e.WebLink != "" {
		link := e.WebLink
		out.WebLink = &link
	}
	return out
}

// visibleTitle is e's title as v may see it: a private event's title only
// for the users of its account (accountUsers), "Busy" for everyone else.
func visibleTitle(v viewer.Viewer, e *ent.ExternalEvent, accountUsers []*ent.User) string {
	if !e.Private || slices.ContainsFunc(accountUsers, func(u *ent.User) bool { return u.ID == v.UserID }) {
		return e.Title
	}
	return busyTitle
}

func providerColor(org *ent.Organization, p domain.Provider) string {
	if p == domain.ProviderMicrosoft {
		return org.MicrosoftEventColor
	}
	return org.GoogleEventColor
}

func legend(org *ent.Organization) *model.CalendarLegend {
	return &model.CalendarLegend{
		Booking: org.PrimaryColor, RecurringBooking: org.SecondaryColor,
		Google: org.GoogleEventColor, Microsoft: org.MicrosoftEventColor,
	}
}

// sortEntries orders entries by start, kind (bookings first), id, and
// then fieldworker.
func sortEntries(entries []*model.CalendarEntry) {
	slices.SortFunc(entries, func(a, b *model.CalendarEntry) int {
		return cmp.Or(
			a.Start.Compare(b.Start),
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Fieldworker.ID, b.Fieldworker.ID),
		)
	})
}
