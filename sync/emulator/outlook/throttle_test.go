package outlook_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/outlook"
)

func retryAfter(t *testing.T, err error) string {
	t.Helper()
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) || oe.ResponseHeaders == nil {
		t.Fatalf("no response headers on %v", err)
	}
	v := oe.ResponseHeaders.Get("Retry-After")
	if len(v) == 0 {
		t.Fatal("no Retry-After header")
	}
	return v[0]
}

func TestMailboxRequestLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	daemon := user(e.adapter(e.daemonTokens()), e.user.ID)
	e.emu.SetThrottle(outlook.ThrottleConfig{Requests: 3, WindowSeconds: 600, Concurrency: 4})

	for range 3 {
		_, err := daemon.Calendars().Get(ctx, nil)
		must(t, err)
	}
	_, err := daemon.Calendars().Get(ctx, nil)
	graphErr(t, err, http.StatusTooManyRequests, "ApplicationThrottled")
	if ra := retryAfter(t, err); ra != "600" {
		t.Fatalf("Retry-After = %s, want 600", ra)
	}

	// Another app on the same mailbox has its own budget.
	delegated := me(e.adapter(e.userTokens()))
	_, err = delegated.Calendars().Get(ctx, nil)
	must(t, err)

	// Throttled calls count: two more rejected calls at t+300s keep the
	// window full after the first three have left it.
	e.clock.Advance(300 * time.Second)
	for range 2 {
		_, err = daemon.Calendars().Get(ctx, nil)
		graphErr(t, err, http.StatusTooManyRequests, "ApplicationThrottled")
	}
	e.clock.Advance(301 * time.Second)
	_, err = daemon.Calendars().Get(ctx, nil)
	must(t, err)
	_, err = daemon.Calendars().Get(ctx, nil)
	graphErr(t, err, http.StatusTooManyRequests, "ApplicationThrottled")
	if ra := retryAfter(t, err); ra != "299" {
		t.Fatalf("Retry-After = %s, want 299", ra)
	}

	// The control API lifts the limit.
	var cfg outlook.ThrottleConfig
	if st := e.control(http.MethodPut, "/throttling", map[string]int{"requests": 0}, &cfg); st != http.StatusOK || cfg.Requests != 0 || cfg.Concurrency != 4 {
		t.Fatalf("put throttling: %d %+v", st, cfg)
	}
	_, err = daemon.Calendars().Get(ctx, nil)
	must(t, err)
}

func TestMailboxConcurrencyLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	daemon := user(e.adapter(e.daemonTokens()), e.user.ID)
	_, err := daemon.Calendar().Get(ctx, nil) // fetch the token before the slow requests
	must(t, err)
	// Four slow requests hold the mailbox's four slots.
	e.faults.Add(emucore.Fault{Method: "GET", PathPrefix: "/graph/v1.0/users/" + e.user.ID + "/calendars", Latency: time.Second, Count: 4})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := daemon.Calendars().Get(ctx, nil)
			errs <- err
		}()
	}
	deadline := time.Now().Add(900 * time.Millisecond)
	for e.emu.InFlight(daemonID, e.user.ID) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests in flight", e.emu.InFlight(daemonID, e.user.ID))
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err = daemon.Events().Get(ctx, nil)
	graphErr(t, err, http.StatusTooManyRequests, "ApplicationThrottled")
	if ra := retryAfter(t, err); ra == "" {
		t.Fatal("no Retry-After")
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	_, err = daemon.Events().Get(ctx, nil)
	must(t, err)
}
