package rule

import (
	"context"

	"calsync/ent"
	"calsync/ent/bookingstatus"
	"calsync/ent/organization"
	"calsync/ent/privacy"
	"calsync/internal/viewer"
)

// CancellationStatusName is the name of an organization's default
// cancellation status, the one cancelling a booking creates and chooses
// when the organization has none (scheduling.CancellationStatusName).
const CancellationStatusName = "Cancelled"

// noCancellationStatus tells whether the viewer's organization has not
// chosen a cancellation status yet.
func noCancellationStatus(ctx context.Context, c *ent.Client, orgID int) (bool, error) {
	return c.Organization.Query().Where(organization.ID(orgID), organization.CancellationStatusIDIsNil()).Exist(ctx)
}

// AllowSchedulerCreateCancellationStatus lets a scheduler cancelling a
// booking create the organization's default cancellation status — named
// CancellationStatusName, pushed and removing events — while the
// organization has none chosen; any other status stays with admins.
func AllowSchedulerCreateCancellationStatus() privacy.MutationRule {
	return privacy.BookingStatusMutationRuleFunc(func(ctx context.Context, m *ent.BookingStatusMutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.Role != viewer.RoleScheduler || !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		if name, _ := m.Name(); name != CancellationStatusName {
			return privacy.Skip
		}
		if push, _ := m.PushToCalendar(); !push {
			return privacy.Skip
		}
		if del, _ := m.DeleteFromCalendar(); !del {
			return privacy.Skip
		}
		none, err := noCancellationStatus(ctx, m.Client(), v.OrgID)
		if err != nil {
			return privacy.Denyf("organization %d: %v", v.OrgID, err)
		}
		if !none {
			return privacy.Skip
		}
		return privacy.Allow
	})
}

// AllowSchedulerChooseCancellationStatus lets a scheduler cancelling a
// booking make the status named CancellationStatusName the organization's
// cancellation status while it has none chosen: that field (and the update
// time), nothing else; changing a chosen one stays with admins.
func AllowSchedulerChooseCancellationStatus() privacy.MutationRule {
	return privacy.OrganizationMutationRuleFunc(func(ctx context.Context, m *ent.OrganizationMutation) error {
		v, _ := viewer.FromContext(ctx)
		if v.System || v.Role != viewer.RoleScheduler || !m.Op().Is(ent.OpUpdateOne) {
			return privacy.Skip
		}
		if id, ok := m.ID(); !ok || id != v.OrgID {
			return privacy.Skip
		}
		for _, f := range m.Fields() {
			if f != organization.FieldCancellationStatusID && f != organization.FieldUpdatedAt {
				return privacy.Skip
			}
		}
		for _, e := range m.AddedEdges() {
			if e != organization.EdgeCancellationStatus {
				return privacy.Skip
			}
		}
		if len(m.ClearedFields()) > 0 || len(m.RemovedEdges()) > 0 || len(m.ClearedEdges()) > 0 {
			return privacy.Skip
		}
		statusID, ok := m.CancellationStatusID()
		if !ok {
			return privacy.Skip
		}
		none, err := noCancellationStatus(ctx, m.Client(), v.OrgID)
		if err != nil {
			return privacy.Denyf("organization %d: %v", v.OrgID, err)
		}
		if !none {
			return privacy.Skip
		}
		named, err := m.Client().BookingStatus.Query().Where(bookingstatus.ID(statusID), bookingstatus.Name(CancellationStatusName)).Exist(ctx)
		if err != nil {
			return privacy.Denyf("booking status %d: %v", statusID, err)
		}
		if !named {
			return privacy.Skip
		}
		return privacy.Allow
	})
}
