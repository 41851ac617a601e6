package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/predicate"
	"calsync/ent/syncoutbox"
	"calsync/ent/syncpending"
	"calsync/ent/user"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// What must be synced is recorded in the database, never only in the
// queue:
//
//   - a booking change counts, in its own transaction, per-account
//     requests (RequestBookings): sync_requested + 1 and a SyncPending row
//     per changed booking carrying the new sync_requested as its seq; the
//     tasks queued after the commit only wake the accounts' syncs;
//   - a change of what many events show (a name, a status) and two-way
//     sync's pushes write a SyncOutbox row instead (scheduling.RecordChange),
//     and the task queued after the commit wakes FanOut, which turns the
//     row, in one transaction, into the same requests (one SyncPending row
//     for the whole account when it names no bookings) and deletes it;
//   - Sync reads sync_requested as R, then the account's pending rows:
//     only their bookings are compared (the whole account when a row says
//     so, and for initial syncs and re-syncs); afterwards it records
//     sync_done = R and deletes the rows with seq <= R. A row written
//     meanwhile has a larger seq and stays for the next round;
//   - the relay (Relay, every second in each worker) fans out rows older
//     than a few seconds — their wake-up was lost: Redis was down, the
//     process died — and wakes accounts whose requests are older than a
//     few seconds and not done. So after a Redis outage or a crash the
//     calendars catch up within seconds of recovery.

