package app_test

import (
	"context"
	"strings"
	"testing"

	"calsync/internal/app"
	"calsync/internal/config"
)

// TestStartupFailureIsAnError: a dependency that cannot be reached is a
// clear error, with what was opened closed again — not a panic.
func TestStartupFailureIsAnError(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.RedisURL = "redis://127.0.0.1:1/0"
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err == nil || a != nil || !strings.Contains(err.Error(), "redis") {
		t.Fatalf("New = %v, %v; want a redis error", a, err)
	}
}
