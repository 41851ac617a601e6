package gcal

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"
)

// The operations on events below run with Emulator.mu held. The API
// handlers and the control API ("as the user") share them, so a change
// from either side bumps the calendar's change sequence and notifies the
// watching channels the same way.

// eventRef is what an event id names in a calendar: a stored event, or an
// unmodified occurrence of a series (master plus original start).
type eventRef struct {
	ev     *event
	master *event
	t      time.Time
}

func (r eventRef) etag() string {
	if r.ev != nil {
		return etagOf(r.ev.Version)
	}
	return etagOf(r.master.Version)
}

func (e *Emulator) lookupEvent(cal *calendarState, id string) (eventRef, bool) {
	if ev := cal.Events[id]; ev != nil {
		return eventRef{ev: ev}, true
	}
	masterID, t, ok := parseInstanceID(id, func(mid string) (*time.Location, bool) {
		m := cal.Events[mid]
		if m == nil || !m.isRecurring() || isCancelled(m) {
			return nil, false
		}
		return m.start.loc, true
	})
	if !ok {
		return eventRef{}, false
	}
	master := cal.Events[masterID]
	if !master.hasOccurrence(t) {
		return eventRef{}, false
	}
	return eventRef{master: master, t: t}, true
}

// validEventID reports whether id is a client-chosen id Google accepts:
// base32hex lower case (a-v, 0-9), 5 to 1024 characters.
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

const base32hex = "0123456789abcdefghijklmnopqrstuv"

// newEventID returns a random base32hex id like Google's (26 characters).
func newEventID() string { return randomString(base32hex, 26) }

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// checkIfMatch compares an If-Match header with the current etag.
func checkIfMatch(ifMatch, current string) *Error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	for _, m := range strings.Split(ifMatch, ",") {
		m = strings.TrimPrefix(strings.TrimSpace(m), "W/")
		if m == current {
			return nil
		}
	}
	return errConditionNotMet()
}

// touch records a change of ev: new etag and updated time, the next
// change sequence of the calendar, and a notification for its channels.
func (e *Emulator) touch(cal *calendarState, ev *event, now time.Time) {
	ev.Updated = now
	ev.Version = e.st.nextVersion(now)
	cal.ChangeSeq++
	ev.ChangeSeq = cal.ChangeSeq
	e.queueChange(cal, "exists")
}

func (e *Emulator) insertEvent(cal *calendarState, actor string, raw map[string]any) (*event, *Error) {
	now := e.clock.Now()
	id := ""
	if v, ok := raw["id"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			return nil, errInvalid("Invalid resource id value.")
		}
		id = s
	}
	if id != "" {
		if !validEventID(id) {
			return nil, errInvalid("Invalid resource id value.")
		}
		if cal.Events[id] != nil {
			return nil, errDuplicate()
		}
	} else {
		for id == "" || cal.Events[id] != nil {
			id = newEventID()
		}
	}
	in, err := parseEventInput(raw, false)
	if err != nil {
		return nil, err
	}
	if err := validateEventFields(in.body, false); err != nil {
		return nil, err
	}
	ev := &event{
		ID:       id,
		Body:     in.body,
		Status:   "confirmed",
		Created:  now,
		Creator:  actor,
		ICalUID:  id + "@google.com",
		Sequence: max(in.sequence, 0),
	}
	if in.status != "" {
		ev.Status = in.status
	}
	if err := ev.index(cal.location()); err != nil {
		return nil, err
	}
	cal.Events[id] = ev
	e.touch(cal, ev, now)
	return ev, nil
}

// materialize builds the exception for an unmodified occurrence; the
// caller stores it.
func materialize(master *event, t time.Time) *event {
	body := cloneJSON(master.Body).(map[string]any)
	delete(body, "recurrence")
	body["start"] = formatWhen(t, master.start)
	body["end"] = formatWhen(master.endFor(t), master.end)
	return &event{
		ID:               instanceID(master, t),
		Body:             body,
		Status:           master.Status,
		Sequence:         master.Sequence,
		Created:          master.Created,
		Version:          master.Version,
		Creator:          master.Creator,
		ICalUID:          master.ICalUID,
		RecurringEventID: master.ID,
		OriginalStart:    formatWhen(t, master.start),
	}
}

// modifyEvent applies a patch (replace=false) or a full update
// (replace=true) to the event id names.
func (e *Emulator) modifyEvent(cal *calendarState, id string, raw map[string]any, ifMatch string, replace bool) (*event, *Error) {
	now := e.clock.Now()
	ref, ok := e.lookupEvent(cal, id)
	if !ok {
		return nil, errNotFound()
	}
	if err := checkIfMatch(ifMatch, ref.etag()); err != nil {
		return nil, err
	}
	cur := ref.ev
	if cur == nil {
		cur = materialize(ref.master, ref.t)
	}
	in, apiErr := parseEventInput(raw, !replace)
	if apiErr != nil {
		return nil, apiErr
	}
	var body map[string]any
	if replace {
		body = in.body
	} else {
		body = mergePatch(cur.Body, in.body)
		fixPatchedTime(body, in.body)
	}
	if err := validateEventFields(body, cur.isException()); err != nil {
		return nil, err
	}
	next := *cur
	next.Body = body
	if in.status != "" {
		next.Status = in.status
	}
	if err := next.index(cal.location()); err != nil {
		return nil, err
	}
	switch {
	case in.sequence > next.Sequence:
		next.Sequence = in.sequence
	case timingChanged(cur.Body, body):
		next.Sequence++
	}
	stored := &next
	cal.Events[stored.ID] = stored
	e.touch(cal, stored, now)
	if stored.isRecurring() && isCancelled(stored) && !isCancelled(cur) {
		e.cancelExceptions(cal, stored.ID, now)
	}
	return stored, nil
}

// timingChanged reports a change Google counts as significant for the
// iCalendar SEQUENCE: start, end or recurrence.
func timingChanged(a, b map[string]any) bool {
	for _, k := range []string{"start", "end", "recurrence"} {
		x, _ := json.Marshal(a[k])
		y, _ := json.Marshal(b[k])
		if string(x) != string(y) {
			return true
		}
	}
	return false
}

func (e *Emulator) deleteEvent(cal *calendarState, id, ifMatch string) *Error {
	now := e.clock.Now()
	ref, ok := e.lookupEvent(cal, id)
	if !ok {
		return errNotFound()
	}
	if ref.ev != nil && isCancelled(ref.ev) {
		return errDeleted()
	}
	if err := checkIfMatch(ifMatch, ref.etag()); err != nil {
		return err
	}
	ev := ref.ev
	if ev == nil {
		ev = materialize(ref.master, ref.t)
		cal.Events[ev.ID] = ev
	}
	ev.Status = "cancelled"
	e.touch(cal, ev, now)
	if ev.isRecurring() {
		e.cancelExceptions(cal, ev.ID, now)
	}
	return nil
}

// cancelExceptions deletes the exceptions of a deleted series.
func (e *Emulator) cancelExceptions(cal *calendarState, masterID string, now time.Time) {
	for _, x := range cal.Events {
		if x.RecurringEventID == masterID && !isCancelled(x) {
			x.Status = "cancelled"
			e.touch(cal, x, now)
		}
	}
}

// renderRef renders whatever an event id names, in full.
func (e *Emulator) renderRef(cal *calendarState, ref eventRef, base string) map[string]any {
	if ref.ev != nil {
		return e.render(cal, ref.ev, base, false)
	}
	return e.renderInstance(cal, ref.master, ref.t, base)
}
