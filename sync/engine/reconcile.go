package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/eventlink"
	"calsync/ent/syncrun"
	"calsync/internal/domain"
	"calsync/internal/store"
)

// Credentials gives the token source of an account (linking/credentials).
type Credentials interface {
	TokenSource(ctx context.Context, a *ent.CalendarAccount) (oauth2.TokenSource, error)
}

// invalidator is implemented by token sources that can be told a token was
// refused (linking's stored tokens).
type invalidator interface{ Invalidate() }

// Progress hears about runs as they advance (for live status).
type Progress interface {
	SyncProgress(ctx context.Context, run *ent.SyncRun, userIDs []int)
}

// Options configures a Reconciler.
type Options struct {
	Client      *ent.Client
	Providers   map[domain.Provider]Provider
	Credentials Credentials
	Progress    Progress
	// Pacer keeps each account under its provider quota (nil: unpaced).
	Pacer *Pacer
	// LockAccount serializes changes to one account's calendar across
	// workers (the sync task holds it too); nil: no locking.
	LockAccount func(ctx context.Context, accountID int) (unlock func(), err error)
	Now         func() time.Time
	Logger      *slog.Logger
	// PushLag, when set, learns how long booking changes took to reach
	// calendars (metrics); nil: not measured.
	PushLag PushObserver
	// TwoWay hears of provider-side changes met while pushing in
	// organizations syncing both ways; nil: Calsync's booking wins.
	TwoWay TwoWay
	// Writes records recent writes to calendars, shared between processes
	// (API processes receive the notifications that workers' writes
	// cause); nil: in this process only.
	Writes WriteMarks
	// Synced, when set, hears of each event the provider acknowledged
	// (created or updated), once its link is committed: the pair and the
	// start it was written with (benchmarks time changes by it).
	Synced func(bookingRef, userID int, start time.Time)
}

// PushObserver is told, for each event an incremental sync created,
// updated or deleted for a booking, the time from the booking's last
// commit (its updated_at) to the provider's acknowledgement.
type PushObserver interface {
	ObservePushLag(time.Duration)
}

// Reconciler makes calendars equal to the desired state.
type Reconciler struct {
	client    *ent.Client
	providers map[domain.Provider]Provider
	creds     Credentials
	progress  Progress
	pacer     *Pacer
	lock      func(ctx context.Context, accountID int) (func(), error)
	now       func() time.Time
	log       *slog.Logger
	pushLag   PushObserver
	twoWay    TwoWay
	synced    func(bookingRef, userID int, start time.Time)
	writes    WriteMarks
	// inStep is when each account's last successful run in this process
	// started (the push lag's "in step since").
	inStepMu sync.Mutex
	inStep   map[int]time.Time
}

// echoWindow is how long after a write a notification of the calendar is
// taken for its echo (WroteRecently).
const echoWindow = 2 * time.Second

// WriteMarks records Calsync's writes to calendars for a short while
// (internal/app keeps them in Redis, where every process sees them; the
// default, memoryMarks, in this process).
type WriteMarks interface {
	Mark(ctx context.Context, accountID int, calendarID string, ttl time.Duration)
	Marked(ctx context.Context, accountID int, calendarID string) bool
}

// memoryMarks are WriteMarks kept in this process.
type memoryMarks struct {
	now func() time.Time
	mu  sync.Mutex
	// until is when each calendar's mark ends.
	until map[calendarKey]time.Time
}

type calendarKey struct {
	account  int
	calendar string
}

func (m *memoryMarks) Mark(_ context.Context, accountID int, calendarID string, ttl time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.until == nil {
		m.until = map[calendarKey]time.Time{}
	}
	if len(m.until) >= 4096 {
		for k, end := range m.until {
			if !now.Before(end) {
				delete(m.until, k)
			}
		}
	}
	m.until[calendarKey{accountID, calendarID}] = now.Add(ttl)
}

func (m *memoryMarks) Marked(_ context.Context, accountID int, calendarID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	end, ok := m.until[calendarKey{accountID, calendarID}]
	return ok && m.now().Before(end)
}

// WroteRecently reports whether Calsync wrote to the account's calendar
// within the last two seconds: the provider's notification of that
// calendar then most likely announces Calsync's own write.
func (r *Reconciler) WroteRecently(ctx context.Context, accountID int, calendarID string) bool {
	return r.writes.Marked(ctx, accountID, calendarID)
}

// inStepSince is when the account's last successful run in this process
// started (false: none since the process started; the runs recorded say).
func (r *Reconciler) inStepSince(accountID int) (time.Time, bool) {
	r.inStepMu.Lock()
	defer r.inStepMu.Unlock()
	at, ok := r.inStep[accountID]
	return at, ok
}

