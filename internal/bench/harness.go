// Package bench measures Calsync's push engine end to end, in-process:
// Calsync (API + worker) against its provider emulators, driven through
// the GraphQL API as a client would. `calsync bench push` and `calsync
// bench bulk` run it; each prints its figures as one JSON object.
package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"calsync/ent"
	"calsync/internal/app"
	"calsync/internal/config"
	"calsync/internal/domain"
	"calsync/internal/viewer"
	"calsync/sync/emulator"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// Options are the knobs shared by both benchmarks.
type Options struct {
	Provider domain.Provider
	// DatabaseURL and RedisURL, when set, use real PostgreSQL and Redis
	// (otherwise SQLite in a temporary directory and miniredis).
	DatabaseURL, RedisURL string
	// GoogleQuota / MicrosoftQuota set both the emulator's limit and the
	// engine's pacing (0: the providers' defaults).
	GoogleQuotaPerMinute       int
	MicrosoftQuotaPer10Minutes int
	// GoogleProjectQuotaPerMinute sets the emulator's limit for the whole
	// Google project and Calsync's pacing to it (0: 100 times
	// GoogleQuotaPerMinute when that is set, else Google's 10,000).
	GoogleProjectQuotaPerMinute int
	Log                         *slog.Logger
	// SQLStats, when set, receives the top SQL statements by total time
	// when the bench ends.
	SQLStats io.Writer
}

// harness is a running Calsync with a standalone emulator that counts the
// provider requests it serves.
type harness struct {
	app      *app.App
	emu      *emulator.Server
	api      string
	counter  *requestCounter
	servers  []*http.Server
	dataDir  string
	admin    *client
	orgID    int
	provider domain.Provider
	sql      *sqlStats
	sqlOut   io.Writer
	// onLinkSynced, when set, hears of each event link recorded as
	// synced, with the start it shows, once its transaction commits.
	onLinkSynced atomic.Pointer[func(pairOf, time.Time, time.Time)]
	// cfg is the in-process Calsync's configuration (worker processes
	// started beside it share it).
	cfg config.Config
	log *slog.Logger
}

