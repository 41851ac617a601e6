package outlook

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Longest lifetimes Graph grants a subscription on Outlook events. The
// documentation gives 10,080 minutes ("under 7 days") for basic
// notifications; the service enforces a little less, as it enforced 4230
// minutes when the documented figure was 3 days, and says so in its
// error. With resource data the documented limit is 1,440 minutes
// ("under 1 day"). A longer request is refused, not shortened.
const (
	maxEventSubscription             = 10070 * time.Minute
	maxEventSubscriptionResourceData = 1440 * time.Minute
)

// maxSubscriptionLifetime is the limit for a subscription with or without
// resource data.
func maxSubscriptionLifetime(includeResourceData bool) time.Duration {
	if includeResourceData {
		return maxEventSubscriptionResourceData
	}
	return maxEventSubscription
}

// reauthLead is how long before expiry a subscription with a lifecycle URL
// gets its reauthorizationRequired notification.
const reauthLead = time.Hour

// Lifecycle events Graph sends to lifecycleNotificationUrl.
const (
	LifecycleReauthorizationRequired = "reauthorizationRequired"
	LifecycleSubscriptionRemoved     = "subscriptionRemoved"
	LifecycleMissed                  = "missed"
)

// serveSubscriptions routes /subscriptions[/{id}[/reauthorize]].
func (e *Emulator) serveSubscriptions(c *call) {
	op := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.w = w
		segs := c.segs[1:]
		switch {
		case len(segs) == 0 && c.r.Method == http.MethodPost:
			e.createSubscription(c)
		case len(segs) == 0 && c.r.Method == http.MethodGet:
			res, gerr := e.listSubscriptions(c)
			e.send(c, res, gerr)
		case len(segs) == 1:
			res, gerr := e.subscriptionItem(c, segs[0])
			e.send(c, res, gerr)
		case len(segs) == 2 && segs[1] == "reauthorize" && c.r.Method == http.MethodPost:
			res, gerr := e.reauthorize(c, segs[0])
			e.send(c, res, gerr)
		case len(segs) == 0:
			e.fail(c, errMethod(c.r.Method))
		default:
			e.fail(c, errSegment(segs[len(segs)-1]))
		}
	})
	e.faults.Middleware(op, e.writeFault).ServeHTTP(c.w, c.r)
}

type subscriptionJSON struct {
	ODataContext              string  `json:"@odata.context,omitempty"`
	ID                        string  `json:"id"`
	Resource                  string  `json:"resource"`
	ApplicationID             string  `json:"applicationId"`
	ChangeType                string  `json:"changeType"`
	ClientState               *string `json:"clientState"`
	NotificationURL           string  `json:"notificationUrl"`
	NotificationQueryOptions  *string `json:"notificationQueryOptions"`
	LifecycleNotificationURL  *string `json:"lifecycleNotificationUrl"`
	ExpirationDateTime        string  `json:"expirationDateTime"`
	CreatorID                 string  `json:"creatorId"`
	IncludeResourceData       bool    `json:"includeResourceData"`
	LatestSupportedTLSVersion string  `json:"latestSupportedTlsVersion"`
	EncryptionCertificate     *string `json:"encryptionCertificate"`
	EncryptionCertificateID   *string `json:"encryptionCertificateId"`
	NotificationURLAppID      *string `json:"notificationUrlAppId"`
}

// renderSubscription is Graph's subscription representation.
func renderSubscription(s *Subscription) subscriptionJSON {
	out := subscriptionJSON{
		ID: s.ID, Resource: s.Resource, ApplicationID: s.ApplicationID, ChangeType: s.ChangeType,
		NotificationURL: s.NotificationURL, ExpirationDateTime: graphTime(s.Expiration),
		CreatorID: s.CreatorID, LatestSupportedTLSVersion: "v1_2", IncludeResourceData: s.IncludeResourceData,
	}
	if s.ClientState != "" {
		cs := s.ClientState
		out.ClientState = &cs
	}
	if s.LifecycleNotificationURL != "" {
		l := s.LifecycleNotificationURL
		out.LifecycleNotificationURL = &l
	}
	return out
}

