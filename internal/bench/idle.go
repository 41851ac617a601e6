package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/providercalendar"
	"calsync/internal/viewer"
)

// IdleOptions configure the idle benchmark.
type IdleOptions struct {
	Options
	// Accounts is how many fieldworkers link a calendar.
	Accounts int
	// Duration is how long the settled process is watched.
	Duration time.Duration
	// Progress receives a line now and then during the setup (nil: none).
	Progress *os.File
	// CPUProfile, when set, receives a CPU profile of the idle period.
	CPUProfile io.Writer
}

// IdleResult is what a Calsync with many linked accounts and nothing
// happening costs.
type IdleResult struct {
	Bench       string  `json:"bench"`
	Provider    string  `json:"provider"`
	Accounts    int     `json:"accounts"`
	Backend     string  `json:"backend"`
	DurationSec float64 `json:"duration_seconds"`
	SetupSec    float64 `json:"setup_seconds"`
	// CPUPercentOfCore is the process's CPU time over the idle minute as
	// a share of one core (the process also runs the emulator, which
	// does nothing while nobody calls it).
	CPUPercentOfCore float64 `json:"cpu_percent_of_core"`
	// RSSMB is the largest resident set seen while idle; HeapMB the Go
	// heap in use at the end.
	RSSMB      float64 `json:"rss_mb"`
	HeapMB     float64 `json:"heap_mb"`
	Goroutines int     `json:"goroutines"`
	// ProviderRequests counts the calls Calsync made to the provider
	// while idle (renewals and safety polls due, none otherwise).
	ProviderRequests int64   `json:"provider_requests"`
	TargetCPUPercent float64 `json:"target_cpu_percent"`
	TargetRSSMB      float64 `json:"target_rss_mb"`
}

// Idle links Accounts fieldworkers, waits until every initial sync, read
// and watch is done, then measures the process doing nothing for
// Duration: CPU, resident memory, goroutines and provider calls.
func Idle(ctx context.Context, o IdleOptions) (*IdleResult, error) {
	backend, release, err := isolate(ctx, &o.Options)
	if err != nil {
		return nil, err
	}
	defer release()
	setup := time.Now()
	h, err := start(ctx, o.Options)
	if err != nil {
		return nil, err
	}
	defer h.close()
	users, err := h.seed(ctx, o.Accounts)
	if err != nil {
		return nil, err
	}
	// Linking goes through sign-in and the consent pages: a few at once.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		linkErr error
		linked  int
	)
	next := make(chan *ent.User)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				err := h.link(ctx, u)
				mu.Lock()
				if err != nil && linkErr == nil {
					linkErr = err
				}
				linked++
				if o.Progress != nil && linked%100 == 0 {
					fmt.Fprintf(o.Progress, "idle: %d of %d linked\n", linked, len(users))
				}
				mu.Unlock()
			}
		}()
	}
	for _, u := range users {
		next <- u
	}
	close(next)
	wg.Wait()
	if linkErr != nil {
		return nil, linkErr
	}
	if err := h.waitSettled(ctx, len(users), 20*time.Minute); err != nil {
		return nil, err
	}
	setupSec := time.Since(setup).Seconds()
	runtime.GC()
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return nil, err
		}
	}
	cpu0, _ := processCPU()
	req0 := h.counter.requests.Load()
	t0 := time.Now()
	var rss float64
	for end := t0.Add(o.Duration); time.Now().Before(end); {
		rss = max(rss, residentMB())
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(time.Second, time.Until(end))):
		}
	}
	rss = max(rss, residentMB())
	cpu1, _ := processCPU()
	elapsed := time.Since(t0)
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &IdleResult{Bench: "idle", Provider: string(o.Provider), Accounts: len(users), Backend: backend,
		DurationSec: elapsed.Seconds(), SetupSec: setupSec,
		CPUPercentOfCore: 100 * (cpu1 - cpu0).Seconds() / elapsed.Seconds(),
		RSSMB:            rss, HeapMB: float64(ms.HeapInuse) / (1 << 20), Goroutines: runtime.NumGoroutine(),
		ProviderRequests: h.counter.requests.Load() - req0, TargetCPUPercent: 1, TargetRSSMB: 200}, nil
}

// waitSettled waits until n accounts are linked and synced, every chosen
// calendar is read and watched, and nothing was requested for 3 s.
func (h *harness) waitSettled(ctx context.Context, n int, limit time.Duration) error {
	sys := viewer.SystemContext(ctx, h.orgID)
	db := h.app.Client()
	quietSince := time.Now()
	last := ""
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		synced, err := db.CalendarAccount.Query().Where(calendaraccount.LastSyncedAtNotNil()).Count(sys)
		if err != nil {
			return err
		}
		behind, err := db.CalendarAccount.Query().Where(func(s *sql.Selector) {
			s.Where(sql.ColumnsNEQ(s.C(calendaraccount.FieldSyncRequested), s.C(calendaraccount.FieldSyncDone)))
		}).Count(sys)
		if err != nil {
			return err
		}
		unwatched, err := db.ProviderCalendar.Query().Where(providercalendar.Selected(true),
			providercalendar.Or(providercalendar.ChannelID(""), providercalendar.LastReadAtIsNil())).Count(sys)
		if err != nil {
			return err
		}
		reading, err := db.ProviderCalendar.Query().Where(func(s *sql.Selector) {
			s.Where(sql.ColumnsNEQ(s.C(providercalendar.FieldReadRequested), s.C(providercalendar.FieldReadDone)))
		}).Count(sys)
		if err != nil {
			return err
		}
		state := fmt.Sprint(synced, behind, unwatched, reading, h.counter.requests.Load())
		if synced < n || behind > 0 || unwatched > 0 || reading > 0 || state != last {
			quietSince = time.Now()
			last = state
			continue
		}
		if time.Since(quietSince) > 3*time.Second {
			return nil
		}
	}
	return fmt.Errorf("bench: the linked accounts never settled (%s: synced, behind, unwatched, reading, provider requests)", last)
}

// residentMB is the process's resident set (VmRSS), 0 where /proc is not.
func residentMB() float64 {
	// statm's second field is the resident pages: cheaper to read every
	// second than status, whose other lines the kernel gathers too.
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return 0
	}
	return pages * float64(os.Getpagesize()) / (1 << 20)
}
