// Package recurrence decides which RFC 5545 recurrence rules Calsync
// accepts: those that every calendar it pushes to can carry. Google takes
// the RRULE text as it is; Outlook takes a Graph patternedRecurrence, so a
// rule must map onto one of Graph's patterns. Parse is that one decision:
// booking validation calls it when a recurrence is written, and the Outlook
// adapter calls it to render the pattern, so a rule that is stored is a
// rule that reaches both providers.
package recurrence

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Pattern is the kind of Graph recurrence pattern a rule maps onto, named
// as Graph names it.
type Pattern string

// The Graph recurrence patterns.
const (
	Daily           Pattern = "daily"
	Weekly          Pattern = "weekly"
	AbsoluteMonthly Pattern = "absoluteMonthly"
	RelativeMonthly Pattern = "relativeMonthly"
	AbsoluteYearly  Pattern = "absoluteYearly"
	RelativeYearly  Pattern = "relativeYearly"
)

// MaxInterval bounds INTERVAL, as the rules Calsync accepted before did.
const MaxInterval = 999

// Rule is a recurrence rule in the shape of Graph's patternedRecurrence.
// Fields a rule leaves to the series start are zero until On fills them.
type Rule struct {
	Pattern  Pattern
	Interval int
	// Days are the weekdays of a Weekly rule (none: the start's weekday) or
	// of a relative rule (the first of them at Index).
	Days []time.Weekday
	// FirstDayOfWeek is WKST (RFC 5545's default Monday) for FREQ=WEEKLY,
	// where it decides which weeks an INTERVAL counts; nil otherwise.
	FirstDayOfWeek *time.Weekday
	// DayOfMonth is the day of an absolute rule (0: the start's day).
	DayOfMonth int
	// Month is the month of a yearly rule (0: the start's month).
	Month time.Month
	// Index is the position of a relative rule: 1 to 4, or -1 for the last.
	Index int
	// Count is COUNT (0: none); Until is UNTIL (nil: none).
	Count int
	Until *Until
}

// UntilKind says how an UNTIL value is to be read.
type UntilKind int

// The forms of UNTIL in RFC 5545.
const (
	// UntilDate is a date ("20300630"): the last day of the series.
	UntilDate UntilKind = iota + 1
	// UntilUTC is a UTC date-time ("20300630T235959Z").
	UntilUTC
	// UntilLocal is a floating date-time ("20300630T170000"), read in the
	// event's zone.
	UntilLocal
)

// Until is a rule's UNTIL. For UntilUTC, At is the instant; otherwise At's
// fields (in UTC) hold the date or wall clock, to be read in the event's
// zone.
type Until struct {
	Kind UntilKind
	At   time.Time
}

// In returns UNTIL as an instant in loc (a date: its midnight).
func (u Until) In(loc *time.Location) time.Time {
	if u.Kind == UntilUTC {
		return u.At.In(loc)
	}
	a := u.At
	return time.Date(a.Year(), a.Month(), a.Day(), a.Hour(), a.Minute(), a.Second(), 0, loc)
}

// UnsupportedError is a well-formed rule that a calendar Calsync pushes to
// cannot carry. Part names the part of the rule; Reason says why and what
// to do instead.
type UnsupportedError struct {
	Part, Reason string
}

func (e *UnsupportedError) Error() string { return e.Part + " is not supported: " + e.Reason }

// ErrMalformed marks a rule that is not a valid RFC 5545 RRULE.
var ErrMalformed = errors.New("invalid recurrence rule")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

func unsupported(part, format string, args ...any) error {
	return &UnsupportedError{Part: part, Reason: fmt.Sprintf(format, args...)}
}

// withinADay is why rules that repeat within a day are refused.
const withinADay = "Outlook calendars cannot repeat within a day; create one recurring booking per time"

