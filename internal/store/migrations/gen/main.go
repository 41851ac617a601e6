// Command gen writes the migration that brings each dialect's migration
// directory (internal/store/migrations/{sqlite,postgres}) to the ent
// schema, replaying the directory on a dev database first: an in-memory
// SQLite, and a scratch database made (and dropped) on the PostgreSQL
// server named by CALSYNC_DEV_DATABASE_URL, else DATABASE_URL, else the
// local test server. Nothing is written when the files already agree
// with the schema, so `make generate` is idempotent.
//
//	go run ./internal/store/migrations/gen -name add_booking_notes
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"calsync/internal/store/migrations"
)

func main() {
	name := flag.String("name", "changes", "what the new migration does, in snake_case (its file name)")
	root := flag.String("dir", "internal/store/migrations", "the migrations directory")
	flag.Parse()
	ctx := context.Background()
	version := time.Now().UTC().Format("20060102150405")
	if err := run(ctx, *root, version, *name); err != nil {
		log.Fatalf("migrations/gen: %v", err)
	}
}

// run plans every dialect in a scratch copy of its directory and copies
// the results back only when all succeeded: a failure leaves no dialect
// with a migration the other lacks.
func run(ctx context.Context, root, version, name string) error {
	scratch, err := os.MkdirTemp("", "calsync-migrations-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	dialects := []string{dialect.SQLite, dialect.Postgres}
	for _, d := range dialects {
		sub, err := migrations.Subdir(d)
		if err != nil {
			return err
		}
		if err := os.CopyFS(filepath.Join(scratch, sub), os.DirFS(filepath.Join(root, sub))); err != nil {
			return err
		}
		dir, err := migrate.NewLocalDir(filepath.Join(scratch, sub))
		if err != nil {
			return err
		}
		drv, done, err := devDatabase(ctx, d)
		if err != nil {
			return err
		}
		err = migrations.Plan(ctx, drv, dir, version, name)
		done()
		if err != nil {
			return err
		}
	}
	for _, d := range dialects {
		sub, _ := migrations.Subdir(d)
		entries, err := os.ReadDir(filepath.Join(scratch, sub))
		if err != nil {
			return err
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(scratch, sub, e.Name()))
			if err != nil {
				return err
			}
			dst := filepath.Join(root, sub, e.Name())
			if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, b) {
				continue
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				return err
			}
			fmt.Println("wrote", dst)
		}
	}
	return nil
}

// devDatabase opens an empty database of the dialect; done drops it.
func devDatabase(ctx context.Context, d string) (dialect.Driver, func(), error) {
	if d == dialect.SQLite {
		db, err := sql.Open("sqlite", "file:dev?mode=memory&_pragma=foreign_keys(1)")
		if err != nil {
			return nil, nil, err
		}
		db.SetMaxOpenConns(1) // one connection: one in-memory database
		return entsql.OpenDB(dialect.SQLite, db), func() { db.Close() }, nil
	}
	base := os.Getenv("CALSYNC_DEV_DATABASE_URL")
	if base == "" {
		base = os.Getenv("DATABASE_URL")
	}
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	scratch := "calsync_migrations_dev_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+scratch); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("postgres dev database (set CALSYNC_DEV_DATABASE_URL): %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return nil, nil, err
	}
	u.Path = "/" + scratch
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		admin.Close()
		return nil, nil, err
	}
	return entsql.OpenDB(dialect.Postgres, db), func() {
		db.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+scratch+" WITH (FORCE)"); err != nil {
			log.Printf("migrations/gen: drop %s: %v", scratch, err)
		}
		admin.Close()
	}, nil
}
