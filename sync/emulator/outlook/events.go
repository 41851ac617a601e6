package outlook

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// eventRef is what an event id resolves to.
type eventRef struct {
	Cal         *calendarFolder
	storedEvent *storedEvent // the stored single event or series master
	Original    time.Time    // occurrences and exceptions: the original start
	Exception   *storedEvent // the modified occurrence, if any
	IsInst      bool         // the id names an occurrence or exception
}

// findEvent resolves an event id of u; calID limits it to one calendar.
func findEvent(u *account, id, calID string) (eventRef, *graphError) {
	p, ok := parseItemID(id)
	if !ok || p.Kind == idKindCalendar {
		return eventRef{}, errIDMalformed()
	}
	master := id
	if p.Kind == idKindOccurrence {
		master = p.MasterID
	}
	for _, cal := range u.Calendars {
		if calID != "" && cal.ID != calID {
			continue
		}
		ev := cal.Events[master]
		if ev == nil {
			continue
		}
		ref := eventRef{Cal: cal, storedEvent: ev}
		if p.Kind != idKindOccurrence {
			return ref, nil
		}
		if ev.Recurrence == nil {
			return eventRef{}, errItemNotFound()
		}
		key := occurrenceKey(p.Original)
		ref.IsInst, ref.Original = true, p.Original.UTC()
		if ev.Cancelled[key] {
			return eventRef{}, errItemNotFound()
		}
		if x := ev.Exceptions[key]; x != nil {
			ref.Exception = x
			return ref, nil
		}
		if !isOccurrence(ev, p.Original) {
			return eventRef{}, errItemNotFound()
		}
		return ref, nil
	}
	return eventRef{}, errItemNotFound()
}

// instance returns the view item ref names.
func (ref eventRef) instance() instance {
	ev := ref.storedEvent
	switch {
	case ref.Exception != nil:
		x := ref.Exception
		return instance{ID: x.ID, Type: "exception", Source: x, Master: ev, Start: x.Start, End: x.End, OriginalStart: x.OriginalStart, CalendarID: ref.Cal.ID}
	case ref.IsInst:
		return instance{ID: occurrenceID(ev.ID, ref.Original), Type: "occurrence", Source: ev, Master: ev,
			Start: ref.Original, End: ref.Original.Add(ev.End.Sub(ev.Start)), OriginalStart: ref.Original, CalendarID: ref.Cal.ID}
	default:
		return instance{ID: ev.ID, Type: ev.eventType(), Source: ev, Start: ev.Start, End: ev.End, CalendarID: ref.Cal.ID}
	}
}

func (e *Emulator) renderOpts(c *call, u *account, exp *extPropExpand) renderOptions {
	return renderOptions{Prefs: c.prefs, Owner: u, BaseURL: c.base, ExpandExt: exp}
}

// listEventsLocked serves GET .../events: single instances and series
// masters, with $filter, $select, $expand, $orderby, $top and $skip.
func (e *Emulator) listEventsLocked(c *call, u *account, cal *calendarFolder) (*response, *graphError) {
	lq, gerr := parseListQuery(c.query)
	if gerr != nil {
		return nil, gerr
	}
	var items []instance
	for _, ev := range cal.Events {
		in := instance{ID: ev.ID, Type: ev.eventType(), Source: ev, Start: ev.Start, End: ev.End, CalendarID: cal.ID}
		if lq.matches(in) {
			items = append(items, in)
		}
	}
	// Outlook's default order for /events is by creation.
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].Source.Created.Equal(items[j].Source.Created) {
			return items[i].Source.Created.Before(items[j].Source.Created)
		}
		return items[i].ID < items[j].ID
	})
	lq.sort(items)
	return e.collectionLocked(c, u, lq, items, userPath(u)+"/events")
}

