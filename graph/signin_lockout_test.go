package graph_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"calsync/internal/config"
	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
)

// TestSignInOwnerNotLockedOut: an attacker failing again and again at one
// email from one address is throttled there (the right password too, so
// the throttle tells nothing), but cannot lock the owner out: the owner
// signs in from another address — one never used before — at once, and
// that does not lift the attacker's wait.
func TestSignInOwnerNotLockedOut(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			// Waits of at most a second, so the attacker can keep failing;
			// the throttle's clock is the test's, so a slow machine (each
			// guess checks a password) cannot let a wait run out early.
			clock := emucore.NewFakeClock(time.Now())
			env := testenv.NewClocked(t, backend, clock.Now, func(c *config.Config) { c.SignInMaxDelay = time.Second })
			org := env.SeedOrg(t, "lockout")
			email := org.Admin.Email
			attacker := fromAddr(env, "127.0.0.8")
			guess := func(i int) httpResult {
				t.Helper()
				return mustSend(t, attacker, qSignIn, signInVars(email, fmt.Sprintf("guess number %d", i), ""))
			}
			failures := 0
			for failures < 5 {
				if r := guess(failures); r.code() != "UNAUTHENTICATED" {
					t.Fatalf("free guess %d: %d %+v", failures+1, r.Status, r.Errors)
				}
				failures++
			}
			for range 4 {
				wait := guess(failures).retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
				clock.Advance(time.Duration(wait) * time.Second)
				if r := guess(failures); r.code() != "UNAUTHENTICATED" {
					t.Fatalf("guess %d after the wait: %d %+v", failures+1, r.Status, r.Errors)
				}
				failures++
			}
			mustSend(t, attacker, qSignIn, signInVars(email, testenv.Password, "")).
				retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")

			owner := fromAddr(env, "127.0.0.9")
			if r := mustSend(t, owner, qSignIn, signInVars(email, testenv.Password, "")); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("the owner after %d failures elsewhere: %d %+v", failures, r.Status, r.Errors)
			}
			if !signedIn(t, owner) {
				t.Fatal("the owner's sign-in opened no session")
			}
			guess(failures).retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS")
		})
	}
}

// TestSignInDistributedGuessingSlowed: guessing one email from many
// addresses, each within its own free attempts, is stopped once the
// email's budget (100 failures an hour) is spent: every further attempt,
// the right password too, waits — without a password check — except from
// an address the owner signed in from before. Other emails are unaffected.
func TestSignInDistributedGuessingSlowed(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "spread")
			email := org.Fieldworker.Email
			home := fromAddr(env, "127.0.6.1")
			if r := mustSend(t, home, qSignIn, signInVars(email, testenv.Password, "")); len(r.Errors) > 0 {
				t.Fatalf("the owner at home: %+v", r.Errors)
			}

			// 20 addresses, 5 guesses each: 100 failures, none throttled.
			for a := range 20 {
				bot := fromAddr(env, fmt.Sprintf("127.0.7.%d", a+1))
				for i := range 5 {
					r := mustSend(t, bot, qSignIn, signInVars(email, fmt.Sprintf("guess %d-%d", a, i), ""))
					if r.Status != http.StatusOK || r.code() != "UNAUTHENTICATED" {
						t.Fatalf("address %d guess %d: %d %+v", a+1, i+1, r.Status, r.Errors)
					}
				}
			}

			checks := env.App.Auth.PasswordChecks().Total
			for i, c := range []struct{ addr, password string }{
				{"127.0.8.1", "one more guess"},
				{"127.0.8.2", testenv.Password},
				{"127.0.7.1", testenv.Password},
			} {
				r := mustSend(t, fromAddr(env, c.addr), qSignIn, signInVars(email, c.password, ""))
				if secs := r.retryAfter(t, http.StatusTooManyRequests, "TOO_MANY_REQUESTS"); secs > 3600 {
					t.Fatalf("attempt %d: wait %d s, longer than the budget's hour", i+1, secs)
				}
			}
			if n := env.App.Auth.PasswordChecks().Total - checks; n != 0 {
				t.Fatalf("%d password checks ran for attempts past the budget", n)
			}

			if r := mustSend(t, fromAddr(env, "127.0.6.1"), qSignIn, signInVars(email, testenv.Password, "")); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("the owner from a known address: %d %+v", r.Status, r.Errors)
			}
			if r := mustSend(t, fromAddr(env, "127.0.8.3"), qSignIn, signInVars(org.Scheduler.Email, testenv.Password, "")); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("another email: %d %+v", r.Status, r.Errors)
			}
		})
	}
}
