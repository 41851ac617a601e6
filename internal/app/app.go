// Package app assembles Calsync from its configuration: database, queue,
// pub/sub, services, HTTP handler and worker, and takes them down in order.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"calsync/ent"
	"calsync/frontend"
	"calsync/graph"
	"calsync/internal/audit"
	"calsync/internal/auth"
	"calsync/internal/broker"
	"calsync/internal/config"
	"calsync/internal/directory"
	"calsync/internal/domain"
	"calsync/internal/linking/consent"
	"calsync/internal/linking/credentials"
	"calsync/internal/linking/invitations"
	"calsync/internal/linking/outbox"
	"calsync/internal/linking/settings"
	"calsync/internal/mail"
	"calsync/internal/metrics"
	"calsync/internal/redisconn"
	"calsync/internal/scheduling"
	"calsync/internal/secret"
	"calsync/internal/server"
	"calsync/internal/store"
	"calsync/internal/tracing"
	"calsync/sync/emulator"
	"calsync/sync/engine"
	"calsync/sync/inbound"
	"calsync/sync/tasks"
	"calsync/sync/twoway"
)

// App is a running Calsync.
type App struct {
	Config     config.Config
	DB         *store.DB
	Redis      *redisconn.Conn
	Broker     *broker.Broker
	Queue      *asynq.Client
	Box        *secret.Box
	Auth       *auth.Service
	Scheduling *scheduling.Service
	Directory  *directory.Directory
	// Linking a calendar: credentials (provider configuration, tokens),
	// consent (linking and unlinking), invitations (authorization emails)
	// and settings (the administrator's provider settings).
	Credentials *credentials.Service
	Consent     *consent.Service
	Invitations *invitations.Service
	Settings    *settings.Service
	Engine      *engine.Reconciler
	// Inbound imports the fieldworkers' chosen calendars.
	Inbound *inbound.Reader
	// TwoWay takes provider-side changes back into bookings.
	TwoWay *twoway.Syncer
	// Emulators are the in-process providers (CALSYNC_PROVIDERS=emulator).
	Emulators *emulator.Server
	Log       *slog.Logger
	// Metrics are this App's, in a registry of their own (MetricsHandler).
	Metrics *metrics.Metrics
	// Tracing is this App's tracer provider (off without an OTLP
	// endpoint); Close flushes it last.
	Tracing *tracing.Tracing

	handler   http.Handler
	worker    *asynq.Server
	scheduler *asynq.Scheduler
	inspector *asynq.Inspector
	// queues is the operators' queue dashboard (its own Redis connections).
	queues *asynqmon.HTTPHandler
	locker tasks.Locker
	// local runs booking changes' syncs and notifications' reads in this
	// process when it works the queues and has a slot free.
	local        *tasks.Local
	brokerPrefix string
	now          func() time.Time
	// stopRelay ends the outbox relay (StartWorker starts it).
	stopRelay func()
	// wakes announces enqueued tasks to other processes' idle workers
	// (nil with the embedded Redis: no other process); stopWake ends this
	// worker's listening (StartWorker starts it).
	wakes    *wakes
	stopWake func()
}

// Options are the non-configuration dependencies.
type Options struct {
	Logger *slog.Logger
	// DriverWrap wraps the database driver (tests count queries with it).
	DriverWrap func(dialect.Driver) dialect.Driver
	// EventSynced hears of each event a provider acknowledged, once
	// recorded (engine.Options.Synced; benchmarks time changes by it).
	EventSynced func(bookingRef, userID int, start time.Time)
	// BrokerPrefix separates pub/sub channels (tests use one per run).
	BrokerPrefix string
	// Now is the one clock every service reads (default time.Now; tests
	// pass a fake clock's Now, e.g. emucore.FakeClock).
	Now func() time.Time
	// TraceExporter, when set, receives the spans instead of the OTLP
	// endpoint (tests: tracetest.NewInMemoryExporter).
	TraceExporter sdktrace.SpanExporter
	// Version is the service.version of the spans.
	Version string
}