// Parse reads an RRULE value, with or without "RRULE:", with rrule-go and
// maps it onto a Graph pattern. A rule that is not RFC 5545 gives an error
// wrapping ErrMalformed; one that Outlook has no pattern for, or whose
// meaning a pattern would change, gives an *UnsupportedError naming the
// part.
//
// Accepted: FREQ DAILY, WEEKLY, MONTHLY or YEARLY with INTERVAL (1 to
// 999), COUNT or UNTIL, WKST, and
//   - DAILY: nothing else, or plain BYDAY when INTERVAL is 1 (weekly on
//     those days);
//   - WEEKLY: plain BYDAY;
//   - MONTHLY: one BYMONTHDAY from 1 to 31; or one BYDAY with an ordinal
//     1 to 4 or -1 ("2TU", "-1FR"); or plain BYDAY with one BYSETPOS 1 to
//     4 or -1 (the first of those days at that position);
//   - YEARLY: one BYMONTH, with one BYMONTHDAY or the BYDAY forms of
//     MONTHLY counted within that month; or nothing else (the start's day).
//
// Refused: HOURLY, MINUTELY, SECONDLY, BYHOUR, BYMINUTE, BYSECOND,
// BYWEEKNO, BYYEARDAY, BYEASTER, DTSTART inside the rule, negative or
// several BYMONTHDAY values, several ordinal weekdays or BYSETPOS values,
// ordinals 5 and beyond or below -1, BYMONTH outside yearly rules (or
// several), and yearly BYMONTHDAY or BYDAY without BYMONTH (RFC 5545 then
// repeats every month, or counts weekdays through the year).
func Parse(rule string) (Rule, error) {
	body := strings.TrimPrefix(strings.TrimSpace(rule), "RRULE:")
	if body == "" {
		return Rule{}, malformed("the rule is empty")
	}
	if strings.ContainsAny(body, "\r\n") {
		return Rule{}, malformed("recurrence must be a single RRULE line")
	}
	// rrule-go keeps the last of repeated parts and forgets how UNTIL was
	// written; RFC 5545 allows each part once, and UNTIL's form decides
	// the zone it is read in.
	raw := map[string]string{}
	for _, part := range strings.Split(body, ";") {
		k, v, _ := strings.Cut(part, "=")
		if _, dup := raw[k]; dup {
			return Rule{}, malformed("%s appears twice", k)
		}
		raw[k] = v
	}
	opt, err := rrule.StrToROption(body)
	if err != nil {
		return Rule{}, malformed("%v", err)
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return Rule{}, malformed("%v", err)
	}
	has := func(k string) bool { _, ok := raw[k]; return ok }
	part := func(k string) string { return k + "=" + raw[k] }

	if has("DTSTART") {
		return Rule{}, unsupported("DTSTART", "the booking's start is the start of the series (Google refuses DTSTART in a recurrence)")
	}
	if has("INTERVAL") && opt.Interval < 1 {
		return Rule{}, malformed("INTERVAL must be a positive number")
	}
	if opt.Interval > MaxInterval {
		return Rule{}, unsupported(part("INTERVAL"), "the interval is at most %d", MaxInterval)
	}
	if has("COUNT") && opt.Count < 1 {
		return Rule{}, malformed("COUNT must be a positive number")
	}
	if has("COUNT") && has("UNTIL") {
		return Rule{}, malformed("COUNT and UNTIL exclude each other")
	}
	switch opt.Freq {
	case rrule.HOURLY, rrule.MINUTELY, rrule.SECONDLY:
		return Rule{}, unsupported(part("FREQ"), withinADay)
	}
	for _, k := range []string{"BYHOUR", "BYMINUTE", "BYSECOND"} {
		if has(k) {
			return Rule{}, unsupported(k, withinADay)
		}
	}
	switch {
	case has("BYWEEKNO"):
		return Rule{}, unsupported("BYWEEKNO", "Outlook calendars cannot repeat in numbered weeks of the year; use FREQ=WEEKLY with INTERVAL")
	case has("BYYEARDAY"):
		return Rule{}, unsupported("BYYEARDAY", "Outlook calendars cannot repeat on numbered days of the year; use BYMONTH with BYMONTHDAY")
	case has("BYEASTER"):
		return Rule{}, unsupported("BYEASTER", "Outlook calendars cannot repeat relative to Easter")
	}

	r := Rule{Interval: max(opt.Interval, 1), Count: opt.Count}
	if has("UNTIL") {
		r.Until = &Until{Kind: UntilLocal, At: opt.Until}
		switch v := raw["UNTIL"]; {
		case len(v) == len("20060102"):
			r.Until.Kind = UntilDate
		case strings.HasSuffix(v, "Z"):
			r.Until.Kind = UntilUTC
		}
	}
	plainDays := func(freq string) ([]time.Weekday, error) {
		days := make([]time.Weekday, 0, len(opt.Byweekday))
		for _, d := range opt.Byweekday {
			if d.N() != 0 {
				return nil, unsupported(part("BYDAY"), "a numbered weekday belongs in a monthly or yearly rule, not a %s one", freq)
			}
			days = append(days, weekday(d))
		}
		return days, nil
	}
	onlyIn := func(freq string) error {
		switch {
		case has("BYMONTH"):
			return unsupported("BYMONTH", "Outlook calendars cannot limit a %s rule to some months; use FREQ=YEARLY", freq)
		case has("BYMONTHDAY"):
			return unsupported("BYMONTHDAY", "Outlook calendars cannot limit a %s rule to days of the month; use FREQ=MONTHLY", freq)
		case has("BYSETPOS"):
			return unsupported("BYSETPOS", "Outlook calendars take BYSETPOS only in monthly and yearly rules")
		}
		return nil
	}
	switch opt.Freq {
	case rrule.DAILY:
		if err := onlyIn("daily"); err != nil {
			return Rule{}, err
		}
		if !has("BYDAY") {
			r.Pattern = Daily
			break
		}
		days, err := plainDays("daily")
		if err != nil {
			return Rule{}, err
		}
		if r.Interval != 1 {
			return Rule{}, unsupported(part("INTERVAL")+" with BYDAY", "Outlook calendars cannot repeat every %d days on chosen weekdays; use FREQ=WEEKLY", r.Interval)
		}
		r.Pattern, r.Days = Weekly, days
	case rrule.WEEKLY:
		if err := onlyIn("weekly"); err != nil {
			return Rule{}, err
		}
		days, err := plainDays("weekly")
		if err != nil {
			return Rule{}, err
		}
		wkst := weekday(opt.Wkst)
		r.Pattern, r.Days, r.FirstDayOfWeek = Weekly, days, &wkst
	case rrule.MONTHLY:
		if has("BYMONTH") {
			return Rule{}, unsupported("BYMONTH", "Outlook calendars cannot limit a monthly rule to some months; create one yearly booking per month")
		}
		if err := r.dayInMonth(opt, raw); err != nil {
			return Rule{}, err
		}
		r.Pattern = AbsoluteMonthly
		if r.Index != 0 {
			r.Pattern = RelativeMonthly
		}
	case rrule.YEARLY:
		if len(opt.Bymonth) > 1 {
			return Rule{}, unsupported(part("BYMONTH"), "Outlook calendars repeat a yearly rule in one month; create one booking per month")
		}
		if len(opt.Bymonth) == 1 {
			r.Month = time.Month(opt.Bymonth[0])
		} else if has("BYDAY") {
			return Rule{}, unsupported("BYDAY without BYMONTH", "a yearly rule then counts weekdays through the whole year, which Outlook calendars cannot; add BYMONTH")
		} else if has("BYMONTHDAY") {
			return Rule{}, unsupported("BYMONTHDAY without BYMONTH", "a yearly rule then repeats in every month; use FREQ=MONTHLY or add BYMONTH")
		}
		if err := r.dayInMonth(opt, raw); err != nil {
			return Rule{}, err
		}
		r.Pattern = AbsoluteYearly
		if r.Index != 0 {
			r.Pattern = RelativeYearly
		}
	default:
		return Rule{}, unsupported(part("FREQ"), "Outlook calendars repeat daily, weekly, monthly or yearly")
	}
	return r, nil
}

