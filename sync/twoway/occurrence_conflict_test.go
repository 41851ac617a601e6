package twoway_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
)

// The same occurrence of a series changed on both sides before they meet
// again enters the conflict queue, whichever side Calsync meets the other's
// change on: a read of the provider's change (while Calsync's push is
// failing), or Calsync's push (the provider's notification lost). Neither
// side is overwritten until it is resolved, and it resolves either way.
// Different occurrences changed on each side both stay, with no conflict.
func TestOccurrenceChangedOnBothSides(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-occf-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(2, 7)
		bid := f.book(t, "Daily inspection", start, start.Add(30*time.Minute), "FREQ=DAILY;COUNT=6")
		series := f.eventOf(t, bid)
		f.settle(t)
		day := func(n int) time.Time { return start.AddDate(0, 0, n) }
		move := `mutation($id:ID!,$o:Time!,$s:Time!,$e:Time!){moveOccurrence(bookingId:$id,originalStart:$o,startAt:$s,endAt:$e){id}}`
		bookingAt := func(o time.Time) (time.Time, time.Time, bool) {
			b := f.booking(t, bid)
			if slices.ContainsFunc(b.RecurrenceExceptions, func(x time.Time) bool { return x.Equal(o) }) {
				return time.Time{}, time.Time{}, false
			}
			for _, m := range b.MovedOccurrences {
				if m.OriginalStart.Equal(o) {
					return m.StartAt.UTC(), m.EndAt.UTC(), true
				}
			}
			return o, o.Add(30 * time.Minute), true
		}
		resolve := func(id, keep string) {
			t.Helper()
			var res struct {
				ResolveSyncConflict struct{ State, Resolution string }
			}
			f.admin.MustDo(t, `mutation($id:ID!,$k:SyncConflictResolution!){resolveSyncConflict(id:$id,keep:$k){state resolution}}`,
				map[string]any{"id": id, "k": keep}, &res)
			if res.ResolveSyncConflict.State != "RESOLVED" || res.ResolveSyncConflict.Resolution != keep {
				t.Fatalf("resolve: %+v", res)
			}
		}
		oneConflict := func(what string) conflictNode {
			t.Helper()
			var open []conflictNode
			until(t, what, func() (bool, string) {
				open = f.conflicts(t, f.admin)
				return len(open) == 1, fmt.Sprintf("%+v", open)
			})
			return open[0]
		}

		// 1. Moved on both sides; Calsync's push fails meanwhile, so the
		// read of the provider's move meets Calsync's. Kept: the provider's.
		cs, ce := day(2).Add(2*time.Hour), day(2).Add(3*time.Hour)
		ps, pe := day(2).Add(4*time.Hour), day(2).Add(5*time.Hour)
		unblock := blockWrites(f)
		f.admin.MustDo(t, move, map[string]any{"id": strconv.Itoa(bid), "o": day(2), "s": cs, "e": ce}, nil)
		f.moveAtProvider(t, series, day(2), ps, pe)
		c := oneConflict("a conflict opens over the occurrence moved on both sides")
		if c.OccurrenceStart == nil || !c.OccurrenceStart.Equal(day(2)) ||
			!c.CalsyncVersion.Start.Equal(cs) || !c.ProviderVersion.Start.Equal(ps) || c.ProviderVersion.Deleted ||
			strings.Join(c.CalsyncChanged, ",") != "TIME" || strings.Join(c.ProviderChanged, ",") != "TIME" {
			t.Fatalf("conflict: %+v", c)
		}
		unblock()
		time.Sleep(1500 * time.Millisecond)
		if s, _, ok := bookingAt(day(2)); !ok || !s.Equal(cs) {
			t.Fatalf("the booking's occurrence moved to %v while in conflict", s)
		}
		if s, _, _, ok := f.occurrenceAt(t, series, day(2)); !ok || !s.Equal(ps) {
			t.Fatalf("the provider's occurrence moved to %v while in conflict", s)
		}
		resolve(c.ID, "KEEP_PROVIDER")
		until(t, "both sides hold the provider's move", func() (bool, string) {
			bs, be, _ := bookingAt(day(2))
			s, e, _, ok := f.occurrenceAt(t, series, day(2))
			return bs.Equal(ps) && be.Equal(pe) && ok && s.Equal(ps) && e.Equal(pe), fmt.Sprintf("booking %v–%v, provider %v–%v", bs, be, s, e)
		})
		f.quiet(t)

		// 2. Moved at the provider (its notification lost), cancelled in
		// Calsync: Calsync's push meets the provider's move. Kept:
		// Calsync's.
		f.faults().Add(emucore.Fault{DropNotifications: true})
		ps3, pe3 := day(3).Add(-3*time.Hour), day(3).Add(-2*time.Hour)
		f.moveAtProvider(t, series, day(3), ps3, pe3)
		f.admin.MustDo(t, `mutation($id:ID!,$x:[Time!]){updateBooking(id:$id,input:{appendRecurrenceExceptions:$x}){id}}`,
			map[string]any{"id": strconv.Itoa(bid), "x": []time.Time{day(3)}}, nil)
		c = oneConflict("a conflict opens over the occurrence cancelled in Calsync and moved at the provider")
		if c.OccurrenceStart == nil || !c.OccurrenceStart.Equal(day(3)) || !c.CalsyncVersion.Deleted ||
			!c.ProviderVersion.Start.Equal(ps3) || c.ProviderVersion.Deleted ||
			strings.Join(c.CalsyncChanged, ",") != "DELETED" || strings.Join(c.ProviderChanged, ",") != "TIME" {
			t.Fatalf("conflict: %+v", c)
		}
		time.Sleep(1500 * time.Millisecond)
		if s, _, _, ok := f.occurrenceAt(t, series, day(3)); !ok || !s.Equal(ps3) {
			t.Fatalf("the provider's moved occurrence is at %v (there: %v) while in conflict", s, ok)
		}
		if _, _, ok := bookingAt(day(3)); ok {
			t.Fatal("the occurrence cancelled in Calsync came back while in conflict")
		}
		f.faults().Clear()
		resolve(c.ID, "KEEP_CALSYNC")
		until(t, "the occurrence is cancelled on both sides", func() (bool, string) {
			_, _, _, live := f.occurrenceAt(t, series, day(3))
			_, _, inBooking := bookingAt(day(3))
			return !live && !inBooking, fmt.Sprintf("provider %v, booking %v", live, inBooking)
		})
		f.quiet(t)

		// 3. Different occurrences, one on each side, the provider's
		// notification lost: both stay, no conflict.
		f.faults().Add(emucore.Fault{DropNotifications: true})
		p1s, p1e := day(1).Add(time.Hour), day(1).Add(2*time.Hour)
		c4s, c4e := day(4).Add(-time.Hour), day(4).Add(-30*time.Minute)
		f.moveAtProvider(t, series, day(1), p1s, p1e)
		f.admin.MustDo(t, move, map[string]any{"id": strconv.Itoa(bid), "o": day(4), "s": c4s, "e": c4e}, nil)
		until(t, "each side's move is on both sides", func() (bool, string) {
			b1, _, _ := bookingAt(day(1))
			s1, _, _, _ := f.occurrenceAt(t, series, day(1))
			b4, _, _ := bookingAt(day(4))
			s4, _, _, _ := f.occurrenceAt(t, series, day(4))
			return b1.Equal(p1s) && s1.Equal(p1s) && b4.Equal(c4s) && s4.Equal(c4s),
				fmt.Sprintf("day 1: booking %v, provider %v; day 4: booking %v, provider %v", b1, s1, b4, s4)
		})
		f.faults().Clear()
		f.quiet(t)
		if open := f.conflicts(t, f.admin); len(open) != 0 {
			t.Fatalf("conflicts over different occurrences: %+v", open)
		}
		for n, want := range map[int]time.Time{0: day(0), 2: ps, 5: day(5)} {
			if s, _, _, ok := f.occurrenceAt(t, series, day(n)); !ok || !s.Equal(want) {
				t.Fatalf("occurrence %d is at %v (there: %v), want %v", n, s, ok, want)
			}
		}

		// 4. Moved in Calsync, deleted at the provider: Calsync's version
		// cannot be kept (no provider brings a deleted occurrence back),
		// and says so; the provider's can.
		unblock = blockWrites(f)
		c5s := day(5).Add(time.Hour)
		f.admin.MustDo(t, move, map[string]any{"id": strconv.Itoa(bid), "o": day(5), "s": c5s, "e": c5s.Add(30 * time.Minute)}, nil)
		f.cancelOccurrence(t, series, day(5))
		c = oneConflict("a conflict opens over the occurrence moved in Calsync and deleted at the provider")
		unblock()
		if !c.ProviderVersion.Deleted || c.CalsyncVersion.Deleted || !c.CalsyncVersion.Start.Equal(c5s) {
			t.Fatalf("conflict: %+v", c)
		}
		r := f.admin.Do(t, `mutation($id:ID!){resolveSyncConflict(id:$id,keep:KEEP_CALSYNC){state}}`, map[string]any{"id": c.ID})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "cannot be brought back") {
			t.Fatalf("keeping Calsync's version of an occurrence deleted at the provider: %+v", r)
		}
		resolve(c.ID, "KEEP_PROVIDER")
		until(t, "the occurrence is cancelled in the booking too", func() (bool, string) {
			_, _, inBooking := bookingAt(day(5))
			return !inBooking, ""
		})
		f.quiet(t)

		// 5. A change of the series' rule made while a conflict over an
		// occurrence waits is pushed once it is resolved.
		unblock = blockWrites(f)
		f.admin.MustDo(t, move, map[string]any{"id": strconv.Itoa(bid), "o": day(0), "s": day(0).Add(time.Hour), "e": day(0).Add(90 * time.Minute)}, nil)
		f.moveAtProvider(t, series, day(0), day(0).Add(2*time.Hour), day(0).Add(150*time.Minute))
		c = oneConflict("a conflict opens over the first occurrence")
		f.admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{recurrence:"FREQ=DAILY;COUNT=7"}){id}}`,
			map[string]any{"id": strconv.Itoa(bid)}, nil)
		unblock()
		resolve(c.ID, "KEEP_PROVIDER")
		until(t, "the series' new rule reaches the calendar", func() (bool, string) {
			return f.occurrenceLive(t, series, day(6)), ""
		})
		f.quiet(t)
		if open := f.conflicts(t, f.admin); len(open) != 0 {
			t.Fatalf("conflicts left open: %+v", open)
		}
	})
}
