package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"entgo.io/ent/dialect"

	"calsync/ent"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// backends are SQLite always and PostgreSQL when DATABASE_URL is set.
func backends() []string {
	if os.Getenv("DATABASE_URL") != "" {
		return []string{dialect.SQLite, dialect.Postgres}
	}
	return []string{dialect.SQLite}
}

// openStore opens and migrates a fresh database: a SQLite file in a
// temporary directory, or a new PostgreSQL database dropped afterwards.
// What Migrate logs goes to the returned buffer.
func openStore(t *testing.T, backend string) (*store.DB, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	o := store.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if backend == dialect.Postgres {
		o.DatabaseURL = freshPostgres(t)
	}
	db, err := store.Open(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, logs
}

func freshPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "calsync_store_t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// newOrg creates an organization and returns a context acting for it.
func newOrg(t *testing.T, client *ent.Client) context.Context {
	t.Helper()
	org, err := client.Organization.Create().SetName("Store").SetSlug("store").
		Save(viewer.AllTenantsContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return viewer.SystemContext(context.Background(), org.ID)
}
