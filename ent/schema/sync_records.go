package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"calsync/internal/domain"
)

// EventLink records which provider event stands for which booking in which
// fieldworker's calendar, and what was last pushed there.
type EventLink struct{ ent.Schema }

// Mixin of the EventLink.
func (EventLink) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the EventLink.
func (EventLink) Fields() []ent.Field {
	return []ent.Field{
		// Kept even after the booking row is deleted, so its event can be
		// found and removed.
		field.Int("booking_ref"),
		field.Int("booking_id").Optional().Nillable(),
		field.Int("user_id"),
		field.Int("account_id"),
		field.String("calendar_id").MaxLen(1024),
		// Empty until the provider confirmed the create.
		field.String("provider_event_id").Optional().MaxLen(1024),
		field.String("ical_uid").Optional().MaxLen(1024),
		// Google etag or Graph changeKey of the event as last seen.
		field.String("etag").Optional(),
		// Hash of the content last pushed: unchanged bookings cost no call.
		field.String("content_hash").Optional(),
		// Per-field-group hashes of what was last pushed, so an update
		// sends only what changed.
		field.JSON("field_hashes", map[string]string{}).Optional().Annotations(entgql.Skip()),
		// Bumped when the event must be created anew (deleted at the
		// provider, or removed and wanted again): providers refuse to
		// reuse a deleted event's id.
		field.Int("generation").Default(0),
		// The key (Google event id / Graph transactionId) of the current
		// generation.
		field.String("event_key").Optional(),
		field.Enum("state").Values("PENDING", "SYNCED", "DELETED", "FAILED").Default("PENDING"),
		field.String("last_error").Optional().MaxLen(2000),
		// CALSYNC: Calsync created the event for the booking (or adopted a
		// matching one on first contact); PROVIDER: the booking was made
		// from an event created at the provider (two-way sync). Calsync
		// renders the content of its own events only, and never deletes a
		// PROVIDER event on unlink.
		field.Enum("origin").Values("CALSYNC", "PROVIDER").Default("CALSYNC"),
		// What the provider held when both sides last agreed (after
		// Calsync's last write, or the last change taken from the
		// provider): two-way sync compares the provider's event with it to
		// see what changed there.
		field.JSON("agreed", domain.EventVersion{}).Optional().Annotations(entgql.Skip()),
		// Two-way sync's read of the calendar has met the event since
		// Calsync created it. A change feed does not report an event made
		// and deleted between two reads (Graph's delta): an unseen event
		// the read did not meet is looked up.
		field.Bool("seen").Default(false).Annotations(entgql.Skip()),
	}
}

// Edges of the EventLink.
func (EventLink) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("booking", Booking.Type).Field("booking_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("user", User.Type).Field("user_id").Unique().Required(),
		edge.To("account", CalendarAccount.Type).Field("account_id").Unique().Required(),
	}
}

// Indexes of the EventLink.
func (EventLink) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "calendar_id", "booking_ref", "user_id").Unique(),
		index.Fields("account_id", "provider_event_id"),
		// A booking's links, whatever the account (scheduling forgets
		// them when a booking leaves; the push bench watches them).
		index.Fields("booking_ref"),
	}
}

// ExternalEvent is an event read from a provider calendar, shown as busy
// time in Calsync.
type ExternalEvent struct{ ent.Schema }

// Mixin of the ExternalEvent.
func (ExternalEvent) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the ExternalEvent.
func (ExternalEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("calendar_ref_id"),
		// The calendar's account (denormalized: the calendar view and the
		// overlap checks select by account and time).
		field.Int("account_id"),
		field.String("provider_event_id").MaxLen(1024),
		// The event's title as the provider has it; the API shows "Busy"
		// instead to everyone but the owner when the event is private.
		field.String("title").MaxLen(1000).Annotations(entgql.Skip()),
		field.Time("start_at"),
		field.Time("end_at"),
		field.Bool("all_day").Default(false),
		// Private or confidential at the provider.
		field.Bool("private").Default(false),
		// Busy: the time is taken (busy, tentative or out of office).
		field.Bool("busy").Default(true),
		field.Enum("show_as").Values("FREE", "TENTATIVE", "BUSY", "OUT_OF_OFFICE", "WORKING_ELSEWHERE").Default("BUSY"),
		// confirmed or tentative.
		field.String("status").Default("confirmed"),
		field.String("recurring_series_id").Optional().MaxLen(1024),
		field.String("web_link").Optional().MaxLen(2000),
		// The calendar's read generation that last saw the event.
		field.Int("read_gen").Default(0).Annotations(entgql.Skip()),
	}
}

// Edges of the ExternalEvent.
func (ExternalEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("calendar", ProviderCalendar.Type).Field("calendar_ref_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("account", CalendarAccount.Type).Field("account_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip()),
	}
}

// Indexes of the ExternalEvent.
func (ExternalEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("calendar_ref_id", "provider_event_id").Unique(),
		index.Fields("account_id", "start_at"),
		index.Fields("calendar_ref_id", "read_gen"),
	}
}

// SyncRun is one unit of sync work for an account.
type SyncRun struct{ ent.Schema }

