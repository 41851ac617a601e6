package schema

import (
	"entgo.io/ent"

	gen "calsync/ent"
	"calsync/ent/privacy"
	"calsync/internal/rule"
	"calsync/internal/viewer"
)

// Who may read and change what. The TenantMixin's policy runs first for
// every tenant entity: no viewer → denied; the all-tenants system →
// allowed; anyone else → confined to their organization. The policies
// below then decide by role.

// Policy of the TenantMixin.
func (TenantMixin) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.AllowIfAllTenantsSystem(),
			rule.FilterTenant(),
		},
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.AllowIfAllTenantsSystem(),
			rule.FilterTenant(),
		},
	}
}

// adminWrites: everyone in the organization reads; admins (and the system)
// write.
func adminWrites() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			privacy.AlwaysDenyRule(),
		},
	}
}

// ownRowsAdminWrites: non-staff read only their own rows; admins and the
// system write.
func ownRowsAdminWrites(schedulerSeesAll bool) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.FilterOwnRows(schedulerSeesAll), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the Organization: only one's own; only admins change it (a
// scheduler cancelling a booking may choose the default cancellation
// status where none is chosen); only the system creates or deletes
// organizations.
func (Organization) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.AllowIfAllTenantsSystem(),
			rule.FilterOwnOrganization(),
			privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.AllowIfAllTenantsSystem(),
			rule.DenyUnlessOp(gen.OpUpdateOne, gen.OpUpdate),
			rule.FilterOwnOrganization(),
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			rule.AllowSchedulerChooseCancellationStatus(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the ProviderConfig.
func (ProviderConfig) Policy() ent.Policy { return adminWrites() }

// Policy of the User: admins manage users; users change a few of their own
// fields — their sync choice only where the organization lets them — and
// leave their own calendar accounts. Linking asks this policy who may act
// on a user's calendar links (link, unlink, re-sync).
func (User) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			rule.DenySelfSyncChoiceUnlessAllowed(),
			rule.AllowSelfUpdate(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the BookingStatus: everyone reads; admins write; a scheduler
// cancelling a booking may create the organization's default cancellation
// status where it has none.
func (BookingStatus) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			rule.AllowSchedulerCreateCancellationStatus(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the BookingType.
func (BookingType) Policy() ent.Policy { return adminWrites() }

// Policy of the Booking: fieldworkers see the bookings they host; admins
// and schedulers see and change all.
func (Booking) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.FilterBookings(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin, viewer.RoleScheduler),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the CalendarAccount: staff see all, others their own; admins
// and the system write; the last user leaving an account disconnects it.
func (CalendarAccount) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.FilterOwnRows(true), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			rule.AllowDisconnectUnheld(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the ProviderCalendar.
func (ProviderCalendar) Policy() ent.Policy { return ownRowsAdminWrites(true) }

// Policy of the EventLink.
func (EventLink) Policy() ent.Policy { return ownRowsAdminWrites(true) }

// Policy of the ExternalEvent: schedulers see everyone's busy time, so
// nobody is double-booked.
func (ExternalEvent) Policy() ent.Policy { return ownRowsAdminWrites(true) }

// Policy of the SyncRun.
func (SyncRun) Policy() ent.Policy { return ownRowsAdminWrites(true) }

// Policy of the SyncConflict: fieldworkers read their own; only the system
// writes (resolveSyncConflict checks who may resolve, then acts as it).
func (SyncConflict) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.FilterOwnRows(true), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{rule.AllowIfSystem(), privacy.AlwaysDenyRule()},
	}
}

// Policy of the Invitation: only admins (and the system) send
// authorization emails.
func (Invitation) Policy() ent.Policy { return ownRowsAdminWrites(false) }

// Policy of the AuditEvent: admins read it; anyone's actions append to it;
// nobody edits it.
func (AuditEvent) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			privacy.AlwaysDenyRule(),
		},
		Mutation: privacy.MutationPolicy{
			rule.DenyUnlessOp(gen.OpCreate),
			rule.AllowIfSystem(),
			rule.AllowIfAnyUser(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the AuthToken: personal; created by the auth package as the
// system, revoked by their owner — or by an admin of their organization
// (a password reset, a deactivation).
func (AuthToken) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.FilterSelf(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.DenyUnlessOp(gen.OpUpdateOne, gen.OpUpdate),
			rule.AllowAdminRevokeTokens(),
			rule.FilterSelf(),
			rule.AllowIfAnyUser(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the LinkAttempt: users start linking their own calendar;
// everything else about OAuth state (reading it back by its token, spending
// it) is the system's, once a token proved which attempt it is.
func (LinkAttempt) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.AllowIfSystem(), privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{
			rule.AllowIfSystem(),
			rule.DenyUnlessOp(gen.OpCreate),
			rule.AllowIfSelf(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Policy of the EmailMessage: admins read the outbox (it holds single-use
// links); the system writes it.
func (EmailMessage) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.AllowIfSystem(), rule.AllowIfRole(viewer.RoleAdmin), privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{rule.AllowIfSystem(), privacy.AlwaysDenyRule()},
	}
}
