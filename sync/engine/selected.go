package engine

import (
	"encoding/json"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/store"
)

// A sync reads what it needs beside an entity's row — its account's
// organization, settings and users, a booking's hosts and creator — as
// extra columns of the same statement (store.SelectedText and the like).

// usersColumn is an account's users in its organization, as a JSON array
// of their ids, names and active flags, selected with it (WithUsers).
const usersColumn = "calsync_users"

// WithUsers selects, with each account, its users in its organization (all
// that ent's tenant filter lets WithUsers read) as far as a sync and a read
// use them: their ids, names and active flags — in the account's own
// statement, where ent's WithUsers is a statement of its own. UsersFromRow
// puts them in the account's users edge.
func WithUsers(s *sql.Selector) {
	s.AppendSelectExprAs(store.UsersOfRow(s, calendaraccount.UsersTable, calendaraccount.UsersPrimaryKey, func(u *sql.SelectTable) string {
		if s.Dialect() == dialect.Postgres {
			return fmt.Sprintf("json_agg(json_build_object('id', %s, 'name', %s, 'active', %s))::text",
				u.C(user.FieldID), u.C(user.FieldName), u.C(user.FieldActive))
		}
		return fmt.Sprintf("json_group_array(json_object('id', %s, 'name', %s, 'active', %s))",
			u.C(user.FieldID), u.C(user.FieldName), u.C(user.FieldActive))
	}), usersColumn)
}

// UsersFromRow sets a's users edge from the users selected with it
// (WithUsers): users holding their ids, names, active flags and
// organization only, for syncing and reading.
func UsersFromRow(a *ent.CalendarAccount) error {
	list, err := store.SelectedText(a, usersColumn)
	if err != nil {
		return fmt.Errorf("engine: account %d's users: %w", a.ID, err)
	}
	var rows []struct {
		ID     int             `json:"id"`
		Name   string          `json:"name"`
		Active json.RawMessage `json:"active"` // PostgreSQL: true or false; SQLite: 1 or 0
	}
	if list != "" {
		if err := json.Unmarshal([]byte(list), &rows); err != nil {
			return fmt.Errorf("engine: account %d's users: %w", a.ID, err)
		}
	}
	users := make([]*ent.User, 0, len(rows))
	for _, r := range rows {
		var active bool
		switch string(r.Active) {
		case "true", "1":
			active = true
		case "false", "0":
		default:
			return fmt.Errorf("engine: account %d's user %d: active is %s", a.ID, r.ID, r.Active)
		}
		users = append(users, &ent.User{ID: r.ID, OrganizationID: a.OrganizationID, Name: r.Name, Active: active})
	}
	a.Edges.Users = users
	return nil
}