func start(ctx context.Context, o Options) (*harness, error) {
	h := &harness{provider: o.Provider, counter: &requestCounter{}, log: o.Log}
	dir, err := os.MkdirTemp("", "calsync-bench-")
	if err != nil {
		return nil, err
	}
	h.dataDir = dir
	// The emulator's goroutines, and those its server starts, are
	// labelled as the emulator's (attribute.go).
	var emu *emulator.Server
	asPart(ctx, partEmulator, func(context.Context) { emu, err = emulator.New(emulator.Options{AllowInsecureWebhooks: true}) })
	if err != nil {
		return nil, err
	}
	h.emu = emu
	if o.GoogleProjectQuotaPerMinute == 0 && o.GoogleQuotaPerMinute > 0 {
		o.GoogleProjectQuotaPerMinute = min(100*o.GoogleQuotaPerMinute, 100_000_000)
	}
	if o.GoogleQuotaPerMinute > 0 || o.GoogleProjectQuotaPerMinute > 0 {
		q := gcal.QuotaSettings{UserPerMinute: o.GoogleQuotaPerMinute, ProjectPerMinute: o.GoogleProjectQuotaPerMinute}
		if err := emu.Google.SetQuota(q); err != nil {
			return nil, err
		}
	}
	if o.MicrosoftQuotaPer10Minutes > 0 {
		emu.Microsoft.SetThrottle(outlook.ThrottleConfig{Requests: o.MicrosoftQuotaPer10Minutes, WindowSeconds: 600, Concurrency: 4})
	}
	var emuURL string
	asPart(ctx, partEmulator, func(context.Context) { emuURL, err = h.serve(h.counter.wrap(emu)) })
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg.DataDir, cfg.SecretKey, cfg.SeedDemo = dir, base64.StdEncoding.EncodeToString(key), false
	cfg.DatabaseURL, cfg.RedisURL = o.DatabaseURL, o.RedisURL
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.Providers = emuURL
	cfg.Concurrency = 20
	if o.GoogleQuotaPerMinute > 0 {
		cfg.GoogleQuotaPerMinute = o.GoogleQuotaPerMinute
	}
	if o.GoogleProjectQuotaPerMinute > 0 {
		cfg.GoogleProjectQuotaPerMinute = o.GoogleProjectQuotaPerMinute
	}
	if o.MicrosoftQuotaPer10Minutes > 0 {
		cfg.MicrosoftQuotaPer10Minutes = o.MicrosoftQuotaPer10Minutes
	}
	opts := app.Options{Logger: o.Log}
	if o.SQLStats != nil {
		h.sql = &sqlStats{stats: map[string]*sqlStat{}}
		h.sqlOut = o.SQLStats
		opts.DriverWrap = h.sql.wrap
	}
	// A bench times a change by the commit of the link that shows it.
	opts.EventSynced = func(bookingRef, userID int, start time.Time) {
		if fn := h.onLinkSynced.Load(); fn != nil {
			(*fn)(pairOf{strconv.Itoa(bookingRef), userID}, start, time.Now())
		}
	}
	h.cfg = cfg
	a, err := app.New(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	h.app = a
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	h.servers = append(h.servers, srv)
	h.api = cfg.PublicURL
	if err := a.StartWorker(); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *harness) serve(handler http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	h.servers = append(h.servers, srv)
	return "http://" + ln.Addr().String(), nil
}

func (h *harness) close() {
	if h.sql != nil {
		h.sql.report(h.sqlOut, 80)
	}
	for _, s := range h.servers {
		_ = s.Close()
	}
	if h.app != nil {
		h.app.Close()
	}
	if h.emu != nil {
		h.emu.Close()
	}
	_ = os.RemoveAll(h.dataDir)
}

const benchPassword = "bench password 123"

// seed creates an organization with the provider on and n fieldworkers,
// each with an account at the emulated provider, and signs the admin in.
func (h *harness) seed(ctx context.Context, n int) ([]*ent.User, error) {
	db := h.app.Client()
	all := viewer.AllTenantsContext(ctx)
	org, err := db.Organization.Create().SetName("Bench Co").SetSlug("bench").Save(all)
	if err != nil {
		return nil, err
	}
	h.orgID = org.ID
	sys := viewer.SystemContext(ctx, org.ID)
	if err := db.ProviderConfig.Create().SetProvider(h.provider).SetEnabled(true).Exec(sys); err != nil {
		return nil, err
	}
	hash, err := hashPassword()
	if err != nil {
		return nil, err
	}
	if _, err := db.User.Create().SetName("Admin").SetEmail("admin@bench.test").SetRole(viewer.RoleAdmin).SetPasswordHash(hash).Save(sys); err != nil {
		return nil, err
	}
	users := make([]*ent.User, n)
	for i := range users {
		email := fmt.Sprintf("fw%03d@bench.test", i)
		if users[i], err = db.User.Create().SetName(fmt.Sprintf("Fieldworker %d", i)).SetEmail(email).SetPasswordHash(hash).Save(sys); err != nil {
			return nil, err
		}
		if h.provider == domain.ProviderGoogle {
			_, err = h.emu.Google.CreateAccount(gcal.Account{Email: email, Name: email})
		} else {
			_, err = h.emu.Microsoft.CreateUser(outlook.UserSpec{UserPrincipalName: email, DisplayName: email})
		}
		if err != nil {
			return nil, err
		}
	}
	h.admin, err = h.signIn(ctx, "admin@bench.test")
	return users, err
}

// link links u's calendar through the consent pages, as a person would.
func (h *harness) link(ctx context.Context, u *ent.User) error {
	c, err := h.signIn(ctx, u.Email)
	if err != nil {
		return err
	}
	var out struct{ StartCalendarLink struct{ URL string } }
	if err := c.do(ctx, `mutation($p:Provider!){startCalendarLink(provider:$p){url}}`, map[string]any{"p": string(h.provider)}, &out); err != nil {
		return err
	}
	// Calsync's start page → the provider's consent page.
	page, err := c.post(ctx, out.StartCalendarLink.URL, url.Values{})
	if err != nil {
		return err
	}
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page.body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	if h.provider == domain.ProviderGoogle {
		form.Set("account", u.Email)
		form.Set("scope", "https://www.googleapis.com/auth/calendar")
		form.Set("action", "allow")
	} else {
		mu, err := h.emu.Microsoft.User(u.Email)
		if err != nil {
			return err
		}
		form.Set("account", mu.ID)
		for _, m := range checkboxRE.FindAllStringSubmatch(page.body, -1) {
			form.Add("scope", htmlUnescape(m[1]))
		}
		form.Set("action", "accept")
	}
	action := actionRE.FindStringSubmatch(page.body)
	if action == nil {
		return fmt.Errorf("bench: no consent form for %s at %s: %.300s", u.Email, page.url, page.body)
	}
	target, err := page.url.Parse(htmlUnescape(action[1]))
	if err != nil {
		return err
	}
	done, err := c.post(ctx, target.String(), form)
	if err != nil {
		return err
	}
	if !strings.Contains(done.body, "Calendar linked") {
		return fmt.Errorf("bench: linking %s failed: %s", u.Email, done.body)
	}
	return nil
}

var (
	hiddenRE   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
	checkboxRE = regexp.MustCompile(`<input type="checkbox" name="scope" value="([^"]+)"`)
	actionRE   = regexp.MustCompile(`<form[^>]* action="([^"]+)"`)
)

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// client is a GraphQL client with a session.
type client struct {
	http *http.Client
	api  string
	csrf string
}

type page struct {
	url  *url.URL
	body string
}

func (h *harness) signIn(ctx context.Context, email string) (*client, error) {
	jar, _ := cookiejar.New(nil)
	c := &client{http: &http.Client{Jar: jar, Timeout: 60 * time.Second}, api: h.api + "/graphql"}
	var out struct {
		SignIn struct{ Viewer struct{ CsrfToken string } }
	}
	err := c.do(ctx, `mutation($e:String!,$p:String!){signIn(input:{email:$e,password:$p}){viewer{csrfToken}}}`,
		map[string]any{"e": email, "p": benchPassword}, &out)
	c.csrf = out.SignIn.Viewer.CsrfToken
	return c, err
}

func (c *client) do(ctx context.Context, query string, vars map[string]any, v any) (err error) {
	// The client's work, and the connections it dials, are labelled as
	// the bench's, not Calsync's (attribute.go).
	asPart(ctx, partClient, func(ctx context.Context) { err = c.request(ctx, query, vars, v) })
	return err
}

func (c *client) request(ctx context.Context, query string, vars map[string]any, v any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.api, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return fmt.Errorf("bench: graphql answer: %w", err)
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("bench: graphql: %s", out.Errors[0].Message)
	}
	if v != nil {
		return json.Unmarshal(out.Data, v)
	}
	return nil
}

