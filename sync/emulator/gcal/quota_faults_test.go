package gcal_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
	"google.golang.org/api/googleapi"

	"calsync/sync/emulator/emucore"
)

func TestPerUserQuotaAndRecovery(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	e.account("bob@example.com", "")
	ann, bob := e.service("ann@example.com"), e.service("bob@example.com")
	if status, body := e.ctl("PUT", "/quota", map[string]any{"userPerMinute": 5}); status != 200 {
		t.Fatalf("set quota: %d %s", status, body)
	}
	for i := range 5 {
		if _, err := ann.Events.List("primary").Do(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := ann.Events.List("primary").Do()
	apiErr(t, err, 403, "rateLimitExceeded")
	// Other users have their own budget.
	if _, err := bob.Events.List("primary").Do(); err != nil {
		t.Fatalf("bob: %v", err)
	}

	// The control API switches the answer to 429 (with Retry-After) or
	// to userRateLimitExceeded.
	if status, _ := e.ctl("PUT", "/quota", map[string]any{"status": 429}); status != 200 {
		t.Fatal("set 429")
	}
	_, err = ann.Events.List("primary").Do()
	if ge := apiErr(t, err, 429, "rateLimitExceeded"); ge.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	e.ctl("PUT", "/quota", map[string]any{"status": 403, "userReason": "userRateLimitExceeded"})
	_, err = ann.Events.List("primary").Do()
	apiErr(t, err, 403, "userRateLimitExceeded")

	// The window slides: a minute later the user is served again.
	e.clock.Advance(61 * time.Second)
	if _, err := ann.Events.List("primary").Do(); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestProjectQuotaAndQuotaUser(t *testing.T) {
	e := newEnv(t)
	e.account("ann@corp.example", "corp.example")
	e.account("bob@corp.example", "corp.example")
	key := e.serviceAccountKey("sync", "corp.example", "calendar")
	cfg, err := google.JWTConfigFromJSON(key, scopeCalendar)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Subject = "ann@corp.example"
	svc := e.serviceWithClient(cfg.Client(context.Background()))
	e.emu.SetQuota(gcalQuota(2, 100))

	// quotaUser counts each user apart for the same token.
	for _, user := range []string{"u1", "u1", "u2", "u2"} {
		if _, err := svc.Events.List("primary").Do(googleapi.QuotaUser(user)); err != nil {
			t.Fatalf("quotaUser %s: %v", user, err)
		}
	}
	_, err = svc.Events.List("primary").Do(googleapi.QuotaUser("u1"))
	apiErr(t, err, 403, "rateLimitExceeded")

	// The project limit covers every user of the service account.
	e.clock.Advance(time.Minute)
	e.emu.SetQuota(gcalQuota(100, 3))
	for i := range 3 {
		if _, err := svc.Events.List("primary").Do(googleapi.QuotaUser("u" + string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	_, err = svc.Events.List("primary").Do(googleapi.QuotaUser("fresh"))
	apiErr(t, err, 403, "rateLimitExceeded")
}

func TestFaultInjection(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")

	// 503 for the next two calls, then normal service.
	status, body := e.ctl("POST", "/faults", map[string]any{"status": 503, "count": 2, "pathPrefix": "/google/calendar/v3/"})
	if status != 201 {
		t.Fatalf("add fault: %d %s", status, body)
	}
	for range 2 {
		_, err := svc.Events.List("primary").Do()
		apiErr(t, err, 503, "backendError")
	}
	if _, err := svc.Events.List("primary").Do(); err != nil {
		t.Fatalf("after the faults: %v", err)
	}

	// AfterHandler: the insert happens but the client sees a 503; the retry
	// with the same id is a 409, and the event exists once.
	e.faults.Add(emucore.Fault{Method: "POST", PathPrefix: "/google/calendar/v3/calendars/primary/events", Status: 503, Count: 1, AfterHandler: true})
	_, err := svc.Events.Insert("primary", newEvent("again00001", "once", e.clock.Now())).Do()
	apiErr(t, err, 503, "")
	_, err = svc.Events.Insert("primary", newEvent("again00001", "once", e.clock.Now())).Do()
	apiErr(t, err, 409, "duplicate")
	items, _ := listAll(t, svc.Events.List("primary"))
	if len(items) != 1 {
		t.Fatalf("want one event, got %d", len(items))
	}

	// Latency without a status only delays.
	e.faults.Add(emucore.Fault{Latency: 30 * time.Millisecond, Count: 1})
	start := time.Now()
	if _, err := svc.Events.Get("primary", "again00001").Do(); err != nil || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency fault: %v after %v", err, time.Since(start))
	}

	// Faults on the token endpoint come back in OAuth shape.
	e.faults.Add(emucore.Fault{PathPrefix: "/google/token", Status: 503, Count: 1})
	resp, err := http.PostForm(e.srv.URL+"/google/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("token fault status %d", resp.StatusCode)
	}
	if status, body := e.ctl("GET", "/faults", nil); status != 200 || string(body) == "" {
		t.Fatalf("list faults %d", status)
	}
	if status, _ := e.ctl("DELETE", "/faults", nil); status != 204 || len(e.faults.List()) != 0 {
		t.Fatal("clear faults")
	}
}
