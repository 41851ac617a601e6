// Package credentials holds what Calsync calls a provider with: the
// organization's provider configuration (credential modes, the OAuth app
// of each mode, encrypted client secrets and service account keys) and
// each account's stored tokens, refreshed one at a time per account and
// revoked at the provider when the account is given up.
package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/providerconfig"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/linking/outbox"
	"calsync/internal/secret"
	"calsync/internal/store"
)

// StatusNotifier hears about account status changes (NEEDS_REAUTH…).
type StatusNotifier interface {
	AccountStatusChanged(ctx context.Context, orgID, accountID int, userIDs []int, status, lastError string)
}

// Locker serializes work on one key across processes (token refreshes of
// one account: Microsoft rotates refresh tokens, so two concurrent
// refreshes would invalidate each other).
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// Options configures the Service.
type Options struct {
	Client    *ent.Client
	Box       *secret.Box
	Providers map[domain.Provider]linking.Provider
	// Platform holds the operator's OAuth apps (client id and secret; the
	// redirect URL is derived from PublicURL).
	Platform  map[domain.Provider]linking.OAuthApp
	PublicURL string
	Locker    Locker
	// Notifier hears that an account needs to be linked again.
	Notifier StatusNotifier
	// Outbox takes the emails asking users to link again.
	Outbox *outbox.Outbox
	Now    func() time.Time
	Logger *slog.Logger
}

// Service gives the credentials to call a provider with.
type Service struct {
	client    *ent.Client
	box       *secret.Box
	providers map[domain.Provider]linking.Provider
	platform  map[domain.Provider]linking.OAuthApp
	publicURL string
	locker    Locker
	notifier  StatusNotifier
	outbox    *outbox.Outbox
	now       func() time.Time
	log       *slog.Logger
	sources   sourceCache
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{client: o.Client, box: o.Box, providers: o.Providers, platform: o.Platform,
		publicURL: strings.TrimSuffix(o.PublicURL, "/"), locker: o.Locker, notifier: o.Notifier, outbox: o.Outbox,
		now: o.Now, log: o.Logger}
}

func (s *Service) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, s.client)
}

// Provider returns the adapter for p, or a user error when this server
// does not offer p.
func (s *Service) Provider(p domain.Provider) (linking.Provider, error) {
	pr, ok := s.providers[p]
	if !ok {
		return nil, domain.Errorf(domain.CodeBadUserInput, "provider %s is not available on this server", p)
	}
	return pr, nil
}

