package microsoft

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"calsync/sync/engine"
)

// graphFields are the fields of a patternedRecurrence, as Graph names
// them ("" and 0 where the field is not sent).
type graphFields struct {
	Type           string
	Interval       int32
	DaysOfWeek     []string
	FirstDayOfWeek string
	DayOfMonth     int32
	Month          int32
	Index          string
	RangeType      string
	StartDate      string
	EndDate        string
	Count          int32
	TimeZone       string
}

func fieldsOf(t *testing.T, rule string, span eventSpan) graphFields {
	t.Helper()
	rec, err := graphRecurrence(rule, span)
	if err != nil {
		t.Fatalf("graphRecurrence(%q): %v", rule, err)
	}
	p, r := rec.GetPattern(), rec.GetRangeEscaped()
	var f graphFields
	if v := p.GetTypeEscaped(); v != nil {
		f.Type = v.String()
	}
	f.Interval = int32Of(p.GetInterval())
	for _, d := range p.GetDaysOfWeek() {
		f.DaysOfWeek = append(f.DaysOfWeek, d.String())
	}
	if v := p.GetFirstDayOfWeek(); v != nil {
		f.FirstDayOfWeek = v.String()
	}
	f.DayOfMonth = int32Of(p.GetDayOfMonth())
	f.Month = int32Of(p.GetMonth())
	if v := p.GetIndex(); v != nil {
		f.Index = v.String()
	}
	if v := r.GetTypeEscaped(); v != nil {
		f.RangeType = v.String()
	}
	if v := r.GetStartDate(); v != nil {
		f.StartDate = v.String()
	}
	if v := r.GetEndDate(); v != nil {
		f.EndDate = v.String()
	}
	f.Count = int32Of(r.GetNumberOfOccurrences())
	f.TimeZone = deref(r.GetRecurrenceTimeZone())
	return f
}

func int32Of(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func spanAt(t *testing.T, zone string, start time.Time, allDay bool) eventSpan {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	s := start
	if allDay {
		s = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	}
	s = time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(), 0, loc)
	end := s.Add(time.Hour)
	if allDay {
		end = s.AddDate(0, 0, 1)
	}
	return eventSpan{start: s, end: end, loc: loc, zone: zone, allDay: allDay}
}

