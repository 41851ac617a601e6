package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"calsync/ent/booking"
	entmigrate "calsync/ent/migrate"
	"calsync/internal/store"
	"calsync/internal/store/migrations"
	"calsync/internal/testenv"
)

// openUnmigrated opens a fresh, empty database without migrating it.
func openUnmigrated(t *testing.T, backend string) *store.DB {
	t.Helper()
	db, _ := openUnmigratedAt(t, backend, "")
	return db
}

// openUnmigratedAt opens the database at url (a new one when empty) and
// returns it with its URL (empty for SQLite).
func openUnmigratedAt(t *testing.T, backend, url string) (*store.DB, string) {
	t.Helper()
	o := store.Options{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	if backend == dialect.Postgres {
		if url == "" {
			url = testenv.FreshPostgres(t)
		}
		o.DatabaseURL = url
	}
	db, err := store.Open(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, url
}

// migrationFiles are the versions of the embedded files of a dialect.
// previousRelease builds the schema the release before versioned
// migrations left: the baseline's statements, without a revisions table.
func previousRelease(t *testing.T, db *store.DB, backend string) {
	t.Helper()
	stmts, err := migrationDir(t, backend)[0].Stmts()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.SQL.Exec(q); err != nil {
			t.Fatalf("baseline: %v\n%s", err, q)
		}
	}
}

// migrationDir is the backend's embedded migration files, in order.
func migrationDir(t *testing.T, backend string) []migrate.File {
	t.Helper()
	dir, err := migrations.Dir(backend)
	if err != nil {
		t.Fatal(err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func migrationFiles(t *testing.T, backend string) []string {
	t.Helper()
	var versions []string
	for _, f := range migrationDir(t, backend) {
		versions = append(versions, f.Version())
	}
	return versions
}

type revision struct {
	version string
	typ     int
}

func readRevisions(t *testing.T, db *store.DB) []revision {
	t.Helper()
	rows, err := db.SQL.Query("SELECT version, type FROM " + store.RevisionsTable + " ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []revision
	for rows.Next() {
		var r revision
		if err := rows.Scan(&r.version, &r.typ); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Atlas's revision types.
const (
	revBaseline = 1
	revExecuted = 2
)

// TestMigrationFilesMatchSchema: replaying the committed migration files on
// an empty database gives exactly the ent schema (no change planned, drops
// included), and a database made by Migrate leaves ent's auto-migration
// nothing to add.
func TestMigrationFilesMatchSchema(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dev := openUnmigrated(t, backend)
			dir, err := migrations.Dir(backend)
			if err != nil {
				t.Fatal(err)
			}
			err = migrations.Plan(ctx, entsql.OpenDB(backend, dev.SQL), dir, "0", "drift")
			if errors.Is(err, migrations.ErrReadOnly) {
				t.Fatalf("the ent schema and the migration files differ; run make generate and commit: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}

			db, _ := openStore(t, backend)
			var plan bytes.Buffer
			if err := db.Client.Schema.WriteTo(ctx, &plan, entmigrate.WithForeignKeys(true)); err != nil {
				t.Fatal(err)
			}
			if s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(plan.String()), "BEGIN;")); s != "COMMIT;" && s != "" {
				t.Errorf("after Migrate the auto-migration would still run:\n%s", plan.String())
			}
			var want []revision
			for _, v := range migrationFiles(t, backend) {
				want = append(want, revision{v, revExecuted})
			}
			if got := readRevisions(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("revisions %v, want %v", got, want)
			}
		})
	}
}

// TestMigrateUpgradesPreviousRelease: a database made by the previous
// release (ent's auto-migration, no revisions) keeps its organization,
// user and booking, is recorded at the baseline with the later files
// applied, and takes new rows in its tables' id ranges. One the previous
// release's own auto-migration left behind (an index missing) is brought to
// the baseline; one changed by hand in a way Calsync will not undo (an
// extra column) stops the migration, untouched.
func TestMigrateUpgradesPreviousRelease(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string // SQL run on the old database before upgrading
		wantErr string
	}{
		{name: "as made"},
		{name: "index missing", tamper: "DROP INDEX auditevent_organization_id_created_at"},
		{name: "extra column", tamper: "ALTER TABLE users ADD COLUMN nickname text", wantErr: "will not change itself"},
	}
	for _, backend := range backends() {
		for _, c := range cases {
			t.Run(backend+"/"+c.name, func(t *testing.T) {
				db := openUnmigrated(t, backend)
				// What the previous release's auto-migration made: the
				// baseline, which was taken from it.
				previousRelease(t, db, backend)
				ctx := newOrg(t, db.Client)
				u, err := db.Client.User.Create().SetEmail("ann@example.com").SetName("Ann").Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
				b, err := db.Client.Booking.Create().SetTitle("kept").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if c.tamper != "" {
					if _, err := db.SQL.Exec(c.tamper); err != nil {
						t.Fatal(err)
					}
				}

				err = db.Migrate(context.Background())
				if c.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.wantErr) {
						t.Fatalf("Migrate: %v, want an error saying %q", err, c.wantErr)
					}
					if got := readRevisions(t, db); len(got) != 0 {
						t.Errorf("revisions %v after a refused upgrade, want none", got)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}

				files := migrationFiles(t, backend)
				want := []revision{{files[0], revBaseline}}
				for _, v := range files[1:] {
					want = append(want, revision{v, revExecuted})
				}
				if got := readRevisions(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("revisions %v, want %v", got, want)
				}
				gotU, err := db.Client.User.Get(ctx, u.ID)
				if err != nil || gotU.Email != "ann@example.com" || gotU.Name != "Ann" {
					t.Errorf("user after upgrade: %+v, %v", gotU, err)
				}
				gotB, err := db.Client.Booking.Get(ctx, b.ID)
				if err != nil || gotB.Title != "kept" || !gotB.StartAt.Equal(start) || !gotB.EndAt.Equal(start.Add(time.Hour)) {
					t.Errorf("booking after upgrade: %+v, %v", gotB, err)
				}
				if n := db.Client.Organization.Query().CountX(ctx); n != 1 {
					t.Errorf("%d organizations, want 1", n)
				}
				if c.tamper != "" {
					var plan bytes.Buffer
					if err := db.Client.Schema.WriteTo(context.Background(), &plan, entmigrate.WithForeignKeys(true)); err != nil {
						t.Fatal(err)
					}
					if strings.Contains(plan.String(), "auditevent_organization_id_created_at") {
						t.Errorf("the missing index was not restored:\n%s", plan.String())
					}
				}
				next, err := db.Client.Booking.Create().SetTitle("new").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if next.ID <= b.ID || next.ID>>32 != b.ID>>32 {
					t.Errorf("new booking id %d, want after %d in the bookings range", next.ID, b.ID)
				}
				if n := db.Client.Booking.Query().Where(booking.TitleIn("kept", "new")).CountX(ctx); n != 2 {
					t.Errorf("%d bookings, want 2", n)
				}

				// A second start finds nothing to do.
				if err := db.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := readRevisions(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("revisions after a second Migrate %v, want %v", got, want)
				}
			})
		}
	}
}

// TestMigrateConcurrentReplicas: replicas starting together on one
// PostgreSQL database all succeed, and each file is applied once.
func TestMigrateConcurrentReplicas(t *testing.T) {
	if !strings.Contains(strings.Join(backends(), ","), dialect.Postgres) {
		t.Skip("replicas need PostgreSQL: set DATABASE_URL")
	}
	_, url := openUnmigratedAt(t, dialect.Postgres, "")
	const replicas = 4
	dbs := make([]*store.DB, replicas)
	for i := range dbs {
		dbs[i], _ = openUnmigratedAt(t, dialect.Postgres, url)
	}
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Migrate(context.Background())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	var want []revision
	for _, v := range migrationFiles(t, dialect.Postgres) {
		want = append(want, revision{v, revExecuted})
	}
	if got := readRevisions(t, dbs[0]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("revisions %v, want %v", got, want)
	}
}
