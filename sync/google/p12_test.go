package google_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"testing"

	"golang.org/x/crypto/pkcs12"

	"calsync/internal/linking"
	"calsync/sync/google"
)

// testdata/service-account.p12 was made with OpenSSL the way Google's
// legacy P12 keys are: an RSA key and its self-signed certificate,
// PBE-SHA1-3DES, friendly name "privatekey", password "notasecret".
const p12Password = "notasecret"

func readP12(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/service-account.p12")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServiceAccountKeyFromP12WorksAgainstTheEmulator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// The emulator keeps public keys only; give its service account the
	// P12's key through a snapshot, as Google would after a P12 upload.
	e.serviceKey("legacy", "calendar")
	const email = "legacy@calsync-emulator.iam.gserviceaccount.com"

	key, err := google.ServiceAccountKeyFromP12(readP12(t), p12Password, email, e.client.Endpoints().TokenURL)
	if err != nil {
		t.Fatalf("convert P12: %v", err)
	}
	var file map[string]string
	if err := json.Unmarshal(key, &file); err != nil {
		t.Fatalf("key file is not JSON: %v", err)
	}
	if file["type"] != "service_account" || file["client_email"] != email || file["project_id"] != "calsync-emulator" ||
		file["token_uri"] != e.client.Endpoints().TokenURL {
		t.Fatalf("key file = %v", file)
	}
	if got, err := google.ParseServiceAccountKey(key); err != nil || got != email {
		t.Fatalf("ParseServiceAccountKey = %q, %v", got, err)
	}
	installPublicKey(t, e, email, file["private_key"])

	creds := linking.ServiceCredentials{GoogleKeyJSON: key}
	if err := e.client.CheckServiceCredentials(ctx, creds); err != nil {
		t.Fatalf("check converted credentials: %v", err)
	}
	ts, err := e.client.ServiceTokenSource(ctx, creds, workspace)
	if err != nil {
		t.Fatal(err)
	}
	cals, err := e.client.Calendars(ctx, ts, workspace)
	if err != nil {
		t.Fatalf("calendars with the P12 key: %v", err)
	}
	if len(cals) != 1 || cals[0].ID != workspace {
		t.Fatalf("calendars = %+v", cals)
	}
}

// installPublicKey replaces the service account's public keys in the
// emulator with the one of privatePEM, through Snapshot and Restore.
func installPublicKey(t *testing.T, e *env, email, privatePEM string) {
	t.Helper()
	block, _ := pem.Decode([]byte(privatePEM))
	if block == nil {
		t.Fatal("converted private key is not PEM")
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("converted private key: %v", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := e.emu.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(snap, &doc); err != nil {
		t.Fatal(err)
	}
	sas := doc["state"].(map[string]any)["serviceAccounts"].(map[string]any)
	sa, ok := sas[email].(map[string]any)
	if !ok {
		t.Fatalf("service account %s not in the snapshot", email)
	}
	sa["publicKeys"] = map[string]any{"p12": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.emu.Restore(out); err != nil {
		t.Fatalf("restore: %v", err)
	}
}

func TestServiceAccountKeyFromP12Defaults(t *testing.T) {
	key, err := google.ServiceAccountKeyFromP12(readP12(t), p12Password, "sync@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]string
	if err := json.Unmarshal(key, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["token_uri"] != "https://oauth2.googleapis.com/token" || raw["project_id"] != "" {
		t.Fatalf("key file = %v, want Google's token endpoint and no project", raw)
	}
}

func TestServiceAccountKeyFromP12Refusals(t *testing.T) {
	p12 := readP12(t)
	const email = "legacy@calsync-emulator.iam.gserviceaccount.com"
	for _, tc := range []struct {
		name, password, email string
		data                  []byte
		wrapped               error
	}{
		{name: "wrong password", data: p12, password: "secret", email: email, wrapped: pkcs12.ErrIncorrectPassword},
		{name: "not a P12", data: []byte("not a p12 file"), password: p12Password, email: email},
		{name: "truncated", data: p12[:len(p12)/2], password: p12Password, email: email},
		{name: "empty", password: p12Password, email: email},
		{name: "no client email", data: p12, password: p12Password},
		{name: "client email without domain", data: p12, password: p12Password, email: "legacy@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := google.ServiceAccountKeyFromP12(tc.data, tc.password, tc.email, "")
			wantSentinel(t, err, linking.ErrInvalidCredentials)
			if key != nil {
				t.Errorf("key = %s with an error", key)
			}
			if tc.wrapped != nil && !errors.Is(err, tc.wrapped) {
				t.Errorf("err = %v, want it to wrap %v", err, tc.wrapped)
			}
		})
	}
}
