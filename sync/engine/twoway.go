package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/eventlink"
	"calsync/ent/providercalendar"
	"calsync/ent/providerconfig"
	"calsync/ent/syncconflict"
	"calsync/internal/domain"
	"calsync/internal/store"
)

// TwoWay is told about provider-side changes the engine runs into while
// pushing in an organization that syncs both ways (sync/twoway): an
// update refused for a stale etag, an event gone at the provider. The
// engine holds the account's lock while calling it, and does not
// overwrite or recreate the event itself: the change flows back, or the
// booking enters the conflict queue.
type TwoWay interface {
	Stale(ctx context.Context, a *ent.CalendarAccount, link *ent.EventLink) error
	// Occurrences is asked before an update rewrites the occurrences of
	// link's series: an occurrence changed at the provider since both
	// sides last agreed is taken or queued rather than overwritten (no
	// etag covers a Google instance). It reports whether the update must
	// wait for the next round (the booking changed, or is in conflict).
	Occurrences(ctx context.Context, a *ent.CalendarAccount, link *ent.EventLink) (bool, error)
}

// rewritesOccurrences reports whether op, an update of a series, writes
// its cancelled or moved occurrences without changing the series' time
// (a new time rewrites the whole series, as both providers do).
func rewritesOccurrences(op Op) bool {
	if op.Kind != OpUpdate || strings.TrimSpace(op.Event.RRule) == "" || slices.Contains(op.Fields, FieldTime) {
		return false
	}
	return slices.Contains(op.Fields, FieldRecurrence) || op.RewritesMoved()
}

// TwoWayState is how an account takes part in two-way sync.
type TwoWayState struct {
	// On: the organization syncs the account's provider both ways.
	On bool
	// Ready: the destination calendar has been read in full once, so
	// first contact has adopted the provider's matching events; until
	// then Calsync creates no event there (it could duplicate one).
	Ready bool
}

// The two facts of an account's TwoWayState, selected with the account's
// row (withTwoWay).
const (
	directionColumn = "calsync_sync_direction"
	readColumn      = "calsync_destination_read"
)

// withTwoWay selects, with each account, its provider's sync direction in
// its organization (empty without settings) and whether its destination
// calendar has been read in full once.
func withTwoWay(s *sql.Selector) {
	b := sql.Dialect(s.Dialect())
	pc := b.Table(providerconfig.Table)
	s.AppendSelectExprAs(store.OrEmpty(b.Select(pc.C(providerconfig.FieldSyncDirection)).From(pc).Where(sql.And(
		sql.ColumnsEQ(pc.C(providerconfig.FieldOrganizationID), s.C(calendaraccount.FieldOrganizationID)),
		sql.ColumnsEQ(pc.C(providerconfig.FieldProvider), s.C(calendaraccount.FieldProvider)),
	))), directionColumn)
	cal := b.Table(providercalendar.Table)
	s.AppendSelectExprAs(sql.Exists(b.Select(cal.C(providercalendar.FieldID)).From(cal).Where(sql.And(
		sql.ColumnsEQ(cal.C(providercalendar.FieldAccountID), s.C(calendaraccount.FieldID)),
		sql.ColumnsEQ(cal.C(providercalendar.FieldCalendarID), s.C(calendaraccount.FieldDestinationCalendarID)),
		sql.NotNull(cal.C(providercalendar.FieldWindowFrom)),
	))), readColumn)
}

// twoWayFrom is the two-way state of an account loaded withTwoWay.
func twoWayFrom(a *ent.CalendarAccount) (TwoWayState, error) {
	dir, err := store.SelectedText(a, directionColumn)
	if err != nil {
		return TwoWayState{}, fmt.Errorf("engine: provider settings: %w", err)
	}
	if dir != string(providerconfig.SyncDirectionTWO_WAY) {
		return TwoWayState{}, nil // '' without settings: one way
	}
	read, err := store.SelectedBool(a, readColumn)
	if err != nil {
		return TwoWayState{}, fmt.Errorf("engine: destination calendar: %w", err)
	}
	return TwoWayState{On: true, Ready: read}, nil
}

// TwoWayOf reads a's two-way state (one statement). An account deleted
// meanwhile syncs nothing either way.
func TwoWayOf(ctx context.Context, db *ent.Client, a *ent.CalendarAccount) (TwoWayState, error) {
	v, err := db.CalendarAccount.Query().Where(calendaraccount.ID(a.ID)).Select(calendaraccount.FieldID).Modify(withTwoWay).Only(ctx)
	if ent.IsNotFound(err) {
		return TwoWayState{}, nil
	}
	if err != nil {
		return TwoWayState{}, fmt.Errorf("engine: two-way state: %w", err)
	}
	return twoWayFrom(v)
}

// heldLinks are the account's links with an open conflict: neither side
// is written until it is resolved. A conflict whose booking was deleted
// meanwhile holds nothing: the deletion is Calsync's last word, and its
// event is removed.
func heldLinks(ctx context.Context, db *ent.Client, accountID int) (map[int]bool, error) {
	ids, err := db.SyncConflict.Query().
		Where(syncconflict.StateEQ(syncconflict.StateOPEN), syncconflict.BookingIDNotNil(),
			syncconflict.HasLinkWith(eventlink.AccountID(accountID))).
		Select(syncconflict.FieldLinkID).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: open conflicts: %w", err)
	}
	out := make(map[int]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// VersionOf is what the provider holds after Calsync wrote ev: instants in
// UTC, all-day events at midnight UTC of their dates (as readers give
// them).
func VersionOf(ev Event) domain.EventVersion {
	v := domain.EventVersion{Title: ev.Title, Location: ev.Location, Description: ev.Description,
		Start: ev.Start.UTC(), End: ev.End.UTC(), AllDay: ev.AllDay, Rule: ev.RRule}
	if ev.AllDay {
		v.Start = dateOf(ev.Start)
		v.End = dateOf(ev.End)
	}
	if ev.RRule != "" {
		v.Occurrences = OccurrencesOf(ev)
	}
	return v
}

// OccurrencesOf are series ev's cancelled and moved occurrences,
// normalised.
func OccurrencesOf(ev Event) *domain.SeriesOccurrences {
	moved := make([]domain.MovedOccurrence, len(ev.Moved))
	for i, m := range ev.Moved {
		moved[i] = domain.MovedOccurrence{OriginalStart: m.Original, StartAt: m.Start, EndAt: m.End}
	}
	return domain.NewSeriesOccurrences(ev.ExDates, moved, ev.End.Sub(ev.Start))
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Raw is the event of a booking made from a provider event (link origin
// PROVIDER): the booking's own title, location and notes rather than
// Calsync's rendering, and no Calsync tags — it is the fieldworker's
// event, which Calsync only keeps in step.
func Raw(ev Event, b *ent.Booking) Event {
	ev.Title = b.Title
	ev.Description = b.ServiceDescription
	ev.Location = ""
	if len(b.Addresses) > 0 {
		ev.Location = b.Addresses[0]
	}
	ev.Tags = nil
	return ev
}

// eventFor is what the pair's event should be under link l.
func eventFor(l *ent.EventLink, d decision) Event {
	if l != nil && l.Origin == eventlink.OriginPROVIDER {
		return Raw(d.event, d.booking)
	}
	return d.event
}