// noteInStep records a successful run's start.
func (r *Reconciler) noteInStep(accountID int, started time.Time) {
	r.inStepMu.Lock()
	defer r.inStepMu.Unlock()
	if r.inStep == nil {
		r.inStep = map[int]time.Time{}
	}
	if started.After(r.inStep[accountID]) {
		r.inStep[accountID] = started
	}
}

// New returns a Reconciler.
func New(o Options) *Reconciler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Writes == nil {
		o.Writes = &memoryMarks{now: o.Now}
	}
	return &Reconciler{client: o.Client, providers: o.Providers, creds: o.Credentials, progress: o.Progress, pacer: o.Pacer, lock: o.LockAccount, now: o.Now, log: o.Logger, pushLag: o.PushLag, twoWay: o.TwoWay, synced: o.Synced, writes: o.Writes}
}

// ErrAccountStopped means the account cannot be synced until a person acts
// (re-authorization, permission): retrying is pointless.
var ErrAccountStopped = errors.New("engine: account stopped")

// step is one planned change.
type step struct {
	pair  pairKey
	link  *ent.EventLink
	op    Op
	d     decision
	tries int
	// cal is the calendar the step writes to: the destination, or the
	// calendar a booking made from a provider event came from.
	cal string
}

// run carries one sync's state.
type run struct {
	r       *Reconciler
	ctx     context.Context
	account *ent.CalendarAccount
	org     *ent.Organization
	pr      Provider
	ts      oauth2.TokenSource
	rec     *ent.SyncRun
	kind    syncrun.Kind
	// scope limits the run to these bookings (nil: the whole account).
	scope  map[int]bool
	users  []int
	counts struct{ created, updated, deleted, skipped, failed int }
	// inStepSince is when the calendar was last in step (the previous
	// successful run's start), read once when a push lag is observed.
	inStepSince *time.Time
	// tw is the account's two-way state.
	tw TwoWayState
	// staleErr is the first failed hand-off of a stale event to two-way
	// sync found by planning: it fails the run after its changes are made.
	staleErr error
	// started is when the run began; done is the caller's bookkeeping of
	// handled requests, run with a successful outcome.
	started time.Time
	done    func(context.Context, *ent.Client, time.Time) error
	// planned is the number of steps of a run recorded only with its
	// outcome (rec nil: a scoped round of one batch); concluded is that
	// outcome, when the batch's own transaction recorded it.
	planned   int
	concluded *ent.SyncRun
	// failed is set once a batch of the run failed: its requests must
	// stay unhandled, so no later batch concludes the run.
	failed bool
}

// begin records the run as running.
func (x *run) begin(total int) error {
	rec, err := x.r.client.SyncRun.Create().SetAccountID(x.account.ID).SetKind(x.kind).SetState(syncrun.StateRUNNING).
		SetStartedAt(x.started).SetTotal(total).Save(x.ctx)
	if err != nil {
		return fmt.Errorf("engine: start run: %w", err)
	}
	x.rec = rec
	return nil
}

// syncOnce runs one round: one SyncRun reconciling the account's
// calendar (nil when the account has nothing to sync).
// scope, when not nil, limits the round to those bookings' pairs (an
// incremental sync of changed bookings); nil compares the whole account.
//
// done, run in the same transaction as the run's successful outcome,
// records the requests the round handled and the account's last sync
// (the time it is given); it is not run when the round fails, nor when
// there is nothing to sync (the caller runs it then).
func (r *Reconciler) syncOnce(sys context.Context, a *ent.CalendarAccount, kind syncrun.Kind, scope map[int]bool, done func(context.Context, *ent.Client, time.Time) error) (*ent.SyncRun, error) {
	if !AccountSyncs(a) || a.DestinationCalendarID == "" {
		return nil, nil // unlinked, waiting for re-authorization, or not prepared yet
	}
	pr, ok := r.providers[a.Provider]
	if !ok {
		return nil, fmt.Errorf("engine: no adapter for %s: %w", a.Provider, ErrAccountStopped)
	}
	org, err := renderedOrg(a) // loaded with the account (Sync)
	if err != nil {
		return nil, err
	}
	ts, err := r.creds.TokenSource(sys, a)
	if err != nil {
		return nil, fmt.Errorf("engine: credentials: %w", err)
	}
	x := &run{r: r, ctx: sys, account: a, org: org, pr: pr, ts: ts, kind: kind, scope: scope, started: r.now(), done: done}
	if scope == nil {
		// A whole account takes a while (a re-sync lists the calendar):
		// it shows as running from the start. A scoped round is recorded
		// once planned, with its total (one statement fewer per change).
		if err := x.begin(0); err != nil {
			return nil, err
		}
	}
	if r.twoWay != nil {
		if x.tw, err = twoWayFrom(a); err != nil {
			return x.finish(err)
		}
	}
	for _, u := range a.Edges.Users {
		x.users = append(x.users, u.ID)
	}
	runErr := x.execute(kind)
	return x.finish(runErr)
}

