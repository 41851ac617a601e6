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
		// Bookings in this status are pushed to calendars; moving a booking
		// to a status that is not pushed leaves its events as they are,
		// unless delete_from_calendar removes them.
		field.Bool("push_to_calendar").Default(true),
		// What happens to a booking's event once the booking leaves that
		// calendar — deleted, moved to another fieldworker, cancelled, or
		// put in this status while it is not pushed: on, Calsync removes
		// the event; off, the event stays (a cancelled booking's marked
		// "Cancelled:" and free; a deleted or moved booking's no longer
		// managed: Calsync forgets it and never touches it again).
		field.Bool("delete_from_calendar").Default(true),
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
