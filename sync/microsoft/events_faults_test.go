package microsoft_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/engine"
	"calsync/sync/microsoft"
)

func TestThrottledSingleRequest(t *testing.T) {
	e := newCalEnv(t)
	e.faults.Add(emucore.Fault{Method: "POST", PathPrefix: "/graph/v1.0/me/calendars/", Status: 429, RetryAfter: 12, Count: 1})
	res := e.apply(t, create(booking(t, 1)))
	wantRateLimited(t, "throttled create", res[0].Err, 12*time.Second)
	var ge *microsoft.GraphError
	if !errors.As(res[0].Err, &ge) || ge.StatusCode != 429 || ge.RetryAfter != 12*time.Second {
		t.Fatalf("err = %v, want Graph's 429 reachable", res[0].Err)
	}
	if n := len(e.stored(t)); n != 0 {
		t.Fatalf("%d events stored after a throttled create", n)
	}
	e.mustApply(t, create(booking(t, 1)))

	// Without Retry-After the wait is 0; Get and ListTagged map it too.
	e.faults.Add(emucore.Fault{Method: "GET", PathPrefix: "/graph/v1.0/me/calendars/", Status: 429, Reason: "TooManyRequests", Count: 2})
	_, err := e.ms.ListTagged(e.ctx, e.ts, e.cal, "1")
	if _, ok := engine.RetryAfter(err); !ok {
		t.Fatalf("ListTagged = %v, want a rate limit", err)
	}
	_, err = e.ms.Get(e.ctx, e.ts, e.cal, e.stored(t)[0].ID)
	if _, ok := engine.RetryAfter(err); !ok {
		t.Fatalf("Get = %v, want a rate limit", err)
	}
}

func TestRetryAfterWithoutTheHeaderIsZero(t *testing.T) {
	e := newCalEnv(t)
	// The emulator always sends Retry-After on a 429; a 403 whose code
	// says throttling comes without one.
	e.faults.Add(emucore.Fault{Method: "POST", PathPrefix: "/graph/v1.0/me/calendars/", Status: 403, Reason: "ApplicationThrottled", Count: 1})
	res := e.apply(t, create(booking(t, 1)))
	wantRateLimited(t, "403 ApplicationThrottled", res[0].Err, 0)
}

func TestUnavailableIsAPlainError(t *testing.T) {
	e := newCalEnv(t)
	r := e.mustApply(t, create(booking(t, 1)))[0].Remote
	e.faults.Add(emucore.Fault{PathPrefix: "/graph/v1.0/me/calendars/", Status: 503, RetryAfter: 3, Count: 3})
	res := e.apply(t, update(r, booking(t, 1), engine.FieldTitle))
	wantPlain(t, "update answered 503", res[0].Err)
	var ge *microsoft.GraphError
	if !errors.As(res[0].Err, &ge) || ge.StatusCode != 503 || ge.RetryAfter != 3*time.Second {
		t.Fatalf("err = %v, want Graph's 503 with its Retry-After reachable", res[0].Err)
	}
	_, err := e.ms.Get(e.ctx, e.ts, e.cal, r.ID)
	wantPlain(t, "Get answered 503", err)
	_, err = e.ms.ListTagged(e.ctx, e.ts, e.cal, "1")
	wantPlain(t, "ListTagged answered 503", err)
}

func TestLostAnswerAfterCreateThenRetry(t *testing.T) {
	e := newCalEnv(t)
	e.faults.Add(emucore.Fault{Method: "POST", PathPrefix: "/graph/v1.0/me/calendars/", Status: 504, AfterHandler: true, Count: 1})
	ev := booking(t, 1)
	res := e.apply(t, create(ev))
	wantPlain(t, "create whose answer was lost", res[0].Err)
	if n := len(e.stored(t)); n != 1 {
		t.Fatalf("%d events stored, want the 1 the lost request made", n)
	}
	r := e.mustApply(t, create(ev))[0].Remote
	stored := e.stored(t)
	if len(stored) != 1 || stored[0].ID != r.ID {
		t.Fatalf("after the retry: %d events, want exactly the one (%s)", len(stored), r.ID)
	}
}

