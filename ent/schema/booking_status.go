package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
)

// BookingStatus is an organization's booking status ("Confirmed",
// "Cancelled") with what it means for calendars.
type BookingStatus struct{ ent.Schema }

// Mixin of the BookingStatus.
func (BookingStatus) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the BookingStatus.
func (BookingStatus) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100).Annotations(entgql.OrderField("NAME")),
		field.String("color").Default("#616161").Validate(domain.ValidateColor),
		field.String("description").Optional().MaxLen(1000),
		// Bookings in this status are pushed to calendars.
		field.Bool("push_to_calendar").Default(true),
		// Moving a booking to this status removes its calendar events.
		field.Bool("delete_from_calendar").Default(false),
	}
}

// Indexes of the BookingStatus.
func (BookingStatus) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "name").Unique()}
}

// Annotations of the BookingStatus.
func (BookingStatus) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate())}
}
