package graph_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"calsync/internal/testenv"
)

const qCreateUserWithPassword = `mutation($in:CreateUserWithPasswordInput!){createUser(input:$in){id}}`

// TestRefusedPasswordChangesHashNothing: a setPassword or createUser that
// is refused — anonymous, by someone who may not set that password, for a
// user that does not exist for the viewer, with a wrong current password
// — hashes no new password (no argon2 work beyond checking the current
// password); an allowed one hashes exactly once, inside the password cap.
func TestRefusedPasswordChangesHashNothing(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "hashless")
			other := env.SeedOrg(t, "elsewhere")
			stats := env.App.Auth.PasswordChecks
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			id := func(n int) string { return strconv.Itoa(n) }
			newUser := func(email string) map[string]any {
				return map[string]any{"in": map[string]any{
					"user": map[string]any{"name": "New", "email": email, "role": "FIELDWORKER"}, "password": "a long enough password",
				}}
			}

			refused := []struct {
				name, query string
				as          *testenv.Client
				vars        map[string]any
				code        string
				checks      int // current-password checks the refusal may cost
			}{
				{"anonymous setPassword", qSetPassword, env.Anonymous(),
					map[string]any{"id": id(org.Admin.ID), "pw": "taken over at last"}, "UNAUTHENTICATED", 0},
				{"anonymous setPassword with a current password", qSetPassword, env.Anonymous(),
					map[string]any{"id": id(org.Admin.ID), "pw": "taken over at last", "cur": "a guess at it"}, "UNAUTHENTICATED", 0},
				{"anonymous createUser", qCreateUserWithPassword, env.Anonymous(),
					newUser("intruder@hashless.test"), "UNAUTHENTICATED", 0},
				{"fieldworker sets the admin's password", qSetPassword, fw,
					map[string]any{"id": id(org.Admin.ID), "pw": "taken over at last"}, "FORBIDDEN", 0},
				{"fieldworker creates a user", qCreateUserWithPassword, fw,
					newUser("friend@hashless.test"), "FORBIDDEN", 0},
				{"admin resets a user of another organization", qSetPassword, admin,
					map[string]any{"id": id(other.Fieldworker.ID), "pw": "taken over at last"}, "NOT_FOUND", 0},
				{"admin resets a user that does not exist", qSetPassword, admin,
					map[string]any{"id": "987654", "pw": "taken over at last"}, "NOT_FOUND", 0},
				{"own password with a wrong current one", qSetPassword, fw,
					map[string]any{"id": id(org.Fieldworker.ID), "pw": "my next password", "cur": "not my password"}, "BAD_USER_INPUT", 1},
			}
			for _, c := range refused {
				before := stats()
				r := c.as.Do(t, c.query, c.vars)
				if len(r.Errors) == 0 || r.Errors[0].Code() != c.code {
					t.Fatalf("%s: want %s, got %d %+v", c.name, c.code, r.Status, r.Errors)
				}
				after := stats()
				if n := after.Hashes - before.Hashes; n != 0 {
					t.Fatalf("%s: %d new passwords hashed for a refused request", c.name, n)
				}
				if n := after.Total - before.Total; n != c.checks {
					t.Fatalf("%s: %d password checks, want %d", c.name, n, c.checks)
				}
			}
			if !signedIn(t, env.SignIn(t, org.Admin.Email, testenv.Password)) {
				t.Fatal("the admin's password was changed by a refused request")
			}

			// Allowed: one hash each, counted by the cap's meter.
			before := stats()
			admin.MustDo(t, qSetPassword, map[string]any{"id": id(org.Fieldworker2.ID), "pw": "reset by the administrator"}, nil)
			admin.MustDo(t, qCreateUserWithPassword, newUser("hired@hashless.test"), nil)
			fw.MustDo(t, qSetPassword, map[string]any{"id": id(org.Fieldworker.ID), "pw": "my next password", "cur": testenv.Password}, nil)
			after := stats()
			if n := after.Hashes - before.Hashes; n != 3 {
				t.Fatalf("%d new passwords hashed through the cap for three changes, want 3", n)
			}
			if n := after.Total - before.Total; n != 1 {
				t.Fatalf("%d password checks for one change of one's own password, want 1", n)
			}
			env.SignIn(t, org.Fieldworker2.Email, "reset by the administrator")
			env.SignIn(t, "hired@hashless.test", "a long enough password")
			env.SignIn(t, org.Fieldworker.Email, "my next password")
		})
	}
}

