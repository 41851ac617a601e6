package linking

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/invitation"
	"calsync/ent/providerconfig"
	"calsync/ent/user"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

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
// is false; see inviteFieldworkers. Who may is the ProviderConfig policy's
// (admins).
func (s *Service) Configure(ctx context.Context, in ProviderSettings, keys KeyConverter) (*ent.ProviderConfig, error) {
	if err := s.authorizeSettings(ctx, in.Provider); err != nil {
		return nil, err
	}
	pr, err := s.provider(in.Provider)
	if err != nil {
		return nil, err
	}
	db := s.db(ctx)
	actx := audit.WithAction(ctx, "provider_config.update")
	pc, err := s.config(ctx, in.Provider)
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
		enc, err := s.box.Seal([]byte(secret), secretAD(org, in.Provider, "client_secret"))
		if err != nil {
			return nil, err
		}
		change(func(u *ent.ProviderConfigUpdateOne) { u.SetClientSecretEnc(enc) })
	case len(pc.ClientSecretEnc) > 0:
		b, err := s.box.Open(pc.ClientSecretEnc, secretAD(org, in.Provider, "client_secret"))
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
			app := OAuthApp{ClientID: clientID, ClientSecret: secret, Tenant: orDefault(tenant, "common"), RedirectURL: s.publicURL + CallbackPath(in.Provider)}
			if err := pr.CheckApp(ctx, app); err != nil {
				return nil, domain.InvalidField("clientSecret", errors.New(s.credentialsProblem(ctx, in.Provider, "this client id and secret", err)))
			}
		}
	case domain.CredentialServiceAccount:
		creds := ServiceCredentials{ClientID: clientID, ClientSecret: secret, Tenant: tenant}
		if in.Provider == domain.ProviderGoogle {
			key, email, err := s.googleKey(pc, in, keys)
			if err != nil {
				return nil, err
			}
			if key != nil {
				enc, err := s.box.Seal(key, secretAD(org, in.Provider, "service_account_key"))
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
		if s.platform[in.Provider].ClientID == "" {
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
		if asksConsent(out) && (!wasAsking || out.CredentialMode != oldMode) && (in.NotifyFieldworkers == nil || *in.NotifyFieldworkers) {
			return s.inviteFieldworkers(ctx, out)
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

// inviteFieldworkers emails an authorization link to every active
// fieldworker whose sync is on for pc's provider, except those already
// linked and those holding a pending (unused, unrevoked, unexpired) link:
// toggling a provider off and on, or changing its app, neither emails
// anyone twice nor replaces links people may be about to use.
func (s *Service) inviteFieldworkers(ctx context.Context, pc *ent.ProviderConfig) error {
	p := pc.Provider
	fws, err := s.db(ctx).User.Query().
		Where(user.Active(true), user.RoleEQ(viewer.RoleFieldworker),
			user.Not(user.HasCalendarAccountsWith(calendaraccount.ProviderEQ(p),
				calendaraccount.StatusIn(calendaraccount.StatusACTIVE, calendaraccount.StatusERROR, calendaraccount.StatusNEEDS_REAUTH))),
		).Order(ent.Asc(user.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	pending, err := s.db(ctx).Invitation.Query().
		Where(invitation.ProviderEQ(p), invitation.UsedAtIsNil(), invitation.RevokedAtIsNil(), invitation.ExpiresAtGT(s.now())).
		Select(invitation.FieldUserID).Ints(ctx)
	if err != nil {
		return err
	}
	invited := make(map[int]bool, len(pending))
	for _, id := range pending {
		invited[id] = true
	}
	var ids []int
	for _, u := range fws {
		if !invited[u.ID] && EffectiveSwitch(pc, u, p).Enabled {
			ids = append(ids, u.ID)
		}
	}
	for start := 0; start < len(ids); start += maxInvitations {
		if _, err := s.SendAuthorizationEmails(ctx, ids[start:min(start+maxInvitations, len(ids))], p); err != nil {
			return err
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
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
		key, err := s.box.Open(pc.ServiceAccountKeyEnc, secretAD(pc.OrganizationID, pc.Provider, "service_account_key"))
		return key, pc.ServiceAccountEmail, err
	}
	return nil, "", domain.InvalidField("serviceAccountKey", errors.New("upload the service account's key"))
}

// serviceCredentials decrypts the organization's service credentials.
func (s *Service) serviceCredentials(pc *ent.ProviderConfig) (ServiceCredentials, error) {
	if pc.CredentialMode != domain.CredentialServiceAccount {
		return ServiceCredentials{}, domain.Errorf(domain.CodeBadUserInput, "%s does not use a service account", pc.Provider)
	}
	c := ServiceCredentials{ClientID: pc.ClientID, Tenant: pc.MsTenantID}
	if len(pc.ClientSecretEnc) > 0 {
		b, err := s.box.Open(pc.ClientSecretEnc, secretAD(pc.OrganizationID, pc.Provider, "client_secret"))
		if err != nil {
			return c, err
		}
		c.ClientSecret = string(b)
	}
	if len(pc.ServiceAccountKeyEnc) > 0 {
		b, err := s.box.Open(pc.ServiceAccountKeyEnc, secretAD(pc.OrganizationID, pc.Provider, "service_account_key"))
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
	pr, err := s.provider(p)
	if err != nil {
		return err
	}
	pc, err := s.config(ctx, p)
	if err != nil {
		return err
	}
	if pc == nil {
		return domain.Errorf(domain.CodeBadUserInput, "%s is not configured", p)
	}
	if pc.CredentialMode == domain.CredentialServiceAccount {
		creds, err := s.serviceCredentials(pc)
		if err != nil {
			return err
		}
		if err := pr.CheckServiceCredentials(ctx, creds); err != nil {
			return domain.Errorf(domain.CodeBadUserInput, "%s", s.credentialsProblem(ctx, p, "the service credentials", err))
		}
		return nil
	}
	app, err := s.appFor(pc)
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
