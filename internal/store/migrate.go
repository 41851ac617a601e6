package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"calsync/ent/migrate"
	"calsync/internal/store/migrations"
)

// RevisionsTable records which migration files a database has applied
// (atlas's revisions, one row a file).
const RevisionsTable = "calsync_schema_revisions"

// migrationLockKey is the PostgreSQL advisory lock replicas take while
// migrating, so that concurrent starts apply each file once.
const migrationLockKey = 0x63616c73796e63 // "calsync"

// querier is a connection or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Migrate brings the schema up to date by applying the embedded migration
// files (internal/store/migrations) not yet recorded in RevisionsTable,
// each in its own transaction on PostgreSQL. A database made by the
// release before versioned migrations (Calsync's tables, no revisions) is
// first checked against the baseline file, brought to it where it only
// lacks something, and marked as at the baseline. On PostgreSQL the whole
// run holds an advisory lock: replicas starting together wait for each
// other and find nothing left to do.
func (d *DB) Migrate(ctx context.Context) error {
	if err := d.applyMigrations(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := d.repairOffsetTimes(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

func (d *DB) applyMigrations(ctx context.Context) error {
	dir, err := migrations.Dir(d.Dialect)
	if err != nil {
		return err
	}
	// One connection: the advisory lock belongs to it, and SQLite's
	// PRAGMA foreign_keys (which table rebuilds switch off) is per
	// connection.
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.Dialect == dialect.SQLite {
		// A file that rebuilds a table switches foreign keys off and back
		// on; one that fails between must not hand the pool a connection
		// that no longer enforces them.
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on")
	}
	if d.Dialect == dialect.Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}
	revs := &revisions{q: conn, dialect: d.Dialect}
	if err := revs.create(ctx); err != nil {
		return err
	}
	applied, err := revs.ReadRevisions(ctx)
	if err != nil {
		return err
	}
	// Without revisions the tables are either absent (a new database:
	// every file applies; tables of other programs are tolerated, as the
	// auto-migration did) or the previous release's.
	opts := []atlasmigrate.ExecutorOption{atlasmigrate.WithAllowDirty(true)}
	if len(applied) == 0 {
		legacy, err := d.hasCalsyncTables(ctx, conn)
		if err != nil {
			return err
		}
		if legacy {
			baseline, err := d.adoptPreviousRelease(ctx, conn, dir)
			if err != nil {
				return err
			}
			opts = []atlasmigrate.ExecutorOption{atlasmigrate.WithBaselineVersion(baseline)}
		}
	}
	for {
		n, err := d.applyNext(ctx, conn, dir, opts)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		// The baseline, if any, is recorded: later runs go on from the
		// revisions.
		opts = []atlasmigrate.ExecutorOption{atlasmigrate.WithAllowDirty(true)}
	}
}

// applyNext applies the next pending file, in a transaction on
// PostgreSQL (SQLite runs the file on the connection: a table rebuild's
// PRAGMA foreign_keys=off does nothing inside a transaction). It returns
// how many files it applied.
func (d *DB) applyNext(ctx context.Context, conn *sql.Conn, dir atlasmigrate.Dir, opts []atlasmigrate.ExecutorOption) (int, error) {
	var (
		q   querier = conn
		tx  *sql.Tx
		err error
	)
	if d.Dialect == dialect.Postgres {
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return 0, err
		}
		defer tx.Rollback()
		q = tx
	}
	drv, err := atlasDriver(d.Dialect, q)
	if err != nil {
		return 0, err
	}
	ex, err := atlasmigrate.NewExecutor(drv, dir, &revisions{q: q, dialect: d.Dialect}, opts...)
	if err != nil {
		return 0, err
	}
	n := 1
	pending, err := ex.Pending(ctx)
	switch {
	case errors.Is(err, atlasmigrate.ErrNoPendingFiles):
		n = 0 // a baseline revision may have been written: commit it
	case err != nil:
		return 0, err
	default:
		if err := ex.Execute(ctx, pending[0]); err != nil {
			return 0, err
		}
		d.log.Info("store: applied migration", slog.String("version", pending[0].Version()), slog.String("name", pending[0].Desc()))
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func atlasDriver(dialectName string, q querier) (atlasmigrate.Driver, error) {
	if dialectName == dialect.Postgres {
		return postgres.Open(q)
	}
	return sqlite.Open(q)
}

// hasCalsyncTables reports whether any table of the ent schema exists.
func (d *DB) hasCalsyncTables(ctx context.Context, q querier) (bool, error) {
	names := make([]any, len(migrate.Tables))
	marks := make([]string, len(migrate.Tables))
	for i, t := range migrate.Tables {
		names[i] = t.Name
		marks[i] = d.placeholder(i + 1)
	}
	query := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (" + strings.Join(marks, ", ") + ")"
	if d.Dialect == dialect.Postgres {
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (" + strings.Join(marks, ", ") + ")"
	}
	var n int
	if err := queryRow(ctx, q, query, names...).Scan(&n); err != nil {
		return false, fmt.Errorf("look for tables: %w", err)
	}
	return n > 0, nil
}

// adoptPreviousRelease compares a database made by the previous release's
// auto-migration with the baseline migration file. What the database
// lacks is added (what that release's auto-migration would have done);
// anything else that differs stops the migration. It returns the
// baseline's version, to be recorded as applied.
func (d *DB) adoptPreviousRelease(ctx context.Context, conn *sql.Conn, dir atlasmigrate.Dir) (string, error) {
	files, err := dir.Files()
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", errors.New("no baseline migration")
	}
	baseline := files[0]
	want, err := d.baselineSchema(ctx, baseline)
	if err != nil {
		return "", fmt.Errorf("baseline: %w", err)
	}
	drv, err := atlasDriver(d.Dialect, conn)
	if err != nil {
		return "", err
	}
	names := make([]string, len(want.Tables))
	for i, t := range want.Tables {
		names[i] = t.Name
	}
	have, err := drv.InspectSchema(ctx, "", &atlasschema.InspectOptions{Tables: names})
	if err != nil {
		return "", fmt.Errorf("inspect: %w", err)
	}
	want.Name, want.Attrs = have.Name, have.Attrs
	changes, err := drv.SchemaDiff(have, want)
	if err != nil {
		return "", fmt.Errorf("compare with the baseline: %w", err)
	}
	if len(changes) == 0 {
		d.log.Info("store: database of the previous release marked at the baseline migration", slog.String("version", baseline.Version()))
		return baseline.Version(), nil
	}
	if bad := notAdditive(changes); len(bad) > 0 {
		return "", fmt.Errorf("the database differs from the baseline migration %s in ways Calsync will not change itself: %s", baseline.Name(), strings.Join(bad, "; "))
	}
	if err := drv.ApplyChanges(ctx, changes); err != nil {
		return "", fmt.Errorf("bring to the baseline: %w", err)
	}
	d.log.Warn("store: database of an earlier release brought to the baseline migration", slog.String("version", baseline.Version()), slog.Int("changes", len(changes)))
	return baseline.Version(), nil
}

// notAdditive describes the changes that remove or alter something.
func notAdditive(changes []atlasschema.Change) []string {
	var bad []string
	for _, c := range changes {
		switch c := c.(type) {
		case *atlasschema.AddTable:
		case *atlasschema.ModifyTable:
			for _, tc := range c.Changes {
				switch tc.(type) {
				case *atlasschema.AddColumn, *atlasschema.AddIndex, *atlasschema.AddForeignKey, *atlasschema.AddCheck:
				default:
					bad = append(bad, fmt.Sprintf("table %s: %T", c.T.Name, tc))
				}
			}
		default:
			bad = append(bad, fmt.Sprintf("%T", c))
		}
	}
	return bad
}

// baselineSchema is the schema the baseline file makes, built on a scratch
// database: an in-memory SQLite, or on PostgreSQL a schema in a
// transaction that is rolled back.
func (d *DB) baselineSchema(ctx context.Context, f atlasmigrate.File) (*atlasschema.Schema, error) {
	stmts, err := f.Stmts()
	if err != nil {
		return nil, err
	}
	if d.Dialect != dialect.Postgres {
		dev, err := sql.Open("sqlite", "file:baseline?mode=memory&_pragma=foreign_keys(1)")
		if err != nil {
			return nil, err
		}
		defer dev.Close()
		dev.SetMaxOpenConns(1)
		for _, s := range stmts {
			if _, err := dev.ExecContext(ctx, s); err != nil {
				return nil, err
			}
		}
		drv, err := sqlite.Open(dev)
		if err != nil {
			return nil, err
		}
		return drv.InspectSchema(ctx, "", nil)
	}
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	const scratch = "calsync_baseline_check"
	for _, s := range append([]string{"CREATE SCHEMA " + scratch, "SET LOCAL search_path TO " + scratch}, stmts...) {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return nil, err
		}
	}
	drv, err := postgres.Open(tx)
	if err != nil {
		return nil, err
	}
	return drv.InspectSchema(ctx, scratch, nil)
}

// revisions is atlas's RevisionReadWriter on RevisionsTable.
type revisions struct {
	q       querier
	dialect string
}

var _ atlasmigrate.RevisionReadWriter = (*revisions)(nil)

func (d *DB) placeholder(i int) string { return placeholder(d.Dialect, i) }

func placeholder(dialectName string, i int) string {
	if dialectName == dialect.Postgres {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

func queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	switch q := q.(type) {
	case *sql.Conn:
		return q.QueryRowContext(ctx, query, args...)
	case *sql.Tx:
		return q.QueryRowContext(ctx, query, args...)
	}
	panic("store: unknown querier")
}

func (r *revisions) create(ctx context.Context) error {
	ts := "datetime"
	if r.dialect == dialect.Postgres {
		ts = "timestamptz"
	}
	_, err := r.q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+RevisionsTable+` (
	version text NOT NULL PRIMARY KEY,
	description text NOT NULL,
	type integer NOT NULL,
	applied integer NOT NULL,
	total integer NOT NULL,
	executed_at `+ts+` NOT NULL,
	execution_time bigint NOT NULL,
	error text NOT NULL,
	error_stmt text NOT NULL,
	hash text NOT NULL,
	partial_hashes text NOT NULL,
	operator_version text NOT NULL
)`)
	if err != nil {
		return fmt.Errorf("create %s: %w", RevisionsTable, err)
	}
	return nil
}

// Ident names the table, which atlas leaves out of its checks.
func (r *revisions) Ident() *atlasmigrate.TableIdent {
	return &atlasmigrate.TableIdent{Name: RevisionsTable}
}

const revisionColumns = "version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version"

// ReadRevisions returns the revisions by version.
func (r *revisions) ReadRevisions(ctx context.Context) ([]*atlasmigrate.Revision, error) {
	rows, err := r.q.QueryContext(ctx, "SELECT "+revisionColumns+" FROM "+RevisionsTable+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("read revisions: %w", err)
	}
	defer rows.Close()
	var out []*atlasmigrate.Revision
	for rows.Next() {
		rev, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rev)
	}
	return out, rows.Err()
}