// Config returns the organization's settings for p (nil when never set).
func (s *Service) Config(ctx context.Context, p domain.Provider) (*ent.ProviderConfig, error) {
	pc, err := s.db(ctx).ProviderConfig.Query().Where(providerconfig.ProviderEQ(p)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return pc, err
}

// App returns the OAuth app the organization uses for pc's provider.
func (s *Service) App(pc *ent.ProviderConfig) (linking.OAuthApp, error) {
	return s.AppForMode(pc, pc.CredentialMode)
}

// AppForMode returns the OAuth app of a credential mode: an account keeps
// the app it was linked with even after the organization switches modes
// (its tokens were issued to that app).
func (s *Service) AppForMode(pc *ent.ProviderConfig, mode domain.CredentialMode) (linking.OAuthApp, error) {
	p := pc.Provider
	var app linking.OAuthApp
	switch mode {
	case domain.CredentialPlatformApp:
		app = s.platform[p]
		if app.ClientID == "" {
			return app, domain.Errorf(domain.CodeBadUserInput, "this server has no platform app for %s: use a private app or a service account", p)
		}
	case domain.CredentialPrivateApp:
		if pc.ClientID == "" || len(pc.ClientSecretEnc) == 0 {
			return app, domain.Errorf(domain.CodeBadUserInput, "the organization's private %s app is not configured", p)
		}
		sec, err := s.OpenSecret(pc.OrganizationID, p, ClientSecret, pc.ClientSecretEnc)
		if err != nil {
			return app, fmt.Errorf("linking: client secret: %w", err)
		}
		app = linking.OAuthApp{ClientID: pc.ClientID, ClientSecret: string(sec), Tenant: pc.MsTenantID}
	default:
		return app, domain.Errorf(domain.CodeBadUserInput, "%s uses a service account: no consent is needed", p)
	}
	if app.Tenant == "" {
		app.Tenant = "common"
	}
	app.RedirectURL = s.publicURL + linking.CallbackPath(p)
	return app, nil
}

// PrivateApp is the organization's own OAuth app for p as an
// administrator enters it, to check against the provider before it is
// stored.
func (s *Service) PrivateApp(p domain.Provider, clientID, clientSecret, tenant string) linking.OAuthApp {
	if tenant == "" {
		tenant = "common"
	}
	return linking.OAuthApp{ClientID: clientID, ClientSecret: clientSecret, Tenant: tenant, RedirectURL: s.publicURL + linking.CallbackPath(p)}
}

// HasPlatformApp reports whether the operator offers an app for p.
func (s *Service) HasPlatformApp(p domain.Provider) bool {
	return s.platform[p].ClientID != ""
}

// Secret names an organization's secret for a provider.
type Secret string

// The secrets a provider configuration stores.
const (
	ClientSecret      Secret = "client_secret"
	ServiceAccountKey Secret = "service_account_key"
)

// SealSecret encrypts an organization's secret for p, bound to what it is.
func (s *Service) SealSecret(org int, p domain.Provider, what Secret, plain []byte) ([]byte, error) {
	return s.box.Seal(plain, secretAD(org, p, what))
}

// OpenSecret decrypts what SealSecret sealed.
func (s *Service) OpenSecret(org int, p domain.Provider, what Secret, enc []byte) ([]byte, error) {
	return s.box.Open(enc, secretAD(org, p, what))
}

func secretAD(org int, p domain.Provider, what Secret) string {
	return fmt.Sprintf("provider-config:%d:%s:%s", org, p, what)
}

// ServiceCredentials decrypts the organization's service credentials.
func (s *Service) ServiceCredentials(pc *ent.ProviderConfig) (linking.ServiceCredentials, error) {
	if pc.CredentialMode != domain.CredentialServiceAccount {
		return linking.ServiceCredentials{}, domain.Errorf(domain.CodeBadUserInput, "%s does not use a service account", pc.Provider)
	}
	c := linking.ServiceCredentials{ClientID: pc.ClientID, Tenant: pc.MsTenantID}
	if len(pc.ClientSecretEnc) > 0 {
		b, err := s.OpenSecret(pc.OrganizationID, pc.Provider, ClientSecret, pc.ClientSecretEnc)
		if err != nil {
			return c, err
		}
		c.ClientSecret = string(b)
	}
	if len(pc.ServiceAccountKeyEnc) > 0 {
		b, err := s.OpenSecret(pc.OrganizationID, pc.Provider, ServiceAccountKey, pc.ServiceAccountKeyEnc)
		if err != nil {
			return c, err
		}
		c.GoogleKeyJSON = b
	}
	if pc.Provider == domain.ProviderGoogle && c.GoogleKeyJSON == nil {
		return c, domain.Errorf(domain.CodeBadUserInput, "no Google service account key is configured")
	}
	return c, nil
}

func tokenAD(org int, p domain.Provider, email string) string {
	return fmt.Sprintf("account-token:%d:%s:%s", org, p, strings.ToLower(email))
}

// tokenJSON is the stored (encrypted) token set.
type tokenJSON struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// SealToken encrypts an account's token set for storage, bound to the
// account.
func (s *Service) SealToken(org int, p domain.Provider, email string, t *oauth2.Token) ([]byte, error) {
	data, err := json.Marshal(tokenJSON{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry})
	if err != nil {
		return nil, err
	}
	return s.box.Seal(data, tokenAD(org, p, email))
}

func (s *Service) openToken(a *ent.CalendarAccount) (*oauth2.Token, error) {
	if len(a.TokenEnc) == 0 {
		return nil, errors.New("linking: account has no token")
	}
	data, err := s.box.Open(a.TokenEnc, tokenAD(a.OrganizationID, a.Provider, a.AccountEmail))
	if err != nil {
		return nil, fmt.Errorf("linking: token: %w", err)
	}
	var t tokenJSON
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("linking: token: %w", err)
	}
	return &oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}, nil
}

// Revoke withdraws an account's grant at the provider (nothing to do for
// service-account access, or once the tokens are gone).
func (s *Service) Revoke(ctx context.Context, a *ent.CalendarAccount) error {
	if a.CredentialMode == domain.CredentialServiceAccount || len(a.TokenEnc) == 0 {
		return nil
	}
	pr, err := s.Provider(a.Provider)
	if err != nil {
		return err
	}
	pc, err := s.Config(ctx, a.Provider)
	if err != nil || pc == nil {
		return errors.Join(err, errors.New("provider not configured"))
	}
	app, err := s.AppForMode(pc, a.CredentialMode)
	if err != nil {
		return err
	}
	tok, err := s.openToken(a)
	if err != nil {
		return err
	}
	if err := pr.Revoke(ctx, app, tok); err != nil {
		return fmt.Errorf("linking: revoke: %w", err)
	}
	return nil
}
