package gcal_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/api/googleapi"
)

// batchPart is one inner request of a raw batch.
type batchPart struct {
	id, method, path, body string
}

// batchResult is one inner response.
type batchResult struct {
	contentID string
	status    int
	body      []byte
}

// postBatch sends a multipart/mixed batch the way Google's client
// libraries do and parses the multipart answer.
func (e *env) postBatch(token string, parts []batchPart) (int, []batchResult) {
	e.t.Helper()
	var buf bytes.Buffer
	const boundary = "batch_foobarbaz"
	for _, p := range parts {
		fmt.Fprintf(&buf, "--%s\r\nContent-Type: application/http\r\nContent-ID: <%s>\r\n\r\n", boundary, p.id)
		fmt.Fprintf(&buf, "%s %s HTTP/1.1\r\n", p.method, p.path)
		if p.body != "" {
			fmt.Fprintf(&buf, "Content-Type: application/json\r\n\r\n%s\r\n", p.body)
		} else {
			buf.WriteString("\r\n")
		}
	}
	fmt.Fprintf(&buf, "--%s--\r\n", boundary)
	req, _ := http.NewRequest("POST", e.srv.URL+"/google/batch/calendar/v3", &buf)
	req.Header.Set("Content-Type", "multipart/mixed; boundary="+boundary)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("batch: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		e.t.Fatalf("batch answer content type %q", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var out []batchResult
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			e.t.Fatalf("batch part: %v", err)
		}
		inner, err := http.ReadResponse(bufio.NewReader(p), nil)
		if err != nil {
			e.t.Fatalf("inner response: %v", err)
		}
		body, _ := io.ReadAll(inner.Body)
		out = append(out, batchResult{contentID: p.Header.Get("Content-ID"), status: inner.StatusCode, body: body})
	}
	return resp.StatusCode, out
}

func batchEvent(id string) string {
	return fmt.Sprintf(`{"id":%q,"summary":"batched","start":{"dateTime":"2030-05-01T10:00:00Z"},"end":{"dateTime":"2030-05-01T11:00:00Z"}}`, id)
}

func TestBatchInserts(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	status, res := e.postBatch(tok.AccessToken, []batchPart{
		{"item1", "POST", "/calendar/v3/calendars/primary/events", batchEvent("batch00001")},
		{"item2", "POST", "/calendar/v3/calendars/ann%40example.com/events?sendUpdates=none", batchEvent("batch00002")},
		{"item3", "POST", "/calendar/v3/calendars/primary/events", batchEvent("batch00001")},
		{"item4", "GET", "/calendar/v3/calendars/primary/events/batch00002", ""},
	})
	if status != 200 || len(res) != 4 {
		t.Fatalf("batch status %d, %d parts", status, len(res))
	}
	want := []struct {
		id     string
		status int
	}{{"<response-item1>", 200}, {"<response-item2>", 200}, {"<response-item3>", 409}, {"<response-item4>", 200}}
	for i, w := range want {
		if res[i].contentID != w.id || res[i].status != w.status {
			t.Fatalf("part %d: %s %d, want %s %d (%s)", i, res[i].contentID, res[i].status, w.id, w.status, res[i].body)
		}
	}
	var dup struct {
		Error googleapi.Error `json:"error"`
	}
	if err := json.Unmarshal(res[2].body, &dup); err != nil || dup.Error.Errors[0].Reason != "duplicate" {
		t.Fatalf("duplicate part body %s", res[2].body)
	}
	items, _ := listAll(t, e.serviceWithToken(tok.AccessToken).Events.List("primary"))
	if len(items) != 2 {
		t.Fatalf("calendar holds %d events", len(items))
	}
}

func TestBatchCountsQuotaAndLimit(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	e.emu.SetQuota(gcalQuota(2, 100))
	_, res := e.postBatch(tok.AccessToken, []batchPart{
		{"a", "GET", "/calendar/v3/calendars/primary/events", ""},
		{"b", "GET", "/calendar/v3/calendars/primary/events", ""},
		{"c", "GET", "/calendar/v3/calendars/primary/events", ""},
	})
	if len(res) != 3 || res[0].status != 200 || res[1].status != 200 || res[2].status != 403 || !strings.Contains(string(res[2].body), "rateLimitExceeded") {
		t.Fatalf("quota inside a batch: %+v", res)
	}

	parts := make([]batchPart, 1001)
	for i := range parts {
		parts[i] = batchPart{fmt.Sprint(i), "GET", "/calendar/v3/colors", ""}
	}
	if status, _ := e.postBatch(tok.AccessToken, parts); status != 400 {
		t.Fatalf("1001 parts: status %d, want 400", status)
	}
}

