package microsoft

import (
	"context"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"

	"calsync/internal/recurrence"
	"calsync/sync/engine"
)

// graphRecurrence converts an RRULE into Graph's patternedRecurrence for
// an event spanning span. Which rules map, and onto which pattern, is
// decided by recurrence.Parse, the check bookings pass when they are
// written; here the pattern takes what the rule leaves to the start (the
// weekday, day of the month, month) from the start in the event's zone.
// The range starts on the start's date: COUNT → numbered, UNTIL → endDate
// (the last date with an occurrence not after UNTIL), neither → noEnd.
// Rules Graph cannot express are refused with engine.ErrInvalid.
func graphRecurrence(rule string, span eventSpan) (models.PatternedRecurrenceable, error) {
	parsed, err := recurrence.Parse(rule)
	if err != nil {
		return nil, invalidEvent("recurrence %q: %v", rule, err)
	}
	r := parsed.On(span.start)
	p := models.NewRecurrencePattern()
	p.SetInterval(ptr(int32(r.Interval)))
	var typ models.RecurrencePatternType
	switch r.Pattern {
	case recurrence.Daily:
		typ = models.DAILY_RECURRENCEPATTERNTYPE
	case recurrence.Weekly:
		typ = models.WEEKLY_RECURRENCEPATTERNTYPE
	case recurrence.AbsoluteMonthly:
		typ = models.ABSOLUTEMONTHLY_RECURRENCEPATTERNTYPE
	case recurrence.RelativeMonthly:
		typ = models.RELATIVEMONTHLY_RECURRENCEPATTERNTYPE
	case recurrence.AbsoluteYearly:
		typ = models.ABSOLUTEYEARLY_RECURRENCEPATTERNTYPE
	case recurrence.RelativeYearly:
		typ = models.RELATIVEYEARLY_RECURRENCEPATTERNTYPE
	default:
		return nil, invalidEvent("recurrence %q: no Graph pattern for %q", rule, r.Pattern)
	}
	p.SetTypeEscaped(&typ)
	if len(r.Days) > 0 {
		days := make([]models.DayOfWeek, len(r.Days))
		for i, d := range r.Days {
			days[i] = dayOfWeek(d)
		}
		p.SetDaysOfWeek(days)
	}
	if r.FirstDayOfWeek != nil {
		p.SetFirstDayOfWeek(ptr(dayOfWeek(*r.FirstDayOfWeek)))
	}
	if r.DayOfMonth != 0 {
		p.SetDayOfMonth(ptr(int32(r.DayOfMonth)))
	}
	if r.Month != 0 {
		p.SetMonth(ptr(int32(r.Month)))
	}
	if r.Index != 0 {
		index, ok := weekIndex[r.Index]
		if !ok {
			return nil, invalidEvent("recurrence %q: no Graph week index %d", rule, r.Index)
		}
		p.SetIndex(&index)
	}

	rng := models.NewRecurrenceRange()
	rng.SetStartDate(absser.NewDateOnly(midnight(span.start)))
	rng.SetRecurrenceTimeZone(ptr(span.zone))
	rangeType := models.NOEND_RECURRENCERANGETYPE
	switch {
	case r.Count > 0:
		rangeType = models.NUMBERED_RECURRENCERANGETYPE
		rng.SetNumberOfOccurrences(ptr(int32(r.Count)))
	case r.Until != nil:
		end := untilDate(*r.Until, span)
		if end.Before(midnight(span.start)) {
			return nil, invalidEvent("recurrence %q ends (UNTIL) before the event starts", rule)
		}
		rangeType = models.ENDDATE_RECURRENCERANGETYPE
		rng.SetEndDate(absser.NewDateOnly(end))
	}
	rng.SetTypeEscaped(&rangeType)

	out := models.NewPatternedRecurrence()
	out.SetPattern(p)
	out.SetRangeEscaped(rng)
	return out, nil
}

// weekIndex is Graph's name of a relative rule's position.
var weekIndex = map[int]models.WeekIndex{
	1: models.FIRST_WEEKINDEX, 2: models.SECOND_WEEKINDEX, 3: models.THIRD_WEEKINDEX,
	4: models.FOURTH_WEEKINDEX, -1: models.LAST_WEEKINDEX,
}

// graphDays are Graph's names of the weekdays, by time.Weekday.
var graphDays = [...]models.DayOfWeek{
	models.SUNDAY_DAYOFWEEK, models.MONDAY_DAYOFWEEK, models.TUESDAY_DAYOFWEEK, models.WEDNESDAY_DAYOFWEEK,
	models.THURSDAY_DAYOFWEEK, models.FRIDAY_DAYOFWEEK, models.SATURDAY_DAYOFWEEK,
}

