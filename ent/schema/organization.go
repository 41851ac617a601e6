package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"calsync/internal/domain"
)

// Organization is one tenant: a scheduling business.
type Organization struct{ ent.Schema }

// Mixin of the Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.String("slug").NotEmpty().MaxLen(63).Unique().Immutable().
			Match(slugRE).
			Annotations(entgql.Skip(entgql.SkipMutationUpdateInput)),
		field.String("default_time_zone").Default("UTC").Validate(domain.ValidateTimeZone),
		field.String("primary_color").Default("#1a73e8").Validate(domain.ValidateColor),
		field.String("secondary_color").Default("#8e24aa").Validate(domain.ValidateColor),
	}
}

// Edges of the Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("provider_configs", ProviderConfig.Type).Ref("organization").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("users", User.Type).Ref("organization").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Annotations of the Organization.
func (Organization) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Mutations(entgql.MutationUpdate())}
}
