package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// errPasswordChecksBusy: every password-check slot is taken and the short
// wait queue is full, or the wait ran out.
var errPasswordChecksBusy = errors.New("auth: password checks busy")

// passwordGate bounds the argon2 checks running at once in this process.
// Each check holds 19 MiB and a core for tens of milliseconds; unbounded,
// a burst of wrong sign-ins takes the memory and the CPU of every other
// request. Past the slots, a few callers wait briefly; the rest are
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

// hashMeter counts the argon2 checks actually running, independently of
// the gate, so a test can see that the gate holds.
type hashMeter struct {
	running, peak, total atomic.Int64
}

func (m *hashMeter) check(hash, pw string) bool {
	n := m.running.Add(1)
	defer m.running.Add(-1)
	m.total.Add(1)
	for {
		p := m.peak.Load()
		if n <= p || m.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return CheckPassword(hash, pw)
}

// PasswordCheckStats describes this process's password checks.
type PasswordCheckStats struct {
	// Limit is how many may run at once.
	Limit int
	// Running is how many run now; Peak the most that ever ran at once.
	Running, Peak int
	// Total counts the checks run (argon2 computations).
	Total int
	// Refused counts the checks refused because the server was busy.
	Refused int
}

// PasswordChecks reports this process's password checks (for operators'
// metrics and for tests).
func (s *Service) PasswordChecks() PasswordCheckStats {
	return PasswordCheckStats{
		Limit:   cap(s.gate.slots),
		Running: int(s.meter.running.Load()),
		Peak:    int(s.meter.peak.Load()),
		Total:   int(s.meter.total.Load()),
		Refused: int(s.gate.refused.Load()),
	}
}
