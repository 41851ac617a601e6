package store

import (
	"fmt"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/user"
)

// A reader may take what it needs beside an entity's row — an account's
// organization and users, a booking's hosts and creator — as extra columns
// of the same statement (ent's Modify and Value), rather than a query
// each. Each such column is a subselect that never gives NULL (OrEmpty):
// the SQLite driver gives a NULL expression column no scan type, which ent
// cannot scan.

// Selected is an entity read with extra columns.
type Selected interface {
	Value(name string) (ent.Value, error)
}

// OrEmpty is sub, or the empty text when sub finds nothing (COALESCE).
func OrEmpty(sub sql.Querier) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("COALESCE(").Wrap(func(b *sql.Builder) { b.Join(sub) }).WriteString(", '')")
	})
}

// IDList is the aggregate of an integer column as one comma-separated text.
func IDList(d, column string) string {
	if d == dialect.Postgres {
		return "string_agg(" + column + "::text, ',')"
	}
	return "group_concat(" + column + ", ',')"
}

// SelectedText is the text column name selected with e.
func SelectedText(e Selected, name string) (string, error) {
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

// SelectedIDs is the IDList column name selected with e (none when empty).
func SelectedIDs(e Selected, name string) ([]int, error) {
	list, err := SelectedText(e, name)
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

// SelectedBool is the boolean column name selected with e (PostgreSQL
// gives a bool, SQLite an integer).
func SelectedBool(e Selected, name string) (bool, error) {
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

// UsersOfRow is a subselect of the users joined to the outer query's row
// s through join (whose first column is the row's id, second the user's
// id), in the row's organization — all that ent's tenant filter lets the
// edge read — aggregated by agg over the users' table. The outer table has
// id and organization_id columns, as every tenant entity has.
func UsersOfRow(s *sql.Selector, join string, joinColumns []string, agg func(users *sql.SelectTable) string) sql.Querier {
	b := sql.Dialect(s.Dialect())
	j, u := b.Table(join).As("calsync_j"), b.Table(user.Table).As("calsync_u")
	return OrEmpty(b.Select(agg(u)).From(j).Join(u).On(u.C(user.FieldID), j.C(joinColumns[1])).
		Where(sql.And(
			sql.ColumnsEQ(j.C(joinColumns[0]), s.C("id")),
			sql.ColumnsEQ(u.C(user.FieldOrganizationID), s.C("organization_id")),
		)))
}