// TestPasswordHashesShareTheCheckCap: new passwords hashed by setPassword
// and createUser take the same slots as the password checks of sign-ins.
// In a burst of both, the argon2 computations running at once never
// exceed the cap; each hash is counted by the cap's meter, and a request
// that finds the slots and the short queue full is answered HTTP 503
// UNAVAILABLE with Retry-After instead of hashing outside the cap.
func TestPasswordHashesShareTheCheckCap(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			// The cap is GOMAXPROCS when the service starts: one slot, a
			// queue of four.
			prev := runtime.GOMAXPROCS(1)
			env := testenv.New(t, backend)
			runtime.GOMAXPROCS(prev)
			org := env.SeedOrg(t, "hashcap")
			if got := env.App.Auth.PasswordChecks().Limit; got != 1 {
				t.Fatalf("cap = %d, want 1", got)
			}
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			before := env.App.Auth.PasswordChecks()

			type job struct {
				c     *testenv.Client
				query string
				vars  map[string]any
				hash  bool
			}
			var jobs []job
			for i := range 6 {
				target := []int{org.Scheduler.ID, org.Fieldworker.ID, org.Fieldworker2.ID}[i%3]
				jobs = append(jobs, job{admin, qSetPassword, map[string]any{"id": strconv.Itoa(target), "pw": fmt.Sprintf("reset number %d here", i)}, true})
				jobs = append(jobs, job{admin, qCreateUserWithPassword, map[string]any{"in": map[string]any{
					"user": map[string]any{"name": "Burst", "email": fmt.Sprintf("burst%d@hashcap.test", i), "role": "FIELDWORKER"}, "password": "a long enough password",
				}}, true})
			}
			for i := range 24 {
				jobs = append(jobs, job{fromAddr(env, fmt.Sprintf("127.0.5.%d", 10+i)), qSignIn, signInVars(fmt.Sprintf("nobody%d@hashcap.test", i), "a wrong password", ""), false})
			}
			results := make([]httpResult, len(jobs))
			errs := make([]error, len(jobs))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, j := range jobs {
				wg.Go(func() {
					<-start
					results[i], errs[i] = send(j.c, j.query, j.vars)
				})
			}
			close(start)
			wg.Wait()

			hashed, busy := 0, 0
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("request %d: %v", i, errs[i])
				}
				switch {
				case r.Status == http.StatusServiceUnavailable:
					r.retryAfter(t, http.StatusServiceUnavailable, "UNAVAILABLE")
					busy++
				case jobs[i].hash && r.Status == http.StatusOK && len(r.Errors) == 0:
					hashed++
				case !jobs[i].hash && r.Status == http.StatusOK && r.code() == "UNAUTHENTICATED":
				default:
					t.Fatalf("request %d (%s): %d %+v", i, jobs[i].query, r.Status, r.Errors)
				}
			}
			st := env.App.Auth.PasswordChecks()
			t.Logf("%d requests at once: %d passwords hashed, %d refused 503; cap %d, peak %d", len(jobs), hashed, busy, st.Limit, st.Peak)
			if st.Peak > st.Limit {
				t.Fatalf("peak %d argon2 computations at once, cap %d", st.Peak, st.Limit)
			}
			if n := st.Hashes - before.Hashes; n != hashed {
				t.Fatalf("the cap's meter saw %d hashes, %d password changes succeeded", n, hashed)
			}
			// Under a loaded machine the burst may refuse every change; one
			// alone afterwards must go through, inside the cap.
			if r, err := send(admin, qSetPassword, map[string]any{"id": strconv.Itoa(org.Scheduler.ID), "pw": "one more reset here"}); err != nil || r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("a lone password change after the burst: %v %+v", err, r)
			}
			if n := env.App.Auth.PasswordChecks().Hashes - st.Hashes; n != 1 {
				t.Fatalf("the lone change hashed %d times", n)
			}
			if n := st.Refused - before.Refused; n != busy {
				t.Fatalf("the gate refused %d, %d requests answered 503", n, busy)
			}
			if st.Running != 0 {
				t.Fatalf("%d argon2 computations still running after the burst", st.Running)
			}
		})
	}
}
