package engine

import (
	"fmt"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"calsync/ent"
)

// A sync reads what it needs beside an entity's row — its account's
// organization and settings, a booking's hosts and creator — as extra
// columns of the same statement (ent's Modify), rather than a query each.
// Each is a subselect that never gives NULL (orEmpty): the SQLite driver
// gives a NULL expression column no scan type, which ent cannot scan.

// selectedFrom is an entity read with extra columns.
type selectedFrom interface {
	Value(name string) (ent.Value, error)
}

// orEmpty is sub, or the empty text when sub finds nothing (COALESCE).
func orEmpty(sub sql.Querier) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("COALESCE(").Wrap(func(b *sql.Builder) { b.Join(sub) }).WriteString(", '')")
	})
}

// idList is the aggregate of an integer column as one comma-separated text.
func idList(d, column string) string {
	if d == dialect.Postgres {
		return "string_agg(" + column + "::text, ',')"
	}
	return "group_concat(" + column + ", ',')"
}

// selectedText is the text column name selected with e.
func selectedText(e selectedFrom, name string) (string, error) {
	v, err := e.Value(name)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("column %s: unexpected %T", name, v)
}

// selectedIDs is the idList column name selected with e (none when empty).
func selectedIDs(e selectedFrom, name string) ([]int, error) {
	list, err := selectedText(e, name)
	if err != nil || list == "" {
		return nil, err
	}
	fields := strings.Split(list, ",")
	ids := make([]int, len(fields))
	for i, f := range fields {
		if ids[i], err = strconv.Atoi(f); err != nil {
			return nil, fmt.Errorf("column %s: %q is not an id", name, f)
		}
	}
	return ids, nil
}

// selectedBool is the boolean column name selected with e (PostgreSQL
// gives a bool, SQLite an integer).
func selectedBool(e selectedFrom, name string) (bool, error) {
	v, err := e.Value(name)
	if err != nil {
		return false, err
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	}
	return false, fmt.Errorf("column %s: unexpected %T", name, v)
}
