package inbound

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"entgo.io/ent/dialect/sql"
	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/predicate"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/viewer"
	"calsync/sync/engine"
)

// Webhook paths, under the public URL.
const (
	GoogleWebhookPath    = "/webhooks/google"
	MicrosoftWebhookPath = "/webhooks/microsoft"
)

// watchRetry is how long a calendar whose watch the provider refused waits
// before the next attempt (the safety poll reads it meanwhile).
const watchRetry = 6 * time.Hour

func (r *Reader) webhookURL(p domain.Provider) string {
	if r.o.PublicURL == "" {
		return ""
	}
	if p == domain.ProviderGoogle {
		return r.o.PublicURL + GoogleWebhookPath
	}
	return r.o.PublicURL + MicrosoftWebhookPath
}

func randomString(n int, enc func([]byte) string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return enc(b)
}

// EnsureWatch brings a calendar's notifications in line with its
// selection: a selected calendar of a working account gets a channel
// (Google) or subscription (Graph), renewed before it ends; any other has
// its channel stopped.
func (r *Reader) EnsureWatch(ctx context.Context, orgID, calendarID int) error {
	sys := viewer.SystemContext(ctx, orgID)
	if r.o.LockCalendar != nil {
		unlock, err := r.o.LockCalendar(ctx, calendarID)
		if err != nil {
			return err
		}
		defer unlock()
	}
	c, err := r.load(sys, calendarID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inbound: load calendar: %w", err)
	}
	url := r.webhookURL(c.Edges.Account.Provider)
	if !wanted(c) || url == "" {
		if c.ChannelID != "" {
			r.stopChannel(sys, c)
		}
		return nil
	}
	if !imports(c) {
		return nil // waiting for re-authorization; renewed once it works
	}
	now := r.o.Now()
	if c.ChannelID != "" && c.ChannelExpiresAt != nil && c.ChannelExpiresAt.Sub(now) > r.o.RenewBefore {
		return nil // live and not due
	}
	if c.ChannelID == "" && c.ChannelRetryAt != nil && now.Before(*c.ChannelRetryAt) {
		return nil // refused lately: the poll covers it
	}
	src, ts, err := r.access(sys, c)
	if err != nil {
		return err
	}
	ref := calendarRef(c)
	expiry := now.Add(r.o.ChannelTTL)
	if c.ChannelID != "" {
		old := Channel{ID: c.ChannelID, ResourceID: c.ChannelResourceID}
		ch, err := src.Renew(sys, ts, ref, old, expiry)
		switch {
		case err == nil:
			return r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetChannelExpiresAt(ch.Expiry).Exec(sys)
		case errors.Is(err, ErrRenewUnsupported), errors.Is(err, engine.ErrNotFound):
			// A new channel first, then the old one stopped: no gap.
			gone := errors.Is(err, engine.ErrNotFound)
			if err := r.watch(sys, src, ts, c, url, expiry); err != nil {
				return err
			}
			if !gone {
				if uerr := src.Unwatch(sys, ts, ref, old); uerr != nil {
					r.o.Logger.InfoContext(sys, "stop replaced channel", slog.Int("calendar_id", c.ID), slog.Any("error", uerr))
				}
			}
			return nil
		default:
			return fmt.Errorf("inbound: renew notifications: %w", err)
		}
	}
	return r.watch(sys, src, ts, c, url, expiry)
}

