package gcal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
)

const (
	scopeCalendar = "https://www.googleapis.com/auth/calendar"
	scopeReadonly = "https://www.googleapis.com/auth/calendar.readonly"
	testClientID  = "client-1.apps.googleusercontent.com"
	testSecret    = "secret-1"
	testRedirect  = "http://127.0.0.1:1/callback"
)

// env is one emulator behind an httptest server, with a fake clock that
// starts at the wall clock (service-account JWTs carry real timestamps).
type env struct {
	t      *testing.T
	emu    *gcal.Emulator
	srv    *httptest.Server
	clock  *emucore.FakeClock
	faults *emucore.Faults
}

func newEnv(t *testing.T) *env {
	return newEnvWith(t, true)
}

func newEnvWith(t *testing.T, insecureHooks bool) *env {
	t.Helper()
	clock := emucore.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	faults := emucore.NewFaults(7)
	emu := gcal.New(gcal.Options{Clock: clock, Faults: faults, AllowInsecureWebhooks: insecureHooks})
	mux := http.NewServeMux()
	mux.Handle("/_emulator/google/", http.StripPrefix("/_emulator/google", emu.ControlHandler()))
	mux.Handle("/", emu)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	e := &env{t: t, emu: emu, srv: srv, clock: clock, faults: faults}
	if err := emu.RegisterClient(gcal.Client{ClientID: testClientID, ClientSecret: testSecret, Name: "Calsync Test",
		RedirectURIs: []string{testRedirect}}); err != nil {
		t.Fatalf("register client: %v", err)
	}
	return e
}

// account creates a user.
func (e *env) account(email, domain string) gcal.Account {
	e.t.Helper()
	a, err := e.emu.CreateAccount(gcal.Account{Email: email, Domain: domain})
	if err != nil {
		e.t.Fatalf("create account %s: %v", email, err)
	}
	return a
}

// token grants the test client the scopes for a user.
func (e *env) token(email string, scopes ...string) gcal.TokenResponse {
	e.t.Helper()
	tok, err := e.emu.GrantAccess(email, testClientID, scopes, true)
	if err != nil {
		e.t.Fatalf("grant %s: %v", email, err)
	}
	return tok
}

// service returns a Calendar client for a user with the given scopes
// (the full calendar scope when none are given).
func (e *env) service(email string, scopes ...string) *calendar.Service {
	e.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{scopeCalendar}
	}
	tok := e.token(email, scopes...)
	return e.serviceWithToken(tok.AccessToken)
}

func (e *env) serviceWithToken(access string) *calendar.Service {
	e.t.Helper()
	ctx := context.Background()
	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access, TokenType: "Bearer"}))
	return e.serviceWithClient(hc)
}

func (e *env) serviceWithClient(hc *http.Client) *calendar.Service {
	e.t.Helper()
	svc, err := calendar.NewService(context.Background(), option.WithEndpoint(e.srv.URL+"/google/calendar/v3/"), option.WithHTTPClient(hc))
	if err != nil {
		e.t.Fatalf("calendar service: %v", err)
	}
	return svc
}

// ctl calls the control API with a JSON body and returns status and body.
func (e *env) ctl(method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatalf("encode: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+"/_emulator/google"+path, rd)
	if err != nil {
		e.t.Fatalf("request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// apiErr asserts err is a Google API error with the code and reason.
func apiErr(t *testing.T, err error, code int, reason string) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("want googleapi error %d %s, got %v", code, reason, err)
	}
	if ge.Code != code {
		t.Fatalf("want code %d, got %d (%s)", code, ge.Code, ge.Body)
	}
	if reason != "" && (len(ge.Errors) == 0 || ge.Errors[0].Reason != reason) {
		t.Fatalf("want reason %q, got %+v (%s)", reason, ge.Errors, ge.Body)
	}
	return ge
}

// timed returns a start/end pair in UTC.
func timed(start time.Time, d time.Duration) (*calendar.EventDateTime, *calendar.EventDateTime) {
	return &calendar.EventDateTime{DateTime: start.UTC().Format(time.RFC3339)},
		&calendar.EventDateTime{DateTime: start.Add(d).UTC().Format(time.RFC3339)}
}

func newEvent(id, summary string, start time.Time) *calendar.Event {
	s, en := timed(start, time.Hour)
	return &calendar.Event{Id: id, Summary: summary, Start: s, End: en}
}

// listAll pages through events.list and returns items and the final sync
// token, checking that only the last page carries it.
func listAll(t *testing.T, call *calendar.EventsListCall) ([]*calendar.Event, string) {
	t.Helper()
	var items []*calendar.Event
	page := ""
	for {
		if page != "" {
			call.PageToken(page)
		}
		res, err := call.Do()
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		items = append(items, res.Items...)
		if res.NextPageToken == "" {
			if res.NextSyncToken == "" {
				t.Fatalf("last page has no nextSyncToken")
			}
			return items, res.NextSyncToken
		}
		if res.NextSyncToken != "" {
			t.Fatalf("nextSyncToken on a page that is not the last")
		}
		page = res.NextPageToken
	}
}

// hook is an httptest server recording push notifications per channel.
type hook struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]http.Header
	chs map[string]chan http.Header
}

func newHook(t *testing.T) *hook {
	h := &hook{got: map[string][]http.Header{}, chs: map[string]chan http.Header{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hd := r.Header.Clone()
		hd.Set("X-Test-Method", r.Method)
		hd.Set("X-Test-Body-Length", strconv.Itoa(len(body)))
		id := hd.Get("X-Goog-Channel-Id")
		h.mu.Lock()
		h.got[id] = append(h.got[id], hd)
		ch := h.chanFor(id)
		h.mu.Unlock()
		ch <- hd
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// chanFor returns the channel's delivery queue; mu held.
func (h *hook) chanFor(id string) chan http.Header {
	ch := h.chs[id]
	if ch == nil {
		ch = make(chan http.Header, 100)
		h.chs[id] = ch
	}
	return ch
}

// next waits for the next notification of a channel.
func (h *hook) next(t *testing.T, channelID string) http.Header {
	t.Helper()
	h.mu.Lock()
	ch := h.chanFor(channelID)
	h.mu.Unlock()
	select {
	case hd := <-ch:
		return hd
	case <-time.After(5 * time.Second):
		t.Fatalf("no notification for channel %s", channelID)
		return nil
	}
}

// count is how many notifications a channel received.
func (h *hook) count(channelID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got[channelID])
}

func gcalAccount(email, tz string) gcal.Account { return gcal.Account{Email: email, TimeZone: tz} }

func gcalQuota(user, project int) gcal.QuotaSettings {
	return gcal.QuotaSettings{UserPerMinute: user, ProjectPerMinute: project}
}
