package linking_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent/calendaraccount"
	"calsync/ent/emailmessage"
	"calsync/ent/invitation"
	"calsync/ent/providercalendar"
	"calsync/internal/config"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/linking/credentials"
	"calsync/internal/mail/smtptest"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/tasks"
)

// kits and the consent helpers are shared with the other test packages.
var kits = testenv.Kits

type providerKit = testenv.ProviderKit

func consent(t *testing.T, env *testenv.Env, k providerKit, b *testenv.Browser, start, email string, calendar bool) *testenv.Page {
	t.Helper()
	return k.Consent(t, env, b, start, email, calendar)
}

func title(p *testenv.Page) string { return testenv.Title(p) }

func startLink(t *testing.T, c *testenv.Client, p domain.Provider) string {
	t.Helper()
	return c.StartLink(t, p)
}

func enable(t *testing.T, c *testenv.Client, p domain.Provider, extra map[string]any) testenv.Response {
	t.Helper()
	in := map[string]any{"provider": string(p), "enabled": true}
	for k, v := range extra {
		in[k] = v
	}
	return c.Do(t, `mutation($in:UpdateProviderConfigInput!){updateProviderConfig(input:$in){id enabled credentialMode hasClientSecret hasServiceAccountKey}}`, map[string]any{"in": in})
}

type syncState struct {
	Enabled bool
	Reason  string
	Action  string
	Account *struct {
		ID           string
		AccountEmail string
		Status       string
	}
}

func calendarSync(t *testing.T, c *testenv.Client, userID int, p domain.Provider) syncState {
	t.Helper()
	var out struct {
		Node struct{ CalendarSync syncState }
	}
	c.MustDo(t, `query($id:ID!,$p:Provider!){node(id:$id){... on User{calendarSync(provider:$p){enabled reason action account{id accountEmail status}}}}}`,
		map[string]any{"id": strconv.Itoa(userID), "p": string(p)}, &out)
	return out.Node.CalendarSync
}

