package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
)

type schemaAnnotation = schema.Annotation

// AuditEvent records who changed what, when.
type AuditEvent struct{ ent.Schema }

// Mixin of the AuditEvent.
func (AuditEvent) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().Annotations(entgql.OrderField("CREATED_AT")),
		field.Int("actor_id").Optional().Nillable().Immutable(),
		// The action, named after the mutation ("booking.reschedule").
		field.String("action").Immutable(),
		field.String("target_type").Immutable(),
		field.Int("target_id").Optional().Immutable(),
		// What changed: field -> new value (secrets are never recorded).
		field.JSON("changes", map[string]any{}).Optional().Immutable().Annotations(entgql.Type("Map")),
	}
}

// Edges of the AuditEvent.
func (AuditEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Field("actor_id").Unique().Immutable().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of the AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "created_at")}
}

// Annotations of the AuditEvent.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Invitation is an authorization email that lets a fieldworker link a
// calendar without signing in.
type Invitation struct{ ent.Schema }

// Mixin of the Invitation.
func (Invitation) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Invitation.
func (Invitation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Enum("provider").GoType(domain.ProviderGoogle).Annotations(entgql.Type("Provider")),
		// SHA-256 of the single-use token; the token itself only travels in the email.
		field.String("token_hash").Unique().Sensitive().Annotations(entgql.Skip()),
		field.Time("expires_at"),
		field.Int("sent_by_id").Optional().Nillable(),
		field.Time("used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the Invitation.
func (Invitation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("sent_by", User.Type).Field("sent_by_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// AuthToken is a browser session or a mobile bearer token. Only its hash
// is stored.
type AuthToken struct{ ent.Schema }

// Mixin of the AuthToken.
func (AuthToken) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the AuthToken.
func (AuthToken) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Enum("kind").Values("SESSION", "BEARER"),
		field.String("token_hash").Unique().Sensitive().Annotations(entgql.Skip()),
		// A label for bearer tokens ("Anna's iPhone").
		field.String("name").Optional().MaxLen(200),
		field.Time("expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
	}
}

// Edges of the AuthToken.
func (AuthToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}
