package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"calsync/internal/testenv"
)

const (
	qSignIn = `mutation($e:String!,$p:String!,$o:String){signIn(input:{email:$e,password:$p,organization:$o}){viewer{csrfToken organization{slug}}}}`
	qViewer = `{viewer{role}}`
)

// fromAddr is an anonymous client whose connections come from ip: every
// 127.0.0.0/8 address reaches the test server over loopback, so the
// server sees a different client address (RemoteAddr) per client.
func fromAddr(env *testenv.Env, ip string) *testenv.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	jar, _ := cookiejar.New(nil)
	return &testenv.Client{URL: env.Server.URL + "/graphql", HTTP: &http.Client{
		Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
	}}
}

// httpResult is a GraphQL response with its HTTP status and headers.
type httpResult struct {
	testenv.Response
	Header http.Header
}

// send posts one operation as c and keeps the status and headers; it
// returns errors instead of failing, for use from goroutines.
func send(c *testenv.Client, query string, vars map[string]any) (httpResult, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return httpResult{}, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out httpResult
	if err := json.Unmarshal(raw, &out.Response); err != nil {
		return out, fmt.Errorf("status %d, not JSON: %s", res.StatusCode, raw)
	}
	out.Status, out.Header = res.StatusCode, res.Header
	return out, nil
}

func mustSend(t *testing.T, c *testenv.Client, query string, vars map[string]any) httpResult {
	t.Helper()
	r, err := send(c, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func signInVars(email, password, org string) map[string]any {
	v := map[string]any{"e": email, "p": password}
	if org != "" {
		v["o"] = org
	}
	return v
}

// code is the first error's extensions.code, or "" without errors.
func (r httpResult) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// retryAfter checks a refused answer: its HTTP status, its code, a
// positive extensions.retryAfterSeconds and the same Retry-After header;
// it returns the seconds.
func (r httpResult) retryAfter(t *testing.T, status int, code string) int {
	t.Helper()
	if r.Status != status || r.code() != code {
		t.Fatalf("want HTTP %d %s, got %d %+v", status, code, r.Status, r.Errors)
	}
	secs, ok := r.Errors[0].Extensions["retryAfterSeconds"].(float64)
	if !ok || secs < 1 || secs != float64(int(secs)) {
		t.Fatalf("retryAfterSeconds = %v", r.Errors[0].Extensions["retryAfterSeconds"])
	}
	if h := r.Header.Get("Retry-After"); h != strconv.Itoa(int(secs)) {
		t.Fatalf("Retry-After header %q, retryAfterSeconds %v", h, secs)
	}
	if string(r.Data) != "null" && len(r.Data) > 0 {
		t.Fatalf("a refused sign-in returned data: %s", r.Data)
	}
	return int(secs)
}

// signedIn tells whether c's session or token still stands.
func signedIn(t *testing.T, c *testenv.Client) bool {
	t.Helper()
	r := c.Do(t, qViewer, nil)
	if r.Status == http.StatusUnauthorized {
		return false
	}
	if len(r.Errors) > 0 {
		t.Fatalf("viewer: %+v", r.Errors)
	}
	var v struct{ Viewer *struct{ Role string } }
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v.Viewer != nil
}

// TestSignInThrottle: wrong passwords for one email from one address are
// free a few times, then answered TOO_MANY_REQUESTS (HTTP 429,
// Retry-After) without a password check — the right password too, so the
// throttle is no oracle. The same email from another address, and other
// emails, are unaffected; once the wait is over
// the right password signs in and forgets the failures. One address
// trying many emails is throttled as well.
func TestSignInThrottle(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "thr")
			attacker := fromAddr(env, "127.0.0.1")
			checks := func() int { return env.App.Auth.PasswordChecks().Total }

			wrong := func(c *testenv.Client, email string, i int) httpResult {
				t.Helper()
				return mustSend(t, c, qSignIn, signInVars(email, fmt.Sprintf("wrong password %d", i), ""))
			}
			for i := range 5 {
				if r := wrong(attacker, org.Admin.Email, i); r.Status != http.StatusOK || r.code() != "UNAUTHENTICATED" || r.Errors[0].Message != "wrong email or password" {
					t.Fatalf("free attempt %d: %d %+v", i+1, r.Status, r.Errors)
				}
			}
			before := checks()
			wait := wrong(attacker, org.Admin.Email, 5).retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
			right := mustSend(t, attacker, qSignIn, signInVars(org.Admin.Email, testenv.Password, ""))
			right.retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
			if n := checks() - before; n != 0 {
				t.Fatalf("%d password checks ran for throttled attempts", n)
			}
			// Only that address waits for that email: the owner signs in
			// from another (TestSignInOwnerNotLockedOut goes further).
			if r := mustSend(t, fromAddr(env, "127.0.0.3"), qSignIn, signInVars(org.Admin.Email, testenv.Password, "")); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("the right password from another address: %d %+v", r.Status, r.Errors)
			}
			if attacker.HTTP.Jar.Cookies(parseURL(t, env.Server.URL)) != nil {
				t.Fatal("a throttled sign-in set a cookie")
			}

			// Another email from another address signs in at once.
			other := fromAddr(env, "127.0.0.2")
			if r := mustSend(t, other, qSignIn, signInVars(org.Scheduler.Email, testenv.Password, "")); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("another email from another address: %d %+v", r.Status, r.Errors)
			}

			// After the wait the right password works, and the email's
			// failures are forgotten: five free attempts again.
			time.Sleep(time.Duration(wait) * time.Second)
			if r := mustSend(t, attacker, qSignIn, signInVars(org.Admin.Email, testenv.Password, "")); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("right password after the wait: %d %+v", r.Status, r.Errors)
			}
			attacker = fromAddr(env, "127.0.0.1") // signed out again
			for i := range 5 {
				if r := wrong(attacker, org.Admin.Email, i); r.code() != "UNAUTHENTICATED" {
					t.Fatalf("after a success, attempt %d: %d %+v", i+1, r.Status, r.Errors)
				}
			}
			wrong(attacker, org.Admin.Email, 5).retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")

			// One address guessing across emails: twenty free attempts,
			// then even a right password of another email waits.
			sprayer := fromAddr(env, "127.0.0.4")
			for i := range 20 {
				if r := wrong(sprayer, fmt.Sprintf("spray%d@nowhere.test", i), i); r.code() != "UNAUTHENTICATED" {
					t.Fatalf("spray attempt %d: %d %+v", i+1, r.Status, r.Errors)
				}
			}
			mustSend(t, sprayer, qSignIn, signInVars(org.Fieldworker.Email, testenv.Password, "")).
				retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
			if r := mustSend(t, fromAddr(env, "127.0.0.2"), qSignIn, signInVars(org.Fieldworker.Email, testenv.Password, "")); len(r.Errors) > 0 {
				t.Fatalf("the same email from another address: %+v", r.Errors)
			}
		})
	}
}

