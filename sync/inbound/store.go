package inbound

import (
	"context"
	"fmt"
	"slices"
	"time"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/ent/externalevent"
	"calsync/internal/domain"
	"calsync/internal/store"
)

// pageStore writes a read's pages as ExternalEvent rows.
type pageStore struct {
	r      *Reader
	sys    context.Context
	cal    *ent.ProviderCalendar
	window Window
	// full: a full read, whose rows get generation gen (the rows it does
	// not see are swept afterwards).
	full bool
	gen  int
	// What changed, for subscribers.
	changed, removed int
	spanFrom, spanTo time.Time
	// flow is two-way sync's part of the read (nil: none).
	flow FlowRead
}

// bulkRows bounds one INSERT's rows (SQLite's bound variables).
const bulkRows = 200

// store writes one page in one transaction.
func (s *pageStore) store(p Page) error {
	if s.flow != nil {
		// Events taken into bookings get links, which keep them out of
		// the imported busy time below.
		if err := s.flow.Take(s.sys, p); err != nil {
			return err
		}
	}
	if len(p.Removed) == 0 && !slices.ContainsFunc(p.Events, func(e Event) bool { return !e.Owned }) {
		// Only Calsync's own events, as they carry its tag (the echo of
		// its writes): nothing to store or remove.
		return nil
	}
	return store.InTx(s.sys, s.r.o.Client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.r.o.Client)
		owned, err := s.ownedIDs(ctx, db, p.Events)
		if err != nil {
			return err
		}
		var gone []string
		gone = append(gone, p.Removed...)
		rows := make([]*ent.ExternalEventCreate, 0, len(p.Events))
		for _, e := range p.Events {
			if e.Owned || owned[e.ID] || (e.SeriesID != "" && owned[e.SeriesID]) {
				continue // Calsync's own event
			}
			c, ok := s.row(db, e)
			if !ok {
				gone = append(gone, e.ID) // left the window, or unreadable
				continue
			}
			s.widen(e.Start, e.End)
			rows = append(rows, c)
		}
		for start := 0; start < len(rows); start += bulkRows {
			end := min(start+bulkRows, len(rows))
			err := db.ExternalEvent.CreateBulk(rows[start:end]...).
				OnConflictColumns(externalevent.FieldCalendarRefID, externalevent.FieldProviderEventID).
				UpdateNewValues().Exec(ctx)
			if err != nil {
				return fmt.Errorf("inbound: store events: %w", err)
			}
		}
		s.changed += len(rows)
		if len(gone) > 0 {
			if err := s.remove(ctx, db, gone); err != nil {
				return err
			}
		}
		return nil
	})
}

// remove deletes the events (and, for a deleted series, its occurrences).
func (s *pageStore) remove(ctx context.Context, db *ent.Client, ids []string) error {
	for start := 0; start < len(ids); start += bulkRows {
		chunk := ids[start:min(start+bulkRows, len(ids))]
		if !s.full {
			// What is removed is known only by id: the span is unknown
			// unless the rows say it.
			evs, err := db.ExternalEvent.Query().Where(externalevent.CalendarRefID(s.cal.ID),
				externalevent.Or(externalevent.ProviderEventIDIn(chunk...), externalevent.RecurringSeriesIDIn(chunk...))).
				Select(externalevent.FieldStartAt, externalevent.FieldEndAt).All(ctx)
			if err != nil {
				return fmt.Errorf("inbound: remove events: %w", err)
			}
			for _, e := range evs {
				s.widen(e.StartAt, e.EndAt)
			}
		}
		n, err := db.ExternalEvent.Delete().Where(externalevent.CalendarRefID(s.cal.ID),
			externalevent.Or(externalevent.ProviderEventIDIn(chunk...), externalevent.RecurringSeriesIDIn(chunk...))).Exec(ctx)
		if err != nil {
			return fmt.Errorf("inbound: remove events: %w", err)
		}
		s.removed += n
	}
	return nil
}

func (s *pageStore) widen(from, to time.Time) {
	if s.spanFrom.IsZero() || from.Before(s.spanFrom) {
		s.spanFrom = from
	}
	if to.After(s.spanTo) {
		s.spanTo = to
	}
}

// ownedIDs finds which of the events (or their series) are Calsync's own,
// by the event links the push engine recorded for the account: a provider
// that does not return Calsync's tag in its change feed (Graph delta)
// still never has Calsync's events imported.
func (s *pageStore) ownedIDs(ctx context.Context, db *ent.Client, evs []Event) (map[string]bool, error) {
	ids := make([]string, 0, len(evs))
	seen := map[string]bool{}
	for _, e := range evs {
		for _, id := range []string{e.ID, e.SeriesID} {
			if id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	owned := map[string]bool{}
	for start := 0; start < len(ids); start += bulkRows {
		chunk := ids[start:min(start+bulkRows, len(ids))]
		got, err := db.EventLink.Query().
			Where(eventlink.AccountID(s.cal.AccountID), eventlink.ProviderEventIDIn(chunk...)).
			Select(eventlink.FieldProviderEventID).Strings(ctx)
		if err != nil {
			return nil, fmt.Errorf("inbound: find Calsync's events: %w", err)
		}
		for _, id := range got {
			owned[id] = true
		}
	}
	return owned, nil
}

// row builds the upsert of one event; false when the event is outside the
// window or cannot be stored (then any earlier copy is removed).
func (s *pageStore) row(db *ent.Client, e Event) (*ent.ExternalEventCreate, bool) {
	if e.ID == "" || len(e.ID) > 1024 || len(e.SeriesID) > 1024 {
		return nil, false
	}
	start, end := e.Start.UTC(), e.End.UTC()
	if start.IsZero() || start.Year() < 1 || end.Year() > 9999 {
		return nil, false
	}
	if end.Before(start) {
		end = start
	}
	inWindow := start.Before(s.window.To) && (end.After(s.window.From) || (end.Equal(start) && !start.Before(s.window.From)))
	if !inWindow {
		return nil, false
	}
	show := e.ShowAs
	switch show {
	case ShowFree, ShowTentative, ShowBusy, ShowOutOfOffice, ShowWorkingElsewhere:
	default:
		show = ShowBusy
	}
	status := "confirmed"
	if e.Tentative {
		status = "tentative"
	}
	link := e.WebLink
	if len(link) > 2000 {
		link = ""
	}
	c := db.ExternalEvent.Create().
		SetOrganizationID(s.cal.OrganizationID).SetCalendarRefID(s.cal.ID).SetAccountID(s.cal.AccountID).
		SetProviderEventID(e.ID).SetTitle(domain.Clip(e.Title, 1000)).SetStartAt(start).SetEndAt(end).
		SetAllDay(e.AllDay).SetPrivate(e.Private).SetShowAs(externalevent.ShowAs(show)).SetBusy(isBusy(show)).
		SetStatus(status).SetRecurringSeriesID(e.SeriesID).SetWebLink(link).SetReadGen(s.gen).
		SetUpdatedAt(s.r.o.Now())
	return c, true
}

// isBusy: the time is taken unless the event shows free or working
// elsewhere.
func isBusy(s ShowAs) bool { return s != ShowFree && s != ShowWorkingElsewhere }
