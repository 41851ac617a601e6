// Package engine keeps each linked calendar equal to what Calsync wants in
// it: it computes the desired events of an account from the bookings its
// fieldworkers host, compares them with the event links it recorded, and
// applies the difference through a provider adapter — idempotently, so a
// lost, repeated or reordered task never leaves a duplicate or a gap.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/internal/domain"
	"calsync/internal/recurrence"
)

// Tag keys of Calsync's private extended properties. Every event Calsync
// creates carries them, and Calsync never changes or deletes an event
// without them.
const (
	// TagOwner marks the event as Calsync's; its value is the organization id.
	TagOwner = "calsync"
	// TagBooking is the booking id.
	TagBooking = "calsyncBooking"
	// TagUser is the fieldworker's user id.
	TagUser = "calsyncUser"
)

// CalendarRef names a calendar of an account.
type CalendarRef struct {
	// UserEmail addresses the mailbox for app-only and service-account
	// access (Microsoft /users/{email}, Google quotaUser); "" for delegated
	// access to the token's own account.
	UserEmail string
	// CalendarID is the provider's calendar id.
	CalendarID string
}

// CalendarOf addresses calendarID of account a: through the account's own
// mailbox for app-only and service-account access (its email), directly
// for delegated access.
func CalendarOf(a *ent.CalendarAccount, calendarID string) CalendarRef {
	ref := CalendarRef{CalendarID: calendarID}
	if a.CredentialMode == domain.CredentialServiceAccount {
		ref.UserEmail = a.AccountEmail
	}
	return ref
}

// Event is what Calsync wants in a calendar for one booking and one
// fieldworker.
type Event struct {
	// Key is derived from (booking, fieldworker, calendar) and is stable:
	// the Google event id (base32hex, 26 chars) and the Graph
	// transactionId, so a retried create never makes a second event.
	Key         string
	Title       string
	Description string // plain text
	Location    string
	Start       time.Time
	End         time.Time
	// TimeZone is the customer's IANA zone; the event is shown in it.
	TimeZone string
	AllDay   bool
	// RRule is the RFC 5545 rule without "RRULE:" (empty: single event).
	RRule string
	// ExDates are the start times of removed occurrences.
	ExDates []time.Time
	// Moved are occurrences that take place elsewhere than the rule puts
	// them, by original start (none of them in ExDates).
	Moved []recurrence.Moved
	// Busy shows the time as busy (cancelled bookings kept in calendars are free).
	Busy bool
	// Tags are private extended properties (TagOwner, TagBooking, TagUser).
	Tags map[string]string
}

// Field names a group of event fields, for partial updates.
type Field string

// The fields an update can send.
const (
	FieldTitle       Field = "title"
	FieldDescription Field = "description"
	FieldLocation    Field = "location"
	FieldTime        Field = "time" // start, end, time zone, all-day
	FieldRecurrence  Field = "recurrence"
	FieldBusy        Field = "busy"
	FieldTags        Field = "tags"
)

// AllFields lists every field group.
var AllFields = []Field{FieldTitle, FieldDescription, FieldLocation, FieldTime, FieldRecurrence, FieldBusy, FieldTags}

// Remote is an event as the provider holds it.
type Remote struct {
	ID      string
	ETag    string // Google etag or Graph changeKey
	ICalUID string
	Tags    map[string]string
	// Cancelled: the provider reports it deleted (tombstone).
	Cancelled bool
}

// OpKind is what an operation does.
type OpKind int

// The operation kinds.
const (
	OpCreate OpKind = iota + 1
	OpUpdate
	OpDelete
)

// Op is one change to apply.
type Op struct {
	Kind OpKind
	// Event is the desired event (create, update).
	Event Event
	// RemoteID and ETag identify the existing event (update, delete).
	// An empty ETag means unconditional.
	RemoteID string
	ETag     string
	// Fields limits an update to these groups (nil: all).
	Fields []Field
}

// Result is the outcome of one Op.
type Result struct {
	// Remote is the event after a create or update.
	Remote Remote
	// Err is nil on success. A create whose Key already exists returns the
	// existing event (idempotency), not an error; a delete of an event
	// already gone succeeds.
	Err error
}

// Provider applies operations to one provider. Implementations batch
// where the provider allows (Google batch ≤ 1000, Graph $batch ≤ 20) and
// return one Result per Op, in order. Errors in Results wrap the sentinel
// errors below; an error return means none of ops was attempted.
type Provider interface {
	Apply(ctx context.Context, ts oauth2.TokenSource, cal CalendarRef, ops []Op) ([]Result, error)
	// Get reads one event (ErrNotFound when it does not exist or was deleted).
	Get(ctx context.Context, ts oauth2.TokenSource, cal CalendarRef, remoteID string) (Remote, error)
	// ListTagged lists the calendar's events carrying TagOwner = owner
	// (deleted ones excluded), for re-sync and repair.
	ListTagged(ctx context.Context, ts oauth2.TokenSource, cal CalendarRef, owner string) ([]Remote, error)
	// MaxBatch is how many operations one Apply call should carry.
	MaxBatch() int
}

// Sentinel errors adapters wrap.
var (
	// ErrNotFound: the event (or calendar) does not exist.
	ErrNotFound = errors.New("engine: not found at the provider")
	// ErrPrecondition: the ETag no longer matches (someone changed the event).
	ErrPrecondition = errors.New("engine: the event changed at the provider")
	// ErrUnauthorized: the access token was refused (refresh and retry).
	ErrUnauthorized = errors.New("engine: access token refused")
	// ErrForbidden: the grant lacks permission (stop the account).
	ErrForbidden = errors.New("engine: not allowed by the provider")
	// ErrInvalid: the provider refused the event itself; retrying will
	// not help.
	ErrInvalid = errors.New("engine: the provider refused the event")
)

// RateLimitedError is a 429 or quota 403: wait RetryAfter, without
// counting it as a failure.
type RateLimitedError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("engine: rate limited, retry after %s: %v", e.RetryAfter, e.Err)
}

func (e *RateLimitedError) Unwrap() error { return e.Err }

// RetryAfter reports the wait a rate-limit error asks for.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}
