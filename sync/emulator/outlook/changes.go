package outlook

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// changeNotification is one item of a notification POST.
type changeNotification struct {
	SubscriptionID                 string        `json:"subscriptionId"`
	SubscriptionExpirationDateTime string        `json:"subscriptionExpirationDateTime"`
	ChangeType                     string        `json:"changeType,omitempty"`
	Resource                       string        `json:"resource,omitempty"`
	ResourceData                   *resourceData `json:"resourceData,omitempty"`
	ClientState                    *string       `json:"clientState"`
	TenantID                       string        `json:"tenantId"`
	LifecycleEvent                 string        `json:"lifecycleEvent,omitempty"`
}

type resourceData struct {
	ODataType string `json:"@odata.type"`
	ODataID   string `json:"@odata.id"`
	ODataEtag string `json:"@odata.etag,omitempty"`
	ID        string `json:"id"`
}

// changedLocked notifies the subscriptions watching an event change.
func (e *Emulator) changedLocked(u *account, calID, eventID, changeType string) {
	now := e.clock.Now().UTC()
	tag := ""
	if changeType != "deleted" {
		if ref, gerr := findEvent(u, eventID, calID); gerr == nil {
			tag = etag(ref.instance().changeKey())
		}
	}
	var subs []*Subscription
	for _, s := range e.st.Subscriptions {
		if s.UserID != u.ID || (s.CalendarID != "" && s.CalendarID != calID) || !now.Before(s.Expiration) {
			continue
		}
		if !hasScope(strings.Split(s.ChangeType, ","), changeType) {
			continue
		}
		subs = append(subs, s)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].ID < subs[j].ID })
	for _, s := range subs {
		path := "Users/" + u.ID + "/Events/" + eventID
		n := changeNotification{
			SubscriptionID: s.ID, SubscriptionExpirationDateTime: graphTime(s.Expiration),
			ChangeType: changeType, Resource: path, TenantID: s.TenantID,
			ResourceData: &resourceData{ODataType: "#Microsoft.Graph.Event", ODataID: path, ODataEtag: tag, ID: eventID},
		}
		if s.ClientState != "" {
			cs := s.ClientState
			n.ClientState = &cs
		}
		e.postLocked(s, s.NotificationURL, "change", n, now)
	}
}

// postLocked queues a notification POST for s.
func (e *Emulator) postLocked(s *Subscription, endpoint, kind string, n changeNotification, now time.Time) {
	body, err := json.Marshal(map[string]any{"value": []changeNotification{n}})
	if err != nil {
		e.logger.Error("outlook encode notification", slog.String("error", err.Error()))
		return
	}
	id := s.ID
	e.deliver.enqueue(outgoing{
		URL: endpoint, Body: body, SubscriptionID: id, Kind: kind, Deadline: now.Add(notifyRetryWindow),
		alive: func() bool {
			if kind != "change" {
				return true
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			_, ok := e.st.Subscriptions[id]
			return ok
		},
	})
}

// lifecycleLocked queues a lifecycle notification for s.
func (e *Emulator) lifecycleLocked(s *Subscription, event string, now time.Time) {
	n := changeNotification{
		SubscriptionID: s.ID, SubscriptionExpirationDateTime: graphTime(s.Expiration),
		TenantID: s.TenantID, LifecycleEvent: event,
	}
	if s.ClientState != "" {
		cs := s.ClientState
		n.ClientState = &cs
	}
	e.postLocked(s, s.LifecycleNotificationURL, event, n, now)
}

// SendLifecycleEvent sends a lifecycle notification (reauthorizationRequired,
// subscriptionRemoved or missed) for a subscription, as Graph would;
// subscriptionRemoved also removes the subscription.
func (e *Emulator) SendLifecycleEvent(subscriptionID, event string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st.Subscriptions[subscriptionID]
	if s == nil {
		return fmt.Errorf("outlook: subscription %s: %w", subscriptionID, ErrNotFound)
	}
	switch event {
	case LifecycleReauthorizationRequired, LifecycleSubscriptionRemoved, LifecycleMissed:
	default:
		return fmt.Errorf("outlook: lifecycle event %q: %w", event, ErrInvalid)
	}
	if event == LifecycleSubscriptionRemoved {
		delete(e.st.Subscriptions, s.ID)
	}
	if s.LifecycleNotificationURL == "" {
		if event == LifecycleSubscriptionRemoved {
			return nil
		}
		return fmt.Errorf("outlook: subscription %s has no lifecycleNotificationUrl: %w", subscriptionID, ErrInvalid)
	}
	e.lifecycleLocked(s, event, e.clock.Now().UTC())
	return nil
}