// watch starts a new channel for c and records it.
func (r *Reader) watch(sys context.Context, src Source, ts oauth2.TokenSource, c *ent.ProviderCalendar, url string, expiry time.Time) error {
	req := WatchRequest{
		ID:  "calsync-" + randomString(16, hex.EncodeToString),
		URL: url, LifecycleURL: url,
		Token:  randomString(32, base64.RawURLEncoding.EncodeToString),
		Expiry: expiry,
	}
	if c.Edges.Account.Provider != domain.ProviderMicrosoft {
		req.LifecycleURL = ""
		// Google names the channel by Calsync's id and does not retry a
		// notification refused as unknown: record it first, so the ones
		// sent before Watch returns are recognised. (Graph assigns the
		// subscription id, and retries.)
		if err := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetChannelID(req.ID).SetChannelToken(hashToken(req.Token)).
			ClearChannelResourceID().ClearChannelExpiresAt().SetChannelMessage(0).Exec(sys); err != nil {
			return err
		}
	}
	ch, err := src.Watch(sys, ts, calendarRef(c), req)
	if errors.Is(err, ErrWebhookRefused) {
		r.o.Logger.WarnContext(sys, "the provider refused the notification address; the calendar is polled",
			slog.Int("calendar_id", c.ID), slog.String("url", url), slog.Any("error", err))
		return forgetChannel(r.o.Client.ProviderCalendar.UpdateOneID(c.ID)).SetChannelRetryAt(r.o.Now().Add(watchRetry)).Exec(sys)
	}
	if err != nil {
		if uerr := forgetChannel(r.o.Client.ProviderCalendar.UpdateOneID(c.ID)).Exec(context.WithoutCancel(sys)); uerr != nil {
			r.o.Logger.WarnContext(sys, "forget failed channel", slog.Int("calendar_id", c.ID), slog.Any("error", uerr))
		}
		return fmt.Errorf("inbound: start notifications: %w", err)
	}
	if err := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetChannelID(ch.ID).SetChannelResourceID(ch.ResourceID).
		SetChannelToken(hashToken(req.Token)).SetChannelExpiresAt(ch.Expiry).ClearChannelRetryAt().Exec(sys); err != nil {
		return err
	}
	// Changes made before the channel was live notified nobody: read once
	// more now that any later one will.
	reqs, err := RequestRead(sys, r.o.Client, c.ID)
	if err != nil || r.o.Waker == nil {
		return err
	}
	return r.o.Waker.WakeReads(sys, reqs...)
}

// stopChannel stops c's channel at the provider (best effort) and forgets it.
func (r *Reader) stopChannel(sys context.Context, c *ent.ProviderCalendar) {
	ch := Channel{ID: c.ChannelID, ResourceID: c.ChannelResourceID}
	if a := c.Edges.Account; a != nil && a.Status != calendaraccount.StatusDISCONNECTED && a.Status != calendaraccount.StatusREVOKED {
		if src, ts, err := r.access(sys, c); err == nil {
			if err := src.Unwatch(sys, ts, calendarRef(c), ch); err != nil {
				r.o.Logger.InfoContext(sys, "stop notifications", slog.Int("calendar_id", c.ID), slog.Any("error", err))
			}
		}
	}
	if err := forgetChannel(r.o.Client.ProviderCalendar.UpdateOneID(c.ID)).Exec(context.WithoutCancel(sys)); err != nil {
		r.o.Logger.WarnContext(sys, "forget channel", slog.Int("calendar_id", c.ID), slog.Any("error", err))
	}
}

// Due is what the maintenance pass found to do.
type Due struct {
	// Reads are calendars whose safety poll is due.
	Reads []int
	// Watches are calendars whose notifications must be started, renewed
	// or stopped.
	Watches []int
}

// maintainBatch bounds one pass's work; the rest waits for the next pass.
const maintainBatch = 2000

