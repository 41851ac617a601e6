package twoway_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/syncconflict"
	"calsync/internal/scheduling"
	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
)

// Random moves, moves back and cancellations of one series' occurrences
// on both sides, with the provider failing some calls and dropping and
// duplicating notifications, converge: each occurrence is where the
// booking puts it in the calendar too (or gone on both sides), once the
// conflicts over occurrences changed on both sides are resolved (either
// way, at random), and once activity stops Calsync makes no provider
// call.
func TestRandomOccurrencesConverge(t *testing.T) {
	seed := randomSeed(t)
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-rocc-"+strings.ToLower(string(k.Provider)), opts{})
		rng := rand.New(rand.NewPCG(seed, uint64(len(k.Provider))+7))
		const n = 8
		start := hour(2, 9)
		bid := f.book(t, "Daily visit", start, start.Add(time.Hour), fmt.Sprintf("FREQ=DAILY;COUNT=%d", n))
		series := f.eventOf(t, bid)
		f.settle(t)
		for _, fl := range []emucore.Fault{
			{Method: "PATCH", Status: 503, Fraction: 0.1},
			{Method: "DELETE", Status: 503, Fraction: 0.1},
			{Method: "GET", Status: 503, Fraction: 0.05},
			{DropNotifications: true, Fraction: 0.25},
			{DuplicateNotifications: true, Fraction: 0.25},
		} {
			f.faults().Add(fl)
		}
		original := func(i int) time.Time { return start.AddDate(0, 0, i) }
		// Somewhere on the occurrence's own day, an hour or two long.
		somewhere := func(i int) (time.Time, time.Time) {
			s := original(i).Add(time.Duration(rng.IntN(13)-8) * time.Hour)
			return s, s.Add(time.Duration(1+rng.IntN(2)) * time.Hour)
		}
		move := `mutation($id:ID!,$o:Time!,$s:Time!,$e:Time!){moveOccurrence(bookingId:$id,originalStart:$o,startAt:$s,endAt:$e){id}}`
		cancelled := map[int]bool{}
		for range 30 {
			i := rng.IntN(n)
			if cancelled[i] {
				continue
			}
			switch op := rng.IntN(10); {
			case op < 3: // moved in Calsync
				s, e := somewhere(i)
				r := f.admin.Do(t, move, map[string]any{"id": strconv.Itoa(bid), "o": original(i), "s": s, "e": e})
				t.Logf("%d moved in Calsync to %s–%s %v", i, s.Format(time.TimeOnly), e.Format(time.TimeOnly), r.Errors)
			case op < 4: // moved back in Calsync
				r := f.admin.Do(t, move, map[string]any{"id": strconv.Itoa(bid), "o": original(i), "s": original(i), "e": original(i).Add(time.Hour)})
				t.Logf("%d moved back in Calsync %v", i, r.Errors)
			case op < 5: // cancelled in Calsync
				if r := f.admin.Do(t, `mutation($id:ID!,$x:[Time!]){updateBooking(id:$id,input:{appendRecurrenceExceptions:$x}){id}}`,
					map[string]any{"id": strconv.Itoa(bid), "x": []time.Time{original(i)}}); len(r.Errors) == 0 {
					cancelled[i] = true
					t.Logf("%d cancelled in Calsync", i)
				}
			case op < 9: // moved at the provider
				if _, _, _, ok := f.occurrenceAt(t, series, original(i)); ok {
					s, e := somewhere(i)
					f.moveAtProvider(t, series, original(i), s, e)
					t.Logf("%d moved at the provider to %s–%s", i, s.Format(time.TimeOnly), e.Format(time.TimeOnly))
				}
			default: // cancelled at the provider
				if _, _, _, ok := f.occurrenceAt(t, series, original(i)); ok {
					f.cancelOccurrence(t, series, original(i))
					cancelled[i] = true
					t.Logf("%d cancelled at the provider", i)
				}
			}
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		}
		f.faults().Clear()
		poll := func() { f.poll(t) }
		unequal := func() string {
			b := f.booking(t, bid)
			insts, err := scheduling.SeriesOf(b).Instances(start.Add(-24*time.Hour), start.AddDate(0, 0, n+1))
			if err != nil {
				t.Fatal(err)
			}
			want := map[time.Time][2]time.Time{}
			for _, in := range insts {
				want[in.Original.UTC()] = [2]time.Time{in.Start.UTC(), in.End.UTC()}
			}
			var problems []string
			for i := range n {
				o := original(i)
				s, e, _, ok := f.occurrenceAt(t, series, o)
				w, live := want[o]
				switch {
				case ok != live:
					problems = append(problems, fmt.Sprintf("occurrence %d: in the calendar %v, in the booking %v", i, ok, live))
				case ok && (!s.Equal(w[0]) || !e.Equal(w[1])):
					problems = append(problems, fmt.Sprintf("occurrence %d: calendar %v–%v, booking %v–%v", i, s.Format(time.TimeOnly), e.Format(time.TimeOnly),
						w[0].Format(time.TimeOnly), w[1].Format(time.TimeOnly)))
				}
			}
			sort.Strings(problems)
			return strings.Join(problems, "; ")
		}
		// The same occurrence changed on both sides between two meetings
		// is queued: each conflict is resolved, one side or the other at
		// random, as it opens (resolving one may open the next).
		resolved := 0
		resolveOpen := func() int {
			open, err := f.env.App.Client().SyncConflict.Query().Where(syncconflict.StateEQ(syncconflict.StateOPEN)).All(f.sys())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range open {
				if c.OccurrenceStart == nil {
					t.Fatalf("conflict %d is over the whole series: %+v", c.ID, c)
				}
				keep := []string{"KEEP_CALSYNC", "KEEP_PROVIDER"}[rng.IntN(2)]
				r := f.admin.Do(t, `mutation($id:ID!,$k:SyncConflictResolution!){resolveSyncConflict(id:$id,keep:$k){id}}`,
					map[string]any{"id": strconv.Itoa(c.ID), "k": keep})
				if len(r.Errors) > 0 && r.Errors[0].Code() == "CONFLICT" && strings.Contains(r.Errors[0].Message, "cannot be brought back") {
					// Deleted at the provider: only its version can be kept.
					keep = "KEEP_PROVIDER"
					r = f.admin.Do(t, `mutation($id:ID!,$k:SyncConflictResolution!){resolveSyncConflict(id:$id,keep:$k){id}}`,
						map[string]any{"id": strconv.Itoa(c.ID), "k": keep})
				}
				if len(r.Errors) > 0 {
					t.Fatalf("resolve conflict %d (%s): %+v", c.ID, keep, r.Errors)
				}
				t.Logf("conflict over occurrence %s resolved %s", c.OccurrenceStart.Format(time.DateTime), keep)
				resolved++
			}
			return len(open)
		}
		poll()
		deadline := time.Now().Add(90 * time.Second)
		for polled := time.Now(); ; time.Sleep(200 * time.Millisecond) {
			problem := unequal()
			if resolveOpen() > 0 {
				problem = "conflicts were open"
			}
			if problem == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("did not converge: %s", problem)
			}
			if time.Since(polled) > 10*time.Second {
				poll()
				polled = time.Now()
			}
		}
		f.quiet(t)
		if p := unequal(); p != "" {
			t.Fatalf("unequal after activity stopped: %s", p)
		}
		if c, err := f.env.App.Client().SyncConflict.Query().Where(syncconflict.StateEQ(syncconflict.StateOPEN)).Count(f.sys()); err != nil || c != 0 {
			t.Fatalf("%d conflicts open (%v)", c, err)
		}
		t.Logf("%d conflicts over occurrences resolved", resolved)
		if b := f.booking(t, bid); !b.StartAt.Equal(start) || b.CancelledAt != nil {
			t.Fatalf("the series itself changed: %v, cancelled %v", b.StartAt, b.CancelledAt)
		}
	})
}
