package microsoft

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"

	"calsync/sync/engine"
)

var _ engine.Provider = (*Client)(nil)

const (
	// eventPageSize is the $top of event listings (Graph's default is 10).
	eventPageSize = 250
	// maxEventPages bounds how many nextLinks an event listing follows.
	maxEventPages = 1000
)

// MaxBatch is Graph's JSON batching limit: Apply sends up to 20
// operations in one $batch request.
func (c *Client) MaxBatch() int { return maxBatchRequests }

// Apply applies ops to the calendar cal names, addressed through /me
// (cal.UserEmail "": the token's own mailbox) or /users/{cal.UserEmail}
// (app-only access), and returns one Result per op, in order.
//
// Operations go out in groups of MaxBatch: a group of one as a single
// request, a larger one as a Graph $batch whose inner answers are read
// one by one. Creates POST to /calendars/{id}/events with transactionId =
// Event.Key, so a retried create returns the event the first attempt
// made; when that event does not show what was sent, it is read back and
// must carry Calsync's owner tag (else the result wraps
// engine.ErrInvalid), then brought up to date. Updates PATCH only
// Op.Fields, deletes DELETE, both with If-Match when Op.ETag is set; a
// delete of an event already gone succeeds. A series' ExDates are
// applied after its create or recurrence update by deleting those
// occurrences (Graph has no EXDATE). When such a follow-up call of a
// create meets a 404 or 412 (the user deleted or edited the new event
// meanwhile), the result is a plain error: a retried create resolves it.
//
// After a group in which Graph throttled a request or refused the token
// or the permission, the remaining groups are not sent: their results
// carry the same error, so the caller waits (RetryAfter) or stops before
// retrying them. Remote.Tags of a result are the tags Calsync wrote,
// Remote.ETag the event's changeKey.
//
// The error return is for calls that cannot start (no token source, no
// calendar, a token the source cannot produce); then no op was attempted.
func (c *Client) Apply(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ops []engine.Op) ([]engine.Result, error) {
	if err := c.checkEventCall(ts, cal); err != nil {
		return nil, fmt.Errorf("microsoft: apply: %w", err)
	}
	results := make([]engine.Result, len(ops))
	if len(ops) == 0 {
		return results, nil
	}
	if _, err := ts.Token(); err != nil {
		return nil, eventError("apply: access token", err)
	}
	var halt error
	for from := 0; from < len(ops); from += maxBatchRequests {
		to := min(from+maxBatchRequests, len(ops))
		if halt == nil && ctx.Err() != nil {
			halt = ctx.Err()
		}
		if halt != nil {
			for i := from; i < to; i++ {
				results[i].Err = fmt.Errorf("microsoft: %s: not sent: %w", describeOp(ops[i]), halt)
			}
			continue
		}
		c.applyGroup(ctx, ts, cal, ops[from:to], results[from:to])
		halt = haltingError(results[from:to])
	}
	return results, nil
}

// haltingError is the error of a group that makes sending more pointless
// for now: the rate limit with the longest wait, else a refused token or
// permission; nil otherwise.
func haltingError(results []engine.Result) error {
	var limited, refused error
	var wait time.Duration
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		if d, ok := engine.RetryAfter(r.Err); ok {
			if limited == nil || d > wait {
				limited, wait = r.Err, d
			}
			continue
		}
		if refused == nil && (errors.Is(r.Err, engine.ErrUnauthorized) || errors.Is(r.Err, engine.ErrForbidden)) {
			refused = r.Err
		}
	}
	if limited != nil {
		return limited
	}
	return refused
}

// checkEventCall refuses calls that cannot be sent.
func (c *Client) checkEventCall(ts oauth2.TokenSource, cal engine.CalendarRef) error {
	switch {
	case c.configErr != nil:
		return c.configErr
	case ts == nil:
		return errors.New("no token source")
	case strings.TrimSpace(cal.CalendarID) == "":
		return errors.New("no calendar id")
	}
	return nil
}

// describeOp names an operation in errors.
func describeOp(op engine.Op) string {
	switch op.Kind {
	case engine.OpCreate:
		return fmt.Sprintf("create event %q", op.Event.Key)
	case engine.OpUpdate:
		return fmt.Sprintf("update event %q", op.RemoteID)
	case engine.OpDelete:
		return fmt.Sprintf("delete event %q", op.RemoteID)
	}
	return fmt.Sprintf("operation %d", op.Kind)
}

// eventOp is one operation on its way: what is sent and what came back.
type eventOp struct {
	index int // in its group
	op    engine.Op
	what  string
	body  models.Eventable // create, update
	span  eventSpan        // create, update

	got models.Eventable // Graph's answer to a create or update
	err error            // the request's failure, unclassified
}

