package emulator_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"calsync/sync/emulator"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// TestRoutesAndSnapshot: one handler tree serves both emulators and their
// control APIs, and the snapshot file carries their state across restarts.
func TestRoutesAndSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := emulator.New(emulator.Options{SnapshotPath: path, AllowInsecureWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Google.CreateAccount(gcal.Account{Email: "ann@example.com", Name: "Ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Microsoft.CreateUser(outlook.UserSpec{UserPrincipalName: "bo@contoso.test", DisplayName: "Bo"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	get := func(p string) (int, string) {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/_emulator/", 200, "Calsync provider emulators"},
		{"/_emulator/google/accounts", 200, "ann@example.com"},
		{"/_emulator/microsoft/users", 200, "bo@contoso.test"},
		// API calls without a token get each provider's own 401.
		{"/google/calendar/v3/users/me/calendarList", 401, `"reason": "required"`},
		{"/graph/v1.0/me/calendars", 401, "InvalidAuthenticationToken"},
		{"/microsoft/common/v2.0/.well-known/openid-configuration", 200, "authorization_endpoint"},
	} {
		status, body := get(c.path)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d %q, want %d containing %q", c.path, status, body, c.status, c.want)
		}
	}
	res, err := http.Post(srv.URL+"/_emulator/snapshot", "application/json", nil)
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("save snapshot: %v %v", res, err)
	}
	srv.Close()
	emu.Close()

	again, err := emulator.New(emulator.Options{SnapshotPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if accts := again.Google.Accounts(); len(accts) != 1 || accts[0].Email != "ann@example.com" {
		t.Fatalf("google accounts after restore = %+v", accts)
	}
	if u, err := again.Microsoft.User("bo@contoso.test"); err != nil || u.DisplayName != "Bo" {
		t.Fatalf("microsoft user after restore = %+v, %v", u, err)
	}
}
