package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"calsync/sync/emulator"
)

// emulate runs the Google and Microsoft emulators standalone.
func emulate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	snapshot := fs.String("snapshot", "", "state file: loaded at start if present, written on shutdown and on POST /_emulator/snapshot")
	insecure := fs.Bool("insecure-webhooks", true, "deliver notifications to http:// addresses on loopback (the real services require https)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("emulate: unexpected arguments %v", fs.Args())
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	emu, err := emulator.New(emulator.Options{Logger: log, AllowInsecureWebhooks: *insecure, SnapshotPath: *snapshot})
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("emulate: listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	log.Info("emulators listening", slog.String("google", base+"/google/calendar/v3/"),
		slog.String("graph", base+"/graph/v1.0"), slog.String("control", base+"/_emulator/"))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("emulate: %w", err)
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if *snapshot != "" {
		if err := emu.Save(); err != nil {
			return err
		}
		log.Info("emulator state saved", slog.String("file", *snapshot))
	}
	return nil
}
