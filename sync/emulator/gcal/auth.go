package gcal

import (
	"net/http"
	"strings"
	"time"
)

// principal is who an access token speaks for.
type principal struct {
	email    string // the user (or the service account itself without sub)
	clientID string // the OAuth client or service account: Google's "project"
	scopes   []string
}

func (p *principal) hasAny(allowed []string) bool {
	for _, s := range p.scopes {
		for _, a := range allowed {
			if s == a {
				return true
			}
		}
	}
	return false
}

const scopePrefix = "https://www.googleapis.com/auth/"

// Scopes accepted per method, from the discovery document
// (google.golang.org/api/calendar/v3/calendar-api.json).
var (
	scopesCalendarListRead = scopeList("calendar", "calendar.calendarlist", "calendar.calendarlist.readonly", "calendar.readonly")
	scopesCalendarsRead    = scopeList("calendar", "calendar.app.created", "calendar.calendars", "calendar.calendars.readonly", "calendar.readonly")
	scopesCalendarsWrite   = scopeList("calendar", "calendar.app.created", "calendar.calendars")
	scopesCalendarsClear   = scopeList("calendar", "calendar.calendars")
	scopesEventsRead       = scopeList("calendar", "calendar.app.created", "calendar.events", "calendar.events.freebusy", "calendar.events.owned", "calendar.events.owned.readonly", "calendar.events.public.readonly", "calendar.events.readonly", "calendar.readonly")
	scopesEventsWrite      = scopeList("calendar", "calendar.app.created", "calendar.events", "calendar.events.owned")
	scopesChannelsStop     = scopeList("calendar", "calendar.acls", "calendar.acls.readonly", "calendar.app.created", "calendar.calendarlist", "calendar.calendarlist.readonly", "calendar.events", "calendar.events.freebusy", "calendar.events.owned", "calendar.events.owned.readonly", "calendar.events.public.readonly", "calendar.events.readonly", "calendar.readonly", "calendar.settings", "calendar.settings.readonly")
	scopesColors           = scopeList("calendar", "calendar.app.created", "calendar.calendarlist", "calendar.calendarlist.readonly", "calendar.events.freebusy", "calendar.events.owned", "calendar.events.owned.readonly", "calendar.events.public.readonly", "calendar.readonly")
	scopesFreeBusy         = scopeList("calendar", "calendar.events.freebusy", "calendar.freebusy", "calendar.readonly")
)

func scopeList(short ...string) []string {
	out := make([]string, len(short))
	for i, s := range short {
		out[i] = scopePrefix + s
	}
	return out
}

// authenticate resolves the bearer token, charges the quota and passes the
// principal on in the request context.
func (e *Emulator) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := e.principalFor(r)
		if err != nil {
			writeAPIError(w, r, err)
			return
		}
		if err := e.chargeQuota(p, r.URL.Query().Get("quotaUser")); err != nil {
			writeAPIError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
}

// bearerToken extracts the access token from the Authorization header
// (or the access_token query parameter Google also accepts).
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.URL.Query().Get("access_token")
}

