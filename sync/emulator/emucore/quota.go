package emucore

import (
	"sync"
	"time"
)

// Window is a sliding-window request counter keyed by an arbitrary string
// (a user, a mailbox, a project). Every call to Allow counts, allowed or not
// only when count is true — the real services count throttled calls too for
// Microsoft, and not for Google; callers decide.
type Window struct {
	mu     sync.Mutex
	clock  Clock
	span   time.Duration
	limit  int
	events map[string][]time.Time
}

// NewWindow returns a Window allowing limit requests per span per key.
// A limit of zero or less means unlimited.
func NewWindow(clock Clock, span time.Duration, limit int) *Window {
	return &Window{clock: clock, span: span, limit: limit, events: map[string][]time.Time{}}
}

// SetLimit changes the limit (and span when span > 0); existing counts stay.
func (w *Window) SetLimit(limit int, span time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limit = limit
	if span > 0 {
		w.span = span
	}
}

// Limit returns the current limit and span.
func (w *Window) Limit() (int, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limit, w.span
}

// Allow records a request for key and reports whether it is within the limit.
// When it is not, retryAfter is how long until the oldest counted request
// leaves the window. countRejected says whether a rejected request still
// counts against the window.
func (w *Window) Allow(key string, countRejected bool) (ok bool, retryAfter time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.limit <= 0 {
		return true, 0
	}
	now := w.clock.Now()
	cut := now.Add(-w.span)
	ev := w.events[key]
	i := 0
	for i < len(ev) && !ev[i].After(cut) {
		i++
	}
	ev = ev[i:]
	if len(ev) >= w.limit {
		retryAfter = ev[len(ev)-w.limit].Add(w.span).Sub(now)
		if countRejected {
			ev = append(ev, now)
		}
		w.events[key] = ev
		if retryAfter < time.Second {
			retryAfter = time.Second
		}
		return false, retryAfter
	}
	w.events[key] = append(ev, now)
	return true, 0
}

// Count returns how many requests for key are inside the window now.
func (w *Window) Count(key string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	cut := w.clock.Now().Add(-w.span)
	n := 0
	for _, t := range w.events[key] {
		if t.After(cut) {
			n++
		}
	}
	return n
}

// Reset forgets every counted request.
func (w *Window) Reset() {
	w.mu.Lock()
	w.events = map[string][]time.Time{}
	w.mu.Unlock()
}
