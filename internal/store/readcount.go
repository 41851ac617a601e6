package store

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"
)

// CountRead counts a read request for calendar calendarID of
// organization orgID (ProviderCalendar.read_requested + 1) in one
// statement, and returns the counts after it: ent's UpdateOne would take
// a transaction of its own and read the row back — four statements for
// every provider notification. With message > 0 (a Google channel's
// message number) the row is counted only while its channel_message is
// lower, and takes message: a replay counts nothing (ok false), as does a
// calendar that is gone or whose channel is no longer channelID (the
// notification came through a channel since replaced or stopped).
func (d *DB) CountRead(ctx context.Context, orgID, calendarID int, channelID string, message int64, now time.Time) (requested, done int, ok bool, err error) {
	b := entsql.Dialect(d.Dialect).Update("provider_calendars").
		Set("updated_at", now.UTC()).
		Set("read_requested", entsql.Expr("read_requested + 1"))
	where := entsql.And(entsql.EQ("id", calendarID), entsql.EQ("organization_id", orgID), entsql.EQ("channel_id", channelID))
	if message > 0 {
		b.Set("channel_message", message)
		where = entsql.And(where, entsql.LT("channel_message", message))
	}
	q, args := b.Where(where).Returning("read_requested", "read_done").Query()
	var rows entsql.Rows
	if err := d.drv.Query(ctx, q, args, &rows); err != nil {
		return 0, 0, false, fmt.Errorf("store: count read: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, 0, false, rows.Err()
	}
	if err := rows.Scan(&requested, &done); err != nil {
		return 0, 0, false, fmt.Errorf("store: count read: %w", err)
	}
	return requested, done, true, rows.Close()
}
