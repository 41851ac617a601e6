package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"calsync/internal/bench"
	"calsync/internal/domain"
)

// runBench runs `calsync bench push|bulk|inbound|idle`; the figures are printed
// as one JSON object on the last line.
func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "push" && args[0] != "bulk" && args[0] != "inbound" && args[0] != "idle") {
		return fmt.Errorf("usage: calsync bench push|bulk|inbound|idle [flags] (see README)")
	}
	kind := args[0]
	fs := flag.NewFlagSet("bench "+kind, flag.ContinueOnError)
	defProvider, defRate, defFieldworkers, defDuration := "google", 50, 100, 60*time.Second
	switch kind {
	case "inbound":
		defProvider, defRate = "both", 20
	case "idle":
		defFieldworkers = 1000
	}
	provider := fs.String("provider", defProvider, "google or microsoft (inbound: also both, half each)")
	fieldworkers := fs.Int("fieldworkers", defFieldworkers, "push, inbound, idle: linked fieldworkers (idle: 1000)")
	rate := fs.Int("rate", defRate, "push: booking changes per second; inbound: changes at the provider per second")
	duration := fs.Duration("duration", defDuration, "push, inbound: how long changes keep coming; idle: how long the settled process is watched")
	quiet := fs.Duration("quiet", 10*time.Second, "inbound: how long provider requests are counted with nothing changing")
	twoWayEdits := fs.Int("two-way-edits", 100, "inbound: then turn two-way sync on and time this many edits at the provider until their bookings change (0: skip)")
	twoWayRate := fs.Int("two-way-rate", 5, "inbound: two-way edits per second")
	cpuProfile := fs.String("cpuprofile", "", "push, inbound: write a CPU profile of the change phase to this file; idle: of the idle period")
	events := fs.Int("events", 5000, "bulk: bookings the fieldworker hosts")
	hosted := fs.Int("hosted", 0, "push: synced bookings each fieldworker hosts before the changes start")
	findRate := fs.Bool("find-rate", false, "push: search the highest rate (up to -rate) held with p99 ≤ 1 s and nothing missing, in phases of -duration")
	contention := fs.Bool("contention", false, "push: keep one core busy with a competing process while the changes come")
	workers := fs.Int("workers", 1, "push: processes working the queues — this one and workers-1 `calsync worker` processes (needs DATABASE_URL and REDIS_URL)")
	sqlStats := fs.Bool("sqlstats", false, "print the SQL statements that took the most time to stderr at the end")
	gQuota := fs.Int("google-quota", 3000, "bulk: Google requests per minute per user (emulator limit and engine pacing)")
	gProjectQuota := fs.Int("google-project-quota", 0, "push, inbound: Google requests per minute for the whole project (emulator limit and engine pacing; 0: Google's 10,000)")
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
	case "both":
		if kind != "inbound" {
			return fmt.Errorf("bench: -provider both is for bench inbound")
		}
	default:
		return fmt.Errorf("bench: -provider must be google or microsoft")
	}
	if *fieldworkers < 1 || *rate < 1 || *duration <= 0 || *events < 1 || *quiet < 0 || *workers < 1 || *workers > 16 {
		return fmt.Errorf("bench: counts and durations must be positive (-workers 1 to 16)")
	}
	if *gProjectQuota != 0 && (*gProjectQuota < 20 || *gProjectQuota > 100_000_000) {
		return fmt.Errorf("bench: -google-project-quota must be from 20 to 100000000 requests a minute")
	}
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	o := bench.Options{Provider: p, DatabaseURL: os.Getenv("DATABASE_URL"), RedisURL: os.Getenv("REDIS_URL"),
		GoogleProjectQuotaPerMinute: *gProjectQuota,
		Log:                         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
	if *sqlStats {
		o.SQLStats = os.Stderr
	}
	var res any
	var err error
	switch kind {
	case "push":
		po := bench.PushOptions{Options: o, Fieldworkers: *fieldworkers, Rate: *rate, Duration: *duration, Hosted: *hosted,
			FindRate: *findRate, Contention: *contention, Workers: *workers}
		if *cpuProfile != "" && *findRate {
			return fmt.Errorf("bench: -cpuprofile profiles one phase: run it without -find-rate, at the rate to profile")
		}
		if po.CPUProfile, err = profile(*cpuProfile); err != nil {
			return err
		}
		if f, ok := po.CPUProfile.(io.Closer); ok {
			defer f.Close()
		}
		res, err = bench.Push(ctx, po)
	case "inbound":
		if *twoWayEdits < 0 || *twoWayRate < 1 {
			return fmt.Errorf("bench: -two-way-edits must be 0 or more and -two-way-rate positive")
		}
		in := bench.InboundOptions{Options: o, Fieldworkers: *fieldworkers, Rate: *rate, Duration: *duration, Quiet: *quiet, Progress: os.Stderr,
			TwoWayEdits: *twoWayEdits, TwoWayRate: *twoWayRate}
		if p != "" {
			in.Providers = []domain.Provider{p}
		}
		if in.CPUProfile, err = profile(*cpuProfile); err != nil {
			return err
		}
		if f, ok := in.CPUProfile.(io.Closer); ok {
			defer f.Close()
		}
		res, err = bench.Inbound(ctx, in)
	case "idle":
		idle := bench.IdleOptions{Options: o, Accounts: *fieldworkers, Duration: *duration, Progress: os.Stderr}
		if idle.CPUProfile, err = profile(*cpuProfile); err != nil {
			return err
		}
		if f, ok := idle.CPUProfile.(io.Closer); ok {
			defer f.Close()
		}
		res, err = bench.Idle(ctx, idle)
	default:
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

// profile creates the -cpuprofile file; nil (no profile) for "".
func profile(path string) (io.Writer, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return f, nil
}
