package rule

import (
	"context"

	"entgo.io/ent/entql"

	"calsync/ent"
	"calsync/ent/authtoken"
	"calsync/ent/calendaraccount"
	"calsync/ent/privacy"
	"calsync/ent/user"
	"calsync/internal/viewer"
)

// FilterOwnRows narrows what non-admin users see of per-user data to their
// own rows: their calendar accounts (past ones too) and what hangs off
// them, their invitations and tokens. Admins (and schedulers, where
// allowScheduler is true) see the whole organization; the system is not
// filtered.
func FilterOwnRows(allowScheduler bool) privacy.QueryMutationRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.Role == viewer.RoleAdmin || (allowScheduler && v.Role == viewer.RoleScheduler) {
			return privacy.Skip
		}
		own := user.ID(v.UserID)
		switch f := f.(type) {
		case *ent.CalendarAccountFilter:
			f.WhereHasUsersWith(own)
		case *ent.ProviderCalendarFilter:
			f.WhereHasAccountWith(calendaraccount.HasUsersWith(own))
		case *ent.ExternalEventFilter:
			f.WhereHasCalendarWith(providerCalendarOfUser(v.UserID))
		case *ent.PastCalendarAccountFilter:
			f.WhereUserID(entql.IntEQ(v.UserID))
		case *ent.SyncRunFilter:
			f.WhereHasAccountWith(calendaraccount.HasUsersWith(own))
		case *ent.EventLinkFilter:
			f.WhereUserID(entql.IntEQ(v.UserID))
		case *ent.SyncConflictFilter:
			f.WhereUserID(entql.IntEQ(v.UserID))
		case *ent.InvitationFilter:
			f.WhereUserID(entql.IntEQ(v.UserID))
		case *ent.AuthTokenFilter:
			f.WhereUserID(entql.IntEQ(v.UserID))
		default:
			return privacy.Denyf("no ownership rule for %T", f)
		}
		return privacy.Skip
	})
}

// FilterSelf confines to the viewer's own rows for everyone, admins too
// (bearer tokens are personal).
func FilterSelf() privacy.QueryMutationRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		if v.System {
			return privacy.Skip
		}
		switch f := f.(type) {
		case *ent.AuthTokenFilter:
			f.WhereUserID(entql.IntEQ(v.UserID))
		default:
			return privacy.Denyf("no self rule for %T", f)
		}
		return privacy.Skip
	})
}

// selfUpdatableUserFields are what users may change on themselves.
var selfUpdatableUserFields = map[string]bool{
	user.FieldName: true, user.FieldTimeZone: true, user.FieldUpdatedAt: true,
	user.FieldPasswordHash: true, user.FieldGoogleSync: true, user.FieldMicrosoftSync: true,
}

// AllowSelfUpdate lets any user update their own name, time zone, password
// and per-provider choice, and leave their own calendar accounts — nothing
// else, and no one else. An update of one's own row changing nothing is
// allowed too: linking asks it to learn whether the viewer may act on a
// user's calendar links (see linking/consent.AuthorizeFor).
func AllowSelfUpdate() privacy.MutationRule {
	return privacy.UserMutationRuleFunc(func(ctx context.Context, m *ent.UserMutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.UserID == 0 || !m.Op().Is(ent.OpUpdateOne) {
			return privacy.Skip
		}
		if id, ok := m.ID(); !ok || id != v.UserID {
			return privacy.Skip
		}
		for _, f := range m.Fields() {
			if !selfUpdatableUserFields[f] {
				return privacy.Skip
			}
		}
		for _, f := range m.ClearedFields() {
			if !selfUpdatableUserFields[f] {
				return privacy.Skip
			}
		}
		// Leaving one's own calendar accounts (unlink) is the one edge
		// change allowed; joining one is not (it would show its events).
		for _, e := range m.RemovedEdges() {
			if e != user.EdgeCalendarAccounts {
				return privacy.Skip
			}
		}
		if len(m.AddedEdges()) > 0 || len(m.ClearedEdges()) > 0 {
			return privacy.Skip
		}
		return privacy.Allow
	})
}

// AllowAdminRevokeTokens lets an admin revoke the sessions and bearer
// tokens of users of their organization (the tenant filter has confined
// the update to it) when resetting their password or deactivating them:
// revoked_at (and the update time) only, nothing else of a token, which
// stays its owner's (FilterSelf).
func AllowAdminRevokeTokens() privacy.MutationRule {
	return privacy.AuthTokenMutationRuleFunc(func(ctx context.Context, m *ent.AuthTokenMutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.Role != viewer.RoleAdmin || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) {
			return privacy.Skip
		}
		if _, ok := m.RevokedAt(); !ok {
			return privacy.Skip
		}
		for _, f := range m.Fields() {
			if f != authtoken.FieldRevokedAt && f != authtoken.FieldUpdatedAt {
				return privacy.Skip
			}
		}
		if len(m.ClearedFields()) > 0 || len(m.AddedEdges()) > 0 || len(m.RemovedEdges()) > 0 || len(m.ClearedEdges()) > 0 {
			return privacy.Skip
		}
		return privacy.Allow
	})
}
