package server_test

import (
	"sync"
	"testing"
	"time"

	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
)

// TestProviderCallHoldsNoTransaction: while updateProviderConfig waits for
// the provider to check a private app, other writes go through — the
// mutation (marked @ownTransactions) holds no database transaction (on
// SQLite: the write lock) across the network call.
func TestProviderCallHoldsNoTransaction(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "otx")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	scheduler := env.SignIn(t, org.Scheduler.Email, testenv.Password)
	clientID, secret := "otx-private-app", "otx-secret-1"
	if err := env.App.Emulators.Google.RegisterClient(gcal.Client{ClientID: clientID, ClientSecret: secret, Name: "Otx",
		RedirectURIs: []string{env.Server.URL + "/oauth/google/callback"}}); err != nil {
		t.Fatal(err)
	}
	// The provider takes its time to answer the credential check.
	env.App.Emulators.Google.Faults().Add(emucore.Fault{Method: "POST", Latency: 3 * time.Second, Count: 1})

	var mu sync.Mutex
	var order []string
	done := func(what string) {
		mu.Lock()
		order = append(order, what)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := admin.Do(t, `mutation{updateProviderConfig(input:{provider:GOOGLE,enabled:true,credentialMode:PRIVATE_APP,clientId:"`+clientID+`",clientSecret:"`+secret+`",notifyFieldworkers:false}){id}}`, nil)
		if len(r.Errors) > 0 {
			t.Errorf("updateProviderConfig: %+v", r.Errors)
		}
		done("provider config")
	}()
	time.Sleep(300 * time.Millisecond) // the provider call is under way
	r := scheduler.Do(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
		"title": "Meanwhile", "startAt": "2030-03-01T10:00:00Z", "endAt": "2030-03-01T11:00:00Z",
	}})
	if len(r.Errors) > 0 {
		t.Fatalf("a write during the provider call: %+v", r.Errors)
	}
	done("booking")
	wg.Wait()
	if len(order) != 2 || order[0] != "booking" {
		t.Fatalf("completion order %v: the booking waited for the provider call's transaction", order)
	}
}
