package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create the run's database
	"github.com/redis/go-redis/v9"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/externalevent"
	"calsync/ent/providercalendar"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/viewer"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
	"calsync/sync/tasks"
)

// InboundOptions configure the import benchmark.
type InboundOptions struct {
	Options
	// Providers are the fieldworkers' providers, dealt in turn (nil or
	// empty: Google and Microsoft, half each). Options.Provider is unused.
	Providers    []domain.Provider
	Fieldworkers int
	// Rate is provider changes per second; Duration how long they come.
	Rate     int
	Duration time.Duration
	// Quiet is how long provider requests are counted once nothing
	// changes any more.
	Quiet time.Duration
	// Progress receives progress lines (nil: none).
	Progress io.Writer
	// CPUProfile, when set, receives a CPU profile of the change phase
	// and its grace period.
	CPUProfile io.Writer
	// TwoWayEdits, when positive, ends the run with two-way sync: it is
	// turned on, the fieldworkers' events become bookings, and that many
	// of them are moved at the provider, TwoWayRate per second (default
	// 5), each timed until its booking holds the new time.
	TwoWayEdits, TwoWayRate int
}

// InboundResult is what the import benchmark measured: the time from a
// change a fieldworker makes in their own calendar at the provider to the
// externalEventsChanged message a subscribed calendar view receives, and
// the provider requests an unchanged calendar costs.
type InboundResult struct {
	Bench        string  `json:"bench"`
	Providers    string  `json:"providers"`
	Backend      string  `json:"backend"`
	Fieldworkers int     `json:"fieldworkers"`
	RatePerSec   int     `json:"rate_per_second"`
	DurationSec  float64 `json:"duration_seconds"`
	Changes      int     `json:"changes"`
	// Messages are the subscription messages received during the change
	// phase and its grace period.
	Messages int     `json:"messages"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// Missing changes got no message within the grace period after the
	// change phase.
	Missing int `json:"missing"`
	// NotImported counts events whose last state at the provider is not
	// what Calsync holds as ExternalEvent rows at the end.
	NotImported int     `json:"not_imported"`
	TargetP99Ms float64 `json:"target_p99_ms"`
	// CPUMsPerChange is the process's CPU time (Calsync, the emulators
	// and the bench itself: they share the process) from the first change
	// to the last message, per change.
	CPUMsPerChange float64 `json:"cpu_ms_per_change"`
	// CPUSource says how CPU time was read: "proc" (/proc/self/stat, 10 ms
	// ticks) or "go-runtime-estimate" (runtime/metrics, where there is no
	// /proc).
	CPUSource string `json:"cpu_source"`
	// IdleCPUMsPerSec is the process's CPU time per second during the
	// quiet period: the floor (queue polling, in-process Redis) that
	// cpu_ms_per_change includes too.
	IdleCPUMsPerSec float64 `json:"idle_cpu_ms_per_second"`
	// Provider API requests (batch parts counted) during the quiet period.
	QuietRequests   int64   `json:"quiet_requests"`
	QuietSeconds    float64 `json:"quiet_seconds"`
	Calendars       int     `json:"calendars"`
	PerCalHourMeas  float64 `json:"requests_per_calendar_hour_measured"`
	PerCalHourExp   float64 `json:"requests_per_calendar_hour_expected"`
	PollEverySec    float64 `json:"poll_every_seconds"`
	RenewEveryHours float64 `json:"renew_every_hours"`
	// ChangeRequests are the provider requests from the first change to
	// the end of the grace period, per change.
	RequestsPerChange float64 `json:"requests_per_change"`
	LinkSeconds       float64 `json:"link_seconds"`
	// Two-way phase (TwoWayEdits): bookings made from the fieldworkers'
	// events, edits made at the provider, the time from an edit to its
	// booking holding it, and edits that did not arrive within the grace
	// period.
	TwoWayBookings    int     `json:"two_way_bookings,omitempty"`
	TwoWayEdits       int     `json:"two_way_edits,omitempty"`
	TwoWayP50Ms       float64 `json:"two_way_edit_to_booking_p50_ms,omitempty"`
	TwoWayP99Ms       float64 `json:"two_way_edit_to_booking_p99_ms,omitempty"`
	TwoWayMaxMs       float64 `json:"two_way_edit_to_booking_max_ms,omitempty"`
	TwoWayMissing     int     `json:"two_way_missing,omitempty"`
	TwoWayTargetP99Ms float64 `json:"two_way_target_p99_ms,omitempty"`
}

// renewBefore is inbound.Options.RenewBefore's default: a channel is
// renewed once it has less than this left.
const renewBefore = 24 * time.Hour

// inboundGrace is how long messages may still come after the change phase.
const inboundGrace = 10 * time.Second

// inboundFW is one seeded fieldworker and their primary calendar.
type inboundFW struct {
	user     *ent.User
	provider domain.Provider
	account  *ent.CalendarAccount
	calendar *ent.ProviderCalendar
	// events are the ids of the events created at the provider, with
	// their start and last title.
	events []inboundEvent
}

type inboundEvent struct {
	id    string
	start time.Time
	title string
}

// Inbound runs the import benchmark.
func Inbound(ctx context.Context, o InboundOptions) (*InboundResult, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	say := func(format string, args ...any) { fmt.Fprintf(progress, "bench inbound: "+format+"\n", args...) }
	providers := o.Providers
	if len(providers) == 0 {
		providers = []domain.Provider{domain.ProviderGoogle, domain.ProviderMicrosoft}
	}
	if o.Fieldworkers < 1 || o.Rate < 1 || o.Duration <= 0 || o.Quiet < 0 {
		return nil, errors.New("bench: counts and durations must be positive")
	}
	backend, release, err := isolate(ctx, &o.Options)
	if err != nil {
		return nil, err
	}
	defer release()
	say("backend %s", backend)

	o.Provider = providers[0]
	h, err := start(ctx, o.Options)
	if err != nil {
		return nil, err
	}
	defer h.close()
	users, err := h.seed(ctx, o.Fieldworkers)
	if err != nil {
		return nil, err
	}
	// seed set up providers[0]; the others get their configuration and
	// their users' accounts here.
	sys := viewer.SystemContext(ctx, h.orgID)
	fws := make([]*inboundFW, len(users))
	for i, u := range users {
		fws[i] = &inboundFW{user: u, provider: providers[i%len(providers)]}
	}
	for _, p := range providers[1:] {
		if p == providers[0] {
			continue
		}
		if err := h.app.Client().ProviderConfig.Create().SetProvider(p).SetEnabled(true).Exec(sys); err != nil {
			return nil, err
		}
		for _, f := range fws {
			if f.provider != p {
				continue
			}
			if err := h.createProviderAccount(p, f.user.Email); err != nil {
				return nil, err
			}
		}
	}

	// Link through the consent pages, as the fieldworkers would.
	say("linking %d fieldworkers (%s)", len(fws), providerNames(providers))
	t0 := time.Now()
	for i, f := range fws {
		h.provider = f.provider // link follows h.provider; linking is sequential
		if err := h.link(ctx, f.user); err != nil {
			return nil, err
		}
		if (i+1)%25 == 0 {
			say("linked %d/%d", i+1, len(fws))
		}
	}
	h.provider = providers[0]
	if err := h.waitWatched(ctx, fws, 3*time.Minute); err != nil {
		return nil, err
	}
	linkSeconds := time.Since(t0).Seconds()
	say("all %d primary calendars watched and read once (%.1fs)", len(fws), linkSeconds)

	// One subscription, as an admin's calendar view.
	tr := newTracker(fws)
	sub, err := h.subscribeExternal(ctx, h.admin, tr.message)
	if err != nil {
		return nil, err
	}
	defer sub.close()

	rnd := rand.New(rand.NewPCG(11, 11))
	base := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	slot := 0
	change := func(f *inboundFW, trackIt bool) error {
		// Each created event gets a half-hour slot of its own (over 60
		// days: slots repeat after 2,880 changes).
		var ev inboundEvent
		rename := len(f.events) > 0 && rnd.IntN(2) == 0
		var idx int
		if rename {
			idx = rnd.IntN(len(f.events))
			ev = f.events[idx]
			ev.title = fmt.Sprintf("Renamed %d", slot)
		} else {
			ev = inboundEvent{start: base.Add(time.Duration(slot%(24*2*60)) * 30 * time.Minute), title: fmt.Sprintf("Own event %d", slot)}
		}
		slot++
		at := time.Now()
		if trackIt {
			tr.changed(f.user.ID, ev.start, at)
		}
		id, err := h.changeAtProvider(f, ev.id, ev.start, ev.title)
		if err != nil {
			if trackIt {
				tr.forget(f.user.ID, at)
			}
			return err
		}
		ev.id = id
		if rename {
			f.events[idx] = ev
		} else {
			f.events = append(f.events, ev)
		}
		return nil
	}

	// Warm up: one change must come back as a message before timing starts
	// (the subscription is registered asynchronously after "subscribe").
	say("checking the subscription delivers")
	warm := false
	for try := 0; try < 6 && !warm; try++ {
		before := tr.messageCount()
		if err := change(fws[0], false); err != nil {
			return nil, err
		}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if tr.messageCount() > before {
				warm = true
				break
			}
			if err := sub.failed(); err != nil {
				return nil, err
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !warm {
		return nil, errors.New("bench: externalEventsChanged delivered nothing for a change at the provider (is its resolver in place?)")
	}
	time.Sleep(time.Second) // let the warm-up's reads settle
	tr.reset()

	say("changing %d events/s for %s", o.Rate, o.Duration)
	reqs0 := h.counter.requests.Load()
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return nil, err
		}
	}
	cpu0, cpuSource := processCPU()
	phaseStart := time.Now()
	changes := int(o.Duration.Seconds() * float64(o.Rate))
	interval := time.Second / time.Duration(o.Rate)
	next := time.Now()
	lastReport := time.Now()
	for i := 0; i < changes; i++ {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		if err := change(fws[rnd.IntN(len(fws))], true); err != nil {
			return nil, err
		}
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			n, pending := tr.progress()
			say("%d changes, %d answered, %d waiting", i+1, n, pending)
		}
		if err := sub.failed(); err != nil {
			return nil, err
		}
	}
	phase := time.Since(phaseStart)
	graceEnd := time.Now().Add(inboundGrace)
	for time.Now().Before(graceEnd) {
		if _, pending := tr.progress(); pending == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cpu1, _ := processCPU()
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	cpu := cpu1 - cpu0
	changeReqs := h.counter.requests.Load() - reqs0
	lat, missing, messages := tr.result()
	say("change phase done in %.1fs: %d answered, %d missing", phase.Seconds(), len(lat), missing)

	// What Calsync holds must be what the provider has.
	notImported, err := h.checkImported(ctx, fws)
	if err != nil {
		return nil, err
	}

	// Quiet: nothing changes; with notifications working no read happens
	// until a calendar's safety poll is due.
	time.Sleep(2 * time.Second) // reads woken by the last changes finish
	say("counting provider requests for %s of quiet", o.Quiet)
	q0 := h.counter.requests.Load()
	qcpu0, _ := processCPU()
	qStart := time.Now()
	time.Sleep(o.Quiet)
	quietReqs := h.counter.requests.Load() - q0
	qcpu1, _ := processCPU()
	quietSec := time.Since(qStart).Seconds()

	pollEvery := h.app.Inbound.PollEvery()
	renewEvery, expected := expectedSteadyRate(fws, pollEvery)
	res := &InboundResult{Bench: "inbound", Providers: providerNames(providers), Backend: backend,
		Fieldworkers: len(fws), RatePerSec: o.Rate, DurationSec: o.Duration.Seconds(),
		Changes: len(lat) + missing, Messages: messages, Missing: missing, NotImported: notImported,
		TargetP99Ms: 2000, CPUSource: cpuSource, QuietRequests: quietReqs, QuietSeconds: quietSec, Calendars: len(fws),
		PerCalHourExp: expected, PollEverySec: pollEvery.Seconds(), RenewEveryHours: renewEvery.Hours(),
		LinkSeconds: linkSeconds}
	if quietSec > 0 {
		res.PerCalHourMeas = float64(quietReqs) / float64(len(fws)) / (quietSec / 3600)
		res.IdleCPUMsPerSec = float64((qcpu1 - qcpu0).Microseconds()) / 1000 / quietSec
	}
	if res.Changes > 0 {
		res.CPUMsPerChange = float64(cpu.Microseconds()) / 1000 / float64(res.Changes)
		res.RequestsPerChange = float64(changeReqs) / float64(res.Changes)
	}
	if len(lat) > 0 {
		res.P50Ms = ms(lat[len(lat)/2])
		res.P99Ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		res.MaxMs = ms(lat[len(lat)-1])
	}
	if o.TwoWayEdits > 0 {
		rate := o.TwoWayRate
		if rate <= 0 {
			rate = 5
		}
		tw, err := h.twoWay(ctx, fws, providers, o.TwoWayEdits, rate, say)
		if err != nil {
			return nil, err
		}
		res.TwoWayBookings, res.TwoWayEdits, res.TwoWayMissing = tw.Bookings, tw.Edits, tw.Missing
		res.TwoWayP50Ms, res.TwoWayP99Ms, res.TwoWayMaxMs = ms(tw.P50), ms(tw.P99), ms(tw.Max)
		res.TwoWayTargetP99Ms = 2000
		say("two-way: %d edits, p50 %.0f ms, p99 %.0f ms, %d missing", tw.Edits, res.TwoWayP50Ms, res.TwoWayP99Ms, tw.Missing)
	}
	return res, nil
}

// expectedSteadyRate is the provider requests an unchanged, watched
// calendar costs per hour, from the configuration, averaged over the
// calendars:
//
//	polls:    one every CALSYNC_IMPORT_POLL (P, jittered ±25 %, which does
//	          not change the mean) plus the wait for the maintenance pass
//	          that notices it is due (it runs every
//	          tasks.InboundMaintainEvery, 1 min: 30 s on average), and the
//	          next poll is scheduled from that read; one request each (an
//	          incremental read of an unchanged calendar is one page:
//	          Google events.list with the sync token, Graph
//	          calendarView/delta with the delta link);
//	renewals: a channel is renewed when less than RenewBefore (1 day) of
//	          it is left, so every TTL − 1 day, TTL being what the provider
//	          granted (read back from channel_expires_at; Calsync asks for
//	          6 days): Google cannot renew, so a new watch and a stop of
//	          the old channel (2 requests), Graph one PATCH of the
//	          subscription (1 request).
//
// = 3600 s / (P + 30 s) + renewalRequests / renewHours. With the defaults
// (15 min, 6 days): 3.871 + 2/120 ≈ 3.888 for Google, 3.871 + 1/120 ≈
// 3.879 for Graph (at most 4 + renewals, were the pass instant).
// Token refreshes (about one an hour per account, at the OAuth endpoints)
// are not API requests and are not counted, here or by the counter.
// It returns the mean renewal period too.
func expectedSteadyRate(fws []*inboundFW, poll time.Duration) (time.Duration, float64) {
	var total float64
	var renewSum time.Duration
	period := poll + tasks.InboundMaintainEvery/2
	for _, f := range fws {
		ttl := 6 * 24 * time.Hour
		if c := f.calendar; c != nil && c.ChannelExpiresAt != nil && c.LastReadAt != nil {
			// Granted around the first read (the watch and the read are
			// queued together).
			if d := c.ChannelExpiresAt.Sub(*c.LastReadAt).Round(time.Hour); d > renewBefore {
				ttl = d
			}
		}
		renew := ttl - renewBefore
		renewSum += renew
		perRenewal := 1.0 // Graph: PATCH
		if f.provider == domain.ProviderGoogle {
			perRenewal = 2 // watch + stop
		}
		total += time.Hour.Seconds()/period.Seconds() + perRenewal/renew.Hours()
	}
	return renewSum / time.Duration(len(fws)), total / float64(len(fws))
}

func providerNames(ps []domain.Provider) string {
	seen := map[domain.Provider]bool{}
	var out []string
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, strings.ToLower(string(p)))
		}
	}
	return strings.Join(out, "+")
}

// createProviderAccount gives email an account at p's emulator.
func (h *harness) createProviderAccount(p domain.Provider, email string) error {
	var err error
	if p == domain.ProviderGoogle {
		_, err = h.emu.Google.CreateAccount(gcal.Account{Email: email, Name: email})
	} else {
		_, err = h.emu.Microsoft.CreateUser(outlook.UserSpec{UserPrincipalName: email, DisplayName: email})
	}
	return err
}

// waitWatched waits until every fieldworker's primary calendar has its
// channel and a first read, and fills in their account and calendar.
func (h *harness) waitWatched(ctx context.Context, fws []*inboundFW, limit time.Duration) error {
	sys := viewer.SystemContext(ctx, h.orgID)
	db := h.app.Client()
	deadline := time.Now().Add(limit)
	for {
		ready := 0
		for _, f := range fws {
			if f.calendar != nil && f.calendar.ChannelID != "" && f.calendar.LastReadAt != nil {
				ready++
				continue
			}
			if f.account == nil {
				a, err := db.CalendarAccount.Query().
					Where(calendaraccount.ProviderEQ(f.provider), calendaraccount.HasUsersWith(user.ID(f.user.ID))).Only(sys)
				if err != nil {
					return fmt.Errorf("bench: %s not linked: %w", f.user.Email, err)
				}
				f.account = a
			}
			c, err := db.ProviderCalendar.Query().
				Where(providercalendar.AccountID(f.account.ID), providercalendar.Primary(true)).Only(sys)
			if err != nil && !ent.IsNotFound(err) {
				return err
			}
			f.calendar = c
			if c != nil && c.ChannelID != "" && c.LastReadAt != nil {
				ready++
			}
		}
		if ready == len(fws) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d of %d primary calendars watched and read after %s: %w", ready, len(fws), limit, errTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// changeAtProvider creates (id "") or renames an event in f's primary
// calendar as its owner would, through the emulator, and returns its id.
func (h *harness) changeAtProvider(f *inboundFW, id string, start time.Time, title string) (string, error) {
	var raw json.RawMessage
	var err error
	if f.provider == domain.ProviderGoogle {
		if id == "" {
			body, _ := json.Marshal(map[string]any{"summary": title,
				"start": map[string]any{"dateTime": start.Format(time.RFC3339), "timeZone": "UTC"},
				"end":   map[string]any{"dateTime": start.Add(25 * time.Minute).Format(time.RFC3339), "timeZone": "UTC"}})
			raw, err = h.emu.Google.InsertEventAsUser(f.calendar.CalendarID, body)
		} else {
			raw, err = h.emu.Google.PatchEventAsUser(f.calendar.CalendarID, id, fmt.Appendf(nil, `{"summary":%q}`, title))
		}
	} else {
		if id == "" {
			body, _ := json.Marshal(map[string]any{"subject": title,
				"start": map[string]any{"dateTime": start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
				"end":   map[string]any{"dateTime": start.Add(25 * time.Minute).Format("2006-01-02T15:04:05"), "timeZone": "UTC"}})
			raw, err = h.emu.Microsoft.CreateEvent(f.account.AccountEmail, f.calendar.CalendarID, body)
		} else {
			raw, err = h.emu.Microsoft.UpdateEvent(f.account.AccountEmail, id, fmt.Appendf(nil, `{"subject":%q}`, title))
		}
	}
	if err != nil {
		return "", fmt.Errorf("bench: change at %s for %s: %w", f.provider, f.user.Email, err)
	}
	var ev struct{ ID string }
	if err := json.Unmarshal(raw, &ev); err != nil || ev.ID == "" {
		return "", fmt.Errorf("bench: changed event: %.200s", raw)
	}
	return ev.ID, nil
}

// checkImported counts the events whose last title at the provider is
// not what Calsync imported.
func (h *harness) checkImported(ctx context.Context, fws []*inboundFW) (int, error) {
	sys := viewer.SystemContext(ctx, h.orgID)
	bad := 0
	for _, f := range fws {
		if len(f.events) == 0 {
			continue
		}
		rows, err := h.app.Client().ExternalEvent.Query().Where(externalevent.AccountID(f.account.ID)).All(sys)
		if err != nil {
			return 0, err
		}
		have := map[string]string{}
		for _, r := range rows {
			have[r.ProviderEventID] = r.Title
		}
		for _, e := range f.events {
			if have[e.id] != e.title {
				bad++
			}
		}
	}
	return bad, nil
}

// tracker pairs changes with subscription messages. A message answers the
// changes of its fieldworker made before it arrived whose event lies in
// the span the message names (every change, when it names none: a full
// read): a message of a read that began before a change and touched
// other events does not count for it.
type tracker struct {
	mu       sync.Mutex
	ids      map[string]int // fieldworker id as the API spells it
	pending  map[int][]pendingChange
	lat      []time.Duration
	messages int
}

type pendingChange struct {
	at    time.Time
	start time.Time // the changed event's start
}

func newTracker(fws []*inboundFW) *tracker {
	t := &tracker{ids: map[string]int{}, pending: map[int][]pendingChange{}}
	for _, f := range fws {
		t.ids[strconv.Itoa(f.user.ID)] = f.user.ID
	}
	return t
}

func (t *tracker) changed(uid int, start, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending[uid] = append(t.pending[uid], pendingChange{at: at, start: start})
}

func (t *tracker) forget(uid int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.pending[uid]
	for i, p := range ps {
		if p.at.Equal(at) {
			t.pending[uid] = append(ps[:i], ps[i+1:]...)
			return
		}
	}
}

func (t *tracker) message(m externalMessage, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.messages++
	uid, ok := t.ids[m.FieldworkerID]
	if !ok {
		return
	}
	ps := t.pending[uid]
	kept := ps[:0]
	for _, p := range ps {
		covered := m.From == nil || m.To == nil || (!p.start.Before(*m.From) && p.start.Before(*m.To))
		if p.at.Before(at) && covered {
			t.lat = append(t.lat, at.Sub(p.at))
			continue
		}
		kept = append(kept, p)
	}
	t.pending[uid] = kept
}

func (t *tracker) messageCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.messages
}

func (t *tracker) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending, t.lat, t.messages = map[int][]pendingChange{}, nil, 0
}

func (t *tracker) progress() (answered, pending int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ps := range t.pending {
		pending += len(ps)
	}
	return len(t.lat), pending
}

func (t *tracker) result() (lat []time.Duration, missing, messages int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lat = append([]time.Duration(nil), t.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	for _, ps := range t.pending {
		missing += len(ps)
	}
	return lat, missing, t.messages
}

// externalMessage is one externalEventsChanged event.
type externalMessage struct {
	FieldworkerID string     `json:"fieldworkerId"`
	CalendarID    string     `json:"calendarId"`
	From          *time.Time `json:"from"`
	To            *time.Time `json:"to"`
	At            time.Time  `json:"at"`
}

// wsSubscription is a graphql-transport-ws subscription.
type wsSubscription struct {
	conn   *websocket.Conn
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	err    error
}

func (s *wsSubscription) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *wsSubscription) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *wsSubscription) close() {
	_ = s.conn.Close(websocket.StatusNormalClosure, "")
	s.cancel()
	<-s.done
}

const externalSubscription = `subscription{externalEventsChanged{fieldworkerId calendarId from to at}}`

// subscribeExternal opens a websocket as c (its session cookie), subscribes
// to externalEventsChanged for every fieldworker and hands each message
// to each with the time it arrived.
func (h *harness) subscribeExternal(ctx context.Context, c *client, each func(externalMessage, time.Time)) (*wsSubscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	api, _ := url.Parse(h.api)
	hdr := http.Header{}
	for _, ck := range c.http.Jar.Cookies(api) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.Dial(ctx, strings.Replace(h.api, "http", "ws", 1)+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: hdr})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bench: websocket: %w", err)
	}
	conn.SetReadLimit(1 << 20)
	s := &wsSubscription{conn: conn, cancel: cancel, done: make(chan struct{})}
	type frame struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	if err := wsjson.Write(ctx, conn, frame{Type: "connection_init", Payload: json.RawMessage(`{}`)}); err != nil {
		cancel()
		return nil, err
	}
	actx, acancel := context.WithTimeout(ctx, 10*time.Second)
	var ack frame
	err = wsjson.Read(actx, conn, &ack)
	acancel()
	if err != nil || ack.Type != "connection_ack" {
		cancel()
		return nil, fmt.Errorf("bench: websocket: expected connection_ack, got %q (%v)", ack.Type, err)
	}
	payload, _ := json.Marshal(map[string]any{"query": externalSubscription})
	if err := wsjson.Write(ctx, conn, frame{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(s.done)
		for {
			var f frame
			if err := wsjson.Read(ctx, conn, &f); err != nil {
				if ctx.Err() == nil {
					s.fail(fmt.Errorf("bench: websocket closed: %w", err))
				}
				return
			}
			at := time.Now()
			switch f.Type {
			case "ping":
				_ = wsjson.Write(ctx, conn, frame{Type: "pong"})
			case "pong":
			case "next":
				var p struct {
					Data struct {
						ExternalEventsChanged externalMessage `json:"externalEventsChanged"`
					} `json:"data"`
					Errors []struct{ Message string } `json:"errors"`
				}
				if err := json.Unmarshal(f.Payload, &p); err != nil || len(p.Errors) > 0 {
					s.fail(fmt.Errorf("bench: subscription message %s: %v", f.Payload, err))
					continue
				}
				each(p.Data.ExternalEventsChanged, at)
			case "error":
				s.fail(fmt.Errorf("bench: subscription refused: %s", f.Payload))
			case "complete":
				s.fail(errors.New("bench: the server completed the subscription"))
			}
		}
	}()
	return s, nil
}

// processCPU is the process's CPU time so far (user and system, every
// thread): from /proc/self/stat where there is one (Linux), else the Go
// runtime's estimate of the CPU its goroutines and collector used.
func processCPU() (time.Duration, string) {
	if d, ok := procCPU("self"); ok {
		return d, "proc"
	}
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0, "none"
	}
	return time.Duration((s[0].Value.Float64() - s[1].Value.Float64()) * float64(time.Second)), "go-runtime-estimate"
}

// machineCPU is the whole machine's busy and total CPU time so far, in
// clock ticks, from /proc/stat's "cpu" line (Linux; ok false elsewhere):
// idle and iowait are not busy.
func machineCPU() (busy, total int64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i >= 7 {
			break // guest time is counted in user time already
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, true
}

// procCPU is a process's CPU time so far (pid "self" or a number), from
// /proc (Linux).
func procCPU(pid string) (time.Duration, bool) {
	if b, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
		// After "pid (comm)": state is field 3, utime 14 and stime 15, in
		// clock ticks of 1/100 s (USER_HZ).
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				u, uerr := strconv.ParseInt(f[11], 10, 64)
				st, serr := strconv.ParseInt(f[12], 10, 64)
				if uerr == nil && serr == nil {
					return time.Duration(u+st) * 10 * time.Millisecond, true
				}
			}
		}
	}
	return 0, false
}

func randomHex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b)
}

// freshPostgres creates a database of the run's own next to the one base
// names, and returns its URL and a function dropping it.
// isolate gives a run a PostgreSQL database and a Redis database number of
// its own when o names servers (o is changed to use them), so a run never
// sees what an earlier one left; it returns the backend's name
// ("sqlite+miniredis", "postgres+redis", …) and what drops them.
func isolate(ctx context.Context, o *Options) (string, func(), error) {
	var undo []func()
	release := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	backend := "sqlite"
	if o.DatabaseURL != "" {
		db, drop, err := freshPostgres(ctx, o.DatabaseURL)
		if err != nil {
			return "", nil, err
		}
		undo = append(undo, drop)
		o.DatabaseURL, backend = db, "postgres"
	}
	if o.RedisURL != "" {
		r, drop, err := freshRedis(ctx, o.RedisURL)
		if err != nil {
			release()
			return "", nil, err
		}
		undo = append(undo, drop)
		o.RedisURL, backend = r, backend+"+redis"
	} else {
		backend += "+miniredis"
	}
	return backend, release, nil
}

func freshPostgres(ctx context.Context, base string) (string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	name := "calsync_bench_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("bench: create database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		defer admin.Close()
		_, _ = admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}, nil
}

// freshRedis reserves a Redis database number nobody else uses (the lock
// keys in database 0 that the tests' environment uses too), empties it,
// and returns its URL and a function releasing it: the task queue's keys
// have no prefix, so a database of its own is what keeps runs apart.
func freshRedis(ctx context.Context, base string) (string, func(), error) {
	opt, err := redis.ParseURL(base)
	if err != nil {
		return "", nil, fmt.Errorf("bench: REDIS_URL: %w", err)
	}
	lockOpt := *opt
	lockOpt.DB = 0
	locks := redis.NewClient(&lockOpt)
	owner := randomHex(8)
	for n := 1; n < 16; n++ {
		lock := "calsync:testdb:" + strconv.Itoa(n)
		ok, err := locks.SetNX(ctx, lock, owner, 2*time.Hour).Result()
		if err != nil {
			locks.Close()
			return "", nil, fmt.Errorf("bench: redis: %w", err)
		}
		if !ok {
			continue
		}
		dbOpt := *opt
		dbOpt.DB = n
		c := redis.NewClient(&dbOpt)
		err = c.FlushDB(ctx).Err()
		c.Close()
		if err != nil {
			locks.Del(ctx, lock)
			locks.Close()
			return "", nil, fmt.Errorf("bench: redis flush: %w", err)
		}
		u, _ := url.Parse(base)
		u.Path = "/" + strconv.Itoa(n)
		return u.String(), func() {
			defer locks.Close()
			bg := context.WithoutCancel(ctx)
			if v, _ := locks.Get(bg, lock).Result(); v == owner {
				c := redis.NewClient(&dbOpt)
				c.FlushDB(bg)
				c.Close()
				locks.Del(bg, lock)
			}
		}, nil
	}
	locks.Close()
	return "", nil, errors.New("bench: no free Redis database number (1 to 15)")
}
