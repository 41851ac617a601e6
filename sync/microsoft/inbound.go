package microsoft

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"

	"calsync/sync/engine"
	"calsync/sync/inbound"
)

var _ inbound.Source = (*Client)(nil)

const (
	// deltaPageSize is the odata.maxpagesize of delta reads.
	deltaPageSize = 200
	// maxDeltaPages bounds how many pages one read follows.
	maxDeltaPages = 1000
)

// ReadEvents reads cal's calendar view through Graph's calendarView
// delta, addressed through /me (cal.UserEmail "") or /users/{email}.
//
// With cursor "" it starts a round over w (startDateTime, endDateTime);
// otherwise cursor is the @odata.deltaLink of the previous read and is
// followed as it is. Pages of up to 200 items (Prefer:
// odata.maxpagesize, times in UTC through Prefer: outlook.timezone) are
// handed to each in order, following @odata.nextLink; the last page's
// @odata.deltaLink is returned as the next cursor.
//
// Deleted items ("@removed") and cancelled ones go to Page.Removed.
// Delta sends plain occurrences of a series in a slim shape (id, type,
// seriesMasterId, start, end): their title, privacy, availability,
// webLink and Owned come from the series master, read once per series
// and read with Calsync's owner tag. Exceptions carry their own fields
// and take Owned from their master; single events are Owned when they
// carry the tag, which Graph's delta does not return: the calendar's
// tagged events are listed (ids only) once per read, when the first
// single event shows up. Series masters are not events of their own
// and are left out.
//
// A cursor Graph no longer knows (410, SyncStateNotFound) wraps
// inbound.ErrCursorExpired; other failures are classified as for Apply
// (engine's sentinels, *engine.RateLimitedError).
func (c *Client) ReadEvents(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, cursor string, w inbound.Window, each func(inbound.Page) error) (string, error) {
	what := fmt.Sprintf("read calendar %q", cal.CalendarID)
	if err := c.checkEventCall(ts, cal); err != nil {
		return "", fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if each == nil {
		return "", fmt.Errorf("microsoft: %s: no page handler", what)
	}
	if cursor == "" && (w.From.IsZero() || w.To.IsZero() || !w.To.After(w.From)) {
		return "", fmt.Errorf("microsoft: %s: %w: a full read needs a window (from %s to %s)", what, engine.ErrInvalid,
			w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	r := &deltaRead{c: c, ctx: ctx, ts: ts, cal: cal, window: w, masters: map[string]*seriesInfo{}}
	link := cursor
	for pages := 1; ; pages++ {
		page, err := r.fetch(link)
		if err != nil {
			return "", readError(what, err)
		}
		p, err := r.convert(page.GetValue())
		if err != nil {
			return "", readError(what, err)
		}
		if err := each(p); err != nil {
			return "", err
		}
		if dl := deref(page.GetOdataDeltaLink()); dl != "" {
			return dl, nil
		}
		link = deref(page.GetOdataNextLink())
		if link == "" {
			return "", fmt.Errorf("microsoft: %s: graph answered a delta page without nextLink or deltaLink", what)
		}
		if pages >= maxDeltaPages {
			return "", fmt.Errorf("microsoft: %s: more than %d pages of changes", what, maxDeltaPages)
		}
	}
}

// readError classifies the failure of a read: a cursor Graph no longer
// knows wraps inbound.ErrCursorExpired, the rest as eventError does.
func readError(what string, err error) error {
	var ge *GraphError
	if errors.As(toGraphError(err), &ge) && cursorExpired(ge) {
		return fmt.Errorf("microsoft: %s: %w: %w", what, inbound.ErrCursorExpired, ge)
	}
	return eventError(what, err)
}

// cursorExpired reports Graph asking for a new round of delta: 410, or
// the sync-state codes whatever the status.
func cursorExpired(ge *GraphError) bool {
	switch strings.ToLower(ge.Code) {
	case "syncstatenotfound", "syncstateinvalid", "resyncrequired":
		return true
	}
	return ge.StatusCode == http.StatusGone
}

// deltaRead is one ReadEvents call: what it has learnt of series masters
// and tagged events.
type deltaRead struct {
	c      *Client
	ctx    context.Context
	ts     oauth2.TokenSource
	cal    engine.CalendarRef
	window inbound.Window

	masters map[string]*seriesInfo // by master id
	tagged  map[string]bool        // ids of events with the owner tag; nil until listed
}

// seriesInfo is what occurrences take from their series master.
type seriesInfo struct {
	gone    bool // deleted or cancelled meanwhile
	title   string
	allDay  bool
	private bool
	showAs  *models.FreeBusyStatus
	webLink string
	owned   bool
}

// deltaHeaders are the Prefer headers of every delta request.
func deltaHeaders() *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	h.Add("Prefer", "odata.maxpagesize="+strconv.Itoa(deltaPageSize))
	h.Add("Prefer", `outlook.timezone="UTC"`)
	h.Add("Prefer", `outlook.body-content-type="text"`)
	return h
}

// fetch GETs one delta page: the first of a round over the window when
// link is "", else link (a nextLink or deltaLink).
func (r *deltaRead) fetch(link string) (users.ItemCalendarsItemCalendarViewDeltaGetResponseable, error) {
	var page users.ItemCalendarsItemCalendarViewDeltaGetResponseable
	err := r.c.graphCall(r.ctx, r.ts, r.cal.UserEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		delta := user.Calendars().ByCalendarId(r.cal.CalendarID).CalendarView().Delta()
		cfg := &users.ItemCalendarsItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: deltaHeaders()}
		if link != "" {
			delta = delta.WithUrl(link)
		} else {
			cfg.QueryParameters = &users.ItemCalendarsItemCalendarViewDeltaRequestBuilderGetQueryParameters{
				StartDateTime: ptr(r.window.From.UTC().Format(time.RFC3339)),
				EndDateTime:   ptr(r.window.To.UTC().Format(time.RFC3339)),
			}
		}
		var err error
		page, err = delta.GetAsDeltaGetResponse(r.ctx, cfg)
		return err
	})
	if err == nil && page == nil {
		err = errors.New("graph answered without the delta page")
	}
	return page, err
}

