package google

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"

	"calsync/sync/engine"
)

// maxBatch is how many calls one batch request carries. Google takes up
// to 1000, but every inner call counts against the per-user quota (600
// a minute) on its own, and Google's batch guides advise against batches
// larger than 50 because they trip rate limiting: a 1000-call batch would
// spend well over a minute of a user's quota in one burst and come back
// mostly 403s. 50 calls still cut the HTTP round trips fiftyfold, keep a
// request small enough to finish well inside the client timeout, and keep
// what one failed round trip takes with it small.
const maxBatch = 50

// remoteFields is the partial response asked for when reading an event:
// what engine.Remote holds.
const remoteFields = "id,etag,iCalUID,status,recurringEventId,extendedProperties"

// eventCall is one Calendar API call on one event of the caller's
// calendar. It runs alone through the SDK or as a part of a batch.
type eventCall struct {
	// method is POST (events.insert), PATCH, DELETE or GET.
	method string
	// eventID names the event; empty for an insert (the id is in body).
	eventID string
	// ifMatch is sent as If-Match when not empty.
	ifMatch string
	// body is the Event resource of an insert or patch.
	body *calendar.Event
}

// callResult is Google's answer to one eventCall: the event it returned
// (nil for a delete) or the error, a *googleapi.Error when Google
// answered and a transport error otherwise. It is not mapped yet.
type callResult struct {
	event *calendar.Event
	err   error
}

// eventCaller runs event calls on one calendar for one account.
type eventCaller struct {
	svc      *calendar.Service
	http     *http.Client // under the OAuth transport
	batchURL string
	apiPath  string // URL path of the API base, e.g. "/calendar/v3/"
	cal      engine.CalendarRef
}

// eventCaller returns a caller whose requests carry tokens from ts.
func (c *Client) eventCaller(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef) (*eventCaller, error) {
	if strings.TrimSpace(cal.CalendarID) == "" {
		return nil, errors.New("no calendar id")
	}
	hc, err := c.apiHTTPClient(ctx, ts)
	if err != nil {
		return nil, err
	}
	svc, err := c.calendarServiceWith(ctx, hc)
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(c.endpoints.CalendarAPI)
	if err != nil {
		return nil, fmt.Errorf("calendar API endpoint: %w", err)
	}
	apiPath := base.EscapedPath()
	if !strings.HasSuffix(apiPath, "/") {
		apiPath += "/"
	}
	return &eventCaller{svc: svc, http: hc, batchURL: c.endpoints.CalendarBatch, apiPath: apiPath, cal: cal}, nil
}

// run runs calls and returns their answers in order: a lone call through
// the SDK, more as batch requests of at most maxBatch calls each, one
// after the other (in parallel they would only meet the quota sooner).
func (ec *eventCaller) run(ctx context.Context, calls []eventCall) []callResult {
	out := make([]callResult, len(calls))
	for start := 0; start < len(calls); start += maxBatch {
		chunk := calls[start:min(start+maxBatch, len(calls))]
		if len(chunk) == 1 {
			out[start] = ec.single(ctx, chunk[0])
			continue
		}
		copy(out[start:], ec.batch(ctx, chunk))
	}
	return out
}

// single runs one call through the SDK, with sendUpdates=none on writes
// and quotaUser for service access.
func (ec *eventCaller) single(ctx context.Context, call eventCall) callResult {
	opts := callOptions(ec.cal.UserEmail)
	calID := ec.cal.CalendarID
	var (
		ev  *calendar.Event
		err error
	)
	switch call.method {
	case http.MethodPost:
		ev, err = ec.svc.Events.Insert(calID, call.body).SendUpdates("none").Context(ctx).Do(opts...)
	case http.MethodPatch:
		c := ec.svc.Events.Patch(calID, call.eventID, call.body).SendUpdates("none").Context(ctx)
		if call.ifMatch != "" {
			c.Header().Set("If-Match", call.ifMatch)
		}
		ev, err = c.Do(opts...)
	case http.MethodDelete:
		c := ec.svc.Events.Delete(calID, call.eventID).SendUpdates("none").Context(ctx)
		if call.ifMatch != "" {
			c.Header().Set("If-Match", call.ifMatch)
		}
		err = c.Do(opts...)
	case http.MethodGet:
		ev, err = ec.svc.Events.Get(calID, call.eventID).Fields(remoteFields).Context(ctx).Do(opts...)
	default:
		err = fmt.Errorf("unsupported method %s", call.method)
	}
	return callResult{event: ev, err: err}
}

