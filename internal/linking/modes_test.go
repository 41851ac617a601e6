package linking_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"calsync/ent/calendaraccount"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// TestPrivateApp: an organization's own OAuth client is checked against
// the provider before it is stored (encrypted, never returned), and links
// go through it.
func TestPrivateApp(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "priv")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			k.AddAccount(t, env, org.Fieldworker.Email)
			redirect := env.Server.URL + "/oauth/" + strings.ToLower(string(k.Provider)) + "/callback"
			clientID, secret := "org-private-app", "private-secret-1"
			if k.Provider == domain.ProviderGoogle {
				if err := env.App.Emulators.Google.RegisterClient(gcal.Client{ClientID: clientID, ClientSecret: secret, Name: "Priv Org Calendar", RedirectURIs: []string{redirect}}); err != nil {
					t.Fatal(err)
				}
			} else {
				app, err := env.App.Emulators.Microsoft.RegisterApp(outlook.AppSpec{ClientSecret: secret, DisplayName: "Priv Org Calendar", RedirectURIs: []string{redirect}})
				if err != nil {
					t.Fatal(err)
				}
				clientID = app.ClientID
			}
			private := map[string]any{"credentialMode": "PRIVATE_APP", "clientId": clientID}
			// Missing secret, then a wrong one: refused, nothing stored.
			if r := enable(t, admin, k.Provider, private); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Fatalf("private app without secret: %+v", r)
			}
			private["clientSecret"] = "wrong"
			r := enable(t, admin, k.Provider, private)
			if len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "refused") {
				t.Fatalf("wrong secret: %+v", r)
			}
			sys := viewer.SystemContext(context.Background(), org.ID)
			if pc, _ := env.App.Credentials.Config(sys, k.Provider); pc.Enabled || pc.CredentialMode != domain.CredentialPlatformApp {
				t.Fatalf("a refused configuration was stored: %+v", pc)
			}
			private["clientSecret"] = secret
			r = enable(t, admin, k.Provider, private)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"hasClientSecret":true`) || strings.Contains(string(r.Data), secret) {
				t.Fatalf("good private app: %+v %s", r.Errors, r.Data)
			}
			var tc struct{ TestProviderConnection struct{ Ok bool } }
			admin.MustDo(t, `mutation($p:Provider!){testProviderConnection(provider:$p){ok message}}`, map[string]any{"p": string(k.Provider)}, &tc)
			if !tc.TestProviderConnection.Ok {
				t.Fatal("test connection failed for a good private app")
			}
			// The consent names the organization's app, and the link works.
			b := testenv.NewBrowser()
			start := b.Get(t, startLink(t, fw, k.Provider))
			if !strings.Contains(start.Body, org.Fieldworker.Name) || !strings.Contains(start.Body, "Org priv") {
				t.Fatalf("start page does not say whose calendar: %s", start.Body)
			}
			provider := b.Submit(t, start, start.Forms[0], "", "")
			if !strings.Contains(provider.URL.RawQuery, url.QueryEscape(clientID)) || !strings.Contains(provider.Body, "Priv Org Calendar") {
				t.Fatalf("consent does not use the private app: %s", provider.URL)
			}
			f := provider.Forms[0]
			button, value := k.Fill(t, env, f, org.Fieldworker.Email, true)
			if page := b.Submit(t, provider, f, button, value); title(page) != "Calendar linked" {
				t.Fatalf("link through private app: %q", title(page))
			}
			acct, err := env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(k.Provider)).Only(sys)
			if err != nil || acct.CredentialMode != domain.CredentialPrivateApp {
				t.Fatalf("account: %+v %v", acct, err)
			}
		})
	}
}

// TestServiceAccount: no consent; each user turns sync on for themself and
// Calsync impersonates their email; an unknown email is reported per user.
func TestServiceAccount(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "sa")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			settings := map[string]any{"credentialMode": "SERVICE_ACCOUNT"}
			if k.Provider == domain.ProviderGoogle {
				// Fieldworker has a Workspace account in sa.test; Fieldworker2 has none.
				if _, err := env.App.Emulators.Google.CreateAccount(gcal.Account{Email: org.Fieldworker.Email, Domain: "sa.test"}); err != nil {
					t.Fatal(err)
				}
				key, err := env.App.Emulators.Google.CreateServiceAccount(gcal.ServiceAccountSpec{Name: "calsync-sync", Domain: "sa.test", Scopes: []string{"https://www.googleapis.com/auth/calendar"}}, env.Server.URL)
				if err != nil {
					t.Fatal(err)
				}
				if r := enable(t, admin, k.Provider, map[string]any{"credentialMode": "SERVICE_ACCOUNT", "serviceAccountKey": `{"type":"service_account"}`}); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Fatalf("broken key accepted: %+v", r)
				}
				settings["serviceAccountKey"] = string(key)
			} else {
				em := env.App.Emulators.Microsoft
				tenant, err := em.CreateTenant(outlook.TenantSpec{Domain: "sa.test", DisplayName: "SA Org"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := em.CreateUser(outlook.UserSpec{UserPrincipalName: org.Fieldworker.Email, Tenant: tenant.ID}); err != nil {
					t.Fatal(err)
				}
				app, err := em.RegisterApp(outlook.AppSpec{ClientSecret: "app-only-secret", DisplayName: "Calsync SA", Tenant: tenant.ID})
				if err != nil {
					t.Fatal(err)
				}
				settings["tenantId"], settings["clientId"], settings["clientSecret"] = tenant.ID, app.ClientID, "wrong"
				if r := enable(t, admin, k.Provider, settings); len(r.Errors) == 0 || r.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Fatalf("wrong app secret accepted: %+v", r)
				}
				settings["clientSecret"] = "app-only-secret"
				if r := enable(t, admin, k.Provider, settings); len(r.Errors) == 0 {
					t.Fatal("app without application permission accepted")
				}
				if err := em.GrantAppPermissions(tenant.ID, app.ClientID, []string{"Calendars.ReadWrite"}); err != nil {
					t.Fatal(err)
				}
			}
			if r := enable(t, admin, k.Provider, settings); len(r.Errors) > 0 {
				t.Fatalf("service account: %+v", r.Errors)
			}
			if s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider); s.Action != "ENABLE_SERVICE_SYNC" {
				t.Fatalf("action: %+v", s)
			}
			// No consent URL in this mode.
			if r := fw.Do(t, `mutation($p:Provider!){startCalendarLink(provider:$p){url}}`, map[string]any{"p": string(k.Provider)}); len(r.Errors) == 0 {
				t.Fatal("consent offered in service-account mode")
			}
			var res struct {
				EnableServiceAccountSync []struct {
					User    struct{ ID string }
					Account *struct{ Status, AccountEmail string }
					Error   *string
				}
			}
			fw.MustDo(t, `mutation($p:Provider!){enableServiceAccountSync(provider:$p){user{id} account{status accountEmail} error}}`, map[string]any{"p": string(k.Provider)}, &res)
			if got := res.EnableServiceAccountSync; len(got) != 1 || got[0].Error != nil || got[0].Account == nil || got[0].Account.Status != "ACTIVE" {
				if len(got) == 1 && got[0].Error != nil {
					t.Logf("error: %s", *got[0].Error)
				}
				t.Fatalf("self enable: %+v", got)
			}
			// A user the provider does not know: reported, nothing stored.
			admin.MustDo(t, `mutation($p:Provider!,$u:[ID!]){enableServiceAccountSync(provider:$p,userIds:$u){user{id} account{status} error}}`,
				map[string]any{"p": string(k.Provider), "u": []string{strconv.Itoa(org.Fieldworker2.ID)}}, &res)
			if got := res.EnableServiceAccountSync; len(got) != 1 || got[0].Error == nil || got[0].Account != nil || !strings.Contains(*got[0].Error, org.Fieldworker2.Email) {
				t.Fatalf("unknown user: %+v", got)
			}
			sys := viewer.SystemContext(context.Background(), org.ID)
			if n, _ := env.App.Client().CalendarAccount.Query().Count(sys); n != 1 {
				t.Fatalf("accounts: %d", n)
			}
			// Test connection uses the stored, encrypted credentials.
			var tc struct{ TestProviderConnection struct{ Ok bool } }
			admin.MustDo(t, `mutation($p:Provider!){testProviderConnection(provider:$p){ok}}`, map[string]any{"p": string(k.Provider)}, &tc)
			if !tc.TestProviderConnection.Ok {
				t.Fatal("test connection failed")
			}
		})
	}
}

// TestOverrideMatrix runs SecureVideo's switches through the API: the
// organization's switch, "can users override?", the user's own choice and
// an administrator's choice for one user.
func TestOverrideMatrix(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "mx")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	p := domain.ProviderGoogle
	set := func(c *testenv.Client, v any) testenv.Response {
		return c.Do(t, `mutation($u:ID!,$p:Provider!,$v:Boolean){setCalendarSync(userId:$u,provider:$p,enabled:$v){id}}`,
			map[string]any{"u": strconv.Itoa(org.Fieldworker.ID), "p": string(p), "v": v})
	}
	for _, orgOn := range []bool{true, false} {
		for _, override := range []bool{true, false} {
			admin.MustDo(t, `mutation($in:UpdateProviderConfigInput!){updateProviderConfig(input:$in){id}}`,
				map[string]any{"in": map[string]any{"provider": "GOOGLE", "enabled": orgOn, "usersCanOverride": override}}, nil)
			for _, c := range []struct {
				name       string
				admin      bool
				value      any
				wantOn     bool
				wantReason string
				denied     bool
			}{
				{"follow organization", true, nil, orgOn, "ORGANIZATION", false},
				{"user turns on", false, true, map[bool]bool{true: true, false: orgOn}[override], map[bool]string{true: "USER_CHOICE", false: "ORGANIZATION"}[override], !override},
				{"user turns off", false, false, map[bool]bool{true: false, false: orgOn}[override], map[bool]string{true: "USER_CHOICE", false: "ORGANIZATION"}[override], !override},
				{"admin turns on", true, true, true, "ADMIN_CHOICE", false},
				{"user cannot undo admin", false, false, true, "ADMIN_CHOICE", true},
				{"admin turns off", true, false, false, "ADMIN_CHOICE", false},
				{"admin clears", true, nil, orgOn, "ORGANIZATION", false},
			} {
				who := fw
				if c.admin {
					who = admin
				}
				r := set(who, c.value)
				if c.denied != (len(r.Errors) > 0) {
					t.Fatalf("org=%v override=%v %s: errors %+v", orgOn, override, c.name, r.Errors)
				}
				if c.denied && r.Errors[0].Code() != "FORBIDDEN" {
					t.Fatalf("%s: code %s", c.name, r.Errors[0].Code())
				}
				s := calendarSync(t, fw, org.Fieldworker.ID, p)
				if s.Enabled != c.wantOn || s.Reason != c.wantReason {
					t.Fatalf("org=%v override=%v %s: got %v/%s, want %v/%s", orgOn, override, c.name, s.Enabled, s.Reason, c.wantOn, c.wantReason)
				}
			}
		}
	}
	// A fieldworker cannot set another user's switch.
	r := fw.Do(t, `mutation($u:ID!){setCalendarSync(userId:$u,provider:GOOGLE,enabled:true){id}}`, map[string]any{"u": strconv.Itoa(org.Fieldworker2.ID)})
	if len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("setting another user's switch: %+v", r)
	}
}