// TestLinkUnlinkRelink: a fieldworker links through the consent page; the
// callback cannot be replayed; refusing the calendar permission links
// nothing; a revoked grant marks the account NEEDS_REAUTH (and emails the
// user) until they link again; unlinking revokes and forgets the tokens.
func TestLinkUnlinkRelink(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			env := testenv.New(t, testenv.SQLite)
			org := env.SeedOrg(t, "lnk")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			k.AddAccount(t, env, org.Fieldworker.Email)

			// Off for the organization: no link is offered.
			if s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider); s.Enabled || s.Action != "NONE" || s.Reason != "ORGANIZATION" {
				t.Fatalf("before enabling: %+v", s)
			}
			if r := fw.Do(t, `mutation($p:Provider!){startCalendarLink(provider:$p){url}}`, map[string]any{"p": string(k.Provider)}); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
				t.Fatalf("link while disabled: %+v", r)
			}
			if r := enable(t, admin, k.Provider, nil); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			if s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider); !s.Enabled || s.Action != "LINK" {
				t.Fatalf("after enabling: %+v", s)
			}

			// Refusing the calendar permission links nothing.
			b := testenv.NewBrowser()
			page := consent(t, env, k, b, startLink(t, fw, k.Provider), org.Fieldworker.Email, false)
			if title(page) != "Calendar permission missing" || page.Status != 400 {
				t.Fatalf("scope refused: %d %q", page.Status, title(page))
			}
			if s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider); s.Account != nil {
				t.Fatalf("an account was stored without calendar permission: %+v", s.Account)
			}

			// Link for real.
			page = consent(t, env, k, b, startLink(t, fw, k.Provider), org.Fieldworker.Email, true)
			if title(page) != "Calendar linked" {
				t.Fatalf("link: %d %q %s", page.Status, title(page), page.Body)
			}
			s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider)
			if s.Account == nil || s.Account.Status != "ACTIVE" || !strings.EqualFold(s.Account.AccountEmail, org.Fieldworker.Email) || s.Action != "NONE" {
				t.Fatalf("after link: %+v %+v", s, s.Account)
			}
			sys := viewer.SystemContext(context.Background(), org.ID)
			db := env.App.Client()
			acct, err := db.CalendarAccount.Query().Where(calendaraccount.ProviderEQ(k.Provider)).Only(sys)
			if err != nil {
				t.Fatal(err)
			}
			if len(acct.TokenEnc) == 0 || acct.DestinationCalendarID == "" {
				t.Fatalf("stored account: token %d bytes, destination %q", len(acct.TokenEnc), acct.DestinationCalendarID)
			}
			if n, _ := db.ProviderCalendar.Query().Where(providercalendar.AccountID(acct.ID), providercalendar.Primary(true), providercalendar.Selected(true)).Count(sys); n != 1 {
				t.Fatalf("primary calendar rows: %d", n)
			}
			// The initial sync is queued.
			insp := asynq.NewInspector(env.App.Redis.Asynq)
			defer insp.Close()
			// Keyed by the account's sync_done, 0 for a new account.
			if ti, err := insp.GetTaskInfo(tasks.QueueSync, "account-sync:"+strconv.Itoa(acct.ID)+":0"); err != nil || ti.Type != tasks.TypeAccountSync {
				t.Fatalf("initial sync task: %v %v", ti, err)
			}

			// A consent started in one browser and finished in another
			// (a forwarded link) connects nothing.
			a, other := testenv.NewBrowser(), testenv.NewBrowser()
			startPage := a.Get(t, startLink(t, fw, k.Provider))
			providerPage := a.Submit(t, startPage, startPage.Forms[0], "", "")
			pf := providerPage.Forms[0]
			button, value := k.Fill(t, env, pf, org.Fieldworker.Email, true)
			if p := other.Submit(t, providerPage, pf, button, value); title(p) != "Different browser" {
				t.Fatalf("callback in another browser: %d %q", p.Status, title(p))
			}
			// A start link opens one consent only.
			if p := a.Get(t, startPage.URL.String()); title(p) != "Already started" {
				t.Fatalf("start link reused: %q", title(p))
			}

			// Replaying the callback changes nothing.
			replay := b.Get(t, page.URL.String())
			if title(replay) != "Already used" {
				t.Fatalf("replayed callback: %q", title(replay))
			}
			// A forged state is refused.
			forged := *page.URL
			q := forged.Query()
			q.Set("state", "forged")
			forged.RawQuery = q.Encode()
			if p := b.Get(t, forged.String()); title(p) != "Link not recognised" {
				t.Fatalf("forged state: %q", title(p))
			}

			// The provider revokes the grant: the next refresh marks the
			// account NEEDS_REAUTH and emails the user.
			app := platformApp(t, env, k.Provider)
			k.Revoke(t, env, org.Fieldworker.Email, app)
			ts, err := env.App.Credentials.TokenSource(sys, acct)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.Token(); err != nil {
				t.Fatalf("stored token before the provider refuses it: %v", err)
			}
			// The provider answers 401 to it (as a sync call would see):
			// the refresh then meets invalid_grant.
			ts.(credentials.Invalidator).Invalidate()
			if _, err := ts.Token(); !errors.Is(err, linking.ErrInvalidGrant) {
				t.Fatalf("token after revoke: %v", err)
			}
			if s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider); s.Account == nil || s.Account.Status != "NEEDS_REAUTH" || s.Action != "RELINK" {
				t.Fatalf("after revoke: %+v", s)
			}
			if n, _ := db.EmailMessage.Query().Where(emailmessage.Kind("reauth")).Count(sys); n != 1 {
				t.Fatalf("reauth emails: %d", n)
			}

			// Relink: active again with fresh tokens that refresh.
			page = consent(t, env, k, b, startLink(t, fw, k.Provider), org.Fieldworker.Email, true)
			if title(page) != "Calendar linked" {
				t.Fatalf("relink: %q", title(page))
			}
			acct, _ = db.CalendarAccount.Get(sys, acct.ID)
			if acct.Status != calendaraccount.StatusACTIVE {
				t.Fatalf("after relink: %s", acct.Status)
			}
			ts, _ = env.App.Credentials.TokenSource(sys, acct)
			if tok, err := ts.Token(); err != nil || tok.AccessToken == "" {
				t.Fatalf("token after relink: %v", err)
			}

			// Unlink: tokens gone, account disconnected.
			var un struct{ UnlinkCalendar struct{ Status string } }
			fw.MustDo(t, `mutation($p:Provider!){unlinkCalendar(provider:$p){status}}`, map[string]any{"p": string(k.Provider)}, &un)
			if un.UnlinkCalendar.Status != "DISCONNECTED" {
				t.Fatalf("unlink: %+v", un)
			}
			acct, _ = db.CalendarAccount.Get(sys, acct.ID)
			if len(acct.TokenEnc) != 0 {
				t.Fatal("tokens kept after unlink")
			}
			if s := calendarSync(t, fw, org.Fieldworker.ID, k.Provider); s.Account != nil || s.Action != "LINK" {
				t.Fatalf("after unlink: %+v", s)
			}
		})
	}
}

func platformApp(t *testing.T, env *testenv.Env, p domain.Provider) string {
	t.Helper()
	if p == domain.ProviderGoogle {
		for _, c := range env.App.Emulators.Google.Clients() {
			if strings.HasPrefix(c.ClientID, "calsync-") {
				return c.ClientID
			}
		}
	} else {
		for _, a := range env.App.Emulators.Microsoft.Apps() {
			if a.DisplayName == "Calsync" {
				return a.ClientID
			}
		}
	}
	t.Fatal("no platform app in the emulator")
	return ""
}

