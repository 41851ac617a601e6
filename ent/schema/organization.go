package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
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
		// Colours of imported events in the calendar view: Google events in
		// pea green, Outlook events in dark gray, as the customers' own apps
		// show them.
		field.String("google_event_color").Default("#93c572").Validate(domain.ValidateColor),
		field.String("microsoft_event_color").Default("#555555").Validate(domain.ValidateColor),
		// The status cancelling a booking gives it; set through
		// setCancellationStatus (checked to be the organization's own).
		// Unset: the status named "Cancelled", created on first use.
		field.Int("cancellation_status_id").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("provider_configs", ProviderConfig.Type).Ref("organization").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("users", User.Type).Ref("organization").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// Cancelling a booking applies this status; its deleteFromCalendar
		// decides whether cancelled bookings leave calendars or stay marked
		// cancelled. Deleting the status unsets it.
		edge.To("cancellation_status", BookingStatus.Type).Field("cancellation_status_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Annotations of the Organization.
func (Organization) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Mutations(entgql.MutationUpdate())}
}
