package auth

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// begin as a test step: it fails the test on a Redis error.
func mustBegin(t *testing.T, th *guessThrottle, email, addr string) (*attempt, time.Duration) {
	t.Helper()
	a, wait, err := th.begin(context.Background(), email, netip.MustParseAddr(addr))
	if err != nil {
		t.Fatal(err)
	}
	if (a == nil) == (wait == 0) {
		t.Fatalf("begin returned attempt %v with wait %v", a, wait)
	}
	return a, wait
}

// TestThrottleOwnerNotLockedOut: an attacker guessing one email from one
// address is slowed there, and however long they keep at it, the owner
// signs in from their own address at once — even one they never used
// before. The owner's success does not lift the attacker's wait.
func TestThrottleOwnerNotLockedOut(t *testing.T) {
	th, clock := newTestThrottle(t, 3, 100, 1000)
	const email, attacker, owner = "owner@x.test", "192.0.2.66", "198.51.100.9"
	for i := range 3 {
		if _, wait := mustBegin(t, th, email, attacker); wait != 0 {
			t.Fatalf("attacker's free attempt %d waits %v", i+1, wait)
		}
	}
	// Keep guessing as fast as allowed: each wait, then one more failure.
	for range 12 {
		_, wait := mustBegin(t, th, email, attacker)
		if wait == 0 {
			t.Fatal("the attacker was not slowed after the free attempts")
		}
		clock.advance(wait)
		if _, wait := mustBegin(t, th, email, attacker); wait != 0 {
			t.Fatalf("attacker after the wait: %v", wait)
		}
	}
	if _, wait := mustBegin(t, th, email, attacker); wait != th.max {
		t.Fatalf("attacker's wait %v, want the cap %v", wait, th.max)
	}
	a, wait := mustBegin(t, th, email, owner)
	if wait != 0 {
		t.Fatalf("the owner at another address waits %v", wait)
	}
	if err := a.succeeded(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, wait := mustBegin(t, th, email, attacker); wait == 0 {
		t.Fatal("the owner's sign-in lifted the attacker's wait")
	}
}

// TestThrottleEmailBudget: guesses at one email from many addresses, each
// within its own free attempts, are stopped once the email's budget for
// the window is spent — for every address, the right password too —
// except an address that signed in to the email before. The budget comes
// back when the window ends; a known address is forgotten after its TTL.
func TestThrottleEmailBudget(t *testing.T) {
	ctx := context.Background()
	th, clock := newTestThrottle(t, 5, 100, 10)
	const email, home = "target@x.test", "198.51.100.9"
	a, _ := mustBegin(t, th, email, home)
	if err := a.succeeded(ctx); err != nil { // the owner signed in from home once
		t.Fatal(err)
	}
	clock.advance(2 * time.Hour) // the attack's window starts with its first guess

	for i := range 10 {
		if _, wait := mustBegin(t, th, email, fmt.Sprintf("10.0.0.%d", i+1)); wait != 0 {
			t.Fatalf("distributed guess %d waits %v", i+1, wait)
		}
	}
	clock.advance(10 * time.Minute)
	for _, addr := range []string{"10.0.1.1", "10.0.0.1", "2001:db8:9::1"} {
		if _, wait := mustBegin(t, th, email, addr); wait != 50*time.Minute {
			t.Fatalf("%s after the budget: wait %v, want the rest of the window (50m)", addr, wait)
		}
	}
	// Another email is not affected.
	if _, wait := mustBegin(t, th, "other@x.test", "10.0.1.1"); wait != 0 {
		t.Fatalf("another email waits %v", wait)
	}
	// The owner's known address goes through, and a success there does
	// not give the budget back to the others.
	a, wait := mustBegin(t, th, email, home)
	if wait != 0 {
		t.Fatalf("the owner's known address waits %v", wait)
	}
	if err := a.succeeded(ctx); err != nil {
		t.Fatal(err)
	}
	if _, wait := mustBegin(t, th, email, "10.0.1.2"); wait == 0 {
		t.Fatal("the owner's success reopened the spent budget")
	}

	// A new window: the budget is back.
	clock.advance(50 * time.Minute)
	if _, wait := mustBegin(t, th, email, "10.0.1.1"); wait != 0 {
		t.Fatalf("a new window: wait %v", wait)
	}
	// Spend it again after the owner's address is forgotten (one day):
	// home waits like everyone.
	clock.advance(25 * time.Hour)
	for i := range 10 {
		if _, wait := mustBegin(t, th, email, fmt.Sprintf("10.0.2.%d", i+1)); wait != 0 {
			t.Fatalf("guess %d in a later window waits %v", i+1, wait)
		}
	}
	if _, wait := mustBegin(t, th, email, home); wait != time.Hour {
		t.Fatalf("home, no longer known, waits %v, want the window (1h)", wait)
	}
}
