package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/externalevent"
	"calsync/ent/predicate"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// Change tells subscribers that a calendar's imported events changed.
type Change struct {
	OrgID, AccountID, CalendarID int
	// UserIDs are the fieldworkers the calendar belongs to.
	UserIDs []int
	// From and To bound the changed events; nil after a full read.
	From, To *time.Time
	At       time.Time
}

// Notifier hears about changed imported events (live calendar views).
type Notifier interface {
	ExternalEventsChanged(ctx context.Context, c Change)
}

// Options configures a Reader.
type Options struct {
	Client      *ent.Client
	Sources     map[domain.Provider]Source
	Credentials engine.Credentials
	Notifier    Notifier
	Waker       Waker
	// Echoes reports whether Calsync wrote to an account's calendar a
	// moment ago (engine.Reconciler.WroteRecently): a notification then
	// most likely announces Calsync's own write, and its read waits
	// EchoDelay so the notifications of a burst of writes share one read.
	// nil: every read at once.
	Echoes func(ctx context.Context, accountID int, calendarID string) bool
	// CountRead counts a notification's read request in one statement
	// (store.DB.CountRead); required.
	CountRead func(ctx context.Context, orgID, calendarID int, channelID string, message int64, now time.Time) (requested, done int, ok bool, err error)
	// PublicURL is where providers send notifications
	// (PublicURL/webhooks/google, PublicURL/webhooks/microsoft); ""
	// turns notifications off (the safety poll still reads).
	PublicURL string
	// DaysBack and DaysAhead bound the imported window (default 30 and 180).
	DaysBack, DaysAhead int
	// PollEvery is the safety poll's mean period (default 15 min, jittered ±25 %).
	PollEvery time.Duration
	// ChannelTTL is the lifetime asked for channels and subscriptions
	// (default 6 days; Graph allows a little under 7), RenewBefore how long
	// before their end they are renewed (default 1 day).
	ChannelTTL, RenewBefore time.Duration
	// FlowBack takes what reads find back into bookings (two-way sync);
	// nil: reads only import busy time.
	FlowBack FlowBack
	// LockCalendar serializes reads of one calendar across workers.
	LockCalendar func(ctx context.Context, calendarID int) (unlock func(), err error)
	Now          func() time.Time
	Logger       *slog.Logger
}

// Reader imports chosen calendars.
type Reader struct {
	o        Options
	channels channelCache
}

// New returns a Reader.
func New(o Options) *Reader {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DaysBack <= 0 {
		o.DaysBack = 30
	}
	if o.DaysAhead <= 0 {
		o.DaysAhead = 180
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 15 * time.Minute
	}
	if o.ChannelTTL <= 0 {
		o.ChannelTTL = 6 * 24 * time.Hour
	}
	if o.RenewBefore <= 0 {
		o.RenewBefore = 24 * time.Hour
	}
	if o.CountRead == nil {
		panic("inbound: Options.CountRead is required")
	}
	return &Reader{o: o}
}

// PollEvery is the safety poll's mean period.
func (r *Reader) PollEvery() time.Duration { return r.o.PollEvery }

// nextPoll is the jittered time of a calendar's next safety read: the
// period ±25 %, so calendars linked together do not poll together.
func (r *Reader) nextPoll() time.Time {
	p := r.o.PollEvery
	jitter := time.Duration((rand.Float64()*0.5 - 0.25) * float64(p))
	return r.o.Now().Add(p + jitter)
}

// window is the span imported now.
func (r *Reader) window() Window {
	now := r.o.Now().UTC().Truncate(time.Hour)
	return Window{From: now.AddDate(0, 0, -r.o.DaysBack), To: now.AddDate(0, 0, r.o.DaysAhead)}
}

// rollEvery is how far the window's end may lag behind before a full read
// rolls it forward (incremental cursors keep the window they began with).
const rollEvery = 24 * time.Hour

// MaxRounds bounds the rounds of one Read while requests keep arriving.
const MaxRounds = 5

// ErrReadBehind means requests kept arriving: read the calendar again.
var ErrReadBehind = errors.New("inbound: requests kept arriving; read the calendar again")

// ErrStopped means the account cannot be read until a person acts
// (re-authorization); the task is not retried.
var ErrStopped = errors.New("inbound: the account cannot be read")

