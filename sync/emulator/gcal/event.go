package gcal

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// event is one stored event: a single event, a recurring series (master)
// or an exception of a series. Deleted events stay as tombstones with
// Status "cancelled" for incremental sync and for 409 on id reuse.
type event struct {
	ID string `json:"id"`
	// Body holds the client-writable fields of the Event resource as the
	// client sent them (start/end normalised); server fields live below.
	Body             map[string]any `json:"body"`
	Status           string         `json:"status"`
	Sequence         int64          `json:"sequence"`
	Created          time.Time      `json:"created"`
	Updated          time.Time      `json:"updated"`
	Version          int64          `json:"version"`
	ChangeSeq        int64          `json:"changeSeq"`
	ICalUID          string         `json:"iCalUID"`
	Creator          string         `json:"creator"`
	RecurringEventID string         `json:"recurringEventId,omitempty"`
	OriginalStart    map[string]any `json:"originalStartTime,omitempty"`

	// Derived from Body by index; not part of the snapshot.
	start, end, origStart when
	series                *series
}

const (
	rfc3339Millis = "2006-01-02T15:04:05.000Z"
	dateLayout    = "2006-01-02"
)

func isCancelled(ev *event) bool { return ev.Status == "cancelled" }
func (ev *event) isRecurring() bool {
	return ev.RecurringEventID == "" && ev.series != nil
}
func (ev *event) isException() bool { return ev.RecurringEventID != "" }

func etagOf(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// organizerOf is the organizer Google reports for events of cal.
func organizerOf(cal *calendarState, owner *account) map[string]any {
	if cal.Primary {
		o := map[string]any{"email": cal.ID, "self": true}
		if owner != nil && owner.Name != "" {
			o["displayName"] = owner.Name
		}
		return o
	}
	return map[string]any{"email": cal.ID, "displayName": cal.Summary, "self": true}
}

// htmlLink points to the account page of the control API, the emulator's
// stand-in for the Google Calendar web UI.
func htmlLink(base string, cal *calendarState, id string) string {
	return base + controlPrefix + "/accounts/" + url.PathEscape(cal.Owner) + "/page#event-" + id
}

// render returns the Event resource. minimal gives the shape Google uses
// for deleted events in lists: only identifiers and the status.
func (e *Emulator) render(cal *calendarState, ev *event, base string, minimal bool) map[string]any {
	if minimal && isCancelled(ev) {
		m := map[string]any{"kind": "calendar#event", "etag": etagOf(ev.Version), "id": ev.ID, "status": "cancelled"}
		if ev.isException() {
			m["recurringEventId"] = ev.RecurringEventID
			m["originalStartTime"] = ev.OriginalStart
		}
		return m
	}
	m := make(map[string]any, len(ev.Body)+14)
	for k, v := range ev.Body {
		m[k] = v
	}
	m["kind"] = "calendar#event"
	m["etag"] = etagOf(ev.Version)
	m["id"] = ev.ID
	m["status"] = ev.Status
	m["htmlLink"] = htmlLink(base, cal, ev.ID)
	m["created"] = ev.Created.UTC().Format(rfc3339Millis)
	m["updated"] = ev.Updated.UTC().Format(rfc3339Millis)
	m["creator"] = map[string]any{"email": ev.Creator, "self": strings.EqualFold(ev.Creator, cal.Owner)}
	m["organizer"] = organizerOf(cal, e.st.Accounts[normEmail(cal.Owner)])
	m["iCalUID"] = ev.ICalUID
	m["sequence"] = ev.Sequence
	if _, ok := m["eventType"]; !ok {
		m["eventType"] = "default"
	}
	m["reminders"] = renderReminders(ev.Body["reminders"])
	if ev.isException() {
		m["recurringEventId"] = ev.RecurringEventID
		m["originalStartTime"] = ev.OriginalStart
	}
	return m
}

func renderReminders(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{"useDefault": true}
	}
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	if _, ok := out["useDefault"]; !ok {
		out["useDefault"] = false
	}
	return out
}

// renderInstance renders the occurrence of master starting at t that has
// no exception: the master with shifted times and instance identifiers.
func (e *Emulator) renderInstance(cal *calendarState, master *event, t time.Time, base string) map[string]any {
	m := e.render(cal, master, base, false)
	delete(m, "recurrence")
	m["id"] = instanceID(master, t)
	m["start"] = formatWhen(t, master.start)
	m["end"] = formatWhen(master.endFor(t), master.end)
	m["recurringEventId"] = master.ID
	m["originalStartTime"] = formatWhen(t, master.start)
	m["htmlLink"] = htmlLink(base, cal, instanceID(master, t))
	return m
}

// cloneJSON deep-copies a JSON value.
func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			out[k] = cloneJSON(y)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = cloneJSON(y)
		}
		return out
	default:
		return v
	}
}

// mergePatch applies a patch with Google's patch semantics: objects merge
// recursively, arrays and scalars replace, null removes.
func mergePatch(dst, patch map[string]any) map[string]any {
	out := cloneJSON(dst).(map[string]any)
	for k, pv := range patch {
		if pv == nil {
			delete(out, k)
			continue
		}
		pm, isObj := pv.(map[string]any)
		cur, curIsObj := out[k].(map[string]any)
		if isObj && curIsObj {
			out[k] = mergePatch(cur, pm)
			continue
		}
		out[k] = cloneJSON(pv)
	}
	return out
}

// fixPatchedTime resolves a start/end that holds both date and dateTime
// after a merge: the kind the patch sent wins, as when a client moves an
// all-day event to a timed one.
func fixPatchedTime(merged, patch map[string]any) {
	for _, k := range []string{"start", "end"} {
		m, ok := merged[k].(map[string]any)
		p, pok := patch[k].(map[string]any)
		if !ok || !pok || m["date"] == nil || m["dateTime"] == nil {
			continue
		}
		if _, sentDate := p["date"]; sentDate {
			delete(m, "dateTime")
		} else {
			delete(m, "date")
		}
	}
}
