// Package twoway takes changes made at the providers back into bookings,
// for organizations whose provider settings say TWO_WAY.
//
// What flows back is what happens in the account's destination calendar
// (the one Calsync writes to) and in the calendars the fieldworker chose
// to import that they can write to: an event created there becomes a
// booking hosted by the calendar's fieldworker, linked to that event
// (origin PROVIDER) and never pushed as a second copy — the engine keeps
// it in the calendar it came from; a time change of a linked event
// reschedules its booking, and for events that came from the provider
// title, location and description flow in too; deleting a linked event
// cancels its booking (deletes it, for events that came from the
// provider). First contact adopts matching events in the destination
// calendar only; elsewhere an event matching one of the fieldworker's
// bookings stays busy time (it is most likely a copy of that booking).
//
// Who changed what is decided without clocks. Each link keeps the version
// both sides last agreed on (EventLink.agreed) and the provider's etag or
// change key; Calsync's side is the hash, per field group, of what it last
// pushed against what the booking renders now. When only one side moved,
// it wins; when both moved the same thing, the booking enters the conflict
// queue (SyncConflict) and neither side is written until someone resolves
// it. Calsync's own writes come back with the etag it recorded, so they
// are not read as edits; a change seen in a page is checked against the
// event as it is now (one read, under the account's lock, so a write the
// engine is making cannot be mistaken for one).
package twoway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/bookingtype"
	"calsync/ent/eventlink"
	"calsync/ent/externalevent"
	"calsync/ent/predicate"
	"calsync/ent/syncconflict"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/recurrence"
	"calsync/internal/scheduling"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/engine"
	"calsync/sync/inbound"
)

// ConflictNotifier hears about opened, changed and resolved conflicts.
type ConflictNotifier interface {
	ConflictChanged(ctx context.Context, c *ent.SyncConflict)
}

// Options configures a Syncer.
type Options struct {
	Client      *ent.Client
	Scheduling  *scheduling.Service
	Sources     map[domain.Provider]inbound.Source
	Credentials engine.Credentials
	// LockAccount is the engine's account lock: taking a provider change
	// and pushing Calsync's never interleave.
	LockAccount func(ctx context.Context, accountID int) (unlock func(), err error)
	// Push asks, in ctx's transaction, for the bookings' events of the
	// users to be synced (nil bookingIDs: all of theirs).
	Push     func(ctx context.Context, orgID int, bookingIDs, userIDs []int) error
	Notifier ConflictNotifier
	Now      func() time.Time
	Logger   *slog.Logger
}

// Syncer is two-way sync.
type Syncer struct{ o Options }

var (
	_ inbound.FlowBack = (*Syncer)(nil)
	_ engine.TwoWay    = (*Syncer)(nil)
)

// New returns a Syncer.
func New(o Options) *Syncer {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Syncer{o: o}
}

// access is what reaching one of an account's calendars takes.
type access struct {
	acct *ent.CalendarAccount
	src  inbound.Source
	ts   oauth2.TokenSource
	cal  engine.CalendarRef
}

func (s *Syncer) access(ctx context.Context, a *ent.CalendarAccount, calendarID string) (*access, error) {
	src, ok := s.o.Sources[a.Provider]
	if !ok {
		return nil, fmt.Errorf("twoway: no reader for %s", a.Provider)
	}
	ts, err := s.o.Credentials.TokenSource(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("twoway: credentials: %w", err)
	}
	return &access{acct: a, src: src, ts: ts, cal: engine.CalendarOf(a, calendarID)}, nil
}

// destination: the calendar is the account's destination calendar.
func (ac *access) destination() bool { return ac.cal.CalendarID == ac.acct.DestinationCalendarID }

// lock takes the account's lock (none configured: a no-op).
func (s *Syncer) lock(ctx context.Context, accountID int) (func(), error) {
	if s.o.LockAccount == nil {
		return func() {}, nil
	}
	return s.o.LockAccount(ctx, accountID)
}

// Begin starts two-way sync's part of a read of c, in an account whose
// organization syncs both ways: its destination calendar, or a calendar
// chosen for import that the fieldworker can write to.
func (s *Syncer) Begin(ctx context.Context, c *ent.ProviderCalendar, full bool, w inbound.Window) (inbound.FlowRead, error) {
	a := c.Edges.Account
	// ReadsBack is set on exactly these calendars while the organization
	// syncs both ways (MarkReadBack); the settings are read again below.
	if a == nil || !c.ReadsBack || a.DestinationCalendarID == "" || !(c.CalendarID == a.DestinationCalendarID || FlowsBack(c)) {
		return nil, nil
	}
	tw, err := engine.TwoWayOf(ctx, s.o.Client, a)
	if err != nil || !tw.On {
		return nil, err
	}
	ac, err := s.access(ctx, a, c.CalendarID)
	if err != nil {
		return nil, err
	}
	r := &read{s: s, ac: ac, full: full, window: w, first: c.WindowFrom == nil, seen: map[string]bool{}, began: s.o.Now(), met: map[int]string{}}
	// A booking is made for the calendar's one fieldworker; a calendar
	// shared by several (one mailbox for a team) has no single host, and
	// its new events stay busy time.
	if users := a.Edges.Users; len(users) == 1 {
		r.host = users[0].ID
	}
	return r, nil
}

