package gcal

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// renderCalendar is the Calendar resource.
func renderCalendar(c *calendarState) map[string]any {
	m := map[string]any{
		"kind":     "calendar#calendar",
		"etag":     etagOf(c.Version),
		"id":       c.ID,
		"summary":  c.Summary,
		"timeZone": c.TimeZone,
		"conferenceProperties": map[string]any{
			"allowedConferenceSolutionTypes": []any{"hangoutsMeet"},
		},
	}
	if c.Description != "" {
		m["description"] = c.Description
	}
	if c.Location != "" {
		m["location"] = c.Location
	}
	return m
}

// renderCalendarListEntry is the CalendarListEntry resource.
func renderCalendarListEntry(c *calendarState) map[string]any {
	m := renderCalendar(c)
	m["kind"] = "calendar#calendarListEntry"
	m["colorId"] = "14"
	m["backgroundColor"] = "#9fe1e7"
	m["foregroundColor"] = "#000000"
	m["selected"] = true
	m["accessRole"] = "owner"
	m["defaultReminders"] = defaultReminders(c)
	if c.Primary {
		m["primary"] = true
		m["notificationSettings"] = map[string]any{"notifications": []any{
			map[string]any{"type": "eventCreation", "method": "email"},
			map[string]any{"type": "eventChange", "method": "email"},
			map[string]any{"type": "eventCancellation", "method": "email"},
			map[string]any{"type": "eventResponse", "method": "email"},
		}}
	}
	return m
}

// handleCalendarList serves calendarList.list. The list has no sync
// tokens in the emulator: it never returns nextSyncToken.
func (e *Emulator) handleCalendarList(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	maxResults, apiErr := parseMaxResults(q, 100, 250)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	offset := 0
	if tok := q.Get("pageToken"); tok != "" {
		var c struct {
			Kind   string `json:"k"`
			Offset int    `json:"o"`
		}
		if !decodeToken(tok, &c) || c.Kind != "calendarList" || c.Offset < 0 {
			writeAPIError(w, r, errInvalid("Invalid page token value.").at("parameter", "pageToken"))
			return
		}
		offset = c.Offset
	}
	e.mu.Lock()
	cals := e.st.calendarsOf(p.email)
	var items []any
	var version int64
	for i, c := range cals {
		version = max(version, c.Version)
		if i >= offset && len(items) < maxResults {
			items = append(items, renderCalendarListEntry(c))
		}
	}
	e.mu.Unlock()
	out := map[string]any{"kind": "calendar#calendarList", "etag": etagOf(version), "items": append([]any{}, items...)}
	if offset+maxResults < len(cals) {
		out["nextPageToken"] = encodeToken(map[string]any{"k": "calendarList", "o": offset + maxResults})
	}
	writeResource(w, r, out)
}

func (e *Emulator) handleCalendarListGet(w http.ResponseWriter, r *http.Request, p *principal) {
	e.mu.Lock()
	cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
	var out map[string]any
	if err == nil {
		out = renderCalendarListEntry(cal)
	}
	e.mu.Unlock()
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeResource(w, r, out)
}

func (e *Emulator) handleCalendarGet(w http.ResponseWriter, r *http.Request, p *principal) {
	e.mu.Lock()
	cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
	var out map[string]any
	if err == nil {
		out = renderCalendar(cal)
	}
	e.mu.Unlock()
	if err != nil {
		writeAPIError(w, r, err)
		return
	}
	writeResource(w, r, out)
}

// insertCalendar creates a secondary calendar for acc; mu held.
func (e *Emulator) insertCalendar(acc *account, body map[string]any) (*calendarState, *Error) {
	summary, _ := body["summary"].(string)
	if strings.TrimSpace(summary) == "" {
		return nil, errRequired("Missing title.")
	}
	now := e.clock.Now()
	cal := &calendarState{
		ID:       "c_" + randomString("0123456789abcdef", 32) + "@group.calendar.google.com",
		Owner:    acc.Email,
		Summary:  summary,
		TimeZone: acc.TimeZone,
		Version:  e.st.nextVersion(now),
		Created:  now,
		Updated:  now,
		Events:   map[string]*event{},
	}
	if err := applyCalendarFields(cal, body); err != nil {
		return nil, err
	}
	e.st.Calendars[cal.ID] = cal
	return cal, nil
}

