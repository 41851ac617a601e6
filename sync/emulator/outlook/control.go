package outlook

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"calsync/sync/emulator/emucore"
)

// ControlHandler serves the control API (JSON) and the per-user HTML
// pages. The lead mounts it with http.StripPrefix at ControlPrefix; see
// the package documentation for the endpoints.
func (e *Emulator) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", e.ctlIndex)
	mux.HandleFunc("GET /tenants", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Tenants()) })
	mux.HandleFunc("POST /tenants", e.ctlCreateTenant)
	mux.HandleFunc("PUT /tenants/{tenant}/appPermissions/{client}", e.ctlGrantAppPermissions)
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Users()) })
	mux.HandleFunc("POST /users", e.ctlCreateUser)
	mux.HandleFunc("GET /users/{user}", e.ctlUser)
	mux.HandleFunc("GET /users/{user}/page", e.ctlUserPage)
	mux.HandleFunc("POST /users/{user}/calendars", e.ctlCreateCalendar)
	mux.HandleFunc("GET /users/{user}/calendars/{calendar}/events", e.ctlListEvents)
	mux.HandleFunc("POST /users/{user}/calendars/{calendar}/events", e.ctlCreateEvent)
	mux.HandleFunc("PATCH /users/{user}/events/{event}", e.ctlUpdateEvent)
	mux.HandleFunc("DELETE /users/{user}/events/{event}", e.ctlDeleteEvent)
	mux.HandleFunc("POST /users/{user}/revokeSignInSessions", e.ctlRevokeSessions)
	mux.HandleFunc("DELETE /users/{user}/grants/{client}", e.ctlRevokeGrant)
	mux.HandleFunc("POST /users/{user}/deltaTokens/expire", e.ctlExpireDelta)
	mux.HandleFunc("GET /apps", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Apps()) })
	mux.HandleFunc("POST /apps", e.ctlRegisterApp)
	mux.HandleFunc("POST /accessTokens/expire", e.ctlExpireAccessTokens)
	mux.HandleFunc("GET /throttling", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Throttle()) })
	mux.HandleFunc("PUT /throttling", e.ctlSetThrottle)
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.faults.List()) })
	mux.HandleFunc("POST /faults", e.ctlAddFault)
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, r *http.Request) {
		e.faults.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /subscriptions", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Subscriptions()) })
	mux.HandleFunc("POST /subscriptions/{id}/lifecycle", e.ctlLifecycle)
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		e.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /snapshot", e.ctlSnapshot)
	mux.HandleFunc("PUT /snapshot", e.ctlRestore)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no control endpoint " + r.Method + " " + r.URL.Path})
	})
	return mux
}

// ctlError answers {"error": "..."} with the status the error's kind maps to.
func ctlError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, ErrInvalid):
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// decodeControl reads a JSON request body into v; an empty body leaves v
// as is.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "read body: " + err.Error()})
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
		return false
	}
	return true
}

func (e *Emulator) ctlCreateTenant(w http.ResponseWriter, r *http.Request) {
	var spec TenantSpec
	if !decodeControl(w, r, &spec) {
		return
	}
	t, err := e.CreateTenant(spec)
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (e *Emulator) ctlGrantAppPermissions(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Permissions []string `json:"permissions"`
	}
	if !decodeControl(w, r, &body) {
		return
	}
	if err := e.GrantAppPermissions(r.PathValue("tenant"), r.PathValue("client"), body.Permissions); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlCreateUser(w http.ResponseWriter, r *http.Request) {
	var spec UserSpec
	if !decodeControl(w, r, &spec) {
		return
	}
	u, err := e.CreateUser(spec)
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (e *Emulator) ctlUser(w http.ResponseWriter, r *http.Request) {
	u, err := e.User(r.PathValue("user"))
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (e *Emulator) ctlCreateCalendar(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if !decodeControl(w, r, &body) {
		return
	}
	cal, err := e.CreateCalendar(r.PathValue("user"), body.Name)
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, cal)
}

// ctlListEvents lists stored events, or with start and end (RFC 3339) the
// expanded calendar view.
func (e *Emulator) ctlListEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var (
		items []json.RawMessage
		err   error
	)
	if q.Get("start") != "" || q.Get("end") != "" {
		from, ok1 := parseViewTime(q.Get("start"))
		to, ok2 := parseViewTime(q.Get("end"))
		if !ok1 || !ok2 || !to.After(from) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "start and end must be RFC 3339 times with end after start"})
			return
		}
		items, err = e.listInstances(r.PathValue("user"), r.PathValue("calendar"), from, to, baseURL(r))
	} else {
		items, err = e.listEvents(r.PathValue("user"), r.PathValue("calendar"), baseURL(r))
	}
	if err != nil {
		ctlError(w, err)
		return
	}
	if items == nil {
		items = []json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items})
}