// convert turns the items of a delta page into a Page.
func (r *deltaRead) convert(items []models.Eventable) (inbound.Page, error) {
	var p inbound.Page
	for _, it := range items {
		if it == nil {
			continue
		}
		id := deref(it.GetId())
		if id == "" {
			continue
		}
		if removedItem(it) || derefBool(it.GetIsCancelled()) {
			p.Removed = append(p.Removed, id)
			continue
		}
		ev, ok, err := r.event(it)
		if err != nil {
			return inbound.Page{}, fmt.Errorf("event %s: %w", id, err)
		}
		if ok {
			p.Events = append(p.Events, ev)
		} else if itemType(it) != models.SERIESMASTER_EVENTTYPE {
			// An occurrence whose series is gone meanwhile.
			p.Removed = append(p.Removed, id)
		}
	}
	return p, nil
}

// removedItem reports a delta item marking a deletion ("@removed").
func removedItem(it models.Eventable) bool {
	_, ok := it.GetAdditionalData()["@removed"]
	return ok
}

// itemType is the item's type; Graph's default is singleInstance.
func itemType(it models.Eventable) models.EventType {
	if t := it.GetTypeEscaped(); t != nil {
		return *t
	}
	return models.SINGLEINSTANCE_EVENTTYPE
}

// event maps one delta item; ok is false for items that are not shown
// (series masters, occurrences of a series gone meanwhile).
func (r *deltaRead) event(it models.Eventable) (inbound.Event, bool, error) {
	typ := itemType(it)
	if typ == models.SERIESMASTER_EVENTTYPE {
		return inbound.Event{}, false, nil
	}
	ev := ownFields(it)
	showAs := it.GetShowAs()
	owned := ownerTagged(it)
	switch {
	case typ == models.OCCURRENCE_EVENTTYPE || typ == models.EXCEPTION_EVENTTYPE:
		if ev.SeriesID == "" {
			return inbound.Event{}, false, errors.New("an occurrence without seriesMasterId")
		}
		m, err := r.master(ev.SeriesID)
		if err != nil {
			return inbound.Event{}, false, err
		}
		if m.gone {
			return inbound.Event{}, false, nil
		}
		// Plain occurrences come slim; an exception has its own fields,
		// and takes from the series whatever it lacks.
		if typ == models.OCCURRENCE_EVENTTYPE || it.GetSubject() == nil {
			ev.Title = m.title
		}
		if typ == models.OCCURRENCE_EVENTTYPE || it.GetIsAllDay() == nil {
			ev.AllDay = m.allDay
		}
		if typ == models.OCCURRENCE_EVENTTYPE || it.GetSensitivity() == nil {
			ev.Private = m.private
		}
		if typ == models.OCCURRENCE_EVENTTYPE || showAs == nil {
			showAs = m.showAs
		}
		if typ == models.OCCURRENCE_EVENTTYPE || ev.WebLink == "" {
			ev.WebLink = m.webLink
		}
		owned = owned || m.owned
	default:
		if !owned {
			tagged, err := r.taggedIDs()
			if err != nil {
				return inbound.Event{}, false, err
			}
			owned = tagged[ev.ID]
		}
	}
	ev.ShowAs = showAsOf(showAs)
	ev.Tentative = ev.ShowAs == inbound.ShowTentative
	ev.Owned = owned
	var err error
	if ev.Start, err = eventTime(it.GetStart(), ev.AllDay); err != nil {
		return inbound.Event{}, false, fmt.Errorf("start: %w", err)
	}
	if ev.End, err = eventTime(it.GetEnd(), ev.AllDay); err != nil {
		return inbound.Event{}, false, fmt.Errorf("end: %w", err)
	}
	if ev.End.Before(ev.Start) {
		ev.End = ev.Start
	}
	return ev, true, nil
}

