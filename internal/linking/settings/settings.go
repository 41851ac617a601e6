// Package settings applies an administrator's provider settings — checked
// against the provider before they are stored — and users' own sync
// choices.
package settings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"calsync/ent"
	"calsync/ent/providerconfig"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/linking/credentials"
	"calsync/internal/linking/invitations"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Options configures the Service.
type Options struct {
	Client      *ent.Client
	Credentials *credentials.Service
	// Invitations asks fieldworkers to link when a change turns user
	// consent on.
	Invitations *invitations.Service
	// DirectionChanged hears, in the change's transaction, that a
	// provider's sync direction was set (two-way sync starts or stops
	// reading destination calendars).
	DirectionChanged func(ctx context.Context, pc *ent.ProviderConfig) error
	Logger           *slog.Logger
}

// Service applies provider settings and sync choices.
type Service struct {
	client      *ent.Client
	creds       *credentials.Service
	invitations *invitations.Service
	direction   func(ctx context.Context, pc *ent.ProviderConfig) error
	log         *slog.Logger
}

// New returns a Service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{client: o.Client, creds: o.Credentials, invitations: o.Invitations, direction: o.DirectionChanged, log: o.Logger}
}

func (s *Service) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, s.client)
}

// ProviderSettings is an admin's change to one provider's settings; nil
// fields stay as they are. Secrets are write-only.
type ProviderSettings struct {
	Provider         domain.Provider
	Enabled          *bool
	UsersCanOverride *bool
	CredentialMode   *domain.CredentialMode
	Destination      *providerconfig.Destination
	SyncDirection    *providerconfig.SyncDirection
	UnlinkPolicy     *providerconfig.UnlinkPolicy
	// PRIVATE_APP (and Microsoft SERVICE_ACCOUNT): the OAuth client.
	ClientID     *string
	ClientSecret *string
	// SERVICE_ACCOUNT, Google: the JSON key file, or a P12 key with its
	// password and the service account's email.
	ServiceAccountKeyJSON *string
	ServiceAccountP12     []byte
	P12Password           *string
	ServiceAccountEmail   *string
	// Microsoft: the directory (tenant) id or domain.
	TenantID *string
	// NotifyFieldworkers (nil: true) emails authorization links when the
	// change turns user consent on; see Configure.
	NotifyFieldworkers *bool
}

// KeyConverter turns provider key formats into the stored form; the
// Google adapter provides it (P12 → JSON key, JSON key → client email).
type KeyConverter interface {
	ParseServiceAccountKey(data []byte) (clientEmail string, err error)
	ServiceAccountKeyFromP12(p12 []byte, password, clientEmail string) ([]byte, error)
}