// collectionLocked renders one page of items.
func (e *Emulator) collectionLocked(c *call, u *account, lq listQuery, items []instance, ctx string) (*response, *graphError) {
	page := 10
	if lq.Top > 0 {
		page = lq.Top
	} else if c.prefs.MaxPageSize > 0 {
		page = c.prefs.MaxPageSize
	}
	total := len(items)
	from := min(lq.Skip, total)
	to := min(from+page, total)
	opts := e.renderOpts(c, u, lq.Expand)
	values := make([]any, 0, to-from)
	for _, in := range items[from:to] {
		v, err := applySelect(renderInstance(in, opts), lq.Select)
		if err != nil {
			return nil, errBadRequest("Invalid $select.")
		}
		values = append(values, v)
	}
	body := map[string]any{"@odata.context": c.odataContext(ctx), "value": values}
	if to < total {
		body["@odata.nextLink"] = pageLink(c, to)
	}
	if lq.Count {
		body["@odata.count"] = total
	}
	res := jsonResponse(http.StatusOK, body)
	if c.prefs.MaxPageSize > 0 && lq.Top == 0 {
		res.header = http.Header{"Preference-Applied": {"odata.maxpagesize=" + itoa(c.prefs.MaxPageSize)}}
	}
	return res, nil
}

// postEventLocked creates an event, honouring transactionId: a retried
// POST with the same transactionId returns the event the first one made.
func (e *Emulator) postEventLocked(c *call, u *account, cal *calendarFolder) (*response, *graphError) {
	fields, gerr := decodeObject(c.body)
	if gerr != nil {
		return nil, gerr
	}
	ev, gerr := e.createEventLocked(u, cal, fields)
	if gerr != nil {
		return nil, gerr
	}
	return e.eventResponseLocked(c, u, eventRef{Cal: u.Calendars[ev.CalendarID], storedEvent: ev}, http.StatusCreated, nil)
}

// createEventLocked is the create operation shared by Graph and the
// control API ("as the user").
func (e *Emulator) createEventLocked(u *account, cal *calendarFolder, fields map[string]json.RawMessage) (*storedEvent, *graphError) {
	now := e.clock.Now().UTC()
	ev := &storedEvent{
		CalendarID: cal.ID, Body: itemBody{ContentType: "html"}, Sensitivity: "normal", ShowAs: "busy",
		Importance: "normal", IsReminderOn: true, ReminderMinutes: 15, ResponseRequested: true,
	}
	if gerr := applyEventPatch(ev, fields, true); gerr != nil {
		return nil, gerr
	}
	if ev.TransactionID != "" {
		if id, ok := e.st.TxnIndex[u.ID+"|"+ev.TransactionID]; ok {
			if ref, gerr := findEvent(u, id, ""); gerr == nil {
				return ref.storedEvent, nil
			}
			delete(e.st.TxnIndex, u.ID+"|"+ev.TransactionID)
		}
	}
	if gerr := alignSeriesStart(ev); gerr != nil {
		return nil, gerr
	}
	ev.ID, ev.ICalUID, ev.ChangeKey = newEventID(), newICalUID(), newChangeKey()
	ev.Created, ev.Modified = now, now
	cal.Events[ev.ID] = ev
	if ev.TransactionID != "" {
		e.st.TxnIndex[u.ID+"|"+ev.TransactionID] = ev.ID
	}
	e.changedLocked(u, cal.ID, ev.ID, "created")
	return ev, nil
}

// alignSeriesStart moves a series master to its first occurrence, as
// Outlook does, and rejects a series with no occurrence at all.
func alignSeriesStart(ev *storedEvent) *graphError {
	if ev.Recurrence == nil {
		return nil
	}
	dur := ev.End.Sub(ev.Start)
	first, ok := firstOccurrence(ev)
	if !ok {
		return errInvalidRequest("The recurrence pattern has no occurrence.")
	}
	ev.Start, ev.End = first, first.Add(dur)
	return nil
}

// eventResponseLocked renders one event for GET, POST and PATCH.
func (e *Emulator) eventResponseLocked(c *call, u *account, ref eventRef, status int, exp *extPropExpand) (*response, *graphError) {
	out := renderInstance(ref.instance(), e.renderOpts(c, u, exp))
	v, err := applySelect(out, parseSelect(queryParam(c.query, "select")))
	if err != nil {
		return nil, errBadRequest("Invalid $select.")
	}
	body, err := withContext(v, c.odataContext(userPath(u)+"/events/$entity"))
	if err != nil {
		return nil, errBadRequest("Invalid $select.")
	}
	res := jsonResponse(status, body)
	res.header = http.Header{"ETag": {out.ODataEtag}}
	return res, nil
}