// batch runs calls as one request to Google's batch endpoint, which has
// no call in the Go SDK: a multipart/mixed body with one application/http
// part per call (Content-ID "item-<i>", an inner request line with the
// path under the API base, If-Match, a JSON body), answered by a
// multipart/mixed body with parts "response-item-<i>". The outer request
// carries the OAuth token; the inner ones inherit it. Each inner answer
// is its own result: an outer 200 can hold 429s, 412s and 5xx. When the
// outer request fails, every call gets that failure.
func (ec *eventCaller) batch(ctx context.Context, calls []eventCall) []callResult {
	out := make([]callResult, len(calls))
	answered := make([]bool, len(calls))
	fail := func(err error) []callResult {
		for i := range out {
			if !answered[i] {
				out[i].err = err
			}
		}
		return out
	}
	body, contentType, err := ec.batchBody(calls)
	if err != nil {
		return fail(fmt.Errorf("batch request: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ec.batchURL, body)
	if err != nil {
		return fail(fmt.Errorf("batch request: %w", err))
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := ec.http.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if err := googleapi.CheckResponse(resp); err != nil {
		return fail(err)
	}
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		return fail(fmt.Errorf("batch response: content type %q is not multipart", resp.Header.Get("Content-Type")))
	}
	mr := multipart.NewReader(io.LimitReader(resp.Body, 64<<20), params["boundary"])
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(fmt.Errorf("batch response: %w", err))
		}
		i, ok := partIndex(part.Header.Get("Content-ID"), n, len(calls))
		if !ok {
			continue
		}
		out[i], answered[i] = readPart(part, calls[i]), true
	}
	return fail(errors.New("batch response: no answer for this call"))
}

// batchBody writes the multipart/mixed body of a batch request.
func (ec *eventCaller) batchBody(calls []eventCall) (io.Reader, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i, call := range calls {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", "application/http")
		h.Set("Content-ID", "<item-"+strconv.Itoa(i)+">")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		var payload []byte
		if call.body != nil {
			if payload, err = json.Marshal(call.body); err != nil {
				return nil, "", fmt.Errorf("encode event: %w", err)
			}
		}
		var msg bytes.Buffer
		fmt.Fprintf(&msg, "%s %s HTTP/1.1\r\n", call.method, ec.innerTarget(call))
		if call.ifMatch != "" {
			fmt.Fprintf(&msg, "If-Match: %s\r\n", call.ifMatch)
		}
		if payload != nil {
			msg.WriteString("Content-Type: application/json; charset=UTF-8\r\n")
			fmt.Fprintf(&msg, "Content-Length: %d\r\n", len(payload))
		}
		msg.WriteString("\r\n")
		msg.Write(payload)
		if _, err := pw.Write(msg.Bytes()); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, "multipart/mixed; boundary=" + mw.Boundary(), nil
}

// innerTarget is the path and query of a call inside a batch: Google
// wants only the URL's path, under the API's base path.
func (ec *eventCaller) innerTarget(call eventCall) string {
	p := ec.apiPath + "calendars/" + url.PathEscape(ec.cal.CalendarID) + "/events"
	if call.eventID != "" {
		p += "/" + url.PathEscape(call.eventID)
	}
	q := url.Values{"alt": {"json"}, "prettyPrint": {"false"}}
	switch call.method {
	case http.MethodGet:
		q.Set("fields", remoteFields)
	default:
		q.Set("sendUpdates", "none")
	}
	if ec.cal.UserEmail != "" {
		q.Set("quotaUser", ec.cal.UserEmail)
	}
	return p + "?" + q.Encode()
}

// partIndex finds which call a response part answers from its
// Content-ID ("<response-item-3>"); a part without one is taken to be
// the n-th.
func partIndex(contentID string, n, calls int) (int, bool) {
	id := strings.Trim(strings.TrimSpace(contentID), "<>")
	if id == "" {
		return n, n < calls
	}
	num, ok := strings.CutPrefix(id, "response-item-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i >= calls {
		return 0, false
	}
	return i, true
}

// readPart reads the inner HTTP response of a part.
func readPart(part *multipart.Part, call eventCall) callResult {
	raw, err := io.ReadAll(part)
	if err != nil {
		return callResult{err: fmt.Errorf("batch response: %w", err)}
	}
	raw = bytes.TrimLeft(raw, "\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return callResult{err: fmt.Errorf("batch response: inner response: %w", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return callResult{err: fmt.Errorf("batch response: inner response: %w", err)}
	}
	if err := googleapi.CheckResponseWithBody(resp, body); err != nil {
		return callResult{err: err}
	}
	if call.method == http.MethodDelete {
		return callResult{}
	}
	ev := &calendar.Event{}
	if err := json.Unmarshal(body, ev); err != nil {
		return callResult{err: fmt.Errorf("batch response: decode event: %w", err)}
	}
	return callResult{event: ev}
}
