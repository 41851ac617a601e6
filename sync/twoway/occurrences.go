package twoway

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/eventlink"
	"calsync/ent/providercalendar"
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

// occState is one occurrence of a series on one side: cancelled, moved to
// [start, end), or (neither) where the series puts it.
type occState struct {
	cancelled  bool
	start, end time.Time
}

func (a occState) same(b occState) bool {
	return a.cancelled == b.cancelled && a.start.Equal(b.start) && a.end.Equal(b.end)
}

// changed names what a side changed of an occurrence, as the conflict
// queue does: DELETED or TIME.
func (a occState) changed() []string {
	if a.cancelled {
		return []string{changedDeleted}
	}
	return []string{changedTime}
}

// occEntry is an occurrence's state with its original start.
type occEntry struct {
	original time.Time
	st       occState
}

// occurrenceSet is a side's occurrences that are not where the series
// puts them, by occKey of their original start.
type occurrenceSet map[string]occEntry

// series is what comparing a booking's series occurrence by occurrence
// needs: the key of an original start, an occurrence's length.
type series struct {
	allDay bool
	length time.Duration
}

// seriesOf is booking b's series, for comparing its occurrences.
func seriesOf(b *ent.Booking) series { return series{allDay: b.AllDay, length: b.EndAt.Sub(b.StartAt)} }

// key identifies an occurrence by its original start: the instant, or
// the date for all-day series.
func (sr series) key(t time.Time) string {
	if sr.allDay {
		return t.UTC().Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339)
}

// set is so's occurrences by key.
func (sr series) set(so *domain.SeriesOccurrences) occurrenceSet {
	out := occurrenceSet{}
	if so == nil {
		return out
	}
	for _, c := range so.Cancelled {
		out[sr.key(c)] = occEntry{original: c, st: occState{cancelled: true}}
	}
	// so is normalised: an occurrence is cancelled or moved, not both.
	for _, m := range so.Moved {
		out[sr.key(m.OriginalStart)] = occEntry{original: m.OriginalStart, st: occState{start: m.StartAt.UTC(), end: m.EndAt.UTC()}}
	}
	return out
}

// at is the state of the occurrence originally at o (normal when absent).
func (set occurrenceSet) at(sr series, o time.Time) occState { return set[sr.key(o)].st }

// occurrences is set back as a SeriesOccurrences.
func (sr series) occurrences(set occurrenceSet) *domain.SeriesOccurrences {
	var cancelled []time.Time
	var moved []domain.MovedOccurrence
	for _, e := range set {
		switch {
		case e.st.cancelled:
			cancelled = append(cancelled, e.original)
		case !e.st.start.IsZero():
			moved = append(moved, domain.MovedOccurrence{OriginalStart: e.original, StartAt: e.st.start, EndAt: e.st.end})
		}
	}
	return domain.NewSeriesOccurrences(cancelled, moved, sr.length)
}

// bookingOccurrences are booking b's cancelled and moved occurrences.
func bookingOccurrences(b *ent.Booking) *domain.SeriesOccurrences {
	return domain.NewSeriesOccurrences(b.RecurrenceExceptions, b.MovedOccurrences, b.EndAt.Sub(b.StartAt))
}

// occurrenceSets are the booking's occurrences and the agreed ones (the
// booking's, while the link has none recorded).
func (st *state) occurrenceSets(sr series) (ours, base occurrenceSet) {
	ours = sr.set(bookingOccurrences(st.bk))
	if st.link.Agreed.Occurrences == nil {
		return ours, ours
	}
	return ours, sr.set(st.link.Agreed.Occurrences)
}

// occDiff is an occurrence whose state at the provider differs from the
// agreed one.
type occDiff struct {
	original           time.Time
	base, ours, theirs occState
}

// seriesPending reports whether Calsync has a change of the series as a
// whole (its time or its rule) still to push: the provider's series is
// then not yet what the booking says, and its occurrences are not
// compared — the push rewrites the series, and with it its occurrences
// (both providers drop a series' exceptions when its time changes).
func (st *state) seriesPending() bool {
	if st.link.FieldHashes[string(engine.FieldTime)] != st.hashes[string(engine.FieldTime)] {
		return true
	}
	if st.agreed.Rule == "" || st.link.Agreed.Occurrences == nil {
		return st.link.FieldHashes[string(engine.FieldRecurrence)] != st.hashes[string(engine.FieldRecurrence)]
	}
	return !recurrence.Equivalent(st.agreed.Rule, st.bk.Recurrence, st.bk.StartAt, st.bk.TimeZone)
}