// postRawBatch sends parts whose application/http bodies are given as is
// (request line, headers, blank line, body), so a test controls the exact
// request line.
func (e *env) postRawBatch(token string, ids, messages []string) []batchResult {
	e.t.Helper()
	var buf bytes.Buffer
	const boundary = "batch_rawparts"
	for i, m := range messages {
		fmt.Fprintf(&buf, "--%s\r\nContent-Type: application/http\r\nContent-ID: <%s>\r\n\r\n%s\r\n", boundary, ids[i], m)
	}
	fmt.Fprintf(&buf, "--%s--\r\n", boundary)
	req, _ := http.NewRequest("POST", e.srv.URL+"/google/batch/calendar/v3", &buf)
	req.Header.Set("Content-Type", "multipart/mixed; boundary="+boundary)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("batch: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("batch status %d: %s", resp.StatusCode, b)
	}
	_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var out []batchResult
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			e.t.Fatalf("batch part: %v", err)
		}
		inner, err := http.ReadResponse(bufio.NewReader(p), nil)
		if err != nil {
			e.t.Fatalf("inner response: %v", err)
		}
		body, _ := io.ReadAll(inner.Body)
		out = append(out, batchResult{contentID: p.Header.Get("Content-ID"), status: inner.StatusCode, body: body})
	}
	return out
}

// TestBatchRequestLineForms: Google documents inner requests with the
// service's own path (often without an HTTP version); client libraries
// send the path of their configured root URL or an absolute URL. Every
// form reaches the same handlers; a URL on a foreign host does not.
func TestBatchRequestLineForms(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	tok := e.token("ann@example.com", scopeCalendar)
	cases := []struct {
		name   string
		target string // where the inner request goes, before "/calendars/..."
		proto  string // " HTTP/1.1" or "" (Google's documentation omits it)
		status int
	}{
		{"service path", "/calendar/v3", " HTTP/1.1", 200},
		{"service path without version", "/calendar/v3", "", 200},
		{"mount-prefixed path", "/google/calendar/v3", " HTTP/1.1", 200},
		{"absolute googleapis URL", "https://www.googleapis.com/calendar/v3", " HTTP/1.1", 200},
		{"absolute googleapis URL without version", "https://www.googleapis.com/calendar/v3", "", 200},
		{"emulator's own absolute URL", e.srv.URL + "/google/calendar/v3", " HTTP/1.1", 200},
		{"foreign host", "https://calendar.example.com/calendar/v3", " HTTP/1.1", 404},
		{"other API", "/drive/v3", " HTTP/1.1", 404},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("form%05d", i)
			insert := fmt.Sprintf("POST %s/calendars/primary/events%s\r\nContent-Type: application/json\r\n\r\n%s", tc.target, tc.proto, batchEvent(id))
			get := fmt.Sprintf("GET %s/calendars/ann%%40example.com/events/%s%s\r\n", tc.target, id, tc.proto)
			res := e.postRawBatch(tok.AccessToken, []string{"insert", "get"}, []string{insert, get})
			if len(res) != 2 || res[0].status != tc.status || res[1].status != tc.status {
				for _, r := range res {
					t.Logf("%s: %d %s", r.contentID, r.status, r.body)
				}
				t.Fatalf("%d parts, want 2 answering %d", len(res), tc.status)
			}
			if tc.status != 200 {
				if _, err := e.serviceWithToken(tok.AccessToken).Events.Get("primary", id).Do(); err == nil {
					t.Fatal("a refused part created the event")
				}
				return
			}
			var got struct{ ID, Summary string }
			if err := json.Unmarshal(res[1].body, &got); err != nil || got.ID != id || got.Summary != "batched" {
				t.Fatalf("get part body %s", res[1].body)
			}
			// The event is really there, as the SDK sees it.
			if ev, err := e.serviceWithToken(tok.AccessToken).Events.Get("primary", id).Do(); err != nil || ev.Summary != "batched" {
				t.Fatalf("event after batch: %+v, %v", ev, err)
			}
		})
	}
}
