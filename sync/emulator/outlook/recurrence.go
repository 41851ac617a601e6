package outlook

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

var weekdayNames = map[string]rrule.Weekday{
	"sunday": rrule.SU, "monday": rrule.MO, "tuesday": rrule.TU, "wednesday": rrule.WE,
	"thursday": rrule.TH, "friday": rrule.FR, "saturday": rrule.SA,
}

var weekIndexes = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}

// maxInstancesPerSeries bounds the expansion of one series in one request,
// so an endless daily series and a wide window cannot exhaust memory.
const maxInstancesPerSeries = 5000

// seriesRule converts a master's patternedRecurrence into an RRULE whose
// instants are original occurrence starts. All-day series run on floating
// dates carried in UTC.
func seriesRule(master *storedEvent) (*rrule.RRule, error) {
	rec := master.Recurrence
	loc := time.UTC
	if !master.IsAllDay {
		zone := rec.Range.RecurrenceTimeZone
		if zone == "" {
			zone = master.StartTimeZone
		}
		if l, ok := loadZone(zone); ok {
			loc = l
		}
	}
	first, err := time.Parse(time.DateOnly, rec.Range.StartDate)
	if err != nil {
		return nil, fmt.Errorf("outlook: recurrence start date %q: %w", rec.Range.StartDate, err)
	}
	wall := master.Start.In(loc)
	if master.IsAllDay {
		wall = master.Start
	}
	opt := rrule.ROption{
		Dtstart:  time.Date(first.Year(), first.Month(), first.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc),
		Interval: rec.Pattern.Interval,
		Wkst:     weekdayNames[strings.ToLower(rec.Pattern.FirstDayOfWeek)],
	}
	days := make([]rrule.Weekday, 0, len(rec.Pattern.DaysOfWeek))
	for _, d := range rec.Pattern.DaysOfWeek {
		days = append(days, weekdayNames[d])
	}
	index := weekIndexes[strings.ToLower(rec.Pattern.Index)]
	switch rec.Pattern.Type {
	case "daily":
		opt.Freq = rrule.DAILY
	case "weekly":
		opt.Freq = rrule.WEEKLY
		opt.Byweekday = days
	case "absoluteMonthly":
		opt.Freq = rrule.MONTHLY
		opt.Bymonthday = []int{rec.Pattern.DayOfMonth}
	case "relativeMonthly":
		opt.Freq = rrule.MONTHLY
		opt.Byweekday = days
		opt.Bysetpos = []int{index}
	case "absoluteYearly":
		opt.Freq = rrule.YEARLY
		opt.Bymonth = []int{rec.Pattern.Month}
		opt.Bymonthday = []int{rec.Pattern.DayOfMonth}
	case "relativeYearly":
		opt.Freq = rrule.YEARLY
		opt.Bymonth = []int{rec.Pattern.Month}
		opt.Byweekday = days
		opt.Bysetpos = []int{index}
	default:
		return nil, fmt.Errorf("outlook: recurrence pattern %q not supported", rec.Pattern.Type)
	}
	switch rec.Range.Type {
	case "numbered":
		opt.Count = rec.Range.NumberOfOccurrences
	case "endDate":
		end, err := time.Parse(time.DateOnly, rec.Range.EndDate)
		if err != nil {
			return nil, fmt.Errorf("outlook: recurrence end date %q: %w", rec.Range.EndDate, err)
		}
		opt.Until = time.Date(end.Year(), end.Month(), end.Day(), 23, 59, 59, 0, loc)
	}
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, fmt.Errorf("outlook: build recurrence rule: %w", err)
	}
	return r, nil
}

// occurrenceStarts returns the original starts of the series' occurrences
// whose span overlaps [from, to), in order.
func occurrenceStarts(master *storedEvent, from, to time.Time) []time.Time {
	r, err := seriesRule(master)
	if err != nil {
		return nil
	}
	dur := master.End.Sub(master.Start)
	var out []time.Time
	next := r.Iterator()
	for n := 0; n < 1_000_000; n++ {
		t, ok := next()
		if !ok || !t.Before(to) || len(out) >= maxInstancesPerSeries {
			break
		}
		end := t.Add(dur)
		if end.After(from) || (dur == 0 && !t.Before(from)) {
			out = append(out, t.UTC())
		}
	}
	return out
}

