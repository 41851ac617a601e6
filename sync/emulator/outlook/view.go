package outlook

import (
	"strings"
	"time"
)

// parseViewTime reads startDateTime/endDateTime: ISO 8601, interpreted
// with its own offset, or as UTC without one (Prefer: outlook.timezone
// does not apply to them).
func parseViewTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// viewWindowFromQuery reads the time window of calendarView, instances and
// the first delta request.
func viewWindowFromQuery(c *call) (viewWindow, *graphError) {
	from, to, gerr := windowBounds(c)
	if gerr != nil {
		return viewWindow{}, gerr
	}
	return newViewWindow(from, to, c.prefs.Location), nil
}

func windowBounds(c *call) (time.Time, time.Time, *graphError) {
	s, e := queryParamFold(c, "startDateTime"), queryParamFold(c, "endDateTime")
	if s == "" || e == "" {
		return time.Time{}, time.Time{}, errTimeWindow()
	}
	from, ok1 := parseViewTime(s)
	to, ok2 := parseViewTime(e)
	if !ok1 || !ok2 {
		return time.Time{}, time.Time{}, errBadRequest("The value of the StartDateTime or EndDateTime parameter is not a valid DateTime.")
	}
	if !to.After(from) {
		return time.Time{}, time.Time{}, errBadRequest("The EndDateTime parameter must be later than the StartDateTime parameter.")
	}
	return from, to, nil
}

// queryParamFold looks a parameter up case-insensitively (the docs'
// examples write startdatetime).
func queryParamFold(c *call, name string) string {
	if v := c.query.Get(name); v != "" {
		return v
	}
	for k, vs := range c.query {
		if len(vs) > 0 && strings.EqualFold(k, name) {
			return vs[0]
		}
	}
	return ""
}

// viewInstances expands every event of cal inside w.
func viewInstances(cal *calendarFolder, w viewWindow, withMasters bool) []instance {
	var out []instance
	for _, ev := range cal.Events {
		out = append(out, expandEvent(ev, w, withMasters)...)
	}
	sortInstances(out)
	return out
}

// calendarViewLocked serves GET .../calendarView: occurrences, exceptions
// and single instances overlapping the window, ordered by start.
func (e *Emulator) calendarViewLocked(c *call, u *account, cal *calendarFolder) (*response, *graphError) {
	w, gerr := viewWindowFromQuery(c)
	if gerr != nil {
		return nil, gerr
	}
	lq, gerr := parseListQuery(c.query)
	if gerr != nil {
		return nil, gerr
	}
	var items []instance
	for _, in := range viewInstances(cal, w, false) {
		if lq.matches(in) {
			items = append(items, in)
		}
	}
	lq.sort(items)
	return e.collectionLocked(c, u, lq, items, userPath(u)+"/calendarView")
}
