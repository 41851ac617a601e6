package gcal

import (
	"strings"
	"time"
)

// when is a parsed EventDateTime.
type when struct {
	t      time.Time
	allDay bool
	loc    *time.Location // zone the client's times are shown in
	tzName string         // the explicit timeZone field, if any
}

func (w when) isZero() bool { return w.t.IsZero() }

// parseWhen parses an EventDateTime. which is "start" or "end" for the
// error messages.
func parseWhen(v any, which string, calLoc *time.Location) (when, map[string]any, *Error) {
	m, ok := v.(map[string]any)
	if !ok {
		return when{}, nil, errInvalid("Invalid " + which + " time.")
	}
	date, okD := optString(m, "date")
	dateTime, okT := optString(m, "dateTime")
	tzName, okZ := optString(m, "timeZone")
	if !okD || !okT || !okZ {
		return when{}, nil, errInvalid("Invalid " + which + " time.")
	}
	w := when{loc: calLoc, tzName: tzName}
	if tzName != "" {
		loc, err := time.LoadLocation(tzName)
		if err != nil || strings.EqualFold(tzName, "local") {
			return when{}, nil, errInvalid("Invalid time zone definition for " + which + " time.")
		}
		w.loc = loc
	}
	out := map[string]any{}
	switch {
	case date != "" && dateTime != "":
		return when{}, nil, errInvalid("Invalid " + which + " time.")
	case date != "":
		t, err := time.ParseInLocation(dateLayout, date, w.loc)
		if err != nil {
			return when{}, nil, errInvalid("Invalid " + which + " time.")
		}
		w.t, w.allDay = t, true
		out["date"] = date
	case dateTime != "":
		t, err := time.Parse(time.RFC3339, dateTime)
		if err != nil {
			local, lerr := time.ParseInLocation("2006-01-02T15:04:05", dateTime, w.loc)
			if lerr != nil {
				return when{}, nil, errInvalid("Invalid " + which + " time.")
			}
			if tzName == "" {
				return when{}, nil, errRequired("Missing time zone definition for " + which + " time.")
			}
			t = local
		}
		w.t = t
		out["dateTime"] = t.In(w.loc).Format(time.RFC3339)
	default:
		return when{}, nil, errRequired("Missing " + which + " time.")
	}
	if tzName != "" {
		out["timeZone"] = tzName
	}
	return w, out, nil
}

// optString reads an optional string field; ok is false on a wrong type.
func optString(m map[string]any, k string) (string, bool) {
	v, present := m[k]
	if !present || v == nil {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// index parses the stored body into the derived fields and normalises
// start/end. It is the single place that checks times and recurrence.
func (ev *event) index(calLoc *time.Location) *Error {
	ev.start, ev.end, ev.series, ev.origStart = when{}, when{}, nil, when{}
	if ev.OriginalStart != nil {
		w, norm, err := parseWhen(ev.OriginalStart, "start", calLoc)
		if err != nil {
			return err
		}
		ev.origStart, ev.OriginalStart = w, norm
	}
	startRaw, hasStart := ev.Body["start"]
	endRaw, hasEnd := ev.Body["end"]
	if !hasStart && !hasEnd && isCancelled(ev) {
		return nil // a tombstone or cancelled exception needs no times
	}
	if !hasEnd {
		return errRequired("Missing end time.")
	}
	if !hasStart {
		return errRequired("Missing start time.")
	}
	start, startNorm, err := parseWhen(startRaw, "start", calLoc)
	if err != nil {
		return err
	}
	end, endNorm, err := parseWhen(endRaw, "end", calLoc)
	if err != nil {
		return err
	}
	if start.allDay != end.allDay {
		return errInvalid("Start and end times must either both be date or both be dateTime.")
	}
	if end.t.Before(start.t) || (start.allDay && !end.t.After(start.t)) {
		return errTimeRangeEmpty("end")
	}
	ev.Body["start"], ev.Body["end"] = startNorm, endNorm
	ev.start, ev.end = start, end
	if rec, ok := ev.Body["recurrence"].([]any); ok && len(rec) > 0 {
		if !start.allDay && start.tzName == "" {
			return errRequired("Missing time zone definition for start time.")
		}
		s, err := buildSeries(rec, start, end)
		if err != nil {
			return err
		}
		ev.series = s
	}
	return nil
}

// duration of one occurrence, for timed events.
func (ev *event) duration() time.Duration { return ev.end.t.Sub(ev.start.t) }

// eventDays is the length of an all-day event in days.
func (ev *event) eventDays() int {
	y1, m1, d1 := ev.start.t.Date()
	y2, m2, d2 := ev.end.t.Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// endFor is the end of an occurrence starting at t.
func (ev *event) endFor(t time.Time) time.Time {
	if ev.start.allDay {
		return t.AddDate(0, 0, ev.eventDays())
	}
	return t.Add(ev.duration())
}

// formatWhen renders t like the master's start (date or dateTime+zone).
func formatWhen(t time.Time, like when) map[string]any {
	out := map[string]any{}
	if like.allDay {
		out["date"] = t.In(like.loc).Format(dateLayout)
	} else {
		out["dateTime"] = t.In(like.loc).Format(time.RFC3339)
	}
	if like.tzName != "" {
		out["timeZone"] = like.tzName
	}
	return out
}
