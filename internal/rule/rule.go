// Package rule holds the ent privacy rules: who may read and change what.
// Every entity's policy (ent/schema) is built from these, so tenant
// isolation and roles hold for resolvers, node(id:), nested edges and
// background workers alike.
package rule

import (
	"context"
	"slices"

	"entgo.io/ent/entql"

	"calsync/ent"
	"calsync/ent/privacy"
	"calsync/internal/viewer"
)

// DenyIfNoViewer denies anything done without a viewer in the context.
func DenyIfNoViewer() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if _, ok := viewer.FromContext(ctx); !ok {
			return privacy.Denyf("no viewer in context")
		}
		return privacy.Skip
	})
}

// AllowIfAllTenantsSystem allows the system acting across organizations
// (reconcile pass, sign-in lookup, seeding).
func AllowIfAllTenantsSystem() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); v.System && v.OrgID == 0 {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AllowIfSystem allows the system acting for one organization; place it
// after FilterTenant so the tenant filter still applies.
func AllowIfSystem() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); v.System {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AllowIfRole allows viewers holding one of roles.
func AllowIfRole(roles ...viewer.Role) privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); !v.System && slices.Contains(roles, v.Role) {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// AllowIfAnyUser allows every signed-in user (after the tenant filter).
func AllowIfAnyUser() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); v.UserID != 0 {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

type tenantCreate interface {
	Op() ent.Op
	OrganizationID() (int, bool)
	SetOrganizationID(int)
}

// FilterTenant confines queries, updates and deletes to the viewer's
// organization and stamps creates with it. A create naming another
// organization is denied.
func FilterTenant() privacy.QueryMutationRule {
	return tenantRule{}
}

type tenantRule struct{}

func (tenantRule) EvalQuery(ctx context.Context, q ent.Query) error {
	return tenantFilter.EvalQuery(ctx, q)
}

func (tenantRule) EvalMutation(ctx context.Context, m ent.Mutation) error {
	v, _ := viewer.FromContext(ctx)
	if v.OrgID == 0 {
		return privacy.Denyf("no organization in viewer")
	}
	if c, ok := m.(tenantCreate); ok && c.Op().Is(ent.OpCreate) {
		// Creates carry no WHERE clause to filter: stamp or check the
		// tenant column instead.
		if id, set := c.OrganizationID(); set && id != v.OrgID {
			return privacy.Denyf("create in another organization")
		}
		c.SetOrganizationID(v.OrgID)
		return privacy.Skip
	}
	return tenantFilter.EvalMutation(ctx, m)
}

// tenantFilter adds "organization_id = viewer's" to queries, updates and
// deletes.
var tenantFilter = privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
	v, _ := viewer.FromContext(ctx)
	if v.OrgID == 0 {
		return privacy.Denyf("no organization in viewer")
	}
	tf, ok := f.(interface{ WhereOrganizationID(entql.IntP) })
	if !ok {
		return privacy.Denyf("%T has no tenant", f)
	}
	tf.WhereOrganizationID(entql.IntEQ(v.OrgID))
	return privacy.Skip
})

// FilterOwnOrganization confines Organization queries and mutations to the
// viewer's own organization (the entity that is the tenant itself).
func FilterOwnOrganization() privacy.QueryMutationRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		of, ok := f.(*ent.OrganizationFilter)
		if !ok || v.OrgID == 0 {
			return privacy.Denyf("no organization in viewer")
		}
		of.WhereID(entql.IntEQ(v.OrgID))
		return privacy.Skip
	})
}

// DenyUnlessOp denies mutations of any operation other than ops.
func DenyUnlessOp(ops ...ent.Op) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		for _, op := range ops {
			if m.Op().Is(op) {
				return privacy.Skip
			}
		}
		return privacy.Denyf("%s is not allowed on %s", m.Op(), m.Type())
	})
}