// read is two-way sync's part of one read of a destination calendar.
type read struct {
	s      *Syncer
	ac     *access
	full   bool
	first  bool
	window inbound.Window
	host   int
	// seen are the ids a full read met.
	seen map[string]bool
	// began is when the read began: a link confirmed before then whose
	// event the read never met may have been deleted unreported.
	began time.Time
	// met are the links whose events the read met. They are recorded as
	// seen only once the read's cursor is saved (Finish): a read that
	// fails is read again from the old cursor, which does not report an
	// event made and deleted since. Each maps to the event met (a link
	// whose event was made again meanwhile has not been met).
	met map[int]string
}

// Take handles one page under the account's lock.
func (r *read) Take(ctx context.Context, p inbound.Page) error {
	unlock, err := r.s.lock(ctx, r.ac.acct.ID)
	if err != nil {
		return err
	}
	defer unlock()
	touched := map[int]*ent.EventLink{}
	// settled are the links read and settled on this page already (a
	// series' master met as an event is not read again for its
	// occurrences).
	settled := map[int]bool{}
	var newSeries []string
	for _, e := range p.Events {
		if r.full {
			r.seen[e.ID] = true
		}
		if e.SeriesID != "" {
			// An occurrence: of a linked series, its series is compared
			// below; of a series new to Calsync, the series is taken
			// back (arrivedSeries) once the page is done.
			l, err := r.s.linkOf(ctx, r.ac, e.SeriesID)
			if err != nil {
				return err
			}
			switch {
			case l != nil && l.State != eventlink.StateDELETED:
				touched[l.ID] = l
				r.met[l.ID] = l.ProviderEventID
			case l == nil && !e.Owned && !slices.Contains(newSeries, e.SeriesID):
				newSeries = append(newSeries, e.SeriesID)
			}
			continue
		}
		l, err := r.s.linkOf(ctx, r.ac, e.ID)
		if err != nil {
			return err
		}
		if l != nil {
			r.met[l.ID] = l.ProviderEventID
		}
		switch {
		case l != nil:
			if l.State == eventlink.StateDELETED || (e.ETag != "" && e.ETag == l.Etag) {
				continue // Calsync's own write, or nothing new
			}
			settled[l.ID] = true
			err = r.s.changed(ctx, r.ac, l)
		case e.Owned:
			// Calsync's event whose create is still being recorded (or was
			// lost): the engine finds it by its key.
		default:
			err = r.s.arrived(ctx, r, e)
		}
		if err != nil {
			return err
		}
	}
	unknown := false
	for _, id := range p.Removed {
		l, err := r.s.linkOf(ctx, r.ac, id)
		if err != nil {
			return err
		}
		if l == nil {
			series, err := r.removedOccurrence(ctx, id)
			if err != nil {
				return err
			}
			if series != nil {
				touched[series.ID] = series
			} else {
				unknown = unknown || !r.imported(ctx, id)
			}
			continue
		}
		if l.State == eventlink.StateDELETED {
			continue
		}
		// Removed may also mean "left the window": ask the provider.
		settled[l.ID] = true
		if err := r.s.changed(ctx, r.ac, l); err != nil {
			return err
		}
	}
	for _, id := range newSeries {
		if err := r.s.arrivedSeries(ctx, r, id); err != nil {
			return err
		}
	}
	if unknown {
		// Something Calsync did not import went (Graph names a cancelled
		// occurrence by an id of its own): Calsync's series are compared.
		series, err := r.s.recurringLinks(ctx, r.ac)
		if err != nil {
			return err
		}
		for _, l := range series {
			touched[l.ID] = l
		}
	}
	for _, l := range touched {
		// The whole series may have moved (its master's time), then
		// single occurrences may have been cancelled.
		if !settled[l.ID] {
			if err := r.s.changed(ctx, r.ac, l); err != nil {
				return err
			}
		}
		if _, err := r.s.occurrences(ctx, r.ac, l, r.window); err != nil {
			return err
		}
	}
	return nil
}

// removedOccurrence is the link of the series a removed Google instance id
// ("<series id>_<original start>") belongs to, if Calsync's.
func (r *read) removedOccurrence(ctx context.Context, id string) (*ent.EventLink, error) {
	i := strings.LastIndexByte(id, '_')
	if i <= 0 {
		return nil, nil
	}
	l, err := r.s.linkOf(ctx, r.ac, id[:i])
	if err != nil || l == nil || l.State == eventlink.StateDELETED {
		return nil, err
	}
	return l, nil
}

// imported reports whether id is an event imported from the calendar as
// busy time (its removal is the importer's business).
func (r *read) imported(ctx context.Context, id string) bool {
	sys := viewer.SystemContext(ctx, r.ac.acct.OrganizationID)
	ok, err := r.s.o.Client.ExternalEvent.Query().
		Where(externalevent.AccountID(r.ac.acct.ID), externalevent.ProviderEventID(id)).Exist(sys)
	return err == nil && ok
}

