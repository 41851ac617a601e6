package outlook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// These methods change a mailbox "as the user" would in Outlook. They go
// through the same code as Graph requests, so subscriptions are notified
// and delta queries see the change exactly as for an API change.

// calendarLocked finds a calendar by id, by name (case-insensitive) or
// "default"/"" for the default calendar.
func calendarLocked(u *account, ref string) (*calendarFolder, error) {
	if ref == "" || strings.EqualFold(ref, "default") {
		return u.Calendars[u.DefaultCalendarID], nil
	}
	if c := u.Calendars[ref]; c != nil {
		return c, nil
	}
	for _, c := range u.Calendars {
		if strings.EqualFold(c.Name, ref) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("outlook: calendar %s: %w", ref, ErrNotFound)
}

// plainRender renders in UTC; base is the emulator's address as a request
// showed it, or "" when there is none (then webLinks take Outlook on the
// web's form).
func (e *Emulator) plainRender(u *account, base string) renderOptions {
	return renderOptions{Prefs: preferences{Location: time.UTC}, Owner: u, BaseURL: base}
}

func marshalRaw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// ListEvents returns the events of a calendar in Graph's JSON shape (times
// in UTC): single instances and series masters, oldest first.
func (e *Emulator) ListEvents(user, calendar string) ([]json.RawMessage, error) {
	return e.listEvents(user, calendar, "")
}

func (e *Emulator) listEvents(user, calendar, base string) ([]json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return nil, err
	}
	cal, err := calendarLocked(u, calendar)
	if err != nil {
		return nil, err
	}
	var items []instance
	for _, ev := range cal.Events {
		items = append(items, instance{ID: ev.ID, Type: ev.eventType(), Source: ev, Start: ev.Start, End: ev.End, CalendarID: cal.ID})
	}
	sortInstances(items)
	out := make([]json.RawMessage, 0, len(items))
	opts := e.plainRender(u, base)
	opts.ExpandExt = &extPropExpand{}
	for _, in := range items {
		out = append(out, marshalRaw(renderInstance(in, opts)))
	}
	return out, nil
}

// ListInstances returns what a calendar view of [from, to) shows:
// occurrences, exceptions and single instances, ordered by start.
func (e *Emulator) ListInstances(user, calendar string, from, to time.Time) ([]json.RawMessage, error) {
	return e.listInstances(user, calendar, from, to, "")
}

func (e *Emulator) listInstances(user, calendar string, from, to time.Time, base string) ([]json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return nil, err
	}
	cal, err := calendarLocked(u, calendar)
	if err != nil {
		return nil, err
	}
	opts := e.plainRender(u, base)
	var out []json.RawMessage
	for _, in := range viewInstances(cal, newViewWindow(from, to, time.UTC), false) {
		out = append(out, marshalRaw(renderInstance(in, opts)))
	}
	return out, nil
}

// CreateEvent adds an event (Graph event JSON) to a calendar as the user.
func (e *Emulator) CreateEvent(user, calendar string, event []byte) (json.RawMessage, error) {
	return e.createEvent(user, calendar, event, "")
}

func (e *Emulator) createEvent(user, calendar string, event []byte, base string) (json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return nil, err
	}
	cal, err := calendarLocked(u, calendar)
	if err != nil {
		return nil, err
	}
	fields, gerr := decodeObject(event)
	if gerr != nil {
		return nil, asSeedError(gerr)
	}
	ev, gerr := e.createEventLocked(u, cal, fields)
	if gerr != nil {
		return nil, asSeedError(gerr)
	}
	ref := eventRef{Cal: cal, storedEvent: ev}
	return marshalRaw(renderInstance(ref.instance(), e.plainRender(u, base))), nil
}

// UpdateEvent changes an event, a series or one occurrence as the user
// (patch is Graph event JSON with the properties to change).
func (e *Emulator) UpdateEvent(user, eventID string, patch []byte) (json.RawMessage, error) {
	return e.updateEvent(user, eventID, patch, "")
}

func (e *Emulator) updateEvent(user, eventID string, patch []byte, base string) (json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return nil, err
	}
	ref, gerr := findEvent(u, eventID, "")
	if gerr != nil {
		return nil, asSeedError(gerr)
	}
	fields, gerr := decodeObject(patch)
	if gerr != nil {
		return nil, asSeedError(gerr)
	}
	ref, gerr = e.updateEventLocked(u, ref, fields)
	if gerr != nil {
		return nil, asSeedError(gerr)
	}
	return marshalRaw(renderInstance(ref.instance(), e.plainRender(u, base))), nil
}

// DeleteEvent deletes an event, a series or one occurrence as the user.
func (e *Emulator) DeleteEvent(user, eventID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return err
	}
	ref, gerr := findEvent(u, eventID, "")
	if gerr != nil {
		return asSeedError(gerr)
	}
	e.removeEventLocked(u, ref)
	return nil
}

// CreateCalendar adds a secondary calendar to a user.
func (e *Emulator) CreateCalendar(user, name string) (CalendarInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return CalendarInfo{}, err
	}
	cal, gerr := e.createCalendarLocked(u, name)
	if gerr != nil {
		return CalendarInfo{}, asSeedError(gerr)
	}
	return CalendarInfo{ID: cal.ID, Name: cal.Name}, nil
}

// asSeedError turns a Graph error into a Go API error wrapping one of
// ErrNotFound, ErrConflict or ErrInvalid.
func asSeedError(g *graphError) error {
	switch {
	case g.Status == 404:
		return fmt.Errorf("outlook: %s: %s: %w", g.Code, g.Message, ErrNotFound)
	case g.Status == 409 || g.Status == 412:
		return fmt.Errorf("outlook: %s: %s: %w", g.Code, g.Message, ErrConflict)
	default:
		return fmt.Errorf("outlook: %s: %s: %w", g.Code, g.Message, ErrInvalid)
	}
}
