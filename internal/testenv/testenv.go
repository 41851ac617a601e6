// Package testenv gives tests a real Calsync: a fresh SQLite file or a fresh
// PostgreSQL database, a fresh Redis database number (or miniredis), and
// the HTTP handler on an httptest server.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"calsync/ent"
	"calsync/internal/app"
	"calsync/internal/config"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Backend names a database backend.
type Backend string

// The backends tests run against.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Backends returns the backends to run: SQLite always, PostgreSQL when
// DATABASE_URL is set (make test sets it).
func Backends() []Backend {
	if os.Getenv("DATABASE_URL") != "" {
		return []Backend{SQLite, Postgres}
	}
	return []Backend{SQLite}
}

// Env is one running Calsync for a test.
type Env struct {
	App     *app.App
	Server  *httptest.Server
	Queries *Counter

	cfg    config.Config
	prefix string
	now    func() time.Time
	obs    Observed
}

// Observed are where a test collects what the app reports besides its
// answers: log lines and spans.
type Observed struct {
	// Logger receives the app's log (default: discarded).
	Logger *slog.Logger
	// TraceExporter receives the app's spans through the app's own tracing
	// wiring (tracetest.NewInMemoryExporter); nil leaves tracing as the
	// configuration says (off).
	TraceExporter sdktrace.SpanExporter
}

// New starts a Calsync on backend with its own database and Redis.
func New(t testing.TB, backend Backend) *Env {
	t.Helper()
	return NewWith(t, backend, nil)
}

// NewWith is New with a chance to adjust the configuration first.
func NewWith(t testing.TB, backend Backend, adjust func(*config.Config)) *Env {
	t.Helper()
	return NewClocked(t, backend, nil, adjust)
}

// NewObserved is NewWith with the app's log and spans going to o.
func NewObserved(t testing.TB, backend Backend, o Observed, adjust func(*config.Config)) *Env {
	t.Helper()
	return newEnv(t, backend, nil, o, adjust)
}

// NewClocked is NewWith with the application's clock (nil: time.Now), e.g.
// an emucore.FakeClock's Now.
func NewClocked(t testing.TB, backend Backend, now func() time.Time, adjust func(*config.Config)) *Env {
	t.Helper()
	return newEnv(t, backend, now, Observed{}, adjust)
}

func newEnv(t testing.TB, backend Backend, now func() time.Time, o Observed, adjust func(*config.Config)) *Env {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = base64.StdEncoding.EncodeToString(key)
	cfg.SeedDemo = false
	cfg.Concurrency = 4
	if backend == Postgres {
		cfg.DatabaseURL = FreshPostgres(t)
	}
	cfg.RedisURL = freshRedis(t)
	if adjust != nil {
		adjust(&cfg)
	}
	return start(t, cfg, "calsynctest"+randHex(6), now, o)
}

func start(t testing.TB, cfg config.Config, prefix string, now func() time.Time, o Observed) *Env {
	t.Helper()
	counter := &Counter{}
	// The public URL must be known before the app starts (OAuth redirect
	// URIs, email links, the embedded emulators' base): listen first.
	srv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	a, err := app.New(context.Background(), cfg, app.Options{
		DriverWrap: counter.wrap, BrokerPrefix: prefix, Now: now, Logger: o.Logger, TraceExporter: o.TraceExporter,
	})
	if err != nil {
		srv.Close()
		t.Fatalf("start calsync: %v", err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		a.Close()
	})
	return &Env{App: a, Server: srv, Queries: counter, cfg: cfg, prefix: prefix, now: now, obs: o}
}

// Prefix is the app's key prefix in Redis (and in its lock keys).
func (e *Env) Prefix() string { return e.prefix }

// Replica starts a second Calsync sharing e's database and Redis, as
// another replica behind a load balancer would.
func (e *Env) Replica(t testing.TB) *Env {
	t.Helper()
	if e.cfg.RedisURL == "" {
		t.Skip("replicas share Redis: set REDIS_URL")
	}
	return start(t, e.cfg, e.prefix, e.now, e.obs)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FreshPostgres creates a new database for the test and drops it after.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "calsync_t_" + randHex(8)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewOrg creates an organization named name in client's database (its slug
// the name in lower case) and returns it with a system context acting for
// it: for tests that work on the store directly.
func NewOrg(t testing.TB, client *ent.Client, name string) (*ent.Organization, context.Context) {
	t.Helper()
	org, err := client.Organization.Create().SetName(name).SetSlug(strings.ToLower(name)).Save(viewer.AllTenantsContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return org, viewer.SystemContext(context.Background(), org.ID)
}

// OpenStore opens and migrates a fresh database of its own on backend: a
// SQLite file in a temporary directory, or a new PostgreSQL database
// dropped afterwards. log, when not nil, receives what Migrate logs.
func OpenStore(t testing.TB, backend Backend, log *slog.Logger) *store.DB {
	t.Helper()
	o := store.Options{DataDir: t.TempDir(), Logger: log}
	if backend == Postgres {
		o.DatabaseURL = FreshPostgres(t)
	}
	db, err := store.Open(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// freshRedis reserves a Redis database number nobody else is using (a lock
// key in database 0), flushes it, and returns its URL; without REDIS_URL
// it returns "" (the app then runs miniredis).
func freshRedis(t testing.TB) string {
	t.Helper()
	base := os.Getenv("REDIS_URL")
	if base == "" {
		return ""
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	ctx := context.Background()
	lockDB := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: 0})
	defer lockDB.Close()
	owner := randHex(8)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for n := 1; n < 16; n++ {
			lock := "calsync:testdb:" + strconv.Itoa(n)
			ok, err := lockDB.SetNX(ctx, lock, owner, 10*time.Minute).Result()
			if err != nil {
				t.Fatalf("redis: %v", err)
			}
			if !ok {
				continue
			}
			c := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: n})
			err = c.FlushDB(ctx).Err()
			c.Close()
			if err != nil {
				t.Fatalf("redis flush: %v", err)
			}
			t.Cleanup(func() {
				l := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: 0})
				defer l.Close()
				if v, _ := l.Get(context.Background(), lock).Result(); v == owner {
					l.Del(context.Background(), lock)
				}
			})
			u, _ := url.Parse(base)
			u.Path = "/" + strconv.Itoa(n)
			return u.String()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no free Redis database number for the test")
	return ""
}

// Counter counts SQL statements sent through the ent driver.
type Counter struct{ n atomic.Int64 }

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// Count returns statements counted since the last Reset.
func (c *Counter) Count() int { return int(c.n.Load()) }

func (c *Counter) wrap(d dialect.Driver) dialect.Driver { return &countingDriver{Driver: d, c: c} }

type countingDriver struct {
	dialect.Driver
	c *Counter
}

func (d *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.c.n.Add(1)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.c.n.Add(1)
	return d.Driver.Query(ctx, q, args, v)
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, c: d.c}, nil
}

type countingTx struct {
	dialect.Tx
	c *Counter
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.c.n.Add(1)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	t.c.n.Add(1)
	return t.Tx.Query(ctx, q, args, v)
}
