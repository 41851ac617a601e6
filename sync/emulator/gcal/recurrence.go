package gcal

import (
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// series is the parsed recurrence of a master event.
type series struct {
	set *rrule.Set
}

// maxIterations bounds one expansion so a rule like FREQ=SECONDLY cannot
// stall a request.
const maxIterations = 200000

// buildSeries parses RRULE/RDATE/EXDATE lines (EXRULE is accepted and
// ignored, as rrule-go has no support for it) anchored at start.
func buildSeries(lines []any, start, end when) (s *series, apiErr *Error) {
	defer func() {
		if r := recover(); r != nil {
			s, apiErr = nil, errInvalid("Invalid recurrence rule.")
		}
	}()
	set := &rrule.Set{}
	dtstart := start.t.In(start.loc)
	haveRule := false
	for _, l := range lines {
		line := strings.TrimSpace(l.(string))
		name, rest, ok := splitRecurrenceLine(line)
		if !ok {
			return nil, errInvalid("Invalid recurrence rule.")
		}
		switch name {
		case "RRULE":
			if haveRule {
				return nil, errInvalid("Invalid recurrence rule.")
			}
			opt, err := rrule.StrToROptionInLocation(strings.TrimPrefix(rest, ":"), start.loc)
			if err != nil {
				return nil, errInvalid("Invalid recurrence rule.")
			}
			opt.Dtstart = dtstart
			r, err := rrule.NewRRule(*opt)
			if err != nil {
				return nil, errInvalid("Invalid recurrence rule.")
			}
			set.RRule(r)
			haveRule = true
		case "RDATE", "EXDATE":
			ts, err := rrule.StrToDatesInLoc(strings.TrimLeft(rest, ";:"), start.loc)
			if err != nil {
				return nil, errInvalid("Invalid recurrence rule.")
			}
			for _, t := range ts {
				if name == "RDATE" {
					set.RDate(t)
				} else {
					set.ExDate(t)
				}
			}
		case "EXRULE":
		default:
			return nil, errInvalid("Invalid recurrence rule.")
		}
	}
	set.DTStart(dtstart)
	if !haveRule {
		// RDATE-only recurrences include the start itself.
		set.RDate(dtstart)
	}
	return &series{set: set}, nil
}

func splitRecurrenceLine(line string) (name, rest string, ok bool) {
	i := strings.IndexAny(line, ":;")
	if i <= 0 {
		return "", "", false
	}
	return strings.ToUpper(line[:i]), line[i:], true
}

// each calls fn for every occurrence start of the series whose occurrence
// [t, endFor(t)) ends after from and starts before to, in order, until fn
// returns false. Library panics on odd rules end the expansion.
func (ev *event) eachOccurrence(from, to time.Time, fn func(t time.Time) bool) {
	if ev.series == nil {
		return
	}
	defer func() { _ = recover() }()
	next := ev.series.set.Iterator()
	for i := 0; i < maxIterations; i++ {
		t, ok := next()
		if !ok || !t.Before(to) {
			return
		}
		if !overlaps(t, ev.endFor(t), from, to) {
			continue
		}
		if !fn(t) {
			return
		}
	}
}

// hasOccurrence reports whether the series has an occurrence starting at t.
func (ev *event) hasOccurrence(t time.Time) bool {
	found := false
	ev.eachOccurrence(t.Add(-time.Second), t.Add(time.Second), func(o time.Time) bool {
		if o.Equal(t) {
			found = true
			return false
		}
		return true
	})
	return found
}

// instanceID is the id Google gives an occurrence: the series id, "_" and
// the original start (a date for all-day series, UTC date-time otherwise).
func instanceID(master *event, t time.Time) string {
	if master.start.allDay {
		return master.ID + "_" + t.In(master.start.loc).Format("20060102")
	}
	return master.ID + "_" + t.UTC().Format("20060102T150405Z")
}

// parseInstanceID splits an instance id into the series id and the
// original start.
func parseInstanceID(id string, loc func(masterID string) (*time.Location, bool)) (string, time.Time, bool) {
	i := strings.LastIndexByte(id, '_')
	if i <= 0 || i == len(id)-1 {
		return "", time.Time{}, false
	}
	masterID, suffix := id[:i], id[i+1:]
	l, ok := loc(masterID)
	if !ok {
		return "", time.Time{}, false
	}
	var (
		t   time.Time
		err error
	)
	switch len(suffix) {
	case len("20060102"):
		t, err = time.ParseInLocation("20060102", suffix, l)
	case len("20060102T150405Z"):
		t, err = time.Parse("20060102T150405Z", suffix)
	default:
		err = fmt.Errorf("gcal: bad instance suffix %q", suffix)
	}
	if err != nil {
		return "", time.Time{}, false
	}
	return masterID, t, true
}

// overlaps reports whether [s, e) meets the window [from, to): Google's
// timeMin bounds the end (exclusive) and timeMax the start (exclusive). A
// zero-length event counts when it starts inside the window.
func overlaps(s, e, from, to time.Time) bool {
	if !to.IsZero() && !s.Before(to) {
		return false
	}
	if from.IsZero() {
		return true
	}
	return e.After(from) || (s.Equal(e) && !s.Before(from))
}

// occurrence is one expanded instance of a series: either generated from
// the master or replaced by a stored exception.
type occurrence struct {
	master    *event
	t         time.Time
	exception *event // nil when the instance is unmodified
}

func (o occurrence) id() string { return instanceID(o.master, o.t) }

// start and end of the occurrence as shown (the exception's own times when
// it moved).
func (o occurrence) span() (time.Time, time.Time) {
	if o.exception != nil && !o.exception.start.isZero() {
		return o.exception.start.t, o.exception.end.t
	}
	return o.t, o.master.endFor(o.t)
}

func (o occurrence) cancelled() bool { return o.exception != nil && isCancelled(o.exception) }

// expand lists the occurrences of master overlapping [from, to), with
// exceptions applied; moved exceptions are matched by their original start
// and filtered by their new times. At most limit occurrences are returned.
func expand(cal *calendarState, master *event, from, to time.Time, limit int) []occurrence {
	var out []occurrence
	// Scan a little wider than the window so exceptions moved into it
	// from outside are found; their own times are checked below.
	const slack = 31 * 24 * time.Hour
	master.eachOccurrence(from.Add(-slack), to.Add(slack), func(t time.Time) bool {
		o := occurrence{master: master, t: t, exception: cal.Events[instanceID(master, t)]}
		s, e := o.span()
		if overlaps(s, e, from, to) {
			out = append(out, o)
		}
		return len(out) < limit
	})
	return out
}
