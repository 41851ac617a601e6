package google

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"

	"calsync/sync/engine"
)

var _ engine.Provider = (*Client)(nil)

// MaxBatch is how many operations one Apply should carry: one batch
// request's worth (see maxBatch for why 50). Apply takes more and splits
// them.
func (c *Client) MaxBatch() int { return maxBatch }

// Apply applies ops to the calendar cal with the account behind ts and
// returns one Result per op, in order. One op is a single SDK call; more
// go through the batch endpoint, maxBatch per request.
//
//   - Create inserts the event with id Event.Key and sendUpdates=none. A
//     409 duplicate (a retried create whose first attempt landed) reads
//     the event: tagged with the same TagOwner, it is patched to the
//     desired content (the booking may have changed since the first
//     attempt) and confirmed (it may have been deleted since: the key can
//     never be used again); an event without the tag gives
//     engine.ErrInvalid.
//   - Update patches RemoteID (Event.Key when empty) with the groups in
//     Fields only (all when empty, then also the default reminders), with
//     If-Match when ETag is set. An event deleted at the provider gives
//     engine.ErrNotFound.
//   - Delete deletes with If-Match when ETag is set; an event already gone
//     (404, 410) counts as deleted.
//   - A series with moved occurrences (Event.Moved) has each of them
//     patched to its time after a create or an update of its time,
//     recurrence or content (writeMoves).
//
// Ops that cannot be sent (an invalid key, no TagOwner on a create, an
// unknown zone or field) fail with engine.ErrInvalid without a call. The
// error return is for a call that could not start at all (no token
// source, no calendar id): then no op was attempted. cal.UserEmail, for
// service access, is sent as quotaUser.
func (c *Client) Apply(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ops []engine.Op) ([]engine.Result, error) {
	if len(ops) == 0 {
		return []engine.Result{}, nil
	}
	ec, err := c.eventCaller(ctx, ts, cal)
	if err != nil {
		return nil, fmt.Errorf("google: apply: %w", err)
	}
	results := make([]engine.Result, len(ops))
	var (
		calls []eventCall
		opOf  []int // index in ops of each call
	)
	for i, op := range ops {
		call, err := callFor(op)
		if err != nil {
			results[i].Err = err
			continue
		}
		calls = append(calls, call)
		opOf = append(opOf, i)
	}
	var duplicates []int
	for j, ans := range ec.run(ctx, calls) {
		i := opOf[j]
		if ops[i].Kind == engine.OpCreate && isDuplicate(ans.err) {
			duplicates = append(duplicates, i)
			continue
		}
		results[i] = settle(ops[i], ans)
	}
	if len(duplicates) > 0 {
		resolveDuplicates(ctx, ec, ops, duplicates, results)
	}
	var moves []int
	for i, op := range ops {
		if results[i].Err == nil && results[i].Remote.ID != "" && op.RewritesMoved() {
			moves = append(moves, i)
		}
	}
	if len(moves) > 0 {
		writeMoves(ctx, ec, ops, moves, results)
	}
	return results, nil
}

// opName names an op in errors: "create event <key>".
func opName(op engine.Op) string {
	switch op.Kind {
	case engine.OpCreate:
		return "create event " + op.Event.Key
	case engine.OpUpdate:
		return "update event " + targetID(op)
	case engine.OpDelete:
		return "delete event " + targetID(op)
	}
	return fmt.Sprintf("operation %d on event %s", op.Kind, targetID(op))
}

// targetID is the event an update or delete names.
func targetID(op engine.Op) string {
	if op.RemoteID != "" {
		return op.RemoteID
	}
	return op.Event.Key
}

// invalid is an op refused before any call.
func invalid(op engine.Op, format string, args ...any) error {
	return fmt.Errorf("google: %s: %w: %s", opName(op), engine.ErrInvalid, fmt.Sprintf(format, args...))
}

// callFor turns an op into its Calendar API call.
func callFor(op engine.Op) (eventCall, error) {
	if strings.ContainsAny(op.ETag, "\r\n") {
		return eventCall{}, invalid(op, "the etag holds a line break")
	}
	switch op.Kind {
	case engine.OpCreate:
		if !validEventID(op.Event.Key) {
			// Without a valid id Google would pick one, and a retry
			// would make a second event.
			return eventCall{}, invalid(op, "the key is not an event id (base32hex, 5 to 1024 characters)")
		}
		if op.Event.Tags[engine.TagOwner] == "" {
			return eventCall{}, invalid(op, "the event has no %s tag", engine.TagOwner)
		}
		body, err := renderEvent(op.Event, nil, false)
		if err != nil {
			return eventCall{}, invalid(op, "%v", err)
		}
		body.Id = op.Event.Key
		return eventCall{method: http.MethodPost, body: body}, nil
	case engine.OpUpdate:
		if targetID(op) == "" {
			return eventCall{}, invalid(op, "no event id")
		}
		body, err := renderEvent(op.Event, op.Fields, true)
		if err != nil {
			return eventCall{}, invalid(op, "%v", err)
		}
		return eventCall{method: http.MethodPatch, eventID: targetID(op), ifMatch: op.ETag, body: body}, nil
	case engine.OpDelete:
		if targetID(op) == "" {
			return eventCall{}, invalid(op, "no event id")
		}
		return eventCall{method: http.MethodDelete, eventID: targetID(op), ifMatch: op.ETag}, nil
	}
	return eventCall{}, invalid(op, "unknown operation kind")
}