// ReadRevision returns one revision, or atlas's ErrRevisionNotExist.
func (r *revisions) ReadRevision(ctx context.Context, version string) (*atlasmigrate.Revision, error) {
	rows, err := r.q.QueryContext(ctx, "SELECT "+revisionColumns+" FROM "+RevisionsTable+" WHERE version = "+placeholder(r.dialect, 1), version)
	if err != nil {
		return nil, fmt.Errorf("read revision: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, atlasmigrate.ErrRevisionNotExist
	}
	return scanRevision(rows)
}

func scanRevision(rows *sql.Rows) (*atlasmigrate.Revision, error) {
	var (
		rev    atlasmigrate.Revision
		typ    uint
		nanos  int64
		hashes string
	)
	if err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt,
		&nanos, &rev.Error, &rev.ErrorStmt, &rev.Hash, &hashes, &rev.OperatorVersion); err != nil {
		return nil, fmt.Errorf("read revision: %w", err)
	}
	rev.Type = atlasmigrate.RevisionType(typ)
	rev.ExecutionTime = time.Duration(nanos)
	if err := json.Unmarshal([]byte(hashes), &rev.PartialHashes); err != nil {
		return nil, fmt.Errorf("read revision %s: %w", rev.Version, err)
	}
	return &rev, nil
}

