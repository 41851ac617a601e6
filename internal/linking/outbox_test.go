package linking_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/calendaraccount"
	"calsync/ent/emailmessage"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// TestOutboxAndDeactivation: without SMTP, authorization emails wait in
// the outbox, readable by admins only; deactivating a linked user unlinks
// their calendar at once.
func TestOutboxAndDeactivation(t *testing.T) {
	k := kits[0]
	env := testenv.New(t, testenv.SQLite)
	if err := env.App.StartWorker(); err != nil {
		t.Fatal(err)
	}
	org := env.SeedOrg(t, "obx")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
	if r := enable(t, admin, k.Provider, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	sys := viewer.SystemContext(context.Background(), org.ID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := env.App.Client().EmailMessage.Query().Where(emailmessage.StateEQ(emailmessage.StateOUTBOX)).Count(sys)
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox holds %d messages, want 2", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var box struct {
		Outbox struct {
			Edges []struct {
				Node struct{ To, Subject, Body, State string }
			}
		}
	}
	admin.MustDo(t, `{outbox(first:10){edges{node{to subject body state}}}}`, nil, &box)
	if len(box.Outbox.Edges) != 2 || !strings.Contains(box.Outbox.Edges[0].Node.Body, "/invite/") {
		t.Fatalf("outbox = %+v", box.Outbox.Edges)
	}
	if r := fw.Do(t, `{outbox(first:10){edges{node{body}}}}`, nil); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
		t.Fatalf("fieldworker read the outbox: %+v", r)
	}

	// Link, subscribe to account changes, then deactivate.
	k.AddAccount(t, env, org.Fieldworker.Email)
	if page := consent(t, env, k, testenv.NewBrowser(), startLink(t, fw, k.Provider), org.Fieldworker.Email, true); title(page) != "Calendar linked" {
		t.Fatalf("link: %q", title(page))
	}
	acct, err := env.App.Client().CalendarAccount.Query().Where(calendaraccount.ProviderEQ(domain.ProviderGoogle)).Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	next := accountEvents(t, env, admin)
	admin.MustDo(t, `mutation($id:ID!){deactivateUser(id:$id){active}}`, map[string]any{"id": strconv.Itoa(org.Fieldworker.ID)}, nil)
	acct, _ = env.App.Client().CalendarAccount.Get(sys, acct.ID)
	if acct.Status != calendaraccount.StatusDISCONNECTED || len(acct.TokenEnc) != 0 {
		t.Fatalf("after deactivation: %s, token %d bytes", acct.Status, len(acct.TokenEnc))
	}
	// The initial sync may still announce the account ACTIVE before the
	// deactivation's event arrives: read until DISCONNECTED or 5 s.
	end := time.Now().Add(5 * time.Second)
	var seen []string
	for {
		ev := next(time.Until(end))
		if ev == "" {
			t.Fatalf("no DISCONNECTED event; saw %v", seen)
		}
		if strings.Contains(ev, `"DISCONNECTED"`) {
			break
		}
		seen = append(seen, ev)
	}
}
