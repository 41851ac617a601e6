package gcal

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"calsync/sync/emulator/emucore"
)

// controlRoutes is the control API; see the package documentation.
func (e *Emulator) controlRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", e.ctlIndex)
	mux.HandleFunc("GET /accounts", e.ctlListAccounts)
	mux.HandleFunc("POST /accounts", e.ctlCreateAccount)
	mux.HandleFunc("GET /accounts/{email}", e.ctlGetAccount)
	mux.HandleFunc("GET /accounts/{email}/page", e.ctlAccountPage)
	mux.HandleFunc("POST /accounts/{email}/calendars", e.ctlCreateCalendar)
	mux.HandleFunc("POST /accounts/{email}/grants", e.ctlGrant)
	mux.HandleFunc("POST /accounts/{email}/revoke", e.ctlRevoke)
	mux.HandleFunc("POST /accounts/{email}/expire-tokens", e.ctlExpireTokens)
	mux.HandleFunc("GET /clients", e.ctlListClients)
	mux.HandleFunc("POST /clients", e.ctlRegisterClient)
	mux.HandleFunc("GET /service-accounts", e.ctlListServiceAccounts)
	mux.HandleFunc("POST /service-accounts", e.ctlCreateServiceAccount)
	mux.HandleFunc("GET /calendars/{calendarId}/events", e.ctlListEvents)
	mux.HandleFunc("POST /calendars/{calendarId}/events", e.ctlInsertEvent)
	mux.HandleFunc("GET /calendars/{calendarId}/events/{eventId}", e.ctlGetEvent)
	mux.HandleFunc("PATCH /calendars/{calendarId}/events/{eventId}", e.ctlModifyEvent)
	mux.HandleFunc("PUT /calendars/{calendarId}/events/{eventId}", e.ctlModifyEvent)
	mux.HandleFunc("DELETE /calendars/{calendarId}/events/{eventId}", e.ctlDeleteEvent)
	mux.HandleFunc("POST /calendars/{calendarId}/invalidate-sync-tokens", e.ctlInvalidateCalendar)
	mux.HandleFunc("POST /sync-tokens/invalidate", e.ctlInvalidateAll)
	mux.HandleFunc("GET /quota", e.ctlGetQuota)
	mux.HandleFunc("PUT /quota", e.ctlSetQuota)
	mux.HandleFunc("POST /quota/reset", e.ctlResetQuota)
	mux.HandleFunc("GET /config", e.ctlGetConfig)
	mux.HandleFunc("PUT /config", e.ctlSetConfig)
	mux.HandleFunc("GET /faults", e.ctlListFaults)
	mux.HandleFunc("POST /faults", e.ctlAddFault)
	mux.HandleFunc("DELETE /faults", e.ctlClearFaults)
	mux.HandleFunc("GET /channels", e.ctlListChannels)
	mux.HandleFunc("POST /reset", e.ctlReset)
	mux.HandleFunc("GET /snapshot", e.ctlSnapshot)
	mux.HandleFunc("PUT /snapshot", e.ctlRestore)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ctlError(w, &Error{Code: 404, Message: "no control endpoint " + r.Method + " " + r.URL.Path, Items: []ErrorItem{{Reason: "notFound"}}})
	})
	return mux
}

// ctlJSON writes a control API answer.
func ctlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ctlError writes {"error":{"code","reason","message"}}.
func ctlError(w http.ResponseWriter, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		ae = &Error{Code: 500, Message: err.Error(), Items: []ErrorItem{{Reason: "internal"}}}
	}
	ctlJSON(w, ae.Code, map[string]any{"error": map[string]any{"code": ae.Code, "reason": ae.Reason(), "message": ae.Message}})
}

// ctlDecode reads a JSON body into v; an empty body leaves v as is.
func ctlDecode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return errInvalid("cannot read body: " + err.Error())
	}
	if len(bytesTrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errInvalid("malformed JSON body: " + err.Error())
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return nil, errInvalid("cannot read body: " + err.Error())
	}
	return b, nil
}

