package rule

import (
	"context"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/privacy"
	"calsync/ent/providerconfig"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// AllowIfSelf allows creating a row about the viewer themself: its user_id
// is the viewer's, and so is the user it names as acting (unlinked_by_id),
// if any. Users start linking their own calendar (LinkAttempt) and record
// leaving their own accounts (PastCalendarAccount) this way; rows about
// anyone else stay with admins and the system.
func AllowIfSelf() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.UserID == 0 || !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		if id, ok := m.Field("user_id"); !ok || id != any(v.UserID) {
			return privacy.Skip
		}
		if by, ok := m.Field("unlinked_by_id"); ok && by != any(v.UserID) {
			return privacy.Skip
		}
		return privacy.Allow
	})
}

// disconnectFields are what disconnecting an account changes.
var disconnectFields = map[string]bool{
	calendaraccount.FieldStatus: true, calendaraccount.FieldLastError: true,
	calendaraccount.FieldUpdatedAt: true, calendaraccount.FieldTokenEnc: true,
}

// AllowDisconnectUnheld lets a user of the organization disconnect an
// account nobody holds any more (the last member leaving it): status
// DISCONNECTED, tokens cleared, the last error noted — nothing else, and
// only once no user is attached, so nobody's sync is touched.
func AllowDisconnectUnheld() privacy.MutationRule {
	return privacy.CalendarAccountMutationRuleFunc(func(ctx context.Context, m *ent.CalendarAccountMutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.UserID == 0 || !m.Op().Is(ent.OpUpdateOne) {
			return privacy.Skip
		}
		id, ok := m.ID()
		if !ok {
			return privacy.Skip
		}
		if st, ok := m.Status(); !ok || st != calendaraccount.StatusDISCONNECTED {
			return privacy.Skip
		}
		for _, f := range append(m.Fields(), m.ClearedFields()...) {
			if !disconnectFields[f] {
				return privacy.Skip
			}
		}
		if len(m.AddedEdges()) > 0 || len(m.RemovedEdges()) > 0 || len(m.ClearedEdges()) > 0 {
			return privacy.Skip
		}
		held, err := m.Client().User.Query().Where(user.HasCalendarAccountsWith(calendaraccount.ID(id))).Exist(ctx)
		if err != nil {
			return privacy.Denyf("account %d: %v", id, err)
		}
		if held {
			return privacy.Skip
		}
		return privacy.Allow
	})
}

// syncChoice is a user's per-provider choice, as User fields.
type syncChoice struct {
	provider       domain.Provider
	field, byAdmin string
}

var syncChoices = []syncChoice{
	{domain.ProviderGoogle, user.FieldGoogleSync, user.FieldGoogleSyncSetByAdmin},
	{domain.ProviderMicrosoft, user.FieldMicrosoftSync, user.FieldMicrosoftSyncSetByAdmin},
}

// DenySelfSyncChoiceUnlessAllowed refuses a user's change of their own
// calendar-sync choice for a provider where the organization does not let
// users override its setting, or where an administrator has made the
// choice for them. Administrators and the system are not concerned; a
// change to someone else is left to the other rules (AllowSelfUpdate never
// allows it).
func DenySelfSyncChoiceUnlessAllowed() privacy.MutationRule {
	return privacy.UserMutationRuleFunc(func(ctx context.Context, m *ent.UserMutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.UserID == 0 || v.Role == viewer.RoleAdmin || !m.Op().Is(ent.OpUpdateOne) {
			return privacy.Skip
		}
		if id, ok := m.ID(); !ok || id != v.UserID {
			return privacy.Skip
		}
		for _, c := range syncChoices {
			_, set := m.Field(c.field)
			if !set && !m.FieldCleared(c.field) {
				continue
			}
			pc, err := m.Client().ProviderConfig.Query().Where(providerconfig.ProviderEQ(c.provider)).Only(ctx)
			if err != nil && !ent.IsNotFound(err) {
				return privacy.Denyf("provider config: %v", err)
			}
			if pc == nil || !pc.UsersCanOverride {
				return domain.Errorf(domain.CodeForbidden, "your organization does not let users change %s calendar sync", c.provider.DisplayName())
			}
			byAdmin, err := m.OldField(ctx, c.byAdmin)
			if err != nil {
				return privacy.Denyf("user %d: %v", v.UserID, err)
			}
			old, err := m.OldField(ctx, c.field)
			if err != nil {
				return privacy.Denyf("user %d: %v", v.UserID, err)
			}
			if set, _ := byAdmin.(bool); set && old.(*bool) != nil {
				return domain.Errorf(domain.CodeForbidden, "an administrator set %s calendar sync for you", c.provider.DisplayName())
			}
		}
		return privacy.Skip
	})
}
