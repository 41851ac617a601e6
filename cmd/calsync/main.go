// Command calsync runs Calsync: serve (API + worker), worker, migrate,
// emulate, version. It only parses configuration, wires dependencies and shuts down
// in order.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines without tzdata

	"calsync/internal/app"
	"calsync/internal/config"
	"calsync/internal/demo"
	"calsync/internal/logging"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: calsync <command>

commands:
  serve     run the HTTP API and the task worker in one process
  worker    run only the task worker
  migrate   apply database migrations and exit
  emulate   run the Google Calendar and Microsoft Graph emulators
            (--addr 127.0.0.1:9090, --snapshot FILE, --insecure-webhooks)
  bench     push|bulk|inbound|idle: measure the sync engine in-process (see README)
  org       create|list: set up organizations (calsync org --help)
  user      reset-password: issue a user a one-time sign-in link (calsync user --help)
  version   print the version

Configuration comes from environment variables; see README.md.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = run(ctx, true)
	case "worker":
		err = run(ctx, false)
	case "migrate":
		err = migrate(ctx)
	case "emulate":
		err = emulate(ctx, os.Args[2:])
	case "bench":
		err = runBench(ctx, os.Args[2:])
	case "org":
		err = orgCommand(ctx, os.Args[2:])
	case "user":
		err = userCommand(ctx, os.Args[2:])
	case "version":
		fmt.Println("calsync", version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "calsync: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "calsync:", err)
		os.Exit(1)
	}
}

func load() (config.Config, *slog.Logger, error) {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return cfg, nil, fmt.Errorf("configuration:\n%w", err)
	}
	log := logging.New(os.Stderr, cfg.LogFormat, cfg.LogLevel)
	return cfg, log, nil
}

// open reads the configuration and opens Calsync with it (migrating the
// database).
func open(ctx context.Context) (*app.App, config.Config, *slog.Logger, error) {
	cfg, log, err := load()
	if err != nil {
		return nil, cfg, nil, err
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: log, Version: version})
	return a, cfg, log, err
}

func migrate(ctx context.Context) error {
	a, _, log, err := open(ctx)
	if err != nil {
		return err
	}
	a.Close()
	log.Info("database migrated")
	return nil
}

func run(ctx context.Context, withHTTP bool) error {
	a, cfg, log, err := open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if withHTTP && cfg.SeedDemo {
		if err := seedDemo(ctx, a, cfg); err != nil {
			return err
		}
	}
	if err := a.StartWorker(); err != nil {
		return err
	}
	stopMetrics, err := serveMetrics(a, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if !withHTTP {
		log.Info("worker running")
		<-ctx.Done()
		log.Info("shutting down")
		return nil
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// An idle keep-alive connection is closed rather than held.
		IdleTimeout: 60 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("calsync listening", slog.String("addr", ln.Addr().String()), slog.String("url", cfg.PublicURL), slog.String("version", version))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: http server, then worker, then connections")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", slog.Any("error", err))
	}
	return nil
}

func seedDemo(ctx context.Context, a *app.App, cfg config.Config) error {
	creds, err := demo.Seed(ctx, a.Client(), time.Now())
	if err != nil {
		return err
	}
	if a.Emulators != nil {
		// Give every demo user an account at both emulated providers, so
		// the consent pages have someone to sign in as.
		if err := demo.SeedEmulators(a.Emulators); err != nil {
			return err
		}
	}
	if creds != nil {
		if cfg.DatabaseURL == "" {
			if err := demo.SaveCredentials(cfg.DataDir, creds); err != nil {
				return err
			}
		}
		fmt.Fprintln(os.Stderr, "\n"+demo.Format(creds))
		return nil
	}
	if b, err := os.ReadFile(demo.CredentialsFile(cfg.DataDir)); err == nil {
		fmt.Fprintln(os.Stderr, "\n"+string(b))
	}
	return nil
}
