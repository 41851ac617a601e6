package outlook_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/subscriptions"

	"golang.org/x/oauth2"

	"calsync/sync/emulator/emucore"
)

func subs(a abs.RequestAdapter) *subscriptions.SubscriptionsRequestBuilder {
	return subscriptions.NewSubscriptionsRequestBuilderInternal(map[string]string{}, a)
}

func newSubscription(resource, notify, lifecycle string, exp time.Time, clientState string) *models.Subscription {
	s := models.NewSubscription()
	s.SetChangeType(ptr("created,updated,deleted"))
	s.SetNotificationUrl(ptr(notify))
	if lifecycle != "" {
		s.SetLifecycleNotificationUrl(ptr(lifecycle))
	}
	s.SetResource(ptr(resource))
	s.SetExpirationDateTime(ptr(exp))
	if clientState != "" {
		s.SetClientState(ptr(clientState))
	}
	return s
}

func TestSubscriptionHandshakeNotificationsRenewalExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")
	tok := e.signIn(cfg)
	a := e.adapter(oauth2.StaticTokenSource(tok))
	rc := newReceiver(t)

	sub, err := subs(a).Post(ctx, newSubscription("me/events", rc.srv.URL+"/notify", rc.srv.URL+"/lifecycle", start.Add(6*24*time.Hour), "secret-123"), nil)
	must(t, err)
	if v, _ := rc.counts(); v != 2 {
		t.Fatalf("%d validation requests, want 2 (notification and lifecycle URLs)", v)
	}
	if got := sub.GetExpirationDateTime().UTC(); !got.Equal(start.Add(6 * 24 * time.Hour)) {
		t.Fatalf("expiration %s, want %s as asked", got, start.Add(6*24*time.Hour))
	}
	id := *sub.GetId()

	ev, err := me(a).Events().Post(ctx, newEvent("Notify me", at(6, 9, 0), at(6, 10, 0), "UTC"), nil)
	must(t, err)
	n := rc.next(t)
	data, _ := n["resourceData"].(map[string]any)
	if n["_path"] != "/notify" || n["changeType"] != "created" || n["clientState"] != "secret-123" || n["subscriptionId"] != id ||
		n["tenantId"] != e.tenant.ID || data["id"] != *ev.GetId() || data["@odata.type"] != "#Microsoft.Graph.Event" ||
		n["resource"] != "Users/"+e.user.ID+"/Events/"+*ev.GetId() || !strings.HasPrefix(data["@odata.etag"].(string), `W/"`) {
		t.Fatalf("notification = %v", n)
	}
	// A change "as the user" notifies too.
	if st := e.control(http.MethodPatch, "/users/"+e.user.ID+"/events/"+*ev.GetId(), map[string]string{"subject": "Moved in Outlook"}, nil); st != http.StatusOK {
		t.Fatalf("control patch: %d", st)
	}
	if n := rc.next(t); n["changeType"] != "updated" {
		t.Fatalf("second notification = %v", n)
	}
	must(t, me(a).Events().ByEventId(*ev.GetId()).Delete(ctx, nil))
	if n := rc.next(t); n["changeType"] != "deleted" {
		t.Fatalf("third notification = %v", n)
	}

	// Renew by PATCH.
	renew := models.NewSubscription()
	renew.SetExpirationDateTime(ptr(start.Add(24 * time.Hour)))
	renewed, err := subs(a).BySubscriptionId(id).Patch(ctx, renew, nil)
	must(t, err)
	if !renewed.GetExpirationDateTime().Equal(start.Add(24 * time.Hour)) {
		t.Fatalf("renewed to %s", renewed.GetExpirationDateTime())
	}
	list, err := subs(a).Get(ctx, nil)
	must(t, err)
	if len(list.GetValue()) != 1 || *list.GetValue()[0].GetId() != id {
		t.Fatalf("list = %d subscriptions", len(list.GetValue()))
	}

	// Lifecycle events on demand.
	if st := e.control(http.MethodPost, "/subscriptions/"+id+"/lifecycle", map[string]string{"event": "missed"}, nil); st != http.StatusAccepted {
		t.Fatalf("lifecycle: %d", st)
	}
	if n := rc.next(t); n["_path"] != "/lifecycle" || n["lifecycleEvent"] != "missed" || n["clientState"] != "secret-123" {
		t.Fatalf("missed = %v", n)
	}

	// Shortly before expiry Graph asks for reauthorization.
	e.clock.Advance(23*time.Hour + 30*time.Minute)
	_, _ = me(a).Calendar().Get(ctx, nil) // any request sweeps
	if n := rc.next(t); n["lifecycleEvent"] != "reauthorizationRequired" || n["subscriptionId"] != id {
		t.Fatalf("reauthorization = %v", n)
	}
	// After expiry the subscription is gone and nothing is delivered. (The
	// access token expired too on the emulated clock: refresh it.)
	e.clock.Advance(time.Hour)
	_, err = me(a).Calendar().Get(ctx, nil)
	graphErr(t, err, http.StatusUnauthorized, "InvalidAuthenticationToken")
	fresh, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	must(t, err)
	a = e.adapter(oauth2.StaticTokenSource(fresh))
	_, err = subs(a).BySubscriptionId(id).Get(ctx, nil)
	graphErr(t, err, http.StatusNotFound, "ResourceNotFound")
	_, err = me(a).Events().Post(ctx, newEvent("Unheard", at(7, 9, 0), at(7, 10, 0), "UTC"), nil)
	must(t, err)
	rc.none(t, 300*time.Millisecond)
}

