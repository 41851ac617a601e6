package outlook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// maxBatchRequests is Graph's JSON batching limit.
const maxBatchRequests = 20

type batchRequestItem struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	Body      json.RawMessage   `json:"body"`
	DependsOn []string          `json:"dependsOn"`
}

type batchResponseItem struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// batch serves POST /$batch: up to 20 requests, each served as if sent on
// its own (authentication, mailbox throttling, faults), in dependsOn
// order; a request whose dependency failed gets 424.
func (e *Emulator) batch(c *call) {
	if c.r.Method != http.MethodPost {
		e.fail(c, errMethod(c.r.Method))
		return
	}
	var req struct {
		Requests []batchRequestItem `json:"requests"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil {
		e.fail(c, errBadRequest("Invalid batch payload format."))
		return
	}
	if len(req.Requests) == 0 {
		e.fail(c, errBadRequest("Invalid batch payload format: the requests collection is empty."))
		return
	}
	if len(req.Requests) > maxBatchRequests {
		e.fail(c, errBadRequest("The number of requests in the batch exceeds the limit of %d.", maxBatchRequests))
		return
	}
	byID := map[string]*batchRequestItem{}
	for i := range req.Requests {
		it := &req.Requests[i]
		if it.ID == "" || it.Method == "" || it.URL == "" {
			e.fail(c, errBadRequest("Invalid batch payload format: every request needs an id, a method and a url."))
			return
		}
		if byID[it.ID] != nil {
			e.fail(c, errBadRequest("Invalid batch payload format: the request id '%s' is used twice.", it.ID))
			return
		}
		byID[it.ID] = it
	}
	for _, it := range req.Requests {
		for _, d := range it.DependsOn {
			if byID[d] == nil {
				e.fail(c, errBadRequest("Invalid batch payload format: request '%s' depends on unknown request '%s'.", it.ID, d))
				return
			}
		}
	}
	order, ok := batchOrder(req.Requests)
	if !ok {
		e.fail(c, errBadRequest("Invalid batch payload format: dependsOn forms a cycle."))
		return
	}
	results := map[string]batchResponseItem{}
	for _, it := range order {
		failedDep := false
		for _, d := range it.DependsOn {
			if st := results[d].Status; st < 200 || st > 299 {
				failedDep = true
			}
		}
		if failedDep {
			body, _ := json.Marshal(graphErrorBody{Error: graphErrorDetail{Code: "FailedDependency", Message: "A request this request depends on failed."}})
			results[it.ID] = batchResponseItem{ID: it.ID, Status: http.StatusFailedDependency, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
			continue
		}
		results[it.ID] = e.runBatchItem(c, it)
	}
	out := make([]batchResponseItem, 0, len(req.Requests))
	for _, it := range req.Requests {
		out = append(out, results[it.ID])
	}
	e.send(c, jsonResponse(http.StatusOK, map[string]any{"responses": out}), nil)
}

// batchOrder sorts requests so each comes after what it depends on,
// keeping the given order otherwise; ok is false on a cycle.
func batchOrder(reqs []batchRequestItem) ([]*batchRequestItem, bool) {
	done := map[string]bool{}
	var out []*batchRequestItem
	for len(out) < len(reqs) {
		progressed := false
		for i := range reqs {
			it := &reqs[i]
			if done[it.ID] {
				continue
			}
			ready := true
			for _, d := range it.DependsOn {
				if !done[d] {
					ready = false
				}
			}
			if ready {
				done[it.ID] = true
				out = append(out, it)
				progressed = true
			}
		}
		if !progressed {
			return nil, false
		}
	}
	return out, true
}

// runBatchItem serves one request of a batch through the normal pipeline.
func (e *Emulator) runBatchItem(c *call, it *batchRequestItem) batchResponseItem {
	rel := strings.TrimPrefix(it.URL, "/")
	if strings.HasPrefix(strings.ToLower(rel), "$batch") || strings.Contains(rel, "://") {
		return batchError(it.ID, errBadRequest("Invalid request URL '%s' in batch.", it.URL))
	}
	var body []byte
	if len(it.Body) > 0 && !isNull(it.Body) {
		body = it.Body
		var s string
		if json.Unmarshal(it.Body, &s) == nil {
			// A string body is taken as-is (base64 for binary content is not
			// needed by calendar requests).
			body = []byte(s)
		}
	}
	method := strings.ToUpper(it.Method)
	if body != nil && (method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut) && !hasHeader(it.Headers, "Content-Type") {
		// Graph does not guess the type of a batched body: an inner write
		// without Content-Type is refused on its own.
		return batchError(it.ID, errBadRequest("Write request id : %s does not contain Content-Type header or body.", it.ID))
	}
	target := c.base + graphPrefix + "/" + rel
	req, err := http.NewRequestWithContext(c.r.Context(), method, target, bytes.NewReader(body))
	if err != nil {
		return batchError(it.ID, errBadRequest("Invalid request URL '%s' in batch.", it.URL))
	}
	req.Host = c.r.Host
	for k, v := range it.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Del("Content-Encoding")
	req.Header.Set("Authorization", c.r.Header.Get("Authorization"))
	if v := c.r.Header.Get("X-Forwarded-Proto"); v != "" {
		req.Header.Set("X-Forwarded-Proto", v)
	}
	rec := newRecorder()
	e.serveGraph(rec, req)
	out := batchResponseItem{ID: it.ID, Status: rec.status, Headers: map[string]string{}}
	for _, h := range []string{"Content-Type", "Retry-After", "ETag", "Location", "Preference-Applied", "request-id", "client-request-id"} {
		if v := rec.header.Values(h); len(v) > 0 {
			out.Headers[h] = strings.Join(v, ", ")
		}
	}
	if rec.body.Len() > 0 {
		mt, _, _ := mime.ParseMediaType(rec.header.Get("Content-Type"))
		if mt == "application/json" && json.Valid(rec.body.Bytes()) {
			out.Body = bytes.TrimSpace(rec.body.Bytes())
		} else {
			enc, _ := json.Marshal(base64.StdEncoding.EncodeToString(rec.body.Bytes()))
			out.Body = enc
		}
	}
	return out
}

// hasHeader reports whether a batch item's headers (whose names JSON keeps
// as sent) hold a non-empty header of that name, in any case.
func hasHeader(h map[string]string, name string) bool {
	for k, v := range h {
		if strings.EqualFold(k, name) && strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// batchError is an inner response for a request the batch could not run.
func batchError(id string, g *graphError) batchResponseItem {
	body, _ := json.Marshal(graphErrorBody{Error: graphErrorDetail{Code: g.Code, Message: g.Message}})
	return batchResponseItem{ID: id, Status: g.Status, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
}

// recorder captures a response served in-process.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