// prepareOp checks and renders op; a refusal is final and nothing is sent.
func prepareOp(op engine.Op) (*eventOp, error) {
	p := &eventOp{op: op, what: describeOp(op)}
	switch op.Kind {
	case engine.OpCreate, engine.OpUpdate:
		if op.Kind == engine.OpUpdate && strings.TrimSpace(op.RemoteID) == "" {
			return nil, invalidEvent("an update needs the event's id")
		}
		span, err := spanOf(op.Event)
		if err != nil {
			return nil, err
		}
		body, err := renderEvent(op.Event, op.Fields, op.Kind == engine.OpCreate)
		if err != nil {
			return nil, err
		}
		p.body, p.span = body, span
	case engine.OpDelete:
		if strings.TrimSpace(op.RemoteID) == "" {
			return nil, invalidEvent("a delete needs the event's id")
		}
	default:
		return nil, invalidEvent("unknown operation kind %d", op.Kind)
	}
	return p, nil
}

// applyGroup applies up to maxBatchRequests ops and fills their results.
func (c *Client) applyGroup(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ops []engine.Op, results []engine.Result) {
	var pending []*eventOp
	for i, op := range ops {
		p, err := prepareOp(op)
		if err != nil {
			results[i].Err = eventError(describeOp(op), err)
			continue
		}
		p.index = i
		pending = append(pending, p)
	}
	switch len(pending) {
	case 0:
		return
	case 1:
		c.sendOne(ctx, ts, cal, pending[0])
	default:
		c.sendGroup(ctx, ts, cal, pending)
	}
	for _, p := range pending {
		results[p.index] = c.finish(ctx, ts, cal, p)
	}
}

// ifMatch is the If-Match header for etag: Graph's @odata.etag as it is,
// a bare changeKey as the weak etag Graph builds from it.
func ifMatch(etag string) *abs.RequestHeaders {
	etag = strings.TrimSpace(etag)
	if etag == "" {
		return nil
	}
	if !strings.HasPrefix(etag, `W/"`) && !strings.HasPrefix(etag, `"`) {
		etag = `W/"` + etag + `"`
	}
	h := abs.NewRequestHeaders()
	h.Add("If-Match", etag)
	return h
}

// sendOne sends one op as a single request.
func (c *Client) sendOne(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, p *eventOp) {
	p.err = c.graphCall(ctx, ts, cal.UserEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		events := user.Calendars().ByCalendarId(cal.CalendarID).Events()
		var err error
		switch p.op.Kind {
		case engine.OpCreate:
			p.got, err = events.Post(ctx, p.body, nil)
		case engine.OpUpdate:
			p.got, err = events.ByEventId(p.op.RemoteID).Patch(ctx, p.body,
				&users.ItemCalendarsItemEventsEventItemRequestBuilderPatchRequestConfiguration{Headers: ifMatch(p.op.ETag)})
		case engine.OpDelete:
			err = events.ByEventId(p.op.RemoteID).Delete(ctx,
				&users.ItemCalendarsItemEventsEventItemRequestBuilderDeleteRequestConfiguration{Headers: ifMatch(p.op.ETag)})
		}
		return err
	})
}

// request is p as a request of a batch.
func (p *eventOp) request(ctx context.Context, events *users.ItemCalendarsItemEventsRequestBuilder) (*abs.RequestInformation, error) {
	switch p.op.Kind {
	case engine.OpCreate:
		return events.ToPostRequestInformation(ctx, p.body, nil)
	case engine.OpUpdate:
		return events.ByEventId(p.op.RemoteID).ToPatchRequestInformation(ctx, p.body,
			&users.ItemCalendarsItemEventsEventItemRequestBuilderPatchRequestConfiguration{Headers: ifMatch(p.op.ETag)})
	default:
		return events.ByEventId(p.op.RemoteID).ToDeleteRequestInformation(ctx,
			&users.ItemCalendarsItemEventsEventItemRequestBuilderDeleteRequestConfiguration{Headers: ifMatch(p.op.ETag)})
	}
}

// sendGroup sends ops as one $batch. When the batch request itself
// fails, every op gets that failure.
func (c *Client) sendGroup(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ops []*eventOp) {
	var answers []batchAnswer
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		events := user.Calendars().ByCalendarId(cal.CalendarID).Events()
		reqs := make([]*abs.RequestInformation, len(ops))
		for i, p := range ops {
			r, err := p.request(ctx, events)
			if err != nil {
				return fmt.Errorf("%s: %w", p.what, err)
			}
			reqs[i] = r
		}
		var err error
		answers, err = sendBatch(ctx, adapter, reqs)
		return err
	})
	for i, p := range ops {
		switch {
		case err != nil:
			p.err = err
		case answers[i].err != nil:
			p.err = answers[i].err
		case p.op.Kind != engine.OpDelete:
			p.got, p.err = c.decodeEvent(answers[i].body)
		}
	}
}

