package inbound

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// Bounds on what a notification may cost before it is refused.
const (
	maxHeaderValue     = 512
	maxValidationToken = 4096
	// maxNotificationBody bounds a Graph notification POST (Graph sends a
	// few KiB; batches of many subscriptions stay far below this).
	maxNotificationBody = 1 << 20
	maxNotifications    = 1000
	// maxWebhooks bounds the notifications handled at once.
	maxWebhooks = 32
	// webhookWork bounds the database work of one notification, within
	// Graph's 3 s.
	webhookWork = 2500 * time.Millisecond
)

// WebhookHandler serves the providers' notifications: POST
// /webhooks/google and POST /webhooks/microsoft. A notification is only a
// hint: a verified one counts a read request for the calendar and wakes
// the read; forged or unknown ones are refused with a 4xx and change
// nothing.
func (r *Reader) WebhookHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(GoogleWebhookPath, r.googleWebhook)
	mux.HandleFunc(MicrosoftWebhookPath, r.microsoftWebhook)
	// A flood of notifications (forged or not) must not take every
	// database connection: past maxWebhooks at once, answer 503 at once
	// (the providers retry; the safety poll catches up anyway).
	slots := make(chan struct{}, maxWebhooks)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			mux.ServeHTTP(w, req)
		default:
			w.Header().Set("Retry-After", "1")
			plain(w, http.StatusServiceUnavailable, "busy, try again")
		}
	})
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

// hashToken is what Calsync keeps of a channel's secret.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// tokenMatches checks a presented secret against the kept hash, in
// constant time.
func tokenMatches(presented, kept string) bool {
	return kept != "" && subtle.ConstantTimeCompare([]byte(hashToken(presented)), []byte(kept)) == 1
}

// channelCalendars finds p's calendars whose channel ids are ids (a
// channel of the other provider is unknown here). Channels met before are
// answered from memory (every write of Calsync's is notified back, so the
// lookup ran once per change); what it answers is what the channel was
// when looked up, and counting the notification's read checks that the
// calendar still has that channel (a replaced or stopped one counts
// nothing, and is forgotten). fresh skips the memory: lifecycle events
// act on the calendar itself.
func (r *Reader) channelCalendars(ctx context.Context, p domain.Provider, ids []string, fresh bool) (map[string]*ent.ProviderCalendar, error) {
	out := make(map[string]*ent.ProviderCalendar, len(ids))
	var missing []string
	for _, id := range ids {
		if c := r.channels.get(p, id); c != nil && !fresh {
			out[id] = c
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	cals, err := r.o.Client.ProviderCalendar.Query().
		Where(providercalendar.ChannelIDIn(missing...), providercalendar.HasAccountWith(calendaraccount.ProviderEQ(p))).
		Select(providercalendar.FieldOrganizationID, providercalendar.FieldAccountID, providercalendar.FieldCalendarID,
			providercalendar.FieldChannelID, providercalendar.FieldChannelToken, providercalendar.FieldChannelResourceID).
		All(viewer.AllTenantsContext(ctx))
	if err != nil {
		return nil, err
	}
	for _, c := range cals {
		out[c.ChannelID] = c
		r.channels.put(p, c)
	}
	return out, nil
}

// channelCache remembers the calendars of channels notifications came
// through (at most maxCachedChannels, then it starts again).
type channelCache struct {
	mu sync.Mutex
	m  map[string]*ent.ProviderCalendar
}

const maxCachedChannels = 20000

func (cc *channelCache) get(p domain.Provider, id string) *ent.ProviderCalendar {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.m[string(p)+"\x00"+id]
}

func (cc *channelCache) put(p domain.Provider, c *ent.ProviderCalendar) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) >= maxCachedChannels {
		cc.m = map[string]*ent.ProviderCalendar{}
	}
	cc.m[string(p)+"\x00"+c.ChannelID] = c
}

func (cc *channelCache) forget(p domain.Provider, id string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	delete(cc.m, string(p)+"\x00"+id)
}