// withContext adds @odata.context in front of a rendered entity.
func withContext(v any, ctx string) (map[string]json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	c, _ := json.Marshal(ctx)
	m["@odata.context"] = c
	return m, nil
}

// getEventLocked serves GET .../events/{id} with $select and $expand.
func (e *Emulator) getEventLocked(c *call, u *account, ref eventRef) (*response, *graphError) {
	var exp *extPropExpand
	if x := queryParam(c.query, "expand"); x != "" {
		var gerr *graphError
		if exp, gerr = parseExpand(x); gerr != nil {
			return nil, gerr
		}
	}
	return e.eventResponseLocked(c, u, ref, http.StatusOK, exp)
}

// checkIfMatch compares If-Match with the item's change key.
func checkIfMatch(r *http.Request, changeKey string) *graphError {
	im := strings.TrimSpace(r.Header.Get("If-Match"))
	if im == "" || im == "*" {
		return nil
	}
	for _, v := range strings.Split(im, ",") {
		v = strings.TrimSpace(v)
		v = strings.TrimPrefix(v, "W/")
		v = strings.Trim(v, `"`)
		if v == changeKey {
			return nil
		}
	}
	return errConflictChangeKey()
}

// patchEventLocked serves PATCH .../events/{id}, honouring If-Match.
func (e *Emulator) patchEventLocked(c *call, u *account, ref eventRef) (*response, *graphError) {
	if gerr := checkIfMatch(c.r, ref.instance().changeKey()); gerr != nil {
		return nil, gerr
	}
	fields, gerr := decodeObject(c.body)
	if gerr != nil {
		return nil, gerr
	}
	ref, gerr = e.updateEventLocked(u, ref, fields)
	if gerr != nil {
		return nil, gerr
	}
	return e.eventResponseLocked(c, u, ref, http.StatusOK, nil)
}

// updateEventLocked applies a PATCH to an event, a series or one
// occurrence (which becomes an exception). Shared with the control API.
func (e *Emulator) updateEventLocked(u *account, ref eventRef, fields map[string]json.RawMessage) (eventRef, *graphError) {
	now := e.clock.Now().UTC()
	ev := ref.storedEvent
	if ref.IsInst {
		if _, ok := fields["recurrence"]; ok {
			return ref, errInvalidRequest("The recurrence of an occurrence cannot be changed; change the series master.")
		}
		key := occurrenceKey(ref.Original)
		x := ref.Exception
		if x == nil {
			x = ev.clone()
			x.Recurrence, x.Exceptions, x.Cancelled = nil, nil, nil
			x.ID = occurrenceID(ev.ID, ref.Original)
			x.SeriesMasterID, x.OriginalStart = ev.ID, ref.Original
			x.Start, x.End = ref.Original, ref.Original.Add(ev.End.Sub(ev.Start))
			x.Created = now
		} else {
			x = x.clone()
		}
		if gerr := applyEventPatch(x, fields, false); gerr != nil {
			return ref, gerr
		}
		if gerr := checkOccurrenceBounds(ev, ref.Original, x); gerr != nil {
			return ref, gerr
		}
		x.touch(now)
		if ev.Exceptions == nil {
			ev.Exceptions = map[string]*storedEvent{}
		}
		ev.Exceptions[key] = x
		ref.Exception = x
		e.changedLocked(u, ref.Cal.ID, x.ID, "updated")
		return ref, nil
	}
	upd := ev.clone()
	if gerr := applyEventPatch(upd, fields, false); gerr != nil {
		return ref, gerr
	}
	if ev.Recurrence != nil || upd.Recurrence != nil {
		if recurrenceChanged(ev, upd) {
			// Outlook drops a series' exceptions when its pattern or time changes.
			upd.Exceptions, upd.Cancelled = nil, nil
		}
		if gerr := alignSeriesStart(upd); gerr != nil {
			return ref, gerr
		}
	}
	upd.touch(now)
	*ev = *upd
	e.changedLocked(u, ref.Cal.ID, ev.ID, "updated")
	return ref, nil
}

