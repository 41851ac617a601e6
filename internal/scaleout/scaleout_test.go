package scaleout_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	coderws "github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/redis/go-redis/v9"

	"calsync/internal/domain"
	"calsync/internal/testenv"
)

const (
	fieldworkers = 6
	operations   = 200
	// convergeDeadline is how long the calendars may take to match the
	// bookings after the last change.
	convergeDeadline = 120 * time.Second
	password         = "scale-out password 42"
	// providerLatency is added to every call to the emulated providers.
	providerLatency = 100 * time.Millisecond
)

// TestScaleOut runs Calsync as it is deployed: two API processes (each
// also a worker, as `serve` is) and two `calsync worker` processes on one
// PostgreSQL database and one Redis, against a standalone `calsync
// emulate`. Six fieldworkers link their Google calendars, three of them
// their Outlook calendars too. Bookings are created, changed, moved and
// cancelled through both APIs in turn while a busy worker is SIGKILLed
// mid-stream and Redis is restarted empty; then every linked calendar
// must show exactly the bookings its fieldworker hosts — no duplicate,
// nothing missing, cancelled ones gone — and the time to converge is
// logged. A bookingChanged subscription on API B hears bookings created
// through API A, before and after the Redis restart.
//
// It takes about a minute plus the build, so it runs apart from make
// test: CALSYNC_SCALEOUT=1 (make test-scaleout, from .ci/run).
func TestScaleOut(t *testing.T) {
	if os.Getenv("CALSYNC_SCALEOUT") != "1" {
		t.Skip("set CALSYNC_SCALEOUT=1 (make test-scaleout)")
	}
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("needs DATABASE_URL (PostgreSQL)")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	began := time.Now()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "calsync")
	build := exec.Command("go", "build", "-o", bin, "./cmd/calsync")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Logf("built in %v", time.Since(began).Round(100*time.Millisecond))

	redisPort := freePort(t)
	redis := redisServer(t, redisPort)
	emuAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	startProc(t, "emulator", os.Environ(), "emulators listening", bin, "emulate", "--addr", emuAddr)
	emu := "http://" + emuAddr

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	addrA, addrB := fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	apiA, apiB := "http://"+addrA, "http://"+addrB
	// Every process shares the configuration a deployment's replicas
	// share: one database, Redis, key and public URL (the platform apps'
	// ids at the emulator derive from it, and consent returns there).
	env := append(os.Environ(),
		"DATABASE_URL="+testenv.FreshPostgres(t),
		fmt.Sprintf("REDIS_URL=redis://127.0.0.1:%d/0", redisPort),
		"CALSYNC_SECRET_KEY="+base64.StdEncoding.EncodeToString(key),
		"CALSYNC_PROVIDERS="+emu,
		"CALSYNC_PUBLIC_URL="+apiA,
		"CALSYNC_DATA_DIR="+tmp,
		"CALSYNC_METRICS_ADDR=off",
		"CALSYNC_SEED_DEMO=false",
		"CALSYNC_LOG_LEVEL=info", // the ready lines are info
		"SMTP_URL=",
		"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=",
	)

	// The organization, as an operator makes it: org create prints the
	// admin's one-time link, which sets the password.
	orgCreate := exec.Command(bin, "org", "create", "--name", "Scale Out", "--slug", "scale-out", "--admin-email", "admin@scale.test")
	orgCreate.Env = env
	out, err := orgCreate.CombinedOutput()
	if err != nil {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	link := regexp.MustCompile(`http://\S+/signin/\S+`).FindString(string(out))
	if link == "" {
		t.Fatalf("org create printed no link:\n%s", out)
	}

	procs := map[string]*proc{}
	apiEnv := func(addr string) []string { return append(slices.Clone(env), "CALSYNC_ADDR="+addr) }
	procs["A"] = startProc(t, "API A", apiEnv(addrA), "calsync listening", bin, "serve")
	procs["B"] = startProc(t, "API B", apiEnv(addrB), "calsync listening", bin, "serve")
	startWorker := func(name string) { procs[name] = startProc(t, "worker "+name, env, "worker running", bin, "worker") }
	startWorker("W1")
	startWorker("W2")
	defer func() {
		if t.Failed() {
			for _, name := range []string{"A", "B", "W1", "W2"} {
				t.Logf("--- %s (last lines) ---\n%s", name, procs[name].log())
			}
		}
	}()

	res, err := http.PostForm(link, url.Values{"password": {password}, "confirm": {password}})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("set the admin's password through the link: %v %v", res, err)
	}
	res.Body.Close()
	admin := map[string]*gqlClient{"A": signIn(t, apiA, "admin@scale.test"), "B": signIn(t, apiB, "admin@scale.test")}
	api := func(i int) *gqlClient { return admin[[]string{"A", "B"}[i%2]] }

	// Fieldworkers, each linking a Google account through consent, every
	// other one an Outlook account too; fws are the linked calendars.
	type fieldworker struct {
		id, email string
		provider  domain.Provider
	}
	var fws []fieldworker
	var hosts []string
	for i := range fieldworkers {
		email := fmt.Sprintf("fw%d@scale.test", i)
		var cu struct{ CreateUser struct{ ID string } }
		api(i).must(t, `mutation($in:CreateUserWithPasswordInput!){createUser(input:$in){id}}`, map[string]any{"in": map[string]any{
			"user": map[string]any{"email": email, "name": fmt.Sprintf("Fieldworker %d", i), "role": "FIELDWORKER"}, "password": password,
		}}, &cu)
		hosts = append(hosts, cu.CreateUser.ID)
		control(t, emu, http.MethodPost, "/_emulator/google/accounts", map[string]any{"email": email, "name": email}, nil)
		fc := signIn(t, []string{apiA, apiB}[i%2], email)
		kits := []testenv.ProviderKit{testenv.Kits[0]}
		if i%2 == 0 {
			control(t, emu, http.MethodPost, "/_emulator/microsoft/users", map[string]any{"userPrincipalName": email, "displayName": email}, nil)
			kits = append(kits, outlookKit(emu))
		}
		for _, k := range kits {
			var start struct{ StartCalendarLink struct{ URL string } }
			fc.must(t, `mutation($p:Provider!){startCalendarLink(provider:$p){url}}`, map[string]any{"p": string(k.Provider)}, &start)
			page := k.Consent(t, nil, testenv.NewBrowser(), start.StartCalendarLink.URL, email, true)
			if testenv.Title(page) != "Calendar linked" {
				t.Fatalf("link %s at %s: %d %s", email, k.Provider, page.Status, page.Body)
			}
			fws = append(fws, fieldworker{cu.CreateUser.ID, email, k.Provider})
		}
	}

	// A subscription on API B hears a booking created through API A.
	sub := subscribe(t, apiB, admin["B"], `subscription{bookingChanged{kind bookingId}}`)
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(48 * time.Hour)
	create := func(c *gqlClient, title string, at time.Time, host string) string {
		var out struct{ CreateBooking struct{ ID string } }
		c.must(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
			"title": title, "startAt": at.Format(time.RFC3339), "endAt": at.Add(time.Hour).Format(time.RFC3339), "hostIDs": []string{host},
		}}, &out)
		return out.CreateBooking.ID
	}
	firstProbe := create(admin["A"], "Subscription probe", day, hosts[0])
	probe := firstProbe
	sub.expect(t, "before the Redis restart", probe)

	// The workload: operations over bookings, through API A and API B in
	// turn, four at a time; each booking belongs to one lane so its
	// changes stay in order. The chaos happens between rounds, while the
	// syncs of the previous rounds still run.
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CALSYNC_RANDOM_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("CALSYNC_RANDOM_SEED: %v", err)
		}
	}
	// The seed picks the same operations again; their interleaving with
	// the syncs and the chaos differs from run to run.
	t.Logf("workload seed %d (CALSYNC_RANDOM_SEED)", seed)
	const lanes = 4
	rngs := make([]*mrand.Rand, lanes)
	for i := range rngs {
		rngs[i] = mrand.New(mrand.NewPCG(seed, uint64(i)))
	}
	type booking struct {
		id        string
		cancelled bool
	}
	laneBookings := make([][]*booking, lanes)
	var mu sync.Mutex
	var opErrs []string
	op := func(lane, n int) {
		c, rng := api(n), rngs[lane]
		bs := laneBookings[lane]
		var live []*booking
		for _, b := range bs {
			if !b.cancelled {
				live = append(live, b)
			}
		}
		at := day.Add(time.Duration(rng.IntN(14*24)) * time.Hour)
		host := hosts[rng.IntN(len(hosts))]
		var r response
		switch k := rng.IntN(10); {
		case len(live) < 5 || k < 4:
			var out struct{ CreateBooking struct{ ID string } }
			r = c.do(`mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
				"title": fmt.Sprintf("Visit %d.%d", lane, n), "startAt": at.Format(time.RFC3339), "endAt": at.Add(time.Hour).Format(time.RFC3339),
				"hostIDs": []string{host},
			}}, &out)
			if len(r.Errors) == 0 {
				laneBookings[lane] = append(laneBookings[lane], &booking{id: out.CreateBooking.ID})
			}
		case k < 6:
			b := live[rng.IntN(len(live))]
			r = c.do(`mutation($id:ID!,$in:UpdateBookingInput!){updateBooking(id:$id,input:$in){id}}`, map[string]any{"id": b.id, "in": map[string]any{
				"title": fmt.Sprintf("Visit %d.%d (changed)", lane, n), "startAt": at.Format(time.RFC3339), "endAt": at.Add(90 * time.Minute).Format(time.RFC3339),
			}}, nil)
		case k < 8:
			b := live[rng.IntN(len(live))]
			r = c.do(`mutation($id:ID!,$h:[ID!]!){reassignBooking(id:$id,hostIDs:$h){id}}`, map[string]any{"id": b.id, "h": []string{host}}, nil)
		default:
			b := live[rng.IntN(len(live))]
			r = c.do(`mutation($id:ID!){cancelBooking(id:$id){id}}`, map[string]any{"id": b.id}, nil)
			if len(r.Errors) == 0 {
				b.cancelled = true
			}
		}
		if len(r.Errors) > 0 || r.err != nil {
			mu.Lock()
			opErrs = append(opErrs, fmt.Sprintf("operation %d: %v %v", n, r.err, r.Errors))
			mu.Unlock()
		}
	}
	round := func(from, to int) {
		began := time.Now()
		defer func() { t.Logf("operations %d–%d took %v", from, to-1, time.Since(began).Round(10*time.Millisecond)) }()
		var wg sync.WaitGroup
		for lane := range lanes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := from + lane; n < to; n += lanes {
					op(lane, n)
				}
			}()
		}
		wg.Wait()
	}
	// Provider calls take what Google's take, so syncs are in flight
	// whenever the workload pauses.
	for _, p := range []string{"google", "microsoft"} {
		control(t, emu, http.MethodPost, "/_emulator/"+p+"/faults", map[string]any{"latency": int64(providerLatency)}, nil)
	}
	storm := time.Now()
	first := make(chan struct{})
	var busySeen atomic.Bool
	var extra atomic.Int64
	go func() {
		defer close(first)
		round(0, 60)
		// asynq records a worker's running tasks at its heartbeat (every
		// 5 s): until one is seen busy, the storm goes on.
		for n := 1000; !busySeen.Load() && n < 1300; n += 20 {
			round(n, n+20)
			extra.Add(20)
		}
	}()
	// The first worker asynq shows running a task is killed (either may
	// happen to take the whole first round).
	victim, n := tasksHeldBy(t, redisPort, map[string]int{"W1": procs["W1"].cmd.Process.Pid, "W2": procs["W2"].cmd.Process.Pid}, first)
	busySeen.Store(true)
	t.Logf("SIGKILL worker %s mid-stream, while asynq shows it running %d task(s)", victim, n)
	procs[victim].stop(syscall.SIGKILL)
	<-first
	round(60, 100)
	t.Log("Redis stops")
	redis.stop(syscall.SIGKILL)
	round(100, 130)
	redis = redisServer(t, redisPort)
	redisBack := time.Now()
	t.Log("Redis is back, empty")
	round(130, 160)
	startWorker(victim)
	t.Logf("worker %s restarted", victim)
	round(160, operations)
	lastChange := time.Now()
	t.Logf("%d operations through APIs A and B in %v", operations+int(extra.Load()), lastChange.Sub(storm).Round(10*time.Millisecond))
	if len(opErrs) > 0 {
		t.Fatalf("%d operations failed:\n%s", len(opErrs), strings.Join(opErrs, "\n"))
	}

	// Converge: every linked calendar shows the bookings its fieldworker
	// hosts.
	var diff string
	var want map[string]map[string]entry
	for {
		want = desired(t, admin["B"], day)
		diff = ""
		for _, fw := range fws {
			got := googleEvents(t, emu, fw.email)
			if fw.provider == domain.ProviderMicrosoft {
				got = outlookEvents(t, emu, fw.email)
			}
			if d := compare(want[fw.id], got); d != "" {
				diff += fmt.Sprintf("%s at %s (user %s):\n%s", fw.email, fw.provider, fw.id, d)
			}
		}
		if diff == "" {
			total := 0
			for _, fw := range fws {
				total += len(want[fw.id])
			}
			t.Logf("converged %v after the last change (%v after Redis came back); %d events in %d calendars",
				time.Since(lastChange).Round(10*time.Millisecond), time.Since(redisBack).Round(10*time.Millisecond), total, len(fws))
			break
		}
		if time.Since(lastChange) > convergeDeadline {
			t.Fatalf("calendars did not converge within %v of the last change:\n%s", convergeDeadline, diff)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The check would have seen a duplicate: a copy of the first probe's
	// event, added at the provider.
	var acct struct {
		Calendars []struct {
			ID      string
			Primary bool
		}
	}
	control(t, emu, http.MethodGet, "/_emulator/google/accounts/"+url.PathEscape(fws[0].email), nil, &acct)
	w := want[hosts[0]][firstProbe]
	for _, cal := range acct.Calendars {
		if cal.Primary {
			control(t, emu, http.MethodPost, "/_emulator/google/calendars/"+url.PathEscape(cal.ID)+"/events", map[string]any{
				"summary": w.title, "start": map[string]any{"dateTime": w.start}, "end": map[string]any{"dateTime": w.end},
				"extendedProperties": map[string]any{"private": map[string]string{"calsyncBooking": firstProbe}},
			}, nil)
		}
	}
	if d := compare(want[hosts[0]], googleEvents(t, emu, fws[0].email)); !strings.Contains(d, "booking "+firstProbe+" has 2 events") {
		t.Fatalf("a duplicate event added at the provider went unseen; the comparison says %q", d)
	}

	// The subscription opened before the restart still hears API A.
	probe = create(admin["A"], "Subscription probe after the restart", day.Add(time.Hour), hosts[1])
	sub.expect(t, "after the Redis restart", probe)
	t.Logf("whole run %v", time.Since(began).Round(100*time.Millisecond))
}

// tasksHeldBy waits until asynq's record of one of the workers (name →
// process id) shows it running a task (its heartbeat writes that every
// 5 s) and returns its name and how many; it fails the test if none shows
// within 10 s of done closing.
func tasksHeldBy(t *testing.T, redisPort int, pids map[string]int, done <-chan struct{}) (string, int) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", redisPort)})
	defer rdb.Close()
	ctx := context.Background()
	var deadline <-chan time.Time
	for {
		keys, err := rdb.Keys(ctx, "asynq:workers:*").Result()
		if err != nil {
			t.Fatalf("redis: %v", err)
		}
		for _, k := range keys {
			for name, pid := range pids {
				if strings.Contains(k, fmt.Sprintf(":%d:", pid)) {
					if n, _ := rdb.HLen(ctx, k).Result(); n > 0 {
						return name, int(n)
					}
				}
			}
		}
		select {
		case <-done:
			if deadline == nil {
				deadline = time.After(10 * time.Second)
			}
			done = nil
		case <-deadline:
			t.Fatalf("no worker %v was ever seen running a task", pids)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// entry is what one booking's event shows.
type entry struct{ title, start, end string }

func (e entry) String() string { return fmt.Sprintf("%q %s–%s", e.title, e.start, e.end) }

// desired reads, through the API, the bookings each fieldworker hosts
// that are not cancelled, by booking id.
func desired(t *testing.T, c *gqlClient, from time.Time) map[string]map[string]entry {
	t.Helper()
	var out struct {
		Bookings struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID, Title      string
					StartAt, EndAt time.Time
					Hosts          []struct{ ID string }
				}
			}
		}
	}
	c.must(t, `query($f:Time!,$t:Time!){bookings(from:$f,to:$t,first:500){totalCount edges{node{id title startAt endAt hosts{id}}}}}`,
		map[string]any{"f": from.Add(-24 * time.Hour).Format(time.RFC3339), "t": from.Add(30 * 24 * time.Hour).Format(time.RFC3339)}, &out)
	if out.Bookings.TotalCount > len(out.Bookings.Edges) {
		t.Fatalf("bookings: %d of %d read", len(out.Bookings.Edges), out.Bookings.TotalCount)
	}
	want := map[string]map[string]entry{}
	for _, e := range out.Bookings.Edges {
		n := e.Node
		for _, h := range n.Hosts {
			if want[h.ID] == nil {
				want[h.ID] = map[string]entry{}
			}
			want[h.ID][n.ID] = entry{n.Title, n.StartAt.UTC().Format(time.RFC3339), n.EndAt.UTC().Format(time.RFC3339)}
		}
	}
	return want
}

// googleEvents reads every event of the account's calendars at the
// emulator, keyed by the booking id Calsync tags them with ("" for an
// event without one).
func googleEvents(t *testing.T, emu, email string) map[string][]entry {
	t.Helper()
	var acct struct{ Calendars []struct{ ID string } }
	control(t, emu, http.MethodGet, "/_emulator/google/accounts/"+url.PathEscape(email), nil, &acct)
	got := map[string][]entry{}
	for _, cal := range acct.Calendars {
		var evs struct {
			Items []struct {
				Summary            string
				Status             string
				Start, End         struct{ DateTime time.Time }
				ExtendedProperties struct{ Private map[string]string }
			}
		}
		control(t, emu, http.MethodGet, "/_emulator/google/calendars/"+url.PathEscape(cal.ID)+"/events", nil, &evs)
		for _, ev := range evs.Items {
			if ev.Status == "cancelled" {
				continue
			}
			id := ev.ExtendedProperties.Private["calsyncBooking"]
			got[id] = append(got[id], entry{ev.Summary, ev.Start.DateTime.UTC().Format(time.RFC3339), ev.End.DateTime.UTC().Format(time.RFC3339)})
		}
	}
	return got
}

// outlookEvents is googleEvents for the user's Outlook calendars.
func outlookEvents(t *testing.T, emu, email string) map[string][]entry {
	t.Helper()
	var u struct{ Calendars []struct{ ID string } }
	control(t, emu, http.MethodGet, "/_emulator/microsoft/users/"+url.PathEscape(email), nil, &u)
	got := map[string][]entry{}
	for _, cal := range u.Calendars {
		var evs struct {
			Value []struct {
				Subject                       string
				IsCancelled                   bool
				Start, End                    struct{ DateTime, TimeZone string }
				SingleValueExtendedProperties []struct{ ID, Value string }
			}
		}
		control(t, emu, http.MethodGet, "/_emulator/microsoft/users/"+url.PathEscape(email)+"/calendars/"+url.PathEscape(cal.ID)+"/events", nil, &evs)
		for _, ev := range evs.Value {
			if ev.IsCancelled {
				continue
			}
			id := ""
			for _, p := range ev.SingleValueExtendedProperties {
				if strings.HasSuffix(p.ID, " Name calsyncBooking") {
					id = p.Value
				}
			}
			got[id] = append(got[id], entry{ev.Subject, graphTime(t, ev.Start.DateTime, ev.Start.TimeZone), graphTime(t, ev.End.DateTime, ev.End.TimeZone)})
		}
	}
	return got
}

// graphTime reads a Graph dateTimeTimeZone as UTC RFC 3339.
func graphTime(t *testing.T, dt, tz string) string {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatalf("outlook time zone %q: %v", tz, err)
	}
	at, err := time.ParseInLocation("2006-01-02T15:04:05.9999999", dt, loc)
	if err != nil {
		t.Fatalf("outlook time %q: %v", dt, err)
	}
	return at.UTC().Format(time.RFC3339)
}

// outlookKit is testenv's Microsoft kit for a standalone emulator: the
// consent page's account is found through the control API.
func outlookKit(emu string) testenv.ProviderKit {
	k := testenv.Kits[1]
	k.Fill = func(t testing.TB, _ *testenv.Env, f *testenv.Form, email string, calendar bool) (string, string) {
		var u struct{ ID string }
		control(t.(*testing.T), emu, http.MethodGet, "/_emulator/microsoft/users/"+url.PathEscape(email), nil, &u)
		f.Set("account", u.ID)
		for _, s := range f.Options["scope"] {
			if strings.Contains(s, "Calendars.ReadWrite") {
				f.Check("scope", s)
			}
		}
		return "action", "accept"
	}
	return k
}

// compare lists how a calendar (got) differs from the bookings it should
// show (want): missing, duplicated, stale and stray events.
func compare(want map[string]entry, got map[string][]entry) string {
	var lines []string
	for id, w := range want {
		g := got[id]
		switch {
		case len(g) == 0:
			lines = append(lines, fmt.Sprintf("  missing booking %s: %v", id, w))
		case len(g) > 1:
			lines = append(lines, fmt.Sprintf("  booking %s has %d events: %v", id, len(g), g))
		case g[0] != w:
			lines = append(lines, fmt.Sprintf("  booking %s shows %v, want %v", id, g[0], w))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			lines = append(lines, fmt.Sprintf("  event(s) of booking %q that should not be there: %v", id, g))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + map[bool]string{true: "\n", false: ""}[len(lines) > 0]
}

// control calls the emulator's control API.
func control(t *testing.T, emu, method, path string, body, v any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, emu+path, rd)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("emulator %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("emulator %s %s: %s %s", method, path, res.Status, raw)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("emulator %s %s: %v: %s", method, path, err, raw)
		}
	}
}

// gqlClient speaks GraphQL to one API process with a session; safe for
// concurrent use.
type gqlClient struct {
	api  string
	http *http.Client
	csrf string
}

type response struct {
	Data   json.RawMessage
	Errors []testenv.GQLError
	err    error
}

func (c *gqlClient) do(query string, vars map[string]any, v any) response {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.api+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	res, err := c.http.Do(req)
	if err != nil {
		return response{err: err}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		return response{err: fmt.Errorf("status %d: %s", res.StatusCode, raw)}
	}
	if v != nil && len(r.Errors) == 0 {
		r.err = json.Unmarshal(r.Data, v)
	}
	return r
}

func (c *gqlClient) must(t *testing.T, query string, vars map[string]any, v any) {
	t.Helper()
	if r := c.do(query, vars, v); r.err != nil || len(r.Errors) > 0 {
		t.Fatalf("graphql at %s: %v %+v\nquery: %s", c.api, r.err, r.Errors, query)
	}
}

func signIn(t *testing.T, api, email string) *gqlClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &gqlClient{api: api, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var out struct {
		SignIn struct{ Viewer struct{ CsrfToken string } }
	}
	c.must(t, `mutation($e:String!,$p:String!){signIn(input:{email:$e,password:$p}){viewer{csrfToken}}}`,
		map[string]any{"e": email, "p": password}, &out)
	c.csrf = out.SignIn.Viewer.CsrfToken
	return c
}

// subscription is a graphql-transport-ws subscription's stream of
// bookingChanged booking ids.
type subscription struct{ ids chan string }

func subscribe(t *testing.T, api string, c *gqlClient, query string) *subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hdr := http.Header{}
	u, _ := url.Parse(api)
	for _, ck := range c.http.Jar.Cookies(u) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := coderws.Dial(ctx, strings.Replace(api, "http", "ws", 1)+"/graphql",
		&coderws.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("websocket dial %s: %v", api, err)
	}
	t.Cleanup(func() { conn.Close(coderws.StatusNormalClosure, "") })
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("expected connection_ack, got %v %v", ack, err)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}}); err != nil {
		t.Fatal(err)
	}
	s := &subscription{ids: make(chan string, 1024)}
	go func() {
		for {
			var m struct {
				Type    string
				Payload struct {
					Data struct{ BookingChanged struct{ BookingID string } }
				}
			}
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				close(s.ids)
				return
			}
			switch m.Type {
			case "ping":
				_ = wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
			case "next":
				select {
				case s.ids <- m.Payload.Data.BookingChanged.BookingID:
				default:
				}
			}
		}
	}()
	// The resolver subscribes asynchronously after "subscribe".
	time.Sleep(200 * time.Millisecond)
	return s
}

// expect waits up to 10 s for an event about booking id.
func (s *subscription) expect(t *testing.T, when, id string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got, ok := <-s.ids:
			if !ok {
				t.Fatalf("%s: the subscription on API B ended before booking %s's event", when, id)
			}
			if got == id {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no bookingChanged event on API B for booking %s created through API A within 10 s", when, id)
		}
	}
}