// New opens everything the configuration names and migrates the database.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{Config: cfg, Log: log}
	if err := a.open(ctx, o); err != nil {
		// Close what was opened before the failure.
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context, o Options) error {
	cfg, log := a.Config, a.Log
	var err error
	if a.Tracing, err = tracing.New(ctx, tracing.Options{Endpoint: cfg.TracesURL, Exporter: o.TraceExporter, Version: o.Version}); err != nil {
		return err
	}
	key, err := loadKey(cfg)
	if err != nil {
		return err
	}
	if a.Box, err = secret.NewBox(key); err != nil {
		return err
	}
	if a.DB, err = store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: cfg.DBMaxConns, Logger: log}, o.DriverWrap); err != nil {
		return err
	}
	if err = a.DB.Migrate(ctx); err != nil {
		return err
	}
	client := a.DB.Client
	client.Use(audit.Hook())
	if a.Redis, err = redisconn.Open(ctx, cfg.RedisURL); err != nil {
		return err
	}
	prefix := o.BrokerPrefix
	if prefix == "" {
		prefix = "calsync"
	}
	a.Broker = broker.New(a.Redis.Client, prefix, log)
	if err = a.Broker.Start(ctx); err != nil {
		return err
	}
	if a.Redis.Embedded == nil {
		// Tasks enqueued here wake idle workers in other processes at
		// once (an embedded Redis has no other process: the hook wakes
		// this one's).
		a.wakes = newWakes(a.Redis.Client, prefix+":asynq-wake", a.Redis.Idle.Wake, log, time.Now)
		a.Redis.Idle.Announce(a.wakes.announce)
	}
	a.Queue = asynq.NewClientFromRedisClient(a.Redis.Queue)
	now := o.Now
	if now == nil {
		now = time.Now
	}
	a.now = now
	if a.Auth, err = auth.New(auth.Options{Now: now,
		Client: client, CSRFKey: derive(key, "csrf"), SecureCookies: cfg.SecureCookies, Logger: log,
		Redis: a.Redis.Client, KeyPrefix: prefix,
		FreeAttempts: cfg.SignInFreeAttempts, FreeAttemptsPerAddress: cfg.SignInFreeAttemptsPerAddress,
		MaxRetryDelay: cfg.SignInMaxDelay, PasswordChecks: cfg.PasswordChecks, EmailFailureBudget: cfg.SignInEmailBudget,
	}); err != nil {
		return err
	}
	feed := &changeFeed{broker: a.Broker, queue: tasks.NewEnqueuer(a.Queue), log: log}
	a.Scheduling = scheduling.New(scheduling.Options{Client: client, Notifier: feed, Requests: requestsFor(a, now), Logger: log, Now: now})
	client.Use(engine.RerenderHook(feed.CalendarsChanged, now))
	a.inspector = asynq.NewInspector(a.Redis.Asynq)
	a.Metrics = a.newMetrics()
	ps, err := setupProviders(ctx, cfg, key, &http.Client{Timeout: 30 * time.Second}, a.instrumentProvider)
	if err != nil {
		return err
	}
	a.Emulators = ps.emulators
	// On PostgreSQL the locks live in the database: a lock in Redis is
	// lost when Redis restarts empty, and two syncs of one account would
	// then run side by side. SQLite means one process.
	if l := a.DB.Locker(); l != nil {
		a.locker = l
	} else {
		a.locker = redisconn.NewLocker(a.Redis.Client)
	}
	// Wake-ups run in this process once it works the queues (StartWorker).
	a.local = tasks.NewLocal(a.Queue, a.inspector, logTaskError(log))
	jobs := &linkJobs{db: client, queue: a.Queue, insp: a.inspector, local: a.local, broker: a.Broker, log: log, now: now}
	// Linking's packages are built bottom up, each handed what it calls:
	// the engine needs the credentials' token sources and consent needs the
	// engine (to release a departing user's events), so the engine comes
	// between them.
	mails := outbox.New(client, jobs)
	a.Credentials = credentials.New(credentials.Options{Now: now,
		Client: client, Box: a.Box, Providers: ps.providers, Platform: ps.platform, PublicURL: cfg.PublicURL,
		Locker: a.locker, Notifier: jobs, Outbox: mails, Logger: log,
	})
	lockAccount := func(ctx context.Context, accountID int) (func(), error) {
		return a.locker.Lock(ctx, tasks.AccountLockKey(prefix, accountID), time.Minute)
	}
	// One budget for the Google project's quota: the engine's writes
	// and the reads of calendars both spend it.
	pacer := engine.NewPacer(map[domain.Provider]engine.Quota{
		domain.ProviderGoogle:    {Requests: cfg.GoogleQuotaPerMinute, Per: time.Minute, Project: cfg.GoogleProjectQuotaPerMinute},
		domain.ProviderMicrosoft: {Requests: cfg.MicrosoftQuotaPer10Minutes, Per: 10 * time.Minute, Burst: cfg.MicrosoftQuotaPer10Minutes / 2},
	})
	if a.wakes != nil {
		// Worker processes split the project budgets between them.
		a.wakes.onWorkers = pacer.ShareProject
	}
	sources := map[domain.Provider]inbound.Source{
		domain.ProviderGoogle:    pacedSource{Source: ps.google, pacer: pacer, provider: domain.ProviderGoogle},
		domain.ProviderMicrosoft: ps.microsoft,
	}
	a.TwoWay = twoway.New(twoway.Options{Now: now,
		Client: client, Scheduling: a.Scheduling, Sources: sources, Credentials: a.Credentials,
		LockAccount: lockAccount, Push: feed.pushFor(client, now), Notifier: jobs, Logger: log,
	})
	// With a Redis of its own (REDIS_URL), API and worker processes may
	// be apart: the record of recent writes lives there. The embedded
	// default is one process, and keeps it in memory.
	var marks engine.WriteMarks
	if cfg.RedisURL != "" {
		marks = writeMarks{rdb: a.Redis.Client, prefix: prefix}
	}
	a.Engine = engine.New(engine.Options{Now: now,
		Client: client, Providers: ps.engineProviders(), Credentials: a.Credentials, Progress: jobs, Logger: log,
		LockAccount: lockAccount, TwoWay: a.TwoWay,
		Pacer:   pacer,
		PushLag: a.Metrics,
		Synced:  o.EventSynced,
		Writes:  marks,
	})
	webhooks := cfg.PublicURL
	if !cfg.Webhooks {
		webhooks = ""
	}
	a.Inbound = inbound.New(inbound.Options{Now: now,
		Client: client, Credentials: a.Credentials, Notifier: jobs, Waker: jobs.inboundWaker(), Logger: log,
		Sources: sources, FlowBack: a.TwoWay, Echoes: a.Engine.WroteRecently, CountRead: a.DB.CountRead,
		PublicURL: webhooks, DaysAhead: cfg.ImportDaysAhead, PollEvery: cfg.ImportPoll,
		LockCalendar: tasks.CalendarLock(a.locker, prefix),
	})
	a.Consent = consent.New(consent.Options{Now: now,
		Client: client, Box: a.Box, Credentials: a.Credentials, PublicURL: cfg.PublicURL,
		Jobs: jobs, Notifier: jobs, Imports: jobs, Logger: log,
		Releaser: releaser{db: client, engine: a.Engine, inbound: a.Inbound},
	})
	a.Invitations = invitations.New(invitations.Options{Now: now,
		Client: client, Credentials: a.Credentials, Consent: a.Consent, Outbox: mails, PublicURL: cfg.PublicURL,
	})
	a.Settings = settings.New(settings.Options{
		Client: client, Credentials: a.Credentials, Invitations: a.Invitations, Logger: log,
		DirectionChanged: jobs.directionChanged,
	})
	a.brokerPrefix = prefix
	a.Directory = directory.New(directory.Options{Now: now,
		Client: client, Logger: log, Unlinker: a.Consent, Passwords: a.Auth,
	})
	a.queues = server.QueueDashboard(a.Redis.Asynq)
	var emulators http.Handler
	if ps.emulators != nil {
		emulators = ps.emulators
	}
	a.handler = server.New(server.Options{
		Resolver: &graph.Resolver{
			Client: client, Auth: a.Auth, Scheduling: a.Scheduling, Directory: a.Directory, Broker: a.Broker,
			Settings: a.Settings, Consent: a.Consent, Invitations: a.Invitations,
			Keys: keyConverter{tokenURI: ps.google.Endpoints().TokenURL}, TwoWay: a.TwoWay, Log: log,
		},
		Consent:         a.Consent,
		Invitations:     a.Invitations,
		SecureCookies:   cfg.SecureCookies,
		Emulators:       emulators,
		Logger:          log,
		Introspection:   cfg.Introspection,
		PublicURL:       cfg.PublicURL,
		MaxBodyBytes:    cfg.MaxBodyBytes,
		AllowedOrigins:  cfg.AllowedOrigins,
		ComplexityLimit: cfg.ComplexityLimit,
		Ready:           a.ready,
		Observer:        a.Metrics,
		Tracer:          a.Tracing.Provider(),
		Queues:          a.queues,
		Webhooks:        a.Metrics.Webhooks(a.Inbound.WebhookHandler()),
		Console:         frontend.Console(),
	})
	return nil
}

