package gcal

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// The methods below change a calendar "as the user" — as if its owner
// used the Google Calendar UI. They go through the same operations as the
// API, so watchers get notifications and sync tokens see the changes.

// controlCalendar finds a calendar by id ("primary" is not meaningful
// here: there is no acting user); mu held.
func (e *Emulator) controlCalendar(id string) (*calendarState, *Error) {
	cal := e.st.Calendars[strings.ToLower(id)]
	if cal == nil {
		return nil, errNotFound()
	}
	return cal, nil
}

func decodeEventJSON(b []byte) (map[string]any, *Error) {
	m := map[string]any{}
	if len(bytesTrimSpace(b)) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errParse()
	}
	return m, nil
}

func (e *Emulator) insertAsUser(calendarID string, body []byte, base string) (json.RawMessage, error) {
	raw, apiErr := decodeEventJSON(body)
	if apiErr != nil {
		return nil, apiErr
	}
	var out json.RawMessage
	err := e.update(func() error {
		cal, err := e.controlCalendar(calendarID)
		if err != nil {
			return err
		}
		ev, err := e.insertEvent(cal, cal.Owner, raw)
		if err != nil {
			return err
		}
		out = mustJSON(e.render(cal, ev, base, false))
		return nil
	})
	return out, err
}

func (e *Emulator) modifyAsUser(calendarID, eventID string, body []byte, replace bool, base string) (json.RawMessage, error) {
	raw, apiErr := decodeEventJSON(body)
	if apiErr != nil {
		return nil, apiErr
	}
	var out json.RawMessage
	err := e.update(func() error {
		cal, err := e.controlCalendar(calendarID)
		if err != nil {
			return err
		}
		ev, err := e.modifyEvent(cal, eventID, raw, "", replace)
		if err != nil {
			return err
		}
		out = mustJSON(e.render(cal, ev, base, false))
		return nil
	})
	return out, err
}

func (e *Emulator) eventAsUser(calendarID, eventID, base string) (json.RawMessage, error) {
	var out json.RawMessage
	err := e.read(func() error {
		cal, err := e.controlCalendar(calendarID)
		if err != nil {
			return err
		}
		ref, ok := e.lookupEvent(cal, eventID)
		if !ok {
			return errNotFound()
		}
		out = mustJSON(e.renderRef(cal, ref, base))
		return nil
	})
	return out, err
}

func (e *Emulator) calendarEvents(calendarID string, showDeleted bool, base string) ([]json.RawMessage, error) {
	out := []json.RawMessage{}
	err := e.read(func() error {
		cal, err := e.controlCalendar(calendarID)
		if err != nil {
			return err
		}
		evs := make([]*event, 0, len(cal.Events))
		for _, ev := range cal.Events {
			if showDeleted || !isCancelled(ev) {
				evs = append(evs, ev)
			}
		}
		slices.SortFunc(evs, func(a, b *event) int {
			if c := a.start.t.Compare(b.start.t); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		for _, ev := range evs {
			out = append(out, mustJSON(e.render(cal, ev, base, false)))
		}
		return nil
	})
	return out, err
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}

// CalendarEvents returns the stored events of a calendar as Event
// resources — single events, series masters and exceptions, and
// tombstones too when showDeleted — ordered by start.
func (e *Emulator) CalendarEvents(calendarID string, showDeleted bool) ([]json.RawMessage, error) {
	return e.calendarEvents(calendarID, showDeleted, "")
}

// InsertEventAsUser creates an event from an Event resource (JSON, with an
// optional client id) as the calendar's owner.
func (e *Emulator) InsertEventAsUser(calendarID string, event []byte) (json.RawMessage, error) {
	return e.insertAsUser(calendarID, event, "")
}

// PatchEventAsUser patches an event (or an occurrence, by instance id)
// as the calendar's owner.
func (e *Emulator) PatchEventAsUser(calendarID, eventID string, patch []byte) (json.RawMessage, error) {
	return e.modifyAsUser(calendarID, eventID, patch, false, "")
}

// UpdateEventAsUser replaces an event as the calendar's owner.
func (e *Emulator) UpdateEventAsUser(calendarID, eventID string, event []byte) (json.RawMessage, error) {
	return e.modifyAsUser(calendarID, eventID, event, true, "")
}

// DeleteEventAsUser deletes an event (or cancels an occurrence) as the
// calendar's owner.
func (e *Emulator) DeleteEventAsUser(calendarID, eventID string) error {
	return e.update(func() error {
		cal, err := e.controlCalendar(calendarID)
		if err != nil {
			return err
		}
		if err := e.deleteEvent(cal, eventID, ""); err != nil {
			return err
		}
		return nil
	})
}

// InvalidateSyncTokens makes every sync token issued so far for a
// calendar (every calendar when calendarID is empty) answer 410
// fullSyncRequired.
func (e *Emulator) InvalidateSyncTokens(calendarID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if calendarID == "" {
		for _, c := range e.st.Calendars {
			c.SyncEpoch++
		}
		return nil
	}
	cal, err := e.controlCalendar(calendarID)
	if err != nil {
		return err
	}
	cal.SyncEpoch++
	return nil
}

// SetSyncTokenRetention sets how long a sync token stays valid (by the
// emulator's clock); zero or less keeps tokens forever.
func (e *Emulator) SetSyncTokenRetention(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.Config.SyncTokenRetentionSec = int64(d / time.Second)
}

// Reset wipes all state, fault rules and quota counts. Queued
// notifications of the old channels are dropped.
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.st = newStore()
	e.authRequests = map[string]*authRequest{}
	e.signer, e.signerPEM = nil, ""
	e.applyQuotaConfig()
	e.mu.Unlock()
	e.faults.Clear()
	e.ResetQuotaCounters()
}
