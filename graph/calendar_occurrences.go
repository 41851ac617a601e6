package graph

import (
	"strings"
	"time"

	"calsync/ent"
	"calsync/internal/recurrence"
)

// span is a half-open time interval [start, end).
type span struct{ start, end time.Time }

func (s span) overlaps(o span) bool { return s.start.Before(o.end) && o.start.Before(s.end) }

// occurrences returns the spans booking b takes that overlap w, in order:
// the booking itself, or for a recurring booking each occurrence of its
// series (recurrence.Series.Occurrences), each lasting as long as the
// booking.
func occurrences(b *ent.Booking, w span) []span {
	length := b.EndAt.Sub(b.StartAt)
	first := span{b.StartAt, b.EndAt}
	if strings.TrimSpace(b.Recurrence) == "" {
		if first.overlaps(w) {
			return []span{first}
		}
		return nil
	}
	starts, err := recurrence.Series{Rule: b.Recurrence, Start: b.StartAt, Length: length, TimeZone: b.TimeZone,
		AllDay: b.AllDay, Exceptions: b.RecurrenceExceptions}.Occurrences(w.start, w.end)
	if err != nil {
		// Rules are checked when they are written; one that no longer
		// parses shows its first occurrence rather than nothing.
		if first.overlaps(w) {
			return []span{first}
		}
		return nil
	}
	out := make([]span, 0, len(starts))
	for _, t := range starts {
		out = append(out, span{t, t.Add(length)})
	}
	return out
}

// occurrenceBits is how many low bits of a recurring booking's entry id
// hold the occurrence.
const occurrenceBits = 26

// bookingEntryID is the CalendarEntry id of a booking's occurrence starting
// at start. The ID scalar is an integer here, so the "booking id, then the
// occurrence start" id is packed into one: a single booking's entry has
// the booking's id; an occurrence of a recurring booking has the booking's
// id shifted left by 26 bits, plus its start in Unix minutes modulo 2^26
// (127 years). Global ids are below 2^37, so these stay below 2^63 and
// above every entity's id, and the same occurrence has the same id in every
// view. The entries of a booking with several hosts shown share its id:
// (kind, id, fieldworker) identifies an entry.
func bookingEntryID(b *ent.Booking, start time.Time) int {
	if strings.TrimSpace(b.Recurrence) == "" {
		return b.ID
	}
	minutes := start.Unix() / 60
	return b.ID<<occurrenceBits | int(minutes&(1<<occurrenceBits-1))
}