// Finish looks up the linked events the read should have met and did not:
// after a full read, those inside its window (deleted while no cursor
// followed the calendar); after any read, those Calsync created before it
// began that no read has met yet (made and deleted between two reads, which
// Graph's delta does not report). After the first full read it lets the
// engine create what first contact did not adopt.
func (r *read) Finish(ctx context.Context) error {
	a := r.ac.acct
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	met := make([]predicate.EventLink, 0, len(r.met))
	for id, event := range r.met {
		met = append(met, eventlink.And(eventlink.ID(id), eventlink.ProviderEventID(event)))
	}
	for chunk := range slices.Chunk(met, 200) {
		// Not recorded, such a link is looked up once more after a later
		// read: a cost, not a loss — so first contact's push below and
		// the look-ups still happen.
		if err := r.s.o.Client.EventLink.Update().Where(eventlink.Or(chunk...), eventlink.Seen(false)).SetSeen(true).Exec(sys); err != nil {
			r.s.o.Logger.WarnContext(ctx, "two-way: record events met", slog.Any("error", err))
			break
		}
	}
	q := r.s.o.Client.EventLink.Query().
		Where(eventlink.AccountID(a.ID), eventlink.CalendarID(r.ac.cal.CalendarID),
			eventlink.StateEQ(eventlink.StateSYNCED), eventlink.ProviderEventIDNEQ(""))
	if !r.full {
		q.Where(eventlink.Seen(false), eventlink.UpdatedAtLT(r.began))
	}
	links, err := q.All(sys)
	if err != nil {
		return fmt.Errorf("twoway: links: %w", err)
	}
	var missing []*ent.EventLink
	for _, l := range links {
		unseen := !l.Seen && l.UpdatedAt.Before(r.began)
		if (r.full && r.seen[l.ProviderEventID]) || (!r.full && !unseen) {
			continue
		}
		if !l.Agreed.Start.IsZero() && l.Agreed.End.After(r.window.From) && l.Agreed.Start.Before(r.window.To) {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		unlock, err := r.s.lock(ctx, a.ID)
		if err != nil {
			return err
		}
		defer unlock()
		for _, l := range missing {
			if err := r.s.changed(ctx, r.ac, l); err != nil {
				return err
			}
			// Looked at: there or handled as deleted.
			if err := r.s.o.Client.EventLink.Update().Where(eventlink.ID(l.ID), eventlink.Seen(false)).SetSeen(true).Exec(sys); err != nil {
				return fmt.Errorf("twoway: record an event met: %w", err)
			}
		}
	}
	if r.first {
		return store.InTx(sys, r.s.o.Client, func(ctx context.Context) error {
			return r.s.o.Push(ctx, a.OrganizationID, nil, userIDs(a))
		})
	}
	return nil
}

func userIDs(a *ent.CalendarAccount) []int {
	var ids []int
	for _, u := range a.Edges.Users {
		ids = append(ids, u.ID)
	}
	return ids
}

// linkOf finds the link of a provider event in ac's calendar.
func (s *Syncer) linkOf(ctx context.Context, ac *access, providerID string) (*ent.EventLink, error) {
	sys := viewer.SystemContext(ctx, ac.acct.OrganizationID)
	l, err := s.o.Client.EventLink.Query().
		Where(eventlink.AccountID(ac.acct.ID), eventlink.CalendarID(ac.cal.CalendarID), eventlink.ProviderEventID(providerID)).
		Order(ent.Desc(eventlink.FieldID)).First(sys)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("twoway: find link: %w", err)
	}
	return l, nil
}

// Stale is the engine's report that l's event changed or went at the
// provider while Calsync had something to push (it holds the lock).
//
// A series' occurrences are compared too: on Outlook a changed occurrence
// changes its series' change key, and the series' version alone would
// show nothing changed.
func (s *Syncer) Stale(ctx context.Context, a *ent.CalendarAccount, l *ent.EventLink) error {
	ac, err := s.access(ctx, a, l.CalendarID)
	if err != nil {
		return err
	}
	if err := s.changed(ctx, ac, l); err != nil {
		return err
	}
	w, ok, err := s.window(ctx, a, l.CalendarID)
	if err != nil || !ok {
		return err
	}
	_, err = s.occurrences(ctx, ac, l, w)
	return err
}

// changed reads l's event as it is now and settles it.
func (s *Syncer) changed(ctx context.Context, ac *access, l *ent.EventLink) error {
	fresh, err := s.current(ctx, ac, l.ProviderEventID)
	if err != nil {
		return err
	}
	return s.settle(ctx, ac, l.ID, fresh)
}

// current reads an event; nil when it is gone.
func (s *Syncer) current(ctx context.Context, ac *access, id string) (*inbound.Event, error) {
	ev, err := ac.src.GetEvent(ctx, ac.ts, ac.cal, id)
	if errors.Is(err, engine.ErrUnauthorized) {
		if inv, ok := ac.ts.(interface{ Invalidate() }); ok {
			inv.Invalidate()
		}
		ev, err = ac.src.GetEvent(ctx, ac.ts, ac.cal, id)
	}
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("twoway: read event: %w", err)
	}
	return &ev, nil
}

// Groups of a change, as the conflict queue names them.
const (
	changedTime    = "TIME"
	changedContent = "CONTENT"
	changedDeleted = "DELETED"
)

// state is what settling one link knows.
type state struct {
	sys   context.Context
	acct  *ent.CalendarAccount
	link  *ent.EventLink
	bk    *ent.Booking
	user  *ent.User
	org   *ent.Organization
	fresh *inbound.Event
	// want is the event the booking renders now, and its hashes.
	want   engine.Event
	hashes map[string]string
	// agreed is the version both sides last agreed on; prov the
	// provider's now.
	agreed, prov domain.EventVersion
}

