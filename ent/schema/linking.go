package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
)

// LinkAttempt is one OAuth authorization in flight: the single-use state
// sent to the provider, bound to the user, with the PKCE verifier.
type LinkAttempt struct{ ent.Schema }

// Mixin of the LinkAttempt.
func (LinkAttempt) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the LinkAttempt.
func (LinkAttempt) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Enum("provider").GoType(domain.ProviderGoogle).Annotations(entgql.Type("Provider")),
		// SHA-256 of the state parameter.
		field.String("state_hash").Unique().Sensitive(),
		// SHA-256 of the token of Calsync's own start page, which the
		// person opens (from the app or an email) to begin the consent.
		field.String("start_hash").Unique().Sensitive(),
		// SHA-256 of the nonce cookie set in the browser that began the
		// consent: the callback must come back to that same browser.
		field.String("nonce_hash").Optional().Sensitive(),
		field.Bytes("code_verifier_enc").Sensitive(),
		// The invitation that started it, if any (then the callback shows
		// a confirmation page instead of returning to the app).
		field.Int("invitation_id").Optional().Nillable(),
		field.Time("expires_at"),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of the LinkAttempt.
func (LinkAttempt) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the LinkAttempt: internal, not in GraphQL.
func (LinkAttempt) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip()}
}

// EmailMessage is an outgoing email: sent through SMTP when configured,
// otherwise kept in the outbox for admins to read.
type EmailMessage struct{ ent.Schema }

// Mixin of the EmailMessage.
func (EmailMessage) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the EmailMessage.
func (EmailMessage) Fields() []ent.Field {
	return []ent.Field{
		field.String("to").NotEmpty(),
		field.String("subject"),
		// Plain-text body. It can carry a single-use link: readable only
		// by admins.
		field.Text("body"),
		field.Text("html_body").Optional(),
		field.String("kind").Default("authorization"),
		field.Int("user_id").Optional().Nillable(),
		field.Enum("state").Values("QUEUED", "SENT", "FAILED", "OUTBOX").Default("QUEUED"),
		field.Int("attempts").Default(0),
		field.String("last_error").Optional().MaxLen(2000),
		field.Time("sent_at").Optional().Nillable(),
	}
}

// Indexes of the EmailMessage.
func (EmailMessage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "created_at")}
}

// Annotations of the EmailMessage.
func (EmailMessage) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