// applyCalendarFields sets the writable fields present in body.
func applyCalendarFields(cal *calendarState, body map[string]any) *Error {
	for _, k := range []string{"summary", "description", "location", "timeZone"} {
		v, ok := body[k]
		if !ok {
			continue
		}
		s, isStr := v.(string)
		if v != nil && !isStr {
			return errInvalid("Invalid value for: " + k)
		}
		switch k {
		case "summary":
			if strings.TrimSpace(s) == "" {
				return errRequired("Missing title.")
			}
			cal.Summary = s
		case "description":
			cal.Description = s
		case "location":
			cal.Location = s
		case "timeZone":
			if s == "" {
				continue
			}
			if _, err := time.LoadLocation(s); err != nil {
				return errInvalid("Invalid time zone: " + s)
			}
			cal.TimeZone = s
		}
	}
	return nil
}

func (e *Emulator) handleCalendarInsert(w http.ResponseWriter, r *http.Request, p *principal) {
	body, apiErr := decodeObject(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	var out map[string]any
	err := e.update(func() error {
		acc := e.st.Accounts[normEmail(p.email)]
		if acc == nil {
			return newError(403, "global", "forbidden", "Forbidden")
		}
		cal, err := e.insertCalendar(acc, body)
		if err != nil {
			return err
		}
		out = renderCalendar(cal)
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}

func (e *Emulator) handleCalendarPatch(w http.ResponseWriter, r *http.Request, p *principal) {
	e.modifyCalendar(w, r, p, false)
}

func (e *Emulator) handleCalendarUpdate(w http.ResponseWriter, r *http.Request, p *principal) {
	e.modifyCalendar(w, r, p, true)
}

// modifyCalendar serves calendars.patch and calendars.update; a time zone
// change re-reads the events' all-day dates in the new zone.
func (e *Emulator) modifyCalendar(w http.ResponseWriter, r *http.Request, p *principal, replace bool) {
	body, apiErr := decodeObject(r)
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	var out map[string]any
	err := e.update(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		next := *cal
		if replace {
			if _, ok := body["summary"]; !ok {
				return errRequired("Missing title.")
			}
			next.Description, next.Location = "", ""
		}
		if err := applyCalendarFields(&next, body); err != nil {
			return err
		}
		now := e.clock.Now()
		next.Version, next.Updated = e.st.nextVersion(now), now
		oldTZ := cal.TimeZone
		*cal = next
		if oldTZ != cal.TimeZone {
			for _, ev := range cal.Events {
				_ = ev.index(cal.location())
			}
		}
		out = renderCalendar(cal)
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}

// handleCalendarDelete serves calendars.delete for secondary calendars;
// channels on the calendar get a final not_exists notification.
func (e *Emulator) handleCalendarDelete(w http.ResponseWriter, r *http.Request, p *principal) {
	err := e.update(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		if cal.Primary {
			return newError(403, "global", "cannotDeletePrimaryCalendar", "Cannot delete primary calendar.")
		}
		e.queueChange(cal, "not_exists")
		for id, ch := range e.st.Channels {
			if ch.CalendarID == cal.ID {
				delete(e.st.Channels, id)
			}
		}
		delete(e.st.Calendars, cal.ID)
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleCalendarClear serves calendars.clear: deletes every event of the
// primary calendar.
func (e *Emulator) handleCalendarClear(w http.ResponseWriter, r *http.Request, p *principal) {
	err := e.update(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		if !cal.Primary {
			return errInvalid("Only the primary calendar can be cleared; delete a secondary calendar instead.")
		}
		now := e.clock.Now()
		for _, ev := range cal.Events {
			if !isCancelled(ev) {
				ev.Status = "cancelled"
				e.touch(cal, ev, now)
			}
		}
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleColors serves colors.get with Google's palette.
func (e *Emulator) handleColors(w http.ResponseWriter, r *http.Request, _ *principal) {
	eventColors := []string{"#a4bdfc", "#7ae7bf", "#dbadff", "#ff887c", "#fbd75b", "#ffb878", "#46d6db", "#e1e1e1", "#5484ed", "#51b749", "#dc2127"}
	calendarColors := []string{"#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46", "#42d692", "#16a765", "#7bd148", "#b3dc6c", "#fbe983", "#fad165", "#92e1c0", "#9fe1e7", "#9fc6e7", "#4986e7", "#9a9cff", "#b99aff", "#c2c2c2", "#cabdbf", "#cca6ac", "#f691b2", "#cd74e6", "#a47ae2"}
	ev, cal := map[string]any{}, map[string]any{}
	for i, c := range eventColors {
		ev[strconv.Itoa(i+1)] = map[string]any{"background": c, "foreground": "#1d1d1d"}
	}
	for i, c := range calendarColors {
		cal[strconv.Itoa(i+1)] = map[string]any{"background": c, "foreground": "#000000"}
	}
	writeResource(w, r, map[string]any{"kind": "calendar#colors", "updated": "2012-02-14T00:00:00.000Z", "event": ev, "calendar": cal})
}
