package gcal

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// apiRoutes maps the Calendar API v3 methods the emulator implements.
func (e *Emulator) apiRoutes() http.Handler {
	const p = apiPrefix
	mux := http.NewServeMux()
	mux.Handle("GET "+p+"/users/me/calendarList", route(scopesCalendarListRead, e.handleCalendarList))
	mux.Handle("GET "+p+"/users/me/calendarList/{calendarId}", route(scopesCalendarListRead, e.handleCalendarListGet))
	mux.Handle("POST "+p+"/calendars", route(scopesCalendarsWrite, e.handleCalendarInsert))
	mux.Handle("GET "+p+"/calendars/{calendarId}", route(scopesCalendarsRead, e.handleCalendarGet))
	mux.Handle("PATCH "+p+"/calendars/{calendarId}", route(scopesCalendarsWrite, e.handleCalendarPatch))
	mux.Handle("PUT "+p+"/calendars/{calendarId}", route(scopesCalendarsWrite, e.handleCalendarUpdate))
	mux.Handle("DELETE "+p+"/calendars/{calendarId}", route(scopesCalendarsWrite, e.handleCalendarDelete))
	mux.Handle("POST "+p+"/calendars/{calendarId}/clear", route(scopesCalendarsClear, e.handleCalendarClear))
	mux.Handle("GET "+p+"/calendars/{calendarId}/events", route(scopesEventsRead, e.handleEventsList))
	mux.Handle("POST "+p+"/calendars/{calendarId}/events", route(scopesEventsWrite, e.handleEventInsert))
	mux.Handle("POST "+p+"/calendars/{calendarId}/events/watch", route(scopesEventsRead, e.handleEventsWatch))
	mux.Handle("GET "+p+"/calendars/{calendarId}/events/{eventId}", route(scopesEventsRead, e.handleEventGet))
	mux.Handle("PATCH "+p+"/calendars/{calendarId}/events/{eventId}", route(scopesEventsWrite, e.handleEventPatch))
	mux.Handle("PUT "+p+"/calendars/{calendarId}/events/{eventId}", route(scopesEventsWrite, e.handleEventUpdate))
	mux.Handle("DELETE "+p+"/calendars/{calendarId}/events/{eventId}", route(scopesEventsWrite, e.handleEventDelete))
	mux.Handle("GET "+p+"/calendars/{calendarId}/events/{eventId}/instances", route(scopesEventsRead, e.handleEventInstances))
	mux.Handle("POST "+p+"/channels/stop", route(scopesChannelsStop, e.handleChannelsStop))
	mux.Handle("POST "+p+"/freeBusy", route(scopesFreeBusy, e.handleFreeBusy))
	mux.Handle("GET "+p+"/colors", route(scopesColors, e.handleColors))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, r, errNotFound())
	})
	return mux
}

// maxBodyBytes bounds request bodies.
const maxBodyBytes = 4 << 20

// decodeObject reads a JSON object body; an empty body is an empty
// object. Anything else gives Google's 400 parseError.
func decodeObject(r *http.Request) (map[string]any, *Error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, errBackend()
	}
	if len(body) > maxBodyBytes {
		return nil, newError(413, "global", "uploadTooLarge", "Request Too Large")
	}
	m := map[string]any{}
	if len(bytesTrimSpace(body)) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, errParse()
	}
	return m, nil
}

func bytesTrimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// writeResource writes a 200 resource, honouring the fields parameter.
func writeResource(w http.ResponseWriter, r *http.Request, v any) {
	if f := r.URL.Query().Get("fields"); f != "" {
		sel, err := parseFields(f)
		if err != nil {
			writeAPIError(w, r, errInvalid("Invalid field selection "+f).at("parameter", "fields"))
			return
		}
		v = sel.apply(toGeneric(v))
	}
	writeJSONStatus(w, r, http.StatusOK, v)
}

// toGeneric turns a value into plain JSON maps and slices.
func toGeneric(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

// asAPIError converts an error from the shared operations.
func asAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return errBackend()
}

// validSendUpdates checks the sendUpdates parameter; no mail is sent
// whatever its value.
func validSendUpdates(r *http.Request) *Error {
	switch v := r.URL.Query().Get("sendUpdates"); v {
	case "", "all", "externalOnly", "none":
		return nil
	default:
		return errInvalid("Invalid value for sendUpdates: "+v).at("parameter", "sendUpdates")
	}
}
