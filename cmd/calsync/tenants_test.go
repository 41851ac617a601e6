package main_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"calsync/ent/signinlink"
	"calsync/ent/user"
	"calsync/internal/store"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

var linkRE = regexp.MustCompile(`http://\S+/signin/\S+`)

// TestOrganizationSetup runs the real binary as an operator would:
// `org create` prints the first admin's one-time link (no SMTP), the
// link sets a password and signs in, `org list` shows the organization,
// a duplicate slug is refused in one line, and `user reset-password`
// issues a link that works once while the old password stops working.
// Used, replaced, expired and tampered links get a clear page and change
// nothing. `user operator` opens the queue dashboard to the admin and
// `--off` closes it at once. On SQLite, and on PostgreSQL when
// DATABASE_URL is set.
func TestOrganizationSetup(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "calsync")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbs := map[string]string{"sqlite": ""}
	if os.Getenv("DATABASE_URL") != "" {
		// A database of the test's own: what earlier runs left in the
		// shared one (other migrations) must not matter.
		dbs["postgres"] = testenv.FreshPostgres(t)
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) { orgSetup(t, bin, dbURL) })
	}
}

func orgSetup(t *testing.T, bin, dbURL string) {
	data, addr := t.TempDir(), freeAddr(t)
	key := ""
	if dbURL != "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		key = base64.StdEncoding.EncodeToString(b)
	}
	env := append(os.Environ(), "CALSYNC_DATA_DIR="+data, "CALSYNC_ADDR="+addr, "CALSYNC_PUBLIC_URL=http://"+addr,
		"DATABASE_URL="+dbURL, "REDIS_URL=", "CALSYNC_SECRET_KEY="+key, "CALSYNC_PROVIDERS=", "CALSYNC_SEED_DEMO=false",
		"SMTP_URL=", "CALSYNC_LOG_LEVEL=warn", "CALSYNC_METRICS_ADDR="+freeAddr(t))
	calsync := func(args ...string) (string, string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	slug := fmt.Sprintf("acme-%d", time.Now().UnixNano()%1e9)
	email := "boss@" + slug + ".example"

	out, stderr, err := calsync("org", "create", "--name", "Acme Field Services", "--slug", slug, "--admin-email", email, "--time-zone", "Europe/Helsinki")
	if err != nil {
		t.Fatalf("org create: %v\n%s%s", err, out, stderr)
	}
	first := linkRE.FindString(out)
	if first == "" {
		t.Fatalf("org create printed no link:\n%s", out)
	}
	out, stderr, err = calsync("org", "create", "--name", "Other", "--slug", slug, "--admin-email", "x@example.com")
	if err == nil || !strings.Contains(stderr, "already exists") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("duplicate slug: %v\n%s%s", err, out, stderr)
	}
	for _, bad := range [][]string{
		{"org", "create", "--name", "X", "--slug", "Bad_Slug", "--admin-email", "x@example.com"},
		{"org", "create", "--name", "X", "--slug", "fine-" + slug, "--admin-email", "not-an-email"},
		{"org", "create", "--name", "X"},
		{"user", "reset-password", "--org", "no-such-" + slug, "--email", email},
		{"user", "reset-password", "--org", slug, "--email", "nobody@example.com"},
		{"user", "operator", "--org", "no-such-" + slug, "--email", email},
		{"user", "operator", "--org", slug, "--email", "nobody@example.com"},
		{"user", "operator", "--org", slug},
	} {
		if _, stderr, err := calsync(bad...); err == nil || !strings.HasPrefix(stderr, "calsync: ") || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: want a one-line error, got %v %q", bad, err, stderr)
		}
	}
	if out, _, err := calsync("org", "--help"); err != nil || !strings.Contains(out, "create") || !strings.Contains(out, "list") {
		t.Errorf("org --help: %v %s", err, out)
	}
	out, _, err = calsync("org", "list")
	if err != nil || !regexp.MustCompile(regexp.QuoteMeta(slug)+`\s+Acme Field Services\s+\S+ \S+ UTC\s+1\n`).MatchString(out) {
		t.Fatalf("org list: %v\n%s", err, out)
	}

	stop := serve(t, bin, env)
	defer stop()
	page := func(method, link string, form url.Values) (int, string, *http.Response) {
		t.Helper()
		var res *http.Response
		var err error
		if method == "GET" {
			res, err = http.Get(link)
		} else {
			res, err = http.PostForm(link, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b), res
	}
	setPassword := func(link, pw string) (int, string, *http.Response) {
		return page("POST", link, url.Values{"password": {pw}, "confirm": {pw}})
	}
	if st, body, _ := page("GET", first, nil); st != 200 || !strings.Contains(body, "Set your password") || !strings.Contains(body, email) {
		t.Fatalf("open link: %d %s", st, body)
	}
	if st, body, _ := page("GET", first+"x", nil); st != http.StatusGone || !strings.Contains(body, "Link not valid") {
		t.Fatalf("tampered link: %d %s", st, body)
	}
	if st, body, _ := setPassword(first+"x", "tampered-password"); st != http.StatusGone {
		t.Fatalf("tampered link POST: %d %s", st, body)
	}
	if st, body, _ := setPassword(first, "short"); st != http.StatusBadRequest || !strings.Contains(body, "at least") {
		t.Fatalf("short password: %d %s", st, body)
	}
	st, body, res := setPassword(first, "first-password-1")
	if st != 200 || !strings.Contains(body, "Password set") || !hasSession(res) {
		t.Fatalf("set password: %d %s", st, body)
	}
	if st, body, _ := setPassword(first, "another-password"); st != http.StatusGone || !strings.Contains(body, "already used") {
		t.Fatalf("link used twice: %d %s", st, body)
	}
	signIn(t, addr, email, "first-password-1", true)
	signIn(t, addr, email, "another-password", false)

	out, stderr, err = calsync("user", "reset-password", "--org", slug, "--email", email)
	if err != nil {
		t.Fatalf("reset-password: %v\n%s%s", err, out, stderr)
	}
	reset := linkRE.FindString(out)
	if reset == "" {
		t.Fatalf("reset-password printed no link:\n%s", out)
	}
	signIn(t, addr, email, "first-password-1", false)
	if st, body, _ := setPassword(reset, "second-password-2"); st != 200 || !strings.Contains(body, "Password set") {
		t.Fatalf("reset link: %d %s", st, body)
	}
	if st, _, _ := setPassword(reset, "third-password-3"); st != http.StatusGone {
		t.Fatalf("reset link used twice: %d", st)
	}
	signIn(t, addr, email, "second-password-2", true)
	signIn(t, addr, email, "third-password-3", false)

	// The queue dashboard opens to the admin once `user operator` made
	// them an operator, and closes at once with --off.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	cred, _ := json.Marshal(map[string]any{
		"query":     `mutation($e:String!,$p:String!){signIn(input:{email:$e,password:$p}){viewer{organization{name}}}}`,
		"variables": map[string]any{"e": email, "p": "second-password-2"},
	})
	res, err = browser.Post("http://"+addr+"/graphql", "application/json", bytes.NewReader(cred))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !hasSession(res) {
		t.Fatalf("sign in for the dashboard: %d %s", res.StatusCode, raw)
	}
	dashboard := func(want int) {
		t.Helper()
		for _, p := range []string{"/admin/queues", "/admin/queues/api/queues"} {
			res, err := browser.Get("http://" + addr + p)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				t.Errorf("%s: want %d, got %d", p, want, res.StatusCode)
			}
		}
	}
	dashboard(http.StatusForbidden)
	for _, step := range []struct {
		args []string
		out  string
		want int
	}{
		{[]string{"user", "operator", "--org", slug, "--email", email}, "is now an operator", http.StatusOK},
		{[]string{"user", "operator", "--org", slug, "--email", email}, "already an operator", http.StatusOK},
		{[]string{"user", "operator", "--org", slug, "--email", email, "--off"}, "no longer an operator", http.StatusForbidden},
		{[]string{"user", "operator", "--org", slug, "--email", email, "--off"}, "not an operator", http.StatusForbidden},
	} {
		out, stderr, err := calsync(step.args...)
		if err != nil || !strings.Contains(out, step.out) {
			t.Fatalf("%v: %v\n%s%s", step.args, err, out, stderr)
		}
		dashboard(step.want)
	}

	// A replaced link and an expired one change nothing.
	out, _, _ = calsync("user", "reset-password", "--org", slug, "--email", email)
	replaced := linkRE.FindString(out)
	out, _, _ = calsync("user", "reset-password", "--org", slug, "--email", email)
	expired := linkRE.FindString(out)
	if st, body, _ := setPassword(replaced, "replaced-password"); st != http.StatusGone || !strings.Contains(body, "Link replaced") {
		t.Fatalf("replaced link: %d %s", st, body)
	}
	expireLinks(t, dbURL, data, email)
	if st, body, _ := setPassword(expired, "expired-password"); st != http.StatusGone || !strings.Contains(body, "Link expired") {
		t.Fatalf("expired link: %d %s", st, body)
	}
	signIn(t, addr, email, "replaced-password", false)
	signIn(t, addr, email, "expired-password", false)

}

