package google

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"calsync/sync/engine"
)

// instanceID is the id Google gives the occurrence of series seriesID
// that the series puts at original: "<series>_<original start>", the
// date for all-day series, the UTC date-time otherwise.
func instanceID(seriesID string, original time.Time, allDay bool, loc *time.Location) string {
	if allDay {
		return seriesID + "_" + original.In(loc).Format(icalDateLayout)
	}
	return seriesID + "_" + original.UTC().Format(icalLocalLayout) + "Z"
}

// writeMoves patches the moved occurrences of the series the ops at
// indexes idx made or updated (results[i].Remote), each to its own time
// with the series' content. An occurrence Google no longer has (cancelled
// there) is left alone. A failure fails the op with the series' remote
// kept, so the run is retried.
func writeMoves(ctx context.Context, ec *eventCaller, ops []engine.Op, idx []int, results []engine.Result) {
	var (
		calls []eventCall
		of    []int
	)
	for _, i := range idx {
		op := ops[i]
		loc, err := time.LoadLocation(op.Event.TimeZone)
		if err != nil || op.Event.TimeZone == "" {
			loc = time.UTC
		}
		for _, m := range op.Event.Moved {
			body, err := renderEvent(op.Event.Occurrence(m), engine.MovedFields, true)
			if err != nil {
				results[i] = engine.Result{Remote: results[i].Remote, Err: invalid(op, "moved occurrence %s: %v", m.Original.Format(time.RFC3339), err)}
				break
			}
			calls = append(calls, eventCall{method: http.MethodPatch, eventID: instanceID(results[i].Remote.ID, m.Original, op.Event.AllDay, loc), body: body})
			of = append(of, i)
		}
	}
	for k, ans := range ec.run(ctx, calls) {
		i := of[k]
		if ans.err == nil || isStatus(ans.err, http.StatusNotFound, http.StatusGone) || results[i].Err != nil {
			continue
		}
		results[i] = engine.Result{Remote: results[i].Remote,
			Err: eventError(fmt.Sprintf("%s: move occurrence %s", opName(ops[i]), calls[k].eventID), ans.err)}
	}
}
