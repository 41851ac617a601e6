package app_test

import (
	"context"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/syncrun"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// linked is an organization whose fieldworker has linked one provider's
// calendar, after its initial sync (so what a test does next is pushed by
// incremental syncs of its own).
type linked struct {
	org   testenv.Org
	admin *testenv.Client
	acct  *ent.CalendarAccount
	sys   context.Context
}

// linkFieldworker enables kit's provider for a new organization, links
// its fieldworker's calendar through consent and waits for the initial
// sync.
func linkFieldworker(t *testing.T, env *testenv.Env, kit testenv.ProviderKit, slug string) linked {
	t.Helper()
	org := env.SeedOrg(t, slug)
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	admin.MustDo(t, `mutation($p:Provider!){updateProviderConfig(input:{provider:$p,enabled:true}){id}}`, map[string]any{"p": string(kit.Provider)}, nil)
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	kit.Link(t, env, fw, org.Fieldworker.Email)
	sys := viewer.SystemContext(context.Background(), org.ID)
	acct, err := env.App.Client().CalendarAccount.Query().Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		n, err := env.App.Client().SyncRun.Query().Where(syncrun.KindEQ(syncrun.KindINITIAL), syncrun.StateEQ(syncrun.StateSUCCEEDED)).Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no initial sync after 15 s")
		}
	}
	return linked{org: org, admin: admin, acct: acct, sys: sys}
}