// TestPasswordCheckCap: a burst of sign-ins (each a different email from a
// different address, so the throttle stays out of it) never runs more
// argon2 checks at once than the cap; those that find the slots and the
// short queue full are answered HTTP 503 UNAVAILABLE with Retry-After, the
// others normally.
func TestPasswordCheckCap(t *testing.T) {
	// The cap defaults to GOMAXPROCS when the service starts: start it
	// with one, so the burst overflows the cap and its queue (4) on any
	// machine.
	prev := runtime.GOMAXPROCS(1)
	env := testenv.New(t, testenv.SQLite)
	runtime.GOMAXPROCS(prev)
	org := env.SeedOrg(t, "cap")
	if got := env.App.Auth.PasswordChecks().Limit; got != 1 {
		t.Fatalf("cap = %d, want GOMAXPROCS at start (1)", got)
	}

	const n = 40
	clients := make([]*testenv.Client, n)
	for i := range clients {
		clients[i] = fromAddr(env, fmt.Sprintf("127.0.1.%d", 10+i))
		// Connect first, so the sign-ins leave together.
		if signedIn(t, clients[i]) {
			t.Fatal("anonymous client is signed in")
		}
	}
	start := make(chan struct{})
	results := make([]httpResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			// Unknown emails: the dummy hash check is bounded too.
			results[i], errs[i] = send(clients[i], qSignIn, signInVars(fmt.Sprintf("flood%d@nowhere.test", i), "wrong password", ""))
		})
	}
	close(start)
	wg.Wait()

	busy, normal := 0, 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("sign-in %d: %v", i, errs[i])
		}
		switch {
		case r.Status == http.StatusServiceUnavailable:
			r.retryAfter(t, http.StatusServiceUnavailable, "UNAVAILABLE")
			busy++
		case r.Status == http.StatusOK && r.code() == "UNAUTHENTICATED":
			normal++
		default:
			t.Fatalf("sign-in %d: %d %+v", i, r.Status, r.Errors)
		}
	}
	st := env.App.Auth.PasswordChecks()
	t.Logf("%d sign-ins at once: %d answered, %d refused 503; cap %d, peak %d concurrent checks", n, normal, busy, st.Limit, st.Peak)
	if busy == 0 || normal == 0 {
		t.Fatalf("want some refused and some answered, got %d refused, %d answered", busy, normal)
	}
	if st.Peak > st.Limit || st.Peak < 1 {
		t.Fatalf("peak concurrent password checks %d, cap %d", st.Peak, st.Limit)
	}
	if st.Refused != busy || st.Total < normal {
		t.Fatalf("stats %+v for %d refused, %d answered", st, busy, normal)
	}
	// The slots are free again once the burst is over.
	if r := mustSend(t, clients[0], qSignIn, signInVars(org.Admin.Email, testenv.Password, "")); len(r.Errors) > 0 {
		t.Fatalf("sign-in after the burst: %+v", r.Errors)
	}
}

