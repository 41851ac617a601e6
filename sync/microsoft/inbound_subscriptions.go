package microsoft

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"

	"calsync/sync/engine"
	"calsync/sync/inbound"
)

const (
	// maxSubscriptionLifetime is the longest a Graph subscription on
	// Outlook events may live: Graph documents 10,080 minutes and refuses
	// more than 10,070.
	maxSubscriptionLifetime = 10070 * time.Minute
	// subscriptionMargin is kept off that limit for clock skew and the
	// request's own time.
	subscriptionMargin = 5 * time.Minute
	// subscriptionChanges are the changes Calsync is notified of.
	subscriptionChanges = "created,updated,deleted"
)

// subscriptionExpiry is want capped to the longest lifetime Graph grants
// from now; a zero want asks for that longest lifetime.
func subscriptionExpiry(want, now time.Time) time.Time {
	limit := now.Add(maxSubscriptionLifetime - subscriptionMargin).UTC().Truncate(time.Second)
	if want.IsZero() || want.After(limit) {
		return limit
	}
	return want.UTC()
}

// subscriptionResource is the resource a subscription on cal watches:
// the calendar's events, under me/ (delegated) or users/{email}/
// (app-only).
func subscriptionResource(cal engine.CalendarRef) string {
	owner := "me"
	if email := strings.TrimSpace(cal.UserEmail); email != "" {
		owner = "users/" + url.PathEscape(email)
	}
	return owner + "/calendars/" + cal.CalendarID + "/events"
}

// graphErrorMappings parse every error answer as Graph's OData error.
func graphErrorMappings() abs.ErrorMappings {
	return abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
}

// subscriptionRequest sends one request on /subscriptions[/{id}] with
// body (nil: none); the answer is parsed as a subscription unless
// noContent.
func subscriptionRequest(ctx context.Context, adapter abs.RequestAdapter, method abs.HttpMethod, id string, body models.Subscriptionable, noContent bool) (models.Subscriptionable, error) {
	template, params := "{+baseurl}/subscriptions", map[string]string{}
	if id != "" {
		template += "/{subscription%2Did}"
		params["subscription%2Did"] = id
	}
	req := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(method, template, params)
	req.Headers.TryAdd("Accept", "application/json")
	if body != nil {
		if err := req.SetContentFromParsable(ctx, adapter, "application/json", body); err != nil {
			return nil, err
		}
	}
	if noContent {
		return nil, adapter.SendNoContent(ctx, req, graphErrorMappings())
	}
	res, err := adapter.Send(ctx, req, models.CreateSubscriptionFromDiscriminatorValue, graphErrorMappings())
	if err != nil {
		return nil, err
	}
	sub, ok := res.(models.Subscriptionable)
	if !ok || sub == nil {
		return nil, errors.New("graph answered without the subscription")
	}
	return sub, nil
}

// channelOf is the Channel of a subscription Graph returned; asked is the
// expiry sent, used when Graph's answer lacks one.
func channelOf(sub models.Subscriptionable, id string, asked time.Time) inbound.Channel {
	ch := inbound.Channel{ID: id, Expiry: asked}
	if got := deref(sub.GetId()); got != "" {
		ch.ID = got
	}
	if exp := sub.GetExpirationDateTime(); exp != nil && !exp.IsZero() {
		ch.Expiry = exp.UTC()
	}
	return ch
}

