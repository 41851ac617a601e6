// Package store opens the database (SQLite by default, PostgreSQL when a
// URL is given) and applies the schema.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"calsync/ent"
	_ "calsync/ent/runtime" // registers privacy policies and hooks: without it nothing is enforced
)

// Options selects the database.
type Options struct {
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds calsync.db when DatabaseURL is empty.
	DataDir string
	// MaxConns bounds the PostgreSQL pool (0: 25). Every connection is
	// kept for reuse: opening one costs a server process and round trips.
	MaxConns int
	// Debug logs every SQL statement through ent.
	Debug bool
	// Logger receives what Migrate repairs; nil means slog.Default().
	Logger *slog.Logger
}

// DB is an open database with its ent client.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string

	log *slog.Logger
	// drv is the ent client's driver (wrapped as the client's is).
	drv dialect.Driver
	// dsn is the PostgreSQL URL (empty for SQLite), for the lock
	// connection.
	dsn      string
	lockOnce sync.Once
	locker   *AdvisoryLocker
}

// Open connects to the database. It does not migrate.
func Open(ctx context.Context, o Options, driverWrap func(dialect.Driver) dialect.Driver) (*DB, error) {
	var (
		db          *sql.DB
		dialectName string
		err         error
	)
	switch {
	case o.DatabaseURL != "":
		u, perr := url.Parse(o.DatabaseURL)
		if perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("store: DATABASE_URL must be a postgres:// URL")
		}
		db, err = openPostgres(o.DatabaseURL)
		dialectName = dialect.Postgres
		if err == nil {
			n := o.MaxConns
			if n <= 0 {
				n = 25
			}
			// database/sql keeps 2 idle connections by default: under
			// load every other transaction opened a new connection, and
			// nothing bounded them below the server's max_connections.
			db.SetMaxOpenConns(n)
			db.SetMaxIdleConns(n)
			db.SetConnMaxIdleTime(5 * time.Minute)
			db.SetConnMaxLifetime(time.Hour)
		}
	default:
		if o.DataDir == "" {
			return nil, fmt.Errorf("store: no DATABASE_URL and no data directory")
		}
		path := filepath.Join(o.DataDir, "calsync.db")
		if err := prepareSQLiteFile(o.DataDir, path); err != nil {
			return nil, err
		}
		db, err = openSQLite(SQLiteDSN(path))
		dialectName = dialect.SQLite
		if err == nil {
			// WAL lets readers run beside the one writer; immediate
			// transactions plus busy_timeout make writers queue instead
			// of failing with SQLITE_BUSY.
			db.SetMaxOpenConns(8)
			// Kept open: database/sql keeps 2 idle by default, so under
			// load connections were opened and closed all the time (each
			// open sets the pragmas up, and loses its prepared statements).
			db.SetMaxIdleConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	detached := &detachedDriver{db: db, dialect: dialectName}
	if dialectName == dialect.SQLite {
		detached.gate = newWriteGate()
	}
	var drv dialect.Driver = detached
	if dialectName == dialect.SQLite {
		// PostgreSQL stores instants (timestamptz): only SQLite's text
		// needs every time parameter in UTC.
		drv = utcDriver{detached}
	}
	if driverWrap != nil {
		drv = driverWrap(drv)
	}
	opts := []ent.Option{ent.Driver(drv)}
	if o.Debug {
		opts = append(opts, ent.Debug())
	}
	client := ent.NewClient(opts...)
	// First, so the hooks registered after it (audit) and the schema's
	// own hooks see the times as they will be stored.
	client.Use(utcHook)
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &DB{Client: client, SQL: db, Dialect: dialectName, log: log, drv: drv, dsn: o.DatabaseURL}, nil
}

// openSQLite opens the pool through the statement cache (stmtConnector).
func openSQLite(dsn string) (*sql.DB, error) {
	base, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	drv := base.Driver()
	if err := base.Close(); err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtConnector{dsn: dsn, drv: drv}), nil
}

// deadPeerAfter bounds how long a PostgreSQL connection waits for the
// server to acknowledge what it sent before it fails (Linux).
const deadPeerAfter = 30 * time.Second

// openPostgres opens the pool with timestamptz values read back in UTC,
// as SQLite's are, instead of in the process's local zone.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// A dead server is noticed within about deadPeerAfter plus the
	// keep-alive idle time, whatever the statement's context.
	cfg.DialFunc = (&net.Dialer{
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3},
		Control:         boundDeadPeer,
	}).DialContext
	return stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	})), nil
}

// prepareSQLiteFile makes the data directory (0700) and the database file
// (0600) before SQLite opens it: SQLite would create the file 0644 less
// the umask, and it gives the -wal and -shm files the database file's
// mode. The modes are set explicitly, so no umask changes them. An
// existing database file is tightened to 0600; an existing directory is
// the operator's and is left as it is.
func prepareSQLiteFile(dir, path string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("store: data directory: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("store: data directory: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("store: data directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: database file: %w", err)
	}
	// Files left by an earlier run may carry the old 0644.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm() != 0o600 {
			err = os.Chmod(p, 0o600)
		}
		if err != nil {
			return fmt.Errorf("store: database file: %w", err)
		}
	}
	return nil
}

// SQLiteDSN is the modernc.org/sqlite DSN with foreign keys, WAL and a busy
// timeout.
func SQLiteDSN(path string) string {
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	return path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate"
}

// Close closes the client and the pool.
func (d *DB) Close() error {
	d.lockOnce.Do(func() {}) // no locker made from here on
	if d.locker != nil {
		_ = d.locker.Close()
	}
	return d.Client.Close()
}