func loadKey(cfg config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		k, err := secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("CALSYNC_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	if cfg.DatabaseURL != "" {
		// Replicas sharing a database must share the key; a file per
		// machine would make their secrets unreadable to each other.
		return nil, errors.New("CALSYNC_SECRET_KEY is required with DATABASE_URL (generate one: openssl rand -base64 32)")
	}
	return secret.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "secret.key"))
}

// derive makes a purpose-specific key from the master key.
func derive(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("calsync:" + purpose))
	return m.Sum(nil)
}

func (a *App) ready(ctx context.Context) error {
	if err := a.DB.SQL.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := a.Redis.Client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// Handler is the HTTP handler (API and health checks).
func (a *App) Handler() http.Handler { return a.handler }

// Client is the ent client.
func (a *App) Client() *ent.Client { return a.DB.Client }

// StartWorker starts processing tasks in the background.
func (a *App) StartWorker() error {
	a.Redis.Idle.WatchQueues(tasks.QueueSync, tasks.QueueDefault)
	a.worker = asynq.NewServerFromRedisClient(a.Redis.Queue, asynq.Config{
		Concurrency: a.Config.Concurrency,
		Queues:      map[string]int{tasks.QueueSync: 6, tasks.QueueDefault: 3},
		// A change should reach calendars within about a second: poll
		// queues often (asynq's default is once a second, per hop), and
		// move due retries and follow-ups promptly. Idle, redisconn.Idle
		// holds these polls until a task is enqueued (here, or announced
		// by another process) or redisconn.IdleWait passes.
		TaskCheckInterval:        50 * time.Millisecond,
		DelayedTaskCheckInterval: 200 * time.Millisecond,
		// The janitor deletes completed tasks kept for a retention, and
		// Calsync keeps none: a look a minute (asynq's is every 8 s, a
		// script per queue each time, on an idle process too).
		JanitorInterval: time.Minute,
		RetryDelayFunc:  tasks.RetryDelay,
		IsFailure:       tasks.IsFailure,
		ErrorHandler:    logTaskError(a.Log),
		Logger:          asynqLogger{a.Log},
		ShutdownTimeout: workerGrace,
	})
	var sender tasks.Sender
	if a.Config.SMTPURL != "" {
		s, err := mail.NewSMTP(a.Config.SMTPURL, a.Config.SMTPFrom)
		if err != nil {
			return err
		}
		sender = s
	}
	mux := asynq.NewServeMux()
	if tp := a.Tracing.Provider(); tp != nil {
		// Outermost: the task's span covers what the metrics time.
		mux.Use(traceTasks(tp))
	}
	mux.Use(observeTasks(a.Metrics))
	mux.Handle(tasks.TypeBookingsChanged, &tasks.FanOut{Client: a.DB.Client, Queue: a.Queue, Inspector: a.inspector, Log: a.Log, Now: a.now})
	mux.Handle(tasks.TypeAccountSync, &tasks.AccountSync{
		Engine: a.Engine, Locker: a.locker, Prefix: a.brokerPrefix,
	})
	mux.Handle(tasks.TypeReconcileAll, &tasks.ReconcileAll{Client: a.DB.Client, Queue: a.Queue, Inspector: a.inspector, Log: a.Log, Spread: time.Minute, Now: a.now})
	mux.Handle(tasks.TypeEmailSend, &tasks.SendEmail{Client: a.DB.Client, Sender: sender, Now: a.now})
	mux.Handle(tasks.TypeCalendarRead, &tasks.CalendarRead{Reader: a.Inbound})
	mux.Handle(tasks.TypeCalendarWatch, &tasks.CalendarWatch{Reader: a.Inbound})
	mux.Handle(tasks.TypeInboundMaintain, &tasks.InboundMaintain{Reader: a.Inbound, Log: a.Log})
	if err := a.worker.Start(mux); err != nil {
		return fmt.Errorf("app: start worker: %w", err)
	}
	a.local.Start(mux, localSlots(a.Config.Concurrency))
	if a.wakes != nil {
		a.stopWake = a.wakes.listen()
	}
	// The reconcile pass: once at start, then every ReconcileEvery.
	task, opts := tasks.NewReconcileAllTask()
	if _, err := a.Queue.Enqueue(task, opts...); err != nil && !errors.Is(err, asynq.ErrDuplicateTask) {
		a.Log.Warn("queue the start-up reconcile pass", slog.Any("error", err))
	}
	// The scheduler's heartbeat only shows its entries to asynqmon: once a
	// minute (asynq's default is every 10 s).
	a.scheduler = asynq.NewScheduler(a.Redis.Asynq, &asynq.SchedulerOpts{Logger: asynqLogger{a.Log}, HeartbeatInterval: time.Minute})
	if _, err := a.scheduler.Register(fmt.Sprintf("@every %s", tasks.ReconcileEvery), task, opts...); err != nil {
		return fmt.Errorf("app: schedule reconcile: %w", err)
	}
	maintain, mopts := tasks.NewInboundMaintainTask()
	if _, err := a.scheduler.Register(fmt.Sprintf("@every %s", tasks.InboundMaintainEvery), maintain, mopts...); err != nil {
		return fmt.Errorf("app: schedule inbound maintenance: %w", err)
	}
	if err := a.scheduler.Start(); err != nil {
		return fmt.Errorf("app: start scheduler: %w", err)
	}
	a.stopRelay = a.startRelay()
	return nil
}

// workerGrace is how long a stopping worker waits for the tasks under
// way before cancelling them.
const workerGrace = 20 * time.Second

// localSlots is how many wake-ups run in this process beside the queue's
// concurrency tasks: half as many; more wait for the queue's workers.
func localSlots(concurrency int) int { return max(concurrency/2, 1) }

// relayEvery is how often the outbox relay looks for changes whose wake-up
// was lost (two queries: every 2 s keeps an idle worker quiet), and
// relayAfter how old they must be (older than any wake-up
// in flight).
const (
	relayEvery = 2 * time.Second
	relayAfter = 3 * time.Second
	// optimizeEvery is how often the worker refreshes the database's
	// stale query statistics (store.Optimize): a quarter of autovacuum's
	// default pause (a minute), so a tenant's tables that grow fast keep
	// their primary-key lookups. When nothing changed much it costs a
	// query or three.
	optimizeEvery = 15 * time.Second
)

// startRelay runs engine.Relay every relayEvery until the returned stop is
// called: after a Redis outage, a lost task or a killed worker, the
// calendars catch up within seconds of recovery.
func (a *App) startRelay() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	wake := func(ctx context.Context, reqs ...engine.SyncRequest) error {
		// A sync running here under the same key takes the wake-up.
		return tasks.WakeSyncsHere(ctx, a.local, a.Queue, a.inspector, reqs...)
	}
	var loops sync.WaitGroup
	loops.Go(func() {
		// Fresh planner statistics as the tables grow (SQLite, and
		// PostgreSQL without autovacuum), on a ticker of its own: an
		// ANALYZE must not hold up the relay.
		t := time.NewTicker(optimizeEvery)
		defer t.Stop()
		var lastWarn time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// A lasting failure is said once a minute, not every pass.
			if err := a.DB.Optimize(ctx); err != nil && ctx.Err() == nil && time.Since(lastWarn) > time.Minute {
				lastWarn = time.Now()
				a.Log.Warn("refresh query statistics", slog.Any("error", err))
			}
		}
	})
	go func() {
		defer close(done)
		defer loops.Wait()
		t := time.NewTicker(relayEvery)
		defer t.Stop()
		var lastWarn time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			fanned, woken, err := engine.Relay(ctx, a.DB.Client, a.now(), relayAfter, wake)
			switch {
			case err != nil && ctx.Err() == nil && time.Since(lastWarn) > time.Minute:
				// Redis or the database is away: say so once a minute,
				// not at every try.
				lastWarn = time.Now()
				a.Log.Warn("outbox relay failed; retrying every 2 seconds", slog.Any("error", err))
			case fanned+woken > 0:
				a.Log.Info("outbox relay caught up", slog.Int("changes", fanned), slog.Int("accounts_woken", woken))
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// Close stops the worker and closes connections, in dependency order.
func (a *App) Close() {
	if a.stopRelay != nil {
		a.stopRelay()
	}
	if a.stopWake != nil {
		a.stopWake()
	}
	if a.scheduler != nil {
		a.scheduler.Shutdown()
	}
	// The queue's worker stops taking tasks; then the runs under way here
	// and on the queue end together, within one grace.
	var stopping sync.WaitGroup
	if a.local != nil {
		stopping.Go(func() { a.local.Stop(workerGrace) })
	}
	if a.worker != nil {
		a.Redis.Idle.Stop()
		a.worker.Stop()
		a.worker.Shutdown()
	}
	stopping.Wait()
	if a.Emulators != nil {
		if err := a.Emulators.Save(); err != nil {
			a.Log.Warn("save emulator state", slog.Any("error", err))
		}
		a.Emulators.Close()
	}
	if a.Broker != nil {
		a.Broker.Stop()
	}
	if a.inspector != nil {
		_ = a.inspector.Close()
	}
	if a.queues != nil {
		_ = a.queues.Close()
	}
	if a.Queue != nil {
		_ = a.Queue.Close()
	}
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.DB != nil {
		_ = a.DB.Close()
	}
	// Last: the worker's and the server's final spans have ended.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Tracing.Shutdown(ctx); err != nil {
		a.Log.Warn("flush traces", slog.Any("error", err))
	}
}

// logTaskError is the worker's boundary: each failed attempt of a task is
// logged here, once, with its type, the ids its payload names and its
// error; handlers return their errors and leave the logging to it.
func logTaskError(log *slog.Logger) asynq.ErrorHandlerFunc {
	return func(ctx context.Context, t *asynq.Task, err error) {
		// Every payload names its organization; the others name what they
		// are about (tasks' payload structs use these json names).
		var ids struct {
			OrgID     int `json:"org_id"`
			AccountID int `json:"account_id"`
			MessageID int `json:"message_id"`
		}
		_ = json.Unmarshal(t.Payload(), &ids)
		taskID, _ := asynq.GetTaskID(ctx)
		localID, _, local := tasks.LocalTask(ctx)
		if local {
			taskID = localID
		}
		attrs := []slog.Attr{slog.String("task_type", t.Type()), slog.String("task_id", taskID)}
		for _, id := range []struct {
			name  string
			value int
		}{{"org_id", ids.OrgID}, {"account_id", ids.AccountID}, {"message_id", ids.MessageID}} {
			if id.value != 0 {
				attrs = append(attrs, slog.Int(id.name, id.value))
			}
		}
		if !tasks.IsFailure(err) {
			// Rate limited, or the account's lock is held: the task runs
			// again later without counting a failure.
			log.LogAttrs(ctx, slog.LevelDebug, "task postponed", append(attrs, slog.Any("error", err))...)
			return
		}
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		final := !local && retried >= maxRetry || errors.Is(err, asynq.SkipRetry)
		if local {
			// Run in process: queued to retry unless it asked not to be.
			attrs = append(attrs, slog.Bool("in_process", true))
		}
		level := slog.LevelWarn
		if final {
			level = slog.LevelError
		}
		attrs = append(attrs, slog.Int("retried", retried), slog.Bool("final", final), slog.Any("error", err))
		log.LogAttrs(ctx, level, "task failed", attrs...)
	}
}

// asynqLogger routes asynq's logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.l.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.l.Info(fmt.Sprint(args...)) }

func (l asynqLogger) Warn(args ...any) {
	msg := fmt.Sprint(args...)
	if strings.HasPrefix(msg, "Retry exhausted for task") {
		// logTaskError has logged this failure already (final=true),
		// with its error; asynq's line names only the task id.
		l.l.Debug(msg)
		return
	}
	l.l.Warn(msg)
}
func (l asynqLogger) Error(args ...any) { l.l.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.l.Error(fmt.Sprint(args...)) }
