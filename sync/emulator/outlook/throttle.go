package outlook

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// inflightCounter counts requests in progress per app per mailbox.
type inflightCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func newInflightCounter() *inflightCounter { return &inflightCounter{n: map[string]int{}} }

// acquire takes a slot unless limit (>0) slots are taken.
func (c *inflightCounter) acquire(key string, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if limit > 0 && c.n[key] >= limit {
		return false
	}
	c.n[key]++
	return true
}

func (c *inflightCounter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}

func (c *inflightCounter) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func mailboxKey(clientID, userID string) string { return clientID + "|" + userID }

// admit applies Outlook's per-app-per-mailbox limits: the request rate
// (throttled requests count too) and the number of concurrent requests.
// On success the caller must call release when the request is done.
func (e *Emulator) admit(clientID, userID string) (release func(), gerr *graphError) {
	e.mu.Lock()
	cfg := e.st.Throttle
	e.mu.Unlock()
	key := mailboxKey(clientID, userID)
	if ok, wait := e.window.Allow(key, true); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		return nil, &graphError{Status: http.StatusTooManyRequests, Code: "ApplicationThrottled",
			Message: "Application is over its MailboxRequests limit.", RetryAfter: max(secs, 1)}
	}
	if !e.inflight.acquire(key, cfg.Concurrency) {
		return nil, &graphError{Status: http.StatusTooManyRequests, Code: "ApplicationThrottled",
			Message: "Application is over its MailboxConcurrency limit.", RetryAfter: 1}
	}
	return func() { e.inflight.release(key) }, nil
}

// InFlight reports how many requests of an app are in progress on a
// mailbox (tests use it to line up the concurrency limit).
func (e *Emulator) InFlight(clientID, user string) int {
	e.mu.Lock()
	u := e.userLocked(user)
	e.mu.Unlock()
	if u == nil {
		return 0
	}
	return e.inflight.count(mailboxKey(clientID, u.ID))
}

// SetThrottle changes the mailbox throttling limits; zero fields disable
// that limit. Counted requests are kept.
func (e *Emulator) SetThrottle(cfg ThrottleConfig) {
	e.mu.Lock()
	if cfg.WindowSeconds <= 0 {
		cfg.WindowSeconds = defaultThrottle().WindowSeconds
	}
	e.st.Throttle = cfg
	e.mu.Unlock()
	e.window.SetLimit(cfg.Requests, time.Duration(cfg.WindowSeconds)*time.Second)
}

// Throttle returns the mailbox throttling limits.
func (e *Emulator) Throttle() ThrottleConfig {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Throttle
}