func (c *client) post(ctx context.Context, target string, form url.Values) (*page, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &page{url: res.Request.URL, body: string(b)}, nil
}

// requestCounter counts the provider API calls the emulator serves:
// round trips, and requests counting each part of a batch (as the
// providers' quotas do).
type requestCounter struct {
	roundTrips atomic.Int64
	requests   atomic.Int64
	// throttled counts 429 answers, inner answers of batches included.
	throttled atomic.Int64
}

// statusRecorder keeps a response's status and, for batches, its body.
type statusRecorder struct {
	http.ResponseWriter
	status int
	body   *bytes.Buffer
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body != nil {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (c *requestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		api := strings.HasPrefix(p, "/google/calendar/") || strings.HasPrefix(p, "/google/batch/") || strings.HasPrefix(p, "/graph/")
		if api {
			c.roundTrips.Add(1)
			parts := int64(1)
			if strings.HasPrefix(p, "/google/batch/") || strings.HasSuffix(p, "/$batch") {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				parts = countParts(p, body, r.Header.Get("Content-Encoding"))
			}
			c.requests.Add(parts)
			rec := &statusRecorder{ResponseWriter: w}
			batch := strings.HasPrefix(p, "/google/batch/") || strings.HasSuffix(p, "/$batch")
			if batch {
				rec.body = &bytes.Buffer{}
			}
			next.ServeHTTP(rec, r)
			if rec.status == http.StatusTooManyRequests {
				c.throttled.Add(1)
			}
			if batch {
				b := rec.body.Bytes()
				c.throttled.Add(int64(bytes.Count(b, []byte(`"status":429`)) + bytes.Count(b, []byte(`"status": 429`)) + bytes.Count(b, []byte("HTTP/1.1 429"))))
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

func countParts(path string, body []byte, encoding string) int64 {
	if strings.HasPrefix(path, "/google/batch/") {
		return int64(bytes.Count(body, []byte("application/http")))
	}
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return 1
		}
		if body, err = io.ReadAll(zr); err != nil {
			return 1
		}
	}
	var b struct{ Requests []json.RawMessage }
	if json.Unmarshal(body, &b) != nil || len(b.Requests) == 0 {
		return 1
	}
	return int64(len(b.Requests))
}

var errTimeout = errors.New("bench: timed out")
