package recurrence

import (
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Series is a recurring booking as its occurrences are computed.
type Series struct {
	// Rule is the RRULE text, with or without "RRULE:".
	Rule string
	// Start is the first occurrence's start; each occurrence lasts Length.
	Start  time.Time
	Length time.Duration
	// TimeZone is the IANA zone the rule is read in (all-day series: UTC,
	// where their midnights are kept).
	TimeZone string
	AllDay   bool
	// Exceptions are the starts of removed occurrences (all-day: by date).
	Exceptions []time.Time
}

// maxSteps bounds one expansion: a daily series stepped through from its
// start for three centuries.
const maxSteps = 100_000

// Occurrences returns the starts of the series's occurrences overlapping
// [from, to), in order: the RRULE (Parse's rules, the ones the providers
// receive) read from Start in the series's zone, less the exceptions. A
// date UNTIL includes its day, as the providers read it.
func (s Series) Occurrences(from, to time.Time) ([]time.Time, error) {
	body := strings.TrimPrefix(strings.TrimSpace(s.Rule), "RRULE:")
	rule, err := Parse(body)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if !s.AllDay {
		if l, err := time.LoadLocation(s.TimeZone); err == nil {
			loc = l
		}
	}
	opt, err := rrule.StrToROptionInLocation(body, loc)
	if err != nil {
		return nil, err
	}
	opt.Dtstart = s.Start.In(loc)
	if rule.Count == 0 && (rule.Pattern == Daily || rule.Pattern == Weekly) {
		// An endless daily or weekly series repeats whole periods: start
		// it at the last period before the window rather than step from a
		// start long ago (a series begun in 1800 would take its whole
		// step budget and never reach today). Whole days in the series's
		// zone keep the wall-clock time across DST.
		days := opt.Interval
		if days < 1 {
			days = 1
		}
		if rule.Pattern == Weekly {
			days *= 7
		}
		period := time.Duration(days) * 24 * time.Hour
		if skip := int(from.Sub(s.Start.Add(s.Length))/period) - 1; skip > 0 {
			opt.Dtstart = opt.Dtstart.AddDate(0, 0, skip*days)
		}
	}
	if u := rule.Until; u != nil {
		switch {
		case u.Kind == UntilDate:
			opt.Until = endOfDay(u.In(loc))
		case u.Kind == UntilUTC && s.AllDay:
			// An all-day series ends on UNTIL's date.
			opt.Until = endOfDay(u.At.UTC())
		default:
			opt.Until = u.In(loc)
		}
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, err
	}
	removed := map[string]bool{}
	for _, x := range s.Exceptions {
		removed[s.exceptionKey(x)] = true
	}
	next := r.Iterator()
	var out []time.Time
	for range maxSteps {
		t, ok := next()
		if !ok || !t.Before(to) {
			break
		}
		if t.Add(s.Length).After(from) && !removed[s.exceptionKey(t)] {
			out = append(out, t)
		}
	}
	return out, nil
}

// endOfDay is the last second of t's day, in t's zone.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location()).Add(-time.Second)
}

// exceptionKey identifies an occurrence an exception removes: the date for
// all-day series, the second otherwise.
func (s Series) exceptionKey(t time.Time) string {
	if s.AllDay {
		return t.UTC().Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339)
}
