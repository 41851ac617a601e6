package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"calsync/ent/booking"
	"calsync/ent/eventlink"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// twoWayResult is the two-way phase of the import benchmark: the time
// from a fieldworker moving an event in their calendar at the provider to
// the booking made from it holding the new time.
type twoWayResult struct {
	Edits         int
	Missing       int
	P50, P99, Max time.Duration
	// Bookings are the bookings made from the fieldworkers' events when
	// two-way sync was turned on.
	Bookings int
}

// twoWay turns two-way sync on for the providers (as an admin would,
// through the API), waits for the destination calendars to be read back —
// the events made during the change phase become bookings — then moves
// edits of those events at the provider at rate per second and measures
// how long each takes to reach its booking.
func (h *harness) twoWay(ctx context.Context, fws []*inboundFW, providers []domain.Provider, edits, rate int,
	say func(string, ...any)) (*twoWayResult, error) {
	sys := viewer.SystemContext(ctx, h.orgID)
	for _, p := range providers {
		err := h.admin.do(ctx, `mutation($p:Provider!){updateProviderConfig(input:{provider:$p,syncDirection:TWO_WAY}){id}}`,
			map[string]any{"p": string(p)}, nil)
		if err != nil {
			return nil, fmt.Errorf("bench: turn two-way sync on: %w", err)
		}
	}
	// Each destination calendar is read back in full once: first contact.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		pending, err := h.app.Client().ProviderCalendar.Query().
			Where(providercalendar.ReadsBack(true), providercalendar.Or(providercalendar.WindowFromIsNil(),
				providercalendar.LastReadAtIsNil())).Count(sys)
		if err != nil {
			return nil, err
		}
		marked, err := h.app.Client().ProviderCalendar.Query().Where(providercalendar.ReadsBack(true)).Count(sys)
		if err != nil {
			return nil, err
		}
		if pending == 0 && marked == len(fws) {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("bench: %d of %d calendars not read back after 3 min", pending, marked)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Their events are bookings now; take those that are.
	type target struct {
		f       *inboundFW
		ev      *inboundEvent
		booking int
	}
	var targets []target
	for _, f := range fws {
		for i := range f.events {
			ev := &f.events[i]
			l, err := h.app.Client().EventLink.Query().
				Where(eventlink.ProviderEventID(ev.id), eventlink.OriginEQ(eventlink.OriginPROVIDER)).First(sys)
			if err == nil && l.BookingID != nil {
				targets = append(targets, target{f: f, ev: ev, booking: *l.BookingID})
			}
		}
	}
	if len(targets) == 0 {
		return nil, errors.New("bench: two-way sync made no booking of the fieldworkers' events")
	}
	res := &twoWayResult{Bookings: len(targets)}
	say("two-way: %d events became bookings; moving %d of them at the provider, %d/s", len(targets), edits, rate)
	time.Sleep(2 * time.Second) // the pushes that follow first contact settle

	type pendingEdit struct {
		booking int
		start   time.Time
		at      time.Time
	}
	var waiting []pendingEdit
	var lat []time.Duration
	// check polls the bookings being waited for, every 10 ms.
	check := func() error {
		if len(waiting) == 0 {
			return nil
		}
		ids := make([]int, len(waiting))
		for i, w := range waiting {
			ids[i] = w.booking
		}
		bs, err := h.app.Client().Booking.Query().Where(booking.IDIn(ids...)).
			Select(booking.FieldID, booking.FieldStartAt).All(sys)
		if err != nil {
			return err
		}
		now := time.Now()
		starts := map[int]time.Time{}
		for _, b := range bs {
			starts[b.ID] = b.StartAt
		}
		kept := waiting[:0]
		for _, w := range waiting {
			if starts[w.booking].Equal(w.start) {
				lat = append(lat, now.Sub(w.at))
				continue
			}
			kept = append(kept, w)
		}
		waiting = kept
		return nil
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	interval := time.Second / time.Duration(rate)
	next := time.Now()
	busy := map[int]bool{}
	for i := 0; i < edits; {
		if err := check(); err != nil {
			return nil, err
		}
		clear(busy)
		for _, w := range waiting {
			busy[w.booking] = true
		}
		if time.Now().Before(next) {
			time.Sleep(min(10*time.Millisecond, time.Until(next)))
			continue
		}
		tg := targets[rnd.IntN(len(targets))]
		if busy[tg.booking] {
			continue // one edit of a booking in flight at a time
		}
		next = next.Add(interval)
		tg.ev.start = tg.ev.start.Add(time.Duration(1+rnd.IntN(4)) * 15 * time.Minute)
		at := time.Now()
		if err := h.moveAtProvider(tg.f, tg.ev.id, tg.ev.start); err != nil {
			return nil, err
		}
		waiting = append(waiting, pendingEdit{booking: tg.booking, start: tg.ev.start, at: at})
		i++
	}
	graceEnd := time.Now().Add(inboundGrace)
	for len(waiting) > 0 && time.Now().Before(graceEnd) {
		if err := check(); err != nil {
			return nil, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	res.Edits, res.Missing = edits, len(waiting)
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		res.P50, res.P99, res.Max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}
	return res, nil
}

// moveAtProvider moves an event to start (25 minutes long) as its owner
// would.
func (h *harness) moveAtProvider(f *inboundFW, id string, start time.Time) error {
	var err error
	if f.provider == domain.ProviderGoogle {
		body, _ := json.Marshal(map[string]any{
			"start": map[string]any{"dateTime": start.Format(time.RFC3339), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": start.Add(25 * time.Minute).Format(time.RFC3339), "timeZone": "UTC"}})
		_, err = h.emu.Google.PatchEventAsUser(f.calendar.CalendarID, id, body)
	} else {
		body, _ := json.Marshal(map[string]any{
			"start": map[string]any{"dateTime": start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": start.Add(25 * time.Minute).Format("2006-01-02T15:04:05"), "timeZone": "UTC"}})
		_, err = h.emu.Microsoft.UpdateEvent(f.account.AccountEmail, id, body)
	}
	if err != nil {
		return fmt.Errorf("bench: move at %s for %s: %w", f.provider, f.user.Email, err)
	}
	return nil
}