// occurrences compares the occurrences of link l's series at the provider
// with the booking's over w, occurrence by occurrence, against the
// occurrences both sides last agreed on (the link's agreed version):
//   - changed at the provider only: taken into the booking (a cancelled
//     occurrence becomes an exception, a moved one a moved occurrence);
//   - changed in Calsync only: left for the push;
//   - changed on both sides alike: agreed;
//   - changed on both sides differently: the booking enters the conflict
//     queue for that occurrence, and neither side is written until it is
//     resolved.
//
// While Calsync has a change of the whole series still to push, nothing is
// compared. It reports whether it took something or opened a conflict
// (the engine then leaves its push of the series for the next round).
func (s *Syncer) occurrences(ctx context.Context, ac *access, l *ent.EventLink, w inbound.Window) (bool, error) {
	// The series exists (its occurrences are being read): load must not
	// take the link for one deleted at the provider.
	exists := &inbound.Event{}
	st, err := s.load(ctx, ac, l.ID, exists)
	if err != nil || st == nil || strings.TrimSpace(st.bk.Recurrence) == "" || st.link.State != eventlink.StateSYNCED {
		return false, err
	}
	if st.seriesPending() {
		return false, nil
	}
	if open, err := s.openConflict(st.sys, st.link.ID); err != nil || open != nil {
		return false, err
	}
	b := st.bk
	sr := seriesOf(b)
	ours, base := st.occurrenceSets(sr)
	// Read a month wider than compared: an occurrence of the window moved
	// out of it is still found, not taken for cancelled.
	wide := inbound.Window{From: w.From.Add(-movedReach), To: w.To.Add(movedReach)}
	insts, err := ac.src.Instances(st.sys, ac.ts, ac.cal, st.link.ProviderEventID, wide)
	if err != nil {
		if isNotFound(err) {
			return false, nil // the whole series went: its deletion is read as such
		}
		return false, fmt.Errorf("twoway: read the series' occurrences: %w", err)
	}
	plain := scheduling.SeriesOf(b)
	plain.Exceptions, plain.Moved = nil, nil
	originals, err := plain.Instances(w.From, w.To)
	if err != nil {
		return false, nil // a rule Calsync cannot expand is not compared
	}
	at := map[string]inbound.Instance{}
	for _, in := range insts {
		at[sr.key(in.OriginalStart)] = in
	}
	var diffs []occDiff
	live := 0
	for _, o := range originals {
		theirs := occState{cancelled: true}
		if in, ok := at[sr.key(o.Original)]; ok {
			live++
			theirs = sr.stateOf(in, o.Original)
		}
		d := occDiff{original: o.Original, base: base.at(sr, o.Original), ours: ours.at(sr, o.Original), theirs: theirs}
		if !d.theirs.same(d.base) {
			diffs = append(diffs, d)
		}
	}
	if len(diffs) == 0 {
		if st.link.Agreed.Occurrences == nil && !st.pending() {
			// Known from now on: what both sides hold.
			return false, s.recordOccurrences(st.sys, st, sr, base)
		}
		return false, nil
	}
	if live == 0 && livesElsewhere(insts, originals, sr.key, w) {
		// None where the booking's series puts them, yet the series has
		// others in the window: it was changed as a whole (a rule Calsync
		// could not take), not occurrence by occurrence. Not taken.
		s.o.Logger.InfoContext(ctx, "two-way: a series' occurrences all differ from the booking's; not taken", slog.Int("booking_id", b.ID))
		return false, nil
	}
	var take, conflicts []occDiff
	agreed := maps.Clone(base)
	for _, d := range diffs {
		switch {
		case d.ours.same(d.base):
			take = append(take, d)
			agreed[sr.key(d.original)] = occEntry{original: d.original, st: d.theirs}
		case d.ours.same(d.theirs):
			agreed[sr.key(d.original)] = occEntry{original: d.original, st: d.theirs}
		default:
			conflicts = append(conflicts, d)
		}
	}
	took := false
	err = store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		if len(take) > 0 {
			var err error
			if took, err = s.takeOccurrences(ctx, st, sr, take); err != nil {
				return err
			}
		}
		if err := s.recordOccurrences(ctx, st, sr, agreed); err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return s.occurrenceConflict(ctx, st, sr, conflicts[0])
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if len(take) > 0 {
		s.o.Logger.InfoContext(ctx, "two-way: occurrences changed at the provider", slog.Int("booking_id", b.ID), slog.Int("taken", len(take)))
	}
	// A move the booking could not take leaves the booking as it was: the
	// push goes on, and puts the occurrence back.
	return took || len(conflicts) > 0, nil
}

