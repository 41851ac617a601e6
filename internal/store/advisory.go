package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"calsync/internal/lockwait"
)

// AdvisoryLocker takes exclusive locks shared by every process using the
// same PostgreSQL database: session advisory locks, all held on one
// connection of this process's own.
//
// Unlike a lock in Redis, such a lock cannot vanish while its holder runs:
// it is released by its holder, or by PostgreSQL when the holder's
// connection ends (the process died). A Redis restarted empty, or a
// holder paused past an expiry, let a second sync of one account start
// beside the first, and the older one's writes land after the newer's.
//
// PostgreSQL lets one session take the same advisory lock twice, so this
// process's holders are also kept apart in memory. A key is always taken
// on the same one of a few lock connections (by its hash), so takes and
// releases of different keys do not wait in line behind one connection.
// If a lock connection fails, every lock taken on it is gone: each
// holder's held check turns false, and the next lock opens a new
// connection.
type AdvisoryLocker struct {
	conns [advisoryConns]*lockConn

	lmu   sync.Mutex
	local map[int64]chan struct{} // keys held in this process, closed on release

	stopKeep chan struct{}
}

// advisoryConns is how many lock connections a process keeps.
const advisoryConns = 4

// lockConn is one lock connection.
type lockConn struct {
	dsn    string
	mu     sync.Mutex // serializes use of conn
	conn   *pgx.Conn
	closed bool
	// gen counts the connections opened: a lock taken on generation g is
	// held while gen is still g.
	gen atomic.Uint64
}

// connFor is the lock connection key k is always taken on.
func (l *AdvisoryLocker) connFor(k int64) *lockConn { return l.conns[uint64(k)%advisoryConns] }

// advisoryOpTimeout bounds one statement on the lock connection. A
// statement cut short leaves the connection unusable, so its locks count
// as lost.
const advisoryOpTimeout = 5 * time.Second

// advisoryKeepAlive is how often the lock connection is checked while a
// lock is held: a dead connection is noticed within it, not only at the
// next lock or release.
const advisoryKeepAlive = 2 * time.Second

// Locker returns the database's cross-process locker, or nil for SQLite
// (one process; the embedded queue's locks suffice).
func (d *DB) Locker() *AdvisoryLocker {
	if d.dsn == "" {
		return nil
	}
	d.lockOnce.Do(func() {
		l := &AdvisoryLocker{local: map[int64]chan struct{}{}}
		for i := range l.conns {
			l.conns[i] = &lockConn{dsn: d.dsn}
		}
		d.locker = l
	})
	return d.locker
}

// Lock waits until key is free (or ctx ends), takes it and returns the
// release function. The lock has no expiry; ttl is ignored.
func (l *AdvisoryLocker) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	unlock, _, err := l.LockHeld(ctx, key, ttl)
	return unlock, err
}

// LockHeld is Lock, and also returns a check that the lock is still held:
// false once the connection it was taken on has failed. The check does
// not touch the network.
func (l *AdvisoryLocker) LockHeld(ctx context.Context, key string, _ time.Duration) (func(), func(context.Context) bool, error) {
	k := advisoryKey(key)
	if err := l.takeLocal(ctx, k); err != nil {
		return nil, nil, fmt.Errorf("store: lock %s: %w", key, err)
	}
	var gen uint64
	err := lockwait.Poll(ctx, func() (ok bool, err error) {
		ok, gen, err = l.try(k)
		return ok, err
	})
	if err != nil {
		l.releaseLocal(k)
		return nil, nil, fmt.Errorf("store: lock %s: %w", key, err)
	}
	unlock, held := l.holder(k, gen)
	return unlock, held, nil
}

// TryLockHeld is LockHeld without waiting: ok is false when the lock is
// taken.
func (l *AdvisoryLocker) TryLockHeld(_ context.Context, key string, _ time.Duration) (func(), func(context.Context) bool, bool, error) {
	k := advisoryKey(key)
	if !l.tryLocal(k) {
		return nil, nil, false, nil
	}
	ok, gen, err := l.try(k)
	if err != nil {
		l.releaseLocal(k)
		return nil, nil, false, fmt.Errorf("store: lock %s: %w", key, err)
	}
	if !ok {
		l.releaseLocal(k)
		return nil, nil, false, nil
	}
	unlock, held := l.holder(k, gen)
	return unlock, held, true, nil
}

// holder is the release function and held check of k taken on
// connection generation gen.
func (l *AdvisoryLocker) holder(k int64, gen uint64) (func(), func(context.Context) bool) {
	var once sync.Once
	c := l.connFor(k)
	return func() { once.Do(func() { l.release(k, gen) }) }, func(context.Context) bool { return c.gen.Load() == gen }
}