// wanted reports whether c's events are to be imported: chosen, in an
// account someone still uses. An account waiting for re-authorization is
// still wanted: its copy stays (stale rather than empty) until it works
// again.
func wanted(c *ent.ProviderCalendar) bool {
	a := c.Edges.Account
	return (c.Selected || c.ReadsBack) && a != nil && len(a.Edges.Users) > 0 &&
		a.Status != calendaraccount.StatusDISCONNECTED && a.Status != calendaraccount.StatusREVOKED
}

// Chosen selects the calendars read: chosen for import, or read back by
// two-way sync.
func Chosen() predicate.ProviderCalendar {
	return providercalendar.Or(providercalendar.Selected(true), providercalendar.ReadsBack(true))
}

// imports reports whether c can be read now.
func imports(c *ent.ProviderCalendar) bool {
	return wanted(c) && engine.AccountSyncs(c.Edges.Account)
}

// unwanted selects the calendars whose imports must end (the predicate
// form of !wanted).
func unwanted() predicate.ProviderCalendar {
	return providercalendar.Or(providercalendar.Not(Chosen()),
		providercalendar.HasAccountWith(calendaraccount.Or(
			calendaraccount.StatusIn(calendaraccount.StatusDISCONNECTED, calendaraccount.StatusREVOKED),
			calendaraccount.Not(calendaraccount.HasUsers()))))
}