// takeOccurrences applies the provider's version of occurrences (diffs)
// to the booking, in ctx's transaction: a cancelled one becomes an
// exception, a moved one (or one moved back) a moved occurrence, one
// there again where the booking had it cancelled an occurrence again. A
// move Calsync cannot hold (across a neighbour's day, which Google allows)
// is logged and left: the booking keeps its time, and the next push puts
// the occurrence back.
func (s *Syncer) takeOccurrences(ctx context.Context, st *state, sr series, diffs []occDiff) (bool, error) {
	b := st.bk
	exceptions := slices.Clone(b.RecurrenceExceptions)
	exChanged := false
	var moves []domain.MovedOccurrence
	for _, d := range diffs {
		if d.ours.cancelled && !d.theirs.cancelled {
			exceptions = slices.DeleteFunc(exceptions, func(x time.Time) bool { return sr.key(x) == sr.key(d.original) })
			exChanged = true
		}
		switch {
		case d.theirs.cancelled:
			exceptions = append(exceptions, d.original)
			exChanged = true
		case d.theirs.start.IsZero():
			if !d.ours.start.IsZero() {
				moves = append(moves, domain.MovedOccurrence{OriginalStart: d.original, StartAt: d.original, EndAt: d.original.Add(sr.length)})
			}
		default:
			moves = append(moves, domain.MovedOccurrence{OriginalStart: d.original, StartAt: d.theirs.start, EndAt: d.theirs.end})
		}
	}
	if exChanged {
		in := ent.UpdateBookingInput{RecurrenceExceptions: exceptions}
		if len(exceptions) == 0 {
			in = ent.UpdateBookingInput{ClearRecurrenceExceptions: true}
		}
		if _, err := s.o.Scheduling.UpdateBooking(ctx, b.ID, in); err != nil {
			return false, fmt.Errorf("twoway: take cancelled occurrences: %w", err)
		}
	}
	moved := false
	if len(moves) > 0 {
		if _, err := s.o.Scheduling.MoveOccurrences(ctx, b.ID, moves); err != nil {
			if domain.CodeOf(err) != domain.CodeBadUserInput {
				return false, fmt.Errorf("twoway: take moved occurrences: %w", err)
			}
			s.o.Logger.WarnContext(ctx, "two-way: an occurrence moved at the provider cannot be taken", slog.Int("booking_id", b.ID), slog.Any("error", err))
		} else {
			moved = true
		}
	}
	if !exChanged && !moved {
		return false, nil
	}
	nb, err := engine.WithRendered(store.ClientFrom(ctx, s.o.Client).Booking.Query()).Where(booking.ID(b.ID)).WithHosts().Only(ctx)
	if err != nil {
		return false, err
	}
	st.bk = nb
	st.render()
	return true, nil
}

// recordOccurrences records agreed as the occurrences both sides agree
// on, in ctx's transaction. When the booking holds exactly those, the
// provider holds the booking's recurrence: nothing of it is left to push.
func (s *Syncer) recordOccurrences(ctx context.Context, st *state, sr series, agreed occurrenceSet) error {
	v := st.link.Agreed
	if v.Start.IsZero() {
		v = st.agreed
	}
	v.Occurrences = sr.occurrences(agreed)
	u := store.ClientFrom(ctx, s.o.Client).EventLink.UpdateOne(st.link).SetAgreed(v)
	// The recurrence hash covers the rule too: only when the provider
	// holds the booking's rule word for word (and its time) is nothing of
	// it left to push.
	sameRule := strings.TrimPrefix(strings.TrimSpace(v.Rule), "RRULE:") == strings.TrimPrefix(strings.TrimSpace(st.want.RRule), "RRULE:")
	timeSame := st.link.FieldHashes[string(engine.FieldTime)] == st.hashes[string(engine.FieldTime)]
	if sameRule && timeSame && domain.SameOccurrences(v.Occurrences, bookingOccurrences(st.bk)) {
		hashes := copyHashes(st.link.FieldHashes)
		hashes[string(engine.FieldRecurrence)] = st.hashes[string(engine.FieldRecurrence)]
		u.SetFieldHashes(hashes)
	}
	l, err := u.Save(ctx)
	if err != nil {
		return fmt.Errorf("twoway: record the agreed occurrences: %w", err)
	}
	st.link = l
	return nil
}

// occurrenceVersion is one occurrence of series version v as a version of
// its own.
func occurrenceVersion(v domain.EventVersion, sr series, original time.Time, o occState) domain.EventVersion {
	v.Rule, v.Occurrences = "", nil
	switch {
	case o.cancelled:
		v.Deleted = true
		v.Start, v.End = original.UTC(), original.Add(sr.length).UTC()
	case o.start.IsZero():
		v.Start, v.End = original.UTC(), original.Add(sr.length).UTC()
	default:
		v.Start, v.End = o.start, o.end
	}
	return v
}

