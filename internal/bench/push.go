package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"calsync/ent"
	"calsync/sync/emulator"
)

// PushOptions configure the propagation benchmark.
type PushOptions struct {
	Options
	Fieldworkers int
	// Rate is booking changes per second; Duration how long they come.
	Rate     int
	Duration time.Duration
}

// PushResult is what the propagation benchmark measured: the time from a
// mutation's commit (its API answer) to the change being visible at the
// provider.
type PushResult struct {
	Bench        string  `json:"bench"`
	Provider     string  `json:"provider"`
	Fieldworkers int     `json:"fieldworkers"`
	RatePerSec   int     `json:"rate_per_second"`
	DurationSec  float64 `json:"duration_seconds"`
	Changes      int     `json:"changes"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	Missing      int     `json:"missing"`
	// Superseded changes were overtaken by a newer change to the same
	// booking before becoming visible: only the newer one is timed.
	Superseded  int     `json:"superseded"`
	TargetP99Ms float64 `json:"target_p99_ms"`
}

type pending struct {
	user    *ent.User
	booking string
	start   time.Time
	t0      time.Time
}

// Push runs the propagation benchmark.
func Push(ctx context.Context, o PushOptions) (*PushResult, error) {
	h, err := start(ctx, o.Options)
	if err != nil {
		return nil, err
	}
	defer h.close()
	users, err := h.seed(ctx, o.Fieldworkers)
	if err != nil {
		return nil, err
	}
	accounts := map[int]*ent.CalendarAccount{}
	for _, u := range users {
		if err := h.link(ctx, u); err != nil {
			return nil, err
		}
		a, err := h.calendarOf(ctx, u)
		if err != nil || a == nil {
			return nil, fmt.Errorf("bench: %s not linked: %v", u.Email, err)
		}
		accounts[u.ID] = a
	}
	time.Sleep(time.Second) // let the initial (empty) syncs finish

	var (
		mu         sync.Mutex
		superseded int
		waiting    []*pending
		lat        []time.Duration
		bookings   = map[int][]string{}
		sendErr    error
		wg         sync.WaitGroup
	)
	rnd := rand.New(rand.NewPCG(7, 7))
	base := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	changes := int(o.Duration.Seconds()) * o.Rate
	done := make(chan struct{})
	go func() { // the watcher
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			mu.Lock()
			byUser := map[int][]*pending{}
			for _, p := range waiting {
				byUser[p.user.ID] = append(byUser[p.user.ID], p)
			}
			mu.Unlock()
			for uid, ps := range byUser {
				evs, err := h.events(accounts[uid])
				if err != nil {
					continue
				}
				now := time.Now()
				for _, p := range ps {
					if slices.ContainsFunc(evs, func(e emulator.HeldEvent) bool {
						return e.Tags["calsyncBooking"] == p.booking && e.Start.Equal(p.start)
					}) {
						mu.Lock()
						lat = append(lat, now.Sub(p.t0))
						waiting = slices.DeleteFunc(waiting, func(x *pending) bool { return x == p })
						mu.Unlock()
					}
				}
			}
		}
	}()
	interval := time.Second / time.Duration(o.Rate)
	next := time.Now()
	for i := 0; i < changes; i++ {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		u := users[rnd.IntN(len(users))]
		startAt := base.Add(time.Duration(rnd.IntN(24*30)) * time.Hour)
		mu.Lock()
		existing := bookings[u.ID]
		mu.Unlock()
		wg.Add(1)
		go func(u *ent.User, existing []string, startAt time.Time, reschedule bool) {
			defer wg.Done()
			var id string
			var err error
			if reschedule {
				id = existing[rand.IntN(len(existing))]
				err = h.admin.do(ctx, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
					map[string]any{"id": id, "s": startAt.Format(time.RFC3339), "e": startAt.Add(time.Hour).Format(time.RFC3339)}, nil)
			} else {
				var out struct{ CreateBooking struct{ ID string } }
				err = h.admin.do(ctx, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
					"title": "Bench visit", "startAt": startAt.Format(time.RFC3339), "endAt": startAt.Add(time.Hour).Format(time.RFC3339),
					"hostIDs": []string{strconv.Itoa(u.ID)},
				}}, &out)
				id = out.CreateBooking.ID
			}
			t0 := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				sendErr = err
				return
			}
			if !reschedule {
				bookings[u.ID] = append(bookings[u.ID], id)
			}
			// A newer change to the same booking supersedes the older one.
			before := len(waiting)
			waiting = slices.DeleteFunc(waiting, func(x *pending) bool { return x.booking == id })
			superseded += before - len(waiting)
			waiting = append(waiting, &pending{user: u, booking: id, start: startAt, t0: t0})
		}(u, existing, startAt, len(existing) > 0 && rnd.IntN(2) == 0)
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(waiting)
		mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(done)
	mu.Lock()
	defer mu.Unlock()
	if sendErr != nil {
		return nil, sendErr
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res := &PushResult{Bench: "push", Provider: string(o.Provider), Fieldworkers: o.Fieldworkers, RatePerSec: o.Rate,
		DurationSec: o.Duration.Seconds(), Changes: len(lat) + len(waiting) + superseded, Missing: len(waiting),
		Superseded: superseded, TargetP99Ms: 1000}
	if len(lat) > 0 {
		res.P50Ms = ms(lat[len(lat)/2])
		res.P99Ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		res.MaxMs = ms(lat[len(lat)-1])
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