// ownerTagged reports whether ev carries Calsync's owner tag among the
// extended properties it was read with.
func ownerTagged(ev models.Eventable) bool {
	_, ok := remoteOf(ev).Tags[engine.TagOwner]
	return ok
}

// ownerTagExpand is the $expand returning only Calsync's owner tag.
func ownerTagExpand() string {
	return "singleValueExtendedProperties($filter=id eq " + odataString(TagPropertyID(engine.TagOwner)) + ")"
}

// master reads series master id once per read.
func (r *deltaRead) master(id string) (*seriesInfo, error) {
	if m, ok := r.masters[id]; ok {
		return m, nil
	}
	var got models.Eventable
	err := r.c.graphCall(r.ctx, r.ts, r.cal.UserEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		var err error
		got, err = user.Calendars().ByCalendarId(r.cal.CalendarID).Events().ByEventId(id).Get(r.ctx,
			&users.ItemCalendarsItemEventsEventItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemCalendarsItemEventsEventItemRequestBuilderGetQueryParameters{
					Select: []string{"id", "type", "subject", "isAllDay", "sensitivity", "showAs", "webLink", "isCancelled"},
					Expand: []string{ownerTagExpand()},
				},
			})
		return err
	})
	m := &seriesInfo{}
	switch {
	case isGone(err):
		m.gone = true
	case err != nil:
		return nil, fmt.Errorf("read series master %s: %w", id, err)
	case got == nil || deref(got.GetId()) == "":
		return nil, fmt.Errorf("read series master %s: graph answered without the event", id)
	default:
		m.gone = derefBool(got.GetIsCancelled())
		m.title = deref(got.GetSubject())
		m.allDay = derefBool(got.GetIsAllDay())
		m.private = privateSensitivity(got.GetSensitivity())
		m.showAs = got.GetShowAs()
		m.webLink = deref(got.GetWebLink())
		m.owned = ownerTagged(got)
	}
	r.masters[id] = m
	return m, nil
}