func TestNetworkFailureIsAPlainError(t *testing.T) {
	e := newCalEnv(t)
	// A server that is gone: every request fails before an answer.
	ms := microsoft.New(microsoft.Options{Endpoints: microsoft.EmulatorEndpoints("http://127.0.0.1:1"), HTTPClient: e.srv.Client()})
	ts := oauth2.StaticTokenSource(e.grant.Token)
	res, err := ms.Apply(e.ctx, ts, e.cal, []engine.Op{create(booking(t, 1)), create(booking(t, 2))})
	must(t, err)
	for i, r := range res {
		wantPlain(t, "create "+string(rune('0'+i)), r.Err)
	}
	_, err = ms.Get(e.ctx, ts, e.cal, "AAMk")
	wantPlain(t, "Get", err)
}

func TestExpiredAccessToken(t *testing.T) {
	e := newCalEnv(t)
	r := e.mustApply(t, create(booking(t, 1)))[0].Remote
	n, err := e.emu.ExpireAccessTokens(e.adele.ID, webID)
	must(t, err)
	if n == 0 {
		t.Fatal("the emulator expired no access token")
	}

	// A source that cannot renew: Graph's 401 is ErrUnauthorized, and the
	// second batch is not sent.
	static := oauth2.StaticTokenSource(e.grant.Token)
	var ops []engine.Op
	for i := range 25 {
		ops = append(ops, create(booking(t, 10+i)))
	}
	before := e.graphRequests.Load()
	res, err := e.ms.Apply(e.ctx, static, e.cal, ops)
	must(t, err)
	for i, r := range res {
		wantSentinel(t, "create "+string(rune('a'+i)), r.Err, engine.ErrUnauthorized)
	}
	if got := e.graphRequests.Load() - before; got != 1 {
		t.Fatalf("%d Graph requests, want 1 (the refused batch)", got)
	}
	_, err = e.ms.Get(e.ctx, static, e.cal, r.ID)
	wantSentinel(t, "Get", err, engine.ErrUnauthorized)
	_, err = e.ms.ListTagged(e.ctx, static, e.cal, "1")
	wantSentinel(t, "ListTagged", err, engine.ErrUnauthorized)
	var ge *microsoft.GraphError
	if !errors.As(err, &ge) || ge.StatusCode != 401 {
		t.Fatalf("err = %v, want Graph's 401 reachable", err)
	}

	// The package's token source renews on the 401 and the calls succeed.
	res = e.mustApply(t, ops...)
	if n := len(e.stored(t)); n != 26 {
		t.Fatalf("%d events stored, want 26", n)
	}
	if _, err := e.ms.Get(e.ctx, e.ts, e.cal, res[0].Remote.ID); err != nil {
		t.Fatalf("Get after renewal: %v", err)
	}
}

func TestDeadGrantIsUnauthorizedBeforeAnyRequest(t *testing.T) {
	e := newCalEnv(t)
	must(t, e.emu.RevokeGrant(e.adele.ID, webID))
	ts := e.ms.TokenSource(e.ctx, e.app, expired(e.grant.Token))
	before := e.graphRequests.Load()
	res, err := e.ms.Apply(e.ctx, ts, e.cal, []engine.Op{create(booking(t, 1))})
	if res != nil || !errors.Is(err, engine.ErrUnauthorized) || !errors.Is(err, linking.ErrInvalidGrant) {
		t.Fatalf("Apply = %v, %v; want no results and ErrUnauthorized with linking.ErrInvalidGrant", res, err)
	}
	if got := e.graphRequests.Load() - before; got != 0 {
		t.Fatalf("%d Graph requests with a dead grant", got)
	}
}

