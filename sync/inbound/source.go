// Package inbound reads the fieldworkers' own calendars back into Calsync:
// the calendars chosen for import are read fully over a window, then
// incrementally (Google sync tokens, Graph calendarView delta), and their
// events are kept as ExternalEvent rows, shown as busy time and used to
// report double bookings. Provider notifications (Google push channels,
// Graph subscriptions) only wake a read; a jittered safety poll reads every
// chosen calendar even when no notification came.
package inbound

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/sync/engine"
)

// ShowAs is how an event shows its time.
type ShowAs string

// The availabilities kept.
const (
	ShowFree             ShowAs = "FREE"
	ShowTentative        ShowAs = "TENTATIVE"
	ShowBusy             ShowAs = "BUSY"
	ShowOutOfOffice      ShowAs = "OUT_OF_OFFICE"
	ShowWorkingElsewhere ShowAs = "WORKING_ELSEWHERE"
)

// Event is one event or one occurrence of a recurring series, as read from
// a provider calendar. Readers expand series into their occurrences.
type Event struct {
	// ID is the provider's id of the event or of the occurrence.
	ID string
	// SeriesID is the recurring series' (master's) id; "" for a single event.
	SeriesID string
	Title    string
	// Start and End are instants. All-day events start and end at midnight
	// UTC of their dates (End is the day after the last day).
	Start  time.Time
	End    time.Time
	AllDay bool
	// Private: private or confidential at the provider.
	Private bool
	ShowAs  ShowAs
	// Tentative: the event itself is tentative (Google status tentative,
	// or an Outlook meeting not yet accepted).
	Tentative bool
	// WebLink is an absolute URL opening the event at the provider.
	WebLink string
	// Owned: the event carries Calsync's tag (engine.TagOwner); it is
	// never imported.
	Owned bool
	// ETag is the Google etag or Graph changeKey of the event as read
	// ("" when the provider's feed does not say).
	ETag string
	// Location and Description (plain text) of the event.
	Location    string
	Description string
	// Series is set by GetEvent on a recurring series' master.
	Series *Series
}

// Series is what a series master says of its occurrences.
type Series struct {
	// Rule is the RRULE without "RRULE:"; "" when the provider's rule is
	// one Calsync cannot keep (RDATE, several rules, a pattern Outlook
	// has no name for).
	Rule string
	// ExDates are the starts of occurrences the master excludes (Google's
	// EXDATE; Outlook names cancelled occurrences only as instances).
	ExDates []time.Time
	// TimeZone is the IANA zone the rule is read in ("" when unknown).
	TimeZone string
}

// Page is one page of a read. During a full read Events are everything in
// the window; during an incremental read they are what changed, and
// Removed the ids of events (or occurrences) deleted or cancelled.
type Page struct {
	Events  []Event
	Removed []string
}

// Window bounds a full read: events ending after From and starting before To.
type Window struct {
	From time.Time
	To   time.Time
}

// WatchRequest asks a provider to notify Calsync of a calendar's changes.
type WatchRequest struct {
	// ID is Calsync's channel id (Google; Graph assigns its own).
	ID string
	// URL receives the notifications; LifecycleURL the Graph lifecycle
	// notifications (the same URL is fine).
	URL          string
	LifecycleURL string
	// Token is echoed in every notification (Google X-Goog-Channel-Token,
	// Graph clientState): Calsync checks it.
	Token string
	// Expiry is the wanted end; providers may shorten it.
	Expiry time.Time
}

// Channel is a live Google push channel or Graph subscription.
type Channel struct {
	// ID is the channel id (Google) or the subscription id (Graph).
	ID string
	// ResourceID is Google's id of the watched resource ("" for Graph).
	ResourceID string
	// Expiry is when the provider ends it.
	Expiry time.Time
}

// Source reads calendars of one provider. Implementations use the
// provider's SDK; errors wrap the sentinels below or engine's (ErrNotFound,
// ErrUnauthorized, ErrForbidden, *engine.RateLimitedError).
type Source interface {
	// ReadEvents reads cal and hands each page to each, in order. With
	// cursor "" it is a full read of w (single events and occurrences of
	// series overlapping w); otherwise it reads the changes since cursor
	// (deleted events and changed occurrences included). It returns the
	// cursor for the next incremental read, or ErrCursorExpired when the
	// provider no longer accepts cursor (Google 410, Graph
	// SyncStateNotFound): then discard the calendar's copy and read fully.
	// An error from each stops the read and is returned.
	ReadEvents(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, cursor string, w Window, each func(Page) error) (next string, err error)
	// Watch starts notifications of cal's event changes.
	Watch(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, req WatchRequest) (Channel, error)
	// Renew extends ch to expiry. Providers without renewal (Google)
	// return ErrRenewUnsupported: watch anew, then Unwatch the old one.
	// A channel the provider no longer knows answers engine.ErrNotFound.
	Renew(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ch Channel, expiry time.Time) (Channel, error)
	// Unwatch stops ch; one already gone is not an error.
	Unwatch(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ch Channel) error
	// GetEvent reads one event of cal as the provider holds it now, with
	// its etag, location and description (two-way sync). An event that
	// does not exist, or was deleted or cancelled, is engine.ErrNotFound.
	GetEvent(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, id string) (Event, error)
	// Instances lists the occurrences of series seriesID overlapping w
	// that are not cancelled, moved ones included (two-way sync compares
	// them with the booking's). A series that does not exist is
	// engine.ErrNotFound.
	Instances(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, seriesID string, w Window) ([]Instance, error)
}

// Instance is one live occurrence of a series.
type Instance struct {
	ID string
	// OriginalStart is where the series puts it; Start where it is now.
	OriginalStart time.Time
	Start, End    time.Time
}

var (
	// ErrCursorExpired: the incremental cursor is no longer valid.
	ErrCursorExpired = errors.New("inbound: the provider asks for a full read")
	// ErrRenewUnsupported: the provider cannot extend a channel.
	ErrRenewUnsupported = errors.New("inbound: channels cannot be renewed at this provider")
	// ErrWebhookRefused: the provider refused the notification URL (Google
	// wants https); reads fall back to the safety poll.
	ErrWebhookRefused = errors.New("inbound: the provider refused the notification address")
)

// FlowBack takes reads of calendars back into bookings (two-way sync,
// sync/twoway).
type FlowBack interface {
	// Begin starts one read of c over w (full or incremental); nil when
	// c's events do not flow back.
	Begin(ctx context.Context, c *ent.ProviderCalendar, full bool, w Window) (FlowRead, error)
}

// FlowRead sees one read's pages before they are stored.
type FlowRead interface {
	// Take handles one page; an error stops the read (it is retried).
	Take(ctx context.Context, p Page) error
	// Finish ends a read that went through.
	Finish(ctx context.Context) error
}
