package recurrence_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"calsync/internal/recurrence"
)

func wd(d time.Weekday) *time.Weekday { return &d }

// TestParseMapsOntoGraphPatterns writes out, by hand, the Graph pattern
// each accepted rule becomes.
func TestParseMapsOntoGraphPatterns(t *testing.T) {
	mo, su := wd(time.Monday), wd(time.Sunday)
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	tests := []struct {
		rule string
		want recurrence.Rule
	}{
		{"FREQ=DAILY", recurrence.Rule{Pattern: recurrence.Daily, Interval: 1}},
		{"RRULE:FREQ=DAILY;INTERVAL=3;COUNT=10", recurrence.Rule{Pattern: recurrence.Daily, Interval: 3, Count: 10}},
		{"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20300630",
			recurrence.Rule{Pattern: recurrence.Weekly, Interval: 1, Days: weekdays,
				Until: &recurrence.Until{Kind: recurrence.UntilDate, At: time.Date(2030, 6, 30, 0, 0, 0, 0, time.UTC)}}},
		{"FREQ=WEEKLY", recurrence.Rule{Pattern: recurrence.Weekly, Interval: 1, Days: []time.Weekday{}, FirstDayOfWeek: mo}},
		{"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", recurrence.Rule{Pattern: recurrence.Weekly, Interval: 1, Days: []time.Weekday{time.Monday, time.Wednesday}, FirstDayOfWeek: mo, Count: 6}},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;WKST=SU", recurrence.Rule{Pattern: recurrence.Weekly, Interval: 2, Days: []time.Weekday{time.Saturday, time.Sunday}, FirstDayOfWeek: su}},
		{"FREQ=WEEKLY;UNTIL=20301231T235959Z",
			recurrence.Rule{Pattern: recurrence.Weekly, Interval: 1, Days: []time.Weekday{}, FirstDayOfWeek: mo,
				Until: &recurrence.Until{Kind: recurrence.UntilUTC, At: time.Date(2030, 12, 31, 23, 59, 59, 0, time.UTC)}}},
		{"FREQ=WEEKLY;UNTIL=20301231T170000",
			recurrence.Rule{Pattern: recurrence.Weekly, Interval: 1, Days: []time.Weekday{}, FirstDayOfWeek: mo,
				Until: &recurrence.Until{Kind: recurrence.UntilLocal, At: time.Date(2030, 12, 31, 17, 0, 0, 0, time.UTC)}}},
		{"FREQ=MONTHLY", recurrence.Rule{Pattern: recurrence.AbsoluteMonthly, Interval: 1}},
		{"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", recurrence.Rule{Pattern: recurrence.AbsoluteMonthly, Interval: 3, DayOfMonth: 15}},
		{"FREQ=MONTHLY;BYDAY=-1FR", recurrence.Rule{Pattern: recurrence.RelativeMonthly, Interval: 1, Days: []time.Weekday{time.Friday}, Index: -1}},
		{"FREQ=MONTHLY;BYDAY=+2TU", recurrence.Rule{Pattern: recurrence.RelativeMonthly, Interval: 1, Days: []time.Weekday{time.Tuesday}, Index: 2}},
		{"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", recurrence.Rule{Pattern: recurrence.RelativeMonthly, Interval: 1, Days: weekdays, Index: -1, Count: 3}},
		{"FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1", recurrence.Rule{Pattern: recurrence.RelativeMonthly, Interval: 1, Days: []time.Weekday{time.Saturday, time.Sunday}, Index: 1}},
		{"FREQ=YEARLY;INTERVAL=2", recurrence.Rule{Pattern: recurrence.AbsoluteYearly, Interval: 2}},
		{"FREQ=YEARLY;BYMONTH=3", recurrence.Rule{Pattern: recurrence.AbsoluteYearly, Interval: 1, Month: time.March}},
		{"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", recurrence.Rule{Pattern: recurrence.AbsoluteYearly, Interval: 1, Month: time.December, DayOfMonth: 24}},
		{"FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", recurrence.Rule{Pattern: recurrence.RelativeYearly, Interval: 1, Month: time.November, Days: []time.Weekday{time.Thursday}, Index: 4}},
		{"FREQ=YEARLY;BYMONTH=5;BYDAY=MO;BYSETPOS=-1", recurrence.Rule{Pattern: recurrence.RelativeYearly, Interval: 1, Month: time.May, Days: []time.Weekday{time.Monday}, Index: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got, err := recurrence.Parse(tt.rule)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n %+v, want\n %+v", got, tt.want)
			}
		})
	}
}