func TestMissingPermissionIsForbidden(t *testing.T) {
	e := newEnv(t)
	g, err := e.link(e.app, "adele@contoso.example", "Calendars.ReadWrite")
	if !errors.Is(err, linking.ErrMissingScope) {
		t.Fatalf("link without the calendar permission: %v", err)
	}
	cal := engine.CalendarRef{CalendarID: e.adele.Calendars[0].ID}
	ts := oauth2.StaticTokenSource(g.Token)
	res, err := e.ms.Apply(e.ctx, ts, cal, []engine.Op{create(booking(t, 1))})
	must(t, err)
	wantSentinel(t, "create", res[0].Err, engine.ErrForbidden)
	_, err = e.ms.ListTagged(e.ctx, ts, cal, "1")
	wantSentinel(t, "ListTagged", err, engine.ErrForbidden)
}

func TestAppOnlyAccessUsesTheUsersMailbox(t *testing.T) {
	e := newEnv(t)
	must(t, e.emu.GrantAppPermissions(e.tenant.ID, webID, []string{"Calendars.ReadWrite"}))
	creds := linking.ServiceCredentials{ClientID: webID, ClientSecret: webSecret, Tenant: "contoso.example"}
	const megan = "megan@contoso.example"
	ts, err := e.ms.ServiceTokenSource(e.ctx, creds, megan)
	must(t, err)
	cal := engine.CalendarRef{UserEmail: megan, CalendarID: e.megan.Calendars[0].ID}

	from := e.graphLogLen()
	res, err := e.ms.Apply(e.ctx, ts, cal, []engine.Op{create(booking(t, 1))})
	must(t, err)
	must(t, res[0].Err)
	for _, line := range e.graphLogSince(from) {
		if !strings.HasPrefix(line, "POST /graph/v1.0/users/"+megan+"/calendars/") {
			t.Fatalf("request %q, want /users/%s/...", line, megan)
		}
	}
	// A batch, a read, a listing, an update and a delete, all in Megan's mailbox.
	more, err := e.ms.Apply(e.ctx, ts, cal, []engine.Op{create(booking(t, 2)), create(booking(t, 3))})
	must(t, err)
	for _, r := range more {
		must(t, r.Err)
	}
	got, err := e.ms.Get(e.ctx, ts, cal, res[0].Remote.ID)
	must(t, err)
	if got.ETag != res[0].Remote.ETag || got.Tags[engine.TagOwner] != "1" {
		t.Fatalf("Get = %+v", got)
	}
	list, err := e.ms.ListTagged(e.ctx, ts, cal, "1")
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("ListTagged = %d events, want 3", len(list))
	}
	ev := booking(t, 1)
	ev.Title = "For Megan"
	upd, err := e.ms.Apply(e.ctx, ts, cal, []engine.Op{update(got, ev, engine.FieldTitle), del(more[1].Remote)})
	must(t, err)
	for _, r := range upd {
		must(t, r.Err)
	}
	raws, err := e.emu.ListEvents(megan, cal.CalendarID)
	must(t, err)
	stored := decodeEvents(t, raws)
	var subjects []string
	for _, g := range stored {
		subjects = append(subjects, g.Subject)
	}
	slices.Sort(subjects)
	if !slices.Equal(subjects, []string{"Booking 2", "For Megan"}) {
		t.Fatalf("Megan's calendar holds %v", subjects)
	}
	if adele, err := e.emu.ListEvents(e.adele.ID, "default"); err != nil || len(adele) != 0 {
		t.Fatalf("Adele's calendar: %d events, %v", len(adele), err)
	}
	for _, line := range e.graphLogSince(0) {
		if strings.Contains(line, "/me/") {
			t.Fatalf("app-only request %q went to /me", line)
		}
	}

	// A user outside the app's tenant: not found.
	other := engine.CalendarRef{UserEmail: "olaf@fabrikam.example", CalendarID: e.olaf.Calendars[0].ID}
	ots, err := e.ms.ServiceTokenSource(e.ctx, creds, other.UserEmail)
	must(t, err)
	_, err = e.ms.ListTagged(e.ctx, ots, other, "1")
	wantSentinel(t, "ListTagged in another tenant's mailbox", err, engine.ErrNotFound)
	var ge *microsoft.GraphError
	if !errors.As(err, &ge) || ge.Code != "ErrorInvalidUser" {
		t.Fatalf("err = %v, want Graph's ErrorInvalidUser", err)
	}
}

