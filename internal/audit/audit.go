// Package audit records who changed what: an ent hook turns every mutation a
// person makes into an AuditEvent in the same transaction.
package audit

import (
	"context"
	"fmt"
	"strings"

	"calsync/ent"
	"calsync/internal/viewer"
)

type actionKey struct{}

// WithAction names the action being performed ("booking.reschedule"); the
// hook records it instead of the generic "Booking.UpdateOne".
func WithAction(ctx context.Context, action string) context.Context {
	return context.WithValue(ctx, actionKey{}, action)
}

func actionFrom(ctx context.Context) string {
	s, _ := ctx.Value(actionKey{}).(string)
	return s
}

// skipped entities are bookkeeping, not settings or business data.
var skipped = map[string]bool{
	ent.TypeAuditEvent: true, ent.TypeAuthToken: true, ent.TypeEventLink: true,
	ent.TypeExternalEvent: true, ent.TypeSyncRun: true, ent.TypeProviderCalendar: true,
	ent.TypeLinkAttempt: true, ent.TypeEmailMessage: true, ent.TypeSyncOutbox: true, ent.TypeSyncPending: true,
}

// isSecret tells fields whose values never go into the audit trail.
func isSecret(field string) bool {
	return strings.HasSuffix(field, "_enc") || strings.Contains(field, "password") ||
		strings.Contains(field, "token") || field == "sync_cursor"
}

type idsMutation interface {
	IDs(context.Context) ([]int, error)
	ID() (int, bool)
	Client() *ent.Client
}

// Hook records mutations made by users (or by the system under a named
// action) as AuditEvents.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, _ := viewer.FromContext(ctx)
			action := actionFrom(ctx)
			im, ok := m.(idsMutation)
			if skipped[m.Type()] || !ok || (v.UserID == 0 && action == "") {
				return next.Mutate(ctx, m)
			}
			var ids []int
			if !m.Op().Is(ent.OpCreate) {
				var err error
				if ids, err = im.IDs(ctx); err != nil {
					return nil, err
				}
			}
			changes := map[string]any{}
			for _, f := range m.Fields() {
				if f == "updated_at" || f == "created_at" {
					continue
				}
				if isSecret(f) {
					changes[f] = "(changed)"
					continue
				}
				val, _ := m.Field(f)
				changes[f] = val
			}
			for _, f := range m.ClearedFields() {
				changes[f] = nil
			}
			for _, e := range m.AddedEdges() {
				changes[e+"+"] = m.AddedIDs(e)
			}
			for _, e := range m.RemovedEdges() {
				changes[e+"-"] = m.RemovedIDs(e)
			}
			out, err := next.Mutate(ctx, m)
			if err != nil {
				return out, err
			}
			if m.Op().Is(ent.OpCreate) {
				if id, ok := im.ID(); ok {
					ids = []int{id}
				}
			}
			org := v.OrgID
			if org == 0 {
				org = orgOf(m, ids)
			}
			if org == 0 || len(ids) == 0 {
				return out, nil
			}
			if action == "" {
				action = m.Type() + "." + strings.TrimPrefix(m.Op().String(), "Op")
			}
			c := im.Client().AuditEvent.Create().
				SetOrganizationID(org).SetAction(action).SetTargetType(m.Type()).SetTargetID(ids[0])
			if len(ids) > 1 {
				changes["ids"] = ids
			}
			c.SetChanges(changes)
			if v.UserID != 0 {
				c.SetActorID(v.UserID)
			}
			if err := c.Exec(viewer.SystemContext(ctx, org)); err != nil {
				return nil, fmt.Errorf("audit: %w", err)
			}
			return out, nil
		})
	}
}

func orgOf(m ent.Mutation, ids []int) int {
	if m.Type() == ent.TypeOrganization && len(ids) > 0 {
		return ids[0]
	}
	if v, ok := m.Field("organization_id"); ok {
		if id, ok := v.(int); ok {
			return id
		}
	}
	return 0
}