func (x *run) execute(kind syncrun.Kind) error {
	steps, err := x.plan(kind == syncrun.KindRESYNC)
	if err != nil {
		return err
	}
	if x.rec == nil {
		if x.scope != nil && oneBatch(steps, x.pr.MaxBatch()) {
			// A booking change's round: recorded with its outcome, in the
			// batch's transaction when it succeeds (three statements and
			// two progress messages fewer per change).
			x.planned = len(steps)
		} else if err := x.begin(len(steps)); err != nil {
			return err
		}
	} else {
		// One statement (UpdateOne would read the row back in a transaction).
		if err := x.r.client.SyncRun.Update().Where(syncrun.ID(x.rec.ID)).SetTotal(len(steps)).Exec(x.ctx); err != nil {
			return err
		}
		x.rec.Total = len(steps)
	}
	x.report()
	var transient error
	for round := 0; len(steps) > 0 && round < 3; round++ {
		var again []*step
		byCalendar(steps)
		for start := 0; start < len(steps); {
			end := min(start+x.pr.MaxBatch(), len(steps))
			for i := start + 1; i < end; i++ {
				if steps[i].cal != steps[start].cal {
					end = i // a batch writes to one calendar
					break
				}
			}
			retry, err := x.apply(steps[start:end])
			again = append(again, retry...)
			if err != nil {
				var rl *RateLimitedError
				if errors.As(err, &rl) || errors.Is(err, ErrAccountStopped) || errors.Is(err, context.Canceled) {
					return err
				}
				transient = err
				x.failed = true
			}
			if x.rec != nil {
				x.rec.Done = min(x.rec.Done+end-start, x.rec.Total)
				x.report()
			}
			start = end
		}
		steps = again
	}
	if len(steps) > 0 && transient == nil {
		transient = fmt.Errorf("engine: %d changes still conflicting after retries", len(steps))
	}
	if transient == nil {
		transient = x.staleErr
	}
	return transient
}

// oneBatch says whether steps are written in one provider call: one
// calendar, at most max steps.
func oneBatch(steps []*step, max int) bool {
	return len(steps) <= max && !slices.ContainsFunc(steps, func(s *step) bool { return s.cal != steps[0].cal })
}

// plan reads what the sync decides from — the desired state, the links
// and, when needed, what the provider holds — and leaves the deciding to
// plan.
func (x *run) plan(verify bool) ([]*step, error) {
	db := x.r.client
	users := x.account.Edges.Users // selected with the account (Sync, UsersFromRow)
	var bookingIDs []int
	for id := range x.scope {
		bookingIDs = append(bookingIDs, id)
	}
	desired, err := desiredFor(x.ctx, db, x.org, users, x.r.now(), bookingIDs)
	if err != nil {
		return nil, err
	}
	lq := db.EventLink.Query().Where(eventlink.AccountID(x.account.ID))
	if x.scope != nil {
		lq.Where(eventlink.BookingRefIn(bookingIDs...))
	}
	links, err := lq.All(x.ctx)
	if err != nil {
		return nil, err
	}
	var held map[int]bool
	if x.tw.On {
		if held, err = heldLinks(x.ctx, db, x.account.ID); err != nil {
			return nil, err
		}
	}
	members := map[int]bool{}
	for _, u := range users {
		members[u.ID] = true
	}
	var steps []*step
	for _, in := range x.calendars(desired, links) {
		in.members, in.held, in.twoWay = members, held, x.tw.On
		if in.calendarID == x.account.DestinationCalendarID {
			in.verify, in.deferCreates = verify, x.tw.On && !x.tw.Ready
			if needsList(in.desired, in.links, verify) {
				if err := x.r.pacer.Wait(x.ctx, x.account.Provider, x.account.ID, 1); err != nil {
					return nil, err
				}
				if in.tagged, err = x.pr.ListTagged(x.ctx, x.ts, x.calendar(in.calendarID), strconv.Itoa(x.org.ID)); err != nil {
					return nil, fmt.Errorf("engine: list events: %w", err)
				}
			}
		}
		p := plan(in)
		for _, l := range p.forget {
			if err := db.EventLink.UpdateOne(l).SetState(eventlink.StateDELETED).Exec(x.ctx); err != nil {
				return nil, err
			}
		}
		x.counts.skipped += p.skipped
		for _, l := range p.stale {
			if err := x.staleLink(l); err != nil && x.staleErr == nil {
				x.staleErr = err
			}
		}
		for _, s := range p.steps {
			if x.tw.On && x.r.twoWay != nil && s.link != nil && rewritesOccurrences(s.op) && !x.occurrencesAgreed(s) {
				x.counts.skipped++
				continue
			}
			steps = append(steps, s)
		}
	}
	return steps, nil
}

