package outlook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	core "github.com/microsoftgraph/msgraph-sdk-go-core"

	"calsync/sync/emulator/outlook"
)

func TestBatchWithInnerThrottling(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)
	// Two mailbox requests per window for this app: the batch's third
	// inner request is throttled on its own.
	e.emu.SetThrottle(outlook.ThrottleConfig{Requests: 2, WindowSeconds: 600, Concurrency: 4})

	batch := core.NewBatchRequest(a)
	post, err := mb.Events().ToPostRequestInformation(ctx, newEvent("From batch", at(12, 9, 0), at(12, 10, 0), "UTC"), nil)
	must(t, err)
	step1, err := batch.AddBatchRequestStep(*post)
	must(t, err)
	list, err := mb.Calendars().ToGetRequestInformation(ctx, nil)
	must(t, err)
	step2, err := batch.AddBatchRequestStep(*list)
	must(t, err)
	step2.DependsOnItem(step1)
	events, err := mb.Events().ToGetRequestInformation(ctx, nil)
	must(t, err)
	step3, err := batch.AddBatchRequestStep(*events)
	must(t, err)

	resp, err := batch.Send(ctx, a)
	must(t, err)
	codes := resp.GetStatusCodes()
	if codes[*step1.GetId()] != 201 || codes[*step2.GetId()] != 200 || codes[*step3.GetId()] != 429 {
		t.Fatalf("inner statuses = %v", codes)
	}
	created := resp.GetResponseById(*step1.GetId()).GetBody()
	if subj, _ := created["subject"].(*string); subj == nil || *subj != "From batch" {
		t.Fatalf("created body = %v", created)
	}
	throttled := resp.GetResponseById(*step3.GetId())
	if ra := throttled.GetHeaders()["Retry-After"]; ra != "600" {
		t.Fatalf("inner Retry-After = %q (headers %v)", ra, throttled.GetHeaders())
	}
	errBody, _ := throttled.GetBody()["error"].(map[string]any)
	if code, _ := errBody["code"].(*string); code == nil || *code != "ApplicationThrottled" {
		t.Fatalf("inner error = %v", throttled.GetBody())
	}
	stored, err := e.emu.ListEvents(e.user.ID, "default")
	must(t, err)
	if len(stored) != 1 {
		t.Fatalf("%d events stored", len(stored))
	}
}

func TestBatchDependencyFailureAndLimits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)

	batch := core.NewBatchRequest(a)
	missing, err := mb.Events().ByEventId("AAMkAnotthere").ToGetRequestInformation(ctx, nil)
	must(t, err)
	s1, err := batch.AddBatchRequestStep(*missing)
	must(t, err)
	cals, err := mb.Calendars().ToGetRequestInformation(ctx, nil)
	must(t, err)
	s2, err := batch.AddBatchRequestStep(*cals)
	must(t, err)
	s2.DependsOnItem(s1)
	resp, err := batch.Send(ctx, a)
	must(t, err)
	codes := resp.GetStatusCodes()
	if codes[*s1.GetId()] != 400 || codes[*s2.GetId()] != 424 {
		t.Fatalf("statuses = %v", codes)
	}

	// More than 20 requests is refused as a whole (raw: the SDK refuses
	// to build such a batch itself).
	tok, err := e.daemonTokens().Token()
	must(t, err)
	var reqs []map[string]any
	for i := range 21 {
		reqs = append(reqs, map[string]any{"id": fmt.Sprint(i), "method": "GET", "url": "/users/" + e.user.ID + "/calendars"})
	}
	body, _ := json.Marshal(map[string]any{"requests": reqs})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graph/v1.0/$batch", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	var out struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusBadRequest || out.Error.Code != "BadRequest" {
		t.Fatalf("21 requests: %d %s", res.StatusCode, out.Error.Code)
	}
}

// TestBatchWriteNeedsContentType: an inner POST, PATCH or PUT with a body
// but no Content-Type is answered 400 on its own (as Graph does) and
// changes nothing; with the header, in any case, it runs.
func TestBatchWriteNeedsContentType(t *testing.T) {
	e := newEnv(t)
	tok, err := e.daemonTokens().Token()
	must(t, err)
	events := "/users/" + e.user.ID + "/events"
	ev := json.RawMessage(`{"subject":"%s","start":{"dateTime":"2025-03-12T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-12T10:00:00","timeZone":"UTC"}}`)
	body := func(subject string) json.RawMessage { return json.RawMessage(fmt.Sprintf(string(ev), subject)) }
	reqs := []map[string]any{
		{"id": "typed", "method": "POST", "url": events, "headers": map[string]string{"Content-Type": "application/json"}, "body": body("typed")},
		{"id": "lowercase", "method": "POST", "url": events, "headers": map[string]string{"content-type": "application/json"}, "body": body("lowercase")},
		{"id": "untyped", "method": "POST", "url": events, "body": body("untyped")},
		{"id": "untyped-empty-header", "method": "POST", "url": events, "headers": map[string]string{"Content-Type": ""}, "body": body("untyped2")},
		{"id": "read", "method": "GET", "url": events},
	}
	raw, _ := json.Marshal(map[string]any{"requests": reqs})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graph/v1.0/$batch", strings.NewReader(string(raw)))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	var out struct {
		Responses []struct {
			ID     string `json:"id"`
			Status int    `json:"status"`
			Body   struct {
				Error struct{ Code, Message string } `json:"error"`
			} `json:"body"`
		} `json:"responses"`
	}
	must(t, json.NewDecoder(res.Body).Decode(&out))
	want := map[string]int{"typed": 201, "lowercase": 201, "untyped": 400, "untyped-empty-header": 400, "read": 200}
	if res.StatusCode != http.StatusOK || len(out.Responses) != len(want) {
		t.Fatalf("batch %d with %d responses", res.StatusCode, len(out.Responses))
	}
	for _, r := range out.Responses {
		if r.Status != want[r.ID] {
			t.Errorf("%s: status %d, want %d (%+v)", r.ID, r.Status, want[r.ID], r.Body.Error)
		}
		if r.Status == 400 && (r.Body.Error.Code != "BadRequest" || !strings.Contains(r.Body.Error.Message, "Content-Type")) {
			t.Errorf("%s: error %+v, want BadRequest about Content-Type", r.ID, r.Body.Error)
		}
	}
	stored, err := e.emu.ListEvents(e.user.ID, "default")
	must(t, err)
	if len(stored) != 2 {
		t.Fatalf("%d events stored, want the 2 typed ones", len(stored))
	}
}
