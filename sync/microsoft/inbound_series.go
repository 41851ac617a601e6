package microsoft

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"calsync/internal/recurrence"
	"calsync/sync/inbound"
)

// seriesOf reads a series master's patternedRecurrence as an RRULE (the
// inverse of graphRecurrence); a pattern Calsync cannot keep gives an
// empty Rule. Outlook keeps cancelled occurrences out of the master: they
// show only as missing instances.
func seriesOf(it models.Eventable) *inbound.Series {
	s := &inbound.Series{}
	pr := it.GetRecurrence()
	if pr == nil || pr.GetPattern() == nil || pr.GetRangeEscaped() == nil {
		return s
	}
	rng := pr.GetRangeEscaped()
	zone := deref(rng.GetRecurrenceTimeZone())
	if zone == "" {
		zone = deref(it.GetOriginalStartTimeZone())
	}
	loc := time.UTC
	if l, ok := graphZone(zone); ok && l != nil {
		loc = l
		s.TimeZone = l.String()
	}
	rule, ok := rruleOf(pr.GetPattern(), rng, loc)
	if !ok {
		return s
	}
	if _, err := recurrence.Parse(rule); err != nil {
		return s
	}
	s.Rule = rule
	return s
}

// rruleDay is a weekday as RRULE names it.
func rruleDay(d models.DayOfWeek) (string, bool) {
	i := slices.Index(graphDays[:], d)
	if i < 0 {
		return "", false
	}
	return [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[i], true
}

func rruleOf(p models.RecurrencePatternable, rng models.RecurrenceRangeable, loc *time.Location) (string, bool) {
	var parts []string
	days := func() (string, bool) {
		var out []string
		for _, d := range p.GetDaysOfWeek() {
			n, ok := rruleDay(d)
			if !ok {
				return "", false
			}
			out = append(out, n)
		}
		return strings.Join(out, ","), len(out) > 0
	}
	index := func() (string, bool) {
		if p.GetIndex() == nil {
			return "1", true
		}
		for n, w := range weekIndex {
			if w == *p.GetIndex() {
				return fmt.Sprint(n), true
			}
		}
		return "", false
	}
	typ := models.DAILY_RECURRENCEPATTERNTYPE
	if p.GetTypeEscaped() != nil {
		typ = *p.GetTypeEscaped()
	}
	switch typ {
	case models.DAILY_RECURRENCEPATTERNTYPE:
		parts = append(parts, "FREQ=DAILY")
	case models.WEEKLY_RECURRENCEPATTERNTYPE:
		d, ok := days()
		if !ok {
			return "", false
		}
		parts = append(parts, "FREQ=WEEKLY", "BYDAY="+d)
		if f := p.GetFirstDayOfWeek(); f != nil && *f != models.MONDAY_DAYOFWEEK && deref32(p.GetInterval()) > 1 {
			n, _ := rruleDay(*f)
			parts = append(parts, "WKST="+n)
		}
	case models.ABSOLUTEMONTHLY_RECURRENCEPATTERNTYPE:
		parts = append(parts, "FREQ=MONTHLY", fmt.Sprintf("BYMONTHDAY=%d", deref32(p.GetDayOfMonth())))
	case models.RELATIVEMONTHLY_RECURRENCEPATTERNTYPE, models.RELATIVEYEARLY_RECURRENCEPATTERNTYPE:
		d, ok1 := days()
		i, ok2 := index()
		if !ok1 || !ok2 || strings.Contains(d, ",") {
			return "", false
		}
		if typ == models.RELATIVEYEARLY_RECURRENCEPATTERNTYPE {
			parts = append(parts, "FREQ=YEARLY", fmt.Sprintf("BYMONTH=%d", deref32(p.GetMonth())))
		} else {
			parts = append(parts, "FREQ=MONTHLY")
		}
		parts = append(parts, "BYDAY="+i+d)
	case models.ABSOLUTEYEARLY_RECURRENCEPATTERNTYPE:
		parts = append(parts, "FREQ=YEARLY", fmt.Sprintf("BYMONTH=%d", deref32(p.GetMonth())), fmt.Sprintf("BYMONTHDAY=%d", deref32(p.GetDayOfMonth())))
	default:
		return "", false
	}
	if n := deref32(p.GetInterval()); n > 1 {
		parts = append(parts, fmt.Sprintf("INTERVAL=%d", n))
	}
	rt := models.NOEND_RECURRENCERANGETYPE
	if rng.GetTypeEscaped() != nil {
		rt = *rng.GetTypeEscaped()
	}
	switch rt {
	case models.NUMBERED_RECURRENCERANGETYPE:
		parts = append(parts, fmt.Sprintf("COUNT=%d", deref32(rng.GetNumberOfOccurrences())))
	case models.ENDDATE_RECURRENCERANGETYPE:
		end := rng.GetEndDate()
		if end == nil {
			return "", false
		}
		d, err := time.Parse(time.DateOnly, end.String())
		if err != nil {
			return "", false
		}
		// The end date's last second in the series' zone.
		last := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
		parts = append(parts, "UNTIL="+last.UTC().Format("20060102T150405Z"))
	}
	return strings.Join(parts, ";"), true
}

func deref32(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}
