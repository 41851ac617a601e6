package gcal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"google.golang.org/api/calendar/v3"
)

func TestControlAccountsClientsAndPage(t *testing.T) {
	e := newEnv(t)
	status, body := e.ctl("POST", "/accounts", map[string]string{"email": "Ann@Example.com", "name": "Ann Example", "timeZone": "Europe/Berlin"})
	if status != 201 || !strings.Contains(string(body), `"primaryCalendarId": "ann@example.com"`) {
		t.Fatalf("create account: %d %s", status, body)
	}
	if status, _ := e.ctl("POST", "/accounts", map[string]string{"email": "ann@example.com"}); status != 409 {
		t.Fatalf("duplicate account: %d", status)
	}
	if status, _ := e.ctl("POST", "/accounts", map[string]string{"email": "not-an-email"}); status != 400 {
		t.Fatalf("bad email: %d", status)
	}
	if status, _ := e.ctl("POST", "/accounts", `{"email":`); status != 400 {
		t.Fatalf("malformed body: %d", status)
	}
	status, body = e.ctl("POST", "/accounts/ann@example.com/calendars", map[string]string{"summary": "Side projects"})
	if status != 201 {
		t.Fatalf("create calendar: %d %s", status, body)
	}
	var side struct{ ID string }
	_ = json.Unmarshal(body, &side)

	status, body = e.ctl("POST", "/clients", map[string]any{"clientId": "web", "clientSecret": "s", "name": "Web", "redirectUris": []string{"https://app.example/cb"}})
	if status != 201 {
		t.Fatalf("register client: %d %s", status, body)
	}
	if status, body := e.ctl("GET", "/clients", nil); status != 200 || !strings.Contains(string(body), `"clientId": "web"`) {
		t.Fatalf("clients: %d %s", status, body)
	}

	// Events created "as the user" show on the page, deleted ones do not.
	for _, ev := range []string{
		`{"id":"page000001","summary":"Dentist","location":"Main St","start":{"dateTime":"2030-04-02T10:00:00+02:00"},"end":{"dateTime":"2030-04-02T11:00:00+02:00"}}`,
		`{"id":"page000002","summary":"Gym","start":{"dateTime":"2030-04-01T07:00:00","timeZone":"Europe/Berlin"},"end":{"dateTime":"2030-04-01T08:00:00","timeZone":"Europe/Berlin"},"recurrence":["RRULE:FREQ=WEEKLY;COUNT=3"]}`,
		`{"id":"page000003","summary":"Cancelled thing","start":{"date":"2030-04-03"},"end":{"date":"2030-04-04"}}`,
	} {
		if status, body := e.ctl("POST", "/calendars/ann@example.com/events", json.RawMessage(ev)); status != 201 {
			t.Fatalf("insert as user: %d %s", status, body)
		}
	}
	if status, _ := e.ctl("POST", "/calendars/"+side.ID+"/events", json.RawMessage(`{"summary":"Side","start":{"date":"2030-04-05"},"end":{"date":"2030-04-06"}}`)); status != 201 {
		t.Fatal("insert into secondary")
	}
	if status, body := e.ctl("PATCH", "/calendars/ann@example.com/events/page000001", map[string]string{"summary": "Dentist (moved)"}); status != 200 || !strings.Contains(string(body), "Dentist (moved)") {
		t.Fatalf("patch as user: %d %s", status, body)
	}
	if status, _ := e.ctl("DELETE", "/calendars/ann@example.com/events/page000003", nil); status != 204 {
		t.Fatal("delete as user")
	}
	if status, _ := e.ctl("DELETE", "/calendars/ann@example.com/events/page000003", nil); status != 410 {
		t.Fatal("second delete as user must be 410")
	}
	status, body = e.ctl("GET", "/calendars/ann@example.com/events?showDeleted=true", nil)
	var listed struct{ Items []map[string]any }
	_ = json.Unmarshal(body, &listed)
	if status != 200 || len(listed.Items) != 3 {
		t.Fatalf("control list: %d %d items", status, len(listed.Items))
	}

	resp, err := http.Get(e.srv.URL + "/_emulator/google/accounts/ann@example.com/page?from=2030-03-30&days=30")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	for _, want := range []string{"Ann Example", "Dentist (moved)", "Main St", "Gym", "repeats", "Side projects", "Side", "Mon 01 Apr 2030 07:00", "Mon 15 Apr 2030 07:00"} {
		if !strings.Contains(page, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if strings.Contains(page, "Cancelled thing") || strings.Contains(page, "Mon 22 Apr 2030") {
		t.Errorf("account page shows a deleted event or a fourth occurrence")
	}
	resp, err = http.Get(e.srv.URL + "/_emulator/google/")
	if err != nil {
		t.Fatal(err)
	}
	if idx := readAll(t, resp); !strings.Contains(idx, "accounts/ann@example.com/page") {
		t.Errorf("index lacks the account link: %s", idx)
	}
}

func TestSnapshotRestoreAndReset(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	svc := e.serviceWithToken(tok.AccessToken)
	if _, err := svc.Events.Insert("primary", newEvent("snap000001", "kept", e.clock.Now())).Do(); err != nil {
		t.Fatal(err)
	}
	_, syncToken := listAll(t, svc.Events.List("primary"))
	e.emu.SetQuota(gcalQuota(1000, 5000))
	status, snap := e.ctl("GET", "/snapshot", nil)
	if status != 200 {
		t.Fatalf("snapshot: %d", status)
	}

	// A fresh emulator restored from it serves the same token, events and sync position.
	f := newEnv(t)
	f.clock.Set(e.clock.Now())
	req, _ := http.NewRequest("PUT", f.srv.URL+"/_emulator/google/snapshot", strings.NewReader(string(snap)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("restore: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	fsvc := f.serviceWithToken(tok.AccessToken)
	got, err := fsvc.Events.Get("primary", "snap000001").Do()
	if err != nil || got.Summary != "kept" {
		t.Fatalf("restored event: %v %+v", err, got)
	}
	if _, err := fsvc.Events.Insert("primary", newEvent("snap000002", "new", f.clock.Now())).Do(); err != nil {
		t.Fatal(err)
	}
	changes, _ := listAll(t, fsvc.Events.List("primary").SyncToken(syncToken))
	if len(changes) != 1 || changes[0].Id != "snap000002" {
		t.Fatalf("sync after restore: %v", ids(changes))
	}
	if q := f.emu.Quota(); q.UserPerMinute != 1000 || q.ProjectPerMinute != 5000 {
		t.Fatalf("quota not restored: %+v", q)
	}
	if err := f.emu.Restore([]byte(`{"format":"something else"}`)); err == nil {
		t.Fatal("restore accepted a foreign snapshot")
	}

	// Reset wipes everything.
	if status, _ := f.ctl("POST", "/reset", nil); status != 204 {
		t.Fatal("reset")
	}
	if len(f.emu.Accounts()) != 0 {
		t.Fatal("accounts survived reset")
	}
	_, err = fsvc.Events.List("primary").Do()
	apiErr(t, err, 401, "authError")
}

func TestConcurrentInsertsAndReads(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	hk := newHook(t)
	if _, err := svc.Events.Watch("primary", &calendar.Channel{Id: "busy", Type: "web_hook", Address: hk.srv.URL}).Do(); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("c%02d%06d", w, i)
				if _, err := svc.Events.Insert("primary", newEvent(id, "parallel", e.clock.Now())).Do(); err != nil {
					errs <- err
				}
				if _, err := svc.Events.List("primary").MaxResults(5).Do(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 10 {
			resp, err := http.Get(e.srv.URL + "/_emulator/google/accounts/ann@example.com/page")
			if err != nil {
				errs <- err
				continue
			}
			resp.Body.Close()
			if _, err := e.emu.Snapshot(); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent call: %v", err)
	}
	items, _ := listAll(t, svc.Events.List("primary").MaxResults(50))
	if len(items) != workers*each || uniqueIDs(items) != workers*each {
		t.Fatalf("want %d events, got %d", workers*each, len(items))
	}
	// Every change was notified (no drops configured): sync + one per insert.
	hk.next(t, "busy")
	for range workers * each {
		hk.next(t, "busy")
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