func (r *Reader) load(sys context.Context, calendarID int) (*ent.ProviderCalendar, error) {
	// The account's users in the account's statement (ids, names and
	// active flags: what a read and two-way sync use of them).
	c, err := r.o.Client.ProviderCalendar.Query().Where(providercalendar.ID(calendarID)).
		WithAccount(func(q *ent.CalendarAccountQuery) { q.Modify(engine.WithUsers) }).Only(sys)
	if err != nil {
		return nil, err
	}
	if a := c.Edges.Account; a != nil {
		if err := engine.UsersFromRow(a); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Read reads one calendar until every request counted for it is handled.
// A calendar no longer imported (deselected, account unlinked or waiting
// for re-authorization) has its imported events removed instead.
func (r *Reader) Read(ctx context.Context, orgID, calendarID int) error {
	sys := viewer.SystemContext(ctx, orgID)
	if r.o.LockCalendar != nil {
		unlock, err := r.o.LockCalendar(ctx, calendarID)
		if err != nil {
			return err
		}
		defer unlock()
	}
	for range MaxRounds {
		c, err := r.load(sys, calendarID)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("inbound: load calendar: %w", err)
		}
		want := c.ReadRequested
		if want <= c.ReadDone && wanted(c) && c.WindowFrom != nil {
			// Every request counted was served by an earlier read (this
			// is a retry, or a second wake-up): nothing to read.
			return nil
		}
		var read *readOutcome
		if !wanted(c) {
			if err := r.discard(sys, c); err != nil {
				return err
			}
		} else if !imports(c) {
			return nil // waiting for re-authorization: the copy stays
		} else if read, err = r.readOnce(sys, c); err != nil {
			r.recordFailure(sys, c, err)
			return err
		}
		// The read's cursor (unless it saved it), its requests handled and
		// the requests counted since, in one statement.
		now, ok, err := store.ReadsHandled(sys, r.o.Client, c.OrganizationID, c.ID, max(want, c.ReadDone), r.o.Now(),
			func(u *entsql.UpdateBuilder) {
				if read == nil {
					return
				}
				u.Set(providercalendar.FieldLastReadAt, r.o.Now().UTC()).Set(providercalendar.FieldLastReadError, "").
					Set(providercalendar.FieldNextPollAt, r.nextPoll().UTC())
				if read.saved {
					return
				}
				// The generation always (a later full read sweeps what
				// this one stored); the cursor and window only if the
				// calendar was not reset meanwhile (stillAsRead).
				u.Set(providercalendar.FieldReadGen, read.gen).
					Set(providercalendar.FieldSyncCursor, ifStillAsRead(c, providercalendar.FieldSyncCursor, read.cursor))
				if read.window != nil {
					u.Set(providercalendar.FieldWindowFrom, ifStillAsRead(c, providercalendar.FieldWindowFrom, read.window.From.UTC())).
						Set(providercalendar.FieldWindowTo, ifStillAsRead(c, providercalendar.FieldWindowTo, read.window.To.UTC()))
				}
			})
		if err != nil {
			err = fmt.Errorf("inbound: record read: %w", err)
			if read != nil {
				r.recordFailure(sys, c, err)
			}
			return err
		}
		if !ok || now == want {
			return nil
		}
	}
	return ErrReadBehind
}

func (r *Reader) recordFailure(sys context.Context, c *ent.ProviderCalendar, err error) {
	msg := err.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	// The safety poll tries again on its own schedule too.
	if uerr := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetLastReadError(msg).SetNextPollAt(r.nextPoll()).
		Exec(context.WithoutCancel(sys)); uerr != nil {
		r.o.Logger.WarnContext(sys, "record read failure", slog.Int("calendar_id", c.ID), slog.Any("error", uerr))
	}
}

// calendarRef addresses c at its provider.
func calendarRef(c *ent.ProviderCalendar) engine.CalendarRef {
	return engine.CalendarOf(c.Edges.Account, c.CalendarID)
}

type invalidator interface{ Invalidate() }

// access returns the source and token source of c's account.
func (r *Reader) access(sys context.Context, c *ent.ProviderCalendar) (Source, oauth2.TokenSource, error) {
	a := c.Edges.Account
	src, ok := r.o.Sources[a.Provider]
	if !ok {
		return nil, nil, fmt.Errorf("inbound: no reader for %s: %w", a.Provider, ErrStopped)
	}
	ts, err := r.o.Credentials.TokenSource(sys, a)
	if err != nil {
		return nil, nil, fmt.Errorf("inbound: credentials: %w", err)
	}
	return src, ts, nil
}

// readOutcome is what a read leaves to record with its requests: the
// cursor to go on from, the read generation, and the window of a full read
// (nil: the window stays) — unless saved says the read saved them itself.
type readOutcome struct {
	cursor string
	gen    int
	window *Window
	saved  bool
}

// readOnce reads c fully or incrementally and stores what it finds; the
// caller records the outcome.
func (r *Reader) readOnce(sys context.Context, c *ent.ProviderCalendar) (*readOutcome, error) {
	src, ts, err := r.access(sys, c)
	if err != nil {
		return nil, err
	}
	w := r.window()
	cursor := c.SyncCursor
	if c.WindowTo == nil || c.WindowFrom == nil || w.To.Sub(*c.WindowTo) >= rollEvery {
		cursor = "" // first read, or the window must roll forward
	} else {
		w = Window{From: *c.WindowFrom, To: *c.WindowTo}
	}
	st, err := r.newStore(sys, c, w, cursor == "")
	if err != nil {
		return nil, err
	}
	next, err := r.readWith(sys, src, ts, c, cursor, w, st)
	if errors.Is(err, ErrCursorExpired) && cursor != "" {
		// The provider forgot the cursor: read everything again; what the
		// full read does not see is discarded below.
		r.o.Logger.InfoContext(sys, "sync cursor expired, reading the calendar fully", slog.Int("calendar_id", c.ID))
		w = r.window()
		if st, err = r.newStore(sys, c, w, true); err != nil {
			return nil, err
		}
		next, err = r.readWith(sys, src, ts, c, "", w, st)
	}
	if err != nil {
		return nil, err
	}
	out := &readOutcome{cursor: next, gen: st.gen}
	if st.full {
		n, err := r.o.Client.ExternalEvent.Delete().
			Where(externalevent.CalendarRefID(c.ID), externalevent.ReadGenLT(st.gen)).Exec(sys)
		if err != nil {
			return nil, fmt.Errorf("inbound: sweep: %w", err)
		}
		st.removed += n
		out.window = &w
	}
	if st.flow != nil {
		// Two-way sync's part marks the links its read met once the cursor
		// is saved (a read redone from an older cursor could miss an event
		// made and deleted since): the cursor is saved first, on its own.
		upd := r.o.Client.ProviderCalendar.Update().Where(providercalendar.ID(c.ID), stillAsRead(c)).SetSyncCursor(next).SetReadGen(st.gen)
		if st.full {
			upd.SetWindowFrom(w.From).SetWindowTo(w.To)
		}
		n, err := upd.Save(sys)
		if err != nil {
			return nil, fmt.Errorf("inbound: save cursor: %w", err)
		}
		// A calendar reset meanwhile is read again from the start (its
		// requests were counted with the reset), which meets every link
		// again: what this read met is not marked.
		if out.saved = n > 0; out.saved {
			if err := st.flow.Finish(sys); err != nil {
				return nil, err
			}
		}
	}
	if st.changed > 0 || st.removed > 0 {
		r.notify(sys, c, st)
	}
	return out, nil
}

// stillAsRead holds while c's row has the cursor and read-back flag c was
// loaded with. A read saves its cursor only then: a calendar whose cursor
// was cleared while the read went on (two-way sync turned on, so it must
// be read again from the start, twoway.MarkReadBack) keeps it cleared,
// and the round that follows (its reset counted a read request) reads it
// in full.
func stillAsRead(c *ent.ProviderCalendar) predicate.ProviderCalendar {
	cursor := providercalendar.SyncCursorEQ(c.SyncCursor)
	if c.SyncCursor == "" {
		cursor = providercalendar.Or(providercalendar.SyncCursorIsNil(), cursor)
	}
	return providercalendar.And(providercalendar.ReadsBack(c.ReadsBack), cursor)
}

// ifStillAsRead is value for column col where stillAsRead holds, and the
// column unchanged where it does not, for an UPDATE's SET.
func ifStillAsRead(c *ent.ProviderCalendar, col string, value any) entsql.Querier {
	return entsql.ExprFunc(func(b *entsql.Builder) {
		sel := entsql.Dialect(b.Dialect()).Select().From(entsql.Table(providercalendar.Table))
		stillAsRead(c)(sel)
		b.WriteString("CASE WHEN ").Join(sel.P()).WriteString(" THEN ").Arg(value).WriteString(" ELSE ").Ident(col).WriteString(" END")
	})
}

// newStore prepares the storing of one read of c over w (full or
// incremental), with two-way sync's part when c's events flow back.
func (r *Reader) newStore(sys context.Context, c *ent.ProviderCalendar, w Window, full bool) (*pageStore, error) {
	st := &pageStore{r: r, sys: sys, cal: c, window: w, full: full, gen: c.ReadGen}
	if full {
		st.gen++
	}
	if r.o.FlowBack != nil {
		flow, err := r.o.FlowBack.Begin(sys, c, full, w)
		if err != nil {
			return nil, err
		}
		st.flow = flow
	}
	return st, nil
}

// readWith runs the provider read, refreshing a refused access token once.
func (r *Reader) readWith(sys context.Context, src Source, ts oauth2.TokenSource, c *ent.ProviderCalendar, cursor string, w Window, st *pageStore) (string, error) {
	next, err := src.ReadEvents(sys, ts, calendarRef(c), cursor, w, st.store)
	if errors.Is(err, engine.ErrUnauthorized) {
		if inv, ok := ts.(invalidator); ok {
			inv.Invalidate()
		}
		next, err = src.ReadEvents(sys, ts, calendarRef(c), cursor, w, st.store)
	}
	switch {
	case errors.Is(err, engine.ErrUnauthorized), errors.Is(err, engine.ErrForbidden):
		return "", fmt.Errorf("%w: %v", ErrStopped, err)
	case errors.Is(err, engine.ErrNotFound):
		// The calendar is gone at the provider: stop importing it.
		r.o.Logger.InfoContext(sys, "imported calendar no longer exists", slog.Int("calendar_id", c.ID))
		if uerr := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetSelected(false).Exec(sys); uerr != nil {
			return "", uerr
		}
		return "", fmt.Errorf("inbound: the calendar no longer exists at the provider: %w", ErrStopped)
	}
	return next, err
}

func (r *Reader) notify(sys context.Context, c *ent.ProviderCalendar, st *pageStore) {
	if r.o.Notifier == nil {
		return
	}
	ch := r.changeOf(c)
	if !st.full && !st.spanFrom.IsZero() {
		from, to := st.spanFrom, st.spanTo
		ch.From, ch.To = &from, &to
	}
	r.o.Notifier.ExternalEventsChanged(sys, ch)
}

// changeOf is the news that c's imported events changed, for its users.
func (r *Reader) changeOf(c *ent.ProviderCalendar) Change {
	ch := Change{OrgID: c.OrganizationID, AccountID: c.AccountID, CalendarID: c.ID, At: r.o.Now()}
	if a := c.Edges.Account; a != nil {
		for _, u := range a.Edges.Users {
			ch.UserIDs = append(ch.UserIDs, u.ID)
		}
	}
	return ch
}

// discard removes what was imported from c and forgets its cursor (the
// calendar is no longer imported).
func (r *Reader) discard(sys context.Context, c *ent.ProviderCalendar) error {
	n, err := r.o.Client.ExternalEvent.Delete().Where(externalevent.CalendarRefID(c.ID)).Exec(sys)
	if err != nil {
		return fmt.Errorf("inbound: discard: %w", err)
	}
	if err := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).ClearSyncCursor().ClearWindowFrom().ClearWindowTo().
		ClearNextPollAt().Exec(sys); err != nil {
		return fmt.Errorf("inbound: discard: %w", err)
	}
	if n > 0 && r.o.Notifier != nil {
		r.o.Notifier.ExternalEventsChanged(sys, r.changeOf(c))
	}
	return nil
}

