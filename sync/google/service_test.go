package google_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"testing"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
	"calsync/sync/google"
)

// editKey returns key with fields changed.
func editKey(t *testing.T, key []byte, changes map[string]any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(key, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pemKey(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestServiceAccountImpersonatesWorkspaceUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := e.serviceKey("calsync", "calendar")
	creds := linking.ServiceCredentials{GoogleKeyJSON: key}

	email, err := google.ParseServiceAccountKey(key)
	if err != nil || email != "calsync@calsync-emulator.iam.gserviceaccount.com" {
		t.Fatalf("ParseServiceAccountKey = %q, %v", email, err)
	}
	if err := e.client.CheckServiceCredentials(ctx, creds); err != nil {
		t.Fatalf("check service credentials: %v", err)
	}

	ts, err := e.client.ServiceTokenSource(ctx, creds, workspace)
	if err != nil {
		t.Fatalf("service token source: %v", err)
	}
	cals, err := e.client.Calendars(ctx, ts, workspace)
	if err != nil {
		t.Fatalf("calendars as %s: %v", workspace, err)
	}
	if len(cals) != 1 || cals[0].ID != workspace || !cals[0].Primary || !cals[0].CanWrite {
		t.Fatalf("calendars = %+v, want %s's primary", cals, workspace)
	}
	cal, err := e.client.CreateCalendar(ctx, ts, workspace, "Calsync – Acme", "UTC")
	if err != nil {
		t.Fatalf("create calendar as %s: %v", workspace, err)
	}
	stored, _ := e.emu.Calendars(workspace)
	if len(stored) != 2 || stored[1].ID != cal.ID || stored[1].Owner != workspace || stored[1].Summary != "Calsync – Acme" {
		t.Fatalf("emulator calendars of %s = %+v", workspace, stored)
	}

	api := e.rec.requests("/google/calendar/v3/")
	if len(api) != 2 {
		t.Fatalf("API requests = %d, want 2", len(api))
	}
	for _, u := range api {
		if got := u.Query().Get("quotaUser"); got != workspace {
			t.Errorf("%s: quotaUser = %q, want %s", u.Path, got, workspace)
		}
	}
	// One assertion for the check, one for the user; the token is reused.
	if n := len(e.rec.requests("/google/token")); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestUserTokenCallsSendNoQuotaUser(t *testing.T) {
	e := newEnv(t)
	g := e.link(personal)
	if _, err := e.client.Calendars(context.Background(), e.client.TokenSource(context.Background(), e.app, g.Token), ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range e.rec.requests("/google/calendar/v3/") {
		if u.Query().Has("quotaUser") {
			t.Errorf("%s carries quotaUser for a user's own token", u)
		}
	}
}

func TestServiceAccountRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	delegated := e.serviceKey("delegated", "calendar")
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		key      []byte
		user     string
		want     error // from the user's token source
		checkErr error // from CheckServiceCredentials; nil: passes
	}{
		{name: "unknown user in the domain", key: delegated, user: "nobody@acme.test", want: linking.ErrInvalidGrant},
		{name: "user outside the delegated domain", key: delegated, user: personal, want: linking.ErrInvalidCredentials},
		{name: "no domain-wide delegation", key: e.serviceKey("plain"), user: workspace, want: linking.ErrInvalidCredentials},
		{name: "delegation without the calendar scope", key: e.serviceKey("readonly", "calendar.readonly"), user: workspace,
			want: linking.ErrInvalidCredentials},
		{name: "key replaced by another RSA key", key: editKey(t, delegated, map[string]any{"private_key": pemKey(t, otherRSA)}),
			user: workspace, want: linking.ErrInvalidCredentials, checkErr: linking.ErrInvalidCredentials},
		{name: "service account unknown to Google", key: editKey(t, delegated, map[string]any{"client_email": "gone@calsync-emulator.iam.gserviceaccount.com"}),
			user: workspace, want: linking.ErrInvalidCredentials, checkErr: linking.ErrInvalidCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds := linking.ServiceCredentials{GoogleKeyJSON: tc.key}
			err := e.client.CheckServiceCredentials(ctx, creds)
			if tc.checkErr == nil && err != nil {
				t.Fatalf("check service credentials: %v", err)
			}
			if tc.checkErr != nil {
				wantSentinel(t, err, tc.checkErr)
			}
			ts, err := e.client.ServiceTokenSource(ctx, creds, tc.user)
			if err != nil {
				t.Fatalf("service token source: %v", err)
			}
			_, err = ts.Token()
			wantSentinel(t, err, tc.want)
			_, err = e.client.Calendars(ctx, ts, tc.user)
			wantSentinel(t, err, tc.want)
		})
	}
	stored, _ := e.emu.Calendars(workspace)
	if len(stored) != 1 {
		t.Fatalf("refused credentials changed the emulator: %+v", stored)
	}
}

func TestMalformedServiceAccountKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := e.serviceKey("good", "calendar")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"empty", nil},
		{"not JSON", []byte("-----BEGIN PRIVATE KEY-----")},
		{"JSON array", []byte(`[1,2]`)},
		{"OAuth client file", []byte(`{"web":{"client_id":"x","client_secret":"y"}}`)},
		{"authorized_user", editKey(t, good, map[string]any{"type": "authorized_user"})},
		{"no client_email", editKey(t, good, map[string]any{"client_email": nil})},
		{"client_email without @", editKey(t, good, map[string]any{"client_email": "calsync"})},
		{"no private_key", editKey(t, good, map[string]any{"private_key": nil})},
		{"garbage private_key", editKey(t, good, map[string]any{"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"})},
		{"EC private_key", editKey(t, good, map[string]any{"private_key": pemKey(t, ec)})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email, err := google.ParseServiceAccountKey(tc.key)
			wantSentinel(t, err, linking.ErrInvalidCredentials)
			if email != "" {
				t.Errorf("email = %q for a malformed key", email)
			}
			creds := linking.ServiceCredentials{GoogleKeyJSON: tc.key}
			wantSentinel(t, e.client.CheckServiceCredentials(ctx, creds), linking.ErrInvalidCredentials)
			ts, err := e.client.ServiceTokenSource(ctx, creds, workspace)
			wantSentinel(t, err, linking.ErrInvalidCredentials)
			if ts != nil {
				t.Error("token source returned with an error")
			}
		})
	}
	if n := len(e.rec.requests("/google/token")); n != 0 {
		t.Fatalf("%d token requests sent for malformed keys", n)
	}
}

func TestServiceAccountTransientFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	creds := linking.ServiceCredentials{GoogleKeyJSON: e.serviceKey("calsync", "calendar")}

	if _, err := e.client.ServiceTokenSource(ctx, creds, " "); err == nil {
		t.Fatal("service token source without a user succeeded")
	}

	e.fault(emucore.Fault{PathPrefix: "/google/token", Status: 503, Count: 1})
	wantPlain(t, e.client.CheckServiceCredentials(ctx, creds))

	e.fault(emucore.Fault{PathPrefix: "/google/token", Status: 429, Count: 1})
	ts, err := e.client.ServiceTokenSource(ctx, creds, workspace)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Calendars(ctx, ts, workspace)
	wantPlain(t, err)
	if _, err := e.client.Calendars(ctx, ts, workspace); err != nil {
		t.Fatalf("calendars after the fault: %v", err)
	}

	e.fault(emucore.Fault{PathPrefix: "/google/calendar/v3/", Status: 503, Count: 1})
	_, err = e.client.Calendars(ctx, ts, workspace)
	wantPlain(t, err)
}
