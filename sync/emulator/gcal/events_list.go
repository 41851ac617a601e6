package gcal

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listQuery is a parsed events.list request.
type listQuery struct {
	singleEvents bool
	showDeleted  bool
	orderBy      string
	timeMin      time.Time
	timeMax      time.Time
	updatedMin   time.Time
	iCalUID      string
	q            []string
	privateProps [][2]string
	sharedProps  [][2]string
	maxResults   int
	pageToken    string
	syncToken    string
}

// paramsForbiddenWithSync are rejected together with syncToken.
var paramsForbiddenWithSync = []string{"iCalUID", "orderBy", "privateExtendedProperty", "q",
	"sharedExtendedProperty", "timeMin", "timeMax", "updatedMin"}

func parseBool(q url.Values, name string) (bool, *Error) {
	switch v := q.Get(name); v {
	case "":
		return false, nil
	case "true", "True", "1":
		return true, nil
	case "false", "False", "0":
		return false, nil
	default:
		return false, errInvalid("Invalid boolean value: '"+v+"'").at("parameter", name)
	}
}

func parseTimeParam(q url.Values, name string) (time.Time, *Error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errBadRequest().at("parameter", name)
	}
	return t, nil
}

func parseMaxResults(q url.Values, def, limit int) (int, *Error) {
	v := q.Get("maxResults")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errInvalid("Invalid value '"+v+"'. Values must be within the range: [1, "+strconv.Itoa(limit)+"]").at("parameter", "maxResults")
	}
	return min(n, limit), nil
}

func parseProps(q url.Values, name string) ([][2]string, *Error) {
	var out [][2]string
	for _, v := range q[name] {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, errInvalid("Invalid value for "+name+": "+v).at("parameter", name)
		}
		out = append(out, [2]string{k, val})
	}
	return out, nil
}

func parseListQuery(q url.Values) (listQuery, *Error) {
	var (
		lq  listQuery
		err *Error
	)
	if lq.singleEvents, err = parseBool(q, "singleEvents"); err != nil {
		return lq, err
	}
	if lq.showDeleted, err = parseBool(q, "showDeleted"); err != nil {
		return lq, err
	}
	if lq.maxResults, err = parseMaxResults(q, 250, 2500); err != nil {
		return lq, err
	}
	lq.orderBy = q.Get("orderBy")
	switch lq.orderBy {
	case "", "updated":
	case "startTime":
		if !lq.singleEvents {
			return lq, newError(400, "global", "badRequest", "The requested ordering is not available for the particular query.").at("parameter", "orderBy")
		}
	default:
		return lq, errInvalid("Invalid value for orderBy: "+lq.orderBy).at("parameter", "orderBy")
	}
	for _, name := range []string{"timeMin", "timeMax", "updatedMin"} {
		t, err := parseTimeParam(q, name)
		if err != nil {
			return lq, err
		}
		switch name {
		case "timeMin":
			lq.timeMin = t
		case "timeMax":
			lq.timeMax = t
		default:
			lq.updatedMin = t
		}
	}
	if !lq.timeMin.IsZero() && !lq.timeMax.IsZero() && !lq.timeMin.Before(lq.timeMax) {
		return lq, errTimeRangeEmpty("timeMax")
	}
	if tz := q.Get("timeZone"); tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return lq, errInvalid("Invalid time zone: "+tz).at("parameter", "timeZone")
		}
	}
	lq.iCalUID = q.Get("iCalUID")
	lq.q = strings.Fields(strings.ToLower(q.Get("q")))
	if lq.privateProps, err = parseProps(q, "privateExtendedProperty"); err != nil {
		return lq, err
	}
	if lq.sharedProps, err = parseProps(q, "sharedExtendedProperty"); err != nil {
		return lq, err
	}
	lq.pageToken = q.Get("pageToken")
	lq.syncToken = q.Get("syncToken")
	if lq.syncToken != "" {
		for _, name := range paramsForbiddenWithSync {
			if q.Has(name) {
				return lq, errInvalid("The parameter "+name+" cannot be used together with syncToken.").at("parameter", name)
			}
		}
	}
	return lq, nil
}

