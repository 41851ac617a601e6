package outlook_test

import (
	"context"
	"encoding/json"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/outlook"
)

func TestControlAPISeedingAndPages(t *testing.T) {
	e := newEnv(t)
	var tenant outlook.Tenant
	if st := e.control(http.MethodPost, "/tenants", map[string]string{"domain": "fabrikam.example"}, &tenant); st != http.StatusCreated || tenant.ID == "" {
		t.Fatalf("create tenant: %d %+v", st, tenant)
	}
	var u outlook.UserInfo
	if st := e.control(http.MethodPost, "/users", map[string]string{"userPrincipalName": "megan@fabrikam.example", "displayName": "Megan Bowen", "tenant": "fabrikam.example"}, &u); st != http.StatusCreated {
		t.Fatalf("create user: %d", st)
	}
	if u.TenantID != tenant.ID || len(u.Calendars) != 1 || u.Calendars[0].Name != "Calendar" || !u.Calendars[0].IsDefault {
		t.Fatalf("user = %+v", u)
	}
	if st := e.control(http.MethodPost, "/users", map[string]string{"userPrincipalName": "megan@fabrikam.example"}, nil); st != http.StatusConflict {
		t.Fatalf("duplicate user: %d", st)
	}
	var errOut map[string]string
	if st := e.control(http.MethodGet, "/users/nobody@nowhere.example", nil, &errOut); st != http.StatusNotFound || errOut["error"] == "" {
		t.Fatalf("unknown user: %d %v", st, errOut)
	}
	var cal outlook.CalendarInfo
	if st := e.control(http.MethodPost, "/users/megan@fabrikam.example/calendars", map[string]string{"name": "Bookings"}, &cal); st != http.StatusCreated {
		t.Fatalf("create calendar: %d", st)
	}
	var app outlook.App
	if st := e.control(http.MethodPost, "/apps", map[string]any{"clientId": "fab-app", "clientSecret": "s3", "displayName": "Fabrikam sync", "tenant": tenant.ID}, &app); st != http.StatusCreated || !app.Confidential() {
		t.Fatalf("register app: %d %+v", st, app)
	}
	if st := e.control(http.MethodPut, "/tenants/"+tenant.ID+"/appPermissions/fab-app", map[string]any{"permissions": []string{"Calendars.ReadWrite"}}, nil); st != http.StatusNoContent {
		t.Fatalf("grant: %d", st)
	}

	// Events "as the user", including a weekly series with one moved occurrence.
	var created map[string]any
	if st := e.control(http.MethodPost, "/users/megan@fabrikam.example/calendars/Bookings/events", map[string]any{
		"subject": "Piano lesson", "location": map[string]string{"displayName": "Studio B"},
		"start":      map[string]string{"dateTime": "2025-03-04T17:00:00", "timeZone": "Europe/Paris"},
		"end":        map[string]string{"dateTime": "2025-03-04T18:00:00", "timeZone": "Europe/Paris"},
		"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []string{"tuesday"}}, "range": map[string]any{"type": "noEnd", "startDate": "2025-03-04"}},
	}, &created); st != http.StatusCreated || created["type"] != "seriesMaster" {
		t.Fatalf("create series: %d %v", st, created["type"])
	}
	if st := e.control(http.MethodPost, "/users/megan@fabrikam.example/calendars/default/events", map[string]any{
		"subject": "<script>alert(1)</script>", "start": map[string]string{"dateTime": "2025-03-05T09:00:00", "timeZone": "UTC"},
		"end": map[string]string{"dateTime": "2025-03-05T09:30:00", "timeZone": "UTC"},
	}, nil); st != http.StatusCreated {
		t.Fatalf("create single: %d", st)
	}
	if st := e.control(http.MethodPost, "/users/megan@fabrikam.example/calendars/default/events", map[string]any{"subject": 5}, &errOut); st != http.StatusBadRequest {
		t.Fatalf("bad event: %d", st)
	}
	var view struct {
		Value []map[string]any `json:"value"`
	}
	e.control(http.MethodGet, "/users/megan@fabrikam.example/calendars/Bookings/events?start=2025-03-01T00:00:00Z&end=2025-03-22T00:00:00Z", nil, &view)
	if len(view.Value) != 3 || view.Value[0]["type"] != "occurrence" {
		t.Fatalf("expanded view = %d items", len(view.Value))
	}
	occID := view.Value[1]["id"].(string)
	if st := e.control(http.MethodPatch, "/users/megan@fabrikam.example/events/"+occID, map[string]any{"subject": "Piano lesson (recital)"}, nil); st != http.StatusOK {
		t.Fatalf("patch occurrence: %d", st)
	}
	e.control(http.MethodGet, "/users/megan@fabrikam.example/calendars/Bookings/events", nil, &view)
	if len(view.Value) != 1 || view.Value[0]["subject"] != "Piano lesson" {
		t.Fatalf("stored events = %v", view.Value)
	}

	// The user's page shows both calendars as Outlook would, escaped.
	page := getText(t, e.srv.URL+"/_emulator/microsoft/users/megan@fabrikam.example/page?start=2025-03-03&days=14&tz=Europe/Paris")
	for _, want := range []string{"Megan Bowen", "Bookings", "Piano lesson (recital)", "17:00 – 18:00", "Studio B", "recurring", "&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Fatalf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Fatal("page does not escape event subjects")
	}
	index := getText(t, e.srv.URL+"/_emulator/microsoft/")
	if !strings.Contains(index, "users/"+u.ID+"/page") || !strings.Contains(index, "Fabrikam sync") {
		t.Fatalf("index page:\n%s", index)
	}

	// The new app reads the new mailbox with a client-credentials token.
	cc := clientcredentials.Config{ClientID: "fab-app", ClientSecret: "s3", TokenURL: e.srv.URL + "/microsoft/fabrikam.example/oauth2/v2.0/token",
		Scopes: []string{"https://graph.microsoft.com/.default"}}
	cals, err := user(e.adapter(cc.TokenSource(context.Background())), "megan@fabrikam.example").Calendars().Get(context.Background(), nil)
	must(t, err)
	if len(cals.GetValue()) != 2 {
		t.Fatalf("fab-app sees %d calendars", len(cals.GetValue()))
	}
	// ...and not the other tenant's mailbox.
	_, err = user(e.adapter(cc.TokenSource(context.Background())), e.user.ID).Calendars().Get(context.Background(), nil)
	graphErr(t, err, http.StatusNotFound, "ErrorInvalidUser")
	var users []outlook.UserInfo
	e.control(http.MethodGet, "/users", nil, &users)
	if len(users) != 2 {
		t.Fatalf("%d users", len(users))
	}

	// Delete "as the user".
	if st := e.control(http.MethodDelete, "/users/"+u.ID+"/events/"+created["id"].(string), nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	e.control(http.MethodGet, "/users/megan@fabrikam.example/calendars/Bookings/events", nil, &view)
	if len(view.Value) != 0 {
		t.Fatalf("%d events after delete", len(view.Value))
	}

	// Reset empties everything.
	if st := e.control(http.MethodPost, "/reset", nil, nil); st != http.StatusNoContent {
		t.Fatalf("reset: %d", st)
	}
	e.control(http.MethodGet, "/users", nil, &users)
	if len(users) != 0 {
		t.Fatalf("%d users after reset", len(users))
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

func TestSnapshotRestore(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")
	tok := e.signIn(cfg)
	a := e.adapter(oauth2.StaticTokenSource(tok))
	ev, err := me(a).Events().Post(ctx, weeklySeries(), nil)
	must(t, err)

	resp, err := http.Get(e.srv.URL + "/_emulator/microsoft/snapshot")
	must(t, err)
	snap, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var parsed map[string]any
	must(t, json.Unmarshal(snap, &parsed))

	// A second emulator restored from it serves the same mailbox and
	// honours the tokens issued before.
	other := newEnv(t)
	req, _ := http.NewRequest(http.MethodPut, other.srv.URL+"/_emulator/microsoft/snapshot", strings.NewReader(string(snap)))
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("restore: %d", res.StatusCode)
	}
	cfg2 := other.oauthConfig("offline_access", "User.Read", "Calendars.ReadWrite")
	fresh, err := cfg2.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	must(t, err)
	got, err := me(other.adapter(oauth2.StaticTokenSource(fresh))).Events().ByEventId(*ev.GetId()).Get(ctx, nil)
	must(t, err)
	if *got.GetSubject() != "Standup" || got.GetRecurrence() == nil {
		t.Fatal("restored event differs")
	}
	if err := other.emu.Restore([]byte(`{"version":99}`)); err == nil {
		t.Fatal("restore accepted an unknown version")
	}
	if err := other.emu.Restore([]byte(`not json`)); err == nil {
		t.Fatal("restore accepted garbage")
	}
}

func TestCloseStopsBackgroundWork(t *testing.T) {
	emu := outlook.New(outlook.Options{Clock: emucore.NewFakeClock(start)})
	done := make(chan struct{})
	go func() {
		emu.Close()
		emu.Close() // idempotent
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return")
	}
}

// TestNoSDKImports keeps the emulator a plain JSON server: its non-test
// code must not import the Graph SDK or kiota.
func TestNoSDKImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	must(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		must(t, err)
		parsed, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		must(t, err)
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, "msgraph") || strings.Contains(path, "kiota") || strings.Contains(path, "golang.org/x/oauth2") {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}

func TestRestoreToleratesHandEditedSnapshot(t *testing.T) {
	e := newEnv(t)
	snap := `{"version":1,"provider":"microsoft","state":{
		"tenants":{"t1":{"id":"t1","domain":"y.example"},"gone":null},
		"users":{"u1":{"id":"u1","tenantId":"t1","userPrincipalName":"x@y.example","mail":"x@y.example","displayName":"X"},"u2":null}}}`
	must(t, e.emu.Restore([]byte(snap)))
	u, err := e.emu.User("x@y.example")
	must(t, err)
	if len(u.Calendars) != 1 || !u.Calendars[0].IsDefault {
		t.Fatalf("restored user calendars = %+v", u.Calendars)
	}
	if _, err := e.emu.CreateEvent("x@y.example", "default", []byte(`{"subject":"ok","start":{"dateTime":"2025-03-03T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-03T10:00:00","timeZone":"UTC"}}`)); err != nil {
		t.Fatal(err)
	}
}

// TestHostileInputAnswersGraphErrors sends malformed requests: each must
// get a 4xx in Graph's error shape, never a 5xx or a dropped connection.
func TestHostileInputAnswersGraphErrors(t *testing.T) {
	e := newEnv(t)
	tok, err := e.daemonTokens().Token()
	must(t, err)
	base := e.srv.URL + "/graph/v1.0/users/" + e.user.ID
	cases := []struct{ method, url, body, prefer string }{
		{"GET", base + "/events?$filter=(((", "", ""},
		{"GET", base + "/events?$filter=subject%20eq%20'unterminated", "", ""},
		{"GET", base + "/events?$filter=body/content%20eq%20'x'", "", ""},
		{"GET", base + "/events?$top=-1", "", ""},
		{"GET", base + "/events?$orderby=attendees", "", ""},
		{"GET", base + "/events?$expand=attachments", "", ""},
		{"GET", base + "/events/AAMkA%2F%2F%2F", "", ""},
		{"GET", base + "/events/AAMkAAA==", "", ""},
		{"GET", base + "/calendars/AAMkAAQ=/events", "", ""},
		{"GET", base + "/calendarView?startDateTime=garbage&endDateTime=2025", "", ""},
		{"GET", base + "/calendarView?startDateTime=2025-03-02T00:00:00Z&endDateTime=2025-03-01T00:00:00Z", "", ""},
		{"GET", base + "/calendarView/delta?$skiptoken=nope", "", ""},
		{"GET", base + "/events", "", "odata.maxpagesize=abc, outlook.timezone=\"Nowhere/Land\""},
		{"PATCH", base + "/events/AAMkAAA==", `{"subject":1}`, ""},
		{"POST", base + "/events", `{"start":{"dateTime":"2025-03-03T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-03T10:00:00","timeZone":"UTC"},"recurrence":{"pattern":{"type":"monthly"},"range":{"type":"noEnd","startDate":"2025-03-03"}}}`, ""},
		{"POST", base + "/calendars", `{"name":""}`, ""},
		{"GET", base + "/mailFolders", "", ""},
		{"GET", e.srv.URL + "/graph/v1.0/users", "", ""},
		{"POST", e.srv.URL + "/graph/v1.0/$batch", `{"requests":"nope"}`, ""},
		{"POST", e.srv.URL + "/graph/v1.0/$batch", `{"requests":[{"id":"1","method":"GET","url":"/$batch"}, {"id":"2","method":"GET","url":"/users","dependsOn":["3"]}]}`, ""},
		{"POST", e.srv.URL + "/graph/v1.0/subscriptions", `{}`, ""},
		{"POST", e.srv.URL + "/graph/v1.0/subscriptions", `{"changeType":"created","notificationUrl":"::","resource":"me/events","expirationDateTime":"soon"}`, ""},
		{"PATCH", e.srv.URL + "/graph/v1.0/subscriptions/unknown", `{"expirationDateTime":"2025-03-04T00:00:00Z"}`, ""},
		{"GET", e.srv.URL + "/graph/v1.0/", "", ""},
	}
	for _, tc := range cases {
		req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		if tc.prefer != "" {
			req.Header.Set("Prefer", tc.prefer)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		var out struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		decodeErr := json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 || decodeErr != nil || out.Error.Code == "" || out.Error.Message == "" {
			if tc.url == e.srv.URL+"/graph/v1.0/$batch" && resp.StatusCode == http.StatusOK {
				continue // a batch answers 200 with the failures inside
			}
			t.Errorf("%s %s: %d %+v (%v)", tc.method, tc.url, resp.StatusCode, out.Error, decodeErr)
		}
	}
}
