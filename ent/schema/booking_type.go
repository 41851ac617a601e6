package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// BookingType is an organization's kind of booking ("Appointment",
// "Training", "Unavailable").
type BookingType struct{ ent.Schema }

// Mixin of the BookingType.
func (BookingType) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the BookingType.
func (BookingType) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100).Annotations(entgql.OrderField("NAME")),
		// Bookings of this type are synced to calendars (classes and
		// trainings often are not).
		field.Bool("sync_to_calendar").Default(true),
		// The type private events imported from a provider get.
		field.Bool("personal").Default(false),
		// The type other imported events get.
		field.Bool("default").Default(false),
		// Bookings of this type block time rather than serve a customer.
		field.Bool("unavailable").Default(false),
	}
}

// Indexes of the BookingType.
func (BookingType) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "name").Unique()}
}

// Annotations of the BookingType.
func (BookingType) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate())}
}