// calendars splits what the account's calendars should hold: a booking
// made from a provider event stays in the calendar it came from (its
// live link of origin PROVIDER says which) for the fieldworker it came
// from; every other pair goes to the destination calendar. Only the
// destination is compared with what the provider holds (re-sync): other
// calendars hold the fieldworker's own events, never Calsync's.
func (x *run) calendars(desired map[pairKey]decision, links []*ent.EventLink) []planInput {
	dest := x.account.DestinationCalendarID
	home := map[pairKey]string{}
	for _, l := range links {
		if l.CalendarID != dest && l.Origin == eventlink.OriginPROVIDER && l.State != eventlink.StateDELETED && l.ProviderEventID != "" {
			home[pairKey{l.BookingRef, l.UserID}] = l.CalendarID
		}
	}
	ins := []planInput{{orgID: x.org.ID, calendarID: dest, desired: map[pairKey]decision{}}}
	index := map[string]int{dest: 0}
	of := func(cal string) *planInput {
		i, ok := index[cal]
		if !ok {
			i = len(ins)
			index[cal] = i
			ins = append(ins, planInput{orgID: x.org.ID, calendarID: cal, desired: map[pairKey]decision{}})
		}
		return &ins[i]
	}
	for pair, d := range desired {
		cal, ok := home[pair]
		if !ok {
			cal = dest
		}
		of(cal).desired[pair] = d
	}
	for _, l := range links {
		switch {
		case l.CalendarID == dest:
		case l.Origin == eventlink.OriginPROVIDER:
			// Also once deleted there: its booking may still want
			// nothing more of that calendar.
		default:
			continue // left behind in a former destination
		}
		in := of(l.CalendarID)
		in.links = append(in.links, l)
	}
	return ins
}

// calendar is the reference to one of the account's calendars.
func (x *run) calendar(id string) CalendarRef { return CalendarOf(x.account, id) }

// byCalendar orders steps so each calendar's are together (a provider
// batch writes to one calendar), keeping their order within a calendar.
func byCalendar(steps []*step) {
	slices.SortStableFunc(steps, func(a, b *step) int { return strings.Compare(a.cal, b.cal) })
}

// staleLink hands an event changed or gone at the provider to two-way
// sync. A failure that may pass (the provider or the database unavailable
// for a moment) fails the run once the rest is done: the read that
// reported the change may be past, so only the run's retry (which meets
// the stale event again) makes sure the change is taken. One that will
// not pass (the booking refuses the provider's version, access to that
// event is refused) is logged and left to the next read of the event, so
// one event cannot hold up the account's syncs.
func (x *run) staleLink(l *ent.EventLink) error {
	err := x.r.twoWay.Stale(x.ctx, x.account, l)
	if err == nil {
		return nil
	}
	x.r.log.WarnContext(x.ctx, "two-way: take a provider change", slog.Int("link_id", l.ID), slog.Any("error", err))
	if !passing(err) {
		return nil
	}
	return fmt.Errorf("engine: two-way: take a provider change: %w", err)
}

// occurrencesAgreed asks two-way sync whether step s may rewrite its
// series' occurrences: false when one changed at the provider was taken
// or queued (the booking's next round pushes what is left), or when the
// provider could not be asked (a failure that may pass fails the run
// after the rest, so its retry asks again).
func (x *run) occurrencesAgreed(s *step) bool {
	held, err := x.r.twoWay.Occurrences(x.ctx, x.account, s.link)
	if err == nil {
		return !held
	}
	x.r.log.WarnContext(x.ctx, "two-way: compare a series' occurrences", slog.Int("link_id", s.link.ID), slog.Any("error", err))
	if !passing(err) {
		return true
	}
	if x.staleErr == nil {
		x.staleErr = fmt.Errorf("engine: two-way: compare a series' occurrences: %w", err)
	}
	return false
}

// passing says whether err may clear on a retry: not a person's or the
// data's problem (a domain error, or a provider refusing the request as
// such).
func passing(err error) bool {
	if domain.CodeOf(err) != "" {
		return false
	}
	for _, lasting := range []error{ErrForbidden, ErrUnauthorized, ErrNotFound, ErrInvalid, ErrPrecondition} {
		if errors.Is(err, lasting) {
			return false
		}
	}
	return true
}

// createStep plans creating the pair's event under generation gen.
func (x *run) createStep(cal string, pair pairKey, l *ent.EventLink, d decision, gen int) *step {
	return planInput{orgID: x.org.ID, calendarID: cal}.createStep(pair, l, d, gen)
}