// sortKey orders list results; page tokens carry the last key returned so
// paging stays stable while the calendar changes.
type sortKey struct {
	T  int64  `json:"t"`
	ID string `json:"i"`
}

func (a sortKey) compare(b sortKey) int {
	switch {
	case a.T < b.T:
		return -1
	case a.T > b.T:
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// pageCursor is the content of a nextPageToken.
type pageCursor struct {
	Cal   string  `json:"c"`
	Last  sortKey `json:"l"`
	Snap  int64   `json:"s"` // change sequence when the listing began
	Base  int64   `json:"b"` // sync token sequence; -1 for a full listing
	Order string  `json:"o"`
	Kind  string  `json:"k"`
}

// syncCursor is the content of a nextSyncToken.
type syncCursor struct {
	Cal    string `json:"c"`
	Seq    int64  `json:"s"`
	Epoch  int64  `json:"e"`
	Issued int64  `json:"t"`
	Kind   string `json:"k"`
}

func encodeToken(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// listItem is one candidate result; rendering waits until the page is cut.
type listItem struct {
	key    sortKey
	render func() map[string]any
}

// handleEventsList serves events.list: full listings, filters, expansion
// of series and incremental sync.
func (e *Emulator) handleEventsList(w http.ResponseWriter, r *http.Request, p *principal) {
	lq, apiErr := parseListQuery(r.URL.Query())
	if apiErr != nil {
		writeAPIError(w, r, apiErr)
		return
	}
	var out map[string]any
	err := e.read(func() error {
		cal, err := e.st.calendarFor(p.email, r.PathValue("calendarId"))
		if err != nil {
			return err
		}
		res, err := e.listEvents(cal, lq, baseURL(r))
		if err != nil {
			return err
		}
		out = res
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}

func (e *Emulator) listEvents(cal *calendarState, lq listQuery, base string) (map[string]any, *Error) {
	now := e.clock.Now()
	snap, baseSeq := cal.ChangeSeq, int64(-1)
	var last *sortKey
	switch {
	case lq.pageToken != "":
		var c pageCursor
		if !decodeToken(lq.pageToken, &c) || c.Kind != "events" || c.Cal != cal.ID || c.Order != lq.orderBy {
			return nil, errInvalid("Invalid page token value.").at("parameter", "pageToken")
		}
		snap, baseSeq, last = c.Snap, c.Base, &c.Last
	case lq.syncToken != "":
		seq, err := e.checkSyncToken(cal, lq.syncToken, now)
		if err != nil {
			return nil, err
		}
		baseSeq = seq
	}
	var items []listItem
	if baseSeq >= 0 {
		items = e.changedItems(cal, lq, baseSeq, snap, base, now)
	} else {
		items = e.fullItems(cal, lq, base, now)
	}
	slices.SortFunc(items, func(a, b listItem) int { return a.key.compare(b.key) })
	if last != nil {
		i, _ := slices.BinarySearchFunc(items, *last, func(it listItem, k sortKey) int { return it.key.compare(k) })
		for i < len(items) && items[i].key.compare(*last) <= 0 {
			i++
		}
		items = items[i:]
	}
	page := items
	more := len(items) > lq.maxResults
	if more {
		page = items[:lq.maxResults]
	}
	rendered := make([]any, 0, len(page))
	for _, it := range page {
		rendered = append(rendered, it.render())
	}
	res := e.eventsEnvelope(cal, now)
	res["items"] = rendered
	if more {
		res["nextPageToken"] = encodeToken(pageCursor{Cal: cal.ID, Last: page[len(page)-1].key, Snap: snap, Base: baseSeq, Order: lq.orderBy, Kind: "events"})
	} else {
		res["nextSyncToken"] = encodeToken(syncCursor{Cal: cal.ID, Seq: snap, Epoch: cal.SyncEpoch, Issued: now.Unix(), Kind: "sync"})
	}
	return res, nil
}

// checkSyncToken returns the change sequence a sync token has seen, or
// 410 fullSyncRequired when it was invalidated or is past the retention.
func (e *Emulator) checkSyncToken(cal *calendarState, token string, now time.Time) (int64, *Error) {
	var c syncCursor
	if !decodeToken(token, &c) || c.Kind != "sync" {
		return 0, errInvalid("Invalid sync token value.").at("parameter", "syncToken")
	}
	if c.Cal != cal.ID {
		return 0, errInvalid("Invalid sync token value.").at("parameter", "syncToken")
	}
	retention := time.Duration(e.st.Config.SyncTokenRetentionSec) * time.Second
	expired := retention > 0 && now.Sub(time.Unix(c.Issued, 0)) > retention
	if c.Epoch != cal.SyncEpoch || c.Seq > cal.ChangeSeq || expired {
		return 0, errFullSyncRequired()
	}
	return c.Seq, nil
}

// eventsEnvelope is the Events collection without items.
func (e *Emulator) eventsEnvelope(cal *calendarState, now time.Time) map[string]any {
	updated := cal.Updated
	var version int64 = cal.Version
	for _, ev := range cal.Events {
		if ev.Updated.After(updated) {
			updated = ev.Updated
		}
		version = max(version, ev.Version)
	}
	env := map[string]any{
		"kind":             "calendar#events",
		"etag":             etagOf(version),
		"summary":          cal.Summary,
		"updated":          updated.UTC().Format(rfc3339Millis),
		"timeZone":         cal.TimeZone,
		"accessRole":       "owner",
		"defaultReminders": defaultReminders(cal),
	}
	if cal.Description != "" {
		env["description"] = cal.Description
	}
	return env
}

func defaultReminders(cal *calendarState) []any {
	if cal.Primary {
		return []any{map[string]any{"method": "popup", "minutes": 10}}
	}
	return []any{}
}

// horizonFor bounds the expansion of a series without timeMax.
func horizonFor(master *event, timeMax, now time.Time) time.Time {
	if !timeMax.IsZero() {
		return timeMax
	}
	from := now
	if master.start.t.After(from) {
		from = master.start.t
	}
	return from.Add(expansionHorizon)
}

// matchesFilters applies iCalUID, q and extended-property filters to the
// stored event that carries the fields.
func (lq listQuery) matchesFilters(ev *event) bool {
	if lq.iCalUID != "" && ev.ICalUID != lq.iCalUID {
		return false
	}
	ext, _ := ev.Body["extendedProperties"].(map[string]any)
	for _, pair := range []struct {
		scope string
		props [][2]string
	}{{"private", lq.privateProps}, {"shared", lq.sharedProps}} {
		props, _ := ext[pair.scope].(map[string]any)
		for _, kv := range pair.props {
			if v, _ := props[kv[0]].(string); v != kv[1] || props[kv[0]] == nil {
				return false
			}
		}
	}
	if len(lq.q) > 0 {
		text := strings.ToLower(searchText(ev))
		for _, word := range lq.q {
			if !strings.Contains(text, word) {
				return false
			}
		}
	}
	return true
}

// searchText is what q searches: summary, description, location and the
// attendees' names and addresses.
func searchText(ev *event) string {
	var b strings.Builder
	for _, k := range []string{"summary", "description", "location"} {
		if s, ok := ev.Body[k].(string); ok {
			b.WriteString(s)
			b.WriteByte(' ')
		}
	}
	if list, ok := ev.Body["attendees"].([]any); ok {
		for _, a := range list {
			if m, ok := a.(map[string]any); ok {
				for _, k := range []string{"email", "displayName"} {
					if s, ok := m[k].(string); ok {
						b.WriteString(s)
						b.WriteByte(' ')
					}
				}
			}
		}
	}
	return b.String()
}

// keyFor builds the sort key of a result for the requested ordering.
func keyFor(order string, id string, created, updated, start time.Time) sortKey {
	switch order {
	case "startTime":
		return sortKey{T: start.UnixNano(), ID: id}
	case "updated":
		return sortKey{T: updated.UnixNano(), ID: id}
	default:
		return sortKey{T: created.UnixNano(), ID: id}
	}
}

// fullItems lists the calendar's current content for a listing without a
// sync token.
func (e *Emulator) fullItems(cal *calendarState, lq listQuery, base string, now time.Time) []listItem {
	var items []listItem
	showDeleted := func(ev *event) bool {
		return lq.showDeleted || (!lq.updatedMin.IsZero() && !ev.Updated.Before(lq.updatedMin))
	}
	updatedOK := func(ev *event) bool { return lq.updatedMin.IsZero() || !ev.Updated.Before(lq.updatedMin) }
	inWindow := func(ev *event) bool {
		if ev.start.isZero() {
			return true
		}
		return overlaps(ev.start.t, ev.end.t, lq.timeMin, lq.timeMax)
	}
	for _, ev := range cal.Events {
		ev := ev
		switch {
		case ev.isException():
			if lq.singleEvents {
				continue // emitted with its series below
			}
			if isCancelled(ev) && !showDeleted(ev) || !inWindow(ev) || !updatedOK(ev) || !lq.matchesFilters(ev) {
				continue
			}
		case isCancelled(ev):
			if !showDeleted(ev) || !inWindow(ev) || !updatedOK(ev) || !lq.matchesFilters(ev) {
				continue
			}
		case ev.isRecurring():
			if !lq.matchesFilters(ev) {
				continue
			}
			to := horizonFor(ev, lq.timeMax, now)
			if lq.singleEvents {
				for _, o := range expand(cal, ev, lq.timeMin, to, maxInstancesPerSeries) {
					items = append(items, e.occurrenceItem(cal, o, lq, base, showDeleted, updatedOK)...)
				}
				continue
			}
			if !updatedOK(ev) || ((!lq.timeMin.IsZero() || !lq.timeMax.IsZero()) && len(expand(cal, ev, lq.timeMin, to, 1)) == 0) {
				continue
			}
		default:
			if !inWindow(ev) || !updatedOK(ev) || !lq.matchesFilters(ev) {
				continue
			}
		}
		items = append(items, listItem{
			key:    keyFor(lq.orderBy, ev.ID, ev.Created, ev.Updated, ev.start.t),
			render: func() map[string]any { return e.render(cal, ev, base, true) },
		})
	}
	return items
}

// occurrenceItem turns an expanded occurrence into a result, or none when
// it is a cancelled instance not asked for.
func (e *Emulator) occurrenceItem(cal *calendarState, o occurrence, lq listQuery, base string, showDeleted, updatedOK func(*event) bool) []listItem {
	s, _ := o.span()
	if x := o.exception; x != nil {
		if isCancelled(x) && !showDeleted(x) || !updatedOK(x) || !lq.matchesFilters(x) {
			return nil
		}
		return []listItem{{
			key:    keyFor(lq.orderBy, x.ID, x.Created, x.Updated, s),
			render: func() map[string]any { return e.render(cal, x, base, true) },
		}}
	}
	if !updatedOK(o.master) {
		return nil
	}
	return []listItem{{
		key:    keyFor(lq.orderBy, o.id(), o.master.Created, o.master.Updated, s),
		render: func() map[string]any { return e.renderInstance(cal, o.master, o.t, base) },
	}}
}

// changedItems lists what changed after a sync token's sequence, up to
// the sequence the listing started at; deleted events come as cancelled.
func (e *Emulator) changedItems(cal *calendarState, lq listQuery, baseSeq, snap int64, base string, now time.Time) []listItem {
	var items []listItem
	seen := map[string]bool{}
	add := func(it listItem) {
		if !seen[it.key.ID] {
			seen[it.key.ID] = true
			items = append(items, it)
		}
	}
	for _, ev := range cal.Events {
		ev := ev
		if ev.ChangeSeq <= baseSeq || ev.ChangeSeq > snap {
			continue
		}
		if lq.singleEvents && ev.isRecurring() && !isCancelled(ev) {
			for _, o := range expand(cal, ev, time.Time{}, horizonFor(ev, time.Time{}, now), maxInstancesPerSeries) {
				if o.cancelled() {
					continue
				}
				o := o
				add(listItem{
					key: sortKey{T: ev.ChangeSeq, ID: o.id()},
					render: func() map[string]any {
						if o.exception != nil {
							return e.render(cal, o.exception, base, true)
						}
						return e.renderInstance(cal, o.master, o.t, base)
					},
				})
			}
			continue
		}
		add(listItem{
			key:    sortKey{T: ev.ChangeSeq, ID: ev.ID},
			render: func() map[string]any { return e.render(cal, ev, base, true) },
		})
	}
	return items
}
