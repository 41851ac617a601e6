// Package scheduling holds the rules for bookings and their statuses and
// types: what a valid booking is, who may host it, and what happens after a
// change commits (subscribers are told, calendars are queued for sync).
package scheduling

import (
	"context"
	"log/slog"
	"time"

	"calsync/ent"
	"calsync/internal/store"
)

// ChangeKind says what happened to a booking.
type ChangeKind string

// The change kinds.
const (
	Created   ChangeKind = "CREATED"
	Updated   ChangeKind = "UPDATED"
	Cancelled ChangeKind = "CANCELLED"
	Deleted   ChangeKind = "DELETED"
)

// Change is one committed booking change.
type Change struct {
	BookingID int
	Kind      ChangeKind
	// HostIDs are the hosts before and after the change.
	HostIDs []int
	At      time.Time
}

// Notifier hears about committed changes. It is called after the
// transaction commits, never before, and never for a rolled-back change;
// outboxID is the SyncOutbox row the transaction wrote for it (0: the
// change's sync requests were recorded directly, see Requester).
type Notifier interface {
	BookingsChanged(ctx context.Context, orgID, outboxID int, changes []Change)
}

// ConflictNotifier is told, after commit, of two-way sync conflicts a
// booking change settled (a Notifier may also be one).
type ConflictNotifier interface {
	ConflictChanged(ctx context.Context, c *ent.SyncConflict)
}

// Requester records, in a change's transaction, that bookings changed for
// users and must reach their calendars, and returns what wakes that work
// once the transaction has committed (internal/app: the sync engine's
// per-account requests, so a change needs no outbox row and no fan-out
// task).
type Requester func(ctx context.Context, db *ent.Client, orgID int, bookingIDs, userIDs []int) (wake func(context.Context), err error)

// Service applies booking mutations.
type Service struct {
	client   *ent.Client
	notify   Notifier
	requests Requester
	now      func() time.Time
	log      *slog.Logger
}

// Options configures the Service.
type Options struct {
	Client   *ent.Client
	Notifier Notifier
	// Requests, when set, records each change's sync requests in its
	// transaction; otherwise the change is written to the outbox
	// (RecordChange) for a worker to fan out.
	Requests Requester
	Now      func() time.Time
	Logger   *slog.Logger
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{client: o.Client, notify: o.Notifier, requests: o.Requests, now: o.Now, log: o.Logger}
}

// inTx runs fn in the caller's transaction (the GraphQL operation's), or
// in a new one it commits. after runs only once the outermost transaction
// has committed.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, db *ent.Client) error) error {
	return store.InTx(ctx, s.client, func(ctx context.Context) error {
		return fn(ctx, store.ClientFrom(ctx, s.client))
	})
}

// afterCommit records the changes' sync requests (or an outbox row), in ctx's transaction,
// and tells the notifier once that transaction commits.
func (s *Service) afterCommit(ctx context.Context, orgID int, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	var bookings, users []int
	for _, c := range changes {
		bookings = append(bookings, c.BookingID)
		users = append(users, c.HostIDs...)
	}
	if s.requests != nil {
		wake, err := s.requests(ctx, store.ClientFrom(ctx, s.client), orgID, sortedUnique(bookings), sortedUnique(users))
		if err != nil {
			return err
		}
		store.AfterCommit(ctx, func(ctx context.Context) {
			if wake != nil {
				wake(ctx)
			}
			if s.notify != nil {
				s.notify.BookingsChanged(ctx, orgID, 0, changes)
			}
		})
		return nil
	}
	id, err := RecordChange(ctx, store.ClientFrom(ctx, s.client), orgID, bookings, users, s.now())
	if err != nil {
		return err
	}
	if s.notify != nil {
		store.AfterCommit(ctx, func(ctx context.Context) { s.notify.BookingsChanged(ctx, orgID, id, changes) })
	}
	return nil
}
