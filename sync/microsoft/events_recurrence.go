package microsoft

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/oauth2"

	"calsync/sync/engine"
)

// rruleParts is an RFC 5545 recurrence rule, split into its parts.
type rruleParts struct {
	freq       string
	interval   int
	count      int
	until      string
	byDay      []weekdayNum
	byMonthDay []int
	byMonth    []int
	bySetPos   []int
	wkst       time.Weekday
	hasWkst    bool
}

// weekdayNum is one BYDAY entry: a weekday with an optional ordinal
// ("2TU": n = 2; "-1FR": n = -1; "MO": n = 0).
type weekdayNum struct {
	n   int
	day time.Weekday
}

// parseWeekday reads a two-letter RFC 5545 weekday.
func parseWeekday(s string) (time.Weekday, bool) {
	for d, name := range [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"} {
		if s == name {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

// parseRRule splits an RRULE (with or without "RRULE:"). Parts Outlook
// has no equivalent for (BYHOUR, BYWEEKNO, ...) are refused here.
func parseRRule(rule string) (rruleParts, error) {
	s := strings.ToUpper(strings.TrimSpace(rule))
	s = strings.TrimPrefix(s, "RRULE:")
	r := rruleParts{interval: 1}
	seen := map[string]bool{}
	ints := func(v string, lo, hi int) ([]int, error) {
		var out []int
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimPrefix(f, "+"))
			if err != nil || n < lo || n > hi || n == 0 {
				return nil, fmt.Errorf("%q is not a number from %d to %d", f, lo, hi)
			}
			out = append(out, n)
		}
		return out, nil
	}
	for _, part := range strings.Split(s, ";") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return r, fmt.Errorf("malformed part %q", part)
		}
		if seen[k] {
			return r, fmt.Errorf("%s appears twice", k)
		}
		seen[k] = true
		var err error
		switch k {
		case "FREQ":
			r.freq = v
		case "INTERVAL":
			var n []int
			if n, err = ints(v, 1, 999); err == nil {
				r.interval = n[0]
			}
		case "COUNT":
			var n []int
			if n, err = ints(v, 1, 999999); err == nil {
				r.count = n[0]
			}
		case "UNTIL":
			r.until = v
		case "BYDAY":
			for _, f := range strings.Split(v, ",") {
				if len(f) < 2 {
					return r, fmt.Errorf("BYDAY %q is not a weekday", f)
				}
				day, ok := parseWeekday(f[len(f)-2:])
				if !ok {
					return r, fmt.Errorf("BYDAY %q is not a weekday", f)
				}
				wn := weekdayNum{day: day}
				if ord := f[:len(f)-2]; ord != "" {
					n, err := ints(ord, -53, 53)
					if err != nil {
						return r, fmt.Errorf("BYDAY %q: %w", f, err)
					}
					wn.n = n[0]
				}
				r.byDay = append(r.byDay, wn)
			}
		case "BYMONTHDAY":
			r.byMonthDay, err = ints(v, -31, 31)
		case "BYMONTH":
			r.byMonth, err = ints(v, 1, 12)
		case "BYSETPOS":
			r.bySetPos, err = ints(v, -366, 366)
		case "WKST":
			if r.wkst, r.hasWkst = parseWeekday(v); !r.hasWkst {
				err = fmt.Errorf("WKST %q is not a weekday", v)
			}
		case "BYSECOND", "BYMINUTE", "BYHOUR", "BYYEARDAY", "BYWEEKNO":
			return r, fmt.Errorf("Outlook has no equivalent of %s", k)
		default:
			return r, fmt.Errorf("unknown part %s", k)
		}
		if err != nil {
			return r, fmt.Errorf("%s: %w", k, err)
		}
	}
	if r.freq == "" {
		return r, fmt.Errorf("FREQ is missing")
	}
	if r.count > 0 && r.until != "" {
		return r, fmt.Errorf("COUNT and UNTIL exclude each other")
	}
	return r, nil
}

