// Package store opens the database (SQLite by default, PostgreSQL when a
// URL is given) and applies the schema.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"calsync/ent"
	"calsync/ent/migrate"
	_ "calsync/ent/runtime" // registers privacy policies and hooks: without it nothing is enforced
)

// Options selects the database.
type Options struct {
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds calsync.db when DatabaseURL is empty.
	DataDir string
	// Debug logs every SQL statement through ent.
	Debug bool
}

// DB is an open database with its ent client.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string
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
		db, err = sql.Open("pgx", o.DatabaseURL)
		dialectName = dialect.Postgres
	default:
		if o.DataDir == "" {
			return nil, fmt.Errorf("store: no DATABASE_URL and no data directory")
		}
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("store: data directory: %w", err)
		}
		path := filepath.Join(o.DataDir, "calsync.db")
		db, err = sql.Open("sqlite", SQLiteDSN(path))
		dialectName = dialect.SQLite
		if err == nil {
			// WAL lets readers run beside the one writer; immediate
			// transactions plus busy_timeout make writers queue instead
			// of failing with SQLITE_BUSY.
			db.SetMaxOpenConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	var drv dialect.Driver = entsql.OpenDB(dialectName, db)
	if driverWrap != nil {
		drv = driverWrap(drv)
	}
	opts := []ent.Option{ent.Driver(drv)}
	if o.Debug {
		opts = append(opts, ent.Debug())
	}
	return &DB{Client: ent.NewClient(opts...), SQL: db, Dialect: dialectName}, nil
}

// SQLiteDSN is the modernc.org/sqlite DSN with foreign keys, WAL and a busy
// timeout.
func SQLiteDSN(path string) string {
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	return path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate"
}

// Migrate brings the schema up to date. It only adds: columns and tables
// are never dropped automatically.
func (d *DB) Migrate(ctx context.Context) error {
	if err := d.Client.Schema.Create(ctx, migrate.WithForeignKeys(true)); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Close closes the client and the pool.
func (d *DB) Close() error { return d.Client.Close() }
