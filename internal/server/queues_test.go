package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/tasks"
)

// TestQueueDashboardOperatorsOnly: the queue dashboard and its API refuse
// anonymous callers (401) and admins who are not operators (403), serve
// operators by session cookie and by bearer token, are read-only, and a
// revoked flag closes them on the next request.
func TestQueueDashboardOperatorsOnly(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(string(b), func(t *testing.T) { queueDashboard(t, b) })
	}
}

func queueDashboard(t *testing.T, b testenv.Backend) {
	env := testenv.New(t, b)
	org := env.SeedOrg(t, "ops")
	// Queues appear in asynq once a task was enqueued to them.
	for _, q := range []string{tasks.QueueSync, tasks.QueueDefault} {
		if _, err := env.App.Queue.Enqueue(asynq.NewTask("test:noop", nil), asynq.Queue(q), asynq.ProcessIn(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	admin := env.SignIn(t, org.Admin.Email, org.Password)
	get := func(c *http.Client, path string, headers map[string]string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.Server.URL+path, nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(raw)
	}
	setOperator := func(on bool) {
		t.Helper()
		ctx := viewer.SystemContext(context.Background(), org.ID)
		if err := env.App.Client().User.UpdateOne(org.Admin).SetOperator(on).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"/admin/queues", "/admin/queues/", "/admin/queues/api/queues", "/admin/queues/static/js/no-such.js"}

	for _, p := range paths {
		st, h, body := get(http.DefaultClient, p, nil)
		if st != http.StatusUnauthorized || !strings.Contains(body, "sign in") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("anonymous %s: %d %v %q", p, st, h, body)
		}
		if st, _, body := get(admin.HTTP, p, nil); st != http.StatusForbidden || !strings.Contains(body, "operators only") {
			t.Errorf("admin without the flag %s: %d %q", p, st, body)
		}
	}

	setOperator(true)
	st, h, body := get(admin.HTTP, "/admin/queues", nil)
	if st != http.StatusOK || !strings.Contains(body, `window.FLAG_ROOT_PATH="\/admin\/queues"`) || !strings.Contains(body, `FLAG_READ_ONLY="true"`) {
		t.Fatalf("operator page: %d %.300s", st, body)
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self' 'sha256-") ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("operator page headers: %v", h)
	}
	// Every inline script of the page is allowed by its hash, or the UI
	// would not start.
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(body, -1)
	if len(scripts) == 0 {
		t.Error("no inline script found: did asynqmon's page change?")
	}
	for _, m := range scripts {
		sum := sha256.Sum256([]byte(m[1]))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
			t.Errorf("CSP %q lacks %s for inline script %.80q", csp, h, m[1])
		}
	}
	// The page's bundle is served under the root path.
	if m := strings.Index(body, `src="/admin/queues/static/js/`); m < 0 {
		t.Errorf("page names no bundle under /admin/queues/static/js/: %.500s", body)
	} else {
		src := body[m+len(`src="`):]
		src = src[:strings.IndexByte(src, '"')]
		if st, h, _ := get(admin.HTTP, src, nil); st != http.StatusOK || !strings.Contains(h.Get("Content-Type"), "javascript") {
			t.Errorf("bundle %s: %d %v", src, st, h)
		}
	}
	listed := func(c *http.Client, headers map[string]string) {
		t.Helper()
		st, _, body := get(c, "/admin/queues/api/queues", headers)
		var out struct {
			Queues []struct {
				Queue string `json:"queue"`
				Size  int    `json:"size"`
			} `json:"queues"`
		}
		if st != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("operator api/queues: %d %s", st, body)
		}
		got := map[string]int{}
		for _, q := range out.Queues {
			got[q.Queue] = q.Size
		}
		if got[tasks.QueueSync] != 1 || got[tasks.QueueDefault] != 1 {
			t.Errorf("api/queues: want sync and default with one task each, got %s", body)
		}
	}
	listed(admin.HTTP, nil)
	var tok struct{ CreateBearerToken struct{ Token string } }
	admin.MustDo(t, `mutation{createBearerToken(input:{name:"Ops",ttlDays:1}){token}}`, nil, &tok)
	listed(&http.Client{}, map[string]string{"Authorization": "Bearer " + tok.CreateBearerToken.Token})

	// Read-only: no deleting, pausing or running through the dashboard.
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/admin/queues/api/queues/sync:pause", nil)
	res, err := admin.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("pause through the dashboard: %d", res.StatusCode)
	}
	if st, _, body := get(admin.HTTP, "/admin/queues/api/queues/sync", nil); st != http.StatusOK || strings.Contains(body, `"paused":true`) {
		t.Errorf("after a refused pause: %d %s", st, body)
	}

	setOperator(false)
	for _, p := range paths {
		if st, _, body := get(admin.HTTP, p, nil); st != http.StatusForbidden {
			t.Errorf("revoked %s: %d %q", p, st, body)
		}
	}
}
