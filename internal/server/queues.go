package server

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"calsync/internal/auth"
	"calsync/internal/viewer"
)

// QueuesPath is where the asynq queue dashboard is mounted.
const QueuesPath = "/admin/queues"

// QueueDashboard returns asynqmon's dashboard for the queues on conn,
// rooted at QueuesPath. It is read-only: its UI sends no CSRF token, so
// the buttons that delete, run or archive tasks would be open to any page
// the operator visits; operators act through the CLI instead. The caller
// closes it (it holds its own Redis connections).
func QueueDashboard(conn asynq.RedisConnOpt) *asynqmon.HTTPHandler {
	return asynqmon.New(asynqmon.Options{RootPath: QueuesPath, RedisConnOpt: conn, ReadOnly: true})
}

// operatorsOnly serves next (the queue dashboard, page and API alike) to
// operators only: it shows every tenant's tasks. The caller must be
// signed in (session cookie or bearer token, set on the context by the
// auth middleware, which reads the user — active, operator — from the
// database on every request, so revoking the flag takes effect at once).
func operatorsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the queue dashboard is read-only", http.StatusMethodNotAllowed)
			return
		}
		v, ok := viewer.FromContext(r.Context())
		if !ok || v.UserID == 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="calsync"`)
			http.Error(w, "sign in to see the queue dashboard (operators only): sign in through the API, then reload this page", http.StatusUnauthorized)
			return
		}
		if !v.Operator {
			http.Error(w, "the queue dashboard is for operators only (calsync user operator)", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// dashboardHeaders gives the dashboard a policy of its own: pageCSP
// allows no script, and asynqmon's page runs two inline scripts (its
// settings and webpack's loader), loads its bundles from under
// QueuesPath and its fonts from Google Fonts. The inline scripts are
// allowed by their hashes, taken from the page the dashboard renders.
func dashboardHeaders(dashboard http.Handler) http.Handler {
	csp := "default-src 'none'; script-src 'self'" + inlineScriptHashes(dashboard) +
		"; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; font-src https://fonts.gstatic.com; " +
		"img-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		dashboard.ServeHTTP(w, r)
	})
}

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// inlineScriptHashes renders the dashboard's page once and returns the
// CSP sources (" 'sha256-…'") of its inline scripts.
func inlineScriptHashes(dashboard http.Handler) string {
	rec := httptest.NewRecorder()
	dashboard.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, QueuesPath+"/", nil))
	var b strings.Builder
	for _, m := range inlineScript.FindAllStringSubmatch(rec.Body.String(), -1) {
		sum := sha256.Sum256([]byte(m[1]))
		b.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	return b.String()
}

// mountQueues mounts the dashboard, behind authentication and the
// operator check.
func mountQueues(mux *http.ServeMux, a *auth.Service, dashboard http.Handler) {
	h := a.Middleware(operatorsOnly(dashboardHeaders(dashboard)))
	mux.Handle(QueuesPath, h)
	mux.Handle(QueuesPath+"/", h)
}