// graphRecurrence converts an RRULE into Graph's patternedRecurrence for
// an event spanning span: FREQ=DAILY → daily (with BYDAY and INTERVAL=1:
// weekly on those days); WEEKLY → weekly on BYDAY (default: the start's
// weekday; WKST → firstDayOfWeek, RFC 5545's default Monday);
// MONTHLY → absoluteMonthly on BYMONTHDAY (default: the start's day) or
// relativeMonthly for BYDAY with an ordinal or BYSETPOS (1 to 4, or -1);
// YEARLY → absoluteYearly on BYMONTH/BYMONTHDAY (default: the start's)
// or relativeYearly; INTERVAL → interval. The range starts on the
// start's date in the event's zone: COUNT → numbered, UNTIL → endDate
// (the last date with an occurrence not after UNTIL), neither → noEnd.
// Rules Graph cannot express are refused with engine.ErrInvalid.
func graphRecurrence(rule string, span eventSpan) (models.PatternedRecurrenceable, error) {
	r, err := parseRRule(rule)
	if err != nil {
		return nil, invalidEvent("recurrence %q: %v", rule, err)
	}
	refuse := func(format string, args ...any) (models.PatternedRecurrenceable, error) {
		return nil, invalidEvent("recurrence %q: Outlook cannot express %s", rule, fmt.Sprintf(format, args...))
	}
	start := span.start
	p := models.NewRecurrencePattern()
	p.SetInterval(ptr(int32(r.interval)))
	plainDays := func() ([]models.DayOfWeek, bool) {
		var days []models.DayOfWeek
		for _, d := range r.byDay {
			if d.n != 0 {
				return nil, false
			}
			days = append(days, dayOfWeek(d.day))
		}
		return days, true
	}
	setType := func(t models.RecurrencePatternType) { p.SetTypeEscaped(&t) }
	switch r.freq {
	case "DAILY":
		if len(r.byMonthDay) > 0 || len(r.byMonth) > 0 || len(r.bySetPos) > 0 {
			return refuse("a daily rule with BYMONTHDAY, BYMONTH or BYSETPOS")
		}
		if len(r.byDay) == 0 {
			setType(models.DAILY_RECURRENCEPATTERNTYPE)
			break
		}
		days, ok := plainDays()
		if !ok || r.interval != 1 {
			return refuse("a daily rule on chosen weekdays unless it runs every day (INTERVAL=1) without ordinals")
		}
		setType(models.WEEKLY_RECURRENCEPATTERNTYPE)
		p.SetDaysOfWeek(days)
	case "WEEKLY":
		if len(r.byMonthDay) > 0 || len(r.byMonth) > 0 || len(r.bySetPos) > 0 {
			return refuse("a weekly rule with BYMONTHDAY, BYMONTH or BYSETPOS")
		}
		days, ok := plainDays()
		if !ok {
			return refuse("ordinals in a weekly BYDAY")
		}
		if len(days) == 0 {
			days = []models.DayOfWeek{dayOfWeek(start.Weekday())}
		}
		setType(models.WEEKLY_RECURRENCEPATTERNTYPE)
		p.SetDaysOfWeek(days)
		wkst := time.Monday
		if r.hasWkst {
			wkst = r.wkst
		}
		first := dayOfWeek(wkst)
		p.SetFirstDayOfWeek(&first)
	case "MONTHLY":
		if len(r.byMonth) > 0 {
			return refuse("a monthly rule limited to some months (BYMONTH)")
		}
		switch {
		case len(r.byMonthDay) > 0:
			if len(r.byDay) > 0 || len(r.bySetPos) > 0 || len(r.byMonthDay) > 1 || r.byMonthDay[0] < 0 {
				return refuse("BYMONTHDAY other than one day counted from the start of the month")
			}
			setType(models.ABSOLUTEMONTHLY_RECURRENCEPATTERNTYPE)
			p.SetDayOfMonth(ptr(int32(r.byMonthDay[0])))
		case len(r.byDay) > 0:
			days, index, err := relativeDays(r)
			if err != nil {
				return refuse("%v", err)
			}
			setType(models.RELATIVEMONTHLY_RECURRENCEPATTERNTYPE)
			p.SetDaysOfWeek(days)
			p.SetIndex(&index)
		case len(r.bySetPos) > 0:
			return refuse("BYSETPOS without BYDAY")
		default:
			setType(models.ABSOLUTEMONTHLY_RECURRENCEPATTERNTYPE)
			p.SetDayOfMonth(ptr(int32(start.Day())))
		}
	case "YEARLY":
		month := int(start.Month())
		if len(r.byMonth) > 1 {
			return refuse("a yearly rule in several months")
		} else if len(r.byMonth) == 1 {
			month = r.byMonth[0]
		}
		p.SetMonth(ptr(int32(month)))
		switch {
		case len(r.byDay) > 0:
			if len(r.byMonthDay) > 0 {
				return refuse("BYDAY together with BYMONTHDAY")
			}
			days, index, err := relativeDays(r)
			if err != nil {
				return refuse("%v", err)
			}
			setType(models.RELATIVEYEARLY_RECURRENCEPATTERNTYPE)
			p.SetDaysOfWeek(days)
			p.SetIndex(&index)
		case len(r.bySetPos) > 0:
			return refuse("BYSETPOS without BYDAY")
		default:
			day := start.Day()
			if len(r.byMonthDay) > 1 || len(r.byMonthDay) == 1 && r.byMonthDay[0] < 0 {
				return refuse("BYMONTHDAY other than one day counted from the start of the month")
			} else if len(r.byMonthDay) == 1 {
				day = r.byMonthDay[0]
			}
			setType(models.ABSOLUTEYEARLY_RECURRENCEPATTERNTYPE)
			p.SetDayOfMonth(ptr(int32(day)))
		}
	default:
		return refuse("FREQ=%s", r.freq)
	}

	rng := models.NewRecurrenceRange()
	rng.SetStartDate(absser.NewDateOnly(midnight(start)))
	rng.SetRecurrenceTimeZone(ptr(span.zone))
	rangeType := models.NOEND_RECURRENCERANGETYPE
	switch {
	case r.count > 0:
		rangeType = models.NUMBERED_RECURRENCERANGETYPE
		rng.SetNumberOfOccurrences(ptr(int32(r.count)))
	case r.until != "":
		end, err := untilDate(r.until, span)
		if err != nil {
			return nil, invalidEvent("recurrence %q: UNTIL: %v", rule, err)
		}
		if end.Before(midnight(start)) {
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

// relativeDays reads the weekdays and week index of a relative monthly
// or yearly rule: "BYDAY=2TU", "BYDAY=-1FR" or "BYDAY=MO,TU,WE,TH,FR;
// BYSETPOS=-1" (the last weekday).
func relativeDays(r rruleParts) ([]models.DayOfWeek, models.WeekIndex, error) {
	n := 0
	if len(r.bySetPos) > 1 {
		return nil, 0, fmt.Errorf("several BYSETPOS values")
	}
	if len(r.bySetPos) == 1 {
		n = r.bySetPos[0]
	}
	var days []models.DayOfWeek
	for _, d := range r.byDay {
		switch {
		case len(r.bySetPos) == 1 && d.n != 0:
			return nil, 0, fmt.Errorf("BYSETPOS together with ordinals in BYDAY")
		case len(r.bySetPos) == 0 && d.n == 0:
			return nil, 0, fmt.Errorf("every %s of the period (BYDAY without an ordinal)", d.day)
		case len(r.bySetPos) == 0 && n != 0 && d.n != n:
			return nil, 0, fmt.Errorf("BYDAY with different ordinals")
		}
		if len(r.bySetPos) == 0 {
			n = d.n
		}
		days = append(days, dayOfWeek(d.day))
	}
	var index models.WeekIndex
	switch n {
	case 1:
		index = models.FIRST_WEEKINDEX
	case 2:
		index = models.SECOND_WEEKINDEX
	case 3:
		index = models.THIRD_WEEKINDEX
	case 4:
		index = models.FOURTH_WEEKINDEX
	case -1:
		index = models.LAST_WEEKINDEX
	default:
		return nil, 0, fmt.Errorf("the occurrence %d within the period (only 1 to 4 and -1)", n)
	}
	return days, index, nil
}

// dayOfWeek is Graph's name of a weekday.
func dayOfWeek(d time.Weekday) models.DayOfWeek {
	return [...]models.DayOfWeek{
		models.SUNDAY_DAYOFWEEK, models.MONDAY_DAYOFWEEK, models.TUESDAY_DAYOFWEEK, models.WEDNESDAY_DAYOFWEEK,
		models.THURSDAY_DAYOFWEEK, models.FRIDAY_DAYOFWEEK, models.SATURDAY_DAYOFWEEK,
	}[d]
}

// untilDate is the endDate for UNTIL: the date, in the event's zone, of
// the last occurrence start not after UNTIL. UNTIL is a date, a UTC time
// ("...Z") or a floating time read in the event's zone; for all-day
// events only its date counts.
func untilDate(v string, span eventSpan) (time.Time, error) {
	var until time.Time
	var err error
	switch {
	case len(v) == len("20060102"):
		until, err = time.ParseInLocation("20060102", v, span.loc)
		if err == nil {
			return until, nil
		}
	case strings.HasSuffix(v, "Z"):
		until, err = time.Parse("20060102T150405Z", v)
		if span.allDay && err == nil {
			y, m, d := until.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, span.loc), nil
		}
		until = until.In(span.loc)
	default:
		until, err = time.ParseInLocation("20060102T150405", v, span.loc)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 5545 date or date-time", v)
	}
	day := midnight(until)
	if span.allDay {
		return day, nil
	}
	s := span.start
	if time.Date(day.Year(), day.Month(), day.Day(), s.Hour(), s.Minute(), s.Second(), 0, span.loc).After(until) {
		day = day.AddDate(0, 0, -1)
	}
	return day, nil
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
		for pages := 1; ; pages++ {
			if err != nil {
				return err
			}
			if page == nil {
				break
			}
			for _, in := range page.GetValue() {
				if in != nil && in.GetId() != nil && instanceExcluded(in, want, span) {
					doomed = append(doomed, *in.GetId())
				}
			}
			next := page.GetOdataNextLink()
			if next == nil || *next == "" {
				break
			}
			if pages >= maxEventPages {
				return fmt.Errorf("more than %d pages of instances", maxEventPages)
			}
			page, err = users.NewItemCalendarsItemEventsItemInstancesRequestBuilder(*next, adapter).Get(ctx, nil)
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
