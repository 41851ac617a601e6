package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/externalevent"
	"calsync/ent/providercalendar"
	"calsync/ent/user"
	"calsync/graph/model"
)

// The entries hand out the bookings, events, calendars and users the view
// read, so their fields cost nothing; their to-many edges (a booking's
// hosts, an account's users) and edges the view did not load (a booking's
// status) would cost a query per object, as everywhere ent's generated
// edge resolvers find an edge not loaded for the field's alias. When the
// client's selection reaches such edges, the objects are read once more,
// one query per kind and per edge asked for, with ent's field collection
// (CollectFields: what a connection resolver does for its nodes), and the
// entries hand out those instead.

// childField merges the fields called name in f's selection (aliases and
// fragments looked through); false when there is none.
func childField(opCtx *graphql.OperationContext, f graphql.CollectedField, name string) (graphql.CollectedField, bool) {
	var merged graphql.CollectedField
	found := false
	for _, c := range graphql.CollectFields(opCtx, f.Selections, nil) {
		if c.Name != name {
			continue
		}
		if !found {
			merged, found = graphql.CollectedField{Field: c.Field}, true
		}
		merged.Selections = append(merged.Selections[:len(merged.Selections):len(merged.Selections)], c.Selections...)
	}
	return merged, found
}

// reachesEdges tells whether f's selection holds fields with selections of
// their own: edges, or objects computed from the entity.
func reachesEdges(opCtx *graphql.OperationContext, f graphql.CollectedField) bool {
	for _, c := range graphql.CollectFields(opCtx, f.Selections, nil) {
		if len(c.Selections) > 0 {
			return true
		}
	}
	return false
}

// selectionOf returns the selection of ctx's field (at path below it) and
// the operation, when ctx is within one.
func selectionOf(ctx context.Context, path ...string) (*graphql.OperationContext, graphql.CollectedField, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return nil, graphql.CollectedField{}, false
	}
	opCtx := graphql.GetOperationContext(ctx)
	f := fc.Field
	for _, name := range path {
		var ok bool
		if f, ok = childField(opCtx, f, name); !ok {
			return nil, graphql.CollectedField{}, false
		}
	}
	return opCtx, f, true
}

// selected says which of names the selection of ctx's field (at path
// below it) asks for, looking through fragments on the types satisfies.
func selected(ctx context.Context, satisfies, path []string, names ...string) map[string]bool {
	opCtx, f, ok := selectionOf(ctx, path...)
	if !ok {
		return nil
	}
	out := map[string]bool{}
	for _, c := range graphql.CollectFields(opCtx, f.Selections, satisfies) {
		if slices.Contains(names, c.Name) {
			out[c.Name] = true
		}
	}
	return out
}

// recollect reads ids again with ent's field collection for selection f,
// when f reaches edges; nil otherwise.
func recollect[T any](ctx context.Context, opCtx *graphql.OperationContext, entry graphql.CollectedField, name string, ids []int,
	load func(fctx context.Context, ids []int) ([]T, error), id func(T) int) (map[int]T, error) {
	f, ok := childField(opCtx, entry, name)
	if !ok || len(ids) == 0 || !reachesEdges(opCtx, f) {
		return nil, nil
	}
	rows, err := load(graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: f}), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int]T, len(rows))
	for _, x := range rows {
		out[id(x)] = x
	}
	return out, nil
}

// collectEntryEdges loads what entry (the selection of CalendarEntry)
// asks of the entries' booking, externalEvent, calendar and fieldworker.
func (r *Resolver) collectEntryEdges(ctx context.Context, opCtx *graphql.OperationContext, entry graphql.CollectedField, entries []*model.CalendarEntry) error {
	if len(entries) == 0 {
		return nil
	}
	db := r.db(ctx)
	var bookingIDs, eventIDs, calendarIDs, userIDs []int
	seen := map[int]bool{}
	add := func(ids *[]int, id int) {
		if !seen[id] { // global ids: one set for every kind
			seen[id] = true
			*ids = append(*ids, id)
		}
	}
	for _, e := range entries {
		if e.Booking != nil {
			add(&bookingIDs, e.Booking.ID)
		}
		if e.ExternalEvent != nil {
			add(&eventIDs, e.ExternalEvent.ID)
		}
		if e.Calendar != nil {
			add(&calendarIDs, e.Calendar.ID)
		}
		add(&userIDs, e.Fieldworker.ID)
	}
	bookings, err := recollect(ctx, opCtx, entry, "booking", bookingIDs, func(fctx context.Context, ids []int) ([]*ent.Booking, error) {
		q, err := db.Booking.Query().Where(booking.IDIn(ids...)).CollectFields(fctx)
		if err != nil {
			return nil, err
		}
		return q.All(ctx)
	}, func(b *ent.Booking) int { return b.ID })
	if err != nil {
		return err
	}
	events, err := recollect(ctx, opCtx, entry, "externalEvent", eventIDs, func(fctx context.Context, ids []int) ([]*ent.ExternalEvent, error) {
		q, err := db.ExternalEvent.Query().Where(externalevent.IDIn(ids...)).CollectFields(fctx)
		if err != nil {
			return nil, err
		}
		return q.All(ctx)
	}, func(e *ent.ExternalEvent) int { return e.ID })
	if err != nil {
		return err
	}
	calendars, err := recollect(ctx, opCtx, entry, "calendar", calendarIDs, func(fctx context.Context, ids []int) ([]*ent.ProviderCalendar, error) {
		q, err := db.ProviderCalendar.Query().Where(providercalendar.IDIn(ids...)).CollectFields(fctx)
		if err != nil {
			return nil, err
		}
		return q.All(ctx)
	}, func(c *ent.ProviderCalendar) int { return c.ID })
	if err != nil {
		return err
	}
	users, err := recollectUsers(ctx, opCtx, entry, "fieldworker", db, userIDs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Booking != nil && bookings[e.Booking.ID] != nil {
			e.Booking = bookings[e.Booking.ID]
		}
		if x := e.ExternalEvent; x != nil && events[x.ID] != nil {
			// Its account, for the title and provider, if it came along.
			if events[x.ID].Edges.Account == nil {
				events[x.ID].Edges.Account = x.Edges.Account
			}
			e.ExternalEvent = events[x.ID]
		}
		if e.Calendar != nil && calendars[e.Calendar.ID] != nil {
			e.Calendar = calendars[e.Calendar.ID]
		}
		if x := users[e.Fieldworker.ID]; x != nil {
			e.Fieldworker = x
		}
	}
	return nil
}

// recollectUsers is recollect for the users of field name under f.
func recollectUsers(ctx context.Context, opCtx *graphql.OperationContext, f graphql.CollectedField, name string, db *ent.Client, ids []int) (map[int]*ent.User, error) {
	return recollect(ctx, opCtx, f, name, ids, func(fctx context.Context, ids []int) ([]*ent.User, error) {
		q, err := db.User.Query().Where(user.IDIn(ids...)).CollectFields(fctx)
		if err != nil {
			return nil, err
		}
		return q.All(ctx)
	}, func(u *ent.User) int { return u.ID })
}
