package microsoft

import (
	"sort"
	"strings"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"calsync/sync/engine"
)

// tagPropertySet is the GUID of Calsync's MAPI property set, chosen once
// for Calsync. Each tag is the named string property "String
// {tagPropertySet} Name <tag key>" of the event: invisible in Outlook,
// and filterable by id and value.
const tagPropertySet = "{3f9c2b7e-5a14-4d8e-b6a0-c71e92d4f358}"

// graphDateTime is how Graph's dateTimeTimeZone wants a wall clock: local
// time in the named zone, without an offset.
const graphDateTime = "2006-01-02T15:04:05"

// TagPropertyID is the id of the single-value extended property under
// which Calsync stores the tag key on an Outlook event:
// "String {<Calsync's property set GUID>} Name <key>".
func TagPropertyID(key string) string {
	return "String " + tagPropertySet + " Name " + key
}

// tagKey returns the tag key of an extended property id, false for a
// property that is not Calsync's. Graph may change the GUID's case; the
// name is case-sensitive.
func tagKey(id string) (string, bool) {
	prefix := "String " + tagPropertySet + " Name "
	if len(id) <= len(prefix) || !strings.EqualFold(id[:len(prefix)], prefix) {
		return "", false
	}
	return id[len(prefix):], true
}

// readTags are the tag keys Get and ListTagged read back. Graph returns
// extended properties only when named in $expand, so unknown keys cannot
// be discovered.
func readTags() []string {
	return []string{engine.TagOwner, engine.TagBooking, engine.TagUser}
}

// tagsExpand is the $expand that returns Calsync's tags.
func tagsExpand() string {
	var b strings.Builder
	b.WriteString("singleValueExtendedProperties($filter=")
	for i, k := range readTags() {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("id eq " + odataString(TagPropertyID(k)))
	}
	b.WriteString(")")
	return b.String()
}

// odataString quotes s as an OData string literal.
func odataString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// fieldSet is the set of field groups an operation writes; nil fields
// mean all of them.
func fieldSet(fields []engine.Field) map[engine.Field]bool {
	if fields == nil {
		fields = engine.AllFields
	}
	set := make(map[engine.Field]bool, len(fields))
	for _, f := range fields {
		set[f] = true
	}
	return set
}

// eventZone loads the event's IANA zone ("" is UTC).
func eventZone(ev engine.Event) (*time.Location, string, error) {
	name := strings.TrimSpace(ev.TimeZone)
	if name == "" {
		return time.UTC, "UTC", nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, "", invalidEvent("unknown time zone %q", ev.TimeZone)
	}
	return loc, name, nil
}

// eventSpan is the event's start and end as Graph is sent them: wall
// clocks in the zone, or for all-day events midnight-to-midnight dates.
type eventSpan struct {
	start, end time.Time // wall clocks in loc
	loc        *time.Location
	zone       string
	allDay     bool
}

// spanOf computes the event's span. All-day events take the dates of
// Start and End in the zone; an End that is not at midnight counts its
// whole day, and an all-day event lasts at least one day.
func spanOf(ev engine.Event) (eventSpan, error) {
	loc, zone, err := eventZone(ev)
	if err != nil {
		return eventSpan{}, err
	}
	if ev.Start.IsZero() || ev.End.IsZero() {
		return eventSpan{}, invalidEvent("the event has no start or end")
	}
	if ev.End.Before(ev.Start) {
		return eventSpan{}, invalidEvent("the event ends (%s) before it starts (%s)", ev.End.Format(time.RFC3339), ev.Start.Format(time.RFC3339))
	}
	s := eventSpan{start: ev.Start.In(loc), end: ev.End.In(loc), loc: loc, zone: zone, allDay: ev.AllDay}
	if ev.AllDay {
		sd, ed := midnight(s.start), midnight(s.end)
		if !ed.Equal(s.end) {
			ed = ed.AddDate(0, 0, 1)
		}
		if !ed.After(sd) {
			ed = sd.AddDate(0, 0, 1)
		}
		s.start, s.end = sd, ed
	}
	return s, nil
}

// midnight is the start of t's day in t's location.
func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func dateTimeTZ(t time.Time, zone string) models.DateTimeTimeZoneable {
	v := models.NewDateTimeTimeZone()
	v.SetDateTime(ptr(t.Format(graphDateTime)))
	v.SetTimeZone(ptr(zone))
	return v
}

