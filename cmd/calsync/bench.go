package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"calsync/internal/bench"
	"calsync/internal/domain"
)

// runBench runs `calsync bench push|bulk`; the figures are printed as one
// JSON object on the last line.
func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "push" && args[0] != "bulk") {
		return fmt.Errorf("usage: calsync bench push|bulk [flags] (see README)")
	}
	kind := args[0]
	fs := flag.NewFlagSet("bench "+kind, flag.ContinueOnError)
	provider := fs.String("provider", "google", "google or microsoft")
	fieldworkers := fs.Int("fieldworkers", 100, "push: linked fieldworkers")
	rate := fs.Int("rate", 50, "push: booking changes per second")
	duration := fs.Duration("duration", 60*time.Second, "push: how long changes keep coming")
	events := fs.Int("events", 5000, "bulk: bookings the fieldworker hosts")
	gQuota := fs.Int("google-quota", 3000, "bulk: Google requests per minute per user (emulator limit and engine pacing)")
	mQuota := fs.Int("microsoft-quota", 10000, "bulk: Graph requests per 10 minutes per mailbox")
	verbose := fs.Bool("v", false, "log what Calsync does")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var p domain.Provider
	switch strings.ToLower(*provider) {
	case "google":
		p = domain.ProviderGoogle
	case "microsoft":
		p = domain.ProviderMicrosoft
	default:
		return fmt.Errorf("bench: -provider must be google or microsoft")
	}
	if *fieldworkers < 1 || *rate < 1 || *duration <= 0 || *events < 1 {
		return fmt.Errorf("bench: counts and durations must be positive")
	}
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	o := bench.Options{Provider: p, DatabaseURL: os.Getenv("DATABASE_URL"), RedisURL: os.Getenv("REDIS_URL"),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
	var res any
	var err error
	if kind == "push" {
		res, err = bench.Push(ctx, bench.PushOptions{Options: o, Fieldworkers: *fieldworkers, Rate: *rate, Duration: *duration})
	} else {
		o.GoogleQuotaPerMinute, o.MicrosoftQuotaPer10Minutes = *gQuota, *mQuota
		res, err = bench.Bulk(ctx, bench.BulkOptions{Options: o, Events: *events})
	}
	if err != nil {
		return err
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	return nil
}
