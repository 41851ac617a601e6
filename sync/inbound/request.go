package inbound

import (
	"context"
	"fmt"
	"time"

	"calsync/ent"
)

// Read requests follow the sync engine's handshake (engine.RequestSync):
// whoever learns that a calendar changed (a notification, the safety poll,
// a selection) counts a request (read_requested + 1) and wakes a read keyed
// by read_done at that moment; the reader, one at a time per calendar,
// reads read_requested as R, reads the calendar, records read_done = R and
// looks again. A notification arriving while a read runs is either seen by
// that read's final look or wakes a read of its own, never swallowed.

// ReadRequest is one counted request for a calendar's read.
type ReadRequest struct {
	OrgID      int
	CalendarID int
	// Since is read_done when the request was counted: the wake-up's key.
	Since int
	// After delays the read (0: at once).
	After time.Duration
}

// RequestRead counts a read request for each calendar (ProviderCalendar
// ids) and returns the wake-up keys; calendars that no longer exist are
// left out.
func RequestRead(ctx context.Context, db *ent.Client, calendarIDs ...int) ([]ReadRequest, error) {
	out := make([]ReadRequest, 0, len(calendarIDs))
	for _, id := range calendarIDs {
		c, err := db.ProviderCalendar.UpdateOneID(id).AddReadRequested(1).Save(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("inbound: request read: %w", err)
		}
		out = append(out, ReadRequest{OrgID: c.OrganizationID, CalendarID: c.ID, Since: c.ReadDone})
	}
	return out, nil
}

// Waker queues the background work (sync/tasks implements it).
type Waker interface {
	// WakeReads queues the reads the requests ask for.
	WakeReads(ctx context.Context, reqs ...ReadRequest) error
	// WakeWatch queues making sure a calendar's notifications are set up
	// as its selection wants: started, renewed, or stopped.
	WakeWatch(ctx context.Context, orgID, calendarID int) error
}
