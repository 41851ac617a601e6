package google_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
	"calsync/sync/engine"
)

// eventsPath is where the event calls of the adapter go.
const eventsPath = "/google/calendar/v3/calendars/"

func TestProviderAnswersMapToEngineErrors(t *testing.T) {
	cases := []struct {
		name   string
		fault  emucore.Fault
		want   error         // sentinel; nil with rateLimited false: plain
		rated  bool          // a *engine.RateLimitedError
		waitIs time.Duration // its RetryAfter
	}{
		{name: "429 with Retry-After", fault: emucore.Fault{Status: 429, RetryAfter: 7}, rated: true, waitIs: 7 * time.Second},
		{name: "429 without Retry-After", fault: emucore.Fault{Status: 429}, rated: true},
		{name: "403 rateLimitExceeded", fault: emucore.Fault{Status: 403, Reason: "rateLimitExceeded"}, rated: true},
		{name: "403 userRateLimitExceeded", fault: emucore.Fault{Status: 403, Reason: "userRateLimitExceeded", RetryAfter: 2}, rated: true, waitIs: 2 * time.Second},
		{name: "403 quotaExceeded", fault: emucore.Fault{Status: 403, Reason: "quotaExceeded"}, rated: true},
		{name: "403 forbidden", fault: emucore.Fault{Status: 403, Reason: "forbidden"}, want: engine.ErrForbidden},
		{name: "403 insufficientPermissions", fault: emucore.Fault{Status: 403, Reason: "insufficientPermissions"}, want: engine.ErrForbidden},
		{name: "401", fault: emucore.Fault{Status: 401}, want: engine.ErrUnauthorized},
		{name: "400", fault: emucore.Fault{Status: 400, Reason: "invalid"}, want: engine.ErrInvalid},
		{name: "404", fault: emucore.Fault{Status: 404}, want: engine.ErrNotFound},
		{name: "412", fault: emucore.Fault{Status: 412}, want: engine.ErrPrecondition},
		{name: "503", fault: emucore.Fault{Status: 503}},
		{name: "500", fault: emucore.Fault{Status: 500}},
	}
	e := newEventsEnv(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			f := tc.fault
			f.Method, f.PathPrefix, f.Count = "POST", eventsPath, 1
			e.fault(f)
			ev := timedEvent(i + 1)
			r := e.apply(engine.Op{Kind: engine.OpCreate, Event: ev})[0]
			if tc.rated {
				wantRateLimited(t, r.Err, tc.waitIs)
			} else {
				wantEngineErr(t, r.Err, tc.want)
			}
			if _, ok := e.stored(true)[ev.Key]; ok {
				t.Fatal("the refused insert was stored")
			}
			// The fault is used up: the retry creates the event once.
			if r := e.apply(engine.Op{Kind: engine.OpCreate, Event: ev})[0]; r.Err != nil {
				t.Fatalf("retry: %v", r.Err)
			}
		})
	}
	e.t = t
	if n := len(e.stored(true)); n != len(cases) {
		t.Errorf("stored %d events, want %d", n, len(cases))
	}
}

func TestBatchMapsEachInnerAnswer(t *testing.T) {
	e := newEventsEnv(t)
	e.create(timedEvent(9))
	// The first inner insert is throttled, the inner patch fails; the
	// batch request itself answers 200.
	e.fault(emucore.Fault{Method: "POST", PathPrefix: eventsPath, Status: 429, RetryAfter: 7, Count: 1})
	e.fault(emucore.Fault{Method: "PATCH", PathPrefix: eventsPath, Status: 503, Count: 1})
	res := e.apply(
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(1)},
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(2)},
		engine.Op{Kind: engine.OpUpdate, Event: timedEvent(9), RemoteID: key(9)},
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(3)},
	)
	wantRateLimited(t, res[0].Err, 7*time.Second)
	wantEngineErr(t, res[2].Err, nil)
	for i, n := range map[int]int{1: 2, 3: 3} {
		if res[i].Err != nil || res[i].Remote.ID != key(n) {
			t.Errorf("result %d = %+v", i, res[i])
		}
	}
	if n := len(e.tap.seen()); n != 1 {
		t.Errorf("%d batch requests, want 1", n)
	}
	stored := e.stored(true)
	if _, ok := stored[key(1)]; ok || len(stored) != 3 {
		t.Errorf("stored %d events (throttled one present: %v)", len(stored), ok)
	}
}