// decodeEvent parses an event of a batch answer.
func (c *Client) decodeEvent(body []byte) (models.Eventable, error) {
	if len(body) == 0 {
		return nil, errors.New("graph answered without the event")
	}
	root, err := c.parseNodes.GetRootParseNode("application/json", body)
	if err != nil {
		return nil, fmt.Errorf("read the event: %w", err)
	}
	v, err := root.GetObjectValue(models.CreateEventFromDiscriminatorValue)
	if err != nil {
		return nil, fmt.Errorf("read the event: %w", err)
	}
	ev, ok := v.(models.Eventable)
	if !ok || ev == nil {
		return nil, errors.New("graph answered without the event")
	}
	return ev, nil
}

// finish turns what came back for p into its Result, with the follow-up
// calls some answers need.
func (c *Client) finish(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, p *eventOp) engine.Result {
	if p.op.Kind == engine.OpDelete {
		if p.err != nil && !isGone(p.err) {
			return engine.Result{Err: eventError(p.what, p.err)}
		}
		return engine.Result{}
	}
	if p.err == nil && (p.got == nil || deref(p.got.GetId()) == "") {
		p.err = errors.New("graph answered without the event")
	}
	if p.err != nil {
		return engine.Result{Err: eventError(p.what, p.err)}
	}
	if p.op.Kind == engine.OpCreate && !sameContent(p.got, p.op.Event, p.span) {
		got, err := c.adoptExisting(ctx, ts, cal, p)
		if err != nil {
			return engine.Result{Err: eventError(p.what, err)}
		}
		p.got = got
	}
	remote := remoteOf(p.got)
	remote.Tags = maps.Clone(p.op.Event.Tags)
	if needsOccurrences(p.op) {
		etag, err := c.applyOccurrences(ctx, ts, cal, remote.ID, p.op.Event, p.span)
		if err != nil && p.op.Kind == engine.OpCreate {
			// The series exists; a retried create finds it and tries again.
			err = transientIfGoneOrChanged("apply excluded and moved occurrences", err)
		} else if err != nil {
			err = fmt.Errorf("apply excluded and moved occurrences: %w", err)
		}
		if err != nil {
			return engine.Result{Remote: remote, Err: eventError(p.what, err)}
		}
		if etag != "" {
			remote.ETag = etag
		}
	}
	return engine.Result{Remote: remote}
}

// adoptExisting handles a create that returned an event unlike the one
// sent: Graph knew the transactionId, and the event is an earlier
// attempt's (made from older content) or someone else's. It is read with
// its tags; unless it carries Calsync's owner tag (the same owner as the
// event sent, when that has one) it is refused with engine.ErrInvalid,
// else it is updated to the content sent. Should the event vanish or
// change in between (404, 412), the failure is a plain error: retrying
// the create resolves it.
func (c *Client) adoptExisting(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, p *eventOp) (models.Eventable, error) {
	id := deref(p.got.GetId())
	existing, err := c.getEvent(ctx, ts, cal, id)
	if err != nil {
		return nil, transientIfGoneOrChanged("read the event its transactionId names", err)
	}
	tags := remoteOf(existing).Tags
	owner, tagged := tags[engine.TagOwner]
	if want, ok := p.op.Event.Tags[engine.TagOwner]; !tagged || ok && owner != want {
		return nil, invalidEvent("event %s already holds transactionId %q and is not Calsync's", id, p.op.Event.Key)
	}
	body, err := renderEvent(p.op.Event, nil, false)
	if err != nil {
		return nil, err
	}
	var updated models.Eventable
	err = c.graphCall(ctx, ts, cal.UserEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		var err error
		updated, err = user.Calendars().ByCalendarId(cal.CalendarID).Events().ByEventId(id).Patch(ctx, body,
			&users.ItemCalendarsItemEventsEventItemRequestBuilderPatchRequestConfiguration{Headers: ifMatch(deref(existing.GetChangeKey()))})
		return err
	})
	if err != nil {
		return nil, transientIfGoneOrChanged("update the earlier attempt's event", err)
	}
	if updated == nil || deref(updated.GetId()) == "" {
		return nil, errors.New("graph answered without the event")
	}
	return updated, nil
}

