package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// errPasswordChecksBusy: every argon2 slot is taken and the short
// wait queue is full, or the wait ran out.
var errPasswordChecksBusy = errors.New("auth: password checks busy")

// passwordGate bounds the argon2 computations (checks of passwords and
// hashes of new ones) running at once in this process. Each holds 19 MiB
// and a core for tens of milliseconds; unbounded, a burst of wrong
// sign-ins or of password changes takes the memory and the CPU of every
// other request. Past the slots, a few callers wait briefly; the rest are
// refused at once (HTTP 503) instead of piling up. It is per process on
// purpose: it protects this process's cores and memory.
type passwordGate struct {
	slots   chan struct{}
	queue   chan struct{}
	maxWait time.Duration
	refused atomic.Int64
}

func newPasswordGate(slots, queue int, maxWait time.Duration) *passwordGate {
	return &passwordGate{slots: make(chan struct{}, slots), queue: make(chan struct{}, queue), maxWait: maxWait}
}

// run calls fn holding a slot, or returns errPasswordChecksBusy (or the
// context's error) without calling it.
func (g *passwordGate) run(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		if err := g.wait(ctx); err != nil {
			return err
		}
	}
	defer func() { <-g.slots }()
	fn()
	return nil
}

func (g *passwordGate) wait(ctx context.Context) error {
	select {
	case g.queue <- struct{}{}:
	default:
		g.refused.Add(1)
		return errPasswordChecksBusy
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		g.refused.Add(1)
		return errPasswordChecksBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hashMeter counts the argon2 computations actually running — checks of
// passwords and hashes of new ones — independently of the gate, so a
// test can see that the gate holds for both.
type hashMeter struct {
	running, peak, checks, hashes atomic.Int64
}

// enter counts one computation starting; the returned func ends it.
func (m *hashMeter) enter() func() {
	n := m.running.Add(1)
	for {
		p := m.peak.Load()
		if n <= p || m.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return func() { m.running.Add(-1) }
}

func (m *hashMeter) check(hash, pw string) bool {
	defer m.enter()()
	m.checks.Add(1)
	return CheckPassword(hash, pw)
}

func (m *hashMeter) hash(pw string) (string, error) {
	defer m.enter()()
	m.hashes.Add(1)
	return HashPassword(pw)
}

// PasswordCheckStats describes this process's argon2 work: checks of
// passwords and hashes of new ones, which share one cap.
type PasswordCheckStats struct {
	// Limit is how many may run at once.
	Limit int
	// Running is how many run now; Peak the most that ever ran at once
	// (checks and hashes together).
	Running, Peak int
	// Total counts the password checks run.
	Total int
	// Hashes counts the new passwords hashed (setPassword, createUser).
	Hashes int
	// Refused counts the checks and hashes refused because the server
	// was busy.
	Refused int
}

// PasswordChecks reports this process's password checks and hashes (for
// operators' metrics and for tests).
func (s *Service) PasswordChecks() PasswordCheckStats {
	return PasswordCheckStats{
		Limit:   cap(s.gate.slots),
		Running: int(s.meter.running.Load()),
		Peak:    int(s.meter.peak.Load()),
		Total:   int(s.meter.checks.Load()),
		Hashes:  int(s.meter.hashes.Load()),
		Refused: int(s.gate.refused.Load()),
	}
}
