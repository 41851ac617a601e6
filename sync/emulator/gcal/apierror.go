package gcal

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error is a Google API error: the HTTP status, the reason Google puts in
// error.errors[0].reason and the message. The Go methods of Emulator return
// it so callers can tell a missing calendar (404 notFound) from a bad
// request (400 invalid).
type Error struct {
	Code    int
	Message string
	Items   []ErrorItem
	// Status is the canonical gRPC-style status Google adds to some errors
	// (UNAUTHENTICATED, PERMISSION_DENIED); empty when Google omits it.
	Status     string
	retryAfter int
}

// ErrorItem is one entry of error.errors in a Google error body.
type ErrorItem struct {
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Message      string `json:"message"`
	LocationType string `json:"locationType,omitempty"`
	Location     string `json:"location,omitempty"`
}

// Error implements error.
func (e *Error) Error() string {
	return "gcal: " + strconv.Itoa(e.Code) + " " + e.Reason() + ": " + e.Message
}

// Reason is the reason of the first error item.
func (e *Error) Reason() string {
	if len(e.Items) == 0 {
		return ""
	}
	return e.Items[0].Reason
}

func newError(code int, domain, reason, message string) *Error {
	return &Error{Code: code, Message: message, Items: []ErrorItem{{Domain: domain, Reason: reason, Message: message}}}
}

// at records which parameter or header the error is about.
func (e *Error) at(locationType, location string) *Error {
	for i := range e.Items {
		e.Items[i].LocationType = locationType
		e.Items[i].Location = location
	}
	return e
}

func errNotFound() *Error { return newError(404, "global", "notFound", "Not Found") }
func errDeleted() *Error  { return newError(410, "global", "deleted", "Resource has been deleted") }
func errDuplicate() *Error {
	return newError(409, "global", "duplicate", "The requested identifier already exists.")
}
func errConditionNotMet() *Error {
	return newError(412, "global", "conditionNotMet", "Precondition Failed").at("header", "If-Match")
}
func errFullSyncRequired() *Error {
	return newError(410, "calendar", "fullSyncRequired",
		"Sync token is no longer valid, a full sync is required.").at("parameter", "syncToken")
}
func errInvalid(message string) *Error  { return newError(400, "global", "invalid", message) }
func errRequired(message string) *Error { return newError(400, "global", "required", message) }
func errBadRequest() *Error             { return newError(400, "global", "badRequest", "Bad Request") }
func errParse() *Error                  { return newError(400, "global", "parseError", "Parse Error") }
func errTimeRangeEmpty(loc string) *Error {
	return newError(400, "calendar", "timeRangeEmpty", "The specified time range is empty.").at("parameter", loc)
}
func errBackend() *Error { return newError(500, "global", "backendError", "Backend Error") }

func errLoginRequired() *Error {
	e := newError(401, "global", "required", "Login Required.").at("header", "Authorization")
	e.Message = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
	e.Status = "UNAUTHENTICATED"
	return e
}

func errInvalidCredentials() *Error {
	e := newError(401, "global", "authError", "Invalid Credentials").at("header", "Authorization")
	e.Message = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
	e.Status = "UNAUTHENTICATED"
	return e
}

func errInsufficientScopes() *Error {
	e := newError(403, "global", "insufficientPermissions", "Insufficient Permission")
	e.Message = "Request had insufficient authentication scopes."
	e.Status = "PERMISSION_DENIED"
	return e
}

// errorByReason builds the error Google sends for a reason, used by fault
// injection and the quota answer.
func errorByReason(status int, reason string) *Error {
	if reason == "" {
		reason = defaultReason(status)
	}
	switch reason {
	case "authError":
		e := errInvalidCredentials()
		e.Code = status
		return e
	case "insufficientPermissions":
		e := errInsufficientScopes()
		e.Code = status
		return e
	case "fullSyncRequired":
		e := errFullSyncRequired()
		e.Code = status
		return e
	case "conditionNotMet":
		e := errConditionNotMet()
		e.Code = status
		return e
	}
	domain := "global"
	switch reason {
	case "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded":
		domain = "usageLimits"
	case "timeRangeEmpty", "forbiddenForNonOrganizer", "requiredAccessLevel":
		domain = "calendar"
	}
	return newError(status, domain, reason, reasonMessage(reason))
}

func defaultReason(status int) string {
	switch status {
	case 400:
		return "badRequest"
	case 401:
		return "authError"
	case 403:
		return "rateLimitExceeded"
	case 404:
		return "notFound"
	case 409:
		return "duplicate"
	case 410:
		return "deleted"
	case 412:
		return "conditionNotMet"
	case 429:
		return "rateLimitExceeded"
	case 503:
		return "backendError"
	}
	if status >= 500 {
		return "backendError"
	}
	return "badRequest"
}

func reasonMessage(reason string) string {
	switch reason {
	case "rateLimitExceeded":
		return "Rate Limit Exceeded"
	case "userRateLimitExceeded":
		return "User Rate Limit Exceeded"
	case "quotaExceeded":
		return "Calendar usage limits exceeded."
	case "dailyLimitExceeded":
		return "Daily Limit Exceeded"
	case "backendError":
		return "Backend Error"
	case "notFound":
		return "Not Found"
	case "deleted":
		return "Resource has been deleted"
	case "duplicate":
		return "The requested identifier already exists."
	case "forbidden":
		return "Forbidden"
	case "forbiddenForNonOrganizer":
		return "Shared properties can only be changed by the organizer of the event."
	case "timeRangeEmpty":
		return "The specified time range is empty."
	case "badRequest":
		return "Bad Request"
	case "invalid":
		return "Invalid Value"
	case "required":
		return "Required"
	}
	return reason
}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    int         `json:"code"`
	Message string      `json:"message"`
	Errors  []ErrorItem `json:"errors"`
	Status  string      `json:"status,omitempty"`
}

// writeAPIError writes err in Google's JSON error shape.
func writeAPIError(w http.ResponseWriter, r *http.Request, err *Error) {
	if err.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(err.retryAfter))
	}
	if err.Code == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/"`)
	}
	body := errorBody{Error: errorPayload{Code: err.Code, Message: err.Message, Errors: err.Items, Status: err.Status}}
	writeJSONStatus(w, r, err.Code, body)
}

// writeFault is the emucore.ErrorWriter for injected faults: the Google
// API shape on API paths, the OAuth shape on the OAuth endpoints.
func (e *Emulator) writeFault(w http.ResponseWriter, r *http.Request, status int, reason string, retryAfter int) {
	switch r.URL.Path {
	case tokenPath, revokePath, "/google/o/oauth2/revoke":
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		code := reason
		if code == "" {
			code = "server_error"
			if status == 503 {
				code = "temporarily_unavailable"
			}
		}
		writeOAuthError(w, status, code, http.StatusText(status))
		return
	}
	ae := errorByReason(status, reason)
	ae.retryAfter = retryAfter
	writeAPIError(w, r, ae)
}

// writeJSONStatus writes v as JSON; Google pretty-prints unless the client
// asks for prettyPrint=false, as the Go SDK does.
func writeJSONStatus(w http.ResponseWriter, r *http.Request, status int, v any) {
	var (
		b   []byte
		err error
	)
	if r != nil && r.URL.Query().Get("prettyPrint") == "false" {
		b, err = json.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
	}
	if err != nil {
		http.Error(w, "gcal: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
