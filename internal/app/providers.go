package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"calsync/internal/config"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/sync/emulator"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
	"calsync/sync/engine"
	"calsync/sync/google"
	"calsync/sync/microsoft"
)

// providerSetup is what the configuration's CALSYNC_PROVIDERS selects.
type providerSetup struct {
	providers map[domain.Provider]linking.Provider
	platform  map[domain.Provider]linking.OAuthApp
	google    *google.Client
	microsoft *microsoft.Client
	// emulators runs in-process (CALSYNC_PROVIDERS=emulator), mounted on
	// Calsync's own server.
	emulators *emulator.Server
}

// setupProviders builds the adapters and the platform apps. With the
// emulators, the platform apps are registered there under ids derived from
// the master key and the public URL, so restarts find them again. The
// adapters' requests go through instrument (metrics), per provider.
func setupProviders(ctx context.Context, cfg config.Config, key []byte, httpClient *http.Client, instrument func(provider string, hc *http.Client) *http.Client) (*providerSetup, error) {
	ps := &providerSetup{platform: map[domain.Provider]linking.OAuthApp{}}
	var gEnd google.Endpoints
	var mEnd microsoft.Endpoints
	switch cfg.Providers {
	case "real":
		gEnd, mEnd = google.DefaultEndpoints(), microsoft.DefaultEndpoints()
		if cfg.GoogleClientID != "" {
			ps.platform[domain.ProviderGoogle] = linking.OAuthApp{ClientID: cfg.GoogleClientID, ClientSecret: cfg.GoogleClientSecret}
		}
		if cfg.MicrosoftClientID != "" {
			ps.platform[domain.ProviderMicrosoft] = linking.OAuthApp{ClientID: cfg.MicrosoftClientID, ClientSecret: cfg.MicrosoftClientSecret, Tenant: cfg.MicrosoftTenant}
		}
	default:
		base := cfg.Providers
		if base == "emulator" {
			base = cfg.PublicURL
			emu, err := emulator.New(emulator.Options{
				AllowInsecureWebhooks: true,
				SnapshotPath:          filepath.Join(cfg.DataDir, "emulator.json"),
			})
			if err != nil {
				return nil, err
			}
			ps.emulators = emu
		}
		gEnd, mEnd = google.EmulatorEndpoints(base), microsoft.EmulatorEndpoints(base)
		g, m := emulatorApps(cfg, key)
		if err := registerEmulatorApps(ctx, ps.emulators, base, cfg.PublicURL, httpClient, g, m); err != nil {
			return nil, err
		}
		ps.platform[domain.ProviderGoogle] = g
		ps.platform[domain.ProviderMicrosoft] = m
	}
	ps.google = google.New(google.Options{Endpoints: gEnd, HTTPClient: instrument("google", httpClient)})
	ps.microsoft = microsoft.New(microsoft.Options{Endpoints: mEnd, HTTPClient: instrument("microsoft", httpClient)})
	ps.providers = map[domain.Provider]linking.Provider{
		domain.ProviderGoogle:    ps.google,
		domain.ProviderMicrosoft: ps.microsoft,
	}
	return ps, nil
}

// emulatorApps derives the platform apps' ids and secrets.
func emulatorApps(cfg config.Config, key []byte) (g, m linking.OAuthApp) {
	id := hex.EncodeToString(derive(key, "emulator-app:"+cfg.PublicURL))
	secret := hex.EncodeToString(derive(key, "emulator-secret:"+cfg.PublicURL))
	g = linking.OAuthApp{ClientID: "calsync-" + id[:16] + ".apps.googleusercontent.com", ClientSecret: secret}
	m = linking.OAuthApp{ClientID: id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32], ClientSecret: secret, Tenant: "common"}
	return g, m
}

// registerEmulatorApps registers the platform apps at the emulator (base),
// redirecting to Calsync's callbacks (publicURL).
func registerEmulatorApps(ctx context.Context, emu *emulator.Server, base, publicURL string, hc *http.Client, g, m linking.OAuthApp) error {
	gRedirect := []string{publicURL + linking.CallbackPath(domain.ProviderGoogle)}
	mRedirect := []string{publicURL + linking.CallbackPath(domain.ProviderMicrosoft)}
	if emu != nil {
		if err := emu.Google.RegisterClient(gcal.Client{ClientID: g.ClientID, ClientSecret: g.ClientSecret, Name: "Calsync", RedirectURIs: gRedirect}); err != nil {
			return fmt.Errorf("app: register Google platform app: %w", err)
		}
		if _, err := emu.Microsoft.RegisterApp(outlook.AppSpec{ClientID: m.ClientID, ClientSecret: m.ClientSecret, DisplayName: "Calsync", RedirectURIs: mRedirect}); err != nil && !errors.Is(err, outlook.ErrConflict) {
			return fmt.Errorf("app: register Microsoft platform app: %w", err)
		}
		return nil
	}
	// A standalone emulator: register through its control API.
	post := func(path string, body any, okConflict bool) error {
		data, _ := json.Marshal(body)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("app: emulator at %s: %w", base, err)
		}
		res.Body.Close()
		if res.StatusCode/100 != 2 && !(okConflict && res.StatusCode == http.StatusConflict) {
			return fmt.Errorf("app: emulator at %s: POST %s: %s", base, path, res.Status)
		}
		return nil
	}
	if err := post("/_emulator/google/clients", gcal.Client{ClientID: g.ClientID, ClientSecret: g.ClientSecret, Name: "Calsync", RedirectURIs: gRedirect}, false); err != nil {
		return err
	}
	return post("/_emulator/microsoft/apps", outlook.AppSpec{ClientID: m.ClientID, ClientSecret: m.ClientSecret, DisplayName: "Calsync", RedirectURIs: mRedirect}, true)
}

// keyConverter adapts the Google adapter's key helpers to linking.
type keyConverter struct{ tokenURI string }

func (k keyConverter) ParseServiceAccountKey(data []byte) (string, error) {
	return google.ParseServiceAccountKey(data)
}

func (k keyConverter) ServiceAccountKeyFromP12(p12 []byte, password, clientEmail string) ([]byte, error) {
	return google.ServiceAccountKeyFromP12(p12, password, clientEmail, k.tokenURI)
}

// engineProviders are the same adapters seen by the sync engine.
func (ps *providerSetup) engineProviders() map[domain.Provider]engine.Provider {
	return map[domain.Provider]engine.Provider{
		domain.ProviderGoogle:    ps.google,
		domain.ProviderMicrosoft: ps.microsoft,
	}
}