func (st *state) provider() bool { return st.link.Origin == eventlink.OriginPROVIDER }

// load reads what settling link id needs; nil when there is nothing to
// settle (the booking is gone: the engine removes the event).
func (s *Syncer) load(ctx context.Context, ac *access, linkID int, fresh *inbound.Event) (*state, error) {
	sys := viewer.SystemContext(ctx, ac.acct.OrganizationID)
	db := store.ClientFrom(sys, s.o.Client)
	l, err := db.EventLink.Get(sys, linkID)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("twoway: link: %w", err)
	}
	st := &state{sys: sys, acct: ac.acct, link: l, fresh: fresh}
	if l.BookingID == nil {
		if fresh == nil && l.State != eventlink.StateDELETED {
			// Deleted on both sides: nothing is left to remove.
			if err := db.EventLink.DeleteOne(l).Exec(sys); err != nil {
				return nil, fmt.Errorf("twoway: forget link: %w", err)
			}
		}
		return nil, nil
	}
	if st.bk, err = engine.WithRendered(db.Booking.Query()).Where(booking.ID(*l.BookingID)).WithHosts().Only(sys); err != nil {
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("twoway: booking: %w", err)
	}
	if st.user, err = db.User.Get(sys, l.UserID); err != nil {
		return nil, fmt.Errorf("twoway: user: %w", err)
	}
	if st.org, err = db.Organization.Get(sys, l.OrganizationID); err != nil {
		return nil, fmt.Errorf("twoway: organization: %w", err)
	}
	st.render()
	st.agreed = l.Agreed
	if st.agreed.Start.IsZero() {
		// Pushed before Calsync kept agreed versions: what it last
		// pushed is what the booking renders unless a hash says otherwise.
		st.agreed = engine.VersionOf(st.want)
	}
	// A deleted event is shown as what was deleted: the agreed version.
	st.prov = st.agreed
	st.prov.Deleted = true
	if fresh != nil {
		st.prov = versionOf(*fresh)
	}
	return st, nil
}

// render computes the event the booking renders now for the link.
func (st *state) render() {
	st.want = engine.Render(st.org, st.bk, st.user, st.bk.CancelledAt != nil)
	if st.provider() {
		st.want = engine.Raw(st.want, st.bk)
	}
	st.hashes = engine.FieldHashes(st.want)
}

// versionOf is a read event's version.
func versionOf(e inbound.Event) domain.EventVersion {
	v := domain.EventVersion{Title: e.Title, Location: e.Location, Description: strings.TrimSpace(e.Description),
		Start: e.Start.UTC(), End: e.End.UTC(), AllDay: e.AllDay}
	if e.Series != nil {
		v.Rule = e.Series.Rule
	}
	return v
}

// calsyncChanged lists what Calsync changed since it last pushed.
func (st *state) calsyncChanged() []string {
	pushed := st.link.FieldHashes
	differs := func(fs ...engine.Field) bool {
		for _, f := range fs {
			if pushed[string(f)] != st.hashes[string(f)] {
				return true
			}
		}
		return false
	}
	var out []string
	if differs(engine.FieldTime, engine.FieldRecurrence) {
		out = append(out, changedTime)
	}
	// Content is contested only on events made at the provider: on
	// Calsync's own it is Calsync's rendering (which shows the time too).
	if st.provider() && differs(engine.FieldTitle, engine.FieldLocation, engine.FieldDescription) {
		out = append(out, changedContent)
	}
	return out
}

// pending reports whether Calsync has anything of the event's to push.
func (st *state) pending() bool {
	for _, f := range []engine.Field{engine.FieldTitle, engine.FieldLocation, engine.FieldDescription, engine.FieldTime, engine.FieldRecurrence} {
		if st.link.FieldHashes[string(f)] != st.hashes[string(f)] {
			return true
		}
	}
	return false
}

// providerChanged lists what the provider changed since the agreed
// version, of what flows back: time always, content only for events made
// at the provider (Calsync's events show Calsync's content).
func (st *state) providerChanged() []string {
	switch {
	case st.prov.Deleted:
		return []string{changedDeleted}
	}
	var out []string
	if !st.prov.SameTime(st.agreed) {
		out = append(out, changedTime)
	}
	if st.provider() && !st.prov.SameContent(st.agreed) {
		out = append(out, changedContent)
	}
	return out
}

// settle decides what the provider's version of link linkID (fresh, nil
// when deleted) means: nothing, a change taken into the booking, or a
// conflict.
func (s *Syncer) settle(ctx context.Context, ac *access, linkID int, fresh *inbound.Event) error {
	st, err := s.load(ctx, ac, linkID, fresh)
	if err != nil || st == nil {
		return err
	}
	if fresh != nil && fresh.ETag != "" && fresh.ETag == st.link.Etag {
		return nil
	}
	open, err := s.openConflict(st.sys, st.link.ID)
	if err != nil {
		return err
	}
	if open != nil {
		if open.OccurrenceStart != nil {
			// Over one occurrence: the series' own version is not what
			// is contested; it is settled once the conflict is.
			return nil
		}
		return s.refreshConflict(st, open)
	}
	prov := st.providerChanged()
	ours := st.calsyncChanged()
	switch {
	case len(prov) == 0:
		return s.take(st, prov)
	case st.prov.Deleted && st.pending():
		// Deleted there, changed here: a person decides.
		if len(ours) == 0 {
			ours = []string{changedContent}
		}
		return s.conflict(st, ours, prov)
	case overlaps(prov, ours):
		return s.conflict(st, ours, prov)
	}
	return s.take(st, prov)
}

