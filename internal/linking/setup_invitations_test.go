package linking_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/emailmessage"
	"calsync/ent/invitation"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// registerPrivateApp registers an organization's own OAuth client at the
// emulator, redirecting to env's callback, and returns the settings that
// select it.
func registerPrivateApp(t *testing.T, env *testenv.Env, k providerKit) map[string]any {
	t.Helper()
	redirect := env.Server.URL + "/oauth/" + strings.ToLower(string(k.Provider)) + "/callback"
	clientID, secret := "org-own-app", "own-app-secret"
	if k.Provider == domain.ProviderGoogle {
		if err := env.App.Emulators.Google.RegisterClient(gcal.Client{ClientID: clientID, ClientSecret: secret, Name: "Own Calendar App", RedirectURIs: []string{redirect}}); err != nil {
			t.Fatal(err)
		}
	} else {
		app, err := env.App.Emulators.Microsoft.RegisterApp(outlook.AppSpec{ClientSecret: secret, DisplayName: "Own Calendar App", RedirectURIs: []string{redirect}})
		if err != nil {
			t.Fatal(err)
		}
		clientID = app.ClientID
	}
	return map[string]any{"credentialMode": "PRIVATE_APP", "clientId": clientID, "clientSecret": secret}
}

// authorizationEmails returns the authorization emails queued for a user,
// oldest first.
func authorizationEmails(t *testing.T, env *testenv.Env, orgID, userID int) []*ent.EmailMessage {
	t.Helper()
	msgs, err := env.App.Client().EmailMessage.Query().
		Where(emailmessage.Kind("authorization"), emailmessage.UserID(userID)).
		Order(ent.Asc(emailmessage.FieldID)).All(viewer.SystemContext(context.Background(), orgID))
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestSetupAsksFieldworkersOnce (OctopusPro): setting up the platform app
// or the organization's private app emails every active fieldworker an
// authorization link — but only once: turning the provider off and on
// again emails neither the linked fieldworkers nor those holding a pending
// link, whose link stays good; a link that expired is replaced;
// notifyFieldworkers: false sends nothing.
func TestSetupAsksFieldworkersOnce(t *testing.T) {
	for _, k := range kits {
		for _, mode := range []string{"PLATFORM_APP", "PRIVATE_APP"} {
			t.Run(string(k.Provider)+"/"+mode, func(t *testing.T) {
				env := testenv.New(t, testenv.SQLite)
				org := env.SeedOrg(t, "ask")
				sys := viewer.SystemContext(context.Background(), org.ID)
				db := env.App.Client()
				gone, err := db.User.Create().SetName("gone").SetEmail("gone@ask.test").SetActive(false).Save(sys)
				if err != nil {
					t.Fatal(err)
				}
				admin := env.SignIn(t, org.Admin.Email, testenv.Password)
				settings := map[string]any{"credentialMode": mode}
				if mode == "PRIVATE_APP" {
					settings = registerPrivateApp(t, env, k)
				}
				if r := enable(t, admin, k.Provider, settings); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				counts := func() [3]int {
					return [3]int{len(authorizationEmails(t, env, org.ID, org.Fieldworker.ID)),
						len(authorizationEmails(t, env, org.ID, org.Fieldworker2.ID)),
						len(authorizationEmails(t, env, org.ID, gone.ID))}
				}
				if got := counts(); got != [3]int{1, 1, 0} {
					t.Fatalf("after setup: authorization emails (fieldworker, fieldworker2, deactivated) = %v, want [1 1 0]", got)
				}
				for _, u := range []*ent.User{org.Admin, org.Scheduler} {
					if n := len(authorizationEmails(t, env, org.ID, u.ID)); n != 0 {
						t.Fatalf("%s got %d authorization emails", u.Email, n)
					}
				}

				// The first fieldworker links through the email.
				k.AddAccount(t, env, org.Fieldworker.Email)
				first := linkRE.FindString(authorizationEmails(t, env, org.ID, org.Fieldworker.ID)[0].Body)
				if page := consent(t, env, k, testenv.NewBrowser(), first, org.Fieldworker.Email, true); title(page) != "Calendar linked" {
					t.Fatalf("link through the email: %d %q", page.Status, title(page))
				}

				toggle := func(extra map[string]any) {
					t.Helper()
					admin.MustDo(t, `mutation($in:UpdateProviderConfigInput!){updateProviderConfig(input:$in){id}}`,
						map[string]any{"in": map[string]any{"provider": string(k.Provider), "enabled": false}}, nil)
					in := map[string]any{"provider": string(k.Provider), "enabled": true}
					for key, v := range extra {
						in[key] = v
					}
					admin.MustDo(t, `mutation($in:UpdateProviderConfigInput!){updateProviderConfig(input:$in){id}}`, map[string]any{"in": in}, nil)
				}
				// Off and on again: nobody is emailed twice, and the pending
				// link of the second fieldworker is not replaced.
				toggle(nil)
				if got := counts(); got != [3]int{1, 1, 0} {
					t.Fatalf("after toggling off and on: authorization emails = %v, want [1 1 0]", got)
				}
				pending, err := db.Invitation.Query().Where(invitation.UserID(org.Fieldworker2.ID)).Only(sys)
				if err != nil || pending.RevokedAt != nil {
					t.Fatalf("the pending link was replaced: %+v %v", pending, err)
				}

				// Once it has expired, turning the provider on asks again —
				// unless the admin says not to.
				if err := db.Invitation.UpdateOne(pending).SetExpiresAt(time.Now().Add(-time.Minute)).Exec(sys); err != nil {
					t.Fatal(err)
				}
				toggle(map[string]any{"notifyFieldworkers": false})
				if got := counts(); got != [3]int{1, 1, 0} {
					t.Fatalf("notifyFieldworkers false: authorization emails = %v, want [1 1 0]", got)
				}
				toggle(nil)
				if got := counts(); got != [3]int{1, 2, 0} {
					t.Fatalf("after the link expired: authorization emails = %v, want [1 2 0]", got)
				}
				k.AddAccount(t, env, org.Fieldworker2.Email)
				again := linkRE.FindString(authorizationEmails(t, env, org.ID, org.Fieldworker2.ID)[1].Body)
				if page := consent(t, env, k, testenv.NewBrowser(), again, org.Fieldworker2.Email, true); title(page) != "Calendar linked" {
					t.Fatalf("link through the new email: %d %q", page.Status, title(page))
				}
			})
		}
	}
}

// TestPendingLinkSurvivesToggle: the link a fieldworker got when the
// provider was set up still works after an admin turned the provider off
// and on again.
func TestPendingLinkSurvivesToggle(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "tgl")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			if r := enable(t, admin, k.Provider, registerPrivateApp(t, env, k)); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			msgs := authorizationEmails(t, env, org.ID, org.Fieldworker.ID)
			if len(msgs) != 1 {
				t.Fatalf("authorization emails after private app setup: %d, want 1", len(msgs))
			}
			link := linkRE.FindString(msgs[0].Body)
			for _, on := range []bool{false, true} {
				admin.MustDo(t, `mutation($in:UpdateProviderConfigInput!){updateProviderConfig(input:$in){id}}`,
					map[string]any{"in": map[string]any{"provider": string(k.Provider), "enabled": on}}, nil)
			}
			k.AddAccount(t, env, org.Fieldworker.Email)
			if page := consent(t, env, k, testenv.NewBrowser(), link, org.Fieldworker.Email, true); title(page) != "Calendar linked" {
				t.Fatalf("the first link after toggling: %d %q", page.Status, title(page))
			}
		})
	}
}
