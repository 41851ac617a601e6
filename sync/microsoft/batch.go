package microsoft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
)

// maxBatchRequests is Graph's JSON batching limit: requests per $batch.
const maxBatchRequests = 20

// batchAnswer is one inner response of a $batch: its status, headers and
// JSON body, or err for an error status (a *GraphError carrying the inner
// Retry-After) or an answer Calsync could not read.
type batchAnswer struct {
	status int
	body   []byte
	err    error
}

// sendBatch sends up to maxBatchRequests requests as one JSON batch
// through msgraph-sdk-go-core's batch helper and returns their answers in
// the order of reqs. Graph runs and throttles each request on its own, so
// the answers are read one by one: an outer 200 can hold inner 429s. The
// error return is the $batch request's own failure; then none of the
// answers is known.
func sendBatch(ctx context.Context, adapter abs.RequestAdapter, reqs []*abs.RequestInformation) ([]batchAnswer, error) {
	if len(reqs) == 0 || len(reqs) > maxBatchRequests {
		return nil, fmt.Errorf("a batch holds 1 to %d requests, not %d", maxBatchRequests, len(reqs))
	}
	batch := msgraphcore.NewBatchRequest(adapter)
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		item, err := batch.AddBatchRequestStep(*r)
		if err != nil {
			return nil, fmt.Errorf("batch request %d: %w", i, err)
		}
		ids[i] = deref(item.GetId())
	}
	resp, err := batch.Send(ctx, adapter)
	if err != nil {
		return nil, err
	}
	byID := map[string]msgraphcore.BatchItem{}
	for _, item := range resp.GetResponses() {
		if item != nil && item.GetId() != nil {
			byID[*item.GetId()] = item
		}
	}
	out := make([]batchAnswer, len(reqs))
	for i, id := range ids {
		out[i] = readBatchAnswer(byID[id])
	}
	return out, nil
}

// readBatchAnswer turns one inner response into a batchAnswer.
func readBatchAnswer(item msgraphcore.BatchItem) batchAnswer {
	if item == nil || item.GetStatus() == nil {
		return batchAnswer{err: errors.New("graph's batch answer lacks a response")}
	}
	a := batchAnswer{status: int(*item.GetStatus())}
	if b := item.GetBody(); b != nil {
		raw, err := json.Marshal(map[string]any(b))
		if err != nil {
			return batchAnswer{status: a.status, err: fmt.Errorf("read a batch response body: %w", err)}
		}
		a.body = raw
	}
	if a.status >= 200 && a.status < 300 {
		return a
	}
	ge := &GraphError{StatusCode: a.status, RetryAfter: parseRetryAfter(headerValue(item.GetHeaders(), "Retry-After"))}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if len(a.body) > 0 && json.Unmarshal(a.body, &body) == nil {
		ge.Code, ge.Message = body.Error.Code, body.Error.Message
	}
	if ge.Message == "" {
		ge.Message = http.StatusText(a.status)
	}
	a.err = ge
	return a
}

// headerValue looks a header of a batch response up case-insensitively.
func headerValue(h msgraphcore.RequestHeader, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP
// date; 0 when empty or unreadable.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0).Truncate(time.Second)
	}
	return 0
}
