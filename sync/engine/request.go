package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/syncrun"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Sync requests: the one mechanism that keeps a change from being lost.
//
// The race it closes: a change is committed while a sync of its account is
// running. That run may have read the bookings before the change, and the
// wake-up announcing it is de-duplicated into the running task (the queue
// refuses a second task under a task id that is queued or running), so
// neither would carry the change to the calendar.
//
// How: two counters on the account. Whoever announces a change counts it
// (RequestSync: sync_requested + 1, after the change is committed), and
// the engine, running one sync at a time per account (the caller holds
// the account lock), loops: read sync_requested as R, sync, write
// sync_done = R, read sync_requested again; if it moved, a request arrived
// that the round may have missed, so run another round.
//
// Why it is sufficient: every request is either counted before a round
// reads R (that round reads the bookings afterwards, so it sees the change)
// or after — and then the round's final read sees sync_requested move, or,
// if it comes after that read too, the request's wake-up no longer
// coalesces into the finishing task: wake-ups are keyed by sync_done at
// the moment of the request (SyncRequest.Since), a task keyed k only ever
// finishes after writing sync_done = R with R > k (it was queued after a
// request made sync_requested exceed k), and sync_done never goes back. So
// a wake-up can only be swallowed by a task that has not yet done its
// final read, and that read sees the request.

// SyncRequest is one counted request for an account's sync.
type SyncRequest struct {
	AccountID int
	OrgID     int
	// Since is the account's sync_done when the request was counted: the
	// key of the wake-up to queue. Wake-ups with equal keys are the same
	// work and may coalesce; see the comment at the top of this file.
	Since int
}

// RequestSync counts a request for a full sync of each account (a re-sync,
// a link, the reconcile pass) and returns the wake-up key of each;
// accounts that no longer exist are left out. due is when the wake-up is
// meant to run (now, or later for the reconcile pass's spread syncs): the
// relay wakes the account if it is still behind a few seconds after. Call
// it after the change is committed, or inside the change's own
// transaction (ctx carrying it); it opens one otherwise.
func RequestSync(ctx context.Context, db *ent.Client, due time.Time, accountIDs ...int) ([]SyncRequest, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	var out []SyncRequest
	err := store.InTx(ctx, db, func(ctx context.Context) error {
		var err error
		out, err = request(ctx, store.ClientFrom(ctx, db), store.AccountSelection{IDs: accountIDs}, nil, due)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("engine: request sync: %w", err)
	}
	return out, nil
}

// ErrLockLost means the account's lock stopped being this sync's (Redis
// restarted empty, the lock expired): another sync may be running, so
// this one stops before its next round.
var ErrLockLost = errors.New("engine: the account's lock was lost")

type heldKey struct{}

// WithHeld gives Sync a check that the caller still holds the account's
// lock, made before each round after the first.
func WithHeld(ctx context.Context, held func(context.Context) bool) context.Context {
	return context.WithValue(ctx, heldKey{}, held)
}

// Handled reports whether every sync request counted for the account has
// been handled (or the account is gone): a wake-up finding so has nothing
// to do, and need not wait for the account's lock.
func (r *Reconciler) Handled(ctx context.Context, orgID, accountID int) (bool, error) {
	a, err := r.client.CalendarAccount.Query().Where(calendaraccount.ID(accountID)).
		Select(calendaraccount.FieldSyncRequested, calendaraccount.FieldSyncDone).Only(viewer.SystemContext(ctx, orgID))
	if ent.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("engine: read sync requests: %w", err)
	}
	return a.SyncRequested <= a.SyncDone, nil
}

// MaxRounds bounds how many rounds one Sync runs while requests keep
// arriving; then it returns ErrSyncBehind and the task is queued again, so
// one busy account does not hold a worker for ever.
const MaxRounds = 5

// ErrSyncBehind means requests kept arriving for MaxRounds rounds: the
// account still needs a sync (it is not a failure).
var ErrSyncBehind = errors.New("engine: requests kept arriving; sync the account again")

// Sync reconciles an account's destination calendar with its fieldworkers'
// bookings until every request counted for it has been handled (see
// RequestSync). Call it holding the account lock. kind RESYNC (first
// round only) also checks the provider for events deleted there
// (recreating them) and for stray Calsync events (removing them). It
// returns the last run recorded (nil when the account has nothing to sync:
// unlinked, waiting for re-authorization, not prepared).
func (r *Reconciler) Sync(ctx context.Context, orgID, accountID int, kind syncrun.Kind) (*ent.SyncRun, error) {
	sys := viewer.SystemContext(ctx, orgID)
	var last *ent.SyncRun
	held, _ := ctx.Value(heldKey{}).(func(context.Context) bool)
	for round := range MaxRounds {
		if round > 0 && held != nil && !held(ctx) {
			// Two syncs of one account would interleave their writes (an
			// older read pushed over a newer one).
			return last, ErrLockLost
		}
		// The account and, in the same statement, what the round needs
		// besides: its users, its organization's fields that Render
		// reads, its two-way state and its scope.
		with := []func(*sql.Selector){WithUsers, withRenderedOrg}
		if r.twoWay != nil {
			with = append(with, withTwoWay)
		}
		if kind == syncrun.KindINCREMENTAL {
			with = append(with, withPending)
		}
		a, err := r.client.CalendarAccount.Query().Where(calendaraccount.ID(accountID)).Modify(with...).Only(sys)
		if ent.IsNotFound(err) {
			return last, nil
		}
		if err == nil {
			err = UsersFromRow(a)
		}
		if err != nil {
			return last, fmt.Errorf("engine: load account: %w", err)
		}
		requested := a.SyncRequested
		if kind == syncrun.KindINCREMENTAL && requested <= a.SyncDone {
			// Every request counted was handled by an earlier round (this
			// is a second wake-up, or one whose requests a running sync
			// took): nothing to do. Without pending rows scopeOf would
			// compare the whole account.
			return last, nil
		}
		var scope map[int]bool
		if kind == syncrun.KindINCREMENTAL {
			if scope, err = scopeOf(a); err != nil {
				return last, err
			}
		}
		// done records the handled requests and, after a run (synced not
		// zero), the account's last sync, drops the handled pending rows
		// and reads sync_requested back (one statement on PostgreSQL).
		var after int
		var counted, exists bool
		done := func(ctx context.Context, db *ent.Client, synced time.Time) error {
			n, ok, err := store.RequestsHandled(ctx, db, orgID, accountID, requested, synced, r.now())
			if err != nil {
				return err
			}
			after, exists, counted = n, ok, true
			return nil
		}
		// A successful round records the requests it handled with its
		// outcome (one transaction).
		rec, err := r.syncOnce(sys, a, kind, scope, done)
		if rec != nil {
			last = rec
		}
		if err != nil {
			return last, err // sync_done stays: the retry handles these requests
		}
		if rec == nil {
			// Finding nothing to sync handles the requests too: a request
			// for an account that starts syncing again is counted after
			// the change of status, and so runs another round.
			if err := store.InTx(sys, r.client, func(ctx context.Context) error {
				return done(ctx, store.ClientFrom(ctx, r.client), time.Time{})
			}); err != nil {
				return last, fmt.Errorf("engine: record sync done: %w", err)
			}
		}
		// A round that succeeded ran done, in its committed transaction.
		if !counted {
			return last, fmt.Errorf("engine: a round of account %d ended without recording its requests", accountID)
		}
		if !exists || after == requested {
			return last, nil
		}
		kind = syncrun.KindINCREMENTAL
	}
	return last, ErrSyncBehind
}
