package store_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"calsync/internal/store"
	"calsync/internal/testenv"
)

// twoProcesses opens the same fresh PostgreSQL database twice, as two
// Calsync processes would.
func twoProcesses(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("advisory locks need PostgreSQL (DATABASE_URL)")
	}
	url := testenv.FreshPostgres(t)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), store.Options{DatabaseURL: url}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open()
}

func TestAdvisoryLockIsExclusiveAcrossProcesses(t *testing.T) {
	a, b := twoProcesses(t)
	ctx := context.Background()
	unlock, held, err := a.Locker().LockHeld(ctx, "calsync:account-sync-lock:1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !held(ctx) {
		t.Fatal("a lock just taken is not held")
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = b.Locker().Lock(short, "calsync:account-sync-lock:1", time.Minute)
	cancel()
	if err == nil {
		t.Fatal("a second process took a lock that is held")
	}
	for name, l := range map[string]*store.AdvisoryLocker{"another process": b.Locker(), "this process": a.Locker()} {
		if _, _, ok, err := l.TryLockHeld(ctx, "calsync:account-sync-lock:1", time.Minute); err != nil || ok {
			t.Fatalf("%s tried a lock that is held: ok %v, %v", name, ok, err)
		}
	}
	// Another key is free.
	other, _, ok, err := b.Locker().TryLockHeld(ctx, "calsync:account-sync-lock:2", time.Minute)
	if err != nil || !ok {
		t.Fatalf("a free lock could not be taken: ok %v, %v", ok, err)
	}
	other()

	got := make(chan error, 1)
	go func() {
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		u, err := b.Locker().Lock(wait, "calsync:account-sync-lock:1", time.Minute)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	unlock()
	unlock() // twice is harmless
	if err := <-got; err != nil {
		t.Fatalf("the lock was not taken after its release: %v", err)
	}
}

func TestAdvisoryLockIsExclusiveWithinAProcess(t *testing.T) {
	a, _ := twoProcesses(t)
	ctx := context.Background()
	var inside, overlaps atomic.Int32
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 20 {
				unlock, err := a.Locker().Lock(ctx, "k", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				unlock()
			}
		}()
	}
	for range 8 {
		<-done
	}
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("%d times two holders in one process had the same lock", n)
	}
}

// A lock connection PostgreSQL ends takes its locks with it: the holder's
// check turns false, another process may take the lock, and this process
// locks again on a new connection.
func TestAdvisoryLockLostWithItsConnection(t *testing.T) {
	a, b := twoProcesses(t)
	ctx := context.Background()
	unlock, held, err := a.Locker().LockHeld(ctx, "calsync:account-sync-lock:7", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Only this test's database: other packages' tests hold advisory
	// locks on the same server (their migrations, their syncs).
	res, err := b.SQL.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d advisory lock holders found, want 1", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for held(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("the holder's check still says held 10 s after its connection ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	u, err := b.Locker().Lock(wait, "calsync:account-sync-lock:7", time.Minute)
	cancel()
	if err != nil {
		t.Fatalf("another process could not take a lock whose holder's connection ended: %v", err)
	}
	u()
	unlock() // after the loss: nothing to release, no error
	again, held2, err := a.Locker().LockHeld(ctx, "calsync:account-sync-lock:7", time.Minute)
	if err != nil {
		t.Fatalf("locking again after the connection ended: %v", err)
	}
	if !held2(ctx) {
		t.Fatal("a lock taken on the new connection is not held")
	}
	again()
}

// A lock connection PostgreSQL ended while it held nothing (a restart, an
// idle timeout) is replaced at the next lock, which does not fail.
func TestAdvisoryLockAfterIdleConnectionEnded(t *testing.T) {
	a, b := twoProcesses(t)
	ctx := context.Background()
	unlock, err := a.Locker().Lock(ctx, "calsync:account-token:3", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := b.SQL.QueryRowContext(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory'`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, err := b.SQL.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	again, err := a.Locker().Lock(ctx, "calsync:account-token:3", time.Minute)
	if err != nil {
		t.Fatalf("locking after the idle lock connection ended: %v", err)
	}
	again()
}
