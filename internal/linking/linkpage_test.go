package linking_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"calsync/ent/calendaraccount"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator"
)

// TestLinkedPageSaysWhatHappens: the page after the consent says the
// bookings are being copied now, into which calendar, and where the sync
// status is shown — and it is true: the fieldworker's booking is at the
// provider moments later, not "within a few minutes".
func TestLinkedPageSaysWhatHappens(t *testing.T) {
	for _, k := range kits {
		for _, dest := range []string{"PRIMARY", "SECONDARY"} {
			t.Run(string(k.Provider)+"/"+dest, func(t *testing.T) {
				env := testenv.New(t, testenv.SQLite)
				if err := env.App.StartWorker(); err != nil {
					t.Fatal(err)
				}
				org := env.SeedOrg(t, "pg")
				admin := env.SignIn(t, org.Admin.Email, testenv.Password)
				if r := enable(t, admin, k.Provider, map[string]any{"destination": dest, "notifyFieldworkers": false}); len(r.Errors) > 0 {
					t.Fatal(r.Errors)
				}
				fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
				k.AddAccount(t, env, org.Fieldworker.Email)
				page := consent(t, env, k, testenv.NewBrowser(), startLink(t, fw, k.Provider), org.Fieldworker.Email, true)
				into := "its main calendar"
				if dest == "SECONDARY" {
					into = "its calendar \u201cOrg pg\u201d"
				}
				msg := org.Fieldworker.Email + " is now linked to Calsync. Your bookings are being copied into " + into + " now, and new or changed bookings follow within seconds."
				if title(page) != "Calendar linked" || !strings.Contains(page.Body, msg) {
					t.Fatalf("linked page: %q\n%s\nwant the message %q", title(page), page.Body, msg)
				}
				if strings.Contains(page.Body, "within a few minutes") || !strings.Contains(page.Body, `<p id="status">Calsync shows how the copy is going`) {
					t.Fatalf("linked page does not refer to the sync status: %s", page.Body)
				}

				sys := viewer.SystemContext(context.Background(), org.ID)
				acct, err := env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(k.Provider)).Only(sys)
				if err != nil {
					t.Fatal(err)
				}
				linked := time.Now()
				for {
					evs, err := env.App.Emulators.GoogleEvents(acct.DestinationCalendarID)
					if k.Provider == domain.ProviderMicrosoft {
						evs, err = env.App.Emulators.MicrosoftEvents(acct.AccountEmail, acct.DestinationCalendarID)
					}
					if err != nil {
						t.Fatal(err)
					}
					if slices.ContainsFunc(evs, func(e emulator.HeldEvent) bool { return e.Title == "Visit pg" }) {
						t.Logf("the booking reached the calendar %v after the page", time.Since(linked))
						break
					}
					if time.Since(linked) > 5*time.Second {
						t.Fatalf("the booking is not in the calendar 5 s after the page said it was being copied: %+v", evs)
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
	}
}
