package store

import (
	"context"
	"errors"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"calsync/internal/domain"
)

// Every time is stored, and compared, as UTC.
//
// SQLite has no time type: modernc.org/sqlite writes a time.Time parameter
// as t.String(), so "2026-07-01 10:00:00 +0200 +0200" for an RFC 3339
// input with an offset. The driver cannot parse that text back (the row
// then fails every read), and SQLite compares such text as a string, so a
// predicate like start_at < ? orders offsets wrongly even when both sides
// parse. In UTC, t.String() is "2006-01-02 15:04:05.999999999 +0000 UTC",
// which reads back and sorts as the instant it names. PostgreSQL stores
// timestamptz instants and needs none of this; UTC there only makes the
// values read back look the same as on SQLite.
//
// Two layers, one rule. utcHook rewrites the time fields of every mutation
// before it runs, so the entity Save returns, the audit record and every
// inner hook see the instant as it will be stored. utcDriver rewrites
// every time parameter of every statement, which also covers what no
// mutation carries: query predicates (bookings(from:, to:) with offset
// times, expiry checks against time.Now() in a non-UTC local zone),
// pagination cursors and values set by hooks that run after utcHook.

// utcHook sets every time field of a mutation to the same instant in UTC,
// and refuses a time whose UTC year is outside 1–9999 (BAD_USER_INPUT
// naming the field). Such a time cannot be written out again: Go's JSON
// encoding of time.Time (and so every API answer) fails outside those
// years, and on SQLite the stored text of a year before 1 no longer
// parses, so the row could not even be read. An input like
// 9999-12-31T23:30:00-01:00 is inside the range as written and outside
// it in UTC, which is why the check is made here, on the value as it
// will be stored, for every mutation whatever built it (resolvers,
// massModifyBookings' shifts, JSON fields such as recurrence_exceptions).
// Cleared fields are not among m.Fields(), so clearing a nillable time
// passes through untouched.
func utcHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		for _, name := range m.Fields() {
			v, ok := m.Field(name)
			if !ok {
				continue
			}
			if !storableTimes(v) {
				return nil, domain.InvalidField(domain.APIFieldName(name), errors.New("must be between the years 1 and 9999 (in UTC)"))
			}
			u, changed := toUTC(v)
			if !changed {
				continue
			}
			if err := m.SetField(name, u); err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}

// storableTimes reports whether every time in v (a field value) falls in
// the years 1 to 9999 in UTC, which is how it is stored and answered.
func storableTimes(v any) bool {
	ok := func(t time.Time) bool { y := t.UTC().Year(); return y >= 1 && y <= 9999 }
	switch t := v.(type) {
	case time.Time:
		return ok(t)
	case *time.Time:
		return t == nil || ok(*t)
	case []time.Time:
		for _, x := range t {
			if !ok(x) {
				return false
			}
		}
	}
	return true
}

// toUTC returns v with its times in UTC and whether anything differed
// (another location or a monotonic clock reading, which t.String() would
// append as "m=+0.01").
func toUTC(v any) (any, bool) {
	switch t := v.(type) {
	case time.Time:
		u := t.UTC()
		return u, u != t
	case *time.Time:
		if t == nil {
			return v, false
		}
		u := t.UTC()
		return &u, u != *t
	case []time.Time:
		var out []time.Time
		for i, x := range t {
			if u := x.UTC(); u != x {
				if out == nil {
					out = append([]time.Time(nil), t...)
				}
				out[i] = u
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// utcDriver is the ent driver with every time parameter put in UTC.
type utcDriver struct{ txBeginner }

// BeginTx keeps ent.Client.BeginTx working through the wrapper.
func (d utcDriver) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	tx, err := d.txBeginner.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return utcTx{tx}, nil
}

func (d utcDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.txBeginner.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return utcTx{tx}, nil
}

func (d utcDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.txBeginner.Exec(ctx, query, utcArgs(args), v)
}

func (d utcDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.txBeginner.Query(ctx, query, utcArgs(args), v)
}

type utcTx struct{ dialect.Tx }

func (t utcTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, utcArgs(args), v)
}

func (t utcTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, utcArgs(args), v)
}

// utcArgs returns the statement arguments with times in UTC, copying the
// slice only when something changes.
func utcArgs(args any) any {
	list, ok := args.([]any)
	if !ok {
		return args
	}
	var out []any
	for i, a := range list {
		if u, changed := toUTC(a); changed {
			if out == nil {
				out = append([]any(nil), list...)
			}
			out[i] = u
		}
	}
	if out == nil {
		return args
	}
	return out
}