func (e *Emulator) ctlIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexTemplate.Execute(w, e.Accounts())
}

func (e *Emulator) ctlListAccounts(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"accounts": e.Accounts()})
}

func (e *Emulator) ctlCreateAccount(w http.ResponseWriter, r *http.Request) {
	var a Account
	if err := ctlDecode(r, &a); err != nil {
		ctlError(w, err)
		return
	}
	out, err := e.CreateAccount(a)
	if err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusCreated, out)
}

func (e *Emulator) ctlGetAccount(w http.ResponseWriter, r *http.Request) {
	email := normEmail(r.PathValue("email"))
	cals, err := e.Calendars(email)
	if err != nil {
		ctlError(w, err)
		return
	}
	e.mu.Lock()
	a := e.st.Accounts[email]
	e.mu.Unlock()
	if a == nil {
		ctlError(w, errNotFound())
		return
	}
	ctlJSON(w, http.StatusOK, map[string]any{"account": a.public(), "calendars": cals})
}

func (e *Emulator) ctlCreateCalendar(w http.ResponseWriter, r *http.Request) {
	var c CalendarInfo
	if err := ctlDecode(r, &c); err != nil {
		ctlError(w, err)
		return
	}
	out, err := e.CreateCalendar(r.PathValue("email"), c)
	if err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusCreated, out)
}

func (e *Emulator) ctlGrant(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID string   `json:"clientId"`
		Scopes   []string `json:"scopes"`
		Offline  bool     `json:"offline"`
	}
	if err := ctlDecode(r, &req); err != nil {
		ctlError(w, err)
		return
	}
	out, err := e.GrantAccess(r.PathValue("email"), req.ClientID, req.Scopes, req.Offline)
	if err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, out)
}

func (e *Emulator) ctlRevoke(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID string `json:"clientId"`
	}
	if err := ctlDecode(r, &req); err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, map[string]int{"revoked": e.RevokeGrants(r.PathValue("email"), req.ClientID)})
}

func (e *Emulator) ctlExpireTokens(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]int{"expired": e.ExpireAccessTokens(r.PathValue("email"))})
}

func (e *Emulator) ctlListClients(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"clients": e.Clients()})
}

func (e *Emulator) ctlRegisterClient(w http.ResponseWriter, r *http.Request) {
	var c Client
	if err := ctlDecode(r, &c); err != nil {
		ctlError(w, err)
		return
	}
	if err := e.RegisterClient(c); err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusCreated, c)
}

func (e *Emulator) ctlListServiceAccounts(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"serviceAccounts": e.ServiceAccounts()})
}