// TestAuthorizationEmails: enabling the platform app emails every active
// fieldworker through SMTP; the link leads through the consent to a
// confirmation page; reused, replaced, expired and tampered links get a
// clear page and change nothing.
func TestAuthorizationEmails(t *testing.T) {
	for _, k := range kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			smtp, err := smtptest.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer smtp.Close()
			env := testenv.NewWith(t, testenv.SQLite, func(c *config.Config) {
				c.SMTPURL = "smtp://" + smtp.Addr
				c.SMTPFrom = "Calsync <noreply@calsync.test>"
			})
			if err := env.App.StartWorker(); err != nil {
				t.Fatal(err)
			}
			org := env.SeedOrg(t, "inv")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			k.AddAccount(t, env, org.Fieldworker.Email)
			if r := enable(t, admin, k.Provider, nil); len(r.Errors) > 0 {
				t.Fatal(r.Errors)
			}
			// Both active fieldworkers get an email.
			msgs := waitMessages(t, smtp, 2)
			link := linkIn(t, msgs, org.Fieldworker.Email)

			// Tampered: not valid.
			b := testenv.NewBrowser()
			if p := b.Get(t, link+"x"); p.Status != 410 || title(p) != "Link not valid" {
				t.Fatalf("tampered link: %d %q", p.Status, title(p))
			}
			// Good: consent, then the confirmation page.
			page := consent(t, env, k, b, link, org.Fieldworker.Email, true)
			if title(page) != "Calendar linked" || !strings.Contains(page.Body, "You can close this page") {
				t.Fatalf("invitation link: %d %q", page.Status, title(page))
			}
			// Used: clear page, nothing changes.
			if p := b.Get(t, link); title(p) != "Link already used" {
				t.Fatalf("reused link: %q", title(p))
			}

			// A second email replaces the first; an expired one is refused.
			var sent struct{ SendAuthorizationEmails []struct{ ID string } }
			var links []string
			for i := range 2 {
				// One at a time, so the emails' order is the sending order.
				admin.MustDo(t, `mutation($p:Provider!,$u:[ID!]!){sendAuthorizationEmails(provider:$p,userIds:$u){id}}`,
					map[string]any{"p": string(k.Provider), "u": []string{strconv.Itoa(org.Fieldworker2.ID)}}, &sent)
				msgs = waitMessages(t, smtp, 3+i)
				links = append(links, linkIn(t, msgs[2+i:], org.Fieldworker2.Email))
			}
			first := linkIn(t, msgs[:2], org.Fieldworker2.Email)
			if p := b.Get(t, first); title(p) != "Link replaced" {
				t.Fatalf("replaced (first) link: %q", title(p))
			}
			if p := b.Get(t, links[0]); title(p) != "Link replaced" {
				t.Fatalf("replaced (second) link: %q", title(p))
			}
			sys := viewer.SystemContext(context.Background(), org.ID)
			invID, _ := strconv.Atoi(sent.SendAuthorizationEmails[0].ID)
			if err := env.App.Client().Invitation.UpdateOneID(invID).SetExpiresAt(time.Now().Add(-time.Minute)).Exec(sys); err != nil {
				t.Fatal(err)
			}
			if p := b.Get(t, links[1]); title(p) != "Link expired" {
				t.Fatalf("expired link: %q", title(p))
			}
			used, _ := env.App.Client().Invitation.Query().Where(invitation.UsedAtNotNil()).Count(sys)
			if used != 1 {
				t.Fatalf("used invitations: %d", used)
			}
			// Admins see who was invited and what happened.
			var out struct {
				Node struct {
					CalendarSync struct {
						LastInvitation struct{ UsedAt *string }
						Account        *struct{ Status string }
					}
				}
			}
			admin.MustDo(t, `query($id:ID!,$p:Provider!){node(id:$id){... on User{calendarSync(provider:$p){lastInvitation{usedAt} account{status}}}}}`,
				map[string]any{"id": strconv.Itoa(org.Fieldworker.ID), "p": string(k.Provider)}, &out)
			if out.Node.CalendarSync.LastInvitation.UsedAt == nil || out.Node.CalendarSync.Account == nil || out.Node.CalendarSync.Account.Status != "ACTIVE" {
				t.Fatalf("admin view: %+v", out.Node.CalendarSync)
			}
		})
	}
}

func waitMessages(t *testing.T, s *smtptest.Server, n int) []smtptest.Message {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for len(s.Messages()) < n {
		select {
		case <-s.Arrived():
		case <-deadline:
			t.Fatalf("got %d emails, want %d", len(s.Messages()), n)
		}
	}
	return s.Messages()
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+/invite/[A-Za-z0-9_-]+`)

func linkIn(t *testing.T, msgs []smtptest.Message, to string) string {
	t.Helper()
	for _, m := range msgs {
		if len(m.To) == 1 && strings.EqualFold(m.To[0], to) {
			if l := linkRE.FindString(m.Body()); l != "" {
				if _, err := url.Parse(l); err == nil {
					return l
				}
			}
		}
	}
	t.Fatalf("no authorization link for %s in %d emails", to, len(msgs))
	return ""
}

// accountEvents subscribes to calendarAccountChanged over the legacy-free
// graphql-transport-ws protocol and returns a reader of raw payloads.
func accountEvents(t *testing.T, env *testenv.Env, c *testenv.Client) func(time.Duration) string {
	t.Helper()
	next := env.Subscribe(t, c, `subscription{calendarAccountChanged{accountId status lastError}}`, nil)
	return func(d time.Duration) string {
		m := next(d)
		if m == nil {
			return ""
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
}
