package twoway

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/ent/syncconflict"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
	"calsync/sync/inbound"
)

// Resolve settles conflict id as the viewer chooses: keep Calsync's
// booking (pushed over the provider's event, recreated if it was deleted
// there) or the provider's event (taken into the booking, as a change
// that came alone would have been). Admins and schedulers resolve any
// conflict of their organization, fieldworkers their own. The provider's
// event is read again first: what is kept is its version now.
func (s *Syncer) Resolve(ctx context.Context, id int, keep syncconflict.Resolution) (*ent.SyncConflict, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.UserID == 0 {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to resolve conflicts")
	}
	if keep != syncconflict.ResolutionKEEP_CALSYNC && keep != syncconflict.ResolutionKEEP_PROVIDER {
		return nil, domain.InvalidField("keep", fmt.Errorf("choose KEEP_CALSYNC or KEEP_PROVIDER"))
	}
	c, err := s.o.Client.SyncConflict.Get(ctx, id) // the viewer's own rules: not theirs, not found
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("sync conflict", id)
	}
	if err != nil {
		return nil, err
	}
	if v.Role != viewer.RoleAdmin && v.Role != viewer.RoleScheduler && c.UserID != v.UserID {
		return nil, domain.Errorf(domain.CodeForbidden, "only admins, schedulers and the fieldworker may resolve this conflict")
	}
	sys := viewer.SystemContext(ctx, v.OrgID)
	if c.LinkID == nil || c.BookingID == nil {
		// The event's link or the booking went (the calendar was
		// unlinked, the booking deleted): nothing is left to choose
		// between; the conflict is closed as chosen.
		return s.reread(ctx)(s.close(sys, v, c, keep))
	}
	link, err := s.o.Client.EventLink.Query().Where(eventlink.ID(*c.LinkID)).WithAccount().Only(sys)
	if ent.IsNotFound(err) {
		return s.reread(ctx)(s.close(sys, v, c, keep))
	}
	if err != nil {
		return nil, fmt.Errorf("twoway: conflict's link: %w", err)
	}
	unlock, err := s.lock(ctx, link.AccountID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Read again under the lock: it may have been resolved meanwhile.
	if c, err = s.o.Client.SyncConflict.Get(sys, id); err != nil {
		return nil, err
	}
	if c.State != syncconflict.StateOPEN {
		return nil, domain.Errorf(domain.CodeConflict, "the conflict was already resolved (%s)", *c.Resolution)
	}
	ac, err := s.access(sys, link.Edges.Account, link.CalendarID)
	if err == nil {
		var fresh *inbound.Event
		if fresh, err = s.current(sys, ac, link.ProviderEventID); err == nil {
			return s.reread(ctx)(s.resolveWith(sys, v, c, ac, link, fresh, keep))
		}
	}
	s.o.Logger.WarnContext(ctx, "resolve conflict: read the provider's event", slog.Int("conflict_id", id), slog.Any("error", err))
	return nil, domain.Errorf(domain.CodeUnavailable, "%s could not be reached to read the event; try again in a moment",
		link.Edges.Account.Provider.DisplayName())
}