// take applies what the provider changed (prov) to the booking: nothing
// (its etag is recorded), a deletion, or a time or content change.
func (s *Syncer) take(st *state, prov []string) error {
	switch {
	case len(prov) == 0:
		return s.agree(st)
	case st.prov.Deleted:
		return s.takeDeletion(st)
	}
	return s.takeChange(st, slices.Contains(prov, changedTime), slices.Contains(prov, changedContent))
}

// overlaps: both sides changed the same thing.
func overlaps(prov, ours []string) bool {
	for _, p := range prov {
		if slices.Contains(ours, p) {
			return true
		}
	}
	return false
}

// agree records the provider's new etag when nothing that flows back
// changed. A Calsync event whose rendered content was edited at the
// provider gets Calsync's content again; a change Calsync still has to
// push is pushed with the new etag.
func (s *Syncer) agree(st *state) error {
	return store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.o.Client)
		hashes := copyHashes(st.link.FieldHashes)
		rewrite := !st.provider() && !st.prov.SameContent(st.agreed)
		if rewrite {
			for _, f := range []engine.Field{engine.FieldTitle, engine.FieldLocation, engine.FieldDescription} {
				delete(hashes, string(f))
			}
		}
		u := db.EventLink.UpdateOne(st.link).SetEtag(st.fresh.ETag)
		if rewrite {
			u.SetFieldHashes(hashes)
		}
		if err := u.Exec(ctx); err != nil {
			return fmt.Errorf("twoway: record etag: %w", err)
		}
		if rewrite || st.pending() {
			return s.o.Push(ctx, st.org.ID, []int{st.bk.ID}, []int{st.user.ID})
		}
		return nil
	})
}

func copyHashes(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// takeChange applies the provider's time (and, for events made there,
// content) to the booking, and records that the provider holds it, so
// the engine pushes nothing back for this event.
func (s *Syncer) takeChange(st *state, takeTime, takeContent bool) error {
	in := ent.UpdateBookingInput{}
	if takeTime {
		start, end := bookingTimes(st.prov, st.bk.TimeZone, st.org.DefaultTimeZone)
		in.StartAt, in.EndAt, in.AllDay = &start, &end, &st.prov.AllDay
		if rule := st.takenRule(); rule != "" {
			in.Recurrence = &rule
		}
	}
	if takeContent {
		title := bookingTitle(st.prov.Title)
		desc := domain.Clip(st.prov.Description, 5000)
		in.Title, in.ServiceDescription = &title, &desc
		addrs := append([]string(nil), st.bk.Addresses...)
		loc := domain.Clip(st.prov.Location, 500)
		switch {
		case loc == "" && len(addrs) > 0:
			addrs = addrs[1:]
		case loc != "" && len(addrs) > 0:
			addrs[0] = loc
		case loc != "":
			addrs = []string{loc}
		}
		if len(addrs) == 0 {
			in.ClearAddresses = true
		} else {
			in.Addresses = addrs
		}
	}
	return store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		if _, err := s.o.Scheduling.UpdateBooking(ctx, st.bk.ID, in); err != nil {
			return fmt.Errorf("twoway: take the provider's change: %w", err)
		}
		return s.recordTaken(ctx, st, takeTime, takeContent)
	})
}

// takenRule is the provider's rule when the booking's series takes it: a
// rule both sides know, changed at the provider, that a booking can hold
// (one it cannot keeps the booking's, and is logged).
func (st *state) takenRule() string {
	r := strings.TrimPrefix(strings.TrimSpace(st.prov.Rule), "RRULE:")
	if r == "" || strings.TrimSpace(st.bk.Recurrence) == "" || st.prov.SameRule(st.agreed) ||
		recurrence.Equivalent(r, st.bk.Recurrence, st.bk.StartAt, st.bk.TimeZone) {
		return ""
	}
	if err := domain.ValidateRRule(r); err != nil || len(r) > 1000 {
		return ""
	}
	return r
}

