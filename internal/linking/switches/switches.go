// Package switches is the switch matrix: whether a user's calendar syncs
// with a provider, and which setting decided it.
package switches

import (
	"calsync/ent"
	"calsync/internal/domain"
)

// Reason says which setting decided a user's switch.
type Reason string

// The reasons, as shown to users ("why is Link (not) offered?").
const (
	// ReasonOrganization: the organization's setting applies.
	ReasonOrganization Reason = "ORGANIZATION"
	// ReasonUserChoice: the user's own choice, allowed because the
	// organization lets users override.
	ReasonUserChoice Reason = "USER_CHOICE"
	// ReasonAdminChoice: an administrator set it for this user.
	ReasonAdminChoice Reason = "ADMIN_CHOICE"
	// ReasonInactive: deactivated users never sync.
	ReasonInactive Reason = "USER_INACTIVE"
	// ReasonNotConfigured: the provider has no usable credentials.
	ReasonNotConfigured Reason = "NOT_CONFIGURED"
)

// Switch is a user's effective setting for one provider.
type Switch struct {
	Provider domain.Provider
	Enabled  bool
	Reason   Reason
}

// Choice is a user's per-provider override as stored.
type Choice struct {
	// Value is nil when the user follows the organization.
	Value *bool
	// ByAdmin marks an administrator's choice, honoured even where users
	// may not override.
	ByAdmin bool
}

// Decide computes the effective switch: an administrator's choice for the
// user wins; otherwise the user's own choice where the organization lets
// users override; otherwise the organization's setting.
func Decide(orgEnabled, usersCanOverride, active bool, c Choice) (bool, Reason) {
	switch {
	case !active:
		return false, ReasonInactive
	case c.Value != nil && c.ByAdmin:
		return *c.Value, ReasonAdminChoice
	case c.Value != nil && usersCanOverride:
		return *c.Value, ReasonUserChoice
	default:
		return orgEnabled, ReasonOrganization
	}
}

// ChoiceOf reads a user's stored choice for p.
func ChoiceOf(u *ent.User, p domain.Provider) Choice {
	if p == domain.ProviderMicrosoft {
		return Choice{Value: u.MicrosoftSync, ByAdmin: u.MicrosoftSyncSetByAdmin}
	}
	return Choice{Value: u.GoogleSync, ByAdmin: u.GoogleSyncSetByAdmin}
}

// Effective computes u's switch for p under the organization's
// provider configuration pc (nil: never configured, so off).
func Effective(pc *ent.ProviderConfig, u *ent.User, p domain.Provider) Switch {
	if pc == nil {
		return Switch{Provider: p, Enabled: false, Reason: ReasonNotConfigured}
	}
	on, why := Decide(pc.Enabled, pc.UsersCanOverride, u.Active, ChoiceOf(u, p))
	return Switch{Provider: p, Enabled: on, Reason: why}
}

// Describe says, in the words of the person refused, which setting turned
// the switch off.
func Describe(r Reason) string {
	switch r {
	case ReasonAdminChoice:
		return "set by an administrator"
	case ReasonUserChoice:
		return "your own choice"
	case ReasonInactive:
		return "the user is deactivated"
	case ReasonNotConfigured:
		return "not set up for this organization"
	}
	return "organization setting"
}