// apply runs one batch and records the outcomes. It returns the steps to
// try again (conflicts) and an error that stops or fails the run.
func (x *run) apply(steps []*step) ([]*step, error) {
	// The batch's links are written together: one transaction for the
	// reservations, one for the outcomes (SQLite takes one writer at a
	// time; a transaction per link made every change wait in line).
	switch creates := countCreates(steps); {
	case creates == 1:
		// One statement needs no transaction of its own.
		if err := x.reserve(steps); err != nil {
			return nil, err
		}
	case creates > 1:
		if err := x.inTx(func() error { return x.reserve(steps) }); err != nil {
			return nil, err
		}
	}
	ops := make([]Op, len(steps))
	for i, s := range steps {
		ops[i] = s.op
	}
	if err := x.r.pacer.Wait(x.ctx, x.account.Provider, x.account.ID, len(ops)); err != nil {
		return nil, err
	}
	cal := x.calendar(steps[0].cal)
	x.r.writes.Mark(x.ctx, x.account.ID, steps[0].cal, echoWindow)
	results, err := x.pr.Apply(x.ctx, x.ts, cal, ops)
	if errors.Is(err, ErrUnauthorized) {
		if inv, ok := x.ts.(invalidator); ok {
			inv.Invalidate()
		}
		results, err = x.pr.Apply(x.ctx, x.ts, cal, ops)
	}
	if err != nil {
		if steps[0].cal != x.account.DestinationCalendarID && errors.Is(err, ErrNotFound) {
			// A calendar a provider event came from is gone: the read
			// that meets its absence settles its bookings.
			return nil, fmt.Errorf("engine: calendar %q: %w", steps[0].cal, err)
		}
		return nil, x.stopIf(err)
	}
	if len(results) != len(ops) {
		return nil, fmt.Errorf("engine: adapter returned %d results for %d operations", len(results), len(ops))
	}
	var again []*step
	var firstErr error
	stop := func(err error) bool {
		var rl *RateLimitedError
		if errors.As(err, &rl) || errors.Is(err, ErrAccountStopped) {
			return true
		}
		if firstErr == nil {
			firstErr = err
		}
		return false
	}
	// Outcomes that need the provider again (a changed etag is re-read)
	// are recorded outside the transaction: no lock across the network.
	var later []int
	var stopErr error
	var concluded *ent.SyncRun
	if err := x.inTx(func() error {
		for i, s := range steps {
			if x.rereads(s, results[i]) {
				later = append(later, i)
				continue
			}
			retry, err := x.record(s, results[i])
			if retry != nil {
				again = append(again, retry)
			}
			if err != nil && stop(err) {
				stopErr = err
				return nil // what is recorded stays; the next run re-plans anyway
			}
		}
		if x.rec == nil && !x.failed && len(later) == 0 && len(again) == 0 && firstErr == nil && x.staleErr == nil {
			// The round's only batch, done, and nothing failed before
			// it: its outcome and handled requests commit with its
			// links. Should that fail, none of it is recorded and the
			// run fails, as a failed batch would.
			var err error
			if concluded, err = x.settle(x.ctx, x.db(), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	x.concluded = concluded // committed
	if stopErr != nil {
		return nil, stopErr
	}
	for _, i := range later {
		retry, err := x.record(steps[i], results[i])
		if retry != nil {
			again = append(again, retry)
		}
		if err != nil && stop(err) {
			return nil, err
		}
	}
	return again, firstErr
}

func countCreates(steps []*step) int {
	n := 0
	for _, s := range steps {
		if s.op.Kind == OpCreate {
			n++
		}
	}
	return n
}

// rereads says whether recording res reads the provider: a precondition
// failure re-reads the event's etag; in two-way sync an update refused as
// stale or missing goes to two-way sync, which reads the event.
func (x *run) rereads(s *step, res Result) bool {
	return x.handsOff(s, res.Err) || errors.Is(res.Err, ErrPrecondition) && s.op.Kind != OpCreate && s.tries < 2
}

// handsOff says whether err, an update's outcome, goes to two-way sync:
// the event changed (412) or went (404) at the provider.
func (x *run) handsOff(s *step, err error) bool {
	return x.tw.On && s.link != nil && s.op.Kind == OpUpdate && (errors.Is(err, ErrPrecondition) || errors.Is(err, ErrNotFound))
}

// db is the run's client: the transaction's inside inTx.
func (x *run) db() *ent.Client { return store.ClientFrom(x.ctx, x.r.client) }

// inTx runs fn with x.ctx in one transaction.
func (x *run) inTx(fn func() error) error {
	outer := x.ctx
	defer func() { x.ctx = outer }()
	return store.InTx(outer, x.r.client, func(ctx context.Context) error {
		x.ctx = ctx
		return fn()
	})
}

// stopIf turns errors that need a person into ErrAccountStopped and marks
// the account.
func (x *run) stopIf(err error) error {
	switch {
	case errors.Is(err, ErrForbidden):
		x.markAccount(calendaraccount.StatusERROR, "Calsync lost permission to write to the calendar: link it again and grant calendar access.")
		return fmt.Errorf("%w: %v", ErrAccountStopped, err)
	case errors.Is(err, ErrUnauthorized):
		return fmt.Errorf("%w: %v", ErrAccountStopped, err)
	case errors.Is(err, ErrNotFound):
		x.markAccount(calendaraccount.StatusERROR, "The destination calendar no longer exists: link the calendar again.")
		return fmt.Errorf("%w: %v", ErrAccountStopped, err)
	}
	return err
}

func (x *run) markAccount(status calendaraccount.Status, msg string) {
	// Only an account still in use: an unlink or re-authorization written
	// meanwhile must stand.
	err := x.db().CalendarAccount.Update().
		Where(calendaraccount.ID(x.account.ID), SyncingAccounts()).
		SetStatus(status).SetLastError(msg).Exec(context.WithoutCancel(x.ctx))
	if err != nil {
		x.r.log.ErrorContext(x.ctx, "mark account", slog.Int("account_id", x.account.ID), slog.Any("error", err))
	}
}

// reserve records each create's key before the call, so a worker killed
// after the provider created the event retries with the same key.
func (x *run) reserve(steps []*step) error {
	db := x.db()
	for _, s := range steps {
		if s.op.Kind != OpCreate {
			continue
		}
		gen := generationOf(s)
		if s.link == nil {
			b := s.d.booking
			l, err := db.EventLink.Create().SetBookingRef(b.ID).SetBookingID(b.ID).SetUserID(s.pair.user).
				SetAccountID(x.account.ID).SetCalendarID(s.cal).
				SetEventKey(s.op.Event.Key).SetGeneration(gen).SetState(eventlink.StatePENDING).Save(x.ctx)
			if err != nil {
				return fmt.Errorf("engine: reserve link: %w", err)
			}
			s.link = l
			continue
		}
		if s.link.EventKey == s.op.Event.Key && s.link.State == eventlink.StatePENDING {
			continue
		}
		l, err := db.EventLink.UpdateOne(s.link).SetEventKey(s.op.Event.Key).SetGeneration(gen).
			SetState(eventlink.StatePENDING).SetProviderEventID("").SetEtag("").ClearFieldHashes().Save(x.ctx)
		if err != nil {
			return fmt.Errorf("engine: reserve link: %w", err)
		}
		s.link = l
	}
	return nil
}

// generationOf recovers the generation a create step's key was made for.
func generationOf(s *step) int {
	if s.link == nil {
		return 0
	}
	if s.link.State == eventlink.StateDELETED || (s.link.ProviderEventID != "" && s.link.EventKey != s.op.Event.Key) {
		return s.link.Generation + 1
	}
	return s.link.Generation
}

// record stores one result. It returns a step to retry (after a
// conflict) and the error to report.
func (x *run) record(s *step, res Result) (*step, error) {
	db := x.db()
	err := res.Err
	switch {
	case err == nil:
	case x.handsOff(s, err):
		// Changed or deleted at the provider while Calsync had a change
		// to push: two-way sync takes the provider's change or queues the
		// conflict; nothing is overwritten or recreated here.
		x.counts.skipped++
		return nil, x.staleLink(s.link)
	case errors.Is(err, ErrPrecondition) && s.op.Kind != OpCreate && s.tries < 2:
		// Changed at the provider since we last saw it: Calsync's booking
		// wins (push-only); re-read the etag and apply again.
		if err := x.r.pacer.Wait(x.ctx, x.account.Provider, x.account.ID, 1); err != nil {
			return nil, err
		}
		cur, gerr := x.pr.Get(x.ctx, x.ts, x.calendar(s.cal), s.op.RemoteID)
		if errors.Is(gerr, ErrNotFound) {
			return x.recreateOrForget(s), nil
		}
		if gerr != nil {
			return nil, gerr
		}
		n := *s
		n.tries++
		n.op.ETag = cur.ETag
		n.op.Fields = nil // re-send everything: we do not know what changed
		return &n, nil
	case errors.Is(err, ErrNotFound) && s.op.Kind == OpDelete:
		err = nil
	case errors.Is(err, ErrNotFound) && s.op.Kind == OpUpdate:
		// Deleted at the provider: recreate it (the booking still wants it).
		return x.recreateOrForget(s), nil
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrPrecondition):
		x.counts.failed++
		if s.link != nil {
			if uerr := db.EventLink.UpdateOne(s.link).SetState(eventlink.StateFAILED).SetLastError(truncate(err.Error())).Exec(x.ctx); uerr != nil {
				return nil, uerr
			}
		}
		return nil, nil
	default:
		var rl *RateLimitedError
		if errors.As(err, &rl) {
			return nil, err
		}
		if serr := x.stopIf(err); errors.Is(serr, ErrAccountStopped) {
			return nil, serr
		}
		x.counts.failed++
		if s.link != nil {
			_ = db.EventLink.UpdateOne(s.link).SetLastError(truncate(err.Error())).Exec(x.ctx)
		}
		return nil, err
	}
	x.observeLag(s)
	switch s.op.Kind {
	case OpCreate, OpUpdate:
		hashes := FieldHashes(s.op.Event)
		// One statement: UpdateOne would read the row back.
		u := db.EventLink.Update().Where(eventlink.ID(s.link.ID)).SetState(eventlink.StateSYNCED).SetProviderEventID(res.Remote.ID).
			SetEtag(res.Remote.ETag).SetIcalUID(res.Remote.ICalUID).SetFieldHashes(hashes).SetLastError("").
			SetAgreed(VersionOf(s.op.Event))
		if s.op.Kind == OpCreate {
			u.SetSeen(false) // two-way sync's read has not met the new event yet
		}
		if err := u.Exec(x.ctx); err != nil {
			return nil, fmt.Errorf("engine: record: %w", err)
		}
		if fn := x.r.synced; fn != nil {
			ref, user, start := s.link.BookingRef, s.link.UserID, VersionOf(s.op.Event).Start
			store.AfterCommit(x.ctx, func(context.Context) { fn(ref, user, start) })
		}
		if s.op.Kind == OpCreate {
			x.counts.created++
		} else {
			x.counts.updated++
		}
	case OpDelete:
		x.counts.deleted++
		if s.link == nil {
			return nil, nil // a stray event found by re-sync
		}
		if s.link.BookingID == nil {
			// The booking is gone for good: forget the link.
			return nil, db.EventLink.DeleteOne(s.link).Exec(x.ctx)
		}
		if err := db.EventLink.Update().Where(eventlink.ID(s.link.ID)).SetState(eventlink.StateDELETED).SetLastError("").Exec(x.ctx); err != nil {
			return nil, fmt.Errorf("engine: record: %w", err)
		}
	}
	return nil, nil
}

// observeLag reports an acknowledged change's push lag: only for bookings
// changed since the calendar was last in step, in incremental syncs. An
// initial sync, a re-sync, a rename's re-render or the reconcile pass also
// push bookings committed long before, which are no lag.
func (x *run) observeLag(s *step) {
	if x.r.pushLag == nil || x.kind != syncrun.KindINCREMENTAL || s.d.booking == nil {
		return
	}
	if x.inStepSince == nil {
		since, ok := x.r.inStepSince(x.account.ID)
		if !ok {
			q := x.db().SyncRun.Query().Where(syncrun.AccountID(x.account.ID), syncrun.StateEQ(syncrun.StateSUCCEEDED))
			if x.rec != nil {
				q.Where(syncrun.IDLT(x.rec.ID))
			}
			prev, err := q.Order(ent.Desc(syncrun.FieldID)).First(x.ctx)
			if err == nil && prev.StartedAt != nil {
				since = *prev.StartedAt
			}
		}
		x.inStepSince = &since
	}
	if s.d.booking.UpdatedAt.After(*x.inStepSince) {
		x.r.pushLag.ObservePushLag(x.r.now().Sub(s.d.booking.UpdatedAt))
	}
}

// recreateOrForget handles an event deleted at the provider: the booking
// still wants it, so it is created again under a new generation.
func (x *run) recreateOrForget(s *step) *step {
	if s.d.booking == nil {
		return nil
	}
	// Mark the old generation deleted so reserve bumps the generation.
	if err := x.db().EventLink.UpdateOne(s.link).SetState(eventlink.StateDELETED).Exec(x.ctx); err == nil {
		s.link.State = eventlink.StateDELETED
	}
	if !s.d.creates() {
		return nil // a cancelled booking's event is not brought back
	}
	n := x.createStep(s.cal, s.pair, s.link, s.d, s.link.Generation+1)
	n.tries = s.tries + 1
	n.link = s.link
	return n
}

func truncate(s string) string {
	if len(s) > 1900 {
		return s[:1900]
	}
	return s
}

func (x *run) report() {
	if x.r.progress != nil && x.rec != nil {
		x.r.progress.SyncProgress(x.ctx, x.rec, x.users)
	}
}

// outcome writes the run's state and counts through db (a run that
// failed before it was recorded is recorded now) and returns the run as
// written.
func (x *run) outcome(ctx context.Context, db *ent.Client, state syncrun.State, msg string) (*ent.SyncRun, error) {
	now := x.r.now()
	if x.rec == nil {
		return db.SyncRun.Create().SetAccountID(x.account.ID).SetKind(x.kind).SetState(state).
			SetStartedAt(x.started).SetFinishedAt(now).SetError(msg).SetTotal(x.planned).SetDone(x.planned).
			SetCreatedCount(x.counts.created).SetUpdatedCount(x.counts.updated).SetDeletedCount(x.counts.deleted).
			SetSkippedCount(x.counts.skipped).SetFailedCount(x.counts.failed).Save(ctx)
	}
	// One statement: UpdateOne would read the row back.
	err := db.SyncRun.Update().Where(syncrun.ID(x.rec.ID)).SetState(state).SetFinishedAt(now).SetError(msg).
		SetCreatedCount(x.counts.created).SetUpdatedCount(x.counts.updated).SetDeletedCount(x.counts.deleted).
		SetSkippedCount(x.counts.skipped).SetFailedCount(x.counts.failed).SetDone(x.rec.Total).Exec(ctx)
	if err != nil {
		return nil, err
	}
	rec := *x.rec
	rec.State, rec.FinishedAt, rec.Error, rec.UpdatedAt = state, &now, msg, now
	rec.CreatedCount, rec.UpdatedCount, rec.DeletedCount = x.counts.created, x.counts.updated, x.counts.deleted
	rec.SkippedCount, rec.FailedCount, rec.Done = x.counts.skipped, x.counts.failed, x.rec.Total
	return &rec, nil
}

// settle writes the run's outcome through db (a transaction's client)
// and, when it succeeded, the account's: its handled requests and last
// sync, and the end of an earlier ERROR.
func (x *run) settle(ctx context.Context, db *ent.Client, runErr error) (*ent.SyncRun, error) {
	state, msg := runState(runErr)
	rec, err := x.outcome(ctx, db, state, msg)
	if err != nil || runErr != nil {
		return rec, err
	}
	if x.done == nil {
		if err := db.CalendarAccount.Update().Where(calendaraccount.ID(x.account.ID)).SetLastSyncedAt(x.r.now()).Exec(ctx); err != nil {
			return nil, err
		}
	} else if err := x.done(ctx, db, x.r.now()); err != nil {
		return nil, err
	}
	if x.account.Status == calendaraccount.StatusERROR {
		// A success clears an earlier ERROR — but never an unlink or a
		// NEEDS_REAUTH written while this run went on. (An ERROR written
		// during the run is newer than this success.)
		err := db.CalendarAccount.Update().Where(calendaraccount.ID(x.account.ID), calendaraccount.StatusEQ(calendaraccount.StatusERROR)).
			SetStatus(calendaraccount.StatusACTIVE).SetLastError("").Exec(ctx)
		if err != nil {
			return nil, err
		}
	}
	return rec, nil
}

// runState is a run's recorded state and error message after runErr.
func runState(runErr error) (syncrun.State, string) {
	if runErr != nil {
		return syncrun.StateFAILED, truncate(runErr.Error())
	}
	return syncrun.StateSUCCEEDED, ""
}

// finish records the run's outcome on the run and the account.
func (x *run) finish(runErr error) (*ent.SyncRun, error) {
	if x.concluded != nil {
		x.rec = x.concluded
		if runErr == nil {
			x.report()
			x.r.noteInStep(x.account.ID, x.started)
			return x.rec, nil
		}
	}
	// Record the outcome even when the task's context was cancelled
	// (shutdown, deadline): a run must not stay RUNNING for ever.
	// One transaction for the run and the account (a commit each cost a
	// round trip and a flush); should it fail, the run's outcome alone.
	var rec *ent.SyncRun
	ctx := context.WithoutCancel(x.ctx)
	err := store.InTx(ctx, x.r.client, func(ctx context.Context) error {
		var err error
		rec, err = x.settle(ctx, store.ClientFrom(ctx, x.r.client), runErr)
		return err
	})
	if err != nil {
		state, msg := runState(runErr)
		var rerr error
		rec, rerr = x.outcome(ctx, x.r.client, state, msg)
		if rerr != nil {
			return nil, errors.Join(runErr, err, rerr)
		}
		x.rec = rec
		x.report()
		return rec, errors.Join(runErr, err)
	}
	x.rec = rec
	x.report()
	if runErr == nil {
		x.r.noteInStep(x.account.ID, x.started)
	}
	return rec, runErr
}