// TestGraphRecurrenceFields writes out, by hand, the Graph pattern and
// range each rule becomes. The first rules are those the hand-written
// parser this replaced accepted; they keep their patterns.
func TestGraphRecurrenceFields(t *testing.T) {
	// Monday 3 June 2030, 09:00.
	mon := time.Date(2030, 6, 3, 9, 0, 0, 0, time.UTC)
	weekdays := []string{"monday", "tuesday", "wednesday", "thursday", "friday"}
	tests := []struct {
		rule   string
		zone   string
		start  time.Time // wall clock in zone
		allDay bool
		want   graphFields
	}{
		{"FREQ=DAILY", "Europe/London", mon, false,
			graphFields{Type: "daily", Interval: 1, RangeType: "noEnd", StartDate: "2030-06-03", TimeZone: "Europe/London"}},
		{"RRULE:FREQ=DAILY;INTERVAL=2;COUNT=5", "Europe/London", mon, false,
			graphFields{Type: "daily", Interval: 2, RangeType: "numbered", StartDate: "2030-06-03", Count: 5, TimeZone: "Europe/London"}},
		{"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20300630", "Europe/London", mon, false,
			graphFields{Type: "weekly", Interval: 1, DaysOfWeek: weekdays, RangeType: "endDate", StartDate: "2030-06-03", EndDate: "2030-06-30", TimeZone: "Europe/London"}},
		{"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", "Europe/London", mon, false,
			graphFields{Type: "weekly", Interval: 1, DaysOfWeek: []string{"monday", "wednesday"}, FirstDayOfWeek: "monday", RangeType: "numbered", StartDate: "2030-06-03", Count: 6, TimeZone: "Europe/London"}},
		{"FREQ=WEEKLY;INTERVAL=2", "America/New_York", mon, false,
			graphFields{Type: "weekly", Interval: 2, DaysOfWeek: []string{"monday"}, FirstDayOfWeek: "monday", RangeType: "noEnd", StartDate: "2030-06-03", TimeZone: "America/New_York"}},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,SA;WKST=SU", "Europe/London", mon, false,
			graphFields{Type: "weekly", Interval: 2, DaysOfWeek: []string{"sunday", "saturday"}, FirstDayOfWeek: "sunday", RangeType: "noEnd", StartDate: "2030-06-03", TimeZone: "Europe/London"}},
		// 23:59:59Z is 08:59:59 on 1 January in Tokyo: before the 10:00
		// start, so the range ends on 31 December.
		{"FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20301231T235959Z", "Asia/Tokyo", time.Date(2030, 6, 28, 10, 0, 0, 0, time.UTC), false,
			graphFields{Type: "relativeMonthly", Interval: 1, DaysOfWeek: []string{"friday"}, Index: "last", RangeType: "endDate", StartDate: "2030-06-28", EndDate: "2030-12-31", TimeZone: "Asia/Tokyo"}},
		{"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", "Europe/London", time.Date(2030, 6, 28, 9, 0, 0, 0, time.UTC), false,
			graphFields{Type: "relativeMonthly", Interval: 1, DaysOfWeek: weekdays, Index: "last", RangeType: "numbered", StartDate: "2030-06-28", Count: 3, TimeZone: "Europe/London"}},
		{"FREQ=MONTHLY;BYDAY=2TU", "Europe/Berlin", time.Date(2030, 6, 11, 9, 0, 0, 0, time.UTC), false,
			graphFields{Type: "relativeMonthly", Interval: 1, DaysOfWeek: []string{"tuesday"}, Index: "second", RangeType: "noEnd", StartDate: "2030-06-11", TimeZone: "Europe/Berlin"}},
		{"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", "Europe/London", time.Date(2030, 6, 15, 9, 0, 0, 0, time.UTC), false,
			graphFields{Type: "absoluteMonthly", Interval: 3, DayOfMonth: 15, RangeType: "noEnd", StartDate: "2030-06-15", TimeZone: "Europe/London"}},
		{"FREQ=MONTHLY", "Europe/London", mon, false,
			graphFields{Type: "absoluteMonthly", Interval: 1, DayOfMonth: 3, RangeType: "noEnd", StartDate: "2030-06-03", TimeZone: "Europe/London"}},
		{"FREQ=YEARLY;INTERVAL=2", "Europe/London", time.Date(2030, 6, 4, 0, 0, 0, 0, time.UTC), true,
			graphFields{Type: "absoluteYearly", Interval: 2, Month: 6, DayOfMonth: 4, RangeType: "noEnd", StartDate: "2030-06-04", TimeZone: "Europe/London"}},
		{"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;COUNT=4", "Europe/Helsinki", mon, false,
			graphFields{Type: "absoluteYearly", Interval: 1, Month: 12, DayOfMonth: 24, RangeType: "numbered", StartDate: "2030-06-03", Count: 4, TimeZone: "Europe/Helsinki"}},
		{"FREQ=YEARLY;BYMONTH=3", "Europe/London", mon, false,
			graphFields{Type: "absoluteYearly", Interval: 1, Month: 3, DayOfMonth: 3, RangeType: "noEnd", StartDate: "2030-06-03", TimeZone: "Europe/London"}},
		{"FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "America/New_York", time.Date(2030, 11, 28, 12, 0, 0, 0, time.UTC), false,
			graphFields{Type: "relativeYearly", Interval: 1, Month: 11, DaysOfWeek: []string{"thursday"}, Index: "fourth", RangeType: "noEnd", StartDate: "2030-11-28", TimeZone: "America/New_York"}},
		{"FREQ=YEARLY;BYMONTH=5;BYDAY=MO;BYSETPOS=-1", "Europe/London", time.Date(2030, 5, 27, 9, 0, 0, 0, time.UTC), false,
			graphFields{Type: "relativeYearly", Interval: 1, Month: 5, DaysOfWeek: []string{"monday"}, Index: "last", RangeType: "noEnd", StartDate: "2030-05-27", TimeZone: "Europe/London"}},
		// A floating UNTIL is read in the event's zone: 08:59 on 10 June
		// is before the 09:00 start, so the last date is 9 June.
		{"FREQ=DAILY;UNTIL=20300610T085900", "Europe/London", mon, false,
			graphFields{Type: "daily", Interval: 1, RangeType: "endDate", StartDate: "2030-06-03", EndDate: "2030-06-09", TimeZone: "Europe/London"}},
		{"FREQ=DAILY;UNTIL=20300610T090000", "Europe/London", mon, false,
			graphFields{Type: "daily", Interval: 1, RangeType: "endDate", StartDate: "2030-06-03", EndDate: "2030-06-10", TimeZone: "Europe/London"}},
		// All-day: a UTC UNTIL counts by its date.
		{"FREQ=DAILY;UNTIL=20300610T000000Z", "Pacific/Auckland", time.Date(2030, 6, 3, 0, 0, 0, 0, time.UTC), true,
			graphFields{Type: "daily", Interval: 1, RangeType: "endDate", StartDate: "2030-06-03", EndDate: "2030-06-10", TimeZone: "Pacific/Auckland"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got := fieldsOf(t, tt.rule, spanAt(t, tt.zone, tt.start, tt.allDay))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n %+v, want\n %+v", got, tt.want)
			}
		})
	}
}

// TestGraphRecurrenceRefusesWhatValidationRefuses: rules the booking check
// refuses (recurrence.Parse) are refused at push time too, naming the
// part, and so are ranges that end before the start.
func TestGraphRecurrenceRefusesWhatValidationRefuses(t *testing.T) {
	span := spanAt(t, "Europe/London", time.Date(2030, 6, 3, 9, 0, 0, 0, time.UTC), false)
	for rule, part := range map[string]string{
		"FREQ=DAILY;BYHOUR=9,15":           "BYHOUR is not supported",
		"FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO": "BYWEEKNO is not supported",
		"FREQ=YEARLY;BYMONTHDAY=15":        "BYMONTHDAY without BYMONTH is not supported",
		"FREQ=MONTHLY;BYDAY=2TU,2TH":       "BYDAY=2TU,2TH is not supported",
		"FREQ=DAILY;UNTIL=20300101":        "ends (UNTIL) before the event starts",
	} {
		_, err := graphRecurrence(rule, span)
		if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), part) {
			t.Errorf("%s: %v, want ErrInvalid naming %q", rule, err, part)
		}
	}
}