// advisoryKey is key's 64-bit FNV-1a hash: two keys sharing one only wait
// for each other.
func advisoryKey(key string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return int64(h.Sum64())
}

// takeLocal waits until no other holder in this process has k, and
// takes it.
func (l *AdvisoryLocker) takeLocal(ctx context.Context, k int64) error {
	for {
		ch := l.localOrWait(k)
		if ch == nil {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// tryLocal takes k in this process if no other holder has it.
func (l *AdvisoryLocker) tryLocal(k int64) bool { return l.localOrWait(k) == nil }

// localOrWait takes k in this process and returns nil, or returns what
// closes when its holder here releases it.
func (l *AdvisoryLocker) localOrWait(k int64) chan struct{} {
	l.lmu.Lock()
	defer l.lmu.Unlock()
	if ch, taken := l.local[k]; taken {
		return ch
	}
	l.local[k] = make(chan struct{})
	if len(l.local) == 1 {
		l.stopKeep = make(chan struct{})
		go l.keepAlive(l.stopKeep)
	}
	return nil
}

func (l *AdvisoryLocker) releaseLocal(k int64) {
	l.lmu.Lock()
	defer l.lmu.Unlock()
	if ch, ok := l.local[k]; ok {
		close(ch)
		delete(l.local, k)
		if len(l.local) == 0 {
			close(l.stopKeep)
		}
	}
}

// try takes k on its lock connection if it is free, and tells on which
// connection generation. A connection found dead (PostgreSQL restarted,
// or ended it while it idled) is replaced once.
func (l *AdvisoryLocker) try(k int64) (bool, uint64, error) {
	c := l.connFor(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	var ok bool
	var err error
	for range 2 {
		if err = c.connect(); err != nil {
			return false, 0, err
		}
		err = c.op(func(ctx context.Context) error {
			return c.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", k).Scan(&ok)
		})
		if err == nil {
			return ok, c.gen.Load(), nil
		}
	}
	return false, 0, err
}

// release gives k back, if the connection it was taken on still stands
// (otherwise PostgreSQL already has).
func (l *AdvisoryLocker) release(k int64, gen uint64) {
	c := l.connFor(k)
	c.mu.Lock()
	if c.conn != nil && c.gen.Load() == gen {
		_ = c.op(func(ctx context.Context) error {
			_, err := c.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", k)
			return err
		})
	}
	c.mu.Unlock()
	l.releaseLocal(k)
}

// connect opens the lock connection if there is none. Call with mu held.
func (c *lockConn) connect() error {
	if c.conn != nil {
		return nil
	}
	if c.closed {
		return errors.New("the database is closed")
	}
	cfg, err := pgx.ParseConfig(c.dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// The server ends this session, and releases its locks, within
	// about 25 s of losing the process (a crash without a FIN, a
	// network cut), rather than after the system's TCP keep-alive of
	// two hours.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "10"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "5"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	ctx, cancel := context.WithTimeout(context.Background(), advisoryOpTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	c.conn = conn
	c.gen.Add(1)
	return nil
}

// op runs one statement on the lock connection; on failure the connection
// is dropped, and with it every lock taken on it. Call with mu held.
func (c *lockConn) op(fn func(ctx context.Context) error) error {
	// Not the caller's context: cancelling a statement midway would end
	// the connection, and every other holder's lock with it.
	ctx, cancel := context.WithTimeout(context.Background(), advisoryOpTimeout)
	defer cancel()
	err := fn(ctx)
	if err != nil {
		c.drop()
	}
	return err
}

// drop closes the lock connection: PostgreSQL releases its locks, and
// holders' checks turn false. Call with mu held.
func (c *lockConn) drop() {
	if c.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_ = c.conn.Close(ctx)
	cancel()
	c.conn = nil
	c.gen.Add(1)
}

// ping checks the lock connection, if open.
func (c *lockConn) ping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		_ = c.op(func(ctx context.Context) error { return c.conn.Ping(ctx) })
	}
}

// keepAlive checks the lock connection while locks are held, so a
// connection PostgreSQL ended is noticed by the holders' checks.
func (l *AdvisoryLocker) keepAlive(stop chan struct{}) {
	t := time.NewTicker(advisoryKeepAlive)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			for _, c := range l.conns {
				c.ping()
			}
		}
	}
}

// Close ends the lock connection, releasing every lock it holds; later
// locks fail.
func (l *AdvisoryLocker) Close() error {
	for _, c := range l.conns {
		c.mu.Lock()
		c.closed = true
		c.drop()
		c.mu.Unlock()
	}
	return nil
}