func (e *Emulator) principalFor(r *http.Request) (*principal, *Error) {
	tok := bearerToken(r)
	if tok == "" {
		return nil, errLoginRequired()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	at := e.st.AccessTokens[tok]
	if at == nil {
		return nil, errInvalidCredentials()
	}
	if !e.clock.Now().Before(at.Expiry) {
		delete(e.st.AccessTokens, tok)
		return nil, errInvalidCredentials()
	}
	return &principal{email: at.Email, clientID: at.ClientID, scopes: strings.Fields(at.Scope)}, nil
}

// route wraps an API handler with the scope check of its method.
func route(scopes []string, h func(w http.ResponseWriter, r *http.Request, p *principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if p == nil {
			writeAPIError(w, r, errLoginRequired())
			return
		}
		if !p.hasAny(scopes) {
			writeAPIError(w, r, errInsufficientScopes())
			return
		}
		h(w, r, p)
	}
}

// QuotaSettings are the request limits and the answer given past them.
type QuotaSettings struct {
	// UserPerMinute is the per-user-per-project limit (Google default 600).
	UserPerMinute int `json:"userPerMinute"`
	// ProjectPerMinute is the per-project limit (Google default 10,000).
	ProjectPerMinute int `json:"projectPerMinute"`
	// WindowSeconds is the sliding window length (default 60).
	WindowSeconds int `json:"windowSeconds"`
	// Status is 403 (Google's usual answer) or 429.
	Status int `json:"status"`
	// UserReason is the reason for the per-user limit on a 403:
	// "rateLimitExceeded" (default) or "userRateLimitExceeded".
	UserReason string `json:"userReason"`
}

// SetQuota changes the limits; zero fields keep their value, a negative
// limit means unlimited. Counts already in the window stay.
func (e *Emulator) SetQuota(q QuotaSettings) error {
	if q.Status != 0 && q.Status != 403 && q.Status != 429 {
		return errInvalid("status must be 403 or 429")
	}
	if q.UserReason != "" && q.UserReason != "rateLimitExceeded" && q.UserReason != "userRateLimitExceeded" && q.UserReason != "quotaExceeded" {
		return errInvalid("userReason must be rateLimitExceeded, userRateLimitExceeded or quotaExceeded")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := &e.st.Config
	if q.UserPerMinute != 0 {
		c.UserQuotaPerMinute = q.UserPerMinute
	}
	if q.ProjectPerMinute != 0 {
		c.ProjectQuotaPerMinute = q.ProjectPerMinute
	}
	if q.WindowSeconds > 0 {
		c.QuotaWindowSeconds = q.WindowSeconds
	}
	if q.Status != 0 {
		c.RateLimitStatus = q.Status
	}
	if q.UserReason != "" {
		c.UserRateLimitReason = q.UserReason
	}
	e.applyQuotaConfig()
	return nil
}

// applyQuotaConfig pushes the configured limits into the windows.
func (e *Emulator) applyQuotaConfig() {
	c := e.st.Config
	span := time.Duration(c.QuotaWindowSeconds) * time.Second
	e.userQuota.SetLimit(c.UserQuotaPerMinute, span)
	e.projectQuota.SetLimit(c.ProjectQuotaPerMinute, span)
}

// Quota returns the current limits.
func (e *Emulator) Quota() QuotaSettings {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.st.Config
	return QuotaSettings{UserPerMinute: c.UserQuotaPerMinute, ProjectPerMinute: c.ProjectQuotaPerMinute,
		WindowSeconds: c.QuotaWindowSeconds, Status: c.RateLimitStatus, UserReason: c.UserRateLimitReason}
}

// ResetQuotaCounters forgets the requests counted so far.
func (e *Emulator) ResetQuotaCounters() {
	e.userQuota.Reset()
	e.projectQuota.Reset()
}

// chargeQuota counts one request for the user (quotaUser when given, as
// service accounts acting for many users pass it) and the project.
// Rejected requests do not count, as at Google.
func (e *Emulator) chargeQuota(p *principal, quotaUser string) *Error {
	user := p.email
	if quotaUser != "" {
		user = quotaUser
	}
	e.mu.Lock()
	status, reason := e.st.Config.RateLimitStatus, e.st.Config.UserRateLimitReason
	e.mu.Unlock()
	if ok, wait := e.userQuota.Allow(p.clientID+"\x00"+user, false); !ok {
		r := reason
		if status == 429 {
			r = "rateLimitExceeded"
		}
		err := errorByReason(status, r)
		if status == 429 {
			err.retryAfter = int((wait + time.Second - 1) / time.Second)
		}
		return err
	}
	if ok, wait := e.projectQuota.Allow(p.clientID, false); !ok {
		err := errorByReason(status, "rateLimitExceeded")
		if status == 429 {
			err.retryAfter = int((wait + time.Second - 1) / time.Second)
		}
		return err
	}
	return nil
}
