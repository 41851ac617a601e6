package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"testing"

	"entgo.io/ent/dialect"

	"calsync/ent"
	"calsync/internal/store"
	"calsync/internal/testenv"
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
func openStore(t testing.TB, backend string) (*store.DB, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	return testenv.OpenStore(t, testenv.Backend(backend), slog.New(slog.NewTextHandler(logs, nil))), logs
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
