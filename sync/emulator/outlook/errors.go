package outlook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// graphError is an error answered in Graph's shape:
// {"error":{"code":..,"message":..,"innerError":{..}}}.
type graphError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int // seconds; set only on 429 and 503
}

func (e *graphError) Error() string {
	return fmt.Sprintf("graph %d %s: %s", e.Status, e.Code, e.Message)
}

func newGraphError(status int, code, format string, args ...any) *graphError {
	return &graphError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Errors Graph really answers, gathered here so the handlers name them
// rather than spelling codes and messages each time.
func errBadRequest(format string, args ...any) *graphError {
	return newGraphError(http.StatusBadRequest, "BadRequest", format, args...)
}

func errInvalidRequest(format string, args ...any) *graphError {
	return newGraphError(http.StatusBadRequest, "ErrorInvalidRequest", format, args...)
}

func errRequestBodyRead(format string, args ...any) *graphError {
	return newGraphError(http.StatusBadRequest, "RequestBodyRead", format, args...)
}

func errItemNotFound() *graphError {
	return newGraphError(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func errIDMalformed() *graphError {
	return newGraphError(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
}

func errAccessDenied() *graphError {
	return newGraphError(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

func errInvalidUser(id string) *graphError {
	return newGraphError(http.StatusNotFound, "ErrorInvalidUser", "The requested user '%s' is invalid.", id)
}

func errUnauthenticated(msg string) *graphError {
	return newGraphError(http.StatusUnauthorized, "InvalidAuthenticationToken", "%s", msg)
}

func errConflictChangeKey() *graphError {
	return newGraphError(http.StatusPreconditionFailed, "ErrorIrresolvableConflict",
		"The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.")
}

func errSegment(seg string) *graphError {
	return errBadRequest("Resource not found for the segment '%s'.", seg)
}

func errMethod(method string) *graphError {
	return newGraphError(http.StatusMethodNotAllowed, "Request_BadRequest",
		"The HTTP method '%s' is not allowed on this resource.", method)
}

func errTimeWindow() *graphError {
	return newGraphError(http.StatusBadRequest, "ErrorInvalidParameter",
		"This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
}

func errSyncState(generation int) *graphError {
	return newGraphError(http.StatusGone, "SyncStateNotFound",
		"The sync state generation is not found; generation=%d;[highest=%d].", generation, generation+1)
}

func errSubscriptionNotFound(id string) *graphError {
	return newGraphError(http.StatusNotFound, "ResourceNotFound",
		"The object was not found. Subscription '%s' does not exist or has expired.", id)
}

// graphErrorBody is the JSON shape of a Graph error.
type graphErrorBody struct {
	Error graphErrorDetail `json:"error"`
}

type graphErrorDetail struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// writeGraphError writes err in Graph's shape with the request-id headers.
func (e *Emulator) writeGraphError(w http.ResponseWriter, r *http.Request, err *graphError) {
	reqID := requestID(w, r)
	if err.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(err.RetryAfter))
	}
	body := graphErrorBody{Error: graphErrorDetail{
		Code:    err.Code,
		Message: err.Message,
		InnerError: graphInnerError{
			Date:            e.clock.Now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       reqID,
			ClientRequestID: clientRequestID(r, reqID),
		},
	}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(err.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeFault is the emucore.ErrorWriter for injected faults on Graph paths.
func (e *Emulator) writeFault(w http.ResponseWriter, r *http.Request, status int, reason string, retryAfter int) {
	code := reason
	if code == "" {
		code = faultCode(status)
	}
	ge := &graphError{Status: status, Code: code, Message: "Injected fault: " + http.StatusText(status) + "."}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		ge.RetryAfter = retryAfter
		if ge.RetryAfter <= 0 {
			ge.RetryAfter = 1
		}
	}
	if status == http.StatusTooManyRequests && reason == "" {
		ge.Message = "Application is over its MailboxConcurrency limit."
	}
	e.writeGraphError(w, r, ge)
}

// faultCode names an injected status the way Graph would.
func faultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken"
	case http.StatusForbidden:
		return "ErrorAccessDenied"
	case http.StatusNotFound:
		return "ErrorItemNotFound"
	case http.StatusConflict:
		return "ErrorConflict"
	case http.StatusPreconditionFailed:
		return "ErrorIrresolvableConflict"
	case http.StatusTooManyRequests:
		return "ApplicationThrottled"
	case http.StatusBadGateway:
		return "BadGateway"
	case http.StatusServiceUnavailable:
		return "ServiceNotAvailable"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	default:
		if status >= 500 {
			return "InternalServerError"
		}
		return "BadRequest"
	}
}

// requestID returns the request-id of this response, minting it (and the
// response headers Graph always sends) on first use.
func requestID(w http.ResponseWriter, r *http.Request) string {
	if id := w.Header().Get("request-id"); id != "" {
		return id
	}
	id := newGUID()
	w.Header().Set("request-id", id)
	w.Header().Set("client-request-id", clientRequestID(r, id))
	return id
}

func clientRequestID(r *http.Request, fallback string) string {
	if v := r.Header.Get("client-request-id"); v != "" {
		return v
	}
	return fallback
}

// oauthError is an error of the identity platform's token endpoint.
type oauthError struct {
	Status      int
	Code        string // OAuth error: invalid_grant, invalid_client, ...
	AADSTS      int
	Description string
}

func (e *oauthError) Error() string {
	return fmt.Sprintf("identity %s AADSTS%d: %s", e.Code, e.AADSTS, e.Description)
}

func newOAuthError(status int, code string, aadsts int, format string, args ...any) *oauthError {
	return &oauthError{Status: status, Code: code, AADSTS: aadsts, Description: fmt.Sprintf(format, args...)}
}

// oauthErrorBody is the JSON the token endpoint answers on failure.
type oauthErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

func (e *Emulator) writeOAuthError(w http.ResponseWriter, err *oauthError) {
	now := e.clock.Now().UTC()
	trace := newGUID()
	body := oauthErrorBody{
		Error: err.Code,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			err.AADSTS, err.Description, trace, trace, now.Format("2006-01-02 15:04:05Z")),
		ErrorCodes:    []int{err.AADSTS},
		Timestamp:     now.Format("2006-01-02 15:04:05Z"),
		TraceID:       trace,
		CorrelationID: trace,
		ErrorURI:      "https://login.microsoftonline.com/error?code=" + strconv.Itoa(err.AADSTS),
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(err.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeIdentityFault is the emucore.ErrorWriter for injected faults on the
// identity endpoints.
func (e *Emulator) writeIdentityFault(w http.ResponseWriter, _ *http.Request, status int, reason string, retryAfter int) {
	code := reason
	if code == "" {
		code = "temporarily_unavailable"
		if status < 500 && status != http.StatusTooManyRequests {
			code = "invalid_request"
		}
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	e.writeOAuthError(w, newOAuthError(status, code, 90033, "Injected fault: %s.", http.StatusText(status)))
}

// graphTime formats a DateTimeOffset the way Graph does.
func graphTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}
