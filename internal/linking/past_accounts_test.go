package linking_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/calendaraccount"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

type pastAccount struct {
	ID           string
	AccountEmail string
	Provider     string
	UnlinkedAt   *time.Time
	UnlinkedBy   *struct{ ID, Name string }
	Reason       string
	Account      *struct{ Status string }
}

const pastAccountFields = `id accountEmail provider unlinkedAt unlinkedBy{id name} reason account{status}`

func lastAccount(t *testing.T, c *testenv.Client, userID int, k providerKit) *pastAccount {
	t.Helper()
	var out struct {
		Node *struct{ LastCalendarAccount *pastAccount }
	}
	c.MustDo(t, `query($id:ID!,$p:Provider!){node(id:$id){... on User{lastCalendarAccount(provider:$p){`+pastAccountFields+`}}}}`,
		map[string]any{"id": strconv.Itoa(userID), "p": string(k.Provider)}, &out)
	if out.Node == nil {
		return nil
	}
	return out.Node.LastCalendarAccount
}

// TestPastAccountsStayInSight: after a fieldworker's link ends — unlinked
// by themself, by an administrator, replaced by another account, or by
// their deactivation — admins still see the account they were linked to
// (its email at the provider, when, by whom and why it ended, and the
// account as it is now) on the user. The account row itself stays, and
// the history is confined like the accounts: other organizations see
// nothing, fieldworkers only their own.
func TestPastAccountsStayInSight(t *testing.T) {
	for _, backend := range testenv.Backends() {
		for _, k := range kits {
			t.Run(string(backend)+"/"+string(k.Provider), func(t *testing.T) {
				env := testenv.New(t, backend)
				org := env.SeedOrg(t, "past")
				admin := env.SignIn(t, org.Admin.Email, testenv.Password)
				if r := enable(t, admin, k.Provider, map[string]any{"notifyFieldworkers": false}); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
				home, other := org.Fieldworker.Email, "second@past.test"
				k.AddAccount(t, env, home)
				k.AddAccount(t, env, other)
				link := func(email string) {
					t.Helper()
					if page := consent(t, env, k, testenv.NewBrowser(), startLink(t, fw, k.Provider), email, true); title(page) != "Calendar linked" {
						t.Fatalf("link %s: %d %q", email, page.Status, title(page))
					}
				}
				unlink := func(c *testenv.Client) {
					t.Helper()
					c.MustDo(t, `mutation($p:Provider!,$u:ID){unlinkCalendar(provider:$p,userId:$u){status}}`,
						map[string]any{"p": string(k.Provider), "u": strconv.Itoa(org.Fieldworker.ID)}, nil)
				}
				check := func(step, email, reason string, by int) {
					t.Helper()
					got := lastAccount(t, admin, org.Fieldworker.ID, k)
					switch {
					case got == nil:
						t.Fatalf("%s: no last account", step)
					case got.AccountEmail != email || got.Provider != string(k.Provider) || got.Reason != reason:
						t.Fatalf("%s: last account %s %s %s, want %s %s %s", step, got.AccountEmail, got.Provider, got.Reason, email, k.Provider, reason)
					case got.UnlinkedAt == nil || time.Since(*got.UnlinkedAt) > time.Minute:
						t.Fatalf("%s: unlinkedAt %v", step, got.UnlinkedAt)
					case got.UnlinkedBy == nil || got.UnlinkedBy.ID != strconv.Itoa(by):
						t.Fatalf("%s: unlinkedBy %+v, want user %d", step, got.UnlinkedBy, by)
					case got.Account == nil:
						t.Fatalf("%s: the account row is gone", step)
					}
				}
				if got := lastAccount(t, admin, org.Fieldworker.ID, k); got != nil {
					t.Fatalf("never linked, yet a last account: %+v", got)
				}

				link(home)
				unlink(fw)
				check("unlinked by the user", home, "UNLINKED_BY_USER", org.Fieldworker.ID)
				if got := lastAccount(t, admin, org.Fieldworker.ID, k); got.UnlinkedBy.Name != org.Fieldworker.Name || got.Account.Status != "DISCONNECTED" {
					t.Fatalf("unlinked by the user: %+v %+v", got.UnlinkedBy, got.Account)
				}

				link(home)
				unlink(admin)
				check("unlinked by an admin", home, "UNLINKED_BY_ADMIN", org.Admin.ID)

				link(home)
				link(other)
				check("replaced", home, "REPLACED", org.Fieldworker.ID)

				admin.MustDo(t, `mutation($id:ID!){deactivateUser(id:$id){active}}`, map[string]any{"id": strconv.Itoa(org.Fieldworker.ID)}, nil)
				check("deactivated", other, "DEACTIVATED", org.Admin.ID)

				// The whole history, newest first.
				var hist struct {
					Node struct {
						PastCalendarAccounts struct {
							TotalCount int
							Edges      []struct{ Node pastAccount }
						}
					}
				}
				admin.MustDo(t, `query($id:ID!){node(id:$id){... on User{pastCalendarAccounts(first:10,orderBy:{field:UNLINKED_AT,direction:DESC}){totalCount edges{node{`+pastAccountFields+`}}}}}}`,
					map[string]any{"id": strconv.Itoa(org.Fieldworker.ID)}, &hist)
				var reasons []string
				for _, e := range hist.Node.PastCalendarAccounts.Edges {
					reasons = append(reasons, e.Node.AccountEmail+" "+e.Node.Reason)
				}
				want := []string{other + " DEACTIVATED", home + " REPLACED", home + " UNLINKED_BY_ADMIN", home + " UNLINKED_BY_USER"}
				if hist.Node.PastCalendarAccounts.TotalCount != 4 || len(reasons) != 4 || reasons[0] != want[0] || reasons[1] != want[1] || reasons[2] != want[2] || reasons[3] != want[3] {
					t.Fatalf("history %d: %v, want %v", hist.Node.PastCalendarAccounts.TotalCount, reasons, want)
				}
				// Nothing the engine reads was deleted: both accounts are
				// still there, disconnected.
				sys := viewer.SystemContext(context.Background(), org.ID)
				accts, err := env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(k.Provider)).All(sys)
				if err != nil || len(accts) != 2 {
					t.Fatalf("accounts: %d %v", len(accts), err)
				}
				for _, a := range accts {
					if a.Status != calendaraccount.StatusDISCONNECTED {
						t.Fatalf("account %s: %s", a.AccountEmail, a.Status)
					}
				}

				// Confined like the accounts: another fieldworker sees none of
				// it, another organization cannot reach it at all.
				fw2 := env.SignIn(t, org.Fieldworker2.Email, testenv.Password)
				if got := lastAccount(t, fw2, org.Fieldworker.ID, k); got != nil {
					t.Fatalf("another fieldworker sees the last account: %+v", got)
				}
				pastID := hist.Node.PastCalendarAccounts.Edges[0].Node.ID
				if r := fw2.Do(t, `query($id:ID!){node(id:$id){... on PastCalendarAccount{accountEmail}}}`, map[string]any{"id": pastID}); strings.Contains(string(r.Data), "@past.test") || len(r.Errors) == 0 && string(r.Data) != `{"node":null}` {
					t.Fatalf("another fieldworker reads the record: %s", r.Data)
				}
				elsewhere := env.SeedOrg(t, "else")
				outsider := env.SignIn(t, elsewhere.Admin.Email, testenv.Password)
				r := outsider.Do(t, `query($id:ID!,$p:Provider!){node(id:$id){... on User{lastCalendarAccount(provider:$p){`+pastAccountFields+`}}}}`,
					map[string]any{"id": strconv.Itoa(org.Fieldworker.ID), "p": string(k.Provider)})
				if strings.Contains(string(r.Data), "@past.test") {
					t.Fatalf("another organization's admin sees the last account: %s", r.Data)
				}
				if r := outsider.Do(t, `query($id:ID!){node(id:$id){... on PastCalendarAccount{accountEmail}}}`, map[string]any{"id": pastID}); strings.Contains(string(r.Data), "@past.test") || len(r.Errors) == 0 && string(r.Data) != `{"node":null}` {
					t.Fatalf("another organization reads the record: %s %+v", r.Data, r.Errors)
				}
			})
		}
	}
}