// Forget stops importing every calendar of an account that is being left
// by its last user: channels are stopped while the credentials still work,
// and the imported events removed. Failures at the provider are logged
// (the channels expire on their own).
//
// Each calendar is forgotten under its lock, as a watch is started: a
// watch under way when the user leaves has started its channel at the
// provider but not yet recorded all of it (a Google channel is recorded
// without the resource id its stop needs, a Graph subscription not at
// all), so stopping what the row held then left the new channel running.
// A calendar whose lock is not free in time (a read under way, a busy
// lock service) is forgotten without it, best effort as before: the waits
// of all the account's calendars share forgetLockWait, so that leaving an
// account with many calendars being read stays quick.
func (r *Reader) Forget(ctx context.Context, a *ent.CalendarAccount) {
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	ids, err := r.o.Client.ProviderCalendar.Query().Where(providercalendar.AccountID(a.ID)).IDs(sys)
	if err != nil {
		r.o.Logger.WarnContext(ctx, "forget imported calendars", slog.Int("account_id", a.ID), slog.Any("error", err))
		return
	}
	lockCtx, cancel := context.WithTimeout(ctx, forgetLockWait)
	defer cancel()
	for _, id := range ids {
		if err := r.forget(lockCtx, sys, id); err != nil {
			r.o.Logger.WarnContext(ctx, "forget imported calendar", slog.Int("calendar_id", id), slog.Any("error", err))
		}
	}
}

