package emucore

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is one injected failure rule. A request matches when its method (if
// set) and path prefix (if set) match. A matching request is failed with
// Status (if non-zero) after sleeping Latency; with Status zero it is only
// delayed. Count limits the rule to the next N matching requests (0: no
// count limit); Fraction in (0,1) applies it to that share of matching
// requests at random (0 or 1: every matching request).
type Fault struct {
	ID         string        `json:"id,omitempty"`
	Method     string        `json:"method,omitempty"`
	PathPrefix string        `json:"pathPrefix,omitempty"`
	Status     int           `json:"status,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	RetryAfter int           `json:"retryAfterSeconds,omitempty"`
	Latency    time.Duration `json:"latency,omitempty"`
	Count      int           `json:"count,omitempty"`
	Fraction   float64       `json:"fraction,omitempty"`
	// AfterHandler lets the request succeed and then fails the response
	// (a timeout after a write that actually happened). Status is written
	// in place of the real response. With Status zero, the real response
	// is sent, Latency after the request was handled (a reply slow to
	// arrive, for a change already made).
	AfterHandler bool `json:"afterHandler,omitempty"`
	// DropNotifications drops outgoing webhook notifications instead of
	// failing requests; Count and Fraction apply to notifications.
	DropNotifications bool `json:"dropNotifications,omitempty"`
	// DuplicateNotifications sends outgoing webhook notifications twice;
	// Count and Fraction apply to notifications.
	DuplicateNotifications bool `json:"duplicateNotifications,omitempty"`
}

// Faults holds the active fault rules of one emulator. It is safe for
// concurrent use.
type Faults struct {
	mu    sync.Mutex
	rules []*Fault
	seq   int
	rnd   *rand.Rand
}

// NewFaults returns an empty rule set; seed makes Fraction repeatable.
func NewFaults(seed uint64) *Faults {
	return &Faults{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Add installs a rule and returns its id.
func (f *Faults) Add(r Fault) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	if r.ID == "" {
		r.ID = "fault-" + strconv.Itoa(f.seq)
	}
	f.rules = append(f.rules, &r)
	return r.ID
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.rules = nil
	f.mu.Unlock()
}

// List returns a copy of the active rules.
func (f *Faults) List() []Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Fault, 0, len(f.rules))
	for _, r := range f.rules {
		out = append(out, *r)
	}
	return out
}

// take finds the first rule matching pred, consumes one use of it and
// returns a copy.
func (f *Faults) take(pred func(*Fault) bool) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if !pred(r) {
			continue
		}
		if r.Fraction > 0 && r.Fraction < 1 && f.rnd.Float64() >= r.Fraction {
			continue
		}
		hit := *r
		if r.Count > 0 {
			r.Count--
			if r.Count == 0 {
				f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
			}
		}
		return hit, true
	}
	return Fault{}, false
}

// ForRequest returns the fault to apply to r, if any, consuming one use.
func (f *Faults) ForRequest(r *http.Request) (Fault, bool) {
	return f.take(func(x *Fault) bool {
		if x.DropNotifications {
			return false
		}
		if x.Method != "" && !strings.EqualFold(x.Method, r.Method) {
			return false
		}
		return x.PathPrefix == "" || strings.HasPrefix(r.URL.Path, x.PathPrefix)
	})
}

// DropNotification reports whether the next outgoing notification must be
// dropped, consuming one use of a matching rule.
func (f *Faults) DropNotification() bool {
	_, ok := f.take(func(x *Fault) bool { return x.DropNotifications })
	return ok
}

// DuplicateNotification reports whether the next outgoing notification
// must be sent twice, consuming one use of a matching rule.
func (f *Faults) DuplicateNotification() bool {
	_, ok := f.take(func(x *Fault) bool { return x.DuplicateNotifications })
	return ok
}

// ErrorWriter writes a provider-shaped error response.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int, reason string, retryAfter int)

// Middleware applies the fault rules to every request passing through next,
// writing failures with writeErr.
func (f *Faults) Middleware(next http.Handler, writeErr ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fault, ok := f.ForRequest(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if fault.AfterHandler && fault.Status == 0 {
			rec := &recorder{h: http.Header{}, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			if !sleep(r, fault.Latency) {
				return
			}
			for k, v := range rec.h {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body)
			return
		}
		if !sleep(r, fault.Latency) {
			return
		}
		if fault.Status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if fault.AfterHandler {
			next.ServeHTTP(discardWriter{h: http.Header{}}, r)
		}
		writeErr(w, r, fault.Status, fault.Reason, fault.RetryAfter)
	})
}

// sleep waits d, or until r's client goes away (false).
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// recorder keeps a response to send later.
type recorder struct {
	h      http.Header
	status int
	body   []byte
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body = append(r.body, b...)
	return len(b), nil
}
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