// TestSignInWithEmailInSeveralOrganizations: another organization's
// administrator creating an account with an existing email neither breaks
// its owner's sign-in nor tells anyone the email exists elsewhere: the
// password is checked first, and the organization is asked for only when
// the password opens accounts in several.
func TestSignInWithEmailInSeveralOrganizations(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			alpha := env.SeedOrg(t, "alpha")
			beta := env.SeedOrg(t, "beta")
			gamma := env.SeedOrg(t, "gamma")
			shared := alpha.Admin.Email
			const betaPassword = "beta chose this password"
			createUser := `mutation($in:CreateUserWithPasswordInput!){createUser(input:$in){id}}`
			env.SignIn(t, beta.Admin.Email, testenv.Password).MustDo(t, createUser, map[string]any{"in": map[string]any{
				"user": map[string]any{"name": "Copy", "email": shared, "role": "ADMIN"}, "password": betaPassword,
			}}, nil)

			slugOf := func(email, password, org string) string {
				t.Helper()
				var out struct {
					SignIn struct {
						Viewer struct{ Organization struct{ Slug string } }
					}
				}
				env.Anonymous().MustDo(t, qSignIn, signInVars(email, password, org), &out)
				return out.SignIn.Viewer.Organization.Slug
			}
			if got := slugOf(shared, testenv.Password, ""); got != "alpha" {
				t.Fatalf("alpha's admin signed in to %q", got)
			}
			if got := slugOf(shared, betaPassword, ""); got != "beta" {
				t.Fatalf("beta's account signed in to %q", got)
			}

			// A wrong password gets the same answer whether the email has
			// accounts in two organizations, one or none.
			var answers []string
			for i, email := range []string{shared, alpha.Scheduler.Email, "nobody@nowhere.test"} {
				r := mustSend(t, fromAddr(env, fmt.Sprintf("127.0.2.%d", i+1)), qSignIn, signInVars(email, "a wrong password", ""))
				if len(r.Errors) != 1 {
					t.Fatalf("%s: %+v", email, r.Errors)
				}
				answers = append(answers, fmt.Sprintf("%d %s %q", r.Status, r.code(), r.Errors[0].Message))
			}
			if answers[0] != answers[1] || answers[1] != answers[2] || answers[0] != `200 UNAUTHENTICATED "wrong email or password"` {
				t.Fatalf("wrong-password answers differ: %q", answers)
			}
			// So does a wrong organization.
			r := env.Anonymous().Do(t, qSignIn, signInVars(shared, testenv.Password, "beta"))
			if len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" || r.Errors[0].Message != "wrong email or password" {
				t.Fatalf("alpha's password with beta's slug: %+v", r.Errors)
			}

			// The same password in two organizations: the holder is asked
			// which, and signs in to either with its slug.
			env.SignIn(t, gamma.Admin.Email, testenv.Password).MustDo(t, createUser, map[string]any{"in": map[string]any{
				"user": map[string]any{"name": "Twin", "email": shared, "role": "FIELDWORKER"}, "password": testenv.Password,
			}}, nil)
			r = env.Anonymous().Do(t, qSignIn, signInVars(shared, testenv.Password, ""))
			if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Fatalf("password matching two organizations: %+v", r.Errors)
			}
			for _, slug := range []string{"alpha", "gamma"} {
				if got := slugOf(shared, testenv.Password, slug); got != slug {
					t.Fatalf("with slug %s: signed in to %q", slug, got)
				}
			}
			if got := slugOf(shared, betaPassword, ""); got != "beta" {
				t.Fatalf("beta's account, with a third account sharing the email: %q", got)
			}
		})
	}
}
