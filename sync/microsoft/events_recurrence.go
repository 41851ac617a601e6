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

// needsExDates reports whether op leaves a series whose excluded dates
// must be (re)applied: a create, or an update that sent the time or the
// recurrence (Outlook drops a series' cancelled occurrences when either
// changes).
func needsExDates(op engine.Op) bool {
	ev := op.Event
	if strings.TrimSpace(ev.RRule) == "" || len(ev.ExDates) == 0 {
		return false
	}
	if op.Kind == engine.OpCreate {
		return true
	}
	want := fieldSet(op.Fields)
	return op.Kind == engine.OpUpdate && (want[engine.FieldTime] || want[engine.FieldRecurrence])
}

// removeExDates deletes the occurrences of series seriesID that start at
// ev.ExDates: it lists the series' instances in the window of the
// excluded dates, deletes those whose original start matches (for
// all-day events, whose date matches), and returns the series' changeKey
// afterwards. Occurrences already gone are skipped, so a retry is
// harmless.
func (c *Client) removeExDates(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, seriesID string, ev engine.Event, span eventSpan) (string, error) {
	want := map[string]bool{}
	from, to := ev.ExDates[0], ev.ExDates[0]
	for _, x := range ev.ExDates {
		want[exDateKey(x, span)] = true
		if x.Before(from) {
			from = x
		}
		if x.After(to) {
			to = x
		}
	}
	// A day of margin each side covers all-day dates in any zone.
	from = from.Add(-36 * time.Hour)
	to = to.Add(span.end.Sub(span.start) + 36*time.Hour)
	var changeKey string
	err := c.graphCall(ctx, ts, cal.UserEmail, func(adapter abs.RequestAdapter, user *users.UserItemRequestBuilder) error {
		series := user.Calendars().ByCalendarId(cal.CalendarID).Events().ByEventId(seriesID)
		top := int32(eventPageSize)
		page, err := series.Instances().Get(ctx, &users.ItemCalendarsItemEventsItemInstancesRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarsItemEventsItemInstancesRequestBuilderGetQueryParameters{
				StartDateTime: ptr(from.UTC().Format(time.RFC3339)),
				EndDateTime:   ptr(to.UTC().Format(time.RFC3339)),
				Select:        []string{"id", "start", "originalStart", "type"},
				Top:           &top,
			},
		})
		var doomed []string
		err = eachEvent(page, err, func(link string) (models.EventCollectionResponseable, error) {
			return users.NewItemCalendarsItemEventsItemInstancesRequestBuilder(link, adapter).Get(ctx, nil)
		}, func(in models.Eventable) {
			if in.GetId() != nil && instanceExcluded(in, want, span) {
				doomed = append(doomed, *in.GetId())
			}
		})
		if err != nil {
			return err
		}
		events := user.Calendars().ByCalendarId(cal.CalendarID).Events()
		for len(doomed) > 0 {
			n := min(len(doomed), maxBatchRequests)
			if err := deleteOccurrences(ctx, adapter, events, doomed[:n]); err != nil {
				return err
			}
			doomed = doomed[n:]
		}
		// Cancelling occurrences changes the series on Exchange.
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

// instanceExcluded reports whether an instance of the series originally
// started (or, lacking originalStart, starts) at one of the excluded
// starts.
func instanceExcluded(in models.Eventable, want map[string]bool, span eventSpan) bool {
	if os := in.GetOriginalStart(); os != nil {
		if !span.allDay {
			return want[exDateKey(*os, span)]
		}
		// An all-day occurrence originally starts at a midnight: a floating
		// one carried in UTC, or the midnight of the event's zone.
		if u := os.UTC(); u.Equal(midnight(u)) {
			return want[u.Format(time.DateOnly)]
		}
		if l := os.In(span.loc); l.Equal(midnight(l)) {
			return want[l.Format(time.DateOnly)]
		}
	}
	if s, ok := wallOf(in.GetStart(), span); ok {
		return want[exDateKey(s, span)]
	}
	return false
}