func TestCallsThatCannotStart(t *testing.T) {
	e := newCalEnv(t)
	before := e.graphRequests.Load()
	if _, err := e.ms.Apply(e.ctx, nil, e.cal, []engine.Op{create(booking(t, 1))}); err == nil || !strings.HasPrefix(err.Error(), "microsoft: ") {
		t.Errorf("Apply without a token source = %v", err)
	}
	if _, err := e.ms.Apply(e.ctx, e.ts, engine.CalendarRef{}, []engine.Op{create(booking(t, 1))}); err == nil {
		t.Error("Apply without a calendar succeeded")
	}
	if res, err := e.ms.Apply(e.ctx, e.ts, e.cal, nil); err != nil || len(res) != 0 {
		t.Errorf("Apply of nothing = %v, %v", res, err)
	}
	if _, err := e.ms.ListTagged(e.ctx, e.ts, e.cal, ""); err == nil {
		t.Error("ListTagged without an owner succeeded")
	}
	_, err := e.ms.Get(e.ctx, e.ts, e.cal, "")
	wantSentinel(t, "Get without an id", err, engine.ErrNotFound)
	res := e.apply(t, engine.Op{Kind: engine.OpUpdate, Event: booking(t, 1)}, engine.Op{Kind: engine.OpDelete}, engine.Op{Kind: 42})
	for i, r := range res {
		wantSentinel(t, "op without an id or kind "+string(rune('0'+i)), r.Err, engine.ErrInvalid)
	}
	if got := e.graphRequests.Load() - before; got != 0 {
		t.Errorf("%d Graph requests for calls that cannot start", got)
	}
}

// TestFollowUpFailuresOfACreateAreTransient: after Graph created the
// event, a 412 or 404 of a follow-up call is no lost conflict and no
// missing calendar, but a failure the retried create resolves.
func TestFollowUpFailuresOfACreateAreTransient(t *testing.T) {
	e := newCalEnv(t)
	events := "/graph/v1.0/me/calendars/" + e.cal.CalendarID + "/events/"

	// A retry with newer content: the update of the earlier attempt's
	// event meets a concurrent edit.
	ev := booking(t, 1)
	first := e.mustApply(t, create(ev))[0].Remote
	ev.Title = "Booking 1 (renamed)"
	e.faults.Add(emucore.Fault{Method: "PATCH", PathPrefix: events, Status: 412, Count: 1})
	res := e.apply(t, create(ev))
	wantPlain(t, "adopting the earlier event meets a 412", res[0].Err)
	r := e.mustApply(t, create(ev))[0].Remote
	if r.ID != first.ID || e.storedOne(t, r.ID).Subject != ev.Title || len(e.stored(t)) != 1 {
		t.Fatalf("after the retry: %+v, %d events", r, len(e.stored(t)))
	}

	// The series' instances cannot be read (the user deleted it meanwhile).
	series := booking(t, 2)
	series.RRule = "FREQ=DAILY;COUNT=3"
	series.ExDates = []time.Time{series.Start.AddDate(0, 0, 1)}
	e.faults.Add(emucore.Fault{Method: "GET", PathPrefix: events, Status: 404, Count: 1})
	res = e.apply(t, create(series))
	wantPlain(t, "excluded dates of a vanished series", res[0].Err)
	r = e.mustApply(t, create(series))[0].Remote
	var n int
	for _, in := range e.instances(t, series.Start.AddDate(0, 0, -1), series.Start.AddDate(0, 0, 5)) {
		if in.Subject == series.Title {
			n++
		}
	}
	if n != 2 || len(e.stored(t)) != 2 {
		t.Fatalf("series %s shows %d occurrences (want 2), %d events stored (want 2)", r.ID, n, len(e.stored(t)))
	}
}