// remoteSelect are the properties Get and ListTagged read.
func remoteSelect() []string {
	return []string{"id", "changeKey", "iCalUId", "isCancelled", "type"}
}

// getEvent reads one event of cal with Calsync's tags.
func (c *Client) getEvent(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, id string) (models.Eventable, error) {
	var ev models.Eventable
	err := c.graphCall(ctx, ts, cal.UserEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		var err error
		ev, err = user.Calendars().ByCalendarId(cal.CalendarID).Events().ByEventId(id).Get(ctx,
			&users.ItemCalendarsItemEventsEventItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemCalendarsItemEventsEventItemRequestBuilderGetQueryParameters{
					Select: remoteSelect(),
					Expand: []string{tagsExpand()},
				},
			})
		return err
	})
	if err == nil && (ev == nil || deref(ev.GetId()) == "") {
		err = errors.New("graph answered without the event")
	}
	return ev, err
}

// Get reads one event of cal with Calsync's tags (TagOwner, TagBooking,
// TagUser). An event that does not exist, or that Outlook shows as
// cancelled, is engine.ErrNotFound.
func (c *Client) Get(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, remoteID string) (engine.Remote, error) {
	what := fmt.Sprintf("get event %q", remoteID)
	if err := c.checkEventCall(ts, cal); err != nil {
		return engine.Remote{}, fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if strings.TrimSpace(remoteID) == "" {
		return engine.Remote{}, fmt.Errorf("microsoft: %s: %w: no event id", what, engine.ErrNotFound)
	}
	ev, err := c.getEvent(ctx, ts, cal, remoteID)
	if err != nil {
		return engine.Remote{}, eventError(what, err)
	}
	r := remoteOf(ev)
	if r.Cancelled {
		return engine.Remote{}, fmt.Errorf("microsoft: %s: %w: the event is cancelled", what, engine.ErrNotFound)
	}
	return r, nil
}

// ListTagged lists the events of cal (single events and series masters)
// whose TagOwner tag is owner, following every page, cancelled ones
// left out. Graph filters on the tag; the value is compared again
// exactly, as Graph compares it without regard to case.
func (c *Client) ListTagged(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, owner string) ([]engine.Remote, error) {
	const what = "list tagged events"
	if err := c.checkEventCall(ts, cal); err != nil {
		return nil, fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if owner == "" {
		return nil, fmt.Errorf("microsoft: %s: no owner", what)
	}
	filter := fmt.Sprintf("singleValueExtendedProperties/Any(ep: ep/id eq %s and ep/value eq %s)",
		odataString(TagPropertyID(engine.TagOwner)), odataString(owner))
	var out []engine.Remote
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		out = out[:0]
		top := int32(eventPageSize)
		page, err := user.Calendars().ByCalendarId(cal.CalendarID).Events().Get(ctx, &users.ItemCalendarsItemEventsRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarsItemEventsRequestBuilderGetQueryParameters{
				Filter: &filter,
				Expand: []string{tagsExpand()},
				Select: remoteSelect(),
				Top:    &top,
			},
		})
		return eachEvent(page, err, func(link string) (models.EventCollectionResponseable, error) {
			return users.NewItemCalendarsItemEventsRequestBuilder(link, adapter).Get(ctx, nil)
		}, func(ev models.Eventable) {
			r := remoteOf(ev)
			if !r.Cancelled && r.Tags[engine.TagOwner] == owner {
				out = append(out, r)
			}
		})
	})
	if err != nil {
		return nil, eventError(what, err)
	}
	return out, nil
}

// eachEvent hands every event of a Graph event collection to each (see
// eachItem); more than maxEventPages pages is an error.
func eachEvent(page models.EventCollectionResponseable, err error, next func(link string) (models.EventCollectionResponseable, error),
	each func(models.Eventable)) error {
	return eachItem(page, err, next, maxEventPages, "events", each)
}

// graphPage is one page of a Graph collection.
type graphPage[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// eachItem hands every item of a Graph collection to each, from page (and
// err, the first request's) through its @odata.nextLinks, read with next;
// more than limit pages is an error naming what the items are.
func eachItem[T any, P graphPage[T]](page P, err error, next func(link string) (P, error), limit int, what string, each func(T)) error {
	for pages := 1; ; pages++ {
		if err != nil {
			return err
		}
		if any(page) == nil {
			return nil
		}
		for _, item := range page.GetValue() {
			if any(item) != nil {
				each(item)
			}
		}
		link := page.GetOdataNextLink()
		if link == nil || *link == "" {
			return nil
		}
		if pages >= limit {
			return fmt.Errorf("more than %d pages of %s", limit, what)
		}
		page, err = next(*link)
	}
}
