package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"calsync/internal/app"
)

// serveMetrics starts the /metrics listener (when CALSYNC_METRICS_ADDR is
// not off) and returns the function that stops it.
func serveMetrics(a *app.App, log *slog.Logger) (stop func(), err error) {
	addr := a.Config.MetricsAddr
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s (CALSYNC_METRICS_ADDR; off disables it): %w", addr, err)
	}
	srv := &http.Server{Handler: a.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", slog.Any("error", err))
		}
	}()
	log.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