// FanOut turns outbox row id into sync requests of the syncing accounts of
// its users (none when another worker took the row first).
func FanOut(ctx context.Context, db *ent.Client, id int, now time.Time) ([]SyncRequest, error) {
	var reqs []SyncRequest
	err := store.InTx(viewer.AllTenantsContext(ctx), db, func(ctx context.Context) error {
		tx := store.ClientFrom(ctx, db)
		row, err := tx.SyncOutbox.Get(ctx, id)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		// Whoever deletes the row hands it out.
		if n, err := tx.SyncOutbox.Delete().Where(syncoutbox.ID(id)).Exec(ctx); err != nil || n == 0 {
			return err
		}
		reqs, err = request(ctx, tx, usersAccounts(row.OrganizationID, row.UserIds), row.BookingIds, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("engine: fan out: %w", err)
	}
	return reqs, nil
}

// RequestBookings counts, in ctx's transaction (the change's own), a
// request for the syncing accounts of users, for these bookings: a
// booking change fanned out at its commit, with no outbox row and no
// fan-out task. Accounts are locked in id order (no deadlock between two
// changes of shared hosts).
func RequestBookings(ctx context.Context, db *ent.Client, orgID int, bookingIDs, userIDs []int, now time.Time) ([]SyncRequest, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	reqs, err := request(viewer.SystemContext(ctx, orgID), db, usersAccounts(orgID, userIDs), bookingIDs, now)
	if err != nil {
		return nil, fmt.Errorf("engine: request sync: %w", err)
	}
	return reqs, nil
}

// usersAccounts selects the syncing accounts of users in org.
func usersAccounts(orgID int, userIDs []int) store.AccountSelection {
	return store.AccountSelection{Where: []predicate.CalendarAccount{
		calendaraccount.OrganizationID(orgID), calendaraccount.HasUsersWith(user.IDIn(userIDs...)), SyncingAccounts(),
	}}
}

// request counts a request for each selected account and records what it
// is for: bookings (none: the whole account), in one statement on
// PostgreSQL. Run it in a transaction.
func request(ctx context.Context, tx *ent.Client, accounts store.AccountSelection, bookings []int, now time.Time) ([]SyncRequest, error) {
	refs := bookings
	if len(refs) == 0 {
		refs = []int{0}
	}
	counts, err := store.CountRequests(ctx, tx, accounts, refs, now)
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	out := make([]SyncRequest, len(counts))
	for i, c := range counts {
		out[i] = SyncRequest{AccountID: c.AccountID, OrgID: c.OrgID, Since: c.Done}
	}
	return out, nil
}

// pendingColumn names the bookings of an account's pending requests, as
// withPending selects them with the account.
const pendingColumn = "calsync_pending_refs"

// withPending selects, with each account, the bookings of its pending rows
// with seq <= the account's sync_requested (an idList): the row and its
// scope read in one statement (and one snapshot).
func withPending(s *sql.Selector) {
	sp := sql.Dialect(s.Dialect()).Table(syncpending.Table)
	s.AppendSelectExprAs(store.OrEmpty(sql.Dialect(s.Dialect()).Select(store.IDList(s.Dialect(), sp.C(syncpending.FieldBookingRef))).From(sp).Where(sql.And(
		sql.ColumnsEQ(sp.C(syncpending.FieldAccountID), s.C(calendaraccount.FieldID)),
		sql.ColumnsLTE(sp.C(syncpending.FieldSeq), s.C(calendaraccount.FieldSyncRequested)),
	))), pendingColumn)
}

// scopeOf is what one round of an account's sync compares, from the
// account loaded withPending: the bookings of its pending rows, or
// everything (nil) when there is none or one asks for the whole account
// (booking 0).
func scopeOf(a *ent.CalendarAccount) (map[int]bool, error) {
	refs, err := store.SelectedIDs(a, pendingColumn)
	if err != nil {
		return nil, fmt.Errorf("engine: read pending: %w", err)
	}
	if len(refs) == 0 {
		return nil, nil // requested without saying what: compare everything
	}
	scope := make(map[int]bool, len(refs))
	for _, ref := range refs {
		if ref == 0 {
			return nil, nil
		}
		scope[ref] = true
	}
	return scope, nil
}

// Relay hands out what lost its wake-up: outbox rows older than after are
// fanned out, and accounts whose requests are older than after and not
// done are woken. wake queues the syncs (tasks.WakeSyncs).
func Relay(ctx context.Context, db *ent.Client, now time.Time, after time.Duration, wake func(context.Context, ...SyncRequest) error) (fanned, woken int, err error) {
	all := viewer.AllTenantsContext(ctx)
	ids, err := db.SyncOutbox.Query().Where(syncoutbox.CreatedAtLT(now.Add(-after))).
		Order(ent.Asc(syncoutbox.FieldID)).Limit(500).IDs(all)
	if err != nil {
		return 0, 0, fmt.Errorf("engine: relay: %w", err)
	}
	var errs []error
	for _, id := range ids {
		reqs, err := FanOut(ctx, db, id, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fanned++
		if err := wake(ctx, reqs...); err != nil {
			errs = append(errs, err)
		}
	}
	behind, err := db.CalendarAccount.Query().
		Where(SyncingAccounts(), calendaraccount.SyncRequestedAtLT(now.Add(-after)), behindAccounts()).
		Select(calendaraccount.FieldID, calendaraccount.FieldOrganizationID, calendaraccount.FieldSyncRequested, calendaraccount.FieldSyncDone).
		Limit(2000).All(all)
	if err != nil {
		return fanned, 0, errors.Join(append(errs, fmt.Errorf("engine: relay: %w", err))...)
	}
	var reqs []SyncRequest
	for _, a := range behind {
		reqs = append(reqs, SyncRequest{AccountID: a.ID, OrgID: a.OrganizationID, Since: a.SyncDone})
	}
	if len(reqs) > 0 {
		if err := wake(ctx, reqs...); err != nil {
			errs = append(errs, err)
		}
	}
	return fanned, len(reqs), errors.Join(errs...)
}

// behindAccounts selects accounts with requests not done.
func behindAccounts() predicate.CalendarAccount {
	return func(s *sql.Selector) {
		s.Where(sql.ColumnsGT(s.C(calendaraccount.FieldSyncRequested), s.C(calendaraccount.FieldSyncDone)))
	}
}
