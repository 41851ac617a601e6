package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "calsync/ent"
	"calsync/ent/privacy"
	"calsync/internal/domain"
	"calsync/internal/rule"
	"calsync/internal/viewer"
)

// CalendarAccount is a linked provider account. Several fieldworkers may
// share one; a fieldworker has at most one per provider.
type CalendarAccount struct{ ent.Schema }

// Mixin of the CalendarAccount.
func (CalendarAccount) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the CalendarAccount.
func (CalendarAccount) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").GoType(domain.ProviderGoogle).Immutable().Annotations(entgql.Type("Provider")),
		field.String("account_email").NotEmpty().MaxLen(320),
		// The provider's stable account id (Google sub, Microsoft oid).
		field.String("provider_subject").Optional().MaxLen(256),
		field.Enum("credential_mode").GoType(domain.CredentialPlatformApp).Annotations(entgql.Type("CredentialMode")),
		// The encrypted OAuth token set (access, refresh, expiry).
		field.Bytes("token_enc").Optional().Sensitive().Annotations(entgql.Skip()),
		field.Strings("scopes").Optional(),
		field.Enum("status").Values("ACTIVE", "NEEDS_REAUTH", "REVOKED", "DISCONNECTED", "ERROR").Default("ACTIVE"),
		field.String("last_error").Optional().MaxLen(2000),
		field.Time("last_synced_at").Optional().Nillable(),
		// Where Calsync's events go.
		field.String("destination_calendar_id").Optional().MaxLen(1024),
		// The sync engine's handshake with whoever announces a change for
		// the account (engine.RequestSync): sync_requested counts the
		// announcements, sync_done is the count the last successful sync
		// started from. The account needs a sync while they differ.
		field.Int("sync_requested").Default(0).NonNegative().Annotations(entgql.Skip()),
		field.Int("sync_done").Default(0).NonNegative().Annotations(entgql.Skip()),
		// When sync_requested last moved: the relay wakes accounts left
		// behind (their wake-up lost) a few seconds after.
		field.Time("sync_requested_at").Optional().Nillable().Annotations(entgql.Skip()),
	}
}

// Edges of the CalendarAccount.
func (CalendarAccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("users", User.Type),
		edge.From("calendars", ProviderCalendar.Type).Ref("account"),
		edge.From("sync_runs", SyncRun.Type).Ref("account").Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the CalendarAccount.
func (CalendarAccount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "provider", "account_email").Unique()}
}

// Annotations of the CalendarAccount.
func (CalendarAccount) Annotations() []schema.Annotation { return nil }

// ProviderCalendar is one calendar found in a linked account.
type ProviderCalendar struct{ ent.Schema }

// Mixin of the ProviderCalendar.
func (ProviderCalendar) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the ProviderCalendar.
func (ProviderCalendar) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id"),
		field.String("calendar_id").NotEmpty().MaxLen(1024),
		field.String("name").MaxLen(500),
		field.Bool("primary").Default(false),
		field.String("color").Optional(),
		// Imported and shown in Calsync.
		field.Bool("selected").Default(false),
		// Read back by two-way sync: the destination calendar of an
		// account whose organization syncs its provider both ways (read
		// whether or not it is selected).
		field.Bool("reads_back").Default(false),
		// Incremental-sync cursor: Google syncToken or Graph deltaLink.
		field.String("sync_cursor").Optional().Sensitive().Annotations(entgql.Skip()),
		// The account's right on the calendar at the provider (Google
		// owner/writer/reader/freeBusyReader; Graph owner or reader).
		field.String("access_role").Optional().MaxLen(64),
		// Push channel (Google) or subscription (Graph).
		field.String("channel_id").Optional().Annotations(entgql.Skip()),
		field.String("channel_resource_id").Optional().Annotations(entgql.Skip()),
		// "sha256:" and the hex SHA-256 of the channel's secret (Google
		// channel token, Graph clientState): enough to check one, useless
		// to forge one.
		field.String("channel_token").Optional().Sensitive().Annotations(entgql.Skip()),
		field.Time("channel_expires_at").Optional().Nillable().Annotations(entgql.Skip()),
		// The highest X-Goog-Message-Number handled on the channel: a
		// replayed Google notification is acknowledged and ignored.
		field.Int64("channel_message").Default(0).Annotations(entgql.Skip()),
		// When to try again to watch a calendar whose watch failed (the
		// safety poll reads it meanwhile).
		field.Time("channel_retry_at").Optional().Nillable().Annotations(entgql.Skip()),
		// Read requests, as the account's sync_requested/sync_done (see
		// inbound.RequestRead): a notification counts one, the reader
		// records the count it started from.
		field.Int("read_requested").Default(0).NonNegative().Annotations(entgql.Skip()),
		field.Int("read_done").Default(0).NonNegative().Annotations(entgql.Skip()),
		// Generation of the latest full read: imported events it did not
		// see are gone.
		field.Int("read_gen").Default(0).NonNegative().Annotations(entgql.Skip()),
		// The window the cursor's full read covered.
		field.Time("window_from").Optional().Nillable().Annotations(entgql.Skip()),
		field.Time("window_to").Optional().Nillable().Annotations(entgql.Skip()),
		// The next safety-net read, jittered.
		field.Time("next_poll_at").Optional().Nillable().Annotations(entgql.Skip()),
		// When the calendar's events were last read, and why the last
		// read failed (cleared by a successful read).
		field.Time("last_read_at").Optional().Nillable(),
		field.String("last_read_error").Optional().MaxLen(2000),
	}
}