func errSubscription(code, format string, args ...any) *graphError {
	return newGraphError(http.StatusBadRequest, code, format, args...)
}

// subscriptionRequest is the body of POST /subscriptions.
type subscriptionRequest struct {
	ChangeType               string  `json:"changeType"`
	NotificationURL          string  `json:"notificationUrl"`
	LifecycleNotificationURL string  `json:"lifecycleNotificationUrl"`
	Resource                 string  `json:"resource"`
	ExpirationDateTime       string  `json:"expirationDateTime"`
	ClientState              *string `json:"clientState"`
	IncludeResourceData      bool    `json:"includeResourceData"`
	EncryptionCertificate    string  `json:"encryptionCertificate"`
}

// createSubscription validates the request, performs the validation
// handshake with the notification (and lifecycle) URL — without holding
// the state lock, since the receiver may call the emulator — then stores
// the subscription.
func (e *Emulator) createSubscription(c *call) {
	var req subscriptionRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		e.fail(c, errBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."))
		return
	}
	e.mu.Lock()
	sub, gerr := e.prepareSubscriptionLocked(c.p, &req)
	e.mu.Unlock()
	if gerr != nil {
		e.fail(c, gerr)
		return
	}
	for _, endpoint := range []string{sub.NotificationURL, sub.LifecycleNotificationURL} {
		if endpoint == "" {
			continue
		}
		if err := e.deliver.validateEndpoint(c.r.Context(), endpoint); err != nil {
			e.logger.Info("outlook subscription validation failed", slog.String("url", endpoint), slog.String("error", err.Error()))
			switch {
			case errors.Is(err, errValidationTimeout):
				e.fail(c, errSubscription("InvalidRequest", "Subscription validation request timed out."))
			case errors.Is(err, errValidationMismatch):
				e.fail(c, errSubscription("ValidationError", "Subscription validation request failed. Response must exactly match validationToken query parameter."))
			default:
				e.fail(c, errSubscription("ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request."))
			}
			return
		}
	}
	e.mu.Lock()
	e.st.Subscriptions[sub.ID] = sub
	out := renderSubscription(sub)
	e.mu.Unlock()
	out.ODataContext = c.odataContext("subscriptions/$entity")
	e.send(c, jsonResponse(http.StatusCreated, out), nil)
}

// prepareSubscriptionLocked checks a creation request and builds the
// subscription it asks for.
func (e *Emulator) prepareSubscriptionLocked(p principal, req *subscriptionRequest) (*Subscription, *graphError) {
	now := e.clock.Now().UTC()
	if req.ChangeType == "" {
		return nil, errSubscription("InvalidRequest", "The changeType property is required.")
	}
	var kinds []string
	for _, k := range strings.Split(req.ChangeType, ",") {
		k = strings.TrimSpace(k)
		switch k {
		case "created", "updated", "deleted":
			kinds = appendScope(kinds, k)
		default:
			return nil, errSubscription("InvalidRequest", "'%s' is not a valid change type for the resource.", k)
		}
	}
	if req.NotificationURL == "" {
		return nil, errSubscription("InvalidRequest", "The notificationUrl property is required.")
	}
	if gerr := e.checkWebhookURL(req.NotificationURL); gerr != nil {
		return nil, gerr
	}
	if req.LifecycleNotificationURL != "" {
		if gerr := e.checkWebhookURL(req.LifecycleNotificationURL); gerr != nil {
			return nil, gerr
		}
	}
	if req.ClientState != nil && len(*req.ClientState) > 128 {
		return nil, errSubscription("ValidationError", "The clientState property must not be longer than 128 characters.")
	}
	if req.IncludeResourceData && req.EncryptionCertificate == "" {
		return nil, errSubscription("ValidationError", "The encryptionCertificate property is required when includeResourceData is true.")
	}
	if req.ExpirationDateTime == "" {
		return nil, errSubscription("InvalidRequest", "The expirationDateTime property is required.")
	}
	exp, gerr := subscriptionExpiry(req.ExpirationDateTime, now, maxSubscriptionLifetime(req.IncludeResourceData))
	if gerr != nil {
		return nil, gerr
	}
	user, calID, gerr := e.subscriptionTargetLocked(p, req.Resource)
	if gerr != nil {
		return nil, gerr
	}
	creator := p.App.ClientID
	if p.Delegated {
		creator = p.UserID
	}
	cs := ""
	if req.ClientState != nil {
		cs = *req.ClientState
	}
	return &Subscription{
		ID: newGUID(), Resource: req.Resource, ChangeType: strings.Join(kinds, ","), ClientState: cs,
		NotificationURL: req.NotificationURL, LifecycleNotificationURL: req.LifecycleNotificationURL,
		Expiration: exp, ApplicationID: p.App.ClientID, CreatorID: creator, TenantID: user.TenantID,
		UserID: user.ID, CalendarID: calID, Created: now, IncludeResourceData: req.IncludeResourceData,
	}, nil
}