// Watch creates a Graph subscription to the created, updated and deleted
// events of cal: resource me/calendars/{id}/events, or
// users/{email}/calendars/{id}/events for app-only access. Notifications
// go to req.URL, lifecycle notifications to req.LifecycleURL (when set),
// and carry req.Token as clientState. The expiry is req.Expiry capped to
// Graph's limit (10,070 minutes, less a margin); the channel's Expiry is
// the one Graph granted.
//
// Graph validates the notification URLs before it answers; when the
// validation fails, or the URL is not one Graph accepts (https only),
// the error wraps inbound.ErrWebhookRefused. Other failures are
// classified as for Apply.
func (c *Client) Watch(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, req inbound.WatchRequest) (inbound.Channel, error) {
	what := fmt.Sprintf("watch calendar %q", cal.CalendarID)
	if err := c.checkEventCall(ts, cal); err != nil {
		return inbound.Channel{}, fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if strings.TrimSpace(req.URL) == "" {
		return inbound.Channel{}, fmt.Errorf("microsoft: %s: no notification URL", what)
	}
	for _, raw := range []string{req.URL, req.LifecycleURL} {
		if raw == "" {
			continue
		}
		if u, err := url.Parse(raw); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return inbound.Channel{}, fmt.Errorf("microsoft: %s: %w: %q is not an http(s) URL", what, inbound.ErrWebhookRefused, raw)
		}
	}
	exp := subscriptionExpiry(req.Expiry, time.Now())
	body := models.NewSubscription()
	body.SetChangeType(ptr(subscriptionChanges))
	body.SetNotificationUrl(ptr(req.URL))
	if req.LifecycleURL != "" {
		body.SetLifecycleNotificationUrl(ptr(req.LifecycleURL))
	}
	body.SetResource(ptr(subscriptionResource(cal)))
	body.SetExpirationDateTime(&exp)
	if req.Token != "" {
		body.SetClientState(ptr(req.Token))
	}
	var sub models.Subscriptionable
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, _ *users.UserItemRequestBuilder) error {
		var err error
		sub, err = subscriptionRequest(ctx, adapter, abs.POST, "", body, false)
		return err
	})
	if err != nil {
		var ge *GraphError
		if errors.As(toGraphError(err), &ge) && webhookRefused(ge) {
			return inbound.Channel{}, fmt.Errorf("microsoft: %s: %w: %w", what, inbound.ErrWebhookRefused, ge)
		}
		return inbound.Channel{}, eventError(what, err)
	}
	ch := channelOf(sub, "", exp)
	if ch.ID == "" {
		return inbound.Channel{}, fmt.Errorf("microsoft: %s: graph answered without the subscription id", what)
	}
	return ch, nil
}

// webhookRefused reports Graph refusing a subscription for its
// notification URL: the validation handshake failed or timed out, or the
// URL is not acceptable (not https).
func webhookRefused(ge *GraphError) bool {
	if ge.StatusCode != http.StatusBadRequest {
		return false
	}
	if strings.EqualFold(ge.Code, "ValidationError") {
		return true
	}
	msg := strings.ToLower(ge.Message)
	return strings.Contains(msg, "validation") || strings.Contains(msg, "notification") || strings.Contains(msg, "uri scheme")
}

// Renew extends the Graph subscription ch to expiry (capped as in
// Watch) and returns it with the expiry Graph granted. A subscription
// Graph no longer knows (deleted, expired) wraps engine.ErrNotFound.
func (c *Client) Renew(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ch inbound.Channel, expiry time.Time) (inbound.Channel, error) {
	what := fmt.Sprintf("renew subscription %q", ch.ID)
	if err := c.checkEventCall(ts, cal); err != nil {
		return inbound.Channel{}, fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if strings.TrimSpace(ch.ID) == "" {
		return inbound.Channel{}, fmt.Errorf("microsoft: %s: %w: no subscription id", what, engine.ErrNotFound)
	}
	exp := subscriptionExpiry(expiry, time.Now())
	body := models.NewSubscription()
	body.SetExpirationDateTime(&exp)
	var sub models.Subscriptionable
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, _ *users.UserItemRequestBuilder) error {
		var err error
		sub, err = subscriptionRequest(ctx, adapter, abs.PATCH, ch.ID, body, false)
		return err
	})
	if err != nil {
		return inbound.Channel{}, eventError(what, err)
	}
	out := channelOf(sub, ch.ID, exp)
	out.ResourceID = ch.ResourceID
	return out, nil
}

// Unwatch deletes the Graph subscription ch; one Graph no longer knows is
// not an error.
func (c *Client) Unwatch(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ch inbound.Channel) error {
	what := fmt.Sprintf("delete subscription %q", ch.ID)
	if err := c.checkEventCall(ts, cal); err != nil {
		return fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if strings.TrimSpace(ch.ID) == "" {
		return nil
	}
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, _ *users.UserItemRequestBuilder) error {
		_, err := subscriptionRequest(ctx, adapter, abs.DELETE, ch.ID, nil, true)
		return err
	})
	if err != nil && !isGone(err) {
		return eventError(what, err)
	}
	return nil
}
