package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
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
		// Incremental-sync cursor: Google syncToken or Graph deltaLink.
		field.String("sync_cursor").Optional().Sensitive().Annotations(entgql.Skip()),
		// Push channel (Google) or subscription (Graph).
		field.String("channel_id").Optional().Annotations(entgql.Skip()),
		field.String("channel_resource_id").Optional().Annotations(entgql.Skip()),
		field.String("channel_token").Optional().Sensitive().Annotations(entgql.Skip()),
		field.Time("channel_expires_at").Optional().Nillable().Annotations(entgql.Skip()),
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
	return []ent.Index{index.Fields("account_id", "calendar_id").Unique()}
}
