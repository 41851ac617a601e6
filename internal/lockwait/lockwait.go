// Package lockwait is how Calsync's lockers wait for a lock another holder
// has (store.AdvisoryLocker on PostgreSQL, redisconn.Locker on Redis):
// neither PostgreSQL's advisory locks nor a Redis key tell a waiter when
// they are free, so the waiter tries again, soon at first.
package lockwait

import (
	"context"
	"time"
)

// The pause between tries starts at First and doubles up to Most: a sync
// waiting for its account's lock would otherwise sleep long past the
// release, and a waiter's tries stay cheap for the holder.
const (
	First = 10 * time.Millisecond
	Most  = 50 * time.Millisecond
)

// Poll calls try until it takes the lock (true) or fails, pausing between
// tries, and returns try's error. Once ctx ends it stops and returns
// ctx's error.
func Poll(ctx context.Context, try func() (bool, error)) error {
	wait := First
	for {
		ok, err := try()
		if err != nil || ok {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = next(wait)
	}
}

// next is the pause after wait.
func next(wait time.Duration) time.Duration { return min(2*wait, Most) }
