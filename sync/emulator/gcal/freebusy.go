package gcal

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// period is a busy interval.
type period struct{ start, end time.Time }

// handleFreeBusy serves freebusy.query. A user sees the busy times of
// their own calendars and, in a Workspace domain, of colleagues' calendars
// (Google's default sharing inside a domain); other calendars answer with
// a notFound error entry, as at Google.
func (e *Emulator) handleFreeBusy(w http.ResponseWriter, r *http.Request, p *principal) {
	body, apiErr := decodeObject(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	minS, _ := body["timeMin"].(string)
	maxS, _ := body["timeMax"].(string)
	if minS == "" {
		writeAPIError(w, r, errRequired("Missing timeMin parameter.").at("parameter", "timeMin"))
		return
	}
	if maxS == "" {
		writeAPIError(w, r, errRequired("Missing timeMax parameter.").at("parameter", "timeMax"))
		return
	}
	tMin, err1 := time.Parse(time.RFC3339, minS)
	tMax, err2 := time.Parse(time.RFC3339, maxS)
	if err1 != nil || err2 != nil {
		writeAPIError(w, r, errBadRequest())
		return
	}
	if !tMin.Before(tMax) {
		writeAPIError(w, r, errTimeRangeEmpty("timeMax"))
		return
	}
	loc := time.UTC
	if tz, _ := body["timeZone"].(string); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			writeAPIError(w, r, errInvalid("Invalid time zone: "+tz))
			return
		}
		loc = l
	}
	var ids []string
	if items, ok := body["items"].([]any); ok {
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				if id, _ := m["id"].(string); id != "" {
					ids = append(ids, id)
				}
			}
		}
	}
	if len(ids) > 50 {
		writeAPIError(w, r, newError(400, "calendar", "tooManyCalendarsRequested", "Too many calendars requested."))
		return
	}
	cals := map[string]any{}
	e.mu.Lock()
	for _, id := range ids {
		cal := e.freeBusyCalendar(p.email, id)
		if cal == nil {
			cals[id] = map[string]any{"busy": []any{}, "errors": []any{map[string]any{"domain": "global", "reason": "notFound"}}}
			continue
		}
		busy := []any{}
		for _, b := range busyPeriods(cal, tMin, tMax) {
			busy = append(busy, map[string]any{"start": b.start.In(loc).Format(time.RFC3339), "end": b.end.In(loc).Format(time.RFC3339)})
		}
		cals[id] = map[string]any{"busy": busy}
	}
	e.mu.Unlock()
	writeResource(w, r, map[string]any{
		"kind":      "calendar#freeBusy",
		"timeMin":   tMin.UTC().Format(rfc3339Millis),
		"timeMax":   tMax.UTC().Format(rfc3339Millis),
		"calendars": cals,
	})
}

// freeBusyCalendar resolves a calendar the user may see free/busy of; mu held.
func (e *Emulator) freeBusyCalendar(user, id string) *calendarState {
	if id == "primary" {
		id = user
	}
	cal := e.st.Calendars[strings.ToLower(id)]
	if cal == nil {
		return nil
	}
	if strings.EqualFold(cal.Owner, user) {
		return cal
	}
	me, owner := e.st.Accounts[normEmail(user)], e.st.Accounts[normEmail(cal.Owner)]
	if me != nil && owner != nil && me.Domain != "" && me.Domain == owner.Domain {
		return cal
	}
	return nil
}

// busyPeriods lists the merged busy intervals of opaque, non-cancelled
// events inside [from, to), clipped to it.
func busyPeriods(cal *calendarState, from, to time.Time) []period {
	var ps []period
	opaque := func(ev *event) bool { t, _ := ev.Body["transparency"].(string); return t != "transparent" }
	add := func(s, e time.Time) {
		if !overlaps(s, e, from, to) || !e.After(s) {
			return
		}
		ps = append(ps, period{maxTime(s, from), minTime(e, to)})
	}
	for _, ev := range cal.Events {
		switch {
		case isCancelled(ev) || ev.isException():
			continue
		case ev.isRecurring():
			for _, o := range expand(cal, ev, from, to, maxInstancesPerSeries) {
				src := ev
				if o.exception != nil {
					src = o.exception
				}
				if o.cancelled() || !opaque(src) {
					continue
				}
				s, e := o.span()
				add(s, e)
			}
		case opaque(ev):
			add(ev.start.t, ev.end.t)
		}
	}
	slices.SortFunc(ps, func(a, b period) int { return a.start.Compare(b.start) })
	var merged []period
	for _, p := range ps {
		if n := len(merged); n > 0 && !p.start.After(merged[n-1].end) {
			merged[n-1].end = maxTime(merged[n-1].end, p.end)
			continue
		}
		merged = append(merged, p)
	}
	return merged
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