// TestOnFillsWhatTheRuleLeavesToTheStart: a Wednesday 2030-06-12.
func TestOnFillsWhatTheRuleLeavesToTheStart(t *testing.T) {
	start := time.Date(2030, 6, 12, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		rule string
		want recurrence.Rule
	}{
		{"FREQ=WEEKLY;INTERVAL=2", recurrence.Rule{Pattern: recurrence.Weekly, Interval: 2, Days: []time.Weekday{time.Wednesday}, FirstDayOfWeek: wd(time.Monday)}},
		{"FREQ=WEEKLY;BYDAY=FR", recurrence.Rule{Pattern: recurrence.Weekly, Interval: 1, Days: []time.Weekday{time.Friday}, FirstDayOfWeek: wd(time.Monday)}},
		{"FREQ=MONTHLY", recurrence.Rule{Pattern: recurrence.AbsoluteMonthly, Interval: 1, DayOfMonth: 12}},
		{"FREQ=MONTHLY;BYMONTHDAY=3", recurrence.Rule{Pattern: recurrence.AbsoluteMonthly, Interval: 1, DayOfMonth: 3}},
		{"FREQ=YEARLY", recurrence.Rule{Pattern: recurrence.AbsoluteYearly, Interval: 1, Month: time.June, DayOfMonth: 12}},
		{"FREQ=YEARLY;BYMONTH=3", recurrence.Rule{Pattern: recurrence.AbsoluteYearly, Interval: 1, Month: time.March, DayOfMonth: 12}},
		{"FREQ=YEARLY;BYMONTH=9;BYDAY=1MO", recurrence.Rule{Pattern: recurrence.RelativeYearly, Interval: 1, Month: time.September, Days: []time.Weekday{time.Monday}, Index: 1}},
		{"FREQ=DAILY", recurrence.Rule{Pattern: recurrence.Daily, Interval: 1}},
	}
	for _, tt := range tests {
		r, err := recurrence.Parse(tt.rule)
		if err != nil {
			t.Fatalf("%s: %v", tt.rule, err)
		}
		if got := r.On(start); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: On =\n %+v, want\n %+v", tt.rule, got, tt.want)
		}
	}
}