func (e *Emulator) ctlCreateEvent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		ctlError(w, err)
		return
	}
	ev, err := e.createEvent(r.PathValue("user"), r.PathValue("calendar"), body, baseURL(r))
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, ev)
}

func (e *Emulator) ctlUpdateEvent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		ctlError(w, err)
		return
	}
	ev, err := e.updateEvent(r.PathValue("user"), r.PathValue("event"), body, baseURL(r))
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ev)
}

func (e *Emulator) ctlDeleteEvent(w http.ResponseWriter, r *http.Request) {
	if err := e.DeleteEvent(r.PathValue("user"), r.PathValue("event")); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlRevokeSessions(w http.ResponseWriter, r *http.Request) {
	if err := e.RevokeSignInSessions(r.PathValue("user")); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlRevokeGrant(w http.ResponseWriter, r *http.Request) {
	if err := e.RevokeGrant(r.PathValue("user"), r.PathValue("client")); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlExpireDelta(w http.ResponseWriter, r *http.Request) {
	n, err := e.ExpireDeltaTokens(r.PathValue("user"))
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"expired": n})
}

func (e *Emulator) ctlRegisterApp(w http.ResponseWriter, r *http.Request) {
	var spec AppSpec
	if !decodeControl(w, r, &spec) {
		return
	}
	app, err := e.RegisterApp(spec)
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, app)
}

func (e *Emulator) ctlExpireAccessTokens(w http.ResponseWriter, r *http.Request) {
	var body struct {
		User     string `json:"user"`
		ClientID string `json:"clientId"`
	}
	if !decodeControl(w, r, &body) {
		return
	}
	n, err := e.ExpireAccessTokens(body.User, body.ClientID)
	if err != nil {
		ctlError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"expired": n})
}

func (e *Emulator) ctlSetThrottle(w http.ResponseWriter, r *http.Request) {
	cfg := e.Throttle()
	if !decodeControl(w, r, &cfg) {
		return
	}
	if cfg.Requests < 0 || cfg.Concurrency < 0 || cfg.WindowSeconds < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limits must not be negative"})
		return
	}
	e.SetThrottle(cfg)
	writeJSON(w, http.StatusOK, e.Throttle())
}

// faultRequest is emucore.Fault with latency in milliseconds, the unit a
// JSON client can write.
type faultRequest struct {
	emucore.Fault
	LatencyMs int `json:"latencyMs,omitempty"`
}

func (e *Emulator) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var f faultRequest
	if !decodeControl(w, r, &f) {
		return
	}
	if f.LatencyMs > 0 {
		f.Latency = time.Duration(f.LatencyMs) * time.Millisecond
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "status must be a 4xx or 5xx code"})
		return
	}
	id := e.faults.Add(f.Fault)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (e *Emulator) ctlLifecycle(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Event string `json:"event"`
	}
	if !decodeControl(w, r, &body) {
		return
	}
	if err := e.SendLifecycleEvent(r.PathValue("id"), body.Event); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (e *Emulator) ctlSnapshot(w http.ResponseWriter, _ *http.Request) {
	b, err := e.Snapshot()
	if err != nil {
		ctlError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (e *Emulator) ctlRestore(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 256<<20))
	if err != nil {
		ctlError(w, err)
		return
	}
	if err := e.Restore(b); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