func TestQuotaExhaustionIsRateLimited(t *testing.T) {
	e := newEventsEnv(t)
	e.emu.ResetQuotaCounters()
	if err := e.emu.SetQuota(gcal.QuotaSettings{UserPerMinute: 3, Status: 429}); err != nil {
		t.Fatal(err)
	}
	var ops []engine.Op
	for n := 1; n <= 5; n++ {
		ops = append(ops, engine.Op{Kind: engine.OpCreate, Event: timedEvent(n)})
	}
	res := e.apply(ops...)
	for i, r := range res {
		if i < 3 {
			if r.Err != nil {
				t.Errorf("create %d within the quota: %v", i, r.Err)
			}
			continue
		}
		// The window is a minute and the emulator's clock stands still.
		wantRateLimited(t, r.Err, time.Minute)
	}

	// Google's usual answer past the quota is 403 rateLimitExceeded,
	// without Retry-After.
	if err := e.emu.SetQuota(gcal.QuotaSettings{Status: 403}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.Get(e.ctx, e.ts, e.cal, key(1))
	wantRateLimited(t, err, 0)

	// A minute later the window is empty again; the retries of the three
	// creates that landed cost a read and a rewrite each, so the limit
	// goes up a little.
	e.clock.Advance(61 * time.Second)
	if err := e.emu.SetQuota(gcal.QuotaSettings{UserPerMinute: 11}); err != nil {
		t.Fatal(err)
	}
	for i, r := range e.apply(ops...) {
		if r.Err != nil {
			t.Errorf("create %d after the window: %v", i, r.Err)
		}
	}
	if n := len(e.stored(true)); n != 5 {
		t.Errorf("stored %d events, want 5", n)
	}
}

func TestWriteThatLandedBeforeTheAnswerFailed(t *testing.T) {
	e := newEventsEnv(t)
	// A lone insert: the event is written, the answer is a 504.
	e.fault(emucore.Fault{Method: "POST", PathPrefix: eventsPath, Status: 504, AfterHandler: true, Count: 1})
	r := e.apply(engine.Op{Kind: engine.OpCreate, Event: timedEvent(1)})[0]
	wantEngineErr(t, r.Err, nil)
	if n := len(e.stored(true)); n != 1 {
		t.Fatalf("stored %d events after the failed answer, want the 1 written", n)
	}
	r = e.apply(engine.Op{Kind: engine.OpCreate, Event: timedEvent(1)})[0]
	if r.Err != nil || r.Remote.ID != key(1) || r.Remote.ETag == "" {
		t.Fatalf("retry = %+v", r)
	}

	// A batch: every insert is written, the batch answer is a 502.
	e.fault(emucore.Fault{PathPrefix: "/google/batch/", Status: 502, AfterHandler: true, Count: 1})
	ops := []engine.Op{
		{Kind: engine.OpCreate, Event: timedEvent(2)},
		{Kind: engine.OpCreate, Event: timedEvent(3)},
		{Kind: engine.OpCreate, Event: timedEvent(4)},
	}
	for _, r := range e.apply(ops...) {
		wantEngineErr(t, r.Err, nil)
	}
	if n := len(e.stored(true)); n != 4 {
		t.Fatalf("stored %d events, want 4", n)
	}
	for i, r := range e.apply(ops...) {
		if r.Err != nil || r.Remote.ID != ops[i].Event.Key {
			t.Errorf("retried batch create %d = %+v", i, r)
		}
	}
	if n := len(e.stored(true)); n != 4 {
		t.Errorf("stored %d events after the retries, want 4", n)
	}
}

func TestRefusedTokensAreUnauthorized(t *testing.T) {
	e := newEventsEnv(t)
	e.create(timedEvent(1))
	if n := e.emu.ExpireAccessTokens(personal); n == 0 {
		t.Fatal("no token expired")
	}
	_, err := e.client.Get(e.ctx, e.ts, e.cal, key(1))
	wantEngineErr(t, err, engine.ErrUnauthorized)
	_, err = e.client.ListTagged(e.ctx, e.ts, e.cal, org)
	wantEngineErr(t, err, engine.ErrUnauthorized)
	wantEngineErr(t, e.apply(engine.Op{Kind: engine.OpDelete, RemoteID: key(1)})[0].Err, engine.ErrUnauthorized)
	for _, r := range e.apply(engine.Op{Kind: engine.OpCreate, Event: timedEvent(2)}, engine.Op{Kind: engine.OpDelete, RemoteID: key(1)}) {
		wantEngineErr(t, r.Err, engine.ErrUnauthorized)
	}

	// Refreshed, the same grant works again.
	ts := e.env.client.TokenSource(e.ctx, e.app, expired(e.grant.Token))
	if _, err := e.client.Get(e.ctx, ts, e.cal, key(1)); err != nil {
		t.Fatalf("get with a refreshed token: %v", err)
	}

	// A revoked grant cannot refresh: unauthorized, and linking learns
	// why.
	e.emu.RevokeGrants(personal, clientID)
	ts = e.env.client.TokenSource(e.ctx, e.app, expired(e.grant.Token))
	_, err = e.client.Get(e.ctx, ts, e.cal, key(1))
	wantEngineErr(t, err, engine.ErrUnauthorized)
	if !errors.Is(err, linking.ErrInvalidGrant) {
		t.Errorf("err = %v, want it to keep linking.ErrInvalidGrant", err)
	}
}

func TestReadOnlyGrantIsForbidden(t *testing.T) {
	e := newEventsEnv(t)
	tok, err := e.emu.GrantAccess(personal, clientID, []string{"https://www.googleapis.com/auth/calendar.readonly"}, false)
	if err != nil {
		t.Fatal(err)
	}
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"})
	res, err := e.client.Apply(e.ctx, ts, e.cal, []engine.Op{{Kind: engine.OpCreate, Event: timedEvent(1)}})
	if err != nil {
		t.Fatal(err)
	}
	wantEngineErr(t, res[0].Err, engine.ErrForbidden)
	if got, err := e.client.ListTagged(e.ctx, ts, e.cal, org); err != nil || len(got) != 0 {
		t.Errorf("read-only listing = %v, %v", got, err)
	}
}

func TestServiceAccessActsForTheUser(t *testing.T) {
	e := newEventsEnv(t)
	saKey := e.serviceKey("calsync", "calendar")
	ts, err := e.env.client.ServiceTokenSource(e.ctx, linking.ServiceCredentials{GoogleKeyJSON: saKey}, workspace)
	if err != nil {
		t.Fatal(err)
	}
	e.ts, e.cal = ts, engine.CalendarRef{UserEmail: workspace, CalendarID: workspace}

	e.create(timedEvent(1))
	changed := timedEvent(1)
	changed.Title = "changed"
	res := e.apply(
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(2)},
		engine.Op{Kind: engine.OpCreate, Event: timedEvent(3)},
		engine.Op{Kind: engine.OpUpdate, Event: changed, RemoteID: key(1), Fields: []engine.Field{engine.FieldTitle}},
	)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("op %d: %v", i, r.Err)
		}
	}
	if _, err := e.client.Get(e.ctx, ts, e.cal, key(2)); err != nil {
		t.Fatal(err)
	}
	listed, err := e.client.ListTagged(e.ctx, ts, e.cal, org)
	if err != nil || len(listed) != 3 {
		t.Fatalf("listed %v, %v", listed, err)
	}

	stored := e.stored(false)
	if len(stored) != 3 || stored[key(1)].Summary != "changed" {
		t.Fatalf("bob's calendar holds %d events", len(stored))
	}
	for id, ev := range stored {
		if ev.Creator == nil || ev.Creator.Email != workspace {
			t.Errorf("event %s created by %+v", id, ev.Creator)
		}
	}
	if evs, _ := e.emu.CalendarEvents(personal, true); len(evs) != 0 {
		t.Errorf("ann's calendar holds %d events", len(evs))
	}
	// Each user's quota is counted apart: every call names the user.
	calls := e.rec.requests("/google/calendar/v3/")
	if len(calls) < 3 {
		t.Fatalf("only %d API calls recorded", len(calls))
	}
	for _, u := range calls {
		if u.Query().Get("quotaUser") != workspace {
			t.Errorf("call without quotaUser: %s", u)
		}
	}
	batches := e.tap.seen()
	if len(batches) != 1 || len(batches[0]) != 3 {
		t.Fatalf("batch requests: %q", batches)
	}
	for _, line := range batches[0] {
		if !strings.Contains(line, "quotaUser="+url.QueryEscape(workspace)) {
			t.Errorf("inner request without quotaUser: %s", line)
		}
	}
}
