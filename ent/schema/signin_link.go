package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"calsync/ent/privacy"
	"calsync/internal/rule"
)

// SignInLink is a one-time link that lets a user set their password and
// sign in (a new organization's first admin, a password reset). Only the
// token's hash is stored; the token travels in the email or is handed
// over by the operator.
type SignInLink struct{ ent.Schema }

// Mixin of the SignInLink.
func (SignInLink) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the SignInLink.
func (SignInLink) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		// SHA-256 of the single-use token.
		field.String("token_hash").Unique().Sensitive(),
		field.Time("expires_at"),
		field.Time("used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the SignInLink.
func (SignInLink) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the SignInLink: not part of the API.
func (SignInLink) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of the SignInLink: the system alone issues and consumes sign-in
// links (the token, not a viewer, says whose link it is).
func (SignInLink) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.AllowIfSystem(), privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{rule.AllowIfSystem(), privacy.AlwaysDenyRule()},
	}
}