// checkOccurrenceBounds refuses, as Exchange does, an occurrence moved to
// or before the day of the occurrence before it, or to or after the day
// of the one after it (days in the series' start zone; neighbours where
// they are now, moved ones included, cancelled ones skipped).
func checkOccurrenceBounds(master *storedEvent, original time.Time, x *storedEvent) *graphError {
	loc, ok := loadZone(master.StartTimeZone)
	if !ok || master.IsAllDay {
		loc = time.UTC
	}
	const reach = 400 * 24 * time.Hour
	var prev, next time.Time
	for _, t := range occurrenceStarts(master, original.Add(-reach), original.Add(reach)) {
		key := occurrenceKey(t)
		if t.Equal(original) || master.Cancelled[key] {
			continue
		}
		at := t
		if e := master.Exceptions[key]; e != nil {
			at = e.Start
		}
		if t.Before(original) {
			prev = at
		} else if next.IsZero() {
			next = at
		}
	}
	day := func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
	if (!prev.IsZero() && day(x.Start) <= day(prev)) || (!next.IsZero() && day(x.Start) >= day(next)) {
		return newGraphError(http.StatusBadRequest, "ErrorOccurrenceCrossingBoundary",
			"The modified occurrence is crossing or overlapping adjacent occurrence.")
	}
	return nil
}

// recurrenceChanged reports whether a series' pattern or times changed.
func recurrenceChanged(old, upd *storedEvent) bool {
	if (old.Recurrence == nil) != (upd.Recurrence == nil) {
		return true
	}
	if !old.Start.Equal(upd.Start) || !old.End.Equal(upd.End) || old.IsAllDay != upd.IsAllDay {
		return true
	}
	a, _ := json.Marshal(old.Recurrence)
	b, _ := json.Marshal(upd.Recurrence)
	return string(a) != string(b)
}

// deleteEventLocked serves DELETE .../events/{id}, honouring If-Match.
func (e *Emulator) deleteEventLocked(c *call, u *account, ref eventRef) (*response, *graphError) {
	if gerr := checkIfMatch(c.r, ref.instance().changeKey()); gerr != nil {
		return nil, gerr
	}
	e.removeEventLocked(u, ref)
	return noContentResponse(), nil
}

// removeEventLocked deletes an event, a series or one occurrence.
func (e *Emulator) removeEventLocked(u *account, ref eventRef) {
	ev := ref.storedEvent
	if ref.IsInst {
		key := occurrenceKey(ref.Original)
		id := ref.instance().ID
		if ev.Cancelled == nil {
			ev.Cancelled = map[string]bool{}
		}
		ev.Cancelled[key] = true
		delete(ev.Exceptions, key)
		e.changedLocked(u, ref.Cal.ID, id, "deleted")
		return
	}
	e.forgetEventLocked(u, ev)
	delete(ref.Cal.Events, ev.ID)
	e.changedLocked(u, ref.Cal.ID, ev.ID, "deleted")
}

// forgetEventLocked drops indexes pointing at ev.
func (e *Emulator) forgetEventLocked(u *account, ev *storedEvent) {
	if ev.TransactionID != "" {
		delete(e.st.TxnIndex, u.ID+"|"+ev.TransactionID)
	}
}

// instancesLocked serves GET .../events/{id}/instances.
func (e *Emulator) instancesLocked(c *call, u *account, ref eventRef) (*response, *graphError) {
	w, gerr := viewWindowFromQuery(c)
	if gerr != nil {
		return nil, gerr
	}
	lq, gerr := parseListQuery(c.query)
	if gerr != nil {
		return nil, gerr
	}
	var items []instance
	for _, in := range expandEvent(ref.storedEvent, w, false) {
		if lq.matches(in) {
			items = append(items, in)
		}
	}
	lq.sort(items)
	return e.collectionLocked(c, u, lq, items, userPath(u)+"/events('"+ref.storedEvent.ID+"')/instances")
}
