package outlook_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"calsync/sync/emulator/emucore"
)

func TestFaultInjection(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)
	_, err := mb.Calendar().Get(ctx, nil)
	must(t, err)

	// A 503 for the next Graph call, with Retry-After.
	var added map[string]string
	if st := e.control(http.MethodPost, "/faults", map[string]any{"pathPrefix": "/graph/v1.0/users/", "status": 503, "count": 1, "retryAfterSeconds": 7}, &added); st != http.StatusCreated || added["id"] == "" {
		t.Fatalf("add fault: %d %v", st, added)
	}
	var listed []emucore.Fault
	if e.control(http.MethodGet, "/faults", nil, &listed); len(listed) != 1 || listed[0].Status != 503 {
		t.Fatalf("faults = %+v", listed)
	}
	_, err = mb.Calendars().Get(ctx, nil)
	graphErr(t, err, http.StatusServiceUnavailable, "ServiceNotAvailable")
	if ra := retryAfter(t, err); ra != "7" {
		t.Fatalf("Retry-After = %s", ra)
	}
	_, err = mb.Calendars().Get(ctx, nil)
	must(t, err)

	// A timeout after a create that succeeded: the retry with the same
	// transactionId finds the event instead of duplicating it.
	e.control(http.MethodPost, "/faults", map[string]any{"method": "POST", "pathPrefix": "/graph/v1.0/users/", "status": 504, "count": 1, "afterHandler": true}, nil)
	ev := newEvent("Survives timeout", at(13, 9, 0), at(13, 10, 0), "UTC")
	ev.SetTransactionId(ptr("booking-99"))
	_, err = mb.Events().Post(ctx, ev, nil)
	graphErr(t, err, http.StatusGatewayTimeout, "GatewayTimeout")
	again, err := mb.Events().Post(ctx, ev, nil)
	must(t, err)
	stored, err := e.emu.ListEvents(e.user.ID, "default")
	must(t, err)
	if len(stored) != 1 || *again.GetSubject() != "Survives timeout" {
		t.Fatalf("%d events after timeout and retry", len(stored))
	}

	// Identity endpoints fail in OAuth's shape.
	e.control(http.MethodPost, "/faults", map[string]any{"pathPrefix": "/microsoft/", "status": 503, "count": 1}, nil)
	// (AuthStyleInParams: auto-detection would retry the other style.)
	cc := clientcredentials.Config{ClientID: daemonID, ClientSecret: daemonSecret, TokenURL: e.srv.URL + "/microsoft/" + e.tenant.ID + "/oauth2/v2.0/token",
		Scopes: []string{"https://graph.microsoft.com/.default"}, AuthStyle: oauth2.AuthStyleInParams}
	_, err = cc.Token(ctx)
	retrieveErr(t, err, "temporarily_unavailable", "AADSTS90033")

	// Clearing removes every rule.
	e.control(http.MethodPost, "/faults", map[string]any{"status": 500}, nil)
	if st := e.control(http.MethodDelete, "/faults", nil, nil); st != http.StatusNoContent {
		t.Fatalf("clear faults: %d", st)
	}
	body := models.NewCalendar()
	body.SetName(ptr("After faults"))
	_, err = mb.Calendars().Post(ctx, body, nil)
	must(t, err)
}
