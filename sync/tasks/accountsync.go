package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent/syncrun"
	"calsync/sync/engine"
)

// Locker serializes syncs of one account across workers
// (store.AdvisoryLocker on PostgreSQL, redisconn.Locker otherwise).
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
	// LockHeld is Lock, and also returns a check that the lock is still
	// the caller's: work done under it must stop once it is not.
	LockHeld(ctx context.Context, key string, ttl time.Duration) (unlock func(), held func(context.Context) bool, err error)
	// TryLockHeld is LockHeld without waiting: ok is false when another
	// holder has the lock.
	TryLockHeld(ctx context.Context, key string, ttl time.Duration) (unlock func(), held func(context.Context) bool, ok bool, err error)
}

// AccountSync handles account:sync: under the account lock, it has the
// engine sync the account until every request counted for it is handled
// (engine.Sync; see engine.RequestSync for the race this closes).
type AccountSync struct {
	Engine *engine.Reconciler
	Locker Locker
	Prefix string
}

// ProcessTask implements asynq.Handler.
func (h *AccountSync) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p AccountSyncPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.OrgID <= 0 || p.AccountID <= 0 {
		return fmt.Errorf("tasks: bad %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	kind := syncrun.KindINCREMENTAL
	if p.Kind != "" {
		kind = syncrun.Kind(p.Kind)
		if err := syncrun.KindValidator(kind); err != nil {
			return fmt.Errorf("tasks: %v: %w", err, asynq.SkipRetry)
		}
	}
	key := AccountLockKey(h.Prefix, p.AccountID)
	unlock, held, ok, err := h.Locker.TryLockHeld(ctx, key, time.Minute)
	if err != nil {
		return &retryLater{after: 2 * time.Second, why: "the account's lock cannot be taken: " + err.Error()}
	}
	if !ok {
		if kind == syncrun.KindINCREMENTAL {
			// A second wake-up, or one whose requests the running sync
			// took: nothing to do, and no lock to wait for. (Holding the
			// lock, Sync makes the same check as it reads the account.)
			if done, err := h.Engine.Handled(ctx, p.OrgID, p.AccountID); err != nil || done {
				return err
			}
		}
		// Another sync of this account is running (or its crashed
		// holder's lock has not expired yet): wait a little, then try
		// again shortly, without counting it as a failure, rather than
		// hold a worker slot waiting.
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		unlock, held, err = h.Locker.LockHeld(lctx, key, time.Minute)
		cancel()
		if err != nil {
			return &retryLater{after: 2 * time.Second, why: "another sync of the account is running"}
		}
	}
	defer unlock()
	ctx = engine.WithHeld(ctx, held)
	_, err = h.Engine.Sync(ctx, p.OrgID, p.AccountID, kind)
	switch {
	case errors.Is(err, engine.ErrLockLost):
		return &retryLater{after: time.Second, why: "the account's lock was lost"}
	case errors.Is(err, engine.ErrAccountStopped):
		// A person must act first; the worker's error handler logs it.
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	case errors.Is(err, engine.ErrSyncBehind):
		// Still behind after the engine's rounds: run again, after
		// other accounts' tasks had their turn, without counting it as a
		// failure.
		return &retryLater{after: 0, why: "requests kept arriving during the sync"}
	}
	return err
}

// AccountLockKey is the lock held while an account's calendar is changed
// (syncs, and unlinking's removal of events).
func AccountLockKey(prefix string, accountID int) string {
	return prefix + ":account-sync-lock:" + strconv.Itoa(accountID)
}

// retryLater asks for another attempt after a pause that is not a failure.
type retryLater struct {
	after time.Duration
	why   string
}

func (e *retryLater) Error() string { return "tasks: retry later: " + e.why }

// rateLimitFloor is the pause after a rate limit that gave no Retry-After
// (Google's 403 rateLimitExceeded): rate-limited attempts do not count as
// failures, so the retry count cannot grow the backoff.
const rateLimitFloor = 30 * time.Second

// RetryDelay honours a provider's Retry-After and otherwise backs off
// exponentially from one second (a provider's 5xx or a dropped connection
// usually clears quickly; calendars should catch up within seconds), capped
// at ten minutes. Jitter of up to 25% keeps workers from returning in
// lockstep.
func RetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	var later *retryLater
	d, limited := engine.RetryAfter(err)
	switch {
	case errors.As(err, &later):
		d = later.after
	case limited && d <= 0:
		d = rateLimitFloor
	case !limited:
		d = min(time.Second<<min(n, 10), 10*time.Minute)
	}
	return d + time.Duration(rand.Int64N(int64(d/4)+1))
}

// IsFailure tells asynq which errors count against a task's retries: rate
// limiting does not.
func IsFailure(err error) bool {
	var later *retryLater
	_, limited := engine.RetryAfter(err)
	return !limited && !errors.As(err, &later)
}
