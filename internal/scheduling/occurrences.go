package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"calsync/ent"
	"calsync/internal/domain"
	"calsync/internal/recurrence"
)

// SeriesOf is booking b's series as recurrence expands it, moved
// occurrences included.
func SeriesOf(b *ent.Booking) recurrence.Series {
	s := recurrence.Series{Rule: b.Recurrence, Start: b.StartAt, Length: b.EndAt.Sub(b.StartAt), TimeZone: b.TimeZone,
		AllDay: b.AllDay, Exceptions: b.RecurrenceExceptions}
	for _, m := range b.MovedOccurrences {
		s.Moved = append(s.Moved, recurrence.Moved{Original: m.OriginalStart, Start: m.StartAt, End: m.EndAt})
	}
	return s
}

// MoveOccurrence moves one occurrence of recurring booking id (see
// WithMoves).
func (s *Service) MoveOccurrence(ctx context.Context, id int, original, start, end time.Time) (*ent.Booking, error) {
	return s.MoveOccurrences(ctx, id, []domain.MovedOccurrence{{OriginalStart: original, StartAt: start, EndAt: end}})
}

// MoveOccurrences moves occurrences of recurring booking id at once (two-way
// sync takes the moves read at the provider this way); each is checked as
// WithMoves says.
func (s *Service) MoveOccurrences(ctx context.Context, id int, moves []domain.MovedOccurrence) (*ent.Booking, error) {
	return s.update(ctx, "booking.move_occurrence", id, func(ctx context.Context, db *ent.Client, b *ent.Booking, hosts []int) (*ent.BookingUpdateOne, error) {
		moved, err := WithMoves(b, moves...)
		if err != nil {
			return nil, err
		}
		return db.Booking.UpdateOne(b).SetMovedOccurrences(moved), nil
	})
}

// WithMoves returns booking b's moved occurrences after moves: each names
// an occurrence of b's series by its original start and puts it at
// [StartAt, EndAt); one put back where the series puts it is no longer
// moved (its entry stays, with StartAt = OriginalStart, for the calendars
// to follow; Moved leaves it out). An occurrence stays after the day of the occurrence before it and
// before the day of the one after it, in the booking's zone (Outlook
// refuses a move across them; the rule is kept for both providers so a
// booking never holds what one of them cannot show).
func WithMoves(b *ent.Booking, moves ...domain.MovedOccurrence) ([]domain.MovedOccurrence, error) {
	if strings.TrimSpace(b.Recurrence) == "" {
		return nil, domain.InvalidField("bookingId", errors.New("only an occurrence of a recurring booking can be moved"))
	}
	series := SeriesOf(b)
	length := b.EndAt.Sub(b.StartAt)
	out := slices.Clone(b.MovedOccurrences)
	loc := time.UTC
	if !b.AllDay {
		if l, err := time.LoadLocation(b.TimeZone); err == nil {
			loc = l
		}
	}
	day := func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
	for _, m := range moves {
		m.OriginalStart, m.StartAt, m.EndAt = m.OriginalStart.UTC(), m.StartAt.UTC(), m.EndAt.UTC()
		if err := validateTimes(m.StartAt, m.EndAt, b.AllDay); err != nil {
			return nil, err
		}
		ok, err := series.IsOccurrence(m.OriginalStart)
		if err != nil {
			return nil, domain.InvalidField("originalStart", fmt.Errorf("the booking's rule cannot be expanded: %v", err))
		}
		if !ok {
			return nil, domain.InvalidField("originalStart", fmt.Errorf("no occurrence of the booking starts at %s", m.OriginalStart.Format(time.RFC3339)))
		}
		was := len(out)
		out = slices.DeleteFunc(out, func(x domain.MovedOccurrence) bool { return x.OriginalStart.Equal(m.OriginalStart) })
		if m.StartAt.Equal(m.OriginalStart) && m.EndAt.Equal(m.OriginalStart.Add(length)) {
			// Back where the series puts it. One that was moved keeps its
			// entry, so calendars that hold it moved put it back too.
			if len(out) < was {
				out = append(out, m)
			}
			series.Moved = movedOf(out)
			continue
		}
		prev, next, err := series.Neighbours(m.OriginalStart, recurrence.NeighbourReach)
		if err != nil {
			return nil, domain.InvalidField("originalStart", err)
		}
		if !prev.IsZero() {
			if p := placeOf(out, prev); day(m.StartAt) <= day(p) {
				return nil, domain.InvalidField("startAt", fmt.Errorf("an occurrence must stay after the day of the one before it (%s)", day(p)))
			}
		}
		if !next.IsZero() {
			if n := placeOf(out, next); day(m.StartAt) >= day(n) {
				return nil, domain.InvalidField("startAt", fmt.Errorf("an occurrence must stay before the day of the one after it (%s)", day(n)))
			}
		}
		out = append(out, m)
		series.Moved = movedOf(out)
	}
	if len(out) > domain.MaxMovedOccurrences {
		return nil, domain.InvalidField("originalStart", fmt.Errorf("at most %d occurrences of a booking can be moved", domain.MaxMovedOccurrences))
	}
	slices.SortFunc(out, func(a, b domain.MovedOccurrence) int { return a.OriginalStart.Compare(b.OriginalStart) })
	return out, nil
}

// Moved is what the occurrences of b that take place elsewhere than their
// series puts them: b's entries less those moved back.
func Moved(b *ent.Booking) []domain.MovedOccurrence {
	length := b.EndAt.Sub(b.StartAt)
	out := []domain.MovedOccurrence{}
	for _, m := range b.MovedOccurrences {
		if !m.StartAt.Equal(m.OriginalStart) || !m.EndAt.Equal(m.OriginalStart.Add(length)) {
			out = append(out, m)
		}
	}
	return out
}

// placeOf is where the occurrence originally starting at t starts now.
func placeOf(moved []domain.MovedOccurrence, t time.Time) time.Time {
	for _, m := range moved {
		if m.OriginalStart.Equal(t) {
			return m.StartAt
		}
	}
	return t
}

func movedOf(ms []domain.MovedOccurrence) []recurrence.Moved {
	out := make([]recurrence.Moved, len(ms))
	for i, m := range ms {
		out[i] = recurrence.Moved{Original: m.OriginalStart, Start: m.StartAt, End: m.EndAt}
	}
	return out
}

// keptMoves is what booking b's moved occurrences become after a change
// to its series: the moves of occurrences the series still has (a new
// rule, start or exception may have removed some). ok is false when
// nothing changes.
func keptMoves(b *ent.Booking) (kept []domain.MovedOccurrence, ok bool) {
	if len(b.MovedOccurrences) == 0 {
		return nil, false
	}
	if strings.TrimSpace(b.Recurrence) == "" {
		return nil, true
	}
	byOriginal := func(a, b domain.MovedOccurrence) int { return a.OriginalStart.Compare(b.OriginalStart) }
	from := slices.MinFunc(b.MovedOccurrences, byOriginal).OriginalStart
	to := slices.MaxFunc(b.MovedOccurrences, byOriginal).OriginalStart
	series := SeriesOf(b)
	series.Moved = nil
	starts, err := series.Occurrences(from, to.Add(time.Second))
	if err != nil {
		return nil, true
	}
	has := make(map[int64]bool, len(starts))
	for _, t := range starts {
		has[t.Unix()] = true
	}
	for _, m := range b.MovedOccurrences {
		if has[m.OriginalStart.Unix()] {
			kept = append(kept, m)
		}
	}
	return kept, len(kept) != len(b.MovedOccurrences)
}