// Maintain runs one maintenance pass over every organization: it counts a
// read request for each imported calendar whose safety poll is due (and
// schedules its next poll), and wakes the watch of each calendar whose
// channel is missing, due for renewal or no longer wanted.
func (r *Reader) Maintain(ctx context.Context) (Due, error) {
	all := viewer.AllTenantsContext(ctx)
	now := r.o.Now()
	var due Due
	polls, err := r.o.Client.ProviderCalendar.Query().
		Where(Chosen(),
			providercalendar.Or(providercalendar.NextPollAtIsNil(), providercalendar.NextPollAtLTE(now)),
			providercalendar.HasAccountWith(engine.SyncingAccounts(), calendaraccount.HasUsers())).
		Limit(maintainBatch).Select(providercalendar.FieldID, providercalendar.FieldOrganizationID).All(all)
	if err != nil {
		return due, fmt.Errorf("inbound: due polls: %w", err)
	}
	for _, c := range polls {
		sys := viewer.SystemContext(ctx, c.OrganizationID)
		if err := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetNextPollAt(r.nextPoll()).Exec(sys); err != nil {
			return due, err
		}
		reqs, err := RequestRead(sys, r.o.Client, c.ID)
		if err != nil {
			return due, err
		}
		if r.o.Waker != nil {
			if err := r.o.Waker.WakeReads(ctx, reqs...); err != nil {
				return due, err
			}
		}
		due.Reads = append(due.Reads, c.ID)
	}
	// Reads requested and not done whose wake-up may have been lost
	// (notifications wake only the first of a run of requests).
	behind, err := r.o.Client.ProviderCalendar.Query().
		Where(Chosen(), readsBehind(),
			providercalendar.HasAccountWith(engine.SyncingAccounts(), calendaraccount.HasUsers())).
		Limit(maintainBatch).Select(providercalendar.FieldID, providercalendar.FieldOrganizationID, providercalendar.FieldReadDone).All(all)
	if err != nil {
		return due, fmt.Errorf("inbound: reads behind: %w", err)
	}
	if r.o.Waker != nil && len(behind) > 0 {
		reqs := make([]ReadRequest, len(behind))
		for i, c := range behind {
			reqs[i] = ReadRequest{OrgID: c.OrganizationID, CalendarID: c.ID, Since: c.ReadDone}
		}
		if err := r.o.Waker.WakeReads(ctx, reqs...); err != nil {
			return due, err
		}
	}
	q := r.o.Client.ProviderCalendar.Query()
	importing := providercalendar.And(Chosen(),
		providercalendar.HasAccountWith(engine.SyncingAccounts(), calendaraccount.HasUsers()))
	if r.o.PublicURL == "" {
		// Notifications are off: only channels left from before to stop.
		q.Where(providercalendar.ChannelIDNEQ(""))
	} else {
		q.Where(providercalendar.Or(
			// Wanted and missing (unless refused lately).
			providercalendar.And(importing, providercalendar.Or(providercalendar.ChannelIDIsNil(), providercalendar.ChannelIDEQ("")),
				providercalendar.Or(providercalendar.ChannelRetryAtIsNil(), providercalendar.ChannelRetryAtLTE(now))),
			// Live and due for renewal.
			providercalendar.And(importing, providercalendar.ChannelExpiresAtLTE(now.Add(r.o.RenewBefore))),
			// Live and no longer wanted.
			providercalendar.And(providercalendar.ChannelIDNEQ(""), unwanted()),
		))
	}
	watches, err := q.Limit(maintainBatch).Select(providercalendar.FieldID, providercalendar.FieldOrganizationID).All(all)
	if err != nil {
		return due, fmt.Errorf("inbound: due watches: %w", err)
	}
	for _, c := range watches {
		if r.o.Waker != nil {
			if err := r.o.Waker.WakeWatch(ctx, c.OrganizationID, c.ID); err != nil {
				return due, err
			}
		}
		due.Watches = append(due.Watches, c.ID)
	}
	return due, nil
}

// readsBehind selects calendars with read requests not yet handled.
func readsBehind() predicate.ProviderCalendar {
	return func(s *sql.Selector) {
		s.Where(sql.ColumnsGT(s.C(providercalendar.FieldReadRequested), s.C(providercalendar.FieldReadDone)))
	}
}

// forgetChannel clears a calendar's channel fields.
func forgetChannel(u *ent.ProviderCalendarUpdateOne) *ent.ProviderCalendarUpdateOne {
	return u.ClearChannelID().ClearChannelResourceID().ClearChannelToken().ClearChannelExpiresAt()
}