// dayOfWeek is Graph's name of a weekday.
func dayOfWeek(d time.Weekday) models.DayOfWeek { return graphDays[d] }

// untilDate is the endDate for UNTIL: the date, in the event's zone, of
// the last occurrence start not after UNTIL. A date is that date; a UTC
// time is read in the event's zone, or for all-day events taken by its
// UTC date; a floating time is read in the event's zone.
func untilDate(u recurrence.Until, span eventSpan) time.Time {
	switch {
	case u.Kind == recurrence.UntilDate:
		return midnight(u.In(span.loc))
	case u.Kind == recurrence.UntilUTC && span.allDay:
		y, m, d := u.At.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, span.loc)
	}
	until := u.In(span.loc)
	day := midnight(until)
	if span.allDay {
		return day
	}
	s := span.start
	if time.Date(day.Year(), day.Month(), day.Day(), s.Hour(), s.Minute(), s.Second(), 0, span.loc).After(until) {
		day = day.AddDate(0, 0, -1)
	}
	return day
}

// needsOccurrences reports whether op leaves a series whose excluded
// dates or moved occurrences must be (re)applied: a create, an update
// that sent the time or the recurrence (Outlook drops a series' cancelled
// and changed occurrences when either changes), or for moved occurrences
// an update of the content they repeat.
func needsOccurrences(op engine.Op) bool {
	ev := op.Event
	if strings.TrimSpace(ev.RRule) == "" || len(ev.ExDates)+len(ev.Moved) == 0 {
		return false
	}
	if op.Kind == engine.OpCreate {
		return true
	}
	if op.Kind != engine.OpUpdate {
		return false
	}
	want := fieldSet(op.Fields)
	return want[engine.FieldTime] || want[engine.FieldRecurrence] || op.RewritesMoved()
}

// applyOccurrences makes series seriesID's occurrences what ev says: it
// lists the series' instances around the excluded dates and the moved
// occurrences, deletes those whose original start matches an excluded one
// (for all-day events, whose date matches), patches each moved one to its
// time and the series' content, and returns the series' changeKey
// afterwards. Occurrences already gone are skipped, so a retry is
// harmless.
func (c *Client) applyOccurrences(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, seriesID string, ev engine.Event, span eventSpan) (string, error) {
	want := map[string]bool{}
	var from, to time.Time
	widen := func(a, b time.Time) {
		if from.IsZero() || a.Before(from) {
			from = a
		}
		if b.After(to) {
			to = b
		}
	}
	length := span.end.Sub(span.start)
	for _, x := range ev.ExDates {
		want[exDateKey(x, span)] = true
		widen(x, x.Add(length))
	}
	moved := map[string]recurrence.Moved{}
	rule := recurrence.Series{Rule: ev.RRule, Start: ev.Start, Length: ev.End.Sub(ev.Start), TimeZone: span.zone, AllDay: ev.AllDay, Exceptions: ev.ExDates}
	for _, m := range ev.Moved {
		moved[exDateKey(m.Original, span)] = m
		widen(m.Original, m.Original.Add(length))
		widen(m.Start, m.End)
		// Where an earlier move put it: between its neighbours' days.
		if prev, next, err := rule.Neighbours(m.Original, recurrence.NeighbourReach); err == nil {
			if !prev.IsZero() {
				widen(prev, m.Original)
			}
			if !next.IsZero() {
				widen(m.Original, next.Add(length))
			}
		}
	}
	// A day of margin each side covers all-day dates in any zone.
	from = from.Add(-36 * time.Hour)
	to = to.Add(36 * time.Hour)
	var changeKey string
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		series := user.Calendars().ByCalendarId(cal.CalendarID).Events().ByEventId(seriesID)
		events := user.Calendars().ByCalendarId(cal.CalendarID).Events()
		top := int32(eventPageSize)
		page, err := series.Instances().Get(ctx, &users.ItemCalendarsItemEventsItemInstancesRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarsItemEventsItemInstancesRequestBuilderGetQueryParameters{
				StartDateTime: ptr(from.UTC().Format(time.RFC3339)),
				EndDateTime:   ptr(to.UTC().Format(time.RFC3339)),
				Select:        []string{"id", "start", "end", "originalStart", "type"},
				Top:           &top,
			},
		})
		var doomed []string
		var patches []*abs.RequestInformation
		var buildErr error
		err = eachEvent(page, err, func(link string) (models.EventCollectionResponseable, error) {
			return users.NewItemCalendarsItemEventsItemInstancesRequestBuilder(link, adapter).Get(ctx, nil)
		}, func(in models.Eventable) {
			if in.GetId() == nil {
				return
			}
			if instanceExcluded(in, want, span) {
				doomed = append(doomed, *in.GetId())
				return
			}
			m, ok := instanceMoved(in, moved, span)
			if !ok || buildErr != nil {
				return
			}
			body, err := renderEvent(ev.Occurrence(m), engine.MovedFields, false)
			if err != nil {
				buildErr = err
				return
			}
			r, err := events.ByEventId(*in.GetId()).ToPatchRequestInformation(ctx, body, nil)
			if err != nil {
				buildErr = err
				return
			}
			patches = append(patches, r)
		})
		if err != nil {
			return err
		}
		if buildErr != nil {
			return buildErr
		}
		for len(doomed) > 0 {
			n := min(len(doomed), maxBatchRequests)
			if err := deleteOccurrences(ctx, adapter, events, doomed[:n]); err != nil {
				return err
			}
			doomed = doomed[n:]
		}
		for len(patches) > 0 {
			n := min(len(patches), maxBatchRequests)
			answers, err := sendBatch(ctx, adapter, patches[:n])
			if err != nil {
				return err
			}
			for _, a := range answers {
				if a.err != nil && !isGone(a.err) {
					return a.err
				}
			}
			patches = patches[n:]
		}
		// Changing occurrences changes the series on Exchange.
		master, err := series.Get(ctx, &users.ItemCalendarsItemEventsEventItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarsItemEventsEventItemRequestBuilderGetQueryParameters{Select: []string{"id", "changeKey"}},
		})
		if err != nil {
			return err
		}
		changeKey = deref(master.GetChangeKey())
		return nil
	})
	return changeKey, err
}

