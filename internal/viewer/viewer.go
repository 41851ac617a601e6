// Package viewer carries who is acting through a context: a signed-in user of
// one organization, or the system acting for one organization (or for all of
// them, in the reconcile pass). Authorization rules read it; nothing else
// should decide access.
package viewer

import (
	"context"
	"fmt"
	"io"
	"strconv"
)

// Role is what a user may do inside their organization.
type Role string

// The roles, from most to least privileged.
const (
	RoleAdmin       Role = "ADMIN"
	RoleScheduler   Role = "SCHEDULER"
	RoleFieldworker Role = "FIELDWORKER"
)

// Values lists the roles; ent uses it for the enum column.
func (Role) Values() []string {
	return []string{string(RoleAdmin), string(RoleScheduler), string(RoleFieldworker)}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleScheduler || r == RoleFieldworker
}

// MarshalGQL writes the enum value (gqlgen).
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads the enum value (gqlgen).
func (r *Role) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	if !Role(s).Valid() {
		return fmt.Errorf("%v is not a role (ADMIN, SCHEDULER, FIELDWORKER)", v)
	}
	*r = Role(s)
	return nil
}

// Viewer is the acting party.
type Viewer struct {
	// UserID is the signed-in user; zero for the system.
	UserID int
	// OrgID is the organization acted in; zero only for a system viewer
	// acting across all organizations.
	OrgID int
	// Role of the user; empty for the system.
	Role Role
	// System marks background work (workers, migrations, sign-in lookup).
	System bool
	// Operator marks an operator of the whole installation (the queue
	// dashboard), read with the user on every request.
	Operator bool
}

// IsAdmin reports whether the viewer is an organization administrator.
func (v Viewer) IsAdmin() bool { return !v.System && v.Role == RoleAdmin }

// CanSchedule reports whether the viewer may manage bookings.
func (v Viewer) CanSchedule() bool {
	return !v.System && (v.Role == RoleAdmin || v.Role == RoleScheduler)
}

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer in ctx, if any.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(ctxKey{}).(Viewer)
	return v, ok
}

// SystemContext returns ctx acting as the system for one organization.
func SystemContext(ctx context.Context, orgID int) context.Context {
	return NewContext(ctx, Viewer{OrgID: orgID, System: true})
}

// AllTenantsContext returns ctx acting as the system across every
// organization. Only process-wide work (the reconcile pass, sign-in lookup,
// migrations, seeding) uses it.
func AllTenantsContext(ctx context.Context) context.Context {
	return NewContext(ctx, Viewer{System: true})
}
