package outlook

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Delta query on a calendar view. Each round starts from a snapshot of the
// view (instance id -> change key): the first round from nothing, later
// rounds from the snapshot their $deltatoken stands for. The difference
// to the current view is sent in pages of Prefer: odata.maxpagesize items,
// linked by $skiptoken; the last page carries a $deltatoken for the new
// snapshot. Series masters are sent in full, plain occurrences in the slim
// shape Graph uses (id, type, seriesMasterId, start, end), removals as
// {"@removed":{"reason":"deleted"}}.

const (
	defaultDeltaPage = 100
	// maxDeltaStatesPerUser mirrors Outlook's bounded sync-state cache:
	// beyond it the oldest tokens are forgotten and answer 410.
	maxDeltaStatesPerUser = 64
)

// deltaLocked serves GET .../calendarView/delta: a first round, a
// $skiptoken page or a $deltatoken round.
func (e *Emulator) deltaLocked(c *call, u *account, cal *calendarFolder) (*response, *graphError) {
	skip := queryParamFold(c, "$skiptoken")
	dtok := queryParamFold(c, "$deltatoken")
	now := e.clock.Now().UTC()
	var (
		items    []deltaItem
		snapshot map[string]string
		window   viewWindow
		st       = &deltaState{UserID: u.ID, CalendarID: cal.ID}
	)
	switch {
	case skip != "":
		prev := e.st.DeltaStates[skip]
		if prev == nil || !prev.Skip || prev.UserID != u.ID || prev.CalendarID != cal.ID {
			return nil, errSyncState(len(e.st.DeltaStates))
		}
		st.Start, st.End = prev.Start, prev.End
		window = newViewWindow(prev.Start, prev.End, c.prefs.Location)
		items, snapshot = prev.Pending, prev.Snapshot
	case dtok != "":
		prev := e.st.DeltaStates[dtok]
		if prev == nil || prev.Skip || prev.UserID != u.ID || prev.CalendarID != cal.ID {
			return nil, errSyncState(len(e.st.DeltaStates))
		}
		st.Start, st.End = prev.Start, prev.End
		window = newViewWindow(prev.Start, prev.End, c.prefs.Location)
		current := viewSnapshot(viewInstances(cal, window, true))
		items = diffSnapshots(prev.Snapshot, current)
		snapshot = current
	default:
		from, to, gerr := windowBounds(c)
		if gerr != nil {
			return nil, gerr
		}
		st.Start, st.End = from, to
		window = newViewWindow(from, to, c.prefs.Location)
		current := viewSnapshot(viewInstances(cal, window, true))
		items = diffSnapshots(nil, current)
		snapshot = current
	}

	page := defaultDeltaPage
	if c.prefs.MaxPageSize > 0 {
		page = c.prefs.MaxPageSize
	}
	n := min(page, len(items))
	live := map[string]instance{}
	for _, in := range viewInstances(cal, window, true) {
		live[in.ID] = in
	}
	opts := e.renderOpts(c, u, nil)
	values := make([]any, 0, n)
	for _, it := range items[:n] {
		in, ok := live[it.ID]
		switch {
		case it.Removed || !ok:
			values = append(values, removedJSON{ODataType: "#microsoft.graph.event", ID: it.ID, Removed: map[string]string{"reason": "deleted"}})
		case in.Type == "occurrence":
			values = append(values, renderOccurrenceDelta(in, opts))
		default:
			full := renderInstance(in, opts)
			full.ODataType = "#microsoft.graph.event"
			values = append(values, full)
		}
	}

	st.Token, st.Snapshot, st.Issued = randomToken(48), snapshot, now
	link := c.base + c.r.URL.EscapedPath() + "?"
	body := map[string]any{"@odata.context": c.odataContext("Collection(event)"), "value": values}
	if n < len(items) {
		st.Skip, st.Pending = true, append([]deltaItem(nil), items[n:]...)
		body["@odata.nextLink"] = link + url.Values{"$skiptoken": {st.Token}}.Encode()
	} else {
		body["@odata.deltaLink"] = link + url.Values{"$deltatoken": {st.Token}}.Encode()
	}
	e.saveDeltaStateLocked(st)
	res := jsonResponse(http.StatusOK, body)
	applied := []string{"odata.track-changes"}
	if c.prefs.MaxPageSize > 0 {
		applied = append(applied, "odata.maxpagesize="+itoa(c.prefs.MaxPageSize))
	}
	res.header = http.Header{"Preference-Applied": {strings.Join(applied, ", ")}}
	return res, nil
}

// viewSnapshot records each instance's change key.
func viewSnapshot(ins []instance) map[string]string {
	m := make(map[string]string, len(ins))
	for _, in := range ins {
		m[in.ID] = in.changeKey()
	}
	return m
}

// diffSnapshots lists what changed from prev to cur: new or changed ids in
// full, vanished ids as removed. Order: changes by id, then removals.
func diffSnapshots(prev, cur map[string]string) []deltaItem {
	var changed, removed []deltaItem
	for id, ck := range cur {
		if old, ok := prev[id]; !ok || old != ck {
			changed = append(changed, deltaItem{ID: id})
		}
	}
	for id := range prev {
		if _, ok := cur[id]; !ok {
			removed = append(removed, deltaItem{ID: id, Removed: true})
		}
	}
	sort.Slice(changed, func(i, j int) bool { return changed[i].ID < changed[j].ID })
	sort.Slice(removed, func(i, j int) bool { return removed[i].ID < removed[j].ID })
	return append(changed, removed...)
}

// saveDeltaStateLocked stores a token, evicting the user's oldest ones
// beyond the cache size.
func (e *Emulator) saveDeltaStateLocked(st *deltaState) {
	e.st.DeltaSeq++
	st.Seq = e.st.DeltaSeq
	e.st.DeltaStates[st.Token] = st
	var mine []*deltaState
	for _, d := range e.st.DeltaStates {
		if d.UserID == st.UserID {
			mine = append(mine, d)
		}
	}
	if len(mine) <= maxDeltaStatesPerUser {
		return
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].Seq < mine[j].Seq })
	for _, d := range mine[:len(mine)-maxDeltaStatesPerUser] {
		delete(e.st.DeltaStates, d.Token)
	}
}
