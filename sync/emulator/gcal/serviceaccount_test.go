package gcal_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
	"google.golang.org/api/calendar/v3"
)

// serviceAccountKey creates a service account through the control API
// with domain-wide delegation and returns its JSON key file.
func (e *env) serviceAccountKey(name, domain string, scopes ...string) []byte {
	e.t.Helper()
	status, key := e.ctl("POST", "/service-accounts", map[string]any{"name": name, "domain": domain, "scopes": scopes})
	if status != 201 {
		e.t.Fatalf("create service account: %d %s", status, key)
	}
	return key
}

func TestServiceAccountImpersonation(t *testing.T) {
	e := newEnv(t)
	e.account("ann@corp.example", "corp.example")
	key := e.serviceAccountKey("sync", "corp.example", "calendar")

	var file map[string]string
	if err := json.Unmarshal(key, &file); err != nil {
		t.Fatal(err)
	}
	if file["type"] != "service_account" || file["token_uri"] != e.srv.URL+"/google/token" || file["private_key_id"] == "" {
		t.Fatalf("key file %v", file)
	}

	ctx := context.Background()
	cfg, err := google.JWTConfigFromJSON(key, scopeCalendar)
	if err != nil {
		t.Fatalf("JWTConfigFromJSON: %v", err)
	}
	cfg.Subject = "ann@corp.example"
	svc := e.serviceWithClient(cfg.Client(ctx))
	s, en := timed(e.clock.Now().Add(24*time.Hour), time.Hour)
	ev, err := svc.Events.Insert("primary", &calendar.Event{Summary: "From the robot", Start: s, End: en}).Do()
	if err != nil {
		t.Fatalf("insert as ann: %v", err)
	}
	if ev.Organizer == nil || ev.Organizer.Email != "ann@corp.example" || ev.Creator.Email != "ann@corp.example" {
		t.Fatalf("organizer %+v creator %+v", ev.Organizer, ev.Creator)
	}
	stored, err := e.emu.CalendarEvents("ann@corp.example", false)
	if err != nil || len(stored) != 1 {
		t.Fatalf("ann's calendar holds %d events (%v)", len(stored), err)
	}

	// CredentialsFromJSONWithParams with a subject works too.
	creds, err := google.CredentialsFromJSONWithParams(ctx, key, google.CredentialsParams{Scopes: []string{scopeCalendar}, Subject: "ann@corp.example"})
	if err != nil {
		t.Fatalf("CredentialsFromJSONWithParams: %v", err)
	}
	tok, err := creds.TokenSource.Token()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	list, err := e.serviceWithToken(tok.AccessToken).Events.List("ann@corp.example").Do()
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list via credentials: %v %v", err, list)
	}
}

func TestServiceAccountDelegationRefusals(t *testing.T) {
	e := newEnv(t)
	e.account("ann@corp.example", "corp.example")
	e.account("eve@other.example", "other.example")
	e.account("gus@gmail.com", "")
	key := e.serviceAccountKey("sync", "corp.example", "calendar.readonly")
	noDelegation := e.serviceAccountKey("plain", "")
	for _, tc := range []struct {
		name    string
		key     []byte
		subject string
		scope   string
		want    string
	}{
		{"user outside the domain", key, "eve@other.example", scopeReadonly, "unauthorized_client"},
		{"consumer account", key, "gus@gmail.com", scopeReadonly, "unauthorized_client"},
		{"scope not delegated", key, "ann@corp.example", scopeCalendar, "unauthorized_client"},
		{"unknown user", key, "nobody@corp.example", scopeReadonly, "invalid_grant"},
		{"no delegation at all", noDelegation, "ann@corp.example", scopeReadonly, "unauthorized_client"},
		{"delegated scope", key, "ann@corp.example", scopeReadonly, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := google.JWTConfigFromJSON(tc.key, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Subject = tc.subject
			_, err = cfg.TokenSource(context.Background()).Token()
			if got := oauthCode(err); got != tc.want {
				t.Fatalf("want %q, got %q (%v)", tc.want, got, err)
			}
		})
	}
	// Read-only delegation cannot write.
	cfg, _ := google.JWTConfigFromJSON(key, scopeReadonly)
	cfg.Subject = "ann@corp.example"
	svc := e.serviceWithClient(cfg.Client(context.Background()))
	_, err := svc.Events.Insert("primary", newEvent("", "x", e.clock.Now())).Do()
	apiErr(t, err, 403, "insufficientPermissions")
}
