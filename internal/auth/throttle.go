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
	defaultEmailBudget         = 100
	defaultEmailWindow         = time.Hour
	defaultKnownAddressTTL     = 30 * 24 * time.Hour
	defaultBaseDelay           = time.Second
	defaultMaxDelay            = 15 * time.Minute
	// throttleMemory is how long a counter outlives its current wait:
	// a pair or an address quiet for that long starts afresh.
	throttleMemory = time.Hour
)

// guessThrottle slows password guessing without letting anyone lock an
// account's owner out. A wrong password counts against three things:
//
//   - the pair (email, client address): after freePerPair failures each
//     further attempt from that address for that email must wait
//     base·2^k (capped at max) after the previous. This is the ordinary
//     brake, and it stops only the address that guessed: the owner
//     elsewhere is not slowed by someone else's failures.
//   - the client address, all emails together: the same back-off after
//     freePerAddr failures, against one address spraying many accounts.
//   - the email, all addresses together: a budget of emailBudget
//     failures per emailWindow (from the window's first attempt). Once it
//     is spent, attempts on that email wait until the window ends —
//     except from an address that signed in to it successfully within
//     knownTTL, so an attacker spending the budget does not lock out the
//     owner where they usually sign in. This bounds distributed guessing
//     (many addresses, few guesses each) to the budget per window, and
//     costs the attacker many addresses per window to keep up.
//
// A right password clears the pair, takes its own attempt back from the
// address and the email (earlier failures stay: one good account must
// not reset an address's or an email's budget), and marks the address
// known for the email. An address that has merely never failed for an
// email is not let past the budget: every address of a distributed
// attack is such an address.
//
// The counters live in Redis, so every replica sees the same ones, and
// one Lua script checks and counts an attempt atomically, so parallel
// guesses cannot all slip through before the first failure is recorded.
type guessThrottle struct {
	rdb         redis.UniversalClient
	prefix      string
	freePerPair int
	freePerAddr int
	emailBudget int
	emailWindow time.Duration
	knownTTL    time.Duration
	base, max   time.Duration
	now         func() time.Time
}

// attemptScript: KEYS[1] is the email's budget (hash n, start), KEYS[2]
// the marker of the address known for the email (the time of its last
// success), KEYS[3..] the back-off counters (hashes n, last). ARGV: now
// (ms), base (ms), max (ms), memory (ms), budget, window (ms), known TTL
// (ms), then each back-off key's free attempts. It
// returns 0 and counts the attempt in every counter, or, when anything
// must still wait, that wait in ms and counts nothing.
var attemptScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local maxd = tonumber(ARGV[3])
local memory = tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local window = tonumber(ARGV[6])
local knownTTL = tonumber(ARGV[7])
local function delay(n, free)
  if n < free then return 0 end
  local d = base * 2 ^ math.min(n - free, 40)
  if d > maxd then d = maxd end
  return d
end
local counts = {}
local wait = 0
for i = 3, #KEYS do
  local free = tonumber(ARGV[5 + i])
  local v = redis.call('HMGET', KEYS[i], 'n', 'last')
  local n = tonumber(v[1]) or 0
  local last = tonumber(v[2]) or 0
  counts[i] = n
  -- Under the free attempts nothing waits: with no delay, "last" set by
  -- a concurrent attempt a few milliseconds "later" must not make one.
  local d = delay(n, free)
  if d > 0 then
    local left = last + d - now
    if left > wait then wait = left end
  end
end
local e = redis.call('HMGET', KEYS[1], 'n', 'start')
local spent = tonumber(e[1]) or 0
local start = tonumber(e[2]) or now
if now >= start + window then
  spent = 0
  start = now
end
local known = tonumber(redis.call('GET', KEYS[2]) or '')
if spent >= budget and not (known and now < known + knownTTL) then
  local left = start + window - now
  if left > wait then wait = left end
end
if wait > 0 then return math.ceil(wait) end
for i = 3, #KEYS do
  local free = tonumber(ARGV[5 + i])
  local n = counts[i] + 1
  redis.call('HSET', KEYS[i], 'n', n, 'last', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(delay(n, free) + memory))
end
redis.call('HSET', KEYS[1], 'n', spent + 1, 'start', start)
redis.call('PEXPIRE', KEYS[1], math.ceil(start + window - now))
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
	t *guessThrottle
	// pair, email and known are always set; addr only for a call made
	// over HTTP (with a client address).
	pair, addr, email, known string
}

// begin counts an attempt for email from addr (addr may be invalid: a
// call not made over HTTP, whose attempts share one pair per email). It
// returns the wait when the attempt must not be made now; otherwise the
// attempt is counted (as a failure until settled otherwise) and returned.
func (t *guessThrottle) begin(ctx context.Context, email string, addr netip.Addr) (*attempt, time.Duration, error) {
	group := ""
	if addr.IsValid() {
		group = addrGroup(addr)
	}
	a := &attempt{t: t, pair: t.pairKey("pair", email, group), email: t.emailKey(email), known: t.pairKey("known", email, group)}
	keys := []string{a.email, a.known, a.pair}
	args := []any{t.now().UnixMilli(), t.base.Milliseconds(), t.max.Milliseconds(), throttleMemory.Milliseconds(),
		t.emailBudget, t.emailWindow.Milliseconds(), t.knownTTL.Milliseconds(), t.freePerPair}
	if addr.IsValid() {
		a.addr = t.prefix + ":signin:addr:" + group
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

// succeeded forgets the pair's failures (the password holder is back at
// that address), takes the attempt back from the address and the email,
// whose other failures stay, and lets the address past the email's
// budget from now on.
func (a *attempt) succeeded(ctx context.Context) error {
	if err := a.t.rdb.Del(ctx, a.pair).Err(); err != nil {
		return fmt.Errorf("auth: sign-in throttle: %w", err)
	}
	if a.addr != "" {
		// The time decides (the throttle's clock); the TTL only clears.
		if err := a.t.rdb.Set(ctx, a.known, a.t.now().UnixMilli(), a.t.knownTTL).Err(); err != nil {
			return fmt.Errorf("auth: sign-in throttle: %w", err)
		}
		return a.forgive(ctx, a.email, a.addr)
	}
	return a.forgive(ctx, a.email)
}

// abandoned takes the attempt back entirely: no password was checked
// (the server was busy, or failed).
func (a *attempt) abandoned(ctx context.Context) error {
	keys := []string{a.pair, a.email}
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

// pairKey names a counter or marker of one email at one address group,
// hashed like emailKey.
func (t *guessThrottle) pairKey(kind, email, group string) string {
	sum := sha256.Sum256([]byte(email + "\x00" + group))
	return t.prefix + ":signin:" + kind + ":" + hex.EncodeToString(sum[:16])
}

// addrGroup groups IPv6 clients by /64, the block one subscriber usually
// holds (counting single IPv6 addresses would cost an attacker nothing).
func addrGroup(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
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
