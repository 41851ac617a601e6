package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// testRedis is the Redis of REDIS_URL (keys under a fresh prefix, removed
// after), or a miniredis without it.
func testRedis(t *testing.T) (redis.UniversalClient, string) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "calsynctest" + hex.EncodeToString(b)
	var c *redis.Client
	if u := os.Getenv("REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		c = redis.NewClient(opt)
	} else {
		m := miniredis.RunT(t)
		c = redis.NewClient(&redis.Options{Addr: m.Addr()})
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := c.Keys(ctx, prefix+":*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		c.Close()
	})
	return c, prefix
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestThrottle: waits from 1 s doubling to 8 s; an email's budget of
// failures lasts an hour; a successful address is known for a day.
func newTestThrottle(t *testing.T, perPair, perAddr, emailBudget int) (*guessThrottle, *fakeClock) {
	rdb, prefix := testRedis(t)
	clock := &fakeClock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	return &guessThrottle{rdb: rdb, prefix: prefix, freePerPair: perPair, freePerAddr: perAddr,
		emailBudget: emailBudget, emailWindow: time.Hour, knownTTL: 24 * time.Hour,
		base: time.Second, max: 8 * time.Second, now: clock.now}, clock
}

// TestThrottleBackoff: free attempts for an email from one address, then
// waits doubling from the base up to the cap; a success forgets that
// address's failures for the email; an abandoned attempt is taken back.
func TestThrottleBackoff(t *testing.T) {
	ctx := context.Background()
	th, clock := newTestThrottle(t, 3, 100, 1000)
	addr := netip.MustParseAddr("192.0.2.1")
	try := func(email string) (*attempt, time.Duration) {
		t.Helper()
		a, wait, err := th.begin(ctx, email, addr)
		if err != nil {
			t.Fatal(err)
		}
		return a, wait
	}
	for i := range 3 {
		if _, wait := try("a@x.test"); wait != 0 {
			t.Fatalf("free attempt %d waits %v", i+1, wait)
		}
	}
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		if _, wait := try("a@x.test"); wait != want {
			t.Fatalf("wait = %v, want %v", wait, want)
		}
		// Attempts while waiting are refused and do not lengthen the wait.
		clock.advance(want / 2)
		if _, wait := try("a@x.test"); wait != want-want/2 {
			t.Fatalf("halfway: wait = %v, want %v", wait, want-want/2)
		}
		clock.advance(want - want/2)
		if a, wait := try("a@x.test"); wait != 0 || a == nil {
			t.Fatalf("after the wait: %v", wait)
		}
	}
	// Another email from the same address is not affected.
	if _, wait := try("b@x.test"); wait != 0 {
		t.Fatalf("another email waits %v", wait)
	}
	// A success forgets the email's failures: three free attempts again.
	_, wait := try("a@x.test")
	clock.advance(wait)
	a, _ := try("a@x.test")
	if err := a.succeeded(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, wait := try("a@x.test"); wait != 0 {
			t.Fatalf("after success, attempt %d waits %v", i+1, wait)
		}
	}
	if _, wait := try("a@x.test"); wait != time.Second {
		t.Fatalf("after success and three failures: wait %v", wait)
	}
	// An abandoned attempt (no password checked) does not count.
	c1, _ := try("c@x.test")
	c2, _ := try("c@x.test")
	for _, c := range []*attempt{c1, c2} {
		if err := c.abandoned(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, wait := try("c@x.test"); wait != 0 {
			t.Fatalf("abandoned attempts counted: attempt %d waits %v", i+1, wait)
		}
	}
}

// TestThrottlePerAddress: one address trying many emails is slowed after
// its own free attempts; IPv6 addresses count per /64; a success takes
// back only its own attempt from the address.
func TestThrottlePerAddress(t *testing.T) {
	ctx := context.Background()
	th, _ := newTestThrottle(t, 100, 4, 1000)
	for _, tc := range []struct{ first, second string }{
		{"198.51.100.7", "198.51.100.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
	} {
		a1, a2 := netip.MustParseAddr(tc.first), netip.MustParseAddr(tc.second)
		for i := range 4 {
			a, wait, err := th.begin(ctx, "user"+string(rune('a'+i))+"@"+tc.first, a1)
			if err != nil || wait != 0 {
				t.Fatalf("%s attempt %d: %v %v", tc.first, i+1, wait, err)
			}
			if i == 3 {
				// A good sign-in does not reset the address's budget.
				if err := a.succeeded(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, wait, _ := th.begin(ctx, "late@"+tc.first, a2); wait != 0 {
			t.Fatalf("%s: the fourth attempt succeeded and should not count: wait %v", tc.second, wait)
		}
		if _, wait, _ := th.begin(ctx, "later@"+tc.first, a2); wait != time.Second {
			t.Fatalf("%s after its free attempts: wait %v, want 1s", tc.second, wait)
		}
	}
	if _, wait, _ := th.begin(ctx, "other@x.test", netip.MustParseAddr("2001:db8:1:3::1")); wait != 0 {
		t.Fatalf("another /64 waits %v", wait)
	}
}

// TestThrottleParallelGuesses: guesses sent at once, from as many
// addresses, cannot all pass the email's budget before the first failure
// is recorded.
func TestThrottleParallelGuesses(t *testing.T) {
	ctx := context.Background()
	th, _ := newTestThrottle(t, 5, 1000, 5)
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			_, wait, err := th.begin(ctx, "target@x.test", netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
			if err != nil {
				t.Error(err)
				return
			}
			if wait == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Fatalf("%d of 50 parallel guesses went through, want 5", allowed)
	}
}

func TestPeerAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5555":       "127.0.0.1",
		"[::ffff:10.1.2.3]:80": "10.1.2.3",
		"[2001:db8::1]:443":    "2001:db8::1",
		"not an address":       "invalid IP",
		"192.0.2.9":            "192.0.2.9",
		"[fe80::1%eth0]:1":     "fe80::1%eth0",
	} {
		if got := peerAddr(in).String(); got != want {
			t.Errorf("peerAddr(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestThrottleConcurrentSignInsUnderFreeAttempts: attempts from one
// address that are within its free attempts never wait, even when one
// read the clock a few milliseconds before another that was counted first
// (concurrent sign-ins from an office's one address). The wait used to be
// "last + 0 − now", a few milliseconds, answered as "too many wrong
// passwords".
func TestThrottleConcurrentSignInsUnderFreeAttempts(t *testing.T) {
	ctx := context.Background()
	th, clock := newTestThrottle(t, 5, 20, 100)
	addr := netip.MustParseAddr("198.51.100.7")
	if _, wait, err := th.begin(ctx, "first@x.test", addr); err != nil || wait != 0 {
		t.Fatalf("first: %v %v", wait, err)
	}
	clock.advance(-10 * time.Millisecond) // the next attempt's clock was read earlier
	if _, wait, err := th.begin(ctx, "second@x.test", addr); err != nil || wait != 0 {
		t.Fatalf("a concurrent attempt under the free attempts waits %v (%v)", wait, err)
	}
	// Past the free attempts, waits still apply.
	for i := range 18 {
		th.begin(ctx, fmt.Sprintf("more%d@x.test", i), addr)
	}
	if _, wait, _ := th.begin(ctx, "over@x.test", addr); wait == 0 {
		t.Fatal("an attempt past the address's free attempts did not wait")
	}
}