// Edges of the ProviderCalendar.
func (ProviderCalendar) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", CalendarAccount.Type).Field("account_id").Unique().Required(),
	}
}

// Indexes of the ProviderCalendar.
func (ProviderCalendar) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "calendar_id").Unique(),
		index.Fields("channel_id"),
		index.Fields("selected", "next_poll_at"),
	}
}

// PastCalendarAccount records one user leaving a linked account: unlinked
// by themself or an administrator, replaced by another account of the same
// provider, or ended by the user's deactivation. The account row stays as
// it was (the engine's event links and sync runs refer to it); this row is
// what keeps the account in sight on the user once the link is gone.
type PastCalendarAccount struct{ ent.Schema }

// Mixin of the PastCalendarAccount.
func (PastCalendarAccount) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the PastCalendarAccount.
func (PastCalendarAccount) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Int("account_id").Optional().Nillable().Immutable(),
		field.Enum("provider").GoType(domain.ProviderGoogle).Immutable().Annotations(entgql.Type("Provider")),
		// The account's address at the provider, as it was when the user left.
		field.String("account_email").NotEmpty().MaxLen(320).Immutable(),
		field.Enum("credential_mode").GoType(domain.CredentialPlatformApp).Immutable().Annotations(entgql.Type("CredentialMode")),
		field.Time("unlinked_at").Immutable().Annotations(entgql.OrderField("UNLINKED_AT")),
		// Who unlinked it (nil: Calsync itself).
		field.Int("unlinked_by_id").Optional().Nillable().Immutable(),
		field.Enum("reason").Values("UNLINKED_BY_USER", "UNLINKED_BY_ADMIN", "DEACTIVATED", "REPLACED").Immutable(),
	}
}

// Edges of the PastCalendarAccount.
func (PastCalendarAccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		// The account as it is now (status, other users), while it exists.
		edge.To("account", CalendarAccount.Type).Field("account_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("unlinked_by", User.Type).Field("unlinked_by_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of the PastCalendarAccount.
func (PastCalendarAccount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "provider", "unlinked_at")}
}

// Annotations of the PastCalendarAccount: read-only in GraphQL.
func (PastCalendarAccount) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// Policy of the PastCalendarAccount: like the accounts themselves, staff
// see everyone's and other users their own; a departure is recorded by the
// user leaving, an admin or the system, and nobody edits history.
func (PastCalendarAccount) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.FilterOwnRows(true), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			rule.DenyUnlessOp(gen.OpCreate),
			rule.AllowIfSystem(),
			rule.AllowIfRole(viewer.RoleAdmin),
			rule.AllowIfSelf(),
			privacy.AlwaysDenyRule(),
		},
	}
}