// occurrenceConflict opens a conflict over one occurrence of the series,
// in ctx's transaction.
func (s *Syncer) occurrenceConflict(ctx context.Context, st *state, sr series, d occDiff) error {
	cv, _ := st.versions()
	// The provider's occurrence shows its series' content, as last agreed
	// (content is not what is contested).
	pv := st.agreed
	pv.Deleted = false
	if !st.provider() {
		pv.Description = ""
	}
	cv = occurrenceVersion(cv, sr, d.original, d.ours)
	pv = occurrenceVersion(pv, sr, d.original, d.theirs)
	c, err := store.ClientFrom(ctx, s.o.Client).SyncConflict.Create().SetOrganizationID(st.org.ID).SetBookingID(st.bk.ID).
		SetUserID(st.user.ID).SetLinkID(st.link.ID).SetProvider(st.acct.Provider).
		SetOccurrenceStart(d.original).SetCalsyncVersion(cv).SetProviderVersion(pv).
		SetCalsyncChanged(d.ours.changed()).SetProviderChanged(d.theirs.changed()).Save(ctx)
	if err != nil {
		return fmt.Errorf("twoway: open conflict: %w", err)
	}
	s.announce(ctx, c)
	s.o.Logger.InfoContext(ctx, "two-way conflict opened over an occurrence", slog.Int("conflict_id", c.ID),
		slog.Int("booking_id", st.bk.ID), slog.Time("occurrence", d.original))
	return nil
}

// providerOccurrence reads the state at the provider of the occurrence of
// st's series originally at original.
func (s *Syncer) providerOccurrence(ctx context.Context, ac *access, st *state, sr series, original time.Time) (occState, error) {
	w := inbound.Window{From: original.Add(-movedReach), To: original.Add(sr.length + movedReach)}
	insts, err := ac.src.Instances(ctx, ac.ts, ac.cal, st.link.ProviderEventID, w)
	if err != nil {
		return occState{}, fmt.Errorf("twoway: read the series' occurrences: %w", err)
	}
	for _, in := range insts {
		if sr.key(in.OriginalStart) == sr.key(original) {
			return sr.stateOf(in, original), nil
		}
	}
	return occState{cancelled: true}, nil
}

// stateOf is the state of provider instance in, the occurrence the series
// puts at original: moved, or (normal) where the series puts it.
func (sr series) stateOf(in inbound.Instance, original time.Time) occState {
	if in.Start.Equal(original) && in.End.Sub(in.Start) == sr.length {
		return occState{}
	}
	return occState{start: in.Start.UTC(), end: in.End.UTC()}
}

// Occurrences is the engine's check before it rewrites the occurrences of
// link l's series: the series' occurrences at the provider are compared
// with the agreed ones (occurrences), so one changed there since is taken
// or queued rather than overwritten. It reports whether the push must
// wait (something was taken or queued).
func (s *Syncer) Occurrences(ctx context.Context, a *ent.CalendarAccount, l *ent.EventLink) (bool, error) {
	w, ok, err := s.window(ctx, a, l.CalendarID)
	if err != nil || !ok {
		return false, err
	}
	ac, err := s.access(ctx, a, l.CalendarID)
	if err != nil {
		return false, err
	}
	return s.occurrences(ctx, ac, l, w)
}

// window is the window the calendar's reads compare; not ok before its
// first read.
func (s *Syncer) window(ctx context.Context, a *ent.CalendarAccount, calendarID string) (inbound.Window, bool, error) {
	c, err := s.o.Client.ProviderCalendar.Query().
		Where(providercalendar.AccountID(a.ID), providercalendar.CalendarID(calendarID)).
		Only(viewer.SystemContext(ctx, a.OrganizationID))
	if ent.IsNotFound(err) {
		return inbound.Window{}, false, nil
	}
	if err != nil {
		return inbound.Window{}, false, fmt.Errorf("twoway: calendar: %w", err)
	}
	if c.WindowFrom == nil || c.WindowTo == nil {
		return inbound.Window{}, false, nil
	}
	return inbound.Window{From: *c.WindowFrom, To: *c.WindowTo}, true, nil
}

// movedReach is how far outside the compared window the provider's
// occurrences are read.
const movedReach = 31 * 24 * time.Hour

// livesElsewhere reports whether the provider's series has live
// occurrences in w that are none of the booking's (originals).
func livesElsewhere(insts []inbound.Instance, originals []recurrence.Instance, key func(time.Time) string, w inbound.Window) bool {
	ours := make(map[string]bool, len(originals))
	for _, o := range originals {
		ours[key(o.Original)] = true
	}
	for _, in := range insts {
		if !ours[key(in.OriginalStart)] && in.Start.Before(w.To) && in.End.After(w.From) {
			return true
		}
	}
	return false
}
