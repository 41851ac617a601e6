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
	"github.com/redis/go-redis/v9"

	"calsync/ent/syncrun"
	"calsync/sync/engine"
)

// Locker serializes syncs of one account across workers.
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// dirtyKey counts changes announced for an account; a sync that sees it
// move while running runs again, so a change arriving mid-sync (whose own
// task was coalesced into the running one) is never lost.
func dirtyKey(prefix string, accountID int) string {
	return prefix + ":account-dirty:" + strconv.Itoa(accountID)
}

// MarkDirty announces a change for an account.
func MarkDirty(ctx context.Context, rdb *redis.Client, prefix string, accountID int) error {
	key := dirtyKey(prefix, accountID)
	pipe := rdb.TxPipeline()
	pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 24*time.Hour)
	_, err := pipe.Exec(ctx)
	return err
}

// AccountSync handles account:sync: it reconciles one account's calendar,
// again while changes keep arriving, one sync per account at a time.
type AccountSync struct {
	Engine *engine.Reconciler
	Locker Locker
	Redis  *redis.Client
	Prefix string
}

// maxPasses bounds how often one task re-runs for changes that arrived
// during it; the next change's task picks up any rest.
const maxPasses = 5

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
	// Another sync of this account is running (or its crashed holder's
	// lock has not expired yet): try again shortly, without counting it
	// as a failure, rather than hold a worker slot waiting.
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	unlock, err := h.Locker.Lock(lctx, AccountLockKey(h.Prefix, p.AccountID), time.Minute)
	cancel()
	if err != nil {
		return &retryLater{after: 2 * time.Second, why: "another sync of the account is running"}
	}
	defer unlock()
	key := dirtyKey(h.Prefix, p.AccountID)
	for pass := 0; pass < maxPasses; pass++ {
		before, _ := h.Redis.Get(ctx, key).Int64()
		_, err := h.Engine.Sync(ctx, p.OrgID, p.AccountID, kind)
		if errors.Is(err, engine.ErrAccountStopped) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		if err != nil {
			return err
		}
		after, _ := h.Redis.Get(ctx, key).Int64()
		if after == before {
			return nil
		}
		kind = syncrun.KindINCREMENTAL
	}
	return nil
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
