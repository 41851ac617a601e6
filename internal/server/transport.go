package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"calsync/internal/domain"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// DefaultMaxBodyBytes bounds a GraphQL request body unless configured.
const DefaultMaxBodyBytes = 1 << 20

// httpTransport serves GraphQL over HTTP GET and POST as the
// GraphQL-over-HTTP specification describes it: the response media type
// follows Accept; with application/graphql-response+json, requests that
// never became an operation (bad JSON, bad parameters, documents that do
// not parse or validate) answer 400 without a data entry, and with plain
// application/json they answer 200 with errors. Bodies are bounded before
// they are read, and no error echoes the request or names a Go type.
type httpTransport struct {
	maxBody int64
	limits  Limits
}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

// requestError is a failure before execution: status is used with
// application/graphql-response+json (and always when force is set).
type requestError struct {
	status int
	force  bool
	code   string
	msg    string
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		writeRequestError(w, mediaJSON, &requestError{status: http.StatusNotAcceptable, force: true, code: "NOT_ACCEPTABLE",
			msg: "the response can only be application/json or application/graphql-response+json"})
		return
	}
	var params *graphql.RawParams
	var rerr *requestError
	if r.Method == http.MethodGet {
		params, rerr = getParams(r)
	} else {
		params, rerr = t.postParams(w, r)
	}
	if rerr != nil {
		writeRequestError(w, media, rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	ctx := r.Context()
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		w.Header().Set("Content-Type", media+"; charset=utf-8")
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol && media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		if s := refusalStatus(w, resp.Errors); s != 0 {
			status = s
		}
		w.WriteHeader(status)
		writeErrorsOnly(w, resp.Errors)
		return
	}
	if oc.Operation.Operation == ast.Subscription {
		writeRequestError(w, media, &requestError{status: http.StatusBadRequest, force: true, code: "BAD_REQUEST",
			msg: "subscriptions need a websocket (graphql-transport-ws) at this URL"})
		return
	}
	if r.Method == http.MethodGet && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		writeRequestError(w, media, &requestError{status: http.StatusMethodNotAllowed, force: true, code: "METHOD_NOT_ALLOWED",
			msg: "only queries can be sent with GET; send " + string(oc.Operation.Operation) + "s with POST"})
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp != nil {
		if s := refusalStatus(w, resp.Errors); s != 0 {
			w.WriteHeader(s)
		}
	}
	writeResponse(w, resp)
}

// refusalStatus gives an answer refused for load its HTTP status — 429
// for TOO_MANY_REQUESTS, 503 for UNAVAILABLE — and sets Retry-After from
// the error's retryAfterSeconds; 0 for anything else.
func refusalStatus(w http.ResponseWriter, errs gqlerror.List) int {
	for _, e := range errs {
		status := map[any]int{string(domain.CodeTooManyRequests): http.StatusTooManyRequests, string(domain.CodeUnavailable): http.StatusServiceUnavailable}[e.Extensions["code"]]
		if status == 0 {
			continue
		}
		if secs, ok := e.Extensions["retryAfterSeconds"].(int); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		return status
	}
	return 0
}

func getParams(r *http.Request) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badParams("the query string is not valid URL encoding")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if p.Query == "" {
		return nil, badParams("the query parameter is missing")
	}
	// Decoded as over POST (numbers kept as json.Number), so an Int
	// variable is an int on GET too, not a float64 the schema refuses.
	raw := map[string]json.RawMessage{}
	for _, name := range []string{"variables", "extensions"} {
		if v := q.Get(name); v != "" {
			raw[name] = json.RawMessage(v)
		}
	}
	if err := objectParam(raw, "variables", &p.Variables); err != nil {
		return nil, err
	}
	if err := objectParam(raw, "extensions", &p.Extensions); err != nil {
		return nil, err
	}
	return p, nil
}

func (t httpTransport) postParams(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, *requestError) {
	mt, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON {
		return nil, &requestError{status: http.StatusUnsupportedMediaType, force: true, code: "UNSUPPORTED_MEDIA_TYPE",
			msg: "send the request as Content-Type: application/json"}
	}
	if cs := mp["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") {
		return nil, &requestError{status: http.StatusUnsupportedMediaType, force: true, code: "UNSUPPORTED_MEDIA_TYPE",
			msg: "the request must be encoded as utf-8"}
	}
	if r.ContentLength > t.maxBody {
		return nil, tooLarge(t.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(t.maxBody)
		}
		return nil, &requestError{status: http.StatusBadRequest, force: true, code: "BAD_REQUEST", msg: "the request body could not be read"}
	}
	return decodeParams(body, t.limits)
}