// taggedIDs lists, once per read, the ids of cal's events (single events
// and series masters) carrying Calsync's owner tag, whatever its value.
func (r *deltaRead) taggedIDs() (map[string]bool, error) {
	if r.tagged != nil {
		return r.tagged, nil
	}
	filter := "singleValueExtendedProperties/Any(ep: ep/id eq " + odataString(TagPropertyID(engine.TagOwner)) + ")"
	tagged := map[string]bool{}
	err := r.c.graphCall(r.ctx, r.ts, r.cal.UserEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		clear(tagged)
		top := int32(eventPageSize)
		page, err := user.Calendars().ByCalendarId(r.cal.CalendarID).Events().Get(r.ctx, &users.ItemCalendarsItemEventsRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarsItemEventsRequestBuilderGetQueryParameters{
				Filter: &filter,
				Select: []string{"id"},
				Top:    &top,
			},
		})
		return eachEvent(page, err, func(link string) (models.EventCollectionResponseable, error) {
			return users.NewItemCalendarsItemEventsRequestBuilder(link, adapter).Get(r.ctx, nil)
		}, func(ev models.Eventable) {
			if id := deref(ev.GetId()); id != "" {
				tagged[id] = true
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list Calsync's events: %w", err)
	}
	r.tagged = tagged
	return tagged, nil
}

// privateSensitivity: private and confidential events hide their details.
func privateSensitivity(s *models.Sensitivity) bool {
	return s != nil && (*s == models.PRIVATE_SENSITIVITY || *s == models.CONFIDENTIAL_SENSITIVITY)
}

// showAsOf maps Graph's showAs; unknown or absent shows as busy.
func showAsOf(s *models.FreeBusyStatus) inbound.ShowAs {
	if s == nil {
		return inbound.ShowBusy
	}
	switch *s {
	case models.FREE_FREEBUSYSTATUS:
		return inbound.ShowFree
	case models.TENTATIVE_FREEBUSYSTATUS:
		return inbound.ShowTentative
	case models.OOF_FREEBUSYSTATUS:
		return inbound.ShowOutOfOffice
	case models.WORKINGELSEWHERE_FREEBUSYSTATUS:
		return inbound.ShowWorkingElsewhere
	}
	return inbound.ShowBusy
}

// eventTime reads a start or end: for all-day events midnight UTC of its
// date (Graph gives midnight in the event's zone: the date part is
// taken), else the instant of the wall clock in its zone.
func eventTime(v models.DateTimeTimeZoneable, allDay bool) (time.Time, error) {
	if v == nil || deref(v.GetDateTime()) == "" {
		return time.Time{}, errors.New("graph gave no time")
	}
	s := *v.GetDateTime()
	if allDay {
		d, err := time.Parse(time.DateOnly, s[:min(len(s), len(time.DateOnly))])
		if err != nil {
			return time.Time{}, fmt.Errorf("the date %q: %w", s, err)
		}
		return d, nil
	}
	zone := deref(v.GetTimeZone())
	loc, ok := graphZone(zone)
	if !ok {
		return time.Time{}, fmt.Errorf("unknown time zone %q", zone)
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", graphDateTime, time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("the time %q is not a Graph dateTime", s)
}

// GetEvent reads one event of cal with the fields two-way sync compares
// (subject, location, plain-text body, start, end, all-day, sensitivity,
// showAs, changeKey) and Calsync's owner tag. An event that does not
// exist or is cancelled is engine.ErrNotFound.
func (c *Client) GetEvent(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, id string) (inbound.Event, error) {
	what := fmt.Sprintf("get event %q", id)
	if err := c.checkEventCall(ts, cal); err != nil {
		return inbound.Event{}, fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if strings.TrimSpace(id) == "" {
		return inbound.Event{}, fmt.Errorf("microsoft: %s: %w: no event id", what, engine.ErrNotFound)
	}
	var it models.Eventable
	err := c.graphCall(ctx, ts, cal.UserEmail, func(_ abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		h := abs.NewRequestHeaders()
		h.Add("Prefer", `outlook.timezone="UTC"`)
		h.Add("Prefer", `outlook.body-content-type="text"`)
		var err error
		it, err = user.Calendars().ByCalendarId(cal.CalendarID).Events().ByEventId(id).Get(ctx,
			&users.ItemCalendarsItemEventsEventItemRequestBuilderGetRequestConfiguration{
				Headers: h,
				QueryParameters: &users.ItemCalendarsItemEventsEventItemRequestBuilderGetQueryParameters{
					Select: []string{"id", "type", "seriesMasterId", "subject", "body", "location", "start", "end", "isAllDay",
						"sensitivity", "showAs", "webLink", "isCancelled", "changeKey", "recurrence", "originalStartTimeZone"},
					Expand: []string{ownerTagExpand()},
				},
			})
		return err
	})
	if err == nil && (it == nil || deref(it.GetId()) == "") {
		err = errors.New("graph answered without the event")
	}
	if err != nil {
		return inbound.Event{}, eventError(what, err)
	}
	if derefBool(it.GetIsCancelled()) {
		return inbound.Event{}, fmt.Errorf("microsoft: %s: %w: the event is cancelled", what, engine.ErrNotFound)
	}
	ev := ownFields(it)
	ev.ShowAs = showAsOf(it.GetShowAs())
	ev.Owned = ownerTagged(it)
	ev.Tentative = ev.ShowAs == inbound.ShowTentative
	if itemType(it) == models.SERIESMASTER_EVENTTYPE {
		ev.Series = seriesOf(it)
	}
	if ev.Start, err = eventTime(it.GetStart(), ev.AllDay); err != nil {
		return inbound.Event{}, fmt.Errorf("microsoft: %s: start: %w", what, err)
	}
	if ev.End, err = eventTime(it.GetEnd(), ev.AllDay); err != nil {
		return inbound.Event{}, fmt.Errorf("microsoft: %s: end: %w", what, err)
	}
	if ev.End.Before(ev.Start) {
		ev.End = ev.Start
	}
	return ev, nil
}

// ownFields maps what an event says of itself (an occurrence's missing
// fields come from its series; times, availability and ownership are
// read apart).
func ownFields(it models.Eventable) inbound.Event {
	ev := inbound.Event{
		ID:       deref(it.GetId()),
		SeriesID: deref(it.GetSeriesMasterId()),
		Title:    deref(it.GetSubject()),
		AllDay:   derefBool(it.GetIsAllDay()),
		Private:  privateSensitivity(it.GetSensitivity()),
		WebLink:  deref(it.GetWebLink()),
		ETag:     deref(it.GetChangeKey()),
	}
	if l := it.GetLocation(); l != nil {
		ev.Location = deref(l.GetDisplayName())
	}
	if b := it.GetBody(); b != nil {
		ev.Description = deref(b.GetContent())
		if t := b.GetContentType(); t != nil && *t == models.HTML_BODYTYPE {
			ev.Description = htmlText(ev.Description)
		}
	}
	return ev
}

// htmlText is the text of an HTML body, for the rare server that ignores
// the plain-text preference: tags dropped, entities of the basic kind
// decoded, blank runs trimmed.
func htmlText(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}

// Instances lists the live occurrences and exceptions of series seriesID
// overlapping w (GET /events/{id}/instances, every page; Graph leaves
// cancelled occurrences out), with their original starts.
func (c *Client) Instances(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, seriesID string, w inbound.Window) ([]inbound.Instance, error) {
	what := fmt.Sprintf("list instances of %q", seriesID)
	if err := c.checkEventCall(ts, cal); err != nil {
		return nil, fmt.Errorf("microsoft: %s: %w", what, err)
	}
	if strings.TrimSpace(seriesID) == "" {
		return nil, fmt.Errorf("microsoft: %s: %w: no series id", what, engine.ErrNotFound)
	}
	var out []inbound.Instance
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		out = out[:0]
		h := abs.NewRequestHeaders()
		h.Add("Prefer", `outlook.timezone="UTC"`)
		top := int32(eventPageSize)
		page, err := user.Calendars().ByCalendarId(cal.CalendarID).Events().ByEventId(seriesID).Instances().Get(ctx,
			&users.ItemCalendarsItemEventsItemInstancesRequestBuilderGetRequestConfiguration{
				Headers: h,
				QueryParameters: &users.ItemCalendarsItemEventsItemInstancesRequestBuilderGetQueryParameters{
					StartDateTime: ptr(w.From.UTC().Format(time.RFC3339)),
					EndDateTime:   ptr(w.To.UTC().Format(time.RFC3339)),
					Select:        []string{"id", "type", "originalStart", "start", "end", "isAllDay", "isCancelled"},
					Top:           &top,
				},
			})
		var bad error
		err = eachEvent(page, err, func(link string) (models.EventCollectionResponseable, error) {
			return users.NewItemCalendarsItemEventsItemInstancesRequestBuilder(link, adapter).Get(ctx, nil)
		}, func(it models.Eventable) {
			if bad != nil || derefBool(it.GetIsCancelled()) || it.GetOriginalStart() == nil {
				return
			}
			allDay := derefBool(it.GetIsAllDay())
			start, err1 := eventTime(it.GetStart(), allDay)
			end, err2 := eventTime(it.GetEnd(), allDay)
			if err := errors.Join(err1, err2); err != nil {
				bad = fmt.Errorf("instance %s: %w", deref(it.GetId()), err)
				return
			}
			orig := it.GetOriginalStart().UTC()
			if allDay {
				orig = time.Date(orig.Year(), orig.Month(), orig.Day(), 0, 0, 0, 0, time.UTC)
			}
			out = append(out, inbound.Instance{ID: deref(it.GetId()), OriginalStart: orig, Start: start, End: end})
		})
		return errors.Join(err, bad)
	})
	if err != nil {
		return nil, eventError(what, err)
	}
	return out, nil
}
