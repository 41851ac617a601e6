package graph

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/calendaraccount"
	"calsync/graph/model"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// calendarLoaders batch what the calendar fields read per object: the
// accounts of imported events reached without them (node(id:)), and the
// conflicts of a page of bookings.
type calendarLoaders struct {
	accounts  *dataloadgen.Loader[int, *ent.CalendarAccount]
	conflicts *dataloadgen.Loader[int, []*model.CalendarEntry]
}

func (r *Resolver) newCalendarLoaders() *calendarLoaders {
	// Without a cache, as the operation's other loaders (see newLoaders).
	return &calendarLoaders{
		accounts:  dataloadgen.NewLoader(r.loadAccounts, dataloadgen.WithoutCache()),
		conflicts: dataloadgen.NewLoader(r.loadConflicts, dataloadgen.WithoutCache()),
	}
}

// calendarLoaders returns the calendar loaders of ctx's operation; outside
// one, each call gets its own (correct, but nothing is batched).
func (r *Resolver) calendarLoaders(ctx context.Context) *calendarLoaders {
	return r.loaders(ctx).calendar
}

// loadAccounts reads accounts with their users, in two statements.
func (r *Resolver) loadAccounts(ctx context.Context, ids []int) ([]*ent.CalendarAccount, []error) {
	rows, err := r.db(ctx).CalendarAccount.Query().Where(calendaraccount.IDIn(ids...)).WithUsers().All(ctx)
	if err != nil {
		return nil, []error{err}
	}
	byID := make(map[int]*ent.CalendarAccount, len(rows))
	for _, a := range rows {
		byID[a.ID] = a
	}
	out := make([]*ent.CalendarAccount, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		if out[i] = byID[id]; out[i] == nil {
			errs[i] = domain.NotFound("calendar account", id)
		}
	}
	return out, errs
}

// externalEventAccount returns e's account with its users: the one loaded
// with e, or through the operation's loader.
func (r *Resolver) externalEventAccount(ctx context.Context, e *ent.ExternalEvent) (*ent.CalendarAccount, error) {
	if a := e.Edges.Account; a != nil {
		if _, err := a.Edges.UsersOrErr(); err == nil {
			return a, nil
		}
	}
	return r.calendarLoaders(ctx).accounts.Load(ctx, e.AccountID)
}

