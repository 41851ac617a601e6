package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/redis/go-redis/v9"
)

// Throttle defaults (Options override them).
const (
	defaultFreeAttempts        = 5
	defaultFreeAttemptsPerAddr = 20
	defaultBaseDelay           = time.Second
	defaultMaxDelay            = 15 * time.Minute
	// throttleMemory is how long a counter outlives its current wait:
	// an email or address quiet for that long starts afresh.
	throttleMemory = time.Hour
)

// guessThrottle slows password guessing. Failed attempts are counted per
// email and per client address; after the free attempts each further one
// must wait base·2^k (capped at max) after the previous. The counters live
// in Redis, so every replica sees the same ones, and one Lua script checks
// and counts an attempt atomically, so parallel guesses cannot all slip
// through before the first failure is recorded.
type guessThrottle struct {
	rdb          redis.UniversalClient
	prefix       string
	freePerEmail int
	freePerAddr  int
	base, max    time.Duration
	now          func() time.Time
}

// attemptScript: KEYS are the counters (hashes n, last); ARGV: now (ms),
// base (ms), max (ms), memory (ms), then each key's free attempts. It
// returns 0 and counts the attempt in every key, or, when any key must
// still wait, that wait in ms and counts nothing.
var attemptScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local maxd = tonumber(ARGV[3])
local memory = tonumber(ARGV[4])
local function delay(n, free)
  if n < free then return 0 end
  local d = base * 2 ^ math.min(n - free, 40)
  if d > maxd then d = maxd end
  return d
end
local counts = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[4 + i])
  local v = redis.call('HMGET', key, 'n', 'last')
  local n = tonumber(v[1]) or 0
  local last = tonumber(v[2]) or 0
  counts[i] = n
  local left = last + delay(n, free) - now
  if left > wait then wait = left end
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[4 + i])
  local n = counts[i] + 1
  redis.call('HSET', key, 'n', n, 'last', now)
  redis.call('PEXPIRE', key, math.ceil(delay(n, free) + memory))
end
return 0
`)

// forgiveScript takes back one counted attempt from each key (an attempt
// that turned out not to be a wrong guess).
var forgiveScript = redis.NewScript(`
for _, key in ipairs(KEYS) do
  local n = tonumber(redis.call('HGET', key, 'n') or '0') or 0
  if n > 0 then redis.call('HINCRBY', key, 'n', -1) end
end
return 0
`)

// attempt is one counted password attempt. A wrong guess leaves it
// counted; succeeded and abandoned take it back.
type attempt struct {
	t              *guessThrottle
	emailKey, addr string
}

// begin counts an attempt for email from addr (addr may be invalid: a
// call not made over HTTP). It returns the wait when the attempt must not
// be made now; otherwise the attempt is counted (as a failure until
// settled otherwise) and returned.
func (t *guessThrottle) begin(ctx context.Context, email string, addr netip.Addr) (*attempt, time.Duration, error) {
	a := &attempt{t: t, emailKey: t.emailKey(email)}
	keys := []string{a.emailKey}
	args := []any{t.now().UnixMilli(), t.base.Milliseconds(), t.max.Milliseconds(), throttleMemory.Milliseconds(), t.freePerEmail}
	if addr.IsValid() {
		a.addr = t.addrKey(addr)
		keys = append(keys, a.addr)
		args = append(args, t.freePerAddr)
	}
	wait, err := attemptScript.Run(ctx, t.rdb, keys, args...).Int64()
	if err != nil {
		return nil, 0, fmt.Errorf("auth: sign-in throttle: %w", err)
	}
	if wait > 0 {
		return nil, time.Duration(wait) * time.Millisecond, nil
	}
	return a, 0, nil
}

// succeeded forgets the email's failures (the password holder is back)
// and takes the attempt back from the address, whose earlier failures
// stay: one good account must not reset an address's guessing budget.
func (a *attempt) succeeded(ctx context.Context) error {
	if err := a.t.rdb.Del(ctx, a.emailKey).Err(); err != nil {
		return fmt.Errorf("auth: sign-in throttle: %w", err)
	}
	if a.addr == "" {
		return nil
	}
	return a.forgive(ctx, a.addr)
}

// abandoned takes the attempt back entirely: no password was checked
// (the server was busy, or failed).
func (a *attempt) abandoned(ctx context.Context) error {
	keys := []string{a.emailKey}
	if a.addr != "" {
		keys = append(keys, a.addr)
	}
	return a.forgive(ctx, keys...)
}

func (a *attempt) forgive(ctx context.Context, keys ...string) error {
	if err := forgiveScript.Run(ctx, a.t.rdb, keys).Err(); err != nil {
		return fmt.Errorf("auth: sign-in throttle: %w", err)
	}
	return nil
}

// emailKey hashes the address so Redis holds no list of emails.
func (t *guessThrottle) emailKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return t.prefix + ":signin:email:" + hex.EncodeToString(sum[:16])
}

// addrKey groups IPv6 clients by /64, the block one subscriber usually
// holds (counting single IPv6 addresses would cost an attacker nothing).
func (t *guessThrottle) addrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return t.prefix + ":signin:addr:" + p.String()
	}
	return t.prefix + ":signin:addr:" + a.String()
}

// peerAddr is the IP of the TCP peer from http.Request.RemoteAddr. It is
// deliberately not X-Forwarded-For: with no trusted-proxy setting, any
// client could write that header and pick a fresh address per guess.
func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
