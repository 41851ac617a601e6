package schema

import (
	"regexp"
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

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Booking is an appointment, session, job or shift: the source of truth
// that calendars mirror.
type Booking struct{ ent.Schema }

// Mixin of the Booking.
func (Booking) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Booking.
func (Booking) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(500).Annotations(entgql.OrderField("TITLE")),
		field.Time("start_at").Annotations(entgql.OrderField("START_AT")),
		field.Time("end_at").Annotations(entgql.OrderField("END_AT")),
		// The customer's IANA time zone; times are shown to them in it.
		field.String("time_zone").Default("UTC").Validate(domain.ValidateTimeZone),
		field.Bool("all_day").Default(false),
		// RFC 5545 RRULE (without DTSTART; start_at starts the series).
		field.String("recurrence").Optional().MaxLen(1000).Validate(domain.ValidateRRule),
		// Start times of occurrences removed from the series (EXDATE).
		field.JSON("recurrence_exceptions", []time.Time{}).Optional(),
		// Occurrences moved from where the series puts them (by their
		// original start; one moved back keeps an entry at its original
		// time until its series changes, so calendars follow). Maintained
		// by internal/scheduling only (scheduling.WithMoves); GraphQL shows
		// scheduling.Moved.
		field.JSON("moved_occurrences", []domain.MovedOccurrence{}).Optional().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("status_id").Optional().Nillable(),
		field.Int("type_id").Optional().Nillable(),
		// Unpublished bookings are drafts: never synced.
		field.Bool("published").Default(true),
		// Set while the booking is in the cancellation status it was given
		// (cancelBooking, or a status change to the organization's
		// cancellation status); a change to another status reinstates the
		// booking and clears it. Maintained by internal/scheduling only.
		field.Time("cancelled_at").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("cancel_reason").Optional().MaxLen(1000).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("customer_name").Optional().MaxLen(200),
		field.String("customer_business_name").Optional().MaxLen(200),
		field.String("customer_email").Optional().MaxLen(320).Validate(func(s string) error {
			if s == "" {
				return nil
			}
			return domain.ValidateEmail(s)
		}),
		field.String("customer_phone").Optional().MaxLen(50),
		// Up to three addresses (service, billing, alternative).
		field.Strings("addresses").Optional().Validate(func(a []string) error { return domain.ValidateAddresses(a) }),
		field.String("suburb").Optional().MaxLen(200),
		field.String("service_name").Optional().MaxLen(200),
		field.String("service_description").Optional().MaxLen(5000),
		// Decimal amount as text ("120.50") with its ISO 4217 currency.
		field.String("amount").Optional().Validate(func(s string) error {
			if s == "" {
				return nil
			}
			return domain.ValidateAmount(s)
		}),
		field.String("currency").Optional().Validate(func(s string) error {
			if s == "" {
				return nil
			}
			return domain.ValidateCurrency(s)
		}),
		field.JSON("custom_properties", domain.Properties{}).Optional().Annotations(entgql.Type("Properties")),
		// Video or session link.
		field.String("session_link").Optional().MaxLen(2000),
		field.Int("created_by_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the Booking.
func (Booking) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("status", BookingStatus.Type).Field("status_id").Unique().
			Annotations(entsql.OnDelete(entsql.Restrict)),
		edge.To("type", BookingType.Type).Field("type_id").Unique().
			Annotations(entsql.OnDelete(entsql.Restrict)),
		edge.To("hosts", User.Type),
		edge.To("created_by", User.Type).Field("created_by_id").Unique().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Booking.
func (Booking) Indexes() []ent.Index {
	return []ent.Index{index.Fields("organization_id", "start_at"), index.Fields("organization_id", "end_at")}
}

// Annotations of the Booking.
func (Booking) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
