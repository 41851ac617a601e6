//go:build unix

package store_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"calsync/internal/store"
)

// TestSQLiteFileModes: the data directory Calsync creates is 0700 and the
// database with its -wal and -shm files 0600, whatever the umask; a
// database file left 0644 by an earlier version is tightened.
func TestSQLiteFileModes(t *testing.T) {
	// umask 0: without explicit modes SQLite would create 0644 files and
	// MkdirAll a 0700 directory only by luck of its argument.
	old := syscall.Umask(0)
	defer syscall.Umask(old)

	mode := func(p string) fs.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	dir := filepath.Join(t.TempDir(), "data", "nested")
	db, err := store.Open(context.Background(), store.Options{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A write in WAL mode creates the -wal and -shm files.
	ctx := newOrg(t, db.Client)
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	if err := db.Client.Booking.Create().SetTitle("x").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mode(dir); got != 0o700 {
		t.Errorf("data directory mode %o, want 700", got)
	}
	path := filepath.Join(dir, "calsync.db")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if got := mode(p); got != 0o600 {
			t.Errorf("%s mode %o, want 600", filepath.Base(p), got)
		}
	}

	// An existing database file with a looser mode is tightened.
	dir2 := t.TempDir()
	path2 := filepath.Join(dir2, "calsync.db")
	if err := os.WriteFile(path2, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db2, err := store.Open(context.Background(), store.Options{DataDir: dir2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got := mode(path2); got != 0o600 {
		t.Errorf("existing database file mode %o, want 600", got)
	}
}