// Configure applies an admin's settings for a provider, validating
// credentials against the provider before storing them (encrypted). When
// the change turns user consent on — the provider enabled in PLATFORM_APP
// or PRIVATE_APP mode, or switched to one of them while enabled — active
// fieldworkers are asked to link (OctopusPro), unless NotifyFieldworkers
// is false; see invitations.InviteFieldworkers. Who may is the ProviderConfig policy's
// (admins).
func (s *Service) Configure(ctx context.Context, in ProviderSettings, keys KeyConverter) (*ent.ProviderConfig, error) {
	if err := s.authorizeSettings(ctx, in.Provider); err != nil {
		return nil, err
	}
	pr, err := s.creds.Provider(in.Provider)
	if err != nil {
		return nil, err
	}
	db := s.db(ctx)
	actx := audit.WithAction(ctx, "provider_config.update")
	pc, err := s.creds.Config(ctx, in.Provider)
	if err != nil {
		return nil, err
	}
	if pc == nil {
		if pc, err = db.ProviderConfig.Create().SetProvider(in.Provider).Save(actx); err != nil {
			return nil, err
		}
	}
	wasAsking := asksConsent(pc)
	oldMode := pc.CredentialMode
	// The changes are applied after the provider has accepted the
	// credentials, in a short transaction of their own: this mutation
	// runs outside the operation's transaction (@ownTransactions) so that
	// no database lock is held across the network calls.
	var changes []func(*ent.ProviderConfigUpdateOne)
	change := func(f func(*ent.ProviderConfigUpdateOne)) { changes = append(changes, f) }
	mode := pc.CredentialMode
	if in.CredentialMode != nil {
		mode = *in.CredentialMode
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetCredentialMode(mode) })
	}
	if in.Enabled != nil {
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetEnabled(*in.Enabled) })
	}
	if in.UsersCanOverride != nil {
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetUsersCanOverride(*in.UsersCanOverride) })
	}
	if in.Destination != nil {
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetDestination(*in.Destination) })
	}
	if in.SyncDirection != nil {
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetSyncDirection(*in.SyncDirection) })
	}
	if in.UnlinkPolicy != nil {
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetUnlinkPolicy(*in.UnlinkPolicy) })
	}
	org := pc.OrganizationID
	clientID := pc.ClientID
	if in.ClientID != nil {
		clientID = strings.TrimSpace(*in.ClientID)
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetClientID(clientID) })
	}
	tenant := pc.MsTenantID
	if in.TenantID != nil {
		tenant = strings.TrimSpace(*in.TenantID)
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetMsTenantID(tenant) })
	}
	var secret string
	switch {
	case in.ClientSecret != nil:
		secret = *in.ClientSecret
		enc, err := s.creds.SealSecret(org, in.Provider, credentials.ClientSecret, []byte(secret))
		if err != nil {
			return nil, err
		}
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetClientSecretEnc(enc) })
	case len(pc.ClientSecretEnc) > 0:
		b, err := s.creds.OpenSecret(org, in.Provider, credentials.ClientSecret, pc.ClientSecretEnc)
		if err != nil {
			return nil, err
		}
		secret = string(b)
	}
	// Check what the chosen mode needs, against the provider.
	switch mode {
	case domain.CredentialPrivateApp:
		if clientID == "" || secret == "" {
			return nil, domain.InvalidField("clientSecret", errors.New("a private app needs its client id and client secret"))
		}
		if in.ClientID != nil || in.ClientSecret != nil || in.TenantID != nil || in.CredentialMode != nil {
			app := s.creds.PrivateApp(in.Provider, clientID, secret, tenant)
			if err := pr.CheckApp(ctx, app); err != nil {
				return nil, domain.InvalidField("clientSecret", errors.New(s.credentialsProblem(ctx, in.Provider, "this client id and secret", err)))
			}
		}
	case domain.CredentialServiceAccount:
		creds := linking.ServiceCredentials{ClientID: clientID, ClientSecret: secret, Tenant: tenant}
		if in.Provider == domain.ProviderGoogle {
			key, email, err := s.googleKey(pc, in, keys)
			if err != nil {
				return nil, err
			}
			if key != nil {
				enc, err := s.creds.SealSecret(org, in.Provider, credentials.ServiceAccountKey, key)
				if err != nil {
					return nil, err
				}
				change(func(u *ent.ProviderConfigUpdateOne) { u.SetServiceAccountKeyEnc(enc).SetServiceAccountEmail(email) })
			}
			creds.GoogleKeyJSON = key
		} else if clientID == "" || secret == "" || tenant == "" {
			return nil, domain.InvalidField("tenantId", errors.New("Microsoft app-only access needs the tenant id, client id and client secret"))
		}
		if creds.GoogleKeyJSON != nil || in.Provider == domain.ProviderMicrosoft && (in.ClientID != nil || in.ClientSecret != nil || in.TenantID != nil || in.CredentialMode != nil) {
			if err := pr.CheckServiceCredentials(ctx, creds); err != nil {
				return nil, domain.InvalidField("serviceAccount", errors.New(s.credentialsProblem(ctx, in.Provider, "these service credentials", err)))
			}
		}
	case domain.CredentialPlatformApp:
		if !s.creds.HasPlatformApp(in.Provider) {
			return nil, domain.InvalidField("credentialMode", fmt.Errorf("this server has no platform app for %s", in.Provider))
		}
	}
	var out *ent.ProviderConfig
	err = store.InTx(ctx, s.client, func(ctx context.Context) error {
		u := s.db(ctx).ProviderConfig.UpdateOneID(pc.ID)
		for _, f := range changes {
			f(u)
		}
		var err error
		if out, err = u.Save(audit.WithAction(ctx, "provider_config.update")); err != nil {
			return err
		}
		if in.SyncDirection != nil && s.direction != nil {
			if err := s.direction(ctx, out); err != nil {
				return err
			}
		}
		if asksConsent(out) && (!wasAsking || out.CredentialMode != oldMode) && (in.NotifyFieldworkers == nil || *in.NotifyFieldworkers) {
			return s.invitations.InviteFieldworkers(ctx, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// asksConsent reports whether pc has users link through an OAuth consent.
func asksConsent(pc *ent.ProviderConfig) bool {
	return pc.Enabled && (pc.CredentialMode == domain.CredentialPlatformApp || pc.CredentialMode == domain.CredentialPrivateApp)
}

// googleKey returns the service account key to store (nil: keep the stored
// one) and its client email.
func (s *Service) googleKey(pc *ent.ProviderConfig, in ProviderSettings, keys KeyConverter) ([]byte, string, error) {
	switch {
	case in.ServiceAccountKeyJSON != nil:
		key := []byte(strings.TrimSpace(*in.ServiceAccountKeyJSON))
		email, err := keys.ParseServiceAccountKey(key)
		if err != nil {
			return nil, "", domain.InvalidField("serviceAccountKey", err)
		}
		return key, email, nil
	case in.ServiceAccountP12 != nil:
		if in.ServiceAccountEmail == nil || in.P12Password == nil {
			return nil, "", domain.InvalidField("serviceAccountKey", errors.New("a P12 key needs its password and the service account's email"))
		}
		key, err := keys.ServiceAccountKeyFromP12(in.ServiceAccountP12, *in.P12Password, strings.TrimSpace(*in.ServiceAccountEmail))
		if err != nil {
			return nil, "", domain.InvalidField("serviceAccountKey", err)
		}
		return key, strings.TrimSpace(*in.ServiceAccountEmail), nil
	case len(pc.ServiceAccountKeyEnc) > 0:
		key, err := s.creds.OpenSecret(pc.OrganizationID, pc.Provider, credentials.ServiceAccountKey, pc.ServiceAccountKeyEnc)
		return key, pc.ServiceAccountEmail, err
	}
	return nil, "", domain.InvalidField("serviceAccountKey", errors.New("upload the service account's key"))
}

// authorizeSettings asks the ProviderConfig policy whether the viewer may
// change p's settings, before any provider is called with credentials.
func (s *Service) authorizeSettings(ctx context.Context, p domain.Provider) error {
	return providerconfig.Policy.EvalMutation(ctx, s.db(ctx).ProviderConfig.Update().Where(providerconfig.ProviderEQ(p)).Mutation())
}

// TestConnection checks the stored credentials of p against the provider.
// It opens the stored secrets, so it is for whoever may change the
// settings (authorizeSettings).
func (s *Service) TestConnection(ctx context.Context, p domain.Provider) error {
	if err := s.authorizeSettings(ctx, p); err != nil {
		return err
	}
	pr, err := s.creds.Provider(p)
	if err != nil {
		return err
	}
	pc, err := s.creds.Config(ctx, p)
	if err != nil {
		return err
	}
	if pc == nil {
		return domain.Errorf(domain.CodeBadUserInput, "%s is not configured", p)
	}
	if pc.CredentialMode == domain.CredentialServiceAccount {
		creds, err := s.creds.ServiceCredentials(pc)
		if err != nil {
			return err
		}
		if err := pr.CheckServiceCredentials(ctx, creds); err != nil {
			return domain.Errorf(domain.CodeBadUserInput, "%s", s.credentialsProblem(ctx, p, "the service credentials", err))
		}
		return nil
	}
	app, err := s.creds.App(pc)
	if err != nil {
		return err
	}
	if err := pr.CheckApp(ctx, app); err != nil {
		return domain.Errorf(domain.CodeBadUserInput, "%s", s.credentialsProblem(ctx, p, "the OAuth client", err))
	}
	return nil
}

// SetChoice sets a user's own switch for p (nil: follow the
// organization). The User policy decides who may: users for themselves
// only where the organization lets users override and no administrator
// chose for them (rule.DenySelfSyncChoiceUnlessAllowed), administrators
// for anyone.
func (s *Service) SetChoice(ctx context.Context, userID int, p domain.Provider, enabled *bool) (*ent.User, error) {
	v, _ := viewer.FromContext(ctx)
	db := s.db(ctx)
	target, err := db.User.Get(ctx, userID)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("user", userID)
	}
	if err != nil {
		return nil, err
	}
	// Not a permission: an administrator's choice is recorded as theirs
	// (honoured even where users may not override).
	byAdmin := v.IsAdmin()
	u := db.User.UpdateOne(target)
	// Users never touch the admin flag (their privacy rule forbids it): it
	// is already false whenever they may choose.
	switch {
	case p == domain.ProviderMicrosoft && enabled == nil:
		u.ClearMicrosoftSync()
	case p == domain.ProviderMicrosoft:
		u.SetMicrosoftSync(*enabled)
	case enabled == nil:
		u.ClearGoogleSync()
	default:
		u.SetGoogleSync(*enabled)
	}
	if byAdmin {
		if p == domain.ProviderMicrosoft {
			u.SetMicrosoftSyncSetByAdmin(enabled != nil)
		} else {
			u.SetGoogleSyncSetByAdmin(enabled != nil)
		}
	}
	return u.Save(audit.WithAction(ctx, "user.calendar_sync"))
}

// credentialsProblem says in one sentence why p did not accept what (an
// OAuth client, service credentials) and logs the provider's answer once.
func (s *Service) credentialsProblem(ctx context.Context, p domain.Provider, what string, err error) string {
	s.log.WarnContext(ctx, "provider refused credentials", slog.String("provider", string(p)), slog.Any("error", err))
	switch {
	case errors.Is(err, linking.ErrMissingScope):
		return fmt.Sprintf("%s accepted %s but refused calendar access: an administrator of the tenant must grant the app the Calendars.ReadWrite application permission", p.DisplayName(), what)
	case errors.Is(err, linking.ErrInvalidCredentials):
		return fmt.Sprintf("%s refused %s: check that they are current and copied whole", p.DisplayName(), what)
	}
	return fmt.Sprintf("%s could not be reached to check %s; try again in a few minutes", p.DisplayName(), what)
}
