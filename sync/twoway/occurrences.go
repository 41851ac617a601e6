package twoway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/eventlink"
	"calsync/internal/domain"
	"calsync/internal/recurrence"
	"calsync/internal/scheduling"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/engine"
	"calsync/sync/inbound"
)

// recurringLinks are the live links of ac's calendar whose bookings are
// recurring.
func (s *Syncer) recurringLinks(ctx context.Context, ac *access) ([]*ent.EventLink, error) {
	sys := viewer.SystemContext(ctx, ac.acct.OrganizationID)
	ls, err := s.o.Client.EventLink.Query().
		Where(eventlink.AccountID(ac.acct.ID), eventlink.CalendarID(ac.cal.CalendarID), eventlink.StateEQ(eventlink.StateSYNCED),
			eventlink.HasBookingWith(booking.RecurrenceNEQ(""))).All(sys)
	if err != nil {
		return nil, fmt.Errorf("twoway: recurring links: %w", err)
	}
	return ls, nil
}

// occurrences compares the occurrences of link l's series at the provider
// with the booking's over w: one cancelled at the provider becomes an
// exception of the booking (EXDATE), one moved there (or moved back) a
// moved occurrence of the booking. While Calsync has a change of the
// series' time or rule still to push, the provider's series is not yet
// what the booking says, and nothing is taken.
func (s *Syncer) occurrences(ctx context.Context, ac *access, l *ent.EventLink, w inbound.Window) error {
	// The series exists (its occurrences are being read): load must not
	// take the link for one deleted at the provider.
	exists := &inbound.Event{}
	st, err := s.load(ctx, ac, l.ID, exists)
	if err != nil || st == nil || strings.TrimSpace(st.bk.Recurrence) == "" || st.link.State != eventlink.StateSYNCED {
		return err
	}
	for _, f := range []engine.Field{engine.FieldTime, engine.FieldRecurrence} {
		if st.link.FieldHashes[string(f)] != st.hashes[string(f)] {
			return nil
		}
	}
	if open, err := s.openConflict(st.sys, st.link.ID); err != nil || open != nil {
		return err
	}
	// Read a month wider than compared: an occurrence of the window moved
	// out of it is still found, not taken for cancelled.
	wide := inbound.Window{From: w.From.Add(-movedReach), To: w.To.Add(movedReach)}
	insts, err := ac.src.Instances(st.sys, ac.ts, ac.cal, st.link.ProviderEventID, wide)
	if err != nil {
		if isNotFound(err) {
			return nil // the whole series went: its deletion is read as such
		}
		return fmt.Errorf("twoway: read the series' occurrences: %w", err)
	}
	b := st.bk
	mine, err := scheduling.SeriesOf(b).Instances(w.From, w.To)
	if err != nil {
		return nil // a rule Calsync cannot expand is not compared
	}
	key := func(t time.Time) string {
		if b.AllDay {
			return t.UTC().Format(time.DateOnly)
		}
		return t.UTC().Format(time.RFC3339)
	}
	at := map[string]inbound.Instance{}
	for _, in := range insts {
		at[key(in.OriginalStart)] = in
	}
	var (
		gone  []time.Time
		moves []domain.MovedOccurrence
	)
	for _, o := range mine {
		in, ok := at[key(o.Original)]
		switch {
		case !ok:
			gone = append(gone, o.Original)
		case !in.Start.Equal(o.Start) || !in.End.Equal(o.End):
			moves = append(moves, domain.MovedOccurrence{OriginalStart: o.Original, StartAt: in.Start, EndAt: in.End})
		}
	}
	if len(gone)+len(moves) == 0 {
		return nil
	}
	if len(gone) == len(mine) && livesElsewhere(insts, mine, key, w) {
		// None where the booking puts them, yet the series has others in
		// the window: it was changed as a whole (a rule Calsync could not
		// take), not occurrence by occurrence. Not taken.
		s.o.Logger.InfoContext(ctx, "two-way: a series' occurrences all differ from the booking's; not taken", slog.Int("booking_id", b.ID))
		return nil
	}
	return store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		if len(gone) > 0 {
			if _, err := s.o.Scheduling.UpdateBooking(ctx, b.ID, ent.UpdateBookingInput{AppendRecurrenceExceptions: gone}); err != nil {
				return fmt.Errorf("twoway: take cancelled occurrences: %w", err)
			}
		}
		if len(moves) > 0 {
			if _, err := s.o.Scheduling.MoveOccurrences(ctx, b.ID, moves); err != nil {
				if domain.CodeOf(err) != domain.CodeBadUserInput {
					return fmt.Errorf("twoway: take moved occurrences: %w", err)
				}
				// A move Calsync cannot hold (across a neighbour's day,
				// which Google allows): the booking keeps its time, and
				// the next push puts the occurrence back.
				s.o.Logger.WarnContext(ctx, "two-way: an occurrence moved at the provider cannot be taken", slog.Int("booking_id", b.ID), slog.Any("error", err))
				moves = nil
			}
		}
		nb, err := engine.WithRendered(store.ClientFrom(ctx, s.o.Client).Booking.Query()).Where(booking.ID(b.ID)).WithHosts().Only(ctx)
		if err != nil {
			return err
		}
		st.bk = nb
		st.render()
		if len(moves) == 0 && len(gone) == 0 {
			return nil
		}
		hashes := copyHashes(st.link.FieldHashes)
		hashes[string(engine.FieldRecurrence)] = st.hashes[string(engine.FieldRecurrence)]
		if err := store.ClientFrom(ctx, s.o.Client).EventLink.UpdateOne(st.link).SetFieldHashes(hashes).Exec(ctx); err != nil {
			return fmt.Errorf("twoway: record the provider's occurrences: %w", err)
		}
		s.o.Logger.InfoContext(ctx, "two-way: occurrences changed at the provider", slog.Int("booking_id", b.ID),
			slog.Int("cancelled", len(gone)), slog.Int("moved", len(moves)))
		return nil
	})
}

// movedReach is how far outside the compared window the provider's
// occurrences are read.
const movedReach = 31 * 24 * time.Hour

// livesElsewhere reports whether the provider's series has live
// occurrences in w that are none of the booking's (mine).
func livesElsewhere(insts []inbound.Instance, mine []recurrence.Instance, key func(time.Time) string, w inbound.Window) bool {
	ours := make(map[string]bool, len(mine))
	for _, o := range mine {
		ours[key(o.Original)] = true
	}
	for _, in := range insts {
		if !ours[key(in.OriginalStart)] && in.Start.Before(w.To) && in.End.After(w.From) {
			return true
		}
	}
	return false
}
