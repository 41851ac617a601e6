package emulator_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
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

// TestSnapshotFileIsPrivate: the snapshot holds tokens and signing keys,
// so whichever way it is written (Save, as calsync emulate does on
// shutdown, or POST /_emulator/snapshot) the file ends up readable by its
// owner only: created 0600, and an existing file with wider permissions is
// tightened to 0600 when rewritten.
func TestSnapshotFileIsPrivate(t *testing.T) {
	saves := []struct {
		name string
		save func(t *testing.T, emu *emulator.Server)
	}{
		{"Save", func(t *testing.T, emu *emulator.Server) {
			if err := emu.Save(); err != nil {
				t.Fatal(err)
			}
		}},
		{"POST /_emulator/snapshot", func(t *testing.T, emu *emulator.Server) {
			srv := httptest.NewServer(emu)
			defer srv.Close()
			res, err := http.Post(srv.URL+"/_emulator/snapshot", "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNoContent {
				t.Fatalf("POST /_emulator/snapshot = %d", res.StatusCode)
			}
		}},
	}
	existing := []struct {
		name string
		mode fs.FileMode // 0: no file yet
	}{{"new file", 0}, {"existing 0644 file", 0o644}, {"existing 0666 file", 0o666}, {"existing 0600 file", 0o600}}
	for _, sv := range saves {
		for _, ex := range existing {
			t.Run(sv.name+"/"+ex.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "state.json")
				if ex.mode != 0 {
					if err := os.WriteFile(path, []byte(`{}`), ex.mode); err != nil {
						t.Fatal(err)
					}
					// WriteFile's mode passes through the umask; set it exactly.
					if err := os.Chmod(path, ex.mode); err != nil {
						t.Fatal(err)
					}
				}
				emu, err := emulator.New(emulator.Options{SnapshotPath: path})
				if err != nil {
					t.Fatal(err)
				}
				defer emu.Close()
				if _, err := emu.Google.CreateAccount(gcal.Account{Email: "ann@example.com", Name: "Ann"}); err != nil {
					t.Fatal(err)
				}
				sv.save(t, emu)
				info, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := info.Mode().Perm(); got != 0o600 {
					t.Fatalf("snapshot mode %v, want -rw-------", got)
				}
				// And it is the new state, not the old file.
				again, err := emulator.New(emulator.Options{SnapshotPath: path})
				if err != nil {
					t.Fatal(err)
				}
				defer again.Close()
				if accts := again.Google.Accounts(); len(accts) != 1 {
					t.Fatalf("restored %d Google accounts, want 1", len(accts))
				}
			})
		}
	}
}
