package graph_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/providerconfig"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestCalendarSyncQueryCount: calendarSync on a page of users costs the
// same number of SQL statements for 5 users as for 50, and each user still
// gets their own switch, account, action and latest invitation.
func TestCalendarSyncQueryCount(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "calsync")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			ctx := viewer.SystemContext(context.Background(), org.ID)
			db := env.App.Client()

			if err := db.ProviderConfig.Update().Where(providerconfig.ProviderEQ(domain.ProviderGoogle)).
				SetEnabled(true).SetUsersCanOverride(true).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			accounts := 0
			link := func(u *ent.User, status calendaraccount.Status) *ent.CalendarAccount {
				accounts++
				a, err := db.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail(fmt.Sprintf("%d.%s", accounts, u.Email)).
					SetCredentialMode(domain.CredentialPlatformApp).SetStatus(status).AddUsers(u).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			invite := func(u *ent.User, p domain.Provider, at time.Time) *ent.Invitation {
				inv, err := db.Invitation.Create().SetUserID(u.ID).SetProvider(p).SetTokenHash(fmt.Sprintf("h-%d-%s-%d", u.ID, p, at.Unix())).
					SetExpiresAt(at.Add(24 * time.Hour)).SetCreatedAt(at).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return inv
			}
			off := false
			// The seeded users: admin, scheduler and two fieldworkers.
			relink := link(org.Fieldworker, calendaraccount.StatusNEEDS_REAUTH)
			// An older account the user left: the newest one counts.
			link(org.Fieldworker2, calendaraccount.StatusDISCONNECTED)
			time.Sleep(10 * time.Millisecond)
			active := link(org.Fieldworker2, calendaraccount.StatusACTIVE)
			day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			invite(org.Scheduler, domain.ProviderGoogle, day)
			latest := invite(org.Scheduler, domain.ProviderGoogle, day.Add(time.Hour))
			invite(org.Scheduler, domain.ProviderMicrosoft, day.Add(2*time.Hour))
			if err := db.User.UpdateOne(org.Admin).SetGoogleSync(off).Exec(ctx); err != nil {
				t.Fatal(err)
			}

			type syncOut struct {
				Enabled        bool
				Reason         string
				Action         string
				Account        *struct{ ID string }
				LastInvitation *struct{ ID string }
			}
			var out struct {
				Users struct {
					Edges []struct {
						Node struct {
							ID           string
							CalendarSync syncOut
						}
					}
				}
			}
			counts := map[int]int{}
			have := 4
			for _, n := range []int{5, 50} {
				for i := have; i < n; i++ {
					u, err := db.User.Create().SetName(fmt.Sprintf("worker%d", i)).SetEmail(fmt.Sprintf("worker%d@calsync.test", i)).
						SetRole(viewer.RoleFieldworker).SetPasswordHash("x").Save(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if i%7 == 0 {
						link(u, calendaraccount.StatusACTIVE)
					}
				}
				have = n
				// Warm up: the first request of a session also records its
				// last use, which is not part of the page's cost.
				admin.MustDo(t, `{viewer{role}}`, nil, nil)
				env.Queries.Reset()
				admin.MustDo(t, `{users(first:50){edges{node{id calendarSync(provider:GOOGLE){enabled reason action account{id} lastInvitation{id}}}}}}`, nil, &out)
				if len(out.Users.Edges) != n {
					t.Fatalf("got %d users, want %d", len(out.Users.Edges), n)
				}
				counts[n] = env.Queries.Count()
			}
			t.Logf("SQL statements for calendarSync on a page of users: 5 → %d, 50 → %d", counts[5], counts[50])
			if counts[5] != counts[50] {
				t.Fatalf("SQL statements grow with the number of users: 5 users → %d, 50 → %d", counts[5], counts[50])
			}
			// Session lookup (+ last use), the page, provider configurations,
			// accounts, invitations.
			if counts[50] > 6 {
				t.Fatalf("calendarSync on 50 users cost %d SQL statements; want at most 6", counts[50])
			}
			// Both providers in one batch: the same statements as one.
			env.Queries.Reset()
			admin.MustDo(t, `{users(first:50){edges{node{id calendarSyncs{provider enabled}}}}}`, nil, nil)
			if n := env.Queries.Count(); n > counts[50] {
				t.Fatalf("calendarSyncs on 50 users cost %d SQL statements; calendarSync cost %d", n, counts[50])
			}
			// Asked through a fragment on the node: the same.
			env.Queries.Reset()
			admin.MustDo(t, `{users(first:50){edges{node{id ... on User{calendarSync(provider:GOOGLE){enabled}}}}}}`, nil, nil)
			if n := env.Queries.Count(); n > counts[50] {
				t.Fatalf("calendarSync in a fragment on 50 users cost %d SQL statements; without, %d", n, counts[50])
			}

			got := map[int]syncOut{}
			for _, e := range out.Users.Edges {
				id, _ := strconv.Atoi(e.Node.ID)
				got[id] = e.Node.CalendarSync
			}
			id := func(x int) *struct{ ID string } { return &struct{ ID string }{strconv.Itoa(x)} }
			for _, c := range []struct {
				name string
				user *ent.User
				want syncOut
			}{
				{"own choice off", org.Admin, syncOut{Enabled: false, Reason: "USER_CHOICE", Action: "NONE"}},
				{"latest invitation", org.Scheduler, syncOut{Enabled: true, Reason: "ORGANIZATION", Action: "LINK", LastInvitation: id(latest.ID)}},
				{"needs reauth", org.Fieldworker, syncOut{Enabled: true, Reason: "ORGANIZATION", Action: "RELINK", Account: id(relink.ID)}},
				{"newest account", org.Fieldworker2, syncOut{Enabled: true, Reason: "ORGANIZATION", Action: "NONE", Account: id(active.ID)}},
			} {
				g, ok := got[c.user.ID]
				if !ok {
					t.Fatalf("%s: user %d missing from the page", c.name, c.user.ID)
				}
				if fmt.Sprint(g.Enabled, g.Reason, g.Action) != fmt.Sprint(c.want.Enabled, c.want.Reason, c.want.Action) ||
					fmt.Sprint(deref(g.Account)) != fmt.Sprint(deref(c.want.Account)) ||
					fmt.Sprint(deref(g.LastInvitation)) != fmt.Sprint(deref(c.want.LastInvitation)) {
					t.Errorf("%s: calendarSync = %+v account %v invitation %v, want %+v account %v invitation %v", c.name,
						g, deref(g.Account), deref(g.LastInvitation), c.want, deref(c.want.Account), deref(c.want.LastInvitation))
				}
			}
		})
	}
}

func deref(p *struct{ ID string }) string {
	if p == nil {
		return "none"
	}
	return p.ID
}