// Mixin of the SyncRun.
func (SyncRun) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the SyncRun.
func (SyncRun) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id"),
		field.Enum("kind").Values("INITIAL", "INCREMENTAL", "RESYNC", "UNLINK"),
		field.Enum("state").Values("QUEUED", "RUNNING", "SUCCEEDED", "FAILED").Default("QUEUED"),
		field.Int("created_count").Default(0),
		field.Int("updated_count").Default(0),
		field.Int("deleted_count").Default(0),
		field.Int("skipped_count").Default(0),
		field.Int("failed_count").Default(0),
		field.Int("total").Default(0),
		field.Int("done").Default(0),
		field.Time("started_at").Optional().Nillable(),
		field.Time("finished_at").Optional().Nillable(),
		field.String("error").Optional().MaxLen(2000),
	}
}

// Edges of the SyncRun.
func (SyncRun) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", CalendarAccount.Type).Field("account_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the SyncRun.
func (SyncRun) Annotations() []schemaAnnotation { return []schemaAnnotation{entgql.RelayConnection()} }

// SyncOutbox records, in the transaction of a booking change, that the
// change must reach calendars: the bookings it touched and their hosts
// before and after. The queue task announcing it is only a wake-up; a
// relay hands rows whose task was lost (Redis unavailable, a crash) to the
// engine after a few seconds, so a committed change is never lost.
type SyncOutbox struct{ ent.Schema }

// Mixin of the SyncOutbox.
func (SyncOutbox) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the SyncOutbox.
func (SyncOutbox) Fields() []ent.Field {
	return []ent.Field{
		// Empty: every booking of the users (what their events show changed).
		field.JSON("booking_ids", []int{}).Optional(),
		field.JSON("user_ids", []int{}).Optional(),
		field.Time("created_at").Immutable(),
	}
}

// Indexes of the SyncOutbox.
func (SyncOutbox) Indexes() []ent.Index {
	return []ent.Index{index.Fields("created_at")}
}

// Annotations of the SyncOutbox: not in the API.
func (SyncOutbox) Annotations() []schemaAnnotation {
	return []schemaAnnotation{entgql.Skip(entgql.SkipAll)}
}

// SyncPending is what an account's next sync must look at: one booking
// (booking_ref), or the whole account (booking_ref 0). seq is the account's
// sync_requested when the row was last written; a sync that started from
// sync_requested R handles, and then deletes, the rows with seq <= R.
type SyncPending struct{ ent.Schema }

// Mixin of the SyncPending.
func (SyncPending) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the SyncPending.
func (SyncPending) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id"),
		field.Int("booking_ref"),
		field.Int("seq"),
	}
}

// Edges of the SyncPending.
func (SyncPending) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", CalendarAccount.Type).Field("account_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the SyncPending.
func (SyncPending) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id", "booking_ref").Unique()}
}

// Annotations of the SyncPending: not in the API.
func (SyncPending) Annotations() []schemaAnnotation {
	return []schemaAnnotation{entgql.Skip(entgql.SkipAll)}
}

// SyncConflict is a booking changed both in Calsync and at the provider
// since they last agreed (two-way sync). Until someone resolves it, neither
// side is overwritten.
type SyncConflict struct{ ent.Schema }

// Mixin of the SyncConflict.
func (SyncConflict) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the SyncConflict.
func (SyncConflict) Fields() []ent.Field {
	return []ent.Field{
		// Kept, empty, when the booking or its link goes (a resolution
		// that deletes the booking leaves the settled conflict behind).
		field.Int("booking_id").Optional().Nillable(),
		field.Int("user_id"),
		field.Int("link_id").Optional().Nillable(),
		field.Enum("provider").GoType(domain.ProviderGoogle).Annotations(entgql.Type("Provider")),
		// The original start of the occurrence contested, for a conflict
		// over one occurrence of a series (moved or cancelled on both
		// sides); empty when the whole event is.
		field.Time("occurrence_start").Optional().Nillable().
			Comment("For a conflict over one occurrence of a recurring booking: that occurrence's original start (where its series puts it). Null when the whole event is contested."),
		// Calsync's version: the booking as its event would show it now.
		field.JSON("calsync_version", domain.EventVersion{}).Annotations(entgql.Skip()),
		// The provider's version, with the etag or change key it was read at.
		field.JSON("provider_version", domain.EventVersion{}).Annotations(entgql.Skip()),
		field.String("provider_etag").Optional().Annotations(entgql.Skip()),
		// What changed on each side: TIME, CONTENT (title, location,
		// description) or DELETED.
		field.Strings("calsync_changed").Optional(),
		field.Strings("provider_changed").Optional(),
		field.Enum("state").Values("OPEN", "RESOLVED").Default("OPEN"),
		field.Enum("resolution").Values("KEEP_CALSYNC", "KEEP_PROVIDER").Optional().Nillable(),
		field.Time("resolved_at").Optional().Nillable(),
		field.Int("resolved_by_id").Optional().Nillable(),
	}
}

// Edges of the SyncConflict.
func (SyncConflict) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("booking", Booking.Type).Field("booking_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("user", User.Type).Field("user_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("link", EventLink.Type).Field("link_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull), entgql.Skip()),
		edge.To("resolved_by", User.Type).Field("resolved_by_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of the SyncConflict.
func (SyncConflict) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("link_id", "state"),
		index.Fields("organization_id", "state", "created_at"),
	}
}

// Annotations of the SyncConflict.
func (SyncConflict) Annotations() []schemaAnnotation {
	return []schemaAnnotation{entgql.RelayConnection(), entgql.QueryField("syncConflicts").Description(
		"Changes made both in Calsync and at a provider since they last agreed (two-way sync), newest first " +
			"unless ordered: admins and schedulers see the organization's, fieldworkers their own.")}
}