// settle turns Google's answer to an op's call into its Result.
func settle(op engine.Op, ans callResult) engine.Result {
	name := opName(op)
	switch op.Kind {
	case engine.OpDelete:
		if ans.err == nil || isStatus(ans.err, http.StatusNotFound, http.StatusGone) {
			return engine.Result{Remote: engine.Remote{ID: targetID(op), Cancelled: true}}
		}
	case engine.OpUpdate:
		if ans.err == nil && ans.event != nil && ans.event.Status == statusCancelled {
			// Google patches the tombstone of a deleted event and
			// answers 200; the event still is not in the calendar.
			return engine.Result{Remote: remoteOf(ans.event),
				Err: fmt.Errorf("google: %s: %w: the event was deleted", name, engine.ErrNotFound)}
		}
	}
	if ans.err != nil {
		return engine.Result{Err: eventError(name, ans.err)}
	}
	if ans.event == nil {
		return engine.Result{Err: fmt.Errorf("google: %s: no event in the answer", name)}
	}
	return engine.Result{Remote: remoteOf(ans.event)}
}

// resolveDuplicates settles the creates at indexes dup whose id was
// taken: it reads those events and keeps, restores or refuses them (see
// Apply).
func resolveDuplicates(ctx context.Context, ec *eventCaller, ops []engine.Op, dup []int, results []engine.Result) {
	gets := make([]eventCall, len(dup))
	for k, i := range dup {
		gets[k] = eventCall{method: http.MethodGet, eventID: ops[i].Event.Key}
	}
	var (
		restores  []eventCall
		restoreOf []int
	)
	for k, ans := range ec.run(ctx, gets) {
		i := dup[k]
		op := ops[i]
		name := opName(op)
		switch {
		case ans.err != nil:
			results[i].Err = eventError(name+": read the existing event", ans.err)
		case ans.event == nil:
			results[i].Err = fmt.Errorf("google: %s: read the existing event: no event in the answer", name)
		case ownerTag(ans.event) == "" || ownerTag(ans.event) != op.Event.Tags[engine.TagOwner]:
			results[i].Err = fmt.Errorf("google: %s: %w: the id is taken by an event without Calsync's %s tag",
				name, engine.ErrInvalid, engine.TagOwner)
		default:
			// Ours: a create whose first attempt landed (or an event
			// deleted since). The booking may have changed in between, so
			// write the content asked for now, not keep what landed then.
			body, err := renderEvent(op.Event, nil, true)
			if err != nil {
				results[i].Err = invalid(op, "%v", err)
				continue
			}
			body.Status = statusConfirmed
			restores = append(restores, eventCall{method: http.MethodPatch, eventID: op.Event.Key, ifMatch: ans.event.Etag, body: body})
			restoreOf = append(restoreOf, i)
		}
	}
	for k, ans := range ec.run(ctx, restores) {
		i := restoreOf[k]
		op := ops[i]
		if ans.err != nil {
			results[i].Err = eventError(opName(op)+": rewrite the existing event", ans.err)
			continue
		}
		results[i] = settle(engine.Op{Kind: engine.OpUpdate, Event: op.Event, RemoteID: op.Event.Key}, ans)
	}
}

// Get reads one event: engine.ErrNotFound when it does not exist or was
// deleted (Google still returns deleted events, status "cancelled").
func (c *Client) Get(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, remoteID string) (engine.Remote, error) {
	if remoteID == "" {
		return engine.Remote{}, errors.New("google: get event: no event id")
	}
	ec, err := c.eventCaller(ctx, ts, cal)
	if err != nil {
		return engine.Remote{}, fmt.Errorf("google: get event %s: %w", remoteID, err)
	}
	ans := ec.single(ctx, eventCall{method: http.MethodGet, eventID: remoteID})
	if ans.err != nil {
		return engine.Remote{}, eventError("get event "+remoteID, ans.err)
	}
	if ans.event.Status == statusCancelled {
		return engine.Remote{}, fmt.Errorf("google: get event %s: %w: the event was deleted", remoteID, engine.ErrNotFound)
	}
	return remoteOf(ans.event), nil
}

// listPageSize is the largest page events.list gives.
const listPageSize = 2500

// ListTagged lists the calendar's events whose private property TagOwner
// is owner, every page, deleted ones excluded. Modified occurrences of a
// recurring event (exceptions, recurringEventId set) inherit the series'
// properties but are part of the series, not events of their own, so
// only series masters and single events are returned.
func (c *Client) ListTagged(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, owner string) ([]engine.Remote, error) {
	if owner == "" {
		return nil, errors.New("google: list tagged events: no owner")
	}
	ec, err := c.eventCaller(ctx, ts, cal)
	if err != nil {
		return nil, fmt.Errorf("google: list tagged events: %w", err)
	}
	opts := callOptions(cal.UserEmail)
	out := []engine.Remote{}
	pageToken := ""
	for {
		call := ec.svc.Events.List(cal.CalendarID).
			PrivateExtendedProperty(engine.TagOwner+"="+owner).
			ShowDeleted(false).
			MaxResults(listPageSize).
			Fields("nextPageToken", "items("+remoteFields+")").
			Context(ctx)
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		page, err := call.Do(opts...)
		if err != nil {
			return nil, eventError("list tagged events", err)
		}
		for _, ev := range page.Items {
			if keepListed(ev, owner) {
				out = append(out, remoteOf(ev))
			}
		}
		if page.NextPageToken == "" || page.NextPageToken == pageToken {
			return out, nil
		}
		pageToken = page.NextPageToken
	}
}

// keepListed reports whether a listed event is one ListTagged returns.
func keepListed(ev *calendar.Event, owner string) bool {
	return ev.Status != statusCancelled && ev.RecurringEventId == "" && ownerTag(ev) == owner
}
