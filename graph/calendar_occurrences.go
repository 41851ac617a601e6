package graph

import (
	"strings"
	"time"

	"calsync/ent"
	"calsync/internal/scheduling"
)

// span is a half-open time interval [start, end).
type span struct{ start, end time.Time }

// occurrence is a span a booking takes; for a recurring booking's
// occurrence, original is where its series puts it.
type occurrence struct {
	span
	original time.Time
}

func (s span) overlaps(o span) bool { return s.start.Before(o.end) && o.start.Before(s.end) }

// occurrences returns the spans booking b takes that overlap w, in order:
// the booking itself, or for a recurring booking each occurrence of its
// series where it takes place (recurrence.Series.Instances: moved ones at
// their new times).
func occurrences(b *ent.Booking, w span) []span {
	occs := bookingOccurrences(b, w)
	out := make([]span, len(occs))
	for i, o := range occs {
		out[i] = o.span
	}
	return out
}

// bookingOccurrences is occurrences with each occurrence's original start.
func bookingOccurrences(b *ent.Booking, w span) []occurrence {
	first := occurrence{span: span{b.StartAt, b.EndAt}}
	if strings.TrimSpace(b.Recurrence) == "" {
		if first.overlaps(w) {
			return []occurrence{first}
		}
		return nil
	}
	insts, err := scheduling.SeriesOf(b).Instances(w.start, w.end)
	if err != nil {
		// Rules are checked when they are written; one that no longer
		// parses shows its first occurrence rather than nothing.
		if first.overlaps(w) {
			return []occurrence{first}
		}
		return nil
	}
	out := make([]occurrence, 0, len(insts))
	for _, in := range insts {
		out = append(out, occurrence{span{in.Start, in.End}, in.Original})
	}
	return out
}

// occurrenceBits is how many low bits of a recurring booking's entry id
// hold the occurrence.
const occurrenceBits = 26

// bookingEntryID is the CalendarEntry id of a booking's occurrence the
// series puts at start (a moved occurrence keeps its id). The ID scalar is an integer here, so the "booking id, then the
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