// TestParseRefusesNamingThePart: rules Outlook has no pattern for, or whose
// meaning a pattern would change, are refused with the part named; rules
// that are not RFC 5545 are malformed.
func TestParseRefusesNamingThePart(t *testing.T) {
	tests := []struct {
		rule, msg string // msg "": malformed
	}{
		{"FREQ=DAILY;BYHOUR=9,15", "BYHOUR is not supported: Outlook calendars cannot repeat within a day; create one recurring booking per time"},
		{"FREQ=WEEKLY;BYHOUR=9", "BYHOUR is not supported: Outlook calendars cannot repeat within a day; create one recurring booking per time"},
		{"FREQ=DAILY;BYMINUTE=0,30", "BYMINUTE is not supported: Outlook calendars cannot repeat within a day; create one recurring booking per time"},
		{"FREQ=HOURLY;INTERVAL=4", "FREQ=HOURLY is not supported: Outlook calendars cannot repeat within a day; create one recurring booking per time"},
		{"FREQ=MINUTELY", "FREQ=MINUTELY is not supported: Outlook calendars cannot repeat within a day; create one recurring booking per time"},
		{"FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "BYWEEKNO is not supported: Outlook calendars cannot repeat in numbered weeks of the year; use FREQ=WEEKLY with INTERVAL"},
		{"FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY is not supported: Outlook calendars cannot repeat on numbered days of the year; use BYMONTH with BYMONTHDAY"},
		{"FREQ=YEARLY;BYEASTER=0", "BYEASTER is not supported: Outlook calendars cannot repeat relative to Easter"},
		{"DTSTART=20300101T090000Z;FREQ=DAILY", "DTSTART is not supported: the booking's start is the start of the series (Google refuses DTSTART in a recurrence)"},
		{"FREQ=DAILY;INTERVAL=1000", "INTERVAL=1000 is not supported: the interval is at most 999"},
		{"FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU", "INTERVAL=2 with BYDAY is not supported: Outlook calendars cannot repeat every 2 days on chosen weekdays; use FREQ=WEEKLY"},
		{"FREQ=DAILY;BYMONTH=6", "BYMONTH is not supported: Outlook calendars cannot limit a daily rule to some months; use FREQ=YEARLY"},
		{"FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY is not supported: Outlook calendars cannot limit a weekly rule to days of the month; use FREQ=MONTHLY"},
		{"FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1", "BYSETPOS is not supported: Outlook calendars take BYSETPOS only in monthly and yearly rules"},
		{"FREQ=WEEKLY;BYDAY=1MO", "BYDAY=1MO is not supported: a numbered weekday belongs in a monthly or yearly rule, not a weekly one"},
		{"FREQ=MONTHLY;BYMONTH=1,7", "BYMONTH is not supported: Outlook calendars cannot limit a monthly rule to some months; create one yearly booking per month"},
		{"FREQ=MONTHLY;BYDAY=MO", "BYDAY=MO is not supported: Outlook calendars cannot repeat on every Monday of the month; number it (such as 2TU or -1FR) or use FREQ=WEEKLY"},
		{"FREQ=MONTHLY;BYDAY=5MO", "BYDAY=5MO is not supported: Outlook calendars count weekdays of the month as first to fourth, or last, only"},
		{"FREQ=MONTHLY;BYDAY=-2FR", "BYDAY=-2FR is not supported: Outlook calendars count weekdays of the month as first to fourth, or last, only"},
		{"FREQ=MONTHLY;BYDAY=2TU,2TH", "BYDAY=2TU,2TH is not supported: Outlook calendars repeat on one numbered weekday of the month; create one booking per weekday"},
		{"FREQ=MONTHLY;BYDAY=MO,FR;BYSETPOS=2,3", "BYSETPOS=2,3 is not supported: Outlook calendars take one position in the month"},
		{"FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5", "BYSETPOS=5 is not supported: Outlook calendars count weekdays of the month as first to fourth, or last, only"},
		{"FREQ=MONTHLY;BYDAY=1MO;BYSETPOS=1", "BYDAY with BYSETPOS is not supported: use plain weekdays with BYSETPOS, or one numbered weekday without it"},
		{"FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS without BYDAY is not supported: Outlook calendars take BYSETPOS only with weekdays"},
		{"FREQ=MONTHLY;BYMONTHDAY=-1", "BYMONTHDAY=-1 is not supported: Outlook calendars count days from the start of the month only"},
		{"FREQ=MONTHLY;BYMONTHDAY=1,15", "BYMONTHDAY=1,15 is not supported: Outlook calendars repeat on one day of the month; create one booking per day"},
		{"FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", "BYMONTHDAY with BYDAY is not supported: Outlook calendars cannot combine a day of the month with weekdays"},
		{"FREQ=YEARLY;BYMONTH=3,9", "BYMONTH=3,9 is not supported: Outlook calendars repeat a yearly rule in one month; create one booking per month"},
		{"FREQ=YEARLY;BYDAY=20MO", "BYDAY without BYMONTH is not supported: a yearly rule then counts weekdays through the whole year, which Outlook calendars cannot; add BYMONTH"},
		{"FREQ=YEARLY;BYMONTHDAY=15", "BYMONTHDAY without BYMONTH is not supported: a yearly rule then repeats in every month; use FREQ=MONTHLY or add BYMONTH"},
		{"FREQ=SOMETIMES;COUNT=x", ""},
		{"COUNT=3", ""},
		{"", ""},
		{"FREQ=DAILY;COUNT=3;UNTIL=20300701", ""},
		{"FREQ=DAILY;COUNT=0", ""},
		{"FREQ=DAILY;INTERVAL=0", ""},
		{"FREQ=DAILY;COUNT=2;COUNT=3", ""},
		{"FREQ=DAILY\nRRULE:FREQ=WEEKLY", ""},
		{"FREQ=MONTHLY;BYMONTHDAY=32", ""},
		{"freq=daily", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			_, err := recurrence.Parse(tt.rule)
			if err == nil {
				t.Fatal("accepted")
			}
			var u *recurrence.UnsupportedError
			if tt.msg == "" {
				if !errors.Is(err, recurrence.ErrMalformed) || errors.As(err, &u) {
					t.Fatalf("error %q, want a malformed rule", err)
				}
				return
			}
			if !errors.As(err, &u) || err.Error() != tt.msg {
				t.Fatalf("error %q (%T), want unsupported %q", err, err, tt.msg)
			}
		})
	}
}
