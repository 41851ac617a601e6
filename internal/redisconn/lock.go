package redisconn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"calsync/internal/lockwait"
)

// Locker takes short-lived exclusive locks in Redis, shared by every
// process using the same Redis.
type Locker struct{ rdb *redis.Client }

// NewLocker returns a Locker on rdb.
func NewLocker(rdb *redis.Client) *Locker { return &Locker{rdb: rdb} }

// renewScript extends the lock only if we still own it.
var renewScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`)

// releaseScript deletes the lock only if we still own it.
var releaseScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`)

// Lock waits until key is free (or ctx ends), takes it and returns the
// release function. While held, the lock is renewed every ttl/3, so work
// longer than ttl keeps it; a holder that dies loses it within ttl.
func (l *Locker) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	unlock, _, err := l.LockHeld(ctx, key, ttl)
	return unlock, err
}

// LockHeld is Lock, and also returns a check that the lock is still this
// holder's: Redis restarted empty (or the lock expired) lets another
// process take it, and work done under it must stop.
func (l *Locker) LockHeld(ctx context.Context, key string, ttl time.Duration) (func(), func(context.Context) bool, error) {
	var unlock func()
	var held func(context.Context) bool
	var tryErr error
	err := lockwait.Poll(ctx, func() (ok bool, err error) {
		unlock, held, ok, tryErr = l.TryLockHeld(ctx, key, ttl)
		return ok, tryErr
	})
	switch {
	case tryErr != nil:
		return nil, nil, tryErr
	case err != nil:
		return nil, nil, fmt.Errorf("redisconn: lock %s: %w", key, err)
	}
	return unlock, held, nil
}

// TryLockHeld is LockHeld without waiting: ok is false when the lock is
// taken.
func (l *Locker) TryLockHeld(ctx context.Context, key string, ttl time.Duration) (func(), func(context.Context) bool, bool, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	owner := hex.EncodeToString(b)
	ok, err := l.rdb.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return nil, nil, false, fmt.Errorf("redisconn: lock %s: %w", key, err)
	}
	if !ok {
		return nil, nil, false, nil
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = renewScript.Run(context.Background(), l.rdb, []string{key}, owner, ttl.Milliseconds()).Err()
			}
		}
	}()
	held := func(ctx context.Context) bool {
		v, err := l.rdb.Get(ctx, key).Result()
		return err == nil && v == owner
	}
	return func() {
		close(stop)
		<-done
		if err := releaseScript.Run(context.WithoutCancel(ctx), l.rdb, []string{key}, owner).Err(); err != nil && !errors.Is(err, redis.Nil) {
			_ = err // the lock expires by itself after ttl
		}
	}, held, true, nil
}
