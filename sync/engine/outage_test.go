package engine_test

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"calsync/internal/config"
	"calsync/internal/testenv"
)

// redisServer runs a redis-server of its own on port, without persistence
// (as the deployment's Redis may be), until stop.
func redisServer(t *testing.T, port int) (stop func()) {
	t.Helper()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return stop
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestBookingsChangedDuringARedisOutageReachCalendars: mutations succeed
// while Redis is away, and their changes — recorded in the database with
// them — reach the calendar within seconds of Redis coming back, empty
// (it kept nothing), not at the next reconcile pass.
func TestBookingsChangedDuringARedisOutageReachCalendars(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	port := freePort(t)
	stop := redisServer(t, port)
	env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) { c.RedisURL = fmt.Sprintf("redis://127.0.0.1:%d/0", port) })
	k := testenv.Kits[0]
	f := setupOn(t, env, k, "outage")
	f.link(t)
	f.waitTitles(t, "initial sync", "Visit outage")

	stop()
	// A sync still running goes on while requests keep arriving (they are
	// recorded in the database with each change): let the initial sync's
	// last round end, so what follows is woken only through Redis.
	time.Sleep(time.Second)
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	want := []string{"Visit outage"}
	for i := range 10 {
		title := fmt.Sprintf("During the outage %d", i)
		f.createBooking(t, title, start.Add(time.Duration(i)*time.Hour), f.org.Fieldworker.ID)
		want = append(want, title)
	}
	time.Sleep(2 * time.Second)
	if got := titles(f.events(t)); len(got) != 1 {
		t.Fatalf("synced without Redis? calendar holds %q", got)
	}

	redisServer(t, port)
	back := time.Now()
	f.waitTitles(t, "after Redis came back", want...)
	if d := time.Since(back); d > 10*time.Second {
		t.Fatalf("the calendar caught up %v after Redis came back, want within 10 s", d)
	}
	t.Logf("caught up %v after Redis came back", time.Since(back).Round(10*time.Millisecond))
}
