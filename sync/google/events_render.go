package google

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/calendar/v3"

	"calsync/sync/engine"
)

// Layouts of the Calendar API's dates and of iCalendar recurrence dates.
const (
	dateLayout      = "2006-01-02"
	icalDateLayout  = "20060102"
	icalLocalLayout = "20060102T150405"
)

// Values of Event.transparency: opaque blocks the time (busy).
const (
	transparencyBusy = "opaque"
	transparencyFree = "transparent"
)

// renderEvent turns what Calsync wants into the Calendar API's Event
// resource, limited to fields (nil or empty: every group, plus the
// calendar's default reminders). patch marks a body for events.patch,
// where an empty value must be sent to clear what the event holds and
// fields of the other kind (date against dateTime) are nulled.
//
// Times: timed events carry dateTime as Start and End seen in TimeZone
// (UTC when empty) with timeZone set, which recurring events need.
// All-day events carry the dates of Start and End in TimeZone; End is
// exclusive, so an End after midnight counts its own day and an end on
// or before the start makes a one-day event.
func renderEvent(ev engine.Event, fields []engine.Field, patch bool) (*calendar.Event, error) {
	all := len(fields) == 0
	want := map[engine.Field]bool{}
	for _, f := range fields {
		if !slices.Contains(engine.AllFields, f) {
			return nil, fmt.Errorf("unknown field %q", f)
		}
		want[f] = true
	}
	has := func(f engine.Field) bool { return all || want[f] }

	out := &calendar.Event{}
	force := func(name string) {
		if patch {
			out.ForceSendFields = append(out.ForceSendFields, name)
		}
	}
	if has(engine.FieldTitle) {
		out.Summary = ev.Title
		force("Summary")
	}
	if has(engine.FieldDescription) {
		out.Description = ev.Description
		force("Description")
	}
	if has(engine.FieldLocation) {
		out.Location = ev.Location
		force("Location")
	}
	if has(engine.FieldTime) || has(engine.FieldRecurrence) {
		loc, zone, err := eventZone(ev.TimeZone)
		if err != nil {
			return nil, err
		}
		if has(engine.FieldTime) {
			if out.Start, out.End, err = eventTimes(ev, loc, zone, patch); err != nil {
				return nil, err
			}
		}
		if has(engine.FieldRecurrence) {
			out.Recurrence = recurrence(ev, loc, zone)
			if len(out.Recurrence) == 0 && patch {
				// A patch without the field would leave the old rule.
				out.NullFields = append(out.NullFields, "Recurrence")
			}
		}
	}
	if has(engine.FieldBusy) {
		out.Transparency = transparencyFree
		if ev.Busy {
			out.Transparency = transparencyBusy
		}
	}
	if has(engine.FieldTags) && len(ev.Tags) > 0 {
		out.ExtendedProperties = &calendar.EventExtendedProperties{Private: maps.Clone(ev.Tags)}
	}
	if all {
		out.Reminders = &calendar.EventReminders{UseDefault: true}
		if patch {
			// Patches merge objects: overrides set by the user would stay
			// next to useDefault, which Google refuses.
			out.Reminders.NullFields = []string{"Overrides"}
		}
	}
	return out, nil
}

// eventZone loads the event's IANA zone; empty means UTC.
func eventZone(name string) (*time.Location, string, error) {
	if name == "" {
		return time.UTC, "UTC", nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || strings.EqualFold(name, "local") {
		return nil, "", fmt.Errorf("unknown time zone %q", name)
	}
	return loc, name, nil
}

// eventTimes renders start and end (see renderEvent).
func eventTimes(ev engine.Event, loc *time.Location, zone string, patch bool) (start, end *calendar.EventDateTime, err error) {
	if ev.Start.IsZero() || ev.End.IsZero() {
		return nil, nil, fmt.Errorf("the event has no start or end")
	}
	if ev.AllDay {
		s := civilDay(ev.Start.In(loc))
		e := civilDay(ev.End.In(loc))
		if !ev.End.In(loc).Equal(time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, loc)) {
			e = e.AddDate(0, 0, 1)
		}
		if !e.After(s) {
			e = s.AddDate(0, 0, 1)
		}
		start = &calendar.EventDateTime{Date: s.Format(dateLayout), TimeZone: zone}
		end = &calendar.EventDateTime{Date: e.Format(dateLayout), TimeZone: zone}
		if patch {
			start.NullFields, end.NullFields = []string{"DateTime"}, []string{"DateTime"}
		}
		return start, end, nil
	}
	if ev.End.Before(ev.Start) {
		return nil, nil, fmt.Errorf("the event ends before it starts")
	}
	start = &calendar.EventDateTime{DateTime: ev.Start.In(loc).Format(time.RFC3339), TimeZone: zone}
	end = &calendar.EventDateTime{DateTime: ev.End.In(loc).Format(time.RFC3339), TimeZone: zone}
	if patch {
		start.NullFields, end.NullFields = []string{"Date"}, []string{"Date"}
	}
	return start, end, nil
}

// civilDay is t's calendar day as midnight UTC, for date arithmetic that
// no daylight-saving change can shift.
func civilDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// recurrence renders the RRULE line and one EXDATE line with the removed
// occurrences, as local times in the event's zone (TZID) or as dates for
// all-day events. A single event has none.
func recurrence(ev engine.Event, loc *time.Location, zone string) []string {
	rule := strings.TrimSpace(ev.RRule)
	rule = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rule, "RRULE:"), "rrule:"))
	if rule == "" {
		return nil
	}
	lines := []string{"RRULE:" + rule}
	var stamps []string
	for _, t := range ev.ExDates {
		t = t.In(loc)
		switch {
		case ev.AllDay:
			stamps = append(stamps, t.Format(icalDateLayout))
		case zone == "UTC":
			stamps = append(stamps, t.Format(icalLocalLayout)+"Z")
		default:
			stamps = append(stamps, t.Format(icalLocalLayout))
		}
	}
	slices.Sort(stamps)
	stamps = slices.Compact(stamps)
	if len(stamps) == 0 {
		return lines
	}
	switch {
	case ev.AllDay:
		lines = append(lines, "EXDATE;VALUE=DATE:"+strings.Join(stamps, ","))
	case zone == "UTC":
		lines = append(lines, "EXDATE:"+strings.Join(stamps, ","))
	default:
		lines = append(lines, "EXDATE;TZID="+zone+":"+strings.Join(stamps, ","))
	}
	return lines
}

// validEventID reports whether id is an event id a client may choose:
// base32hex (a-v, 0-9), 5 to 1024 characters.
func validEventID(id string) bool {
	if len(id) < 5 || len(id) > 1024 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'v' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// remoteOf is what the engine keeps of an event Google returned.
func remoteOf(ev *calendar.Event) engine.Remote {
	r := engine.Remote{ID: ev.Id, ETag: ev.Etag, ICalUID: ev.ICalUID, Cancelled: ev.Status == statusCancelled}
	if ev.ExtendedProperties != nil && len(ev.ExtendedProperties.Private) > 0 {
		r.Tags = maps.Clone(ev.ExtendedProperties.Private)
	}
	return r
}

// ownerTag is the event's TagOwner private property ("" when missing).
func ownerTag(ev *calendar.Event) string {
	if ev == nil || ev.ExtendedProperties == nil {
		return ""
	}
	return ev.ExtendedProperties.Private[engine.TagOwner]
}

// Event statuses of the Calendar API.
const (
	statusCancelled = "cancelled"
	statusConfirmed = "confirmed"
)
