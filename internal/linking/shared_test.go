package linking_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"calsync/ent/calendaraccount"
	"calsync/internal/linking/credentials"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestSharedAccountAndSecondaryCalendar: two fieldworkers link the same
// provider account (one account, two users); with SECONDARY destination a
// calendar named after the organization is created once; unlinking one
// user keeps the account for the other, and only the last one revokes.
func TestSharedAccountAndSecondaryCalendar(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "shr")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			if r := enable(t, admin, k.Provider, map[string]any{"destination": "SECONDARY"}); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			shared := "office@shr.test"
			k.AddAccount(t, env, shared)
			one := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			two := env.SignIn(t, org.Fieldworker2.Email, testenv.Password)
			for _, c := range []*testenv.Client{one, two} {
				if page := consent(t, env, k, testenv.NewBrowser(), startLink(t, c, k.Provider), shared, true); title(page) != "Calendar linked" {
					t.Fatalf("link: %q", title(page))
				}
			}
			sys := viewer.SystemContext(context.Background(), org.ID)
			db := env.App.Client()
			accts, err := db.CalendarAccount.Query().WithUsers().All(sys)
			if err != nil || len(accts) != 1 || len(accts[0].Edges.Users) != 2 {
				t.Fatalf("accounts: %+v %v", accts, err)
			}
			acct := accts[0]
			// Exactly one secondary calendar, named after the organization,
			// and it is the destination.
			var names []string
			var destName string
			if k.Provider == kits[0].Provider {
				cals, err := env.App.Emulators.Google.Calendars(shared)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cals {
					names = append(names, c.Summary)
					if c.ID == acct.DestinationCalendarID {
						destName = c.Summary
					}
				}
			} else {
				u, err := env.App.Emulators.Microsoft.User(shared)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range u.Calendars {
					names = append(names, c.Name)
					if c.ID == acct.DestinationCalendarID {
						destName = c.Name
					}
				}
			}
			if destName != "Org shr" || strings.Count(strings.Join(names, "|"), "Org shr") != 1 {
				t.Fatalf("calendars %v, destination %q", names, destName)
			}

			// The first user leaves: the account stays, tokens and all.
			one.MustDo(t, `mutation($p:Provider!){unlinkCalendar(provider:$p){status}}`, map[string]any{"p": string(k.Provider)}, nil)
			acct, _ = db.CalendarAccount.Get(sys, acct.ID)
			if acct.Status != calendaraccount.StatusACTIVE || len(acct.TokenEnc) == 0 {
				t.Fatalf("after first unlink: %s, token %d bytes", acct.Status, len(acct.TokenEnc))
			}
			ts, _ := env.App.Credentials.TokenSource(sys, acct)
			if _, err := ts.Token(); err != nil {
				t.Fatalf("token for the remaining user: %v", err)
			}
			// The last one leaves: disconnected, tokens gone.
			two.MustDo(t, `mutation($p:Provider!){unlinkCalendar(provider:$p){status}}`, map[string]any{"p": string(k.Provider)}, nil)
			acct, _ = db.CalendarAccount.Get(sys, acct.ID)
			if acct.Status != calendaraccount.StatusDISCONNECTED || len(acct.TokenEnc) != 0 {
				t.Fatalf("after last unlink: %s, token %d bytes", acct.Status, len(acct.TokenEnc))
			}
		})
	}
}

// TestConcurrentRefreshIsSerialized: two workers find the same Microsoft
// access token refused at once. Microsoft rotates the refresh token on
// every refresh (the redeemed one stays valid until revoked, so an
// unserialized refresh does not lose the link by itself); serialized, the
// second worker reads what the first stored instead of redeeming the
// refresh token again, so each round costs exactly one refresh at the
// token endpoint and the link stays active.
func TestConcurrentRefreshIsSerialized(t *testing.T) {
	k := kits[1]
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "conc")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	if r := enable(t, admin, k.Provider, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	k.AddAccount(t, env, org.Fieldworker.Email)
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	if page := consent(t, env, k, testenv.NewBrowser(), startLink(t, fw, k.Provider), org.Fieldworker.Email, true); title(page) != "Calendar linked" {
		t.Fatalf("link: %q", title(page))
	}
	sys := viewer.SystemContext(context.Background(), org.ID)
	acct, err := env.App.Client().CalendarAccount.Query().Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	app := platformApp(t, env, k.Provider)
	refreshes := func() int {
		n, err := env.App.Emulators.Microsoft.RefreshTokensIssued(org.Fieldworker.Email, app)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for round := range 3 {
		a, _ := env.App.Credentials.TokenSource(sys, acct)
		b, _ := env.App.Credentials.TokenSource(sys, acct)
		for _, ts := range []oauth2.TokenSource{a, b} {
			if _, err := ts.Token(); err != nil {
				t.Fatal(err)
			}
			ts.(credentials.Invalidator).Invalidate()
		}
		before := refreshes()
		errs := make(chan error, 2)
		for _, ts := range []oauth2.TokenSource{a, b} {
			go func() {
				_, err := ts.Token()
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: concurrent refresh: %v", round, err)
			}
		}
		if got := refreshes() - before; got != 1 {
			t.Fatalf("round %d: %d refreshes at the token endpoint, want 1", round, got)
		}
		acct, _ = env.App.Client().CalendarAccount.Get(sys, acct.ID)
		if acct.Status != calendaraccount.StatusACTIVE {
			t.Fatalf("round %d: account %s", round, acct.Status)
		}
	}
}
