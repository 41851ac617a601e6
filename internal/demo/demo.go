// Package demo seeds the demo organization the embedded default starts
// with: an admin, a scheduler, three fieldworkers, statuses, types and a
// week of bookings.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/organization"
	"calsync/internal/auth"
	"calsync/internal/domain"
	"calsync/internal/tenants"
	"calsync/internal/viewer"
	"calsync/sync/emulator"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// Slug is the demo organization's slug.
const Slug = "demo"

// Credential is one demo login.
type Credential struct{ Role, Email, Password string }

// Seed creates the demo organization unless it exists. It returns the
// credentials it made (nil when it already existed).
func Seed(ctx context.Context, client *ent.Client, now time.Time) ([]Credential, error) {
	sys := viewer.AllTenantsContext(ctx)
	exists, err := client.Organization.Query().Where(organization.Slug(Slug)).Exist(sys)
	if err != nil || exists {
		return nil, err
	}
	tx, err := client.Tx(sys)
	if err != nil {
		return nil, err
	}
	creds, err := seed(sys, tx.Client(), now)
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return creds, tx.Commit()
}

func seed(ctx context.Context, db *ent.Client, now time.Time) ([]Credential, error) {
	org, err := db.Organization.Create().SetName("Demo Field Services").SetSlug(Slug).
		SetDefaultTimeZone("Europe/Helsinki").SetPrimaryColor("#1a73e8").SetSecondaryColor("#8e24aa").Save(ctx)
	if err != nil {
		return nil, err
	}
	people := []struct {
		name, email string
		role        viewer.Role
		general     bool
	}{
		{"Ada Admin", "admin@demo.calsync.test", viewer.RoleAdmin, false},
		{"Sam Scheduler", "scheduler@demo.calsync.test", viewer.RoleScheduler, false},
		{"Fiona Field", "fiona@demo.calsync.test", viewer.RoleFieldworker, true},
		{"Pekka Plumber", "pekka@demo.calsync.test", viewer.RoleFieldworker, false},
		{"Maria Medic", "maria@demo.calsync.test", viewer.RoleFieldworker, false},
	}
	var creds []Credential
	var fieldworkers []*ent.User
	for _, p := range people {
		pw, err := password()
		if err != nil {
			return nil, err
		}
		h, err := auth.HashPassword(pw)
		if err != nil {
			return nil, err
		}
		u, err := db.User.Create().SetOrganizationID(org.ID).SetName(p.name).SetEmail(p.email).SetRole(p.role).
			SetTimeZone("Europe/Helsinki").SetPasswordHash(h).SetGeneralFieldworker(p.general).Save(ctx)
		if err != nil {
			return nil, err
		}
		creds = append(creds, Credential{Role: string(p.role), Email: p.email, Password: pw})
		if p.role == viewer.RoleFieldworker {
			fieldworkers = append(fieldworkers, u)
		}
	}
	defaults, err := tenants.CreateDefaults(ctx, db, org.ID)
	if err != nil {
		return nil, err
	}
	statuses, types := defaults.Statuses, defaults.Types
	loc, _ := time.LoadLocation("Europe/Helsinki")
	day := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	services := []string{"Boiler service", "Leak repair", "Home visit", "Consultation", "Installation"}
	suburbs := []string{"Kallio", "Töölö", "Punavuori", "Vallila", "Munkkiniemi"}
	n := 0
	for d := 0; d < 7; d++ {
		for i, fw := range fieldworkers {
			start := day.AddDate(0, 0, d).Add(time.Duration(9+2*i+d%2) * time.Hour)
			status := statuses["Confirmed"]
			if (d+i)%5 == 4 {
				status = statuses["Tentative"]
			}
			_, err := db.Booking.Create().SetOrganizationID(org.ID).
				SetTitle(fmt.Sprintf("%s — %s", services[(d+i)%len(services)], suburbs[(d*3+i)%len(suburbs)])).
				SetStartAt(start).SetEndAt(start.Add(90 * time.Minute)).SetTimeZone("Europe/Helsinki").
				SetStatus(status).SetType(types["Appointment"]).AddHosts(fw).
				SetCustomerName(fmt.Sprintf("Customer %d", n+1)).SetCustomerEmail(fmt.Sprintf("customer%d@example.com", n+1)).
				SetCustomerPhone("+358 40 123 45" + fmt.Sprintf("%02d", n%100)).
				SetAddresses([]string{fmt.Sprintf("Mannerheimintie %d, Helsinki", 10+n)}).
				SetSuburb(suburbs[(d*3+i)%len(suburbs)]).SetServiceName(services[(d+i)%len(services)]).
				SetAmount(fmt.Sprintf("%d.00", 80+10*((d+i)%6))).SetCurrency("EUR").
				SetCustomProperties(domain.Properties{"Access code": fmt.Sprintf("%04d", 1000+n)}).
				Save(ctx)
			if err != nil {
				return nil, err
			}
			n++
		}
	}
	// A weekly recurring training (not synced) and a recurring shift.
	if _, err := db.Booking.Create().SetOrganizationID(org.ID).SetTitle("Team training").
		SetStartAt(day.Add(8 * time.Hour)).SetEndAt(day.Add(9 * time.Hour)).SetTimeZone("Europe/Helsinki").
		SetRecurrence("FREQ=WEEKLY;BYDAY=MO;COUNT=8").SetType(types["Training"]).SetStatus(statuses["Confirmed"]).
		AddHosts(fieldworkers...).Save(ctx); err != nil {
		return nil, err
	}
	return creds, nil
}