func tooLarge(limit int64) *requestError {
	return &requestError{status: http.StatusRequestEntityTooLarge, force: true, code: "REQUEST_TOO_LARGE",
		msg: "the request body is larger than " + byteSize(limit)}
}

// decodeParams reads a POST body: one JSON object with a string query,
// an optional string operationName and optional object variables and
// extensions. Batches (arrays) are not supported.
func decodeParams(body []byte, limits Limits) (*graphql.RawParams, *requestError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, badParams("the request body is empty: send {\"query\": \"...\"}")
	}
	if trimmed[0] == '[' {
		return nil, badParams("batched requests are not supported: send one operation per request")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &raw); err != nil || raw == nil {
		return nil, badParams("the request body is not a JSON object")
	}
	p := &graphql.RawParams{}
	if err := stringParam(raw, "query", &p.Query); err != nil {
		return nil, err
	}
	if p.Query == "" {
		return nil, badParams("the query parameter is missing")
	}
	if err := stringParam(raw, "operationName", &p.OperationName); err != nil {
		return nil, err
	}
	if v, ok := raw["variables"]; ok {
		// Bounded before it is decoded: decoding a megabyte of small
		// objects costs tens of milliseconds, the scan stops at the limit.
		if msg := scanBound(v, limits); msg != "" {
			return nil, &requestError{status: http.StatusBadRequest, code: string(domain.CodeBadUserInput), msg: "variables: " + msg}
		}
	}
	if err := objectParam(raw, "variables", &p.Variables); err != nil {
		return nil, err
	}
	if err := objectParam(raw, "extensions", &p.Extensions); err != nil {
		return nil, err
	}
	return p, nil
}

func stringParam(raw map[string]json.RawMessage, name string, dst *string) *requestError {
	v, ok := raw[name]
	if !ok || string(v) == "null" {
		return nil
	}
	if json.Unmarshal(v, dst) != nil {
		return badParams("the " + name + " parameter must be a string")
	}
	return nil
}

func objectParam(raw map[string]json.RawMessage, name string, dst *map[string]any) *requestError {
	v, ok := raw[name]
	if !ok || string(v) == "null" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if d.Decode(dst) != nil || *dst == nil {
		return badParams("the " + name + " parameter must be a JSON object")
	}
	return nil
}

func badParams(msg string) *requestError {
	return &requestError{status: http.StatusBadRequest, code: "BAD_REQUEST", msg: msg}
}

// negotiate picks the response media type from Accept: the first listed
// type Calsync can produce; none or a wildcard means application/json.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse, true
		case mediaJSON, "*/*", "application/*":
			return mediaJSON, true
		}
	}
	return "", false
}

func writeRequestError(w http.ResponseWriter, media string, e *requestError) {
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	status := http.StatusOK
	if e.force || media == mediaGraphQLResponse {
		status = e.status
	}
	w.WriteHeader(status)
	writeErrorsOnly(w, gqlerror.List{{Message: e.msg, Extensions: map[string]any{"code": e.code}}})
}

// writeErrorsOnly writes a response with errors and no data entry.
func writeErrorsOnly(w io.Writer, errs gqlerror.List) {
	b, err := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{errs})
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"` + string(domain.CodeInternal) + `"}}]}`)
	}
	_, _ = w.Write(b)
}

func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{}
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"` + string(domain.CodeInternal) + `"}}]}`)
	}
	_, _ = w.Write(b)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// scanBound reads JSON tokens of raw (the variables object) and reports the
// first way it exceeds the limits on argument values — more values in all
// than MaxInputNodes, a list longer than MaxInputList, nesting deeper than
// MaxInputDepth below a variable — stopping there, so its cost is bounded
// by the limits rather than by the body. Malformed JSON is left to the
// decoder to report.
func scanBound(raw []byte, l Limits) string {
	type frame struct {
		object, wantKey bool
		items           int
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var stack []frame
	nodes := 0
	value := func() string {
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object {
				top.wantKey = true
			} else if top.items++; top.items > l.MaxInputList {
				return fmt.Sprintf("a list of more than %d items; the limit is %d", l.MaxInputList, l.MaxInputList)
			}
		}
		if nodes++; nodes > l.MaxInputNodes {
			return fmt.Sprintf("the variables hold more than %d values together", l.MaxInputNodes)
		}
		return ""
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey {
			if _, isKey := tok.(string); isKey {
				stack[len(stack)-1].wantKey = false
				continue
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) > 0 {
					if msg := value(); msg != "" {
						return msg
					}
				}
				if len(stack) > l.MaxInputDepth {
					return fmt.Sprintf("nested more than %d levels deep", l.MaxInputDepth)
				}
				stack = append(stack, frame{object: t == '{', wantKey: t == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return ""
				}
			}
		default:
			if msg := value(); msg != "" {
				return msg
			}
		}
	}
}