// deleteOccurrences deletes occurrences by id, in one request or one
// batch; occurrences already gone count as deleted.
func deleteOccurrences(ctx context.Context, adapter abs.RequestAdapter, events *users.ItemCalendarsItemEventsRequestBuilder, ids []string) error {
	if len(ids) == 1 {
		if err := events.ByEventId(ids[0]).Delete(ctx, nil); err != nil && !isGone(err) {
			return err
		}
		return nil
	}
	reqs := make([]*abs.RequestInformation, len(ids))
	for i, id := range ids {
		r, err := events.ByEventId(id).ToDeleteRequestInformation(ctx, nil)
		if err != nil {
			return err
		}
		reqs[i] = r
	}
	answers, err := sendBatch(ctx, adapter, reqs)
	if err != nil {
		return err
	}
	for _, a := range answers {
		if a.err != nil && !isGone(a.err) {
			return a.err
		}
	}
	return nil
}

// exDateKey identifies an excluded start: the instant for timed events,
// the date in the event's zone for all-day ones.
func exDateKey(t time.Time, span eventSpan) string {
	if span.allDay {
		return t.In(span.loc).Format(time.DateOnly)
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// instanceMoved returns the move of the instance of the series whose
// original start is one of moved's.
func instanceMoved(in models.Eventable, moved map[string]recurrence.Moved, span eventSpan) (recurrence.Moved, bool) {
	for _, k := range instanceKeys(in, span) {
		if m, ok := moved[k]; ok {
			return m, true
		}
	}
	return recurrence.Moved{}, false
}

// instanceExcluded reports whether an instance of the series originally
// started (or, lacking originalStart, starts) at one of the excluded
// starts.
func instanceExcluded(in models.Eventable, want map[string]bool, span eventSpan) bool {
	for _, k := range instanceKeys(in, span) {
		if want[k] {
			return true
		}
	}
	return false
}

// instanceKeys are the exDateKeys an instance of the series may be named
// by: its original start (or, lacking one, its start).
func instanceKeys(in models.Eventable, span eventSpan) []string {
	if os := in.GetOriginalStart(); os != nil {
		if !span.allDay {
			return []string{exDateKey(*os, span)}
		}
		// An all-day occurrence originally starts at a midnight: a floating
		// one carried in UTC, or the midnight of the event's zone.
		var keys []string
		if u := os.UTC(); u.Equal(midnight(u)) {
			keys = append(keys, u.Format(time.DateOnly))
		}
		if l := os.In(span.loc); l.Equal(midnight(l)) {
			keys = append(keys, l.Format(time.DateOnly))
		}
		if len(keys) > 0 {
			return keys
		}
	}
	if s, ok := wallOf(in.GetStart(), span); ok {
		return []string{exDateKey(s, span)}
	}
	return nil
}
