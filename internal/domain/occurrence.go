package domain

import (
	"slices"
	"time"
)

// MovedOccurrence is one occurrence of a recurring booking that takes
// place elsewhere than its series puts it: OriginalStart names it (where
// the series puts it), StartAt and EndAt are where it is now.
type MovedOccurrence struct {
	OriginalStart time.Time `json:"originalStart"`
	StartAt       time.Time `json:"startAt"`
	EndAt         time.Time `json:"endAt"`
}

// MaxMovedOccurrences bounds how many occurrences of one booking may be
// moved.
const MaxMovedOccurrences = 500

// SeriesOccurrences are the occurrences of a series that are not where
// its rule puts them: cancelled ones (by original start) and moved ones.
// Two-way sync keeps the provider's, as last agreed, on an event link
// (EventVersion.Occurrences) to tell who changed an occurrence.
type SeriesOccurrences struct {
	Cancelled []time.Time       `json:"cancelled,omitempty"`
	Moved     []MovedOccurrence `json:"moved,omitempty"`
}

// NewSeriesOccurrences normalises a series' cancelled and moved
// occurrences (each occurrence lasting length): instants in UTC, sorted,
// an occurrence both cancelled and moved only cancelled, and one "moved"
// to where the series puts it left out.
func NewSeriesOccurrences(cancelled []time.Time, moved []MovedOccurrence, length time.Duration) *SeriesOccurrences {
	out := &SeriesOccurrences{}
	gone := map[int64]bool{}
	for _, c := range cancelled {
		if !gone[c.Unix()] {
			gone[c.Unix()] = true
			out.Cancelled = append(out.Cancelled, c.UTC())
		}
	}
	seen := map[int64]bool{}
	for _, m := range moved {
		k := m.OriginalStart.Unix()
		if gone[k] || seen[k] || (m.StartAt.Equal(m.OriginalStart) && m.EndAt.Sub(m.StartAt) == length) {
			continue
		}
		seen[k] = true
		out.Moved = append(out.Moved, MovedOccurrence{OriginalStart: m.OriginalStart.UTC(), StartAt: m.StartAt.UTC(), EndAt: m.EndAt.UTC()})
	}
	slices.SortFunc(out.Cancelled, func(a, b time.Time) int { return a.Compare(b) })
	slices.SortFunc(out.Moved, func(a, b MovedOccurrence) int { return a.OriginalStart.Compare(b.OriginalStart) })
	return out
}

// SameOccurrences reports whether a and b (normalised) hold the same
// occurrences; nil (not known) is the same as nothing.
func SameOccurrences(a, b *SeriesOccurrences) bool {
	if a == nil {
		a = &SeriesOccurrences{}
	}
	if b == nil {
		b = &SeriesOccurrences{}
	}
	return slices.EqualFunc(a.Cancelled, b.Cancelled, time.Time.Equal) &&
		slices.EqualFunc(a.Moved, b.Moved, func(x, y MovedOccurrence) bool {
			return x.OriginalStart.Equal(y.OriginalStart) && x.StartAt.Equal(y.StartAt) && x.EndAt.Equal(y.EndAt)
		})
}