// isOccurrence reports whether start is an original start of the series.
func isOccurrence(master *storedEvent, start time.Time) bool {
	r, err := seriesRule(master)
	if err != nil {
		return false
	}
	for _, t := range r.Between(start.Add(-time.Second), start.Add(time.Second), true) {
		if t.Equal(start) {
			return true
		}
	}
	return false
}

// firstOccurrence returns the series' first original start, if any.
func firstOccurrence(master *storedEvent) (time.Time, bool) {
	r, err := seriesRule(master)
	if err != nil {
		return time.Time{}, false
	}
	next := r.Iterator()
	t, ok := next()
	return t.UTC(), ok
}

// viewWindow is a calendar view's time range, with the same range as
// floating wall clocks for all-day events.
type viewWindow struct {
	From, To                 time.Time
	FloatingFrom, FloatingTo time.Time
}

func newViewWindow(from, to time.Time, loc *time.Location) viewWindow {
	f, t := from.In(loc), to.In(loc)
	return viewWindow{
		From: from, To: to,
		FloatingFrom: time.Date(f.Year(), f.Month(), f.Day(), f.Hour(), f.Minute(), f.Second(), 0, time.UTC),
		FloatingTo:   time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC),
	}
}

func (w viewWindow) bounds(allDay bool) (time.Time, time.Time) {
	if allDay {
		return w.FloatingFrom, w.FloatingTo
	}
	return w.From, w.To
}

func (w viewWindow) overlaps(start, end time.Time, allDay bool) bool {
	from, to := w.bounds(allDay)
	if start.Equal(end) {
		return !start.Before(from) && start.Before(to)
	}
	return start.Before(to) && end.After(from)
}

// expandEvent returns the instances of ev inside w: the event itself for a
// single instance, else the series' occurrences and exceptions. With
// withMaster the series master is included when any instance is.
func expandEvent(ev *storedEvent, w viewWindow, withMaster bool) []instance {
	if ev.Recurrence == nil {
		if w.overlaps(ev.Start, ev.End, ev.IsAllDay) {
			return []instance{{ID: ev.ID, Type: "singleInstance", Source: ev, Start: ev.Start, End: ev.End, CalendarID: ev.CalendarID}}
		}
		return nil
	}
	var out []instance
	from, to := w.bounds(ev.IsAllDay)
	dur := ev.End.Sub(ev.Start)
	for _, t := range occurrenceStarts(ev, from, to) {
		key := occurrenceKey(t)
		if ev.Cancelled[key] || ev.Exceptions[key] != nil {
			continue
		}
		out = append(out, instance{
			ID: occurrenceID(ev.ID, t), Type: "occurrence", Source: ev, Master: ev,
			Start: t, End: t.Add(dur), OriginalStart: t, CalendarID: ev.CalendarID,
		})
	}
	for _, x := range ev.Exceptions {
		if w.overlaps(x.Start, x.End, x.IsAllDay) {
			out = append(out, instance{
				ID: x.ID, Type: "exception", Source: x, Master: ev,
				Start: x.Start, End: x.End, OriginalStart: x.OriginalStart, CalendarID: ev.CalendarID,
			})
		}
	}
	sortInstances(out)
	if withMaster && len(out) > 0 {
		first, ok := firstOccurrence(ev)
		if !ok {
			first = ev.Start
		}
		out = append([]instance{{ID: ev.ID, Type: "seriesMaster", Source: ev, Start: first, End: first.Add(dur), CalendarID: ev.CalendarID}}, out...)
	}
	return out
}

func sortInstances(in []instance) {
	sort.SliceStable(in, func(i, j int) bool {
		if !in[i].Start.Equal(in[j].Start) {
			return in[i].Start.Before(in[j].Start)
		}
		return in[i].ID < in[j].ID
	})
}