// preloadEventAccounts reads, in one batch, the accounts (with their
// users) of the imported events among nodes whose title or provider the
// selection asks for, so that many events cost what one does. The
// operation's loader would batch them too, but only the loads that reach
// it within its wait: on a busy machine a long list is split.
func (r *Resolver) preloadEventAccounts(ctx context.Context, nodes []ent.Noder) error {
	asks := selected(ctx, []string{"ExternalEvent", "Node"}, nil, "title", "provider")
	title, provider := asks["title"], asks["provider"]
	if !title && !provider {
		return nil
	}
	var events []*ent.ExternalEvent
	var ids []int
	seen := map[int]bool{}
	for _, n := range nodes {
		e, ok := n.(*ent.ExternalEvent)
		if !ok || e.Edges.Account != nil || (!provider && !e.Private) {
			continue
		}
		events = append(events, e)
		if !seen[e.AccountID] {
			seen[e.AccountID] = true
			ids = append(ids, e.AccountID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := r.db(ctx).CalendarAccount.Query().Where(calendaraccount.IDIn(ids...)).WithUsers().All(ctx)
	if err != nil {
		return err
	}
	byID := make(map[int]*ent.CalendarAccount, len(rows))
	for _, a := range rows {
		byID[a.ID] = a
	}
	for _, e := range events {
		// An account not found is left to the field, which says so.
		e.Edges.Account = byID[e.AccountID]
	}
	return nil
}

// externalEventTitle answers ExternalEvent.title: the title, but "Busy"
// for a private event the viewer is no user of its account of.
func (r *Resolver) externalEventTitle(ctx context.Context, e *ent.ExternalEvent) (string, error) {
	if !e.Private {
		return e.Title, nil
	}
	a, err := r.externalEventAccount(ctx, e)
	if err != nil {
		return "", err
	}
	v, _ := viewer.FromContext(ctx)
	return visibleTitle(v, e, a.Edges.Users), nil
}

// externalEventProvider answers ExternalEvent.provider: its account's.
func (r *Resolver) externalEventProvider(ctx context.Context, e *ent.ExternalEvent) (domain.Provider, error) {
	a, err := r.externalEventAccount(ctx, e)
	if err != nil {
		return "", err
	}
	return a.Provider, nil
}

// The horizon of a recurring booking's conflicts: its occurrences from 30
// days ago to 90 days ahead (what a scheduler acts on; a series may be
// endless). A single booking's conflicts are its own, whenever it is.
const (
	// MaxConflicts bounds the conflicts reported for one booking (the
	// earliest first): what a scheduler needs to see it is double-booked,
	// and a bound on what one field costs.
	MaxConflicts    = 25
	conflictsPast   = 30 * 24 * time.Hour
	conflictsFuture = 90 * 24 * time.Hour
)

// conflicts answers Booking.conflicts through the operation's loader.
func (r *Resolver) conflicts(ctx context.Context, b *ent.Booking) ([]*model.CalendarEntry, error) {
	if b.CancelledAt != nil {
		return []*model.CalendarEntry{}, nil
	}
	return r.calendarLoaders(ctx).conflicts.Load(ctx, b.ID)
}

// loadConflicts finds, for each booking of ids, what else takes its hosts'
// time during it (an occurrence of it): their busy imported events and the
// other bookings they host, not cancelled — one entry per thing and host,
// sorted. Nine statements for the whole batch: the bookings and their
// hosts, the organization, and timeTakers over every occurrence (and what
// the selection asks of the entries' objects, collectEntryEdges).
func (r *Resolver) loadConflicts(ctx context.Context, ids []int) ([][]*model.CalendarEntry, []error) {
	db := r.db(ctx)
	v, _ := viewer.FromContext(ctx)
	// Keys repeat when a booking is asked for twice (no cache).
	bookings, err := db.Booking.Query().Where(booking.IDIn(ids...), booking.CancelledAtIsNil()).WithHosts().All(ctx)
	if err != nil {
		return nil, []error{err}
	}
	now := time.Now()
	horizon := span{now.Add(-conflictsPast), now.Add(conflictsFuture)}
	occs := make(map[int][]span, len(bookings))
	var all []span
	var hostIDs []int
	seenHost := map[int]bool{}
	for _, b := range bookings {
		w := span{b.StartAt, b.EndAt}
		if strings.TrimSpace(b.Recurrence) != "" {
			w = horizon
		}
		occs[b.ID] = occurrences(b, w)
		all = append(all, occs[b.ID]...)
		for _, h := range b.Edges.Hosts {
			if !seenHost[h.ID] {
				seenHost[h.ID] = true
				hostIDs = append(hostIDs, h.ID)
			}
		}
	}
	found := make(map[int][]*model.CalendarEntry, len(bookings))
	if merged := mergeSpans(all); len(merged) > 0 && len(hostIDs) > 0 {
		org, err := db.Organization.Get(ctx, v.OrgID)
		if err != nil {
			return nil, []error{err}
		}
		others, events, err := r.timeTakers(ctx, hostIDs, merged, true, 0)
		if err != nil {
			return nil, []error{err}
		}
		// The other bookings' occurrences and the events, by user.
		envelope := span{merged[0].start, merged[len(merged)-1].end}
		type bookingOcc struct {
			b *ent.Booking
			o occurrence
		}
		hosted := map[int][]bookingOcc{}
		for _, ob := range others {
			for _, o := range bookingOccurrences(ob, envelope) {
				for _, h := range ob.Edges.Hosts {
					hosted[h.ID] = append(hosted[h.ID], bookingOcc{ob, o})
				}
			}
		}
		imported := map[int][]*ent.ExternalEvent{}
		for _, e := range events {
			for _, u := range e.Edges.Account.Edges.Users {
				imported[u.ID] = append(imported[u.ID], e)
			}
		}
		// Sorted by start, with the longest length per user, so each
		// occurrence looks only at what can overlap it.
		longestBooking, longestEvent := map[int]time.Duration{}, map[int]time.Duration{}
		for u, xs := range hosted {
			slices.SortFunc(xs, func(a, b bookingOcc) int { return a.o.start.Compare(b.o.start) })
			for _, x := range xs {
				longestBooking[u] = max(longestBooking[u], x.o.end.Sub(x.o.start))
			}
		}
		for u, es := range imported {
			slices.SortFunc(es, func(a, b *ent.ExternalEvent) int { return a.StartAt.Compare(b.StartAt) })
			for _, e := range es {
				longestEvent[u] = max(longestEvent[u], e.EndAt.Sub(e.StartAt))
			}
		}
		type entryKey struct {
			kind   model.CalendarEntryKind
			id, fw int
		}
		for _, b := range bookings {
			out := []*model.CalendarEntry{}
			seen := map[entryKey]bool{}
			add := func(e *model.CalendarEntry) {
				if k := (entryKey{e.Kind, e.ID, e.Fieldworker.ID}); !seen[k] {
					seen[k] = true
					out = append(out, e)
				}
			}
		hosts:
			for _, h := range b.Edges.Hosts {
				xs, es := hosted[h.ID], imported[h.ID]
				for _, o := range occs[b.ID] {
					from := o.start.Add(-longestBooking[h.ID])
					i, _ := slices.BinarySearchFunc(xs, from, func(x bookingOcc, t time.Time) int { return x.o.start.Compare(t) })
					for ; i < len(xs) && xs[i].o.start.Before(o.end); i++ {
						if x := xs[i]; x.b.ID != b.ID && x.o.overlaps(o) {
							add(bookingEntry(org, x.b, x.o, h))
						}
					}
					from = o.start.Add(-longestEvent[h.ID])
					j, _ := slices.BinarySearchFunc(es, from, func(e *ent.ExternalEvent, t time.Time) int { return e.StartAt.Compare(t) })
					for ; j < len(es) && es[j].StartAt.Before(o.end); j++ {
						if e := es[j]; (span{e.StartAt, e.EndAt}).overlaps(o) {
							add(externalEntry(v, org, e, h))
						}
					}
					if len(out) >= MaxConflicts {
						break hosts
					}
				}
			}
			sortEntries(out)
			if len(out) > MaxConflicts {
				out = out[:MaxConflicts]
			}
			found[b.ID] = out
		}
		// The batch's entries as the first key's field selects them
		// (one document's conflicts fields select alike).
		if opCtx, entry, ok := selectionOf(ctx); ok {
			var flat []*model.CalendarEntry
			for _, es := range found {
				flat = append(flat, es...)
			}
			if err := r.collectEntryEdges(ctx, opCtx, entry, flat); err != nil {
				return nil, []error{err}
			}
		}
	}
	res := make([][]*model.CalendarEntry, len(ids))
	for i, id := range ids {
		if res[i] = found[id]; res[i] == nil {
			// Cancelled meanwhile, or no occurrence within the horizon.
			res[i] = []*model.CalendarEntry{}
		}
	}
	return res, nil
}