func password() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.NewReplacer("-", "x", "_", "y").Replace(base64.RawURLEncoding.EncodeToString(b)), nil
}

// CredentialsFile is where the demo credentials are kept (0600) so they can
// be shown again on later starts.
func CredentialsFile(dataDir string) string { return filepath.Join(dataDir, "demo-credentials.txt") }

// Format renders credentials for the terminal and the credentials file.
func Format(creds []Credential) string {
	var b strings.Builder
	b.WriteString("Demo organization \"" + Slug + "\" — sign in with:\n")
	for _, c := range creds {
		fmt.Fprintf(&b, "  %-12s %-30s %s\n", c.Role, c.Email, c.Password)
	}
	return b.String()
}

// SaveCredentials writes the credentials file with 0600 permissions.
func SaveCredentials(dataDir string, creds []Credential) error {
	return os.WriteFile(CredentialsFile(dataDir), []byte(Format(creds)), 0o600)
}

// demoEmails are the demo users who get provider accounts.
var demoEmails = []string{
	"admin@demo.calsync.test", "scheduler@demo.calsync.test",
	"fiona@demo.calsync.test", "pekka@demo.calsync.test", "maria@demo.calsync.test",
}

// SeedEmulators creates the demo users' accounts at the emulated Google
// and Microsoft (existing ones are kept).
func SeedEmulators(emu *emulator.Server) error {
	have := map[string]bool{}
	for _, a := range emu.Google.Accounts() {
		have[a.Email] = true
	}
	for _, e := range demoEmails {
		if !have[e] {
			if _, err := emu.Google.CreateAccount(gcal.Account{Email: e, Name: e[:strings.IndexByte(e, '@')], TimeZone: "Europe/Helsinki"}); err != nil {
				return fmt.Errorf("demo: google account %s: %w", e, err)
			}
		}
		if _, err := emu.Microsoft.User(e); err == nil {
			continue
		}
		if _, err := emu.Microsoft.CreateUser(outlook.UserSpec{UserPrincipalName: e, DisplayName: e[:strings.IndexByte(e, '@')]}); err != nil && !errors.Is(err, outlook.ErrConflict) {
			return fmt.Errorf("demo: microsoft user %s: %w", e, err)
		}
	}
	return nil
}