// renderEvent builds the Graph event Calsync sends for ev: the whole
// event on create, only the groups in fields (nil: all) on update.
//
// title → subject; description → body as plain text; location →
// location.displayName; time → start/end (wall clock in the event's IANA
// zone, no offset) and isAllDay; recurrence → a patternedRecurrence from
// the RRULE (null when there is none); busy → showAs busy or free; tags →
// single-value extended properties. Reminders are not sent, so Outlook
// applies the mailbox default, and there are no attendees, so nobody is
// mailed. A series always gets start, end and recurrence together: the
// recurrence range starts on the start's date.
func renderEvent(ev engine.Event, fields []engine.Field, create bool) (models.Eventable, error) {
	want := fieldSet(fields)
	if create {
		want = fieldSet(nil)
	}
	span, err := spanOf(ev)
	if err != nil {
		return nil, err
	}
	out := models.NewEvent()
	if create {
		if strings.TrimSpace(ev.Key) == "" {
			return nil, invalidEvent("the event has no key")
		}
		out.SetTransactionId(ptr(ev.Key))
	}
	if want[engine.FieldTitle] {
		out.SetSubject(ptr(ev.Title))
	}
	if want[engine.FieldDescription] {
		body := models.NewItemBody()
		text := models.TEXT_BODYTYPE
		body.SetContentType(&text)
		body.SetContent(ptr(ev.Description))
		out.SetBody(body)
	}
	if want[engine.FieldLocation] {
		l := models.NewLocation()
		l.SetDisplayName(ptr(ev.Location))
		out.SetLocation(l)
	}
	recurring := strings.TrimSpace(ev.RRule) != ""
	sendTime := want[engine.FieldTime] || recurring && want[engine.FieldRecurrence]
	sendRecurrence := want[engine.FieldRecurrence] || recurring && want[engine.FieldTime]
	if sendTime {
		out.SetStart(dateTimeTZ(span.start, span.zone))
		out.SetEnd(dateTimeTZ(span.end, span.zone))
		out.SetIsAllDay(ptr(span.allDay))
	}
	if sendRecurrence {
		if recurring {
			rec, err := graphRecurrence(ev.RRule, span)
			if err != nil {
				return nil, err
			}
			out.SetRecurrence(rec)
		} else if !create {
			// The model leaves nil properties out; an explicit null ends
			// the series.
			out.SetAdditionalData(map[string]any{"recurrence": absser.NewUntypedNull()})
		}
	}
	if want[engine.FieldBusy] {
		showAs := models.FREE_FREEBUSYSTATUS
		if ev.Busy {
			showAs = models.BUSY_FREEBUSYSTATUS
		}
		out.SetShowAs(&showAs)
	}
	if want[engine.FieldTags] && len(ev.Tags) > 0 {
		keys := make([]string, 0, len(ev.Tags))
		for k := range ev.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		props := make([]models.SingleValueLegacyExtendedPropertyable, 0, len(keys))
		for _, k := range keys {
			if strings.TrimSpace(k) == "" {
				return nil, invalidEvent("a tag has an empty key")
			}
			p := models.NewSingleValueLegacyExtendedProperty()
			p.SetId(ptr(TagPropertyID(k)))
			p.SetValue(ptr(ev.Tags[k]))
			props = append(props, p)
		}
		out.SetSingleValueExtendedProperties(props)
	}
	return out, nil
}

// remoteOf is the engine's view of a Graph event. Tags holds the tags
// the event was read with (only Calsync's known keys; see readTags).
func remoteOf(e models.Eventable) engine.Remote {
	r := engine.Remote{
		ID:        deref(e.GetId()),
		ETag:      deref(e.GetChangeKey()),
		ICalUID:   deref(e.GetICalUId()),
		Cancelled: derefBool(e.GetIsCancelled()),
	}
	for _, p := range e.GetSingleValueExtendedProperties() {
		if p == nil {
			continue
		}
		if k, ok := tagKey(deref(p.GetId())); ok {
			if r.Tags == nil {
				r.Tags = map[string]string{}
			}
			r.Tags[k] = deref(p.GetValue())
		}
	}
	return r
}

// sameContent reports whether the event Graph returned for a create shows
// what Calsync sent: subject, location, free/busy, all-day and, for single
// events, start and end. A create whose transactionId Graph already knew
// returns the earlier event; when that one differs it is checked for
// Calsync's tag and brought up to date. The body is not compared: Graph
// may hand plain text back converted.
func sameContent(got models.Eventable, ev engine.Event, span eventSpan) bool {
	if deref(got.GetSubject()) != ev.Title || derefBool(got.GetIsAllDay()) != span.allDay {
		return false
	}
	loc := ""
	if l := got.GetLocation(); l != nil {
		loc = deref(l.GetDisplayName())
	}
	if loc != ev.Location {
		return false
	}
	want := models.FREE_FREEBUSYSTATUS
	if ev.Busy {
		want = models.BUSY_FREEBUSYSTATUS
	}
	if s := got.GetShowAs(); s == nil || *s != want {
		return false
	}
	if strings.TrimSpace(ev.RRule) != "" {
		// Outlook moves a series' start to its first occurrence.
		return true
	}
	start, ok1 := wallOf(got.GetStart(), span)
	end, ok2 := wallOf(got.GetEnd(), span)
	if !ok1 || !ok2 {
		return true // a zone Calsync cannot read: do not second-guess
	}
	return start.Equal(span.start) && end.Equal(span.end)
}

// wallOf reads a dateTimeTimeZone Graph returned: an instant for timed
// events, the floating date (in span's zone) for all-day ones.
func wallOf(v models.DateTimeTimeZoneable, span eventSpan) (time.Time, bool) {
	if v == nil || v.GetDateTime() == nil {
		return time.Time{}, false
	}
	s := *v.GetDateTime()
	if span.allDay {
		d, err := time.ParseInLocation(time.DateOnly, s[:min(len(s), len(time.DateOnly))], span.loc)
		return d, err == nil
	}
	loc, ok := graphZone(deref(v.GetTimeZone()))
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", graphDateTime} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// graphZone loads a zone Graph names: UTC or an IANA name (Windows names,
// which Graph returns when a Prefer header asks for them, are not read).
func graphZone(name string) (*time.Location, bool) {
	if name == "" || strings.EqualFold(name, "UTC") || strings.EqualFold(name, "tzone://Microsoft/Utc") {
		return time.UTC, true
	}
	if name == "Local" {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

func ptr[T any](v T) *T { return &v }