// subscriptionExpiry parses a requested expiry, rejecting past times and
// times beyond the longest lifetime Graph grants (limit from now).
func subscriptionExpiry(raw string, now time.Time, limit time.Duration) (time.Time, *graphError) {
	exp, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		if exp, err = time.Parse("2006-01-02T15:04:05.9999999", raw); err != nil {
			return time.Time{}, errSubscription("BadRequest", "The expirationDateTime value '%s' is not a valid DateTimeOffset.", raw)
		}
	}
	exp = exp.UTC()
	if !exp.After(now) {
		return time.Time{}, errSubscription("InvalidRequest", "Subscription expiration can only be in the future; '%s' has passed.", raw)
	}
	if exp.After(now.Add(limit)) {
		return time.Time{}, errSubscription("ExtensionError", "Subscription expiration can only be %d minutes in the future.", int(limit/time.Minute))
	}
	return exp, nil
}

// checkWebhookURL requires https, or http on a loopback host when the
// emulator allows insecure webhooks.
func (e *Emulator) checkWebhookURL(raw string) *graphError {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return errSubscription("ValidationError", "The notification URL '%s' is not a valid absolute URL.", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if e.allowInsecure && isLoopback(u.Hostname()) {
			return nil
		}
	}
	return errSubscription("ValidationError", "The Uri scheme '%s' is not supported for notification URLs. Only 'https' is supported.", u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// subscriptionTargetLocked resolves a resource path to the mailbox (and
// calendar) it watches, checking the caller may read it. Accepted:
// me/events, me/calendar/events, me/calendars/{id}/events and the same
// under users/{id or upn}/.
func (e *Emulator) subscriptionTargetLocked(p principal, resource string) (*account, string, *graphError) {
	res := strings.TrimPrefix(strings.TrimSpace(resource), "/")
	res, _, _ = strings.Cut(res, "?")
	if res == "" {
		return nil, "", errSubscription("InvalidRequest", "The resource property is required.")
	}
	segs := strings.Split(res, "/")
	unsupported := errSubscription("ExtensionError", "Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource '%s' is not supported for change notifications.]", resource)
	var userRef string
	switch {
	case strings.EqualFold(segs[0], "me"):
		if !p.Delegated {
			return nil, "", errBadRequest("/me request is only valid with delegated authentication flow.")
		}
		userRef, segs = p.UserID, segs[1:]
	case strings.EqualFold(segs[0], "users") && len(segs) > 1:
		ref, err := url.PathUnescape(strings.Trim(segs[1], "'()"))
		if err != nil {
			return nil, "", unsupported
		}
		userRef, segs = ref, segs[2:]
	default:
		return nil, "", unsupported
	}
	u, gerr := e.authorizeUserLocked(p, userRef, []string{"events"}, false)
	if gerr != nil {
		return nil, "", gerr
	}
	switch {
	case len(segs) == 1 && strings.EqualFold(segs[0], "events"):
		return u, "", nil
	case len(segs) == 2 && strings.EqualFold(segs[0], "calendar") && strings.EqualFold(segs[1], "events"):
		return u, u.DefaultCalendarID, nil
	case len(segs) == 3 && strings.EqualFold(segs[0], "calendars") && strings.EqualFold(segs[2], "events"):
		cal, gerr := findCalendar(u, segs[1])
		if gerr != nil {
			return nil, "", gerr
		}
		return u, cal.ID, nil
	}
	return nil, "", unsupported
}

// visibleLocked reports whether the caller may see subscription s: the
// app that created it, and for delegated tokens the same user.
func visible(p principal, s *Subscription) bool {
	if s.ApplicationID != p.App.ClientID {
		return false
	}
	return !p.Delegated || s.CreatorID == p.UserID
}

// listSubscriptions serves GET /subscriptions: the caller's own.
func (e *Emulator) listSubscriptions(c *call) (*response, *graphError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var subs []*Subscription
	for _, s := range e.st.Subscriptions {
		if visible(c.p, s) {
			subs = append(subs, s)
		}
	}
	sort.Slice(subs, func(i, j int) bool {
		return subs[i].Created.Before(subs[j].Created) || (subs[i].Created.Equal(subs[j].Created) && subs[i].ID < subs[j].ID)
	})
	values := make([]subscriptionJSON, 0, len(subs))
	for _, s := range subs {
		values = append(values, renderSubscription(s))
	}
	return jsonResponse(http.StatusOK, map[string]any{"@odata.context": c.odataContext("subscriptions"), "value": values}), nil
}

// subscriptionItem serves GET, PATCH (renewal) and DELETE of one subscription.
func (e *Emulator) subscriptionItem(c *call, id string) (*response, *graphError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st.Subscriptions[id]
	if s == nil || !visible(c.p, s) {
		return nil, errSubscriptionNotFound(id)
	}
	switch c.r.Method {
	case http.MethodGet:
		out := renderSubscription(s)
		out.ODataContext = c.odataContext("subscriptions/$entity")
		return jsonResponse(http.StatusOK, out), nil
	case http.MethodPatch:
		fields, gerr := decodeObject(c.body)
		if gerr != nil {
			return nil, gerr
		}
		var raw string
		for k, v := range fields {
			switch {
			case k == "expirationDateTime":
				if gerr := decodeString(v, &raw, "Edm.DateTimeOffset"); gerr != nil {
					return nil, gerr
				}
			case strings.HasPrefix(k, "@"):
			default:
				return nil, errSubscription("InvalidRequest", "Only expirationDateTime can be updated on a subscription; '%s' cannot.", k)
			}
		}
		if raw == "" {
			return nil, errSubscription("InvalidRequest", "The expirationDateTime property is required.")
		}
		exp, gerr := subscriptionExpiry(raw, e.clock.Now().UTC(), maxSubscriptionLifetime(s.IncludeResourceData))
		if gerr != nil {
			return nil, gerr
		}
		s.Expiration, s.ReauthSent = exp, false
		out := renderSubscription(s)
		out.ODataContext = c.odataContext("subscriptions/$entity")
		return jsonResponse(http.StatusOK, out), nil
	case http.MethodDelete:
		delete(e.st.Subscriptions, id)
		return noContentResponse(), nil
	}
	return nil, errMethod(c.r.Method)
}

// reauthorize serves POST /subscriptions/{id}/reauthorize.
func (e *Emulator) reauthorize(c *call, id string) (*response, *graphError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st.Subscriptions[id]
	if s == nil || !visible(c.p, s) {
		return nil, errSubscriptionNotFound(id)
	}
	s.ReauthSent = false
	return noContentResponse(), nil
}

// Subscriptions lists every subscription (all apps), oldest first.
func (e *Emulator) Subscriptions() []Subscription {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Subscription, 0, len(e.st.Subscriptions))
	for _, s := range e.st.Subscriptions {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created.Before(out[j].Created) || (out[i].Created.Equal(out[j].Created) && out[i].ID < out[j].ID)
	})
	return out
}
