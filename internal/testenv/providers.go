package testenv

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"calsync/internal/domain"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// GoogleCalendarScope is the scope the calendar checkbox grants.
const GoogleCalendarScope = "https://www.googleapis.com/auth/calendar"

// ProviderKit hides what differs between the two emulators' consent pages
// and controls.
type ProviderKit struct {
	Provider domain.Provider
	// AddAccount creates the person's account at the provider.
	AddAccount func(t testing.TB, env *Env, email string)
	// Fill chooses the account and ticks (or not) the calendar permission;
	// it returns the button to press.
	Fill func(t testing.TB, env *Env, f *Form, email string, calendar bool) (button, value string)
	// Revoke withdraws the grant at the provider and expires access tokens.
	Revoke func(t testing.TB, env *Env, email, clientID string)
}

// Kits are the kits of both providers.
var Kits = []ProviderKit{
	{
		Provider: domain.ProviderGoogle,
		AddAccount: func(t testing.TB, env *Env, email string) {
			if _, err := env.App.Emulators.Google.CreateAccount(gcal.Account{Email: email, Name: email}); err != nil {
				t.Fatal(err)
			}
		},
		Fill: func(t testing.TB, _ *Env, f *Form, email string, calendar bool) (string, string) {
			f.Set("account", email)
			if calendar {
				if !slices.Contains(f.Options["scope"], GoogleCalendarScope) {
					t.Fatalf("consent page offers no calendar checkbox: %v", f.Options)
				}
				f.Check("scope", GoogleCalendarScope)
			}
			return "action", "allow"
		},
		Revoke: func(t testing.TB, env *Env, email, clientID string) {
			env.App.Emulators.Google.RevokeGrants(email, clientID)
			env.App.Emulators.Google.ExpireAccessTokens(email)
		},
	},
	{
		Provider: domain.ProviderMicrosoft,
		AddAccount: func(t testing.TB, env *Env, email string) {
			if _, err := env.App.Emulators.Microsoft.CreateUser(outlook.UserSpec{UserPrincipalName: email, DisplayName: email}); err != nil {
				t.Fatal(err)
			}
		},
		Fill: func(t testing.TB, env *Env, f *Form, email string, calendar bool) (string, string) {
			u, err := env.App.Emulators.Microsoft.User(email)
			if err != nil {
				t.Fatal(err)
			}
			f.Set("account", u.ID)
			for _, s := range f.Options["scope"] {
				if strings.Contains(s, "Calendars.ReadWrite") {
					if calendar {
						f.Check("scope", s)
					} else {
						f.Uncheck("scope", s)
					}
				}
			}
			return "action", "accept"
		},
		Revoke: func(t testing.TB, env *Env, email, clientID string) {
			if err := env.App.Emulators.Microsoft.RevokeGrant(email, clientID); err != nil {
				t.Fatal(err)
			}
			if _, err := env.App.Emulators.Microsoft.ExpireAccessTokens(email, clientID); err != nil {
				t.Fatal(err)
			}
		},
	},
}

// Consent completes the provider's consent page in a browser and returns
// the page Calsync shows at the end.
func (k ProviderKit) Consent(t testing.TB, env *Env, b *Browser, start, email string, calendar bool) *Page {
	t.Helper()
	page := b.Get(t, start)
	if page.Status != 200 || len(page.Forms) == 0 {
		t.Fatalf("start page %s: %d %s", page.URL, page.Status, page.Body)
	}
	if strings.HasPrefix(page.URL.Path, "/link/") {
		// Calsync's confirmation ("connect the calendar of X at Y?").
		page = b.Submit(t, page, page.Forms[0], "", "")
		if page.Status != 200 || len(page.Forms) == 0 {
			t.Fatalf("consent page %s: %d %s", page.URL, page.Status, page.Body)
		}
	}
	f := page.Forms[0]
	button, value := k.Fill(t, env, f, email, calendar)
	return b.Submit(t, page, f, button, value)
}

// Title is the <h1 id="title"> of a Calsync page.
func Title(p *Page) string {
	m := regexp.MustCompile(`<h1 id="title">([^<]*)</h1>`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return m[1]
}

// StartLink asks Calsync for the consent URL as c.
func (c *Client) StartLink(t testing.TB, p domain.Provider) string {
	t.Helper()
	var out struct{ StartCalendarLink struct{ URL string } }
	c.MustDo(t, `mutation($p:Provider!){startCalendarLink(provider:$p){url}}`, map[string]any{"p": string(p)}, &out)
	return out.StartCalendarLink.URL
}

// Link gives email an account at the provider and links it for c (who
// must be allowed to link) through the consent page.
func (k ProviderKit) Link(t testing.TB, env *Env, c *Client, email string) {
	t.Helper()
	k.AddAccount(t, env, email)
	if page := k.Consent(t, env, NewBrowser(), c.StartLink(t, k.Provider), email, true); Title(page) != "Calendar linked" {
		t.Fatalf("link %s: %d %q", email, page.Status, Title(page))
	}
}
