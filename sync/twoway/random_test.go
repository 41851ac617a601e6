package twoway_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/eventlink"
	"calsync/ent/syncconflict"
	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
	"calsync/sync/inbound"
)

// item is one booking and its event as the random test changed them.
type item struct {
	booking int    // 0 until a provider-made event became a booking
	event   string // "" until Calsync's event was created
	// last is the side that changed it last ("C" Calsync, "P" provider),
	// start what that change set, gone whether it deleted the item.
	last  string
	start time.Time
	gone  bool
}

// Random changes on both sides, with the provider failing some of
// Calsync's calls and dropping and duplicating notifications, converge:
// every live booking has exactly one event and every event one booking,
// at the same time; the last change of each item wins unless it was
// queued as a conflict; once activity stops Calsync makes no provider
// call; and after the queue is resolved nothing is left unequal.
func TestRandomTwoWayConverges(t *testing.T) {
	seed := randomSeed(t)
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-rand-"+strings.ToLower(string(k.Provider)), opts{})
		rng := rand.New(rand.NewPCG(seed, uint64(len(k.Provider))))
		items := []*item{{booking: f.org.Booking.ID, event: f.eventOf(t, f.org.Booking.ID), last: "C", start: f.org.Booking.StartAt.UTC()}}
		for _, fl := range []emucore.Fault{
			{Method: "PATCH", Status: 503, Fraction: 0.1},
			{Method: "POST", Status: 503, Fraction: 0.1},
			{Method: "DELETE", Status: 503, Fraction: 0.1},
			{Method: "GET", Status: 503, Fraction: 0.05},
			{DropNotifications: true, Fraction: 0.25},
			{DuplicateNotifications: true, Fraction: 0.25},
		} {
			f.faults().Add(fl)
		}
		slot := func() time.Time { return hour(1+rng.IntN(10), 6+rng.IntN(12)) }
		// known fills in what the other side has made of an item so far.
		known := func(it *item) {
			if it.booking == 0 && it.event != "" {
				if l := f.link(t, it.event); l != nil && l.BookingID != nil {
					it.booking = *l.BookingID
				}
			}
			if it.event == "" && it.booking != 0 {
				l, err := f.env.App.Client().EventLink.Query().
					Where(eventlink.BookingRef(it.booking), eventlink.ProviderEventIDNEQ("")).First(f.sys())
				if err == nil {
					it.event = l.ProviderEventID
				}
			}
		}
		const ops = 60
		for n := range ops {
			it := items[rng.IntN(len(items))]
			known(it)
			switch op := rng.IntN(6); {
			case op == 0:
				s := slot()
				items = append(items, &item{booking: f.book(t, fmt.Sprintf("C%d", n), s, s.Add(time.Hour), ""), last: "C", start: s})
			case op == 1:
				s := slot()
				items = append(items, &item{event: f.create(t, fmt.Sprintf("P%d", n), s, s.Add(time.Hour), rng.IntN(4) == 0), last: "P", start: s})
			case it.gone:
				continue
			case op == 2 && it.booking != 0:
				s := slot()
				r := f.admin.Do(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
					map[string]any{"id": strconv.Itoa(it.booking), "s": s, "e": s.Add(time.Hour)})
				if len(r.Errors) == 0 {
					it.last, it.start = "C", s
				}
			case op == 3 && it.event != "":
				s := slot()
				f.patch(t, it.event, "", s, s.Add(time.Hour))
				it.last, it.start = "P", s
			case op == 4 && it.event != "":
				f.remove(t, it.event)
				it.last, it.gone = "P", true
			case op == 5 && it.booking != 0:
				if r := f.admin.Do(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": strconv.Itoa(it.booking)}); len(r.Errors) == 0 {
					it.last, it.gone = "C", true
				}
			}
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		}
		f.faults().Clear()
		poll := func() { f.poll(t) }
		poll()
		check := func(final bool) string {
			for _, it := range items {
				known(it)
			}
			return f.unequal(t, items, final)
		}
		deadline := time.Now().Add(90 * time.Second)
		for polled := time.Now(); ; time.Sleep(200 * time.Millisecond) {
			problem := check(false)
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
		open, err := f.env.App.Client().SyncConflict.Query().Where(syncconflict.StateEQ(syncconflict.StateOPEN)).All(f.sys())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d items, %d conflicts queued", len(items), len(open))
		for _, c := range open {
			keep := []string{"KEEP_CALSYNC", "KEEP_PROVIDER"}[rng.IntN(2)]
			r := f.admin.Do(t, `mutation($id:ID!,$k:SyncConflictResolution!){resolveSyncConflict(id:$id,keep:$k){id}}`,
				map[string]any{"id": strconv.Itoa(c.ID), "k": keep})
			if len(r.Errors) > 0 {
				t.Fatalf("resolve conflict %d (booking %v, link %v, %s): %+v; open now: %v", c.ID, c.BookingID, c.LinkID, keep, r.Errors,
					f.env.App.Client().SyncConflict.Query().Where(syncconflict.StateEQ(syncconflict.StateOPEN)).IDsX(f.sys()))
			}
		}
		until(t, "equal after the conflicts are resolved", func() (bool, string) {
			p := check(true)
			return p == "", p
		})
		f.quiet(t)
	})
}

