package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"calsync/internal/testenv"
)

// TestServeEmbeddedDefault runs the real binary as `make run` does: SQLite
// in a fresh data directory, no Redis, a seeded demo organization whose
// printed credentials sign in; SIGTERM shuts it down cleanly. A second
// start reuses the data and shows the same credentials.
func TestServeEmbeddedDefault(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "calsync")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	var firstPassword string
	for run := 0; run < 2; run++ {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "CALSYNC_DATA_DIR="+data, "CALSYNC_ADDR="+addr, "CALSYNC_PUBLIC_URL=http://"+addr,
			"DATABASE_URL=", "REDIS_URL=", "CALSYNC_SECRET_KEY=", "CALSYNC_PROVIDERS=",
			// Another Calsync on this machine may hold the default port.
			"CALSYNC_METRICS_ADDR="+freeAddr(t))
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 100)
		go func() {
			s := bufio.NewScanner(stderr)
			for s.Scan() {
				lines <- s.Text()
			}
			close(lines)
		}()
		password, fiona := "", ""
		deadline := time.After(60 * time.Second)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("calsync exited before listening")
				}
				if m := regexp.MustCompile(`ADMIN\s+admin@demo\.calsync\.test\s+(\S+)`).FindStringSubmatch(l); m != nil {
					password = m[1]
				}
				if m := regexp.MustCompile(`FIELDWORKER\s+fiona@demo\.calsync\.test\s+(\S+)`).FindStringSubmatch(l); m != nil {
					fiona = m[1]
				}
				if strings.Contains(l, "calsync listening") {
					break wait
				}
			case <-deadline:
				cmd.Process.Kill()
				t.Fatal("calsync did not start within 60 s")
			}
		}
		go func() {
			for l := range lines {
				t.Log(l)
			}
		}()
		if password == "" {
			t.Fatalf("run %d: no demo credentials printed", run)
		}
		if run == 0 {
			firstPassword = password
		} else if password != firstPassword {
			t.Fatalf("second start printed other credentials")
		}
		if st, err := os.Stat(filepath.Join(data, "secret.key")); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("secret key file: %v %v", st, err)
		}
		body, _ := json.Marshal(map[string]any{
			"query":     `mutation($p:String!){signIn(input:{email:"admin@demo.calsync.test",password:$p}){viewer{organization{name}}}}`,
			"variables": map[string]any{"p": password},
		})
		res, err := http.Post("http://"+addr+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var out struct {
			Data struct {
				SignIn struct {
					Viewer struct{ Organization struct{ Name string } }
				}
			}
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.Data.SignIn.Viewer.Organization.Name != "Demo Field Services" {
			t.Fatalf("run %d: sign in with printed credentials: %s", run, raw)
		}
		if res, err := http.Get("http://" + addr + "/readyz"); err != nil || res.StatusCode != 200 {
			t.Fatalf("readyz: %v %v", res, err)
		}
		if run == 0 {
			linkDemoCalendar(t, addr, fiona)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v", err)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("no clean shutdown within 30 s of SIGTERM")
		}
	}
}

// TestBadConfigurationIsAClearMessage: a typo stops the process with the
// variable's name, not a stack trace.
func TestBadConfigurationIsAClearMessage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", ".", "serve")
	cmd.Env = append(os.Environ(), "CALSYNC_WORKER_CONCURRENCY=lots", "DATABASE_URL=mysql://x", "CALSYNC_DATA_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("started with a bad configuration")
	}
	for _, want := range []string{"CALSYNC_WORKER_CONCURRENCY", "DATABASE_URL: must be a postgres:// URL"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "goroutine ") {
		t.Errorf("stack trace printed:\n%s", out)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// linkDemoCalendar links Fiona's Google calendar through the embedded
// emulator's consent page, as a person trying the demo would.
func linkDemoCalendar(t *testing.T, addr, password string) {
	t.Helper()
	c := &testenv.Client{URL: "http://" + addr + "/graphql", HTTP: testenv.NewBrowser().HTTP}
	var in struct {
		SignIn struct{ Viewer struct{ CsrfToken string } }
	}
	c.MustDo(t, `mutation($p:String!){signIn(input:{email:"fiona@demo.calsync.test",password:$p}){viewer{csrfToken}}}`, map[string]any{"p": password}, &in)
	c.CSRF = in.SignIn.Viewer.CsrfToken
	var start struct{ StartCalendarLink struct{ URL string } }
	c.MustDo(t, `mutation{startCalendarLink(provider:GOOGLE){url}}`, nil, &start)
	done := testenv.Kits[0].Consent(t, nil, testenv.NewBrowser(), start.StartCalendarLink.URL, "fiona@demo.calsync.test", true)
	if !strings.Contains(done.Body, "Calendar linked") {
		t.Fatalf("demo link: %d %s", done.Status, done.Body)
	}
}