// normaliseRecurrence fills Graph's defaults and rejects patterns Outlook
// would refuse.
func normaliseRecurrence(rec *recurrence) *graphError {
	p, r := &rec.Pattern, &rec.Range
	if p.Interval == 0 {
		p.Interval = 1
	}
	if p.Interval < 0 || p.Interval > 999 {
		return errInvalidRequest("The recurrence pattern interval must be between 1 and 999.")
	}
	if p.FirstDayOfWeek == "" {
		p.FirstDayOfWeek = "sunday"
	}
	if p.Index == "" {
		p.Index = "first"
	}
	if p.DaysOfWeek == nil {
		p.DaysOfWeek = []string{}
	}
	for i, d := range p.DaysOfWeek {
		if _, ok := weekdayNames[strings.ToLower(d)]; !ok {
			return errRequestBodyRead("The value '%s' is not valid for the enum type 'microsoft.graph.dayOfWeek'.", d)
		}
		p.DaysOfWeek[i] = strings.ToLower(d)
	}
	if _, ok := weekdayNames[strings.ToLower(p.FirstDayOfWeek)]; !ok {
		return errRequestBodyRead("The value '%s' is not valid for the enum type 'microsoft.graph.dayOfWeek'.", p.FirstDayOfWeek)
	}
	if _, ok := weekIndexes[strings.ToLower(p.Index)]; !ok {
		return errRequestBodyRead("The value '%s' is not valid for the enum type 'microsoft.graph.weekIndex'.", p.Index)
	}
	switch p.Type {
	case "daily":
	case "weekly", "relativeMonthly":
		if len(p.DaysOfWeek) == 0 {
			return errInvalidRequest("The recurrence pattern of type '%s' requires daysOfWeek.", p.Type)
		}
	case "absoluteMonthly":
		if p.DayOfMonth < 1 || p.DayOfMonth > 31 {
			return errInvalidRequest("The recurrence pattern of type 'absoluteMonthly' requires dayOfMonth between 1 and 31.")
		}
	case "absoluteYearly":
		if p.Month < 1 || p.Month > 12 || p.DayOfMonth < 1 || p.DayOfMonth > 31 {
			return errInvalidRequest("The recurrence pattern of type 'absoluteYearly' requires month and dayOfMonth.")
		}
	case "relativeYearly":
		if p.Month < 1 || p.Month > 12 || len(p.DaysOfWeek) == 0 {
			return errInvalidRequest("The recurrence pattern of type 'relativeYearly' requires month and daysOfWeek.")
		}
	default:
		return errRequestBodyRead("The value '%s' is not valid for the enum type 'microsoft.graph.recurrencePatternType'.", p.Type)
	}
	if _, err := time.Parse(time.DateOnly, r.StartDate); err != nil {
		return errInvalidRequest("The recurrence range requires a startDate in the format yyyy-MM-dd.")
	}
	switch r.Type {
	case "endDate":
		end, err := time.Parse(time.DateOnly, r.EndDate)
		if err != nil {
			return errInvalidRequest("The recurrence range of type 'endDate' requires an endDate in the format yyyy-MM-dd.")
		}
		if start, _ := time.Parse(time.DateOnly, r.StartDate); end.Before(start) {
			return errInvalidRequest("The recurrence range endDate must not be before its startDate.")
		}
	case "noEnd":
		r.EndDate = "0001-01-01"
	case "numbered":
		if r.NumberOfOccurrences < 1 {
			return errInvalidRequest("The recurrence range of type 'numbered' requires numberOfOccurrences greater than 0.")
		}
		r.EndDate = "0001-01-01"
	default:
		return errRequestBodyRead("The value '%s' is not valid for the enum type 'microsoft.graph.recurrenceRangeType'.", r.Type)
	}
	if r.RecurrenceTimeZone != "" {
		if _, ok := loadZone(r.RecurrenceTimeZone); !ok {
			return errTimeZone(r.RecurrenceTimeZone)
		}
	}
	return nil
}