// unequal says what keeps the calendar and the bookings from being
// equal ("" when nothing does). Bookings with a conflict (open, or with
// final: resolved) are exempt from the last-change check, and unless final
// those with an open conflict from the equality check too.
func (f *fixture) unequal(t *testing.T, items []*item, final bool) string {
	t.Helper()
	db := f.env.App.Client()
	events := f.events(t)
	bookings, err := db.Booking.Query().Where(booking.HasHostsWith(), booking.CancelledAtIsNil()).All(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	conflicts, err := db.SyncConflict.Query().All(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	held, conflicted := map[int]bool{}, map[int]bool{}
	for _, c := range conflicts {
		if c.BookingID == nil {
			continue // its booking was deleted
		}
		conflicted[*c.BookingID] = true
		if c.State == syncconflict.StateOPEN {
			held[*c.BookingID] = true
		}
	}
	links, err := db.EventLink.Query().Where(eventlink.StateNEQ(eventlink.StateDELETED), eventlink.ProviderEventIDNEQ("")).All(f.sys())
	if err != nil {
		t.Fatal(err)
	}
	byEvent := map[string][]*ent.EventLink{}
	byBooking := map[int][]*ent.EventLink{}
	for _, l := range links {
		byEvent[l.ProviderEventID] = append(byEvent[l.ProviderEventID], l)
		byBooking[l.BookingRef] = append(byBooking[l.BookingRef], l)
	}
	live := map[int]*ent.Booking{}
	for _, b := range bookings {
		live[b.ID] = b
	}
	var problems []string
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.ID] = true
		ls := byEvent[e.ID]
		if len(ls) != 1 {
			problems = append(problems, fmt.Sprintf("event %q %s has %d links", e.Title, e.Start.Format(time.Stamp), len(ls)))
			continue
		}
		b := live[ls[0].BookingRef]
		switch {
		case b == nil && !held[ls[0].BookingRef]:
			l := ls[0]
			why := "deleted"
			if gone, err := db.Booking.Get(f.sys(), l.BookingRef); err == nil {
				why = fmt.Sprintf("cancelled %v", gone.CancelledAt)
			}
			problems = append(problems, fmt.Sprintf("event %q stands for no live booking (booking %s; link %s %s gen %d etag %q, event id %.12s)",
				e.Title, why, l.Origin, l.State, l.Generation, l.Etag, e.ID))
		case b != nil && !held[b.ID] && !b.StartAt.Equal(e.Start):
			problems = append(problems, fmt.Sprintf("booking %q at %v, its event at %v", b.Title, b.StartAt.UTC(), e.Start))
		}
	}
	for _, b := range bookings {
		if held[b.ID] && !final {
			continue
		}
		n := 0
		for _, l := range byBooking[b.ID] {
			if seen[l.ProviderEventID] {
				n++
			}
		}
		if n != 1 {
			all, _ := db.EventLink.Query().Where(eventlink.BookingRef(b.ID)).All(f.sys())
			var ls []string
			for _, l := range all {
				ls = append(ls, fmt.Sprintf("%s %s %.12s etag %q", l.Origin, l.State, l.ProviderEventID, l.Etag))
			}
			problems = append(problems, fmt.Sprintf("booking %q has %d events (links %v)", b.Title, n, ls))
		}
	}
	for _, it := range items {
		if it.booking == 0 || conflicted[it.booking] {
			continue
		}
		b := live[it.booking]
		switch {
		case it.gone && b != nil:
			problems = append(problems, fmt.Sprintf("booking %q was deleted (%s) but is live", b.Title, it.last))
		case !it.gone && b == nil:
			problems = append(problems, fmt.Sprintf("booking %d was lost (last change %s)", it.booking, it.last))
		case !it.gone && !b.StartAt.Equal(it.start):
			problems = append(problems, fmt.Sprintf("booking %q at %v, its last change (%s) said %v", b.Title, b.StartAt.UTC(), it.last, it.start))
		}
	}
	sort.Strings(problems)
	if len(problems) == 0 {
		return ""
	}
	return fmt.Sprint(len(problems), " problems: ", problems)
}

// randomSeed is the random tests' seed: CALSYNC_RANDOM_SEED, or the clock.
func randomSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CALSYNC_RANDOM_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CALSYNC_RANDOM_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (CALSYNC_RANDOM_SEED)", seed)
	return seed
}

// poll does what the safety poll does for notifications that were lost:
// retries run, and the destination calendar is read.
func (f *fixture) poll(t *testing.T) {
	t.Helper()
	f.runRetries(t)
	id := f.destination(t).ID
	if _, err := inbound.RequestRead(f.sys(), f.env.App.Client(), id); err != nil {
		t.Fatal(err)
	}
	if err := f.env.App.Inbound.Read(f.sys(), f.org.ID, id); err != nil {
		t.Logf("poll: %v", err)
	}
}