func (e *Emulator) ctlCreateServiceAccount(w http.ResponseWriter, r *http.Request) {
	var spec ServiceAccountSpec
	if err := ctlDecode(r, &spec); err != nil {
		ctlError(w, err)
		return
	}
	key, err := e.CreateServiceAccount(spec, baseURL(r))
	if err != nil {
		ctlError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(append(key, '\n'))
}

func (e *Emulator) ctlListEvents(w http.ResponseWriter, r *http.Request) {
	out, err := e.calendarEvents(r.PathValue("calendarId"), r.URL.Query().Get("showDeleted") == "true", baseURL(r))
	if err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (e *Emulator) ctlInsertEvent(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err == nil {
		var out json.RawMessage
		if out, err = e.insertAsUser(r.PathValue("calendarId"), body, baseURL(r)); err == nil {
			ctlJSON(w, http.StatusCreated, out)
			return
		}
	}
	ctlError(w, err)
}

func (e *Emulator) ctlGetEvent(w http.ResponseWriter, r *http.Request) {
	out, err := e.eventAsUser(r.PathValue("calendarId"), r.PathValue("eventId"), baseURL(r))
	if err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, out)
}

func (e *Emulator) ctlModifyEvent(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err == nil {
		var out json.RawMessage
		if out, err = e.modifyAsUser(r.PathValue("calendarId"), r.PathValue("eventId"), body, r.Method == http.MethodPut, baseURL(r)); err == nil {
			ctlJSON(w, http.StatusOK, out)
			return
		}
	}
	ctlError(w, err)
}

func (e *Emulator) ctlDeleteEvent(w http.ResponseWriter, r *http.Request) {
	if err := e.DeleteEventAsUser(r.PathValue("calendarId"), r.PathValue("eventId")); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlInvalidateCalendar(w http.ResponseWriter, r *http.Request) {
	if err := e.InvalidateSyncTokens(r.PathValue("calendarId")); err != nil {
		ctlError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlInvalidateAll(w http.ResponseWriter, r *http.Request) {
	_ = e.InvalidateSyncTokens("")
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlGetQuota(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, e.Quota())
}

func (e *Emulator) ctlSetQuota(w http.ResponseWriter, r *http.Request) {
	var q QuotaSettings
	if err := ctlDecode(r, &q); err != nil {
		ctlError(w, err)
		return
	}
	if err := e.SetQuota(q); err != nil {
		ctlError(w, err)
		return
	}
	ctlJSON(w, http.StatusOK, e.Quota())
}

func (e *Emulator) ctlResetQuota(w http.ResponseWriter, r *http.Request) {
	e.ResetQuotaCounters()
	w.WriteHeader(http.StatusNoContent)
}

// controlSettings are the emulator-wide settings of the control API's /config.
type controlSettings struct {
	// SyncTokenRetentionSeconds is how long sync tokens stay valid (by the
	// emulator's clock); 0 keeps them forever. Default 30 days.
	SyncTokenRetentionSeconds int64 `json:"syncTokenRetentionSeconds"`
}

func (e *Emulator) settings() controlSettings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return controlSettings{SyncTokenRetentionSeconds: e.st.Config.SyncTokenRetentionSec}
}

func (e *Emulator) ctlGetConfig(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, e.settings())
}

func (e *Emulator) ctlSetConfig(w http.ResponseWriter, r *http.Request) {
	s := e.settings()
	if err := ctlDecode(r, &s); err != nil {
		ctlError(w, err)
		return
	}
	e.SetSyncTokenRetention(time.Duration(s.SyncTokenRetentionSeconds) * time.Second)
	ctlJSON(w, http.StatusOK, e.settings())
}

func (e *Emulator) ctlListFaults(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"faults": e.faults.List()})
}

// faultRequest is emucore.Fault plus latencyMs, friendlier than the
// nanoseconds of Fault.Latency.
type faultRequest struct {
	emucore.Fault
	LatencyMs int64 `json:"latencyMs,omitempty"`
}

func (e *Emulator) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var f faultRequest
	if err := ctlDecode(r, &f); err != nil {
		ctlError(w, err)
		return
	}
	if f.LatencyMs > 0 {
		f.Latency = time.Duration(f.LatencyMs) * time.Millisecond
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		ctlError(w, errInvalid("status must be a 4xx or 5xx code"))
		return
	}
	if f.Fraction < 0 || f.Fraction > 1 || f.Count < 0 {
		ctlError(w, errInvalid("fraction must be in [0,1] and count not negative"))
		return
	}
	id := e.faults.Add(f.Fault)
	ctlJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (e *Emulator) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	e.faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlListChannels(w http.ResponseWriter, r *http.Request) {
	ctlJSON(w, http.StatusOK, map[string]any{"channels": e.Channels()})
}

func (e *Emulator) ctlReset(w http.ResponseWriter, r *http.Request) {
	e.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) ctlSnapshot(w http.ResponseWriter, r *http.Request) {
	b, err := e.Snapshot()
	if err != nil {
		ctlError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

func (e *Emulator) ctlRestore(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 512<<20))
	if err == nil {
		err = e.Restore(b)
	}
	if err != nil {
		ctlError(w, &Error{Code: 400, Message: err.Error(), Items: []ErrorItem{{Reason: "invalid"}}})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
