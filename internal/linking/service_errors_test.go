package linking_test

import (
	"context"
	"strconv"
	"testing"

	"calsync/ent/emailmessage"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// serviceAccountSettings sets up service-account access at the emulator
// for the Workspace domain / tenant dom and returns the settings that
// select it. Only the emails in members get a user there.
func serviceAccountSettings(t *testing.T, env *testenv.Env, k providerKit, dom string, members ...string) map[string]any {
	t.Helper()
	settings := map[string]any{"credentialMode": "SERVICE_ACCOUNT"}
	if k.Provider == domain.ProviderGoogle {
		for _, m := range members {
			if _, err := env.App.Emulators.Google.CreateAccount(gcal.Account{Email: m, Domain: dom}); err != nil {
				t.Fatal(err)
			}
		}
		key, err := env.App.Emulators.Google.CreateServiceAccount(gcal.ServiceAccountSpec{Name: "calsync-sync", Domain: dom, Scopes: []string{"https://www.googleapis.com/auth/calendar"}}, env.Server.URL)
		if err != nil {
			t.Fatal(err)
		}
		settings["serviceAccountKey"] = string(key)
		return settings
	}
	em := env.App.Emulators.Microsoft
	tenant, err := em.CreateTenant(outlook.TenantSpec{Domain: dom, DisplayName: "Svc Org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := em.CreateUser(outlook.UserSpec{UserPrincipalName: m, Tenant: tenant.ID}); err != nil {
			t.Fatal(err)
		}
	}
	app, err := em.RegisterApp(outlook.AppSpec{ClientSecret: "app-only-secret", DisplayName: "Calsync SA", Tenant: tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := em.GrantAppPermissions(tenant.ID, app.ClientID, []string{"Calendars.ReadWrite"}); err != nil {
		t.Fatal(err)
	}
	settings["tenantId"], settings["clientId"], settings["clientSecret"] = tenant.ID, app.ClientID, "app-only-secret"
	return settings
}

type serviceSyncResults struct {
	EnableServiceAccountSync []struct {
		User    struct{ ID string }
		Account *struct{ Status string }
		Error   *string
	}
}

// TestServiceAccountErrorsSpeakAdminLanguage (Severa): enabling
// service-account sync for a user the provider does not know reports one
// sentence in the admin's words — no error chain, URLs or OAuth jargon —
// while the user it does know is linked. Service-account mode sends no
// authorization emails: there is no consent.
func TestServiceAccountErrorsSpeakAdminLanguage(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "sae")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			if r := enable(t, admin, k.Provider, serviceAccountSettings(t, env, k, "sae.test", org.Fieldworker.Email)); len(r.Errors) > 0 {
				t.Fatalf("service account: %+v", r.Errors)
			}
			var res serviceSyncResults
			admin.MustDo(t, `mutation($p:Provider!,$u:[ID!]){enableServiceAccountSync(provider:$p,userIds:$u){user{id} account{status} error}}`,
				map[string]any{"p": string(k.Provider), "u": []string{strconv.Itoa(org.Fieldworker.ID), strconv.Itoa(org.Fieldworker2.ID)}}, &res)
			got := res.EnableServiceAccountSync
			if len(got) != 2 {
				t.Fatalf("results: %+v", got)
			}
			if got[0].Error != nil || got[0].Account == nil || got[0].Account.Status != "ACTIVE" {
				t.Fatalf("known user: %+v", got[0])
			}
			want := "Google has no user fieldworker2@sae.test in this Workspace (the email must be the same in both systems)"
			if k.Provider == domain.ProviderMicrosoft {
				want = "Microsoft has no user fieldworker2@sae.test in this tenant (the email must be the same in both systems)"
			}
			if got[1].Account != nil || got[1].Error == nil || *got[1].Error != want {
				msg := "<nil>"
				if got[1].Error != nil {
					msg = *got[1].Error
				}
				t.Fatalf("unknown user:\n got  %q\n want %q", msg, want)
			}
			sys := viewer.SystemContext(context.Background(), org.ID)
			if n, _ := env.App.Client().EmailMessage.Query().Where(emailmessage.Kind("authorization")).Count(sys); n != 0 {
				t.Fatalf("service-account mode sent %d authorization emails", n)
			}
		})
	}
}

// TestServiceAccountNotDelegatedMessage: a Workspace user outside the
// domain the service account's delegation covers gets a sentence naming
// what the admin must fix, not the token endpoint's answer.
func TestServiceAccountNotDelegatedMessage(t *testing.T) {
	k := kits[0]
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "sad")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	if r := enable(t, admin, k.Provider, serviceAccountSettings(t, env, k, "other.test")); len(r.Errors) > 0 {
		t.Fatalf("service account: %+v", r.Errors)
	}
	if _, err := env.App.Emulators.Google.CreateAccount(gcal.Account{Email: org.Fieldworker.Email, Domain: "sad.test"}); err != nil {
		t.Fatal(err)
	}
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	var res serviceSyncResults
	fw.MustDo(t, `mutation($p:Provider!){enableServiceAccountSync(provider:$p){user{id} account{status} error}}`, map[string]any{"p": string(k.Provider)}, &res)
	got := res.EnableServiceAccountSync
	want := "Google does not let the service account act for fieldworker@sad.test (domain-wide delegation must cover this user's domain and the calendar scope)"
	if len(got) != 1 || got[0].Account != nil || got[0].Error == nil || *got[0].Error != want {
		msg := "<nil>"
		if len(got) == 1 && got[0].Error != nil {
			msg = *got[0].Error
		}
		t.Fatalf("user outside the delegated domain (%d results):\n got  %q\n want %q", len(got), msg, want)
	}
}

// TestRefusedCredentialsMessage: a private app whose secret the provider
// refuses is reported in one sentence naming what to check, not the token
// endpoint's answer.
func TestRefusedCredentialsMessage(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "rcm")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			settings := registerPrivateApp(t, env, k)
			settings["clientSecret"] = "not-the-secret"
			r := enable(t, admin, k.Provider, settings)
			want := "clientSecret: " + k.Provider.DisplayName() + " refused this client id and secret: check that they are current and copied whole"
			if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Message != want {
				t.Fatalf("refused secret: %+v\nwant %q", r.Errors, want)
			}
		})
	}
}