// dayInMonth reads the day within the month of a monthly or yearly rule:
// one BYMONTHDAY (absolute, DayOfMonth), BYDAY with an ordinal or plain
// BYDAY with BYSETPOS (relative, Days and Index), or neither (absolute on
// the start's day).
func (r *Rule) dayInMonth(opt *rrule.ROption, raw map[string]string) error {
	part := func(k string) string { return k + "=" + raw[k] }
	switch {
	case len(opt.Bymonthday) > 0:
		switch {
		case len(opt.Byweekday) > 0:
			return unsupported("BYMONTHDAY with BYDAY", "Outlook calendars cannot combine a day of the month with weekdays")
		case len(opt.Bysetpos) > 0:
			return unsupported("BYSETPOS with BYMONTHDAY", "Outlook calendars take BYSETPOS only with weekdays")
		case len(opt.Bymonthday) > 1:
			return unsupported(part("BYMONTHDAY"), "Outlook calendars repeat on one day of the month; create one booking per day")
		case opt.Bymonthday[0] < 0:
			return unsupported(part("BYMONTHDAY"), "Outlook calendars count days from the start of the month only")
		}
		r.DayOfMonth = opt.Bymonthday[0]
	case len(opt.Byweekday) > 0:
		if len(opt.Bysetpos) > 1 {
			return unsupported(part("BYSETPOS"), "Outlook calendars take one position in the month")
		}
		index := 0
		if len(opt.Bysetpos) == 1 {
			index = opt.Bysetpos[0]
		}
		for _, d := range opt.Byweekday {
			switch {
			case len(opt.Bysetpos) == 1 && d.N() != 0:
				return unsupported("BYDAY with BYSETPOS", "use plain weekdays with BYSETPOS, or one numbered weekday without it")
			case len(opt.Bysetpos) == 0 && d.N() == 0:
				return unsupported(part("BYDAY"), "Outlook calendars cannot repeat on every %s of the month; number it (such as 2TU or -1FR) or use FREQ=WEEKLY", weekday(d))
			case len(opt.Bysetpos) == 0 && len(opt.Byweekday) > 1:
				return unsupported(part("BYDAY"), "Outlook calendars repeat on one numbered weekday of the month; create one booking per weekday")
			}
			if len(opt.Bysetpos) == 0 {
				index = d.N()
			}
			r.Days = append(r.Days, weekday(d))
		}
		if index < -1 || index > 4 {
			which := part("BYDAY")
			if len(opt.Bysetpos) == 1 {
				which = part("BYSETPOS")
			}
			return unsupported(which, "Outlook calendars count weekdays of the month as first to fourth, or last, only")
		}
		r.Index = index
	case len(opt.Bysetpos) > 0:
		return unsupported("BYSETPOS without BYDAY", "Outlook calendars take BYSETPOS only with weekdays")
	}
	return nil
}

// On returns the rule with what it leaves to the series start filled in
// from start (a wall clock in the event's zone): a Weekly rule's weekday,
// an absolute rule's day of the month, a yearly rule's month.
func (r Rule) On(start time.Time) Rule {
	switch r.Pattern {
	case Weekly:
		if len(r.Days) == 0 {
			r.Days = []time.Weekday{start.Weekday()}
		}
	case AbsoluteMonthly, AbsoluteYearly:
		if r.DayOfMonth == 0 {
			r.DayOfMonth = start.Day()
		}
	}
	if (r.Pattern == AbsoluteYearly || r.Pattern == RelativeYearly) && r.Month == 0 {
		r.Month = start.Month()
	}
	return r
}

// weekday converts rrule-go's weekday (Monday first) to time's.
func weekday(d rrule.Weekday) time.Weekday {
	return time.Weekday((d.Day() + 1) % 7)
}
