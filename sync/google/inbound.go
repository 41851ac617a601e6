package google

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"

	"calsync/sync/engine"
	"calsync/sync/inbound"
)

var _ inbound.Source = (*Client)(nil)

// readFields is the partial response ReadEvents asks for: what an
// inbound.Event needs, the status (cancelled, tentative) and the tokens.
const readFields = "items(id,etag,recurringEventId,summary,location,description,start,end,visibility,transparency,status,htmlLink,eventType," +
	"extendedProperties/private),nextPageToken,nextSyncToken"

// Event types and values of the Calendar API that ReadEvents interprets.
const (
	eventTypeOutOfOffice     = "outOfOffice"
	eventTypeWorkingLocation = "workingLocation"
	visibilityPrivate        = "private"
	visibilityConfidential   = "confidential"
	statusTentative          = "tentative"
	channelTypeWebhook       = "web_hook"
)

// ReadEvents reads the events of cal with events.list, singleEvents=true
// (series come as their occurrences), listPageSize per page, handing each
// page to each.
//
// With cursor "" it reads w fully (timeMin w.From, timeMax w.To; a zero
// bound is left out), deleted events excluded. Otherwise cursor is the
// sync token of the previous read and the changes since then are read:
// cancelled events and occurrences go to Page.Removed by id. Google
// refuses time bounds together with a sync token, and reports changed
// series with every occurrence, so when w is set, changed events that do
// not overlap it are reported in Removed too: they left the window (as
// Graph's calendarView delta reports events leaving its range), or were
// never part of it, which removing tolerates.
//
// It returns the nextSyncToken of the last page. A sync token Google no
// longer accepts (410 fullSyncRequired, or one it cannot read) gives an
// error wrapping inbound.ErrCursorExpired; others map as the engine's
// calls do (see eventError). cal.UserEmail is sent as quotaUser.
func (c *Client) ReadEvents(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, cursor string,
	w inbound.Window, each func(inbound.Page) error) (string, error) {
	full := cursor == ""
	what := "read events"
	if !full {
		what = "read event changes"
	}
	switch {
	case strings.TrimSpace(cal.CalendarID) == "":
		return "", fmt.Errorf("google: %s: no calendar id", what)
	case each == nil:
		return "", fmt.Errorf("google: %s: no page handler", what)
	case !w.From.IsZero() && !w.To.IsZero() && !w.From.Before(w.To):
		return "", fmt.Errorf("google: %s: %w: the window ends before it starts (%s to %s)", what, engine.ErrInvalid,
			w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return "", fmt.Errorf("google: %s: %w", what, err)
	}
	opts := callOptions(cal.UserEmail)
	pageToken := ""
	for {
		call := svc.Events.List(cal.CalendarID).
			SingleEvents(true).
			MaxResults(listPageSize).
			Fields(readFields).
			Context(ctx)
		if full {
			call = call.ShowDeleted(false)
			if !w.From.IsZero() {
				call = call.TimeMin(w.From.UTC().Format(time.RFC3339))
			}
			if !w.To.IsZero() {
				call = call.TimeMax(w.To.UTC().Format(time.RFC3339))
			}
		} else {
			call = call.SyncToken(cursor)
		}
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		list, err := call.Do(opts...)
		if err != nil {
			return "", readError(what, err, full)
		}
		page, err := pageOf(list.Items, full, w)
		if err != nil {
			return "", fmt.Errorf("google: %s: %w", what, err)
		}
		if err := each(page); err != nil {
			return "", err
		}
		if list.NextPageToken == "" || list.NextPageToken == pageToken {
			if list.NextSyncToken == "" {
				return "", fmt.Errorf("google: %s: no sync token on the last page", what)
			}
			return list.NextSyncToken, nil
		}
		pageToken = list.NextPageToken
	}
}

// pageOf turns a page of listed events into an inbound.Page (see
// ReadEvents for what goes to Removed).
func pageOf(items []*calendar.Event, full bool, w inbound.Window) (inbound.Page, error) {
	page := inbound.Page{Events: make([]inbound.Event, 0, len(items))}
	for _, item := range items {
		if item == nil || item.Id == "" {
			continue
		}
		if item.Status == statusCancelled {
			// A full read asks without deleted events; should one come
			// anyway there is nothing to remove yet.
			if !full {
				page.Removed = append(page.Removed, item.Id)
			}
			continue
		}
		ev, err := inboundEvent(item)
		if err != nil {
			return inbound.Page{}, err
		}
		if !full && !inWindow(ev, w) {
			page.Removed = append(page.Removed, ev.ID)
			continue
		}
		page.Events = append(page.Events, ev)
	}
	return page, nil
}

// inWindow reports whether ev overlaps w (a zero bound is open).
func inWindow(ev inbound.Event, w inbound.Window) bool {
	return (w.From.IsZero() || ev.End.After(w.From)) && (w.To.IsZero() || ev.Start.Before(w.To))
}

// inboundEvent maps a listed event or occurrence.
func inboundEvent(item *calendar.Event) (inbound.Event, error) {
	start, allDay, err := instant(item.Start)
	if err != nil {
		return inbound.Event{}, fmt.Errorf("event %s: start: %w", item.Id, err)
	}
	end, _, err := instant(item.End)
	if err != nil {
		return inbound.Event{}, fmt.Errorf("event %s: end: %w", item.Id, err)
	}
	ev := inbound.Event{
		ID:          item.Id,
		SeriesID:    item.RecurringEventId,
		Title:       item.Summary,
		Start:       start,
		End:         end,
		AllDay:      allDay,
		Private:     item.Visibility == visibilityPrivate || item.Visibility == visibilityConfidential,
		ShowAs:      showAs(item),
		Tentative:   item.Status == statusTentative,
		WebLink:     item.HtmlLink,
		Owned:       ownerTag(item) != "",
		ETag:        item.Etag,
		Location:    item.Location,
		Description: item.Description,
	}
	if ev.End.Before(ev.Start) {
		ev.End = ev.Start
	}
	return ev, nil
}

// instant reads a start or end: a date is midnight UTC of that day
// (allDay), a dateTime the instant in UTC.
func instant(t *calendar.EventDateTime) (at time.Time, allDay bool, err error) {
	switch {
	case t == nil:
		return time.Time{}, false, errors.New("missing")
	case t.DateTime != "":
		at, err := time.Parse(time.RFC3339, t.DateTime)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("bad dateTime %q", t.DateTime)
		}
		return at.UTC(), false, nil
	case t.Date != "":
		at, err := time.Parse(time.DateOnly, t.Date)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("bad date %q", t.Date)
		}
		return at, true, nil
	}
	return time.Time{}, false, errors.New("neither date nor dateTime")
}