func (r *Reader) googleWebhook(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plain(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	// Google's notifications carry no body; read a little of any sent.
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 64<<10))
	h := req.Header
	id, token := h.Get("X-Goog-Channel-ID"), h.Get("X-Goog-Channel-Token")
	state, resource := h.Get("X-Goog-Resource-State"), h.Get("X-Goog-Resource-ID")
	if id == "" || state == "" || len(id) > maxHeaderValue || len(token) > maxHeaderValue || len(resource) > maxHeaderValue {
		plain(w, http.StatusBadRequest, "not a Google Calendar notification")
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), webhookWork)
	defer cancel()
	cals, err := r.channelCalendars(ctx, domain.ProviderGoogle, []string{id}, false)
	if err != nil {
		r.o.Logger.WarnContext(ctx, "google notification", slog.Any("error", err))
		plain(w, http.StatusServiceUnavailable, "try again")
		return
	}
	c := cals[id]
	if c == nil {
		plain(w, http.StatusNotFound, "unknown channel")
		return
	}
	if !tokenMatches(token, c.ChannelToken) || (c.ChannelResourceID != "" && resource != c.ChannelResourceID) {
		r.channels.forget(domain.ProviderGoogle, id) // looked up again next time
		plain(w, http.StatusForbidden, "channel token does not match")
		return
	}
	switch state {
	case "sync":
		// The channel works; nothing changed yet.
	case "exists", "not_exists":
		n, err := strconv.ParseInt(h.Get("X-Goog-Message-Number"), 10, 64)
		if err != nil || n <= 0 {
			n = 0 // no number: cannot tell a replay, count it
		}
		if err := r.notified(ctx, domain.ProviderGoogle, c, n); err != nil {
			r.o.Logger.WarnContext(ctx, "google notification", slog.Int("calendar_id", c.ID), slog.Any("error", err))
			plain(w, http.StatusServiceUnavailable, "try again")
			return
		}
	default:
		plain(w, http.StatusBadRequest, "unknown resource state")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// notified counts a read request for c from a verified notification, in
// one statement with the replay check when the provider numbers its
// messages (Google's message n > 0: numbers grow on a channel, so one
// already handled — a replay, or Google's retry of it — changes nothing).
// The read is woken only by the first request not yet handled: later ones
// find it queued, or running (it looks at the count again before it
// ends); a wake-up lost meanwhile is the maintenance pass's.
func (r *Reader) notified(ctx context.Context, p domain.Provider, c *ent.ProviderCalendar, n int64) error {
	// One statement, which also checks the calendar still has this
	// channel: ok is false for a replay, a calendar that is gone, or a
	// channel since replaced or stopped.
	requested, done, ok, err := r.o.CountRead(ctx, c.OrganizationID, c.ID, c.ChannelID, n, r.o.Now())
	if err != nil {
		return err
	}
	if !ok {
		// A replay, or a channel no longer the calendar's: the next
		// notification through it looks it up again.
		r.channels.forget(p, c.ChannelID)
		return nil
	}
	if requested-done > 1 || r.o.Waker == nil {
		return nil
	}
	req := ReadRequest{OrgID: c.OrganizationID, CalendarID: c.ID, Since: done}
	if r.o.Echoes != nil && r.o.Echoes(ctx, c.AccountID, c.CalendarID) {
		req.After = EchoDelay
	}
	return r.o.Waker.WakeReads(context.WithoutCancel(ctx), req)
}

// EchoDelay is how long the read of a notification that most likely
// announces Calsync's own write waits: the notifications of the writes
// that follow within it share the read. A change the fieldworker made
// meanwhile is read as late as that.
const EchoDelay = time.Second

// graphNotification is one item of a Graph notification POST (change or
// lifecycle).
type graphNotification struct {
	SubscriptionID string  `json:"subscriptionId"`
	ClientState    *string `json:"clientState"`
	ChangeType     string  `json:"changeType"`
	LifecycleEvent string  `json:"lifecycleEvent"`
}

func (r *Reader) microsoftWebhook(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plain(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	if q := req.URL.Query(); q.Has("validationToken") {
		// The subscription handshake: echo the (decoded) token as text.
		vt := q.Get("validationToken")
		if vt == "" || len(vt) > maxValidationToken || strings.ContainsFunc(vt, unicode.IsControl) {
			plain(w, http.StatusBadRequest, "bad validation token")
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 64<<10))
		plain(w, http.StatusOK, vt)
		return
	}
	var body struct {
		Value []graphNotification `json:"value"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, req.Body, maxNotificationBody))
	if err := dec.Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			plain(w, http.StatusRequestEntityTooLarge, "notification too large")
			return
		}
		plain(w, http.StatusBadRequest, "not a Microsoft Graph notification")
		return
	}
	if len(body.Value) == 0 || len(body.Value) > maxNotifications {
		plain(w, http.StatusBadRequest, "not a Microsoft Graph notification")
		return
	}
	ids := make([]string, 0, len(body.Value))
	for _, n := range body.Value {
		if n.SubscriptionID == "" || len(n.SubscriptionID) > maxHeaderValue {
			plain(w, http.StatusBadRequest, "notification without subscription")
			return
		}
		ids = append(ids, n.SubscriptionID)
	}
	ctx, cancel := context.WithTimeout(req.Context(), webhookWork)
	defer cancel()
	lifecycle := slices.ContainsFunc(body.Value, func(n graphNotification) bool { return n.LifecycleEvent != "" })
	cals, err := r.channelCalendars(ctx, domain.ProviderMicrosoft, ids, lifecycle)
	if err != nil {
		r.o.Logger.WarnContext(ctx, "microsoft notification", slog.Any("error", err))
		plain(w, http.StatusServiceUnavailable, "try again")
		return
	}
	// Verify every item before acting on any.
	var verified []graphNotification
	forged := false
	for _, n := range body.Value {
		c := cals[n.SubscriptionID]
		switch {
		case c == nil:
		case n.ClientState == nil || !tokenMatches(*n.ClientState, c.ChannelToken):
			forged = true
			r.channels.forget(domain.ProviderMicrosoft, n.SubscriptionID)
		default:
			verified = append(verified, n)
		}
	}
	if len(verified) == 0 {
		if forged {
			plain(w, http.StatusForbidden, "clientState does not match")
		} else {
			plain(w, http.StatusNotFound, "unknown subscription")
		}
		return
	}
	done := map[int]bool{}
	type seenKey struct {
		calendar  int
		lifecycle string
	}
	seen := map[seenKey]bool{}
	for _, n := range verified {
		c := cals[n.SubscriptionID]
		if k := (seenKey{c.ID, n.LifecycleEvent}); seen[k] {
			continue // the same news twice in one POST
		} else {
			seen[k] = true
		}
		if err := r.graphNotified(ctx, c, n, done); err != nil {
			r.o.Logger.WarnContext(ctx, "microsoft notification", slog.Int("calendar_id", c.ID), slog.Any("error", err))
			plain(w, http.StatusServiceUnavailable, "try again")
			return
		}
	}
	w.WriteHeader(http.StatusAccepted)
}

// graphNotified acts on one verified Graph notification; done holds the
// calendars already woken by this POST.
func (r *Reader) graphNotified(ctx context.Context, c *ent.ProviderCalendar, n graphNotification, done map[int]bool) error {
	sys := viewer.SystemContext(ctx, c.OrganizationID)
	switch n.LifecycleEvent {
	case "":
	case "reauthorizationRequired":
		// Renew now: mark the subscription due and wake its watch.
		if err := r.o.Client.ProviderCalendar.UpdateOneID(c.ID).SetChannelExpiresAt(r.o.Now()).Exec(sys); err != nil {
			return err
		}
		if r.o.Waker != nil {
			return r.o.Waker.WakeWatch(context.WithoutCancel(ctx), c.OrganizationID, c.ID)
		}
		return nil
	case "subscriptionRemoved":
		// Graph ended it: subscribe again, and read what may have been
		// missed meanwhile.
		if err := forgetChannel(r.o.Client.ProviderCalendar.UpdateOneID(c.ID)).Exec(sys); err != nil {
			return err
		}
		if r.o.Waker != nil {
			if err := r.o.Waker.WakeWatch(context.WithoutCancel(ctx), c.OrganizationID, c.ID); err != nil {
				return err
			}
		}
	case "missed":
		// Some notifications were not delivered: read the changes.
	default:
		return nil // a lifecycle event Calsync does not know: nothing to do
	}
	if done[c.ID] {
		return nil
	}
	done[c.ID] = true
	return r.notified(ctx, domain.ProviderMicrosoft, c, 0)
}