// TestSubscriptionLifetimeLimit: Graph refuses (400 ExtensionError) an
// expirationDateTime beyond the longest lifetime of an Outlook events
// subscription, 10070 minutes ahead (1440 with resource data), on creation
// and on renewal; it does not shorten it.
func TestSubscriptionLifetimeLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	rc := newReceiver(t)
	resource := "users/" + e.user.UserPrincipalName + "/events"
	cases := []struct {
		name         string
		ahead        time.Duration
		resourceData bool
		wantMinutes  int // limit named in the error; 0: created as asked
	}{
		{"at the limit", 10070 * time.Minute, false, 0},
		{"one minute past", 10071 * time.Minute, false, 10070},
		{"the documented 7 days", 7 * 24 * time.Hour, false, 10070},
		{"a month", 30 * 24 * time.Hour, false, 10070},
		{"resource data, a day", 24 * time.Hour, true, 0},
		{"resource data, past a day", 24*time.Hour + time.Minute, true, 1440},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := newSubscription(resource, rc.srv.URL+"/notify", "", start.Add(tc.ahead), "")
			if tc.resourceData {
				req.SetIncludeResourceData(ptr(true))
				req.SetEncryptionCertificate(ptr("MIIBcert"))
				req.SetEncryptionCertificateId(ptr("cert-1"))
			}
			sub, err := subs(a).Post(ctx, req, nil)
			if tc.wantMinutes != 0 {
				ge := graphErr(t, err, http.StatusBadRequest, "ExtensionError")
				if msg := *ge.GetErrorEscaped().GetMessage(); !strings.Contains(msg, fmt.Sprintf("%d minutes", tc.wantMinutes)) {
					t.Fatalf("message %q does not name %d minutes", msg, tc.wantMinutes)
				}
				return
			}
			must(t, err)
			if got := sub.GetExpirationDateTime().UTC(); !got.Equal(start.Add(tc.ahead)) {
				t.Fatalf("expiration %s, want %s as asked", got, start.Add(tc.ahead))
			}
		})
	}

	// Renewal past the limit is refused and leaves the expiry as it was.
	sub, err := subs(a).Post(ctx, newSubscription(resource, rc.srv.URL+"/notify", "", start.Add(time.Hour), ""), nil)
	must(t, err)
	renew := models.NewSubscription()
	renew.SetExpirationDateTime(ptr(start.Add(8 * 24 * time.Hour)))
	_, err = subs(a).BySubscriptionId(*sub.GetId()).Patch(ctx, renew, nil)
	graphErr(t, err, http.StatusBadRequest, "ExtensionError")
	got, err := subs(a).BySubscriptionId(*sub.GetId()).Get(ctx, nil)
	must(t, err)
	if !got.GetExpirationDateTime().Equal(start.Add(time.Hour)) {
		t.Fatalf("expiry after a refused renewal: %s", got.GetExpirationDateTime())
	}
}

func TestSubscriptionRemovedAndDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	rc := newReceiver(t)
	resource := "users/" + e.user.UserPrincipalName + "/events"
	first, err := subs(a).Post(ctx, newSubscription(resource, rc.srv.URL+"/notify", rc.srv.URL+"/lifecycle", start.Add(time.Hour*48), "cs"), nil)
	must(t, err)
	second, err := subs(a).Post(ctx, newSubscription(resource, rc.srv.URL+"/notify", "", start.Add(time.Hour*48), ""), nil)
	must(t, err)

	must(t, e.emu.SendLifecycleEvent(*first.GetId(), "subscriptionRemoved"))
	if n := rc.next(t); n["lifecycleEvent"] != "subscriptionRemoved" || n["subscriptionId"] != *first.GetId() {
		t.Fatalf("subscriptionRemoved = %v", n)
	}
	_, err = subs(a).BySubscriptionId(*first.GetId()).Get(ctx, nil)
	graphErr(t, err, http.StatusNotFound, "ResourceNotFound")

	must(t, subs(a).BySubscriptionId(*second.GetId()).Delete(ctx, nil))
	if len(e.emu.Subscriptions()) != 0 {
		t.Fatal("subscriptions left after delete and removal")
	}
}

func TestSubscriptionValidationFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.userTokens())
	exp := start.Add(time.Hour)

	wrong := newReceiver(t)
	wrong.echo = func(string) string { return "not the token" }
	_, err := subs(a).Post(ctx, newSubscription("me/events", wrong.srv.URL, "", exp, ""), nil)
	graphErr(t, err, http.StatusBadRequest, "ValidationError")

	broken := newReceiver(t)
	broken.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	_, err = subs(a).Post(ctx, newSubscription("me/events", broken.srv.URL, "", exp, ""), nil)
	graphErr(t, err, http.StatusBadRequest, "ValidationError")

	ok := newReceiver(t)
	cases := []struct {
		name string
		sub  *models.Subscription
		code string
	}{
		{"http on a public host", newSubscription("me/events", "http://hooks.example.com/graph", "", exp, ""), "ValidationError"},
		{"clientState too long", newSubscription("me/events", ok.srv.URL, "", exp, strings.Repeat("x", 129)), "ValidationError"},
		{"expiry in the past", newSubscription("me/events", ok.srv.URL, "", start.Add(-time.Minute), ""), "InvalidRequest"},
		{"unsupported resource", newSubscription("me/messages", ok.srv.URL, "", exp, ""), "ExtensionError"},
		{"another user's mailbox", newSubscription("users/someone@else.example/events", ok.srv.URL, "", exp, ""), "Request_ResourceNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := subs(a).Post(ctx, tc.sub, nil)
			if tc.code == "Request_ResourceNotFound" {
				graphErr(t, err, http.StatusNotFound, tc.code)
				return
			}
			graphErr(t, err, http.StatusBadRequest, tc.code)
		})
	}
	if v, _ := ok.counts(); v != 0 {
		t.Fatalf("invalid requests reached the validation step %d times", v)
	}
}

func TestNotificationRetryAndDrop(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	rc := newReceiver(t)
	_, err := subs(a).Post(ctx, newSubscription("users/"+e.user.ID+"/events", rc.srv.URL, "", start.Add(time.Hour*2), "cs"), nil)
	must(t, err)
	mb := user(a, e.user.ID)

	// The receiver fails at first; Graph retries until it answers 2xx.
	rc.setStatus(http.StatusServiceUnavailable)
	_, err = mb.Events().Post(ctx, newEvent("Retried", at(6, 9, 0), at(6, 10, 0), "UTC"), nil)
	must(t, err)
	deadline := time.Now().Add(3 * time.Second)
	for {
		if _, attempts := rc.counts(); attempts >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery attempt")
		}
		time.Sleep(10 * time.Millisecond)
	}
	rc.setStatus(http.StatusAccepted)
	if n := rc.next(t); n["changeType"] != "created" {
		t.Fatalf("retried notification = %v", n)
	}
	if _, attempts := rc.counts(); attempts < 2 {
		t.Fatalf("%d attempts, want a retry", attempts)
	}

	// A dropNotifications fault loses the next one (webhooks are hints).
	e.faults.Add(emucore.Fault{DropNotifications: true, Count: 1})
	_, err = mb.Events().Post(ctx, newEvent("Lost", at(6, 11, 0), at(6, 12, 0), "UTC"), nil)
	must(t, err)
	_, err = mb.Events().Post(ctx, newEvent("Delivered", at(6, 13, 0), at(6, 14, 0), "UTC"), nil)
	must(t, err)
	n := rc.next(t)
	if n["changeType"] != "created" {
		t.Fatalf("after drop = %v", n)
	}
	rc.none(t, 300*time.Millisecond)
}