// showAs is how an event shows its time: out of office and working
// location by their event type, otherwise free when transparent.
func showAs(item *calendar.Event) inbound.ShowAs {
	switch {
	case item.EventType == eventTypeOutOfOffice:
		return inbound.ShowOutOfOffice
	case item.EventType == eventTypeWorkingLocation:
		return inbound.ShowWorkingElsewhere
	case item.Transparency == transparencyFree:
		return inbound.ShowFree
	}
	return inbound.ShowBusy
}

// Watch opens a push channel on cal's events with events.watch: Google
// posts to req.URL, with req.Token in X-Goog-Channel-Token, when they
// change. A zero req.Expiry leaves the lifetime to Google (a week);
// Google may shorten the one asked for, and the answer's is returned. An
// address Google refuses (not https, not allowed) gives an error wrapping
// inbound.ErrWebhookRefused.
func (c *Client) Watch(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, req inbound.WatchRequest) (inbound.Channel, error) {
	switch {
	case strings.TrimSpace(cal.CalendarID) == "":
		return inbound.Channel{}, errors.New("google: watch events: no calendar id")
	case req.ID == "":
		return inbound.Channel{}, fmt.Errorf("google: watch events: %w: no channel id", engine.ErrInvalid)
	case req.URL == "":
		return inbound.Channel{}, fmt.Errorf("google: watch events: %w: %w: no address", inbound.ErrWebhookRefused, engine.ErrInvalid)
	}
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return inbound.Channel{}, fmt.Errorf("google: watch events: %w", err)
	}
	body := &calendar.Channel{Id: req.ID, Type: channelTypeWebhook, Address: req.URL, Token: req.Token}
	if !req.Expiry.IsZero() {
		body.Expiration = req.Expiry.UnixMilli()
	}
	got, err := svc.Events.Watch(cal.CalendarID, body).Context(ctx).Do(callOptions(cal.UserEmail)...)
	if err != nil {
		return inbound.Channel{}, watchError("watch events", err)
	}
	ch := inbound.Channel{ID: got.Id, ResourceID: got.ResourceId}
	if ch.ID == "" {
		ch.ID = req.ID
	}
	if got.Expiration > 0 {
		ch.Expiry = time.UnixMilli(got.Expiration).UTC()
	}
	return ch, nil
}

// Renew returns inbound.ErrRenewUnsupported: a Google channel cannot be
// extended; watch anew, then Unwatch the old channel.
func (c *Client) Renew(_ context.Context, _ oauth2.TokenSource, _ engine.CalendarRef, ch inbound.Channel, _ time.Time) (inbound.Channel, error) {
	return inbound.Channel{}, fmt.Errorf("google: renew channel %s: %w", ch.ID, inbound.ErrRenewUnsupported)
}

// Unwatch stops ch with channels.stop. A channel Google no longer knows
// (404: stopped or expired) counts as stopped.
func (c *Client) Unwatch(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, ch inbound.Channel) error {
	what := "stop channel " + ch.ID
	if ch.ID == "" || ch.ResourceID == "" {
		return fmt.Errorf("google: %s: %w: the channel id and the resource id are both needed", what, engine.ErrInvalid)
	}
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return fmt.Errorf("google: %s: %w", what, err)
	}
	err = svc.Channels.Stop(&calendar.Channel{Id: ch.ID, ResourceId: ch.ResourceID}).Context(ctx).Do(callOptions(cal.UserEmail)...)
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return eventError(what, err)
	}
	return nil
}