// resolveWith resolves c with the provider's event as read (fresh, nil when
// deleted).
func (s *Syncer) resolveWith(sys context.Context, v viewer.Viewer, c *ent.SyncConflict, ac *access, link *ent.EventLink,
	fresh *inbound.Event, keep syncconflict.Resolution) (*ent.SyncConflict, error) {
	st, err := s.load(sys, ac, link.ID, fresh)
	if err != nil {
		return nil, err
	}
	var occ *occurrenceChoice
	if st != nil && c.OccurrenceStart != nil && fresh != nil && strings.TrimSpace(st.bk.Recurrence) != "" {
		sr := seriesOf(st.bk)
		theirs, err := s.providerOccurrence(sys, ac, st, sr, *c.OccurrenceStart)
		if err != nil {
			return nil, err
		}
		occ = &occurrenceChoice{sr: sr, original: *c.OccurrenceStart, theirs: theirs}
		if keep == syncconflict.ResolutionKEEP_CALSYNC && theirs.cancelled &&
			!sr.set(bookingOccurrences(st.bk)).at(sr, *c.OccurrenceStart).cancelled {
			// Neither provider can bring back an occurrence deleted in
			// the calendar (Google ignores a patch of it, Outlook has no
			// way): choosing Calsync's would be undone at the next read.
			return nil, domain.Errorf(domain.CodeConflict,
				"the occurrence was deleted in %s and cannot be brought back there: keep the %s version, or add the visit again as a booking of its own",
				ac.acct.Provider.DisplayName(), ac.acct.Provider.DisplayName())
		}
	}
	var out *ent.SyncConflict
	err = store.InTx(sys, s.o.Client, func(ctx context.Context) error {
		if occ != nil {
			if err := s.resolveOccurrence(ctx, st, occ, keep); err != nil {
				return err
			}
		} else if st != nil {
			if keep == syncconflict.ResolutionKEEP_PROVIDER {
				if err := s.keepProvider(ctx, st); err != nil {
					return err
				}
			} else if err := s.keepCalsync(ctx, st); err != nil {
				return err
			}
		}
		var err error
		out, err = s.markResolved(ctx, v, c, keep)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// occurrenceChoice is what resolving a conflict over one occurrence
// knows: the occurrence, and its state at the provider now.
type occurrenceChoice struct {
	sr       series
	original time.Time
	theirs   occState
}

// resolveOccurrence settles a conflict over one occurrence of st's series,
// in ctx's transaction. KEEP_PROVIDER takes the provider's state of the
// occurrence into the booking; KEEP_CALSYNC leaves the booking's, which
// the push then puts over the provider's. Either way the provider's state
// becomes the agreed one for that occurrence, so it is no longer read as
// a change there; the series' other occurrences are compared again on the
// next read or push.
func (s *Syncer) resolveOccurrence(ctx context.Context, st *state, c *occurrenceChoice, keep syncconflict.Resolution) error {
	st.sys = ctx
	sr := c.sr
	ours, base := st.occurrenceSets(sr)
	d := occDiff{original: c.original, base: base.at(sr, c.original), ours: ours.at(sr, c.original), theirs: c.theirs}
	if keep == syncconflict.ResolutionKEEP_PROVIDER && !d.ours.same(d.theirs) {
		if _, err := s.takeOccurrences(ctx, st, sr, []occDiff{d}); err != nil {
			return err
		}
	}
	agreed := maps.Clone(base)
	agreed[sr.key(c.original)] = occEntry{original: c.original, st: c.theirs}
	if err := s.recordOccurrences(ctx, st, sr, agreed); err != nil {
		return err
	}
	return s.o.Push(ctx, st.org.ID, []int{st.bk.ID}, []int{st.user.ID})
}

// close resolves c with nothing to do.
func (s *Syncer) close(sys context.Context, v viewer.Viewer, c *ent.SyncConflict, keep syncconflict.Resolution) (*ent.SyncConflict, error) {
	var out *ent.SyncConflict
	err := store.InTx(sys, s.o.Client, func(ctx context.Context) error {
		var err error
		out, err = s.markResolved(ctx, v, c, keep)
		return err
	})
	return out, err
}

// markResolved records c as resolved by v, in ctx's transaction, and
// announces it once that commits. A resolution that deleted the booking
// leaves the conflict, its booking empty, as the record of the choice.
func (s *Syncer) markResolved(ctx context.Context, v viewer.Viewer, c *ent.SyncConflict, keep syncconflict.Resolution) (*ent.SyncConflict, error) {
	out, err := store.ClientFrom(ctx, s.o.Client).SyncConflict.UpdateOneID(c.ID).
		SetState(syncconflict.StateRESOLVED).SetResolution(keep).SetResolvedAt(s.o.Now()).
		SetResolvedByID(v.UserID).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("twoway: resolve: %w", err)
	}
	s.announce(ctx, out)
	return out, nil
}

// keepProvider takes the provider's current version into the booking.
func (s *Syncer) keepProvider(ctx context.Context, st *state) error {
	st.sys = ctx
	return s.take(st, st.providerChanged())
}

// keepCalsync has the engine push the booking over the provider's event
// (at its current etag), or create it again if it was deleted there.
func (s *Syncer) keepCalsync(ctx context.Context, st *state) error {
	db := store.ClientFrom(ctx, s.o.Client)
	u := db.EventLink.UpdateOne(st.link).ClearFieldHashes()
	if st.fresh == nil {
		u.SetState(eventlink.StateDELETED)
	} else {
		u.SetEtag(st.fresh.ETag).SetAgreed(st.prov)
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("twoway: keep Calsync's version: %w", err)
	}
	return s.o.Push(ctx, st.org.ID, []int{st.bk.ID}, []int{st.user.ID})
}

// reread returns a resolved conflict read again outside the transaction
// that wrote it (an entity keeps its transaction's client, which cannot
// load its edges once committed), through the viewer's own rules.
func (s *Syncer) reread(ctx context.Context) func(*ent.SyncConflict, error) (*ent.SyncConflict, error) {
	return func(c *ent.SyncConflict, err error) (*ent.SyncConflict, error) {
		if err != nil {
			return nil, err
		}
		return s.o.Client.SyncConflict.Get(ctx, c.ID)
	}
}
