package gcal

import (
	"net/http"
	"slices"
	"time"
)

// handleEventInstances serves events.instances.
func (e *Emulator) handleEventInstances(w http.ResponseWriter, r *http.Request, p *principal) {
	q := r.URL.Query()
	var lq listQuery
	var apiErr *Error
	if lq.showDeleted, apiErr = parseBool(q, "showDeleted"); apiErr == nil {
		lq.maxResults, apiErr = parseMaxResults(q, 250, 2500)
	}
	if apiErr == nil {
		lq.timeMin, apiErr = parseTimeParam(q, "timeMin")
	}
	if apiErr == nil {
		lq.timeMax, apiErr = parseTimeParam(q, "timeMax")
	}
	var originalStart time.Time
	if apiErr == nil {
		originalStart, apiErr = parseTimeParam(q, "originalStart")
	}
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
		master := cal.Events[r.PathValue("eventId")]
		if master == nil {
			return errNotFound()
		}
		if isCancelled(master) {
			return errDeleted()
		}
		now := e.clock.Now()
		var items []listItem
		if master.isRecurring() {
			all := func(*event) bool { return true }
			showDeleted := func(*event) bool { return lq.showDeleted }
			lq.orderBy = "startTime"
			for _, o := range expand(cal, master, lq.timeMin, horizonFor(master, lq.timeMax, now), maxInstancesPerSeries) {
				if !originalStart.IsZero() && !o.t.Equal(originalStart) {
					continue
				}
				items = append(items, e.occurrenceItem(cal, o, lq, baseURL(r), showDeleted, all)...)
			}
		}
		slices.SortFunc(items, func(a, b listItem) int { return a.key.compare(b.key) })
		if tok := q.Get("pageToken"); tok != "" {
			var c pageCursor
			if !decodeToken(tok, &c) || c.Kind != "instances" || c.Cal != cal.ID {
				return errInvalid("Invalid page token value.").at("parameter", "pageToken")
			}
			i := 0
			for i < len(items) && items[i].key.compare(c.Last) <= 0 {
				i++
			}
			items = items[i:]
		}
		res := e.eventsEnvelope(cal, now)
		page := items
		if len(items) > lq.maxResults {
			page = items[:lq.maxResults]
			res["nextPageToken"] = encodeToken(pageCursor{Cal: cal.ID, Last: page[len(page)-1].key, Kind: "instances"})
		}
		rendered := make([]any, 0, len(page))
		for _, it := range page {
			rendered = append(rendered, it.render())
		}
		res["items"] = rendered
		out = res
		return nil
	})
	if err != nil {
		writeAPIError(w, r, asAPIError(err))
		return
	}
	writeResource(w, r, out)
}
