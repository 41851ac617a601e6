// Package migrations holds Calsync's versioned schema migrations, one
// directory per dialect in Atlas's format (SQL files named
// VERSION_NAME.sql plus the atlas.sum checksums), embedded in the binary,
// and the one way they are planned from the ent schema.
//
// A migration is made by changing ent/schema, running `make generate`
// (go run ./internal/store/migrations/gen, which replays the directory on
// a scratch database and writes what the ent schema adds) and committing
// the new files. internal/store applies them.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"text/template"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	entmigrate "calsync/ent/migrate"
)

//go:embed sqlite postgres
var files embed.FS

// Subdir names the directory of a dialect's migrations.
func Subdir(dialectName string) (string, error) {
	switch dialectName {
	case dialect.SQLite:
		return "sqlite", nil
	case dialect.Postgres:
		return "postgres", nil
	}
	return "", fmt.Errorf("migrations: no migrations for dialect %q", dialectName)
}

// Dir returns the embedded migrations of a dialect (read-only).
func Dir(dialectName string) (migrate.Dir, error) {
	sub, err := Subdir(dialectName)
	if err != nil {
		return nil, err
	}
	f, err := fs.Sub(files, sub)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return FSDir{FS: f}, nil
}

// FSDir is a read-only migrate.Dir over a file system, such as the
// embedded one.
type FSDir struct{ fs.FS }

var _ migrate.Dir = FSDir{}

// ErrReadOnly is returned when a plan would add a file to an FSDir: the
// ent schema and the migration files do not agree.
var ErrReadOnly = errors.New("migrations: directory is read-only")

// WriteFile refuses: embedded migrations are written by the generator only.
func (FSDir) WriteFile(name string, _ []byte) error {
	return fmt.Errorf("%w: would write %s", ErrReadOnly, name)
}

// Files returns the .sql files ordered by name, as migrate.LocalDir does.
func (d FSDir) Files() ([]migrate.File, error) {
	names, err := fs.Glob(d.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]migrate.File, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(d.FS, n)
		if err != nil {
			return nil, fmt.Errorf("migrations: read %s: %w", n, err)
		}
		out = append(out, migrate.NewLocalFile(n, b))
	}
	return out, nil
}

// Checksum computes the directory's sum from its files.
func (d FSDir) Checksum() (migrate.HashFile, error) {
	fs, err := d.Files()
	if err != nil {
		return nil, err
	}
	return migrate.NewHashFile(fs)
}

// Plan replays dir on the clean database behind drv (a dev database) and
// writes into dir, as one file named VERSION_NAME.sql, what the ent schema
// has that the replayed files do not; nothing is written when they agree.
// Drops are planned too, so the files describe exactly the ent schema.
// With a read-only dir (FSDir) a disagreement is an error wrapping
// ErrReadOnly. The dev database is left empty.
func Plan(ctx context.Context, drv dialect.Driver, dir migrate.Dir, version, name string) error {
	fmtr, err := migrate.NewTemplateFormatter(
		template.Must(template.New("name").Parse(version+"_{{ .Name }}.sql")),
		template.Must(template.New("body").Parse(`{{ range .Changes }}{{ with .Comment }}-- {{ println . }}{{ end }}{{ printf "%s;\n" .Cmd }}{{ end }}`)),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	m, err := schema.NewMigrate(drv,
		schema.WithDir(dir),
		schema.WithFormatter(fmtr),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(drv.Dialect()),
		schema.WithForeignKeys(true),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := m.NamedDiff(ctx, name, entmigrate.Tables...); err != nil {
		return fmt.Errorf("migrations: plan %s: %w", drv.Dialect(), err)
	}
	return nil
}
