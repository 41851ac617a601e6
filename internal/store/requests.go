package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/predicate"
)

// Sync requests are counted and handled on every booking change, so their
// bookkeeping is written as single statements with RETURNING: ent's
// UpdateOne reads the row back with a second statement, and reading the
// counts again after an update is a third.

// AccountSelection names the calendar accounts a request is counted for:
// IDs, or those Where selects (ent predicates; at least one).
type AccountSelection struct {
	IDs   []int
	Where []predicate.CalendarAccount
}

// RequestCount is an account's sync request counts after one was counted.
type RequestCount struct {
	AccountID, OrgID, Requested, Done int
}

// CountRequests counts one sync request (sync_requested + 1) for each
// selected account, records what it is for — a pending row (account,
// booking, seq = the new count) for each of refs, booking 0 meaning the
// whole account; none when refs is empty — and returns the counts after
// it, by account id. On PostgreSQL that is one statement for one id, two
// for a selection that may hold several (locked in id order first); on
// SQLite the pending rows are a second. The account rows are written
// before the pending rows, as RequestsHandled writes them. Use db's
// transaction (the change's own), and count once per transaction, with no
// account row locked before: the id order holds within one call, not
// across calls.
func CountRequests(ctx context.Context, db *ent.Client, sel AccountSelection, refs []int, now time.Time) ([]RequestCount, error) {
	drv := db.RawDriver()
	b := entsql.Dialect(drv.Dialect())
	rows := b.Select("id").From(entsql.Table("calendar_accounts"))
	switch {
	case len(sel.IDs) > 0:
		rows.Where(entsql.InInts("id", sel.IDs...))
	case len(sel.Where) > 0:
		for _, p := range sel.Where {
			p(rows)
		}
	default:
		return nil, nil
	}
	where := entsql.In("id", rows)
	if drv.Dialect() == dialect.Postgres && len(sel.IDs) != 1 {
		// Several accounts may be selected: they are locked in id order
		// first, so two requests for overlapping accounts cannot deadlock
		// (SQLite has one writer at a time). A statement of its own: the
		// same lock in the UPDATE's subquery deadlocks with concurrent
		// requests, as the UPDATE then meets the rows again in its own
		// snapshot's versions (TestCountRequestsConcurrently). NO KEY
		// UPDATE, as the UPDATE itself takes: rows inserted meanwhile that
		// refer to the account (runs, links, pending rows) are not held up.
		q, args := rows.OrderBy("id").For(entsql.LockNoKeyUpdate).Query()
		var rs entsql.Rows
		if err := drv.Query(ctx, q, args, &rs); err != nil {
			return nil, fmt.Errorf("store: count sync requests: %w", err)
		}
		var ids []int
		for rs.Next() {
			var id int
			if err := rs.Scan(&id); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: count sync requests: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rs.Err(); err != nil {
			rs.Close()
			return nil, fmt.Errorf("store: count sync requests: %w", err)
		}
		if err := rs.Close(); err != nil {
			return nil, fmt.Errorf("store: count sync requests: %w", err)
		}
		if len(ids) == 0 {
			return nil, nil
		}
		where = entsql.InInts("id", ids...)
	}
	q, args := b.Update("calendar_accounts").
		Set("updated_at", now.UTC()).
		Set("sync_requested_at", now.UTC()).
		Set("sync_requested", entsql.Expr("COALESCE(sync_requested, 0) + 1")).
		Where(where).
		Returning("id", "organization_id", "sync_requested", "sync_done").Query()
	together := len(refs) > 0 && drv.Dialect() == dialect.Postgres
	if together {
		// The INSERT reads the UPDATE's rows: the accounts are written
		// first.
		q = fmt.Sprintf(`WITH counted AS (%s), pending AS (INSERT INTO "sync_pendings" ("account_id", "booking_ref", "organization_id", "seq")
			SELECT counted."id", refs.ref, counted."organization_id", counted."sync_requested" FROM counted CROSS JOIN unnest($%d::bigint[]) AS refs(ref)
			ON CONFLICT ("account_id", "booking_ref") DO UPDATE SET "seq" = EXCLUDED."seq")
			SELECT "id", "organization_id", "sync_requested", "sync_done" FROM counted`, q, len(args)+1)
		ids := make([]int64, len(refs))
		for i, r := range refs {
			ids[i] = int64(r)
		}
		args = append(args, ids)
	}
	var rs entsql.Rows
	if err := drv.Query(ctx, q, args, &rs); err != nil {
		return nil, fmt.Errorf("store: count sync requests: %w", err)
	}
	defer rs.Close()
	var out []RequestCount
	for rs.Next() {
		var c RequestCount
		if err := rs.Scan(&c.AccountID, &c.OrgID, &c.Requested, &c.Done); err != nil {
			return nil, fmt.Errorf("store: count sync requests: %w", err)
		}
		out = append(out, c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: count sync requests: %w", err)
	}
	slices.SortFunc(out, func(a, b RequestCount) int { return a.AccountID - b.AccountID })
	if err := rs.Close(); err != nil {
		return nil, fmt.Errorf("store: count sync requests: %w", err)
	}
	if !together && len(refs) > 0 && len(out) > 0 {
		if err := insertPending(ctx, drv, out, refs); err != nil {
			return nil, fmt.Errorf("store: record sync requests: %w", err)
		}
	}
	return out, nil
}

// insertPending records a pending row for each counted account and
// booking (a booking's row already there takes the newer seq), at most
// 200 rows a statement.
func insertPending(ctx context.Context, drv dialect.Driver, counts []RequestCount, refs []int) error {
	const per = 200
	var ins *entsql.InsertBuilder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q, args := ins.OnConflict(entsql.ConflictColumns("account_id", "booking_ref"),
			entsql.ResolveWith(func(u *entsql.UpdateSet) { u.SetExcluded("seq") })).Query()
		ins, n = nil, 0
		return drv.Exec(ctx, q, args, nil)
	}
	for _, c := range counts {
		for _, ref := range refs {
			if ins == nil {
				ins = entsql.Dialect(drv.Dialect()).Insert("sync_pendings").Columns("account_id", "booking_ref", "organization_id", "seq")
			}
			ins.Values(c.AccountID, ref, c.OrgID, c.Requested)
			if n++; n == per {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// RequestsHandled records that a sync of account handled its requests up
// to requested (sync_done never goes back) and, when synced is not zero,
// when the account was last synced, and drops the account's pending rows
// up to requested (sync_pendings, seq <= requested); it returns
// sync_requested as it then stands, in the same statement: a request
// counted since the sync read its requests shows as requested > handled.
// ok is false when the account is gone (and nothing is dropped). Use db's
// transaction.
//
// On PostgreSQL the three are one statement; on SQLite the pending rows
// are dropped by a second. Either way the account's row is written before
// the pending rows, the order a request counts them in (CountRequests):
// two transactions never wait for each other's row.
func RequestsHandled(ctx context.Context, db *ent.Client, orgID, accountID, requested int, synced, now time.Time) (current int, ok bool, err error) {
	current, ok, err = handled(ctx, db, counter{"calendar_accounts", "sync_requested", "sync_done", "sync_pendings"}, orgID, accountID, requested, now,
		func(u *entsql.UpdateBuilder) {
			if !synced.IsZero() {
				u.Set("last_synced_at", synced.UTC())
			}
		})
	if err != nil {
		return 0, false, fmt.Errorf("store: record handled sync requests: %w", err)
	}
	return current, ok, nil
}

// ReadsHandled is RequestsHandled for a calendar's reads (inbound): it
// records read_done (never going back) with what set adds to the same
// statement (the read's cursor, when it was read), and returns
// read_requested as it then stands. ok is false when the calendar is gone.
func ReadsHandled(ctx context.Context, db *ent.Client, orgID, calendarID, requested int, now time.Time, set func(*entsql.UpdateBuilder)) (current int, ok bool, err error) {
	current, ok, err = handled(ctx, db, counter{"provider_calendars", "read_requested", "read_done", ""}, orgID, calendarID, requested, now, set)
	if err != nil {
		return 0, false, fmt.Errorf("store: record handled read requests: %w", err)
	}
	return current, ok, nil
}

// counter is a table's pair of request counts: requests counted, and
// handled; pending, when not empty, is the table of the rows saying what
// each request is for (account_id, seq), dropped once handled.
type counter struct{ table, requested, done, pending string }

// handled sets row id's handled count to requested unless it is already
// higher, with set's columns, drops its pending rows up to requested, and
// returns the requested count in the same statement.
func handled(ctx context.Context, db *ent.Client, c counter, orgID, id, requested int, now time.Time, set func(*entsql.UpdateBuilder)) (current int, ok bool, err error) {
	drv := db.RawDriver()
	u := entsql.Dialect(drv.Dialect()).Update(c.table).
		Set("updated_at", now.UTC()).
		Set(c.done, entsql.ExprFunc(func(b *entsql.Builder) {
			b.WriteString("CASE WHEN ").Ident(c.done).WriteOp(entsql.OpLT).Arg(requested).
				WriteString(" THEN ").Arg(requested).WriteString(" ELSE ").Ident(c.done).WriteString(" END")
		}))
	if set != nil {
		set(u)
	}
	q, args := u.Where(entsql.And(entsql.EQ("id", id), entsql.EQ("organization_id", orgID))).
		Returning(c.requested).Query()
	together := c.pending != "" && drv.Dialect() == dialect.Postgres
	if together {
		// The DELETE reads the UPDATE's result, so the account's row is
		// written first (a data-modifying WITH no one reads runs last,
		// but that order is not promised).
		q = fmt.Sprintf(`WITH handled AS (%s), dropped AS (DELETE FROM %q WHERE "account_id" = $%d AND "seq" <= $%d AND "organization_id" = $%d AND EXISTS (SELECT 1 FROM handled)) SELECT %q FROM handled`,
			q, c.pending, len(args)+1, len(args)+2, len(args)+3, c.requested)
		args = append(args, id, requested, orgID)
	}
	var rs entsql.Rows
	if err := drv.Query(ctx, q, args, &rs); err != nil {
		return 0, false, err
	}
	defer rs.Close()
	if !rs.Next() {
		return 0, false, rs.Err()
	}
	if err := rs.Scan(&current); err != nil {
		return 0, false, err
	}
	if err := rs.Close(); err != nil {
		return 0, false, err
	}
	if c.pending != "" && !together {
		d, dargs := entsql.Dialect(drv.Dialect()).Delete(c.pending).
			Where(entsql.And(entsql.EQ("account_id", id), entsql.LTE("seq", requested), entsql.EQ("organization_id", orgID))).Query()
		if err := drv.Exec(ctx, d, dargs, nil); err != nil {
			return 0, false, err
		}
	}
	return current, true, nil
}