// recordTaken updates the link after the booking took the provider's
// version: its hashes of the taken groups are what the booking renders
// now, its agreed version the provider's.
func (s *Syncer) recordTaken(ctx context.Context, st *state, takeTime, takeContent bool) error {
	db := store.ClientFrom(ctx, s.o.Client)
	b, err := engine.WithRendered(db.Booking.Query()).Where(booking.ID(st.bk.ID)).WithHosts().Only(ctx)
	if err != nil {
		return fmt.Errorf("twoway: booking: %w", err)
	}
	st.bk = b
	st.render()
	hashes := copyHashes(st.link.FieldHashes)
	agreed := st.agreed
	if takeTime {
		hashes[string(engine.FieldTime)] = st.hashes[string(engine.FieldTime)]
		agreed.Start, agreed.End, agreed.AllDay = st.prov.Start, st.prov.End, st.prov.AllDay
		if st.prov.Rule != "" {
			agreed.Rule = st.prov.Rule
			if recurrence.Equivalent(st.prov.Rule, st.bk.Recurrence, st.bk.StartAt, st.bk.TimeZone) {
				// The provider holds the booking's rule (one the booking
				// could not take is pushed back over it).
				hashes[string(engine.FieldRecurrence)] = st.hashes[string(engine.FieldRecurrence)]
			}
		}
	}
	if takeContent {
		for _, f := range []engine.Field{engine.FieldTitle, engine.FieldLocation, engine.FieldDescription} {
			hashes[string(f)] = st.hashes[string(f)]
		}
		agreed.Title, agreed.Location, agreed.Description = st.prov.Title, st.prov.Location, st.prov.Description
	}
	u := db.EventLink.UpdateOne(st.link).SetFieldHashes(hashes).SetAgreed(agreed)
	if st.fresh != nil {
		u.SetEtag(st.fresh.ETag)
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("twoway: record the provider's version: %w", err)
	}
	return nil
}

// takeDeletion applies a deletion at the provider: the fieldworker leaves
// a booking others host too; otherwise an event made at the provider
// deletes its booking and one of Calsync's cancels it.
func (s *Syncer) takeDeletion(st *state) error {
	return store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.o.Client)
		if err := db.EventLink.UpdateOne(st.link).SetState(eventlink.StateDELETED).SetAgreed(st.prov).Exec(ctx); err != nil {
			return fmt.Errorf("twoway: record the deletion: %w", err)
		}
		var others []int
		for _, h := range st.bk.Edges.Hosts {
			if h.ID != st.user.ID {
				others = append(others, h.ID)
			}
		}
		var err error
		switch {
		case len(others) > 0:
			_, err = s.o.Scheduling.ReassignBooking(ctx, st.bk.ID, others)
		case st.provider():
			err = s.o.Scheduling.DeleteBooking(ctx, st.bk.ID)
		case st.bk.CancelledAt == nil:
			reason := fmt.Sprintf("The event was deleted from %s's %s calendar.", st.user.Name, st.acct.Provider.DisplayName())
			_, err = s.o.Scheduling.CancelBooking(ctx, st.bk.ID, &reason)
		}
		if err != nil {
			return fmt.Errorf("twoway: take the deletion: %w", err)
		}
		return nil
	})
}

// bookingTimes turns a provider version's times into a booking's: all-day
// dates start and end at midnight in the booking's zone.
func bookingTimes(v domain.EventVersion, tz, orgTZ string) (time.Time, time.Time) {
	if !v.AllDay {
		return v.Start, v.End
	}
	if tz == "" {
		tz = orgTZ
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc) }
	return day(v.Start), day(v.End)
}

// bookingTitle is a title a booking can hold.
func bookingTitle(t string) string {
	t = strings.TrimSpace(t)
	if t == "" {
		return "(No title)"
	}
	return domain.Clip(t, 500)
}

// arrived handles an event met for the first time in a calendar that
// flows back: in the destination, first contact adopts a booking it
// matches; elsewhere an event matching a booking stays busy time;
// otherwise it becomes a booking of the calendar's fieldworker, kept in
// this calendar.
func (s *Syncer) arrived(ctx context.Context, r *read, e inbound.Event) error {
	if r.host == 0 {
		return nil
	}
	a := r.ac.acct
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	db := s.o.Client
	org, err := db.Organization.Get(sys, a.OrganizationID)
	if err != nil {
		return fmt.Errorf("twoway: organization: %w", err)
	}
	u, err := db.User.Get(sys, r.host)
	if err != nil {
		return fmt.Errorf("twoway: user: %w", err)
	}
	if !u.Active {
		return nil
	}
	pv := versionOf(e)
	if b, placed, err := s.match(sys, org, u, a, pv, e.Series); err != nil || b != nil {
		if err != nil || !r.ac.destination() {
			return err
		}
		if !placed {
			return s.adopt(sys, org, u, a, b, e, pv)
		}
	}
	typ, err := s.typeFor(sys, e.Private)
	if err != nil {
		return err
	}
	if typ != nil && !typ.SyncToCalendar {
		return nil // such bookings are not synced: the event stays busy time
	}
	tz := u.TimeZone
	if tz == "" || tz == "UTC" {
		tz = org.DefaultTimeZone
	}
	if e.Series != nil && e.Series.TimeZone != "" && domain.ValidateTimeZone(e.Series.TimeZone) == nil {
		tz = e.Series.TimeZone // the zone the rule's days are counted in
	}
	start, end := bookingTimes(pv, tz, org.DefaultTimeZone)
	if !end.After(start) {
		end = start.Add(time.Minute) // a booking takes time; zero-length events become a minute
	}
	in := ent.CreateBookingInput{Title: bookingTitle(e.Title), StartAt: start, EndAt: end, TimeZone: &tz,
		AllDay: &pv.AllDay, HostIDs: []int{u.ID}}
	if typ != nil {
		in.TypeID = &typ.ID
	}
	if d := domain.Clip(strings.TrimSpace(e.Description), 5000); d != "" {
		in.ServiceDescription = &d
	}
	if l := domain.Clip(strings.TrimSpace(e.Location), 500); l != "" {
		in.Addresses = []string{l}
	}
	if e.Series != nil {
		rule := e.Series.Rule
		in.Recurrence = &rule
		in.RecurrenceExceptions = e.Series.ExDates
	}
	return store.InTx(sys, db, func(ctx context.Context) error {
		b, err := s.o.Scheduling.CreateBooking(ctx, in)
		if err != nil {
			return fmt.Errorf("twoway: booking from %q: %w", e.ID, err)
		}
		b, err = engine.WithRendered(store.ClientFrom(ctx, db).Booking.Query()).Where(booking.ID(b.ID)).Only(ctx)
		if err != nil {
			return err
		}
		want := engine.Raw(engine.Render(org, b, u, false), b)
		err = store.ClientFrom(ctx, db).EventLink.Create().SetOrganizationID(org.ID).
			SetBookingRef(b.ID).SetBookingID(b.ID).SetUserID(u.ID).SetAccountID(a.ID).SetCalendarID(r.ac.cal.CalendarID).
			SetProviderEventID(e.ID).SetEtag(e.ETag).SetState(eventlink.StateSYNCED).SetOrigin(eventlink.OriginPROVIDER).
			SetFieldHashes(engine.FieldHashes(want)).SetAgreed(pv).Exec(ctx)
		if err != nil {
			return fmt.Errorf("twoway: link the booking to %q: %w", e.ID, err)
		}
		return nil
	})
}