// WriteRevision inserts or updates a revision.
func (r *revisions) WriteRevision(ctx context.Context, rev *atlasmigrate.Revision) error {
	hashes, err := json.Marshal(rev.PartialHashes)
	if err != nil {
		return err
	}
	if rev.PartialHashes == nil {
		hashes = []byte("[]")
	}
	marks := make([]string, 12)
	for i := range marks {
		marks[i] = placeholder(r.dialect, i+1)
	}
	_, err = r.q.ExecContext(ctx, "INSERT INTO "+RevisionsTable+" ("+revisionColumns+") VALUES ("+strings.Join(marks, ", ")+`)
	ON CONFLICT (version) DO UPDATE SET description = excluded.description, type = excluded.type,
	applied = excluded.applied, total = excluded.total, executed_at = excluded.executed_at,
	execution_time = excluded.execution_time, error = excluded.error, error_stmt = excluded.error_stmt,
	hash = excluded.hash, partial_hashes = excluded.partial_hashes, operator_version = excluded.operator_version`,
		rev.Version, rev.Description, uint(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt.UTC(),
		int64(rev.ExecutionTime), rev.Error, rev.ErrorStmt, rev.Hash, string(hashes), rev.OperatorVersion)
	if err != nil {
		return fmt.Errorf("write revision %s: %w", rev.Version, err)
	}
	return nil
}

// DeleteRevision removes a revision.
func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	if _, err := r.q.ExecContext(ctx, "DELETE FROM "+RevisionsTable+" WHERE version = "+placeholder(r.dialect, 1), version); err != nil {
		return fmt.Errorf("delete revision %s: %w", version, err)
	}
	return nil
}
