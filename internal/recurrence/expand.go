package recurrence

import (
	"sort"
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
	// Moved are occurrences that take place elsewhere, by their original
	// start (occurrences of the series: checked when they are written).
	Moved []Moved
}

// Moved is one occurrence moved from Original (where the series puts it)
// to [Start, End).
type Moved struct {
	Original, Start, End time.Time
}

// Instance is one occurrence as it takes place: Original names it (where
// the series puts it), [Start, End) is where it is.
type Instance struct {
	Original, Start, End time.Time
}

// Instances returns the occurrences of the series that overlap [from, to)
// where they take place (moved ones at their new times), by start: the
// series' own occurrences (Occurrences) less the moved ones, and the moved
// ones not removed by an exception.
func (s Series) Instances(from, to time.Time) ([]Instance, error) {
	starts, err := s.Occurrences(from, to)
	if err != nil {
		return nil, err
	}
	moved := make(map[string]bool, len(s.Moved))
	for _, m := range s.Moved {
		moved[s.exceptionKey(m.Original)] = true
	}
	out := make([]Instance, 0, len(starts)+len(s.Moved))
	for _, t := range starts {
		if !moved[s.exceptionKey(t)] {
			out = append(out, Instance{Original: t, Start: t, End: t.Add(s.Length)})
		}
	}
	if len(s.Moved) > 0 {
		removed := map[string]bool{}
		for _, x := range s.Exceptions {
			removed[s.exceptionKey(x)] = true
		}
		for _, m := range s.Moved {
			overlaps := m.Start.Before(to) && (m.End.After(from) || (m.Start.Equal(m.End) && !m.Start.Before(from)))
			if overlaps && !removed[s.exceptionKey(m.Original)] {
				out = append(out, Instance{Original: m.Original, Start: m.Start, End: m.End})
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	}
	return out, nil
}

// IsOccurrence reports whether t is the start of an occurrence of the
// series (not removed by an exception).
func (s Series) IsOccurrence(t time.Time) (bool, error) {
	starts, err := s.Occurrences(t, t.Add(time.Second))
	if err != nil {
		return false, err
	}
	for _, x := range starts {
		if s.exceptionKey(x) == s.exceptionKey(t) {
			return true, nil
		}
	}
	return false, nil
}

// NeighbourReach is how far either side of an occurrence its neighbours
// are looked for: a yearly series' are a year away.
const NeighbourReach = 400 * 24 * time.Hour

// Neighbours returns the starts of the occurrences just before and just
// after the one starting at t (zero when there is none), looking at most
// span either side.
func (s Series) Neighbours(t time.Time, span time.Duration) (prev, next time.Time, err error) {
	starts, err := s.Occurrences(t.Add(-span), t.Add(span))
	if err != nil {
		return prev, next, err
	}
	key := s.exceptionKey(t)
	for _, x := range starts {
		switch k := s.exceptionKey(x); {
		case k == key:
		case x.Before(t):
			prev = x
		case next.IsZero():
			next = x
		}
	}
	return prev, next, nil
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

// sameRuleSpan and sameRuleCount bound how much of two rules Equivalent
// compares.
const (
	sameRuleSpan  = 2 * 366 * 24 * time.Hour
	sameRuleCount = 400
)

// Equivalent reports whether rules a and b (with or without "RRULE:")
// give the same occurrences from start, read in zone tz: the same text
// (parts in any order), or the same starts over two years (at most 400 of
// them) — a provider hands a rule back in its own words (Outlook's
// pattern read back as an RRULE). A rule that cannot be expanded is
// equivalent to none.
func Equivalent(a, b string, start time.Time, tz string) bool {
	norm := func(r string) string {
		parts := strings.Split(strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(r), "RRULE:")), ";")
		sort.Strings(parts)
		return strings.Join(parts, ";")
	}
	if norm(a) == norm(b) {
		return true
	}
	expand := func(r string) ([]time.Time, bool) {
		out, err := Series{Rule: r, Start: start, Length: time.Minute, TimeZone: tz}.Occurrences(start, start.Add(sameRuleSpan))
		if err != nil {
			return nil, false
		}
		return out[:min(len(out), sameRuleCount)], true
	}
	x, okA := expand(a)
	y, okB := expand(b)
	if !okA || !okB || len(x) != len(y) {
		return false
	}
	for i := range x {
		if !x[i].Equal(y[i]) {
			return false
		}
	}
	return true
}