// arrivedSeries handles a series met for the first time (by an
// occurrence): its master, read now, is taken like a single event — a
// recurring booking with the series' rule — and the occurrences cancelled
// in it become exceptions. A rule Calsync cannot keep leaves the series
// busy time.
func (s *Syncer) arrivedSeries(ctx context.Context, r *read, seriesID string) error {
	if r.host == 0 {
		return nil
	}
	if l, err := s.linkOf(ctx, r.ac, seriesID); err != nil || l != nil {
		return err // another page made it already
	}
	master, err := s.current(ctx, r.ac, seriesID)
	if err != nil || master == nil || master.Owned || master.Series == nil || master.Series.Rule == "" {
		return err
	}
	if err := s.arrived(ctx, r, *master); err != nil {
		return err
	}
	l, err := s.linkOf(ctx, r.ac, seriesID)
	if err != nil || l == nil {
		return err
	}
	_, err = s.occurrences(ctx, r.ac, l, r.window)
	return err
}

// typeFor is the booking type of an event made at the provider: the
// personal type for private events, else the default type (nil: none).
func (s *Syncer) typeFor(ctx context.Context, private bool) (*ent.BookingType, error) {
	q := s.o.Client.BookingType.Query()
	if private {
		t, err := q.Where(bookingtype.Personal(true)).First(ctx)
		if err == nil {
			return t, nil
		}
		if !ent.IsNotFound(err) {
			return nil, fmt.Errorf("twoway: personal type: %w", err)
		}
		q = s.o.Client.BookingType.Query()
	}
	t, err := q.Where(bookingtype.Default(true)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("twoway: default type: %w", err)
	}
	return t, nil
}

// match finds a booking of u with the event's title, start and end,
// preferring one whose event Calsync has not placed in the destination
// calendar yet (first contact: the provider's copy is adopted, not
// duplicated); placed says every match is placed already.
func (s *Syncer) match(ctx context.Context, org *ent.Organization, u *ent.User, a *ent.CalendarAccount, pv domain.EventVersion, series *inbound.Series) (*ent.Booking, bool, error) {
	from, to := pv.Start.Add(-24*time.Hour), pv.End.Add(24*time.Hour)
	rule := booking.Or(booking.RecurrenceIsNil(), booking.Recurrence(""))
	if series != nil {
		rule = booking.RecurrenceIn(series.Rule, "RRULE:"+series.Rule)
	}
	cands, err := engine.WithRendered(s.o.Client.Booking.Query()).
		Where(booking.HasHostsWith(user.ID(u.ID)), rule,
			booking.StartAtGTE(from), booking.StartAtLT(to), booking.CancelledAtIsNil(), booking.Published(true)).
		Order(ent.Asc(booking.FieldID)).All(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("twoway: match: %w", err)
	}
	var placedMatch *ent.Booking
	for _, b := range cands {
		if b.Edges.Type != nil && !b.Edges.Type.SyncToCalendar {
			continue
		}
		ev := engine.Render(org, b, u, false)
		v := engine.VersionOf(ev)
		if !v.SameTime(pv) || (strings.TrimSpace(b.Title) != strings.TrimSpace(pv.Title) && ev.Title != pv.Title) {
			continue
		}
		placed, err := s.o.Client.EventLink.Query().
			Where(eventlink.AccountID(a.ID), eventlink.CalendarID(a.DestinationCalendarID), eventlink.BookingRef(b.ID),
				eventlink.UserID(u.ID), eventlink.StateNEQ(eventlink.StateDELETED)).Exist(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("twoway: match: %w", err)
		}
		if !placed {
			return b, false, nil
		}
		if placedMatch == nil {
			placedMatch = b
		}
	}
	return placedMatch, placedMatch != nil, nil
}

