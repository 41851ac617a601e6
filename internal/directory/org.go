package directory

import (
	"context"

	"calsync/ent"
	"calsync/ent/providerconfig"
	"calsync/internal/audit"
	"calsync/internal/domain"
)

// ProviderConfigChange is a change to an organization's provider switches.
type ProviderConfigChange struct {
	Provider         domain.Provider
	Enabled          *bool
	UsersCanOverride *bool
	Destination      *providerconfig.Destination
	SyncDirection    *providerconfig.SyncDirection
	UnlinkPolicy     *providerconfig.UnlinkPolicy
}

// UpdateProviderConfig changes (creating on first use) the organization's
// settings for one provider.
func (d *Directory) UpdateProviderConfig(ctx context.Context, c ProviderConfigChange) (*ent.ProviderConfig, error) {
	db := d.db(ctx)
	ctx = audit.WithAction(ctx, "provider_config.update")
	pc, err := db.ProviderConfig.Query().Where(providerconfig.ProviderEQ(c.Provider)).Only(ctx)
	if ent.IsNotFound(err) {
		pc, err = db.ProviderConfig.Create().SetProvider(c.Provider).Save(ctx)
	}
	if err != nil {
		return nil, err
	}
	u := db.ProviderConfig.UpdateOne(pc)
	if c.Enabled != nil {
		u.SetEnabled(*c.Enabled)
	}
	if c.UsersCanOverride != nil {
		u.SetUsersCanOverride(*c.UsersCanOverride)
	}
	if c.Destination != nil {
		u.SetDestination(*c.Destination)
	}
	if c.SyncDirection != nil {
		u.SetSyncDirection(*c.SyncDirection)
	}
	if c.UnlinkPolicy != nil {
		u.SetUnlinkPolicy(*c.UnlinkPolicy)
	}
	return u.Save(ctx)
}
