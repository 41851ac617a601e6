package graph_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"calsync/internal/testenv"
)

const qSetPassword = `mutation($id:ID!,$pw:String!,$cur:String){setPassword(input:{userId:$id,password:$pw,currentPassword:$cur})}`

// TestPasswordChangeRevokesOtherSessions: changing one's own password
// needs the current one and ends every other session, bearer token and
// open subscription of the user, keeping the session that made the
// change; an administrator's reset needs no current password and ends
// all of them.
func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "pw")
			fw := strconv.Itoa(org.Fieldworker.ID)
			laptop := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			tablet := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			var tok struct{ CreateBearerToken struct{ Token string } }
			laptop.MustDo(t, `mutation{createBearerToken(input:{name:"Phone"}){token}}`, nil, &tok)
			phone := env.Anonymous()
			phone.Bearer = tok.CreateBearerToken.Token
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			next := env.Subscribe(t, tablet, `subscription{bookingChanged{kind}}`, nil)
			create := func(title string) {
				t.Helper()
				admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
					"title": title, "startAt": "2030-03-01T10:00:00Z", "endAt": "2030-03-01T11:00:00Z", "hostIDs": []string{fw},
				}}, nil)
			}
			create("before")
			if m := next(5 * time.Second); m == nil || m["type"] != "next" {
				t.Fatalf("no event before the change: %v", m)
			}

			// Without the current password, or with a wrong one: refused,
			// and nothing is revoked.
			const newPassword = "a brand new passphrase"
			for _, cur := range []any{nil, "", "not my password at all"} {
				r := laptop.Do(t, qSetPassword, map[string]any{"id": fw, "pw": newPassword, "cur": cur})
				if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "currentPassword" {
					t.Fatalf("setPassword with current %v: %+v", cur, r.Errors)
				}
			}
			for name, c := range map[string]*testenv.Client{"laptop": laptop, "tablet": tablet, "phone": phone} {
				if !signedIn(t, c) {
					t.Fatalf("%s signed out by a refused password change", name)
				}
			}

			var ok struct{ SetPassword bool }
			laptop.MustDo(t, qSetPassword, map[string]any{"id": fw, "pw": newPassword, "cur": testenv.Password}, &ok)
			if !ok.SetPassword {
				t.Fatal("setPassword returned false")
			}
			if !signedIn(t, laptop) {
				t.Fatal("the session that changed the password was ended")
			}
			if signedIn(t, tablet) {
				t.Fatal("another session survived the password change")
			}
			if r := phone.Do(t, qViewer, nil); r.Status != http.StatusUnauthorized {
				t.Fatalf("bearer token after the password change: %d %+v", r.Status, r.Errors)
			}
			create("after")
			if m := next(5 * time.Second); m == nil || m["type"] != "complete" {
				t.Fatalf("the other session's subscription went on: %v", m)
			}
			if r := env.Anonymous().Do(t, qSignIn, signInVars(org.Fieldworker.Email, testenv.Password, "")); r.Errors == nil {
				t.Fatal("the old password still signs in")
			}
			desk := env.SignIn(t, org.Fieldworker.Email, newPassword)

			// An administrator's reset: no current password, every session
			// of the user ends, the administrator's own stays.
			admin.MustDo(t, qSetPassword, map[string]any{"id": fw, "pw": "reset by the administrator"}, &ok)
			for name, c := range map[string]*testenv.Client{"laptop": laptop, "desk": desk} {
				if signedIn(t, c) {
					t.Fatalf("%s survived the administrator's reset", name)
				}
			}
			if !signedIn(t, admin) {
				t.Fatal("the administrator was signed out by resetting someone's password")
			}
			env.SignIn(t, org.Fieldworker.Email, "reset by the administrator")
			// Administrators give their current password for their own.
			if r := admin.Do(t, qSetPassword, map[string]any{"id": strconv.Itoa(org.Admin.ID), "pw": newPassword}); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Fatalf("administrator's own password without the current one: %+v", r.Errors)
			}
		})
	}
}