// getFields is the partial response GetEvent asks for.
const getFields = "id,etag,recurringEventId,summary,location,description,start,end,visibility,transparency,status," +
	"htmlLink,eventType,extendedProperties/private,recurrence"

// GetEvent reads one event of cal with events.get, for two-way sync. A
// deleted (cancelled) event is engine.ErrNotFound.
func (c *Client) GetEvent(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, id string) (inbound.Event, error) {
	what := "get event " + id
	if strings.TrimSpace(id) == "" {
		return inbound.Event{}, fmt.Errorf("google: get event: %w: no event id", engine.ErrNotFound)
	}
	if strings.TrimSpace(cal.CalendarID) == "" {
		return inbound.Event{}, fmt.Errorf("google: %s: no calendar id", what)
	}
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return inbound.Event{}, fmt.Errorf("google: %s: %w", what, err)
	}
	item, err := svc.Events.Get(cal.CalendarID, id).Fields(getFields).Context(ctx).Do(callOptions(cal.UserEmail)...)
	if err != nil {
		return inbound.Event{}, eventError(what, err)
	}
	if item.Status == statusCancelled {
		return inbound.Event{}, fmt.Errorf("google: %s: %w: the event was deleted", what, engine.ErrNotFound)
	}
	ev, err := inboundEvent(item)
	if err != nil {
		return inbound.Event{}, fmt.Errorf("google: %s: %w", what, err)
	}
	if len(item.Recurrence) > 0 {
		ev.Series = seriesOf(item)
	}
	return ev, nil
}

// seriesOf reads a master's recurrence lines: one RRULE and EXDATEs are
// kept; RDATE, EXRULE or several RRULEs make a rule Calsync cannot keep.
func seriesOf(item *calendar.Event) *inbound.Series {
	s := &inbound.Series{}
	if item.Start != nil {
		s.TimeZone = item.Start.TimeZone
	}
	loc := time.UTC
	if l, _, err := eventZone(s.TimeZone); err == nil {
		loc = l
	}
	rules := 0
	for _, line := range item.Recurrence {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return &inbound.Series{TimeZone: s.TimeZone}
		}
		params := strings.Split(name, ";")
		switch strings.ToUpper(params[0]) {
		case "RRULE":
			rules++
			s.Rule = value
		case "EXDATE":
			at := loc
			for _, p := range params[1:] {
				if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "TZID") {
					if l, err := time.LoadLocation(v); err == nil {
						at = l
					}
				}
			}
			for _, v := range strings.Split(value, ",") {
				if t, ok := icalTime(v, at); ok {
					s.ExDates = append(s.ExDates, t)
				}
			}
		default:
			return &inbound.Series{TimeZone: s.TimeZone}
		}
	}
	if rules != 1 {
		s.Rule = ""
	}
	return s
}

// icalTime reads an iCalendar DATE-TIME (UTC with Z, else in loc) or
// DATE (midnight UTC, as all-day starts are kept).
func icalTime(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(icalLocalLayout+"Z", v); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(icalLocalLayout, v, loc); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(icalDateLayout, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// instanceFields is the partial response Instances asks for.
const instanceFields = "items(id,status,originalStartTime,start,end),nextPageToken"

// Instances lists the live occurrences of series seriesID overlapping w
// with events.instances, every page.
func (c *Client) Instances(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, seriesID string, w inbound.Window) ([]inbound.Instance, error) {
	what := "list instances of " + seriesID
	if strings.TrimSpace(seriesID) == "" || strings.TrimSpace(cal.CalendarID) == "" {
		return nil, fmt.Errorf("google: %s: %w: no series or calendar id", what, engine.ErrNotFound)
	}
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return nil, fmt.Errorf("google: %s: %w", what, err)
	}
	var out []inbound.Instance
	pageToken := ""
	for pages := 0; ; pages++ {
		call := svc.Events.Instances(cal.CalendarID, seriesID).Fields(instanceFields).MaxResults(listPageSize).Context(ctx)
		if !w.From.IsZero() {
			call = call.TimeMin(w.From.UTC().Format(time.RFC3339))
		}
		if !w.To.IsZero() {
			call = call.TimeMax(w.To.UTC().Format(time.RFC3339))
		}
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		list, err := call.Do(callOptions(cal.UserEmail)...)
		if err != nil {
			return nil, eventError(what, err)
		}
		for _, it := range list.Items {
			if it == nil || it.Status == statusCancelled {
				continue
			}
			start, _, err1 := instant(it.Start)
			end, _, err2 := instant(it.End)
			orig, _, err3 := instant(it.OriginalStartTime)
			if err := errors.Join(err1, err2, err3); err != nil {
				return nil, fmt.Errorf("google: %s: instance %s: %w", what, it.Id, err)
			}
			out = append(out, inbound.Instance{ID: it.Id, OriginalStart: orig, Start: start, End: end})
		}
		if list.NextPageToken == "" || list.NextPageToken == pageToken || pages > 100 {
			return out, nil
		}
		pageToken = list.NextPageToken
	}
}
