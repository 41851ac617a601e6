package bench

import (
	"context"
	"fmt"
	"time"

	"calsync/ent"
	"calsync/internal/domain"
	"calsync/internal/viewer"
	"calsync/sync/emulator"
)

// BulkOptions configure the bulk benchmark.
type BulkOptions struct {
	Options
	Events int
}

// BulkResult is what linking one fieldworker with many bookings cost.
type BulkResult struct {
	Bench    string `json:"bench"`
	Provider string `json:"provider"`
	Events   int    `json:"events"`
	// Quota is the provider quota the emulator enforced (requests per
	// QuotaWindowSeconds); MinSeconds the least time it allows.
	Quota              int     `json:"quota"`
	QuotaWindowSeconds int     `json:"quota_window_seconds"`
	Seconds            float64 `json:"seconds"`
	MinSeconds         float64 `json:"min_seconds"`
	Ratio              float64 `json:"ratio"`
	TargetRatio        float64 `json:"target_ratio"`
	Missing            int     `json:"missing"`
	Duplicates         int     `json:"duplicates"`
	RequestsPerEvent   float64 `json:"requests_per_event"`
	RoundTripsPerEvent float64 `json:"round_trips_per_event"`
	// Throttled counts the emulator's 429 answers (inner batch answers
	// included): the engine's pacing should leave none.
	Throttled int64 `json:"throttled"`
}

// Bulk links a fieldworker who hosts Events bookings and measures the
// initial sync against the quota-bound minimum.
func Bulk(ctx context.Context, o BulkOptions) (*BulkResult, error) {
	quota, window := o.GoogleQuotaPerMinute, 60
	if o.Provider == domain.ProviderMicrosoft {
		quota, window = o.MicrosoftQuotaPer10Minutes, 600
	}
	if quota <= 0 {
		return nil, fmt.Errorf("bench: bulk needs the provider quota")
	}
	h, err := start(ctx, o.Options)
	if err != nil {
		return nil, err
	}
	defer h.close()
	users, err := h.seed(ctx, 1)
	if err != nil {
		return nil, err
	}
	u := users[0]
	sys := viewer.SystemContext(ctx, h.orgID)
	db := h.app.Client()
	base := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for done := 0; done < o.Events; {
		n := min(500, o.Events-done)
		bulk := make([]*ent.BookingCreate, n)
		for i := range bulk {
			s := base.Add(time.Duration(done+i) * 30 * time.Minute)
			bulk[i] = db.Booking.Create().SetTitle(fmt.Sprintf("Job %d", done+i)).SetStartAt(s).SetEndAt(s.Add(25 * time.Minute)).
				SetTimeZone("Europe/Helsinki").SetCustomerName("Customer").AddHostIDs(u.ID)
		}
		if err := db.Booking.CreateBulk(bulk...).Exec(sys); err != nil {
			return nil, err
		}
		done += n
	}
	h.counter.roundTrips.Store(0)
	h.counter.requests.Store(0)
	h.counter.throttled.Store(0)
	t0 := time.Now()
	if err := h.link(ctx, u); err != nil {
		return nil, err
	}
	a, err := h.calendarOf(ctx, u)
	if err != nil || a == nil {
		return nil, fmt.Errorf("bench: not linked: %v", err)
	}
	minSeconds := float64(o.Events) / (float64(quota) / float64(window))
	deadline := t0.Add(time.Duration(minSeconds*3)*time.Second + 2*time.Minute)
	var evs []emulator.HeldEvent
	for {
		if evs, err = h.events(a); err != nil {
			return nil, err
		}
		if len(evs) >= o.Events || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(t0)
	seen := map[string]int{}
	for _, e := range evs {
		seen[e.Tags["calsyncBooking"]]++
	}
	res := &BulkResult{Bench: "bulk", Provider: string(o.Provider), Events: o.Events, Quota: quota, QuotaWindowSeconds: window,
		Seconds: elapsed.Seconds(), MinSeconds: minSeconds, Ratio: elapsed.Seconds() / minSeconds, TargetRatio: 1.2,
		Missing: o.Events - len(seen)}
	for _, n := range seen {
		res.Duplicates += n - 1
	}
	res.RequestsPerEvent = float64(h.counter.requests.Load()) / float64(o.Events)
	res.RoundTripsPerEvent = float64(h.counter.roundTrips.Load()) / float64(o.Events)
	res.Throttled = h.counter.throttled.Load()
	return res, nil
}
