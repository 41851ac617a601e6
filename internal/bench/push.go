package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/ent/syncpending"
	"calsync/internal/viewer"
	"calsync/sync/engine"
	"calsync/sync/tasks"
)

// PushOptions configure the propagation benchmark.
type PushOptions struct {
	Options
	Fieldworkers int
	// Rate is booking changes per second (with FindRate, the highest
	// tried); Duration how long they come (each phase).
	Rate     int
	Duration time.Duration
	// Hosted is how many synced bookings each fieldworker hosts before
	// the changes start (a big calendar must not make a change dearer).
	Hosted int
	// FindRate searches the highest rate held with p99 within the target
	// and nothing missing, in phases of Duration.
	FindRate bool
	// Contention runs a CPU-bound process beside the bench (one core
	// busy) while the changes come.
	Contention bool
	// CPUProfile, when set, receives a CPU profile of the change phase.
	CPUProfile io.Writer
	// Workers is how many processes work the queues: this one and
	// Workers-1 `calsync worker` processes beside it (PostgreSQL and
	// Redis only).
	Workers int
}

// PushPhase is what one phase of changes at one rate measured: the time
// from a mutation's commit (its API answer) to the change being visible at
// the provider.
type PushPhase struct {
	Rate    int     `json:"rate_per_second"`
	Changes int     `json:"changes"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	Missing int     `json:"missing"`
	// Superseded changes were overtaken by a newer change to the same
	// booking before becoming visible: only the newer one is timed.
	Superseded int `json:"superseded"`
	// CPUMsPerChange is the process's CPU time during the changes (and
	// until the last became visible) divided by the changes, with the
	// worker processes' (-workers). The process also runs the emulated
	// provider and the bench's clients: CalsyncCPUMsPerChange leaves
	// them out.
	CPUMsPerChange float64 `json:"cpu_ms_per_change"`
	CPUCores       float64 `json:"cpu_cores"`
	// WorkerCPUMsPerChange is the worker processes' part of it (0 with
	// one worker).
	WorkerCPUMsPerChange float64 `json:"worker_cpu_ms_per_change,omitempty"`
	// EmulatorCPUMsPerChange and ClientCPUMsPerChange are the parts of
	// it the emulated providers and the bench's GraphQL clients took in
	// this process, from a CPU profile of the phase whose samples they
	// label (attribute.go); CalsyncCPUMsPerChange is the rest, Calsync's
	// own cost (the garbage collector's and the Go scheduler's unlabelled
	// work included, so it is an upper bound). All three are left out
	// when the phase has no profile (the profiler was in use elsewhere).
	EmulatorCPUMsPerChange float64 `json:"emulator_cpu_ms_per_change,omitempty"`
	ClientCPUMsPerChange   float64 `json:"client_cpu_ms_per_change,omitempty"`
	CalsyncCPUMsPerChange  float64 `json:"calsync_cpu_ms_per_change,omitempty"`
	// MachineBusy is the share of the whole machine's CPU time (every
	// core, every process: Calsync, PostgreSQL, Redis, the bench) that
	// was busy during the phase, from /proc/stat; near 1 the machine, not
	// Calsync's design, bounds the rate.
	MachineBusy float64 `json:"machine_cpu_busy,omitempty"`
}

// PushResult is the propagation benchmark's figures: one phase's, or with
// -find-rate the fastest phase that held, every phase tried, and its rate.
type PushResult struct {
	Bench        string  `json:"bench"`
	Provider     string  `json:"provider"`
	Fieldworkers int     `json:"fieldworkers"`
	RatePerSec   int     `json:"rate_per_second"`
	DurationSec  float64 `json:"duration_seconds"`
	PushPhase
	TargetP99Ms float64 `json:"target_p99_ms"`
	Hosted      int     `json:"hosted"`
	Backend     string  `json:"backend"`
	Contention  bool    `json:"contention"`
	Workers     int     `json:"workers"`
	// TimedAt says how a change's arrival is seen: the link's commit
	// heard in this process, or links polled every 200 ms (with worker
	// processes).
	TimedAt       string      `json:"timed_at"`
	MaxRatePerSec int         `json:"max_rate_per_second,omitempty"`
	Phases        []PushPhase `json:"phases,omitempty"`
}

type pending struct {
	user    *ent.User
	booking string
	start   time.Time
	t0      time.Time
	// sent is when the mutation was sent: a sync after it is this change's.
	sent time.Time
}

// Push runs the propagation benchmark.
func Push(ctx context.Context, o PushOptions) (*PushResult, error) {
	// A database and a Redis database of the run's own, so a run never
	// sees what an earlier one left.
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Workers > 1 && (o.DatabaseURL == "" || o.RedisURL == "") {
		return nil, fmt.Errorf("bench: -workers above 1 needs DATABASE_URL and REDIS_URL: worker processes share the database and the queues")
	}
	backend, release, err := isolate(ctx, &o.Options)
	if err != nil {
		return nil, err
	}
	defer release()
	if o.Hosted > 0 && o.GoogleQuotaPerMinute == 0 {
		// Pushing the hosted bookings first is setup, not the measure.
		o.GoogleQuotaPerMinute = 1_000_000
	}
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
	if err := h.host(ctx, users, accounts, o.Hosted); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // let the initial syncs finish
	// What the app's hourly pass does, done now that the setup grew the
	// tables (a long-running Calsync has had it).
	if err := h.app.DB.Optimize(ctx); err != nil {
		return nil, err
	}
	if h.sql != nil {
		h.sql.reset() // the statements of the changes, not of the setup
	}
	if o.Contention {
		stop, err := burnCore()
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	run := &pushRun{h: h, users: users, bookings: map[int][]string{}, lastStart: map[string]time.Time{}, inFlight: map[string]bool{},
		rnd: rand.New(rand.NewPCG(7, 7)), base: time.Now().Add(48 * time.Hour).Truncate(time.Hour)}
	seen := run.seen
	timedAt := "link commit, heard in this process"
	if o.Workers > 1 {
		w, err := h.startWorkers(ctx, o.Workers-1)
		if err != nil {
			return nil, err
		}
		defer w.stop()
		run.workers = w
		pctx, stop := context.WithCancel(ctx)
		defer stop()
		run.sweep = h.pollSynced(pctx, seen)
		timedAt = "link write, polled"
	} else {
		h.onLinkSynced.Store(&seen)
	}
	res := &PushResult{Bench: "push", Provider: string(o.Provider), Fieldworkers: o.Fieldworkers, RatePerSec: o.Rate,
		DurationSec: o.Duration.Seconds(), TargetP99Ms: 1000, Hosted: o.Hosted, Backend: backend, Contention: o.Contention,
		Workers: o.Workers, TimedAt: timedAt}
	if !o.FindRate {
		ph, err := run.phase(ctx, o.Rate, o.Duration, o.CPUProfile)
		if err != nil {
			return nil, err
		}
		res.PushPhase = *ph
		return res, nil
	}
	// The highest rate held with p99 within the target and nothing
	// missing: rates double from 25 (up to Rate, which is tried too) until
	// one fails, then the gap is halved twice (each phase runs Duration on
	// the same calendars).
	tried := map[int]bool{}
	try := func(rate int) (bool, error) {
		if rate < 1 || tried[rate] || rate > o.Rate {
			return false, nil
		}
		tried[rate] = true
		// Each phase starts from a quiet system: what an overloaded
		// phase left queued (syncs, the reads its notifications caused)
		// must not be counted against the next.
		if err := h.waitSettled(ctx, len(users), 10*time.Minute); err != nil {
			return false, err
		}
		ph, err := run.phase(ctx, rate, o.Duration, nil)
		if err != nil {
			return false, err
		}
		res.Phases = append(res.Phases, *ph)
		ok := ph.Missing == 0 && ph.P99Ms <= res.TargetP99Ms
		if ok && rate > res.MaxRatePerSec {
			res.MaxRatePerSec = rate
			res.PushPhase = *ph
		}
		return ok, nil
	}
	lo, hi := 0, 0
	for rate := min(25, o.Rate); ; rate = min(2*rate, o.Rate) {
		ok, err := try(rate)
		if err != nil {
			return nil, err
		}
		if !ok {
			hi = rate
			break
		}
		lo = rate
		if rate == o.Rate {
			break
		}
	}
	for range 2 {
		if hi == 0 || hi-lo <= 5 {
			break
		}
		mid := (lo + hi) / 2
		ok, err := try(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	res.RatePerSec = res.MaxRatePerSec
	return res, nil
}

// pushRun is the push bench's linked fieldworkers and the bookings its
// changes made so far (phases go on from one another).
type pushRun struct {
	h         *harness
	users     []*ent.User
	bookings  map[int][]string
	lastStart map[string]time.Time
	rnd       *rand.Rand
	base      time.Time
	// workers are the worker processes beside this one (nil: none);
	// sweep then looks for links synced since a time.
	workers *workerProcs
	sweep   func(from time.Time)

	// mu guards the rest: the changes waiting to be visible, the
	// latencies of those that became so, and the last start each pair's
	// event link was synced with, and when.
	mu         sync.Mutex
	waiting    []*pending
	lat        []time.Duration
	superseded int
	// inFlight are the bookings whose move has been sent and not
	// answered yet.
	inFlight map[string]bool
	synced   map[pairOf]syncedAt
}

type pairOf struct {
	booking string
	user    int
}

type syncedAt struct {
	start time.Time
	at    time.Time
}

// seen records that key's event now shows start (the harness's commit
// hook on event links calls it).
func (r *pushRun) seen(key pairOf, start, at time.Time) {
	r.mu.Lock()
	if r.synced == nil {
		r.synced = map[pairOf]syncedAt{}
	}
	defer r.mu.Unlock()
	r.synced[key] = syncedAt{start: start, at: at}
	r.waiting = slices.DeleteFunc(r.waiting, func(p *pending) bool {
		if (pairOf{p.booking, p.user.ID}) != key || !p.start.Equal(start) {
			return false
		}
		r.lat = append(r.lat, max(0, at.Sub(p.t0)))
		return true
	})
}

// add starts timing p (r.mu held); a newer change to the same booking
// supersedes an older one still waiting. The link may already show it
// (synced before the mutation's answer arrived).
func (r *pushRun) add(p *pending) {
	before := len(r.waiting)
	r.waiting = slices.DeleteFunc(r.waiting, func(x *pending) bool { return x.booking == p.booking })
	r.superseded += before - len(r.waiting)
	if s, ok := r.synced[pairOf{p.booking, p.user.ID}]; ok && s.start.Equal(p.start) && !s.at.Before(p.sent) {
		r.lat = append(r.lat, max(0, s.at.Sub(p.t0)))
		return
	}
	r.waiting = append(r.waiting, p)
}

// phase sends rate booking changes per second for d and times each until
// its event link is synced after it.
func (r *pushRun) phase(ctx context.Context, rate int, d time.Duration, profile io.Writer) (*PushPhase, error) {
	h := r.h
	attr, err := startAttribution(profile)
	if err != nil {
		return nil, err
	}
	cpu0, _ := processCPU()
	busy0, total0, machineOK := machineCPU()
	var wcpu0 time.Duration
	if r.workers != nil {
		wcpu0 = r.workers.cpu()
	}
	t0 := time.Now()

	var (
		mu        = &r.mu
		bookings  = r.bookings
		lastStart = r.lastStart
		sendErr   error
		wg        sync.WaitGroup
	)
	mu.Lock()
	r.waiting, r.lat, r.superseded = nil, nil, 0
	mu.Unlock()
	rnd, base, users := r.rnd, r.base, r.users
	changes := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	next := time.Now()
	for i := 0; i < changes; i++ {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		u := users[rnd.IntN(len(users))]
		startAt := base.Add(time.Duration(rnd.IntN(24*30)) * time.Hour)
		var target string
		mu.Lock()
		existing := bookings[u.ID]
		// One change per booking in flight: two moves of one booking
		// sent together commit in an order the bench cannot see, so it
		// could wait for the one that was overtaken. (With none in
		// flight, the draws are those of the bench before this rule.)
		free := existing
		if len(r.inFlight) > 0 {
			free = slices.DeleteFunc(slices.Clone(existing), func(b string) bool { return r.inFlight[b] })
		}
		if len(free) > 0 && rnd.IntN(2) == 0 {
			target = free[rnd.IntN(len(free))]
		}
		reschedule := target != ""
		if reschedule {
			r.inFlight[target] = true
			// A move to where the booking already is changes nothing,
			// and would never show.
			if last, ok := lastStart[target]; ok && last.Equal(startAt) {
				startAt = startAt.Add(time.Hour)
			}
			lastStart[target] = startAt
		}
		mu.Unlock()
		wg.Add(1)
		go func(u *ent.User, target string, startAt time.Time, reschedule bool) {
			defer wg.Done()
			sent := time.Now()
			var id string
			var err error
			if reschedule {
				id = target
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
			delete(r.inFlight, target)
			if err != nil {
				sendErr = err
				return
			}
			if !reschedule {
				bookings[u.ID] = append(bookings[u.ID], id)
				lastStart[id] = startAt
			}
			r.add(&pending{user: u, booking: id, start: startAt, t0: t0, sent: sent})
		}(u, target, startAt, reschedule)
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(r.waiting)
		mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r.sweep != nil {
		r.sweep(t0.Add(-time.Second))
	}
	cpu1, _ := processCPU()
	busy1, total1, _ := machineCPU()
	var wcpu time.Duration
	if r.workers != nil {
		wcpu = r.workers.cpu() - wcpu0
	}
	elapsed := time.Since(t0)
	shares := attr.stop()
	r.explainMissing(ctx) // after the measure: its queries are not the changes' cost
	mu.Lock()
	defer mu.Unlock()
	if sendErr != nil {
		return nil, sendErr
	}
	lat := r.lat
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ph := &PushPhase{Rate: rate, Changes: len(lat) + len(r.waiting) + r.superseded, Missing: len(r.waiting), Superseded: r.superseded}
	if ph.Changes > 0 {
		ph.CPUMsPerChange = ms(cpu1-cpu0+wcpu) / float64(ph.Changes)
		ph.CPUCores = (cpu1 - cpu0 + wcpu).Seconds() / elapsed.Seconds()
		ph.WorkerCPUMsPerChange = ms(wcpu) / float64(ph.Changes)
		if shares != nil {
			own := ms(cpu1-cpu0) / float64(ph.Changes)
			ph.EmulatorCPUMsPerChange = own * shares[partEmulator]
			ph.ClientCPUMsPerChange = own * shares[partClient]
			ph.CalsyncCPUMsPerChange = ph.CPUMsPerChange - ph.EmulatorCPUMsPerChange - ph.ClientCPUMsPerChange
		}
	}
	if machineOK && total1 > total0 {
		ph.MachineBusy = math.Round(1000*float64(busy1-busy0)/float64(total1-total0)) / 1000
	}
	if len(lat) > 0 {
		ph.P50Ms = ms(lat[len(lat)/2])
		ph.P99Ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		ph.MaxMs = ms(lat[len(lat)-1])
	}
	return ph, nil
}

// explainMissing logs, for the first few changes still waiting at a
// phase's end, what the database says of them: the booking's start now,
// its event link, and its account's requests, so a missing change can be
// told apart from a change overtaken by another (two moves of one
// booking in flight at once commit in an order the bench cannot see).
func (r *pushRun) explainMissing(ctx context.Context) {
	r.mu.Lock()
	waiting := slices.Clone(r.waiting[:min(len(r.waiting), 5)])
	synced := make([]syncedAt, len(waiting))
	for i, p := range waiting {
		synced[i] = r.synced[pairOf{p.booking, p.user.ID}]
	}
	r.mu.Unlock()
	log := r.h.log
	if log == nil || len(waiting) == 0 {
		return
	}
	sys := viewer.SystemContext(ctx, r.h.orgID)
	db := r.h.app.Client()
	for i, p := range waiting {
		attrs := []any{"booking", p.booking, "user", p.user.ID, "wanted_start", p.start, "sent", p.sent,
			"last_seen_start", synced[i].start, "last_seen_at", synced[i].at}
		if id, err := strconv.Atoi(p.booking); err == nil {
			if b, err := db.Booking.Get(sys, id); err == nil {
				attrs = append(attrs, "booking_start_now", b.StartAt, "booking_updated_at", b.UpdatedAt)
			}
			if l, err := db.EventLink.Query().Where(eventlink.BookingRef(id), eventlink.UserID(p.user.ID)).Only(sys); err == nil {
				attrs = append(attrs, "link_state", l.State, "link_generation", l.Generation, "link_updated_at", l.UpdatedAt, "account", l.AccountID)
				if a, err := db.CalendarAccount.Get(sys, l.AccountID); err == nil {
					attrs = append(attrs, "sync_requested", a.SyncRequested, "sync_done", a.SyncDone, "sync_requested_at", a.SyncRequestedAt)
				}
				if n, err := db.SyncPending.Query().Where(syncpending.AccountID(l.AccountID)).Count(sys); err == nil {
					attrs = append(attrs, "pending_rows", n)
				}
			}
		}
		log.Error("bench: change not visible at the phase's end", attrs...)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// host gives each user n bookings and waits until they are all in the
// users' calendars.
func (h *harness) host(ctx context.Context, users []*ent.User, accounts map[int]*ent.CalendarAccount, n int) error {
	if n <= 0 {
		return nil
	}
	sys := viewer.SystemContext(ctx, h.orgID)
	db := h.app.Client()
	base := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	var ids []int
	for _, u := range users {
		for done := 0; done < n; {
			k := min(500, n-done)
			bulk := make([]*ent.BookingCreate, k)
			for i := range bulk {
				s := base.Add(time.Duration(done+i) * 30 * time.Minute)
				bulk[i] = db.Booking.Create().SetTitle(fmt.Sprintf("Hosted %d", done+i)).SetStartAt(s).SetEndAt(s.Add(25 * time.Minute)).
					SetTimeZone("UTC").AddHostIDs(u.ID)
			}
			if err := db.Booking.CreateBulk(bulk...).Exec(sys); err != nil {
				return err
			}
			done += k
		}
		ids = append(ids, accounts[u.ID].ID)
	}
	reqs, err := engine.RequestSync(sys, db, time.Now(), ids...)
	if err != nil {
		return err
	}
	if err := tasks.WakeSyncs(ctx, h.app.Queue, nil, "", 0, reqs...); err != nil {
		return err
	}
	want := n * len(users)
	for deadline := time.Now().Add(30 * time.Minute); ; time.Sleep(time.Second) {
		got, err := db.EventLink.Query().Where(eventlink.StateEQ(eventlink.StateSYNCED)).Count(sys)
		if err != nil {
			return err
		}
		if got >= want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d of %d hosted bookings synced", got, want)
		}
	}
	// Pushing them made the provider notify Calsync once per event (the
	// fieldworkers' primary calendars are imported too): let those reads
	// finish, so the measure starts from a quiet system.
	quietSince := time.Now()
	for deadline := time.Now().Add(10 * time.Minute); time.Since(quietSince) < 2*time.Second; time.Sleep(200 * time.Millisecond) {
		cals, err := db.ProviderCalendar.Query().All(sys)
		if err != nil {
			return err
		}
		for _, c := range cals {
			if c.ReadRequested != c.ReadDone {
				quietSince = time.Now()
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: the imports never settled after hosting")
		}
	}
	return nil
}