// forgetLockWait bounds how long Forget waits for its calendars' locks, in
// all (each wait is also bounded by LockCalendar's own).
const forgetLockWait = 5 * time.Second

// forget is Forget for one calendar; lockCtx bounds the wait for its lock.
func (r *Reader) forget(lockCtx, sys context.Context, calendarID int) error {
	if r.o.LockCalendar != nil {
		unlock, err := r.o.LockCalendar(lockCtx, calendarID)
		if err != nil {
			r.o.Logger.InfoContext(sys, "forget imported calendar without its lock", slog.Int("calendar_id", calendarID), slog.Any("error", err))
		} else {
			defer unlock()
		}
	}
	c, err := r.load(sys, calendarID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.ChannelID != "" {
		r.stopChannel(sys, c)
	}
	return r.discard(sys, c)
}

// Forgotten is Forget's second half, once the last user has left the
// account: a read that was under way during Forget (the account still
// had its user then) may have stored events again, so each calendar's
// read is requested once more — the reader, serialized with that read by
// the calendar lock, finds the calendar no longer imported and discards.
func (r *Reader) Forgotten(ctx context.Context, a *ent.CalendarAccount) {
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	ids, err := r.o.Client.ProviderCalendar.Query().Where(providercalendar.AccountID(a.ID)).IDs(sys)
	if err == nil && len(ids) > 0 {
		var reqs []ReadRequest
		if reqs, err = RequestRead(sys, r.o.Client, ids...); err == nil && r.o.Waker != nil {
			err = r.o.Waker.WakeReads(sys, reqs...)
		}
	}
	if err != nil {
		// The maintenance pass wakes reads requested and not done.
		r.o.Logger.WarnContext(ctx, "discard imported calendars again", slog.Int("account_id", a.ID), slog.Any("error", err))
	}
}