func hasSession(res *http.Response) bool {
	for _, c := range res.Cookies() {
		if c.Name == "calsync_session" && c.Value != "" && c.HttpOnly {
			return true
		}
	}
	return false
}

func signIn(t *testing.T, addr, email, password string, want bool) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($e:String!,$p:String!){signIn(input:{email:$e,password:$p}){viewer{organization{name}}}}`,
		"variables": map[string]any{"e": email, "p": password},
	})
	res, err := http.Post("http://"+addr+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	got := strings.Contains(string(raw), `"Acme Field Services"`)
	if got != want {
		t.Fatalf("sign in with %q: want success %v, got %s", password, want, raw)
	}
}

// expireLinks moves the expiry of email's unused links into the past, as
// a week passing would.
func expireLinks(t *testing.T, dbURL, data, email string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DatabaseURL: dbURL, DataDir: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.Client.SignInLink.Update().
		Where(signinlink.UsedAtIsNil(), signinlink.RevokedAtIsNil(), signinlink.HasUserWith(user.Email(email))).
		SetExpiresAt(time.Now().Add(-time.Minute)).Save(viewer.AllTenantsContext(ctx))
	if err != nil || n != 1 {
		t.Fatalf("expire link: %d %v", n, err)
	}
}

// serve starts `calsync serve` and returns the function that stops it.
func serve(t *testing.T, bin string, env []string) func() {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "CALSYNC_LOG_LEVEL=info")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	go func() {
		s := bufio.NewScanner(stderr)
		once := false
		for s.Scan() {
			if !once && strings.Contains(s.Text(), "calsync listening") {
				once = true
				close(listening)
			}
		}
	}()
	select {
	case <-listening:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("calsync did not start within 60 s")
	}
	return func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
}