// adopt links booking b to the provider's matching event e: the event
// becomes Calsync's (the engine renders its content and tags onto it at
// the etag read), its time already agrees.
func (s *Syncer) adopt(ctx context.Context, org *ent.Organization, u *ent.User, a *ent.CalendarAccount, b *ent.Booking, e inbound.Event, pv domain.EventVersion) error {
	want := engine.FieldHashes(engine.Render(org, b, u, false))
	hashes := map[string]string{string(engine.FieldTime): want[string(engine.FieldTime)]}
	return store.InTx(ctx, s.o.Client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.o.Client)
		existing, err := db.EventLink.Query().
			Where(eventlink.AccountID(a.ID), eventlink.CalendarID(a.DestinationCalendarID), eventlink.BookingRef(b.ID), eventlink.UserID(u.ID)).
			Only(ctx)
		switch {
		case ent.IsNotFound(err):
			err = db.EventLink.Create().SetOrganizationID(org.ID).
				SetBookingRef(b.ID).SetBookingID(b.ID).SetUserID(u.ID).SetAccountID(a.ID).SetCalendarID(a.DestinationCalendarID).
				SetEventKey(engine.EventKey(org.ID, b.ID, u.ID, a.DestinationCalendarID, 0)).
				SetProviderEventID(e.ID).SetEtag(e.ETag).SetState(eventlink.StateSYNCED).SetOrigin(eventlink.OriginCALSYNC).
				SetFieldHashes(hashes).SetAgreed(pv).Exec(ctx)
		case err == nil:
			err = db.EventLink.UpdateOne(existing).SetGeneration(existing.Generation + 1).
				SetEventKey(engine.EventKey(org.ID, b.ID, u.ID, a.DestinationCalendarID, existing.Generation+1)).
				SetProviderEventID(e.ID).SetEtag(e.ETag).SetState(eventlink.StateSYNCED).SetOrigin(eventlink.OriginCALSYNC).
				SetFieldHashes(hashes).SetAgreed(pv).SetLastError("").Exec(ctx)
		}
		if err != nil {
			return fmt.Errorf("twoway: adopt %q: %w", e.ID, err)
		}
		s.o.Logger.InfoContext(ctx, "two-way first contact adopted a matching event", slog.Int("booking_id", b.ID), slog.Int("user_id", u.ID))
		return s.o.Push(ctx, org.ID, []int{b.ID}, []int{u.ID})
	})
}

// openConflict is link linkID's open conflict, if any.
func (s *Syncer) openConflict(ctx context.Context, linkID int) (*ent.SyncConflict, error) {
	c, err := store.ClientFrom(ctx, s.o.Client).SyncConflict.Query().
		Where(syncconflict.LinkID(linkID), syncconflict.StateEQ(syncconflict.StateOPEN)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("twoway: open conflict: %w", err)
	}
	return c, nil
}

// versions are the two sides of a conflict. On Calsync's own events the
// description is Calsync's rendering (not contested), so it is left out.
func (st *state) versions() (calsync, provider domain.EventVersion) {
	calsync, provider = engine.VersionOf(st.want), st.prov
	if st.bk.CancelledAt != nil {
		calsync.Deleted = true
	}
	if !st.provider() {
		calsync.Description, provider.Description = "", ""
	}
	return calsync, provider
}

// conflict opens a conflict: neither side is written until it is
// resolved.
func (s *Syncer) conflict(st *state, ours, prov []string) error {
	var c *ent.SyncConflict
	err := store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		db := store.ClientFrom(ctx, s.o.Client)
		var err error
		cv, pv := st.versions()
		q := db.SyncConflict.Create().SetOrganizationID(st.org.ID).SetBookingID(st.bk.ID).SetUserID(st.user.ID).
			SetLinkID(st.link.ID).SetProvider(st.acct.Provider).
			SetCalsyncVersion(cv).SetProviderVersion(pv).
			SetCalsyncChanged(ours).SetProviderChanged(prov)
		if st.fresh != nil {
			q.SetProviderEtag(st.fresh.ETag)
		}
		if c, err = q.Save(ctx); err != nil {
			return fmt.Errorf("twoway: open conflict: %w", err)
		}
		s.announce(ctx, c)
		return nil
	})
	if err == nil {
		s.o.Logger.InfoContext(st.sys, "two-way conflict opened", slog.Int("conflict_id", c.ID), slog.Int("booking_id", st.bk.ID))
	}
	return err
}

// refreshConflict keeps an open conflict's versions current.
func (s *Syncer) refreshConflict(st *state, c *ent.SyncConflict) error {
	return store.InTx(st.sys, s.o.Client, func(ctx context.Context) error {
		cv, pv := st.versions()
		u := store.ClientFrom(ctx, s.o.Client).SyncConflict.UpdateOne(c).
			SetProviderVersion(pv).SetCalsyncVersion(cv).SetProviderChanged(st.providerChanged())
		if st.fresh != nil {
			u.SetProviderEtag(st.fresh.ETag)
		}
		c, err := u.Save(ctx)
		if err != nil {
			return fmt.Errorf("twoway: update conflict: %w", err)
		}
		s.announce(ctx, c)
		return nil
	})
}

// announce tells the notifier once ctx's transaction commits.
func (s *Syncer) announce(ctx context.Context, c *ent.SyncConflict) {
	if s.o.Notifier == nil {
		return
	}
	store.AfterCommit(ctx, func(ctx context.Context) { s.o.Notifier.ConflictChanged(ctx, c) })
}

func isNotFound(err error) bool { return errors.Is(err, engine.ErrNotFound) }
