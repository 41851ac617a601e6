package gcal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMalformedRequestsGetGoogleErrors sends what the SDK never would and
// checks each gets a 4xx in Google's error shape (never a 5xx or a
// dropped connection from a panic).
func TestMalformedRequestsGetGoogleErrors(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	if _, err := e.emu.InsertEventAsUser("ann@example.com", []byte(`{"id":"base000001","start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"recurrence":["RRULE:FREQ=DAILY;COUNT=3"]}`)); err != nil {
		t.Fatal(err)
	}
	const ev = "/google/calendar/v3/calendars/primary/events"
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", ev, `[]`, 400},
		{"POST", ev, `null`, 400},
		{"POST", ev, `"x"`, 400},
		{"POST", ev, `{"start":"x","end":"y"}`, 400},
		{"POST", ev, `{"start":{"dateTime":5},"end":{"dateTime":6}}`, 400},
		{"POST", ev, `{"start":{"date":"2030-02-30"},"end":{"date":"2030-03-01"}}`, 400},
		{"POST", ev, `{"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"recurrence":"RRULE:FREQ=DAILY"}`, 400},
		{"POST", ev, `{"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"recurrence":[1]}`, 400},
		{"POST", ev, `{"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"recurrence":["RRULE:FREQ=DAILY;BYSETPOS=400"]}`, 400},
		{"POST", ev, `{"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"attendees":[1]}`, 400},
		{"POST", ev, `{"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"reminders":{"overrides":[{"method":"popup","minutes":"x"}]}}`, 400},
		{"POST", ev, `{"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"},"extendedProperties":{"private":{"a":1}}}`, 400},
		{"POST", ev, `{"id":7,"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"}}`, 400},
		{"POST", ev, `{"summary":{"x":1},"start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"}}`, 400},
		{"PATCH", ev + "/base000001", `{"start":null}`, 400},
		{"PATCH", ev + "/base000001", `{"recurrence":["NOPE"]}`, 400},
		{"PATCH", ev + "/base000001_20300102", `{"recurrence":["RRULE:FREQ=DAILY"]}`, 400},
		{"GET", ev + "/base000001_20300110", ``, 404},
		{"GET", ev + "/base000001_garbage", ``, 404},
		{"GET", ev + "/_", ``, 404},
		{"GET", ev + "?maxResults=abc", ``, 400},
		{"GET", ev + "?maxResults=0", ``, 400},
		{"GET", ev + "?pageToken=%25%25%25", ``, 400},
		{"GET", ev + "?pageToken=eyJrIjoic3luYyJ9", ``, 400},
		{"GET", ev + "?singleEvents=maybe", ``, 400},
		{"GET", ev + "?timeZone=Nowhere/Land", ``, 400},
		{"GET", ev + "?privateExtendedProperty=novalue", ``, 400},
		{"GET", ev + "/base000001/instances?timeMin=bad", ``, 400},
		{"POST", ev + "/watch", `{"id":5}`, 400},
		{"POST", ev + "/watch", `{"id":"a","type":"web_hook","address":"https://127.0.0.1:1/","expiration":"soon"}`, 400},
		{"POST", "/google/calendar/v3/channels/stop", `[]`, 400},
		{"POST", "/google/calendar/v3/freeBusy", `{"timeMin":5,"timeMax":"x"}`, 400},
		{"POST", "/google/calendar/v3/calendars", `{"summary":7}`, 400},
		{"PATCH", "/google/calendar/v3/calendars/primary", `{"timeZone":"Nowhere/Land"}`, 400},
		{"GET", "/google/calendar/v3/no/such/method", ``, 404},
		{"POST", "/google/batch/calendar/v3", `not multipart`, 400},
	} {
		t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request failed (panic?): %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			var shape struct {
				Error struct {
					Code   int `json:"code"`
					Errors []struct {
						Reason string `json:"reason"`
					} `json:"errors"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &shape); err != nil || shape.Error.Code != tc.status || len(shape.Error.Errors) == 0 || shape.Error.Errors[0].Reason == "" {
				t.Fatalf("not a Google error body: %s", body)
			}
		})
	}
}

func TestAuthCodeExpires(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	conf := e.oauthConfig(testClientID, testSecret, scopeCalendar)
	_, loc := consent(t, conf.AuthCodeURL("s"), map[string][]string{"account": {"ann@example.com"}, "scope": {scopeCalendar}, "action": {"allow"}})
	e.clock.Advance(11 * time.Minute)
	if _, err := conf.Exchange(t.Context(), loc.Query().Get("code")); oauthCode(err) != "invalid_grant" {
		t.Fatalf("expired code: want invalid_grant, got %v", err)
	}
}
