package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// User is a person in an organization: admin, scheduler or fieldworker.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").NotEmpty().MaxLen(320).Validate(domain.ValidateEmail).Annotations(entgql.OrderField("EMAIL")),
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.Enum("role").GoType(viewer.RoleFieldworker).Default(string(viewer.RoleFieldworker)).
			Annotations(entgql.Type("Role"), entgql.OrderField("ROLE")),
		field.Bool("active").Default(true),
		field.String("time_zone").Default("UTC").Validate(domain.ValidateTimeZone),
		field.String("password_hash").Optional().Sensitive().Annotations(entgql.Skip()),
		// The general fieldworker is the business's own default calendar.
		field.Bool("general_fieldworker").Default(false),
		// Operators run the installation (the queue dashboard shows every
		// tenant's tasks). Granted only by the CLI, never through the API.
		field.Bool("operator").Default(false).Annotations(entgql.Skip()),
		// Per-provider override of the organization's switch: nil means
		// "follow the organization"; *_set_by_admin marks an admin's choice,
		// which is honoured even where users may not override.
		field.Bool("google_sync").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Bool("google_sync_set_by_admin").Default(false).Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Bool("microsoft_sync").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Bool("microsoft_sync_set_by_admin").Default(false).Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		// Neither edge is offered in UserWhereInput: privacy rules filter the
		// rows a query returns, not the subqueries a where-filter builds, so
		// "users hosting a booking titled X" would let a fieldworker probe
		// bookings they cannot read. Staff filter bookings directly.
		edge.From("bookings", Booking.Type).Ref("hosts").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		edge.From("calendar_accounts", CalendarAccount.Type).Ref("users").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		// Accounts the user was linked to and left (unlinked, replaced,
		// deactivated), for admins to keep sight of them.
		edge.From("past_calendar_accounts", PastCalendarAccount.Type).Ref("user").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "email").Unique()}
}

// Annotations of the User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
