package recurrence

import (
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

// TestOccurrencesFarFromTheStart: an endless series begun long ago is
// expanded at the window directly, keeping its wall-clock time across a
// DST change, and gives what stepping from the start gives.
func TestOccurrencesFarFromTheStart(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		name  string
		rule  string
		start time.Time
		want  int
	}{
		{"daily since 1800", "FREQ=DAILY", time.Date(1800, 1, 1, 9, 0, 0, 0, berlin), 8},
		{"every 3 days since 2000", "FREQ=DAILY;INTERVAL=3", time.Date(2000, 1, 1, 9, 0, 0, 0, berlin), 3},
		{"weekly Mon and Wed since 1900", "FREQ=WEEKLY;BYDAY=MO,WE", time.Date(1900, 1, 1, 9, 0, 0, 0, berlin), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Series{Rule: tc.rule, Start: tc.start, Length: time.Hour, TimeZone: "Europe/Berlin"}
			from := time.Date(2030, 3, 27, 0, 0, 0, 0, berlin)
			to := from.AddDate(0, 0, 8)
			got, err := s.Occurrences(from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("%d occurrences %v, want %d", len(got), got, tc.want)
			}
			for _, o := range got {
				if l := o.In(berlin); l.Hour() != 9 || l.Minute() != 0 {
					t.Errorf("occurrence at %v, want 09:00 Berlin time", l)
				}
			}
			// The same as rrule-go stepping from the start, 2030 minus 20
			// years of whole periods (21 days: of 1, 3 and 7 days).
			near := tc.start
			for near.Before(from.AddDate(-20, 0, 0)) {
				near = near.AddDate(0, 0, 21*500)
			}
			opt, err := rrule.StrToROptionInLocation(tc.rule, berlin)
			if err != nil {
				t.Fatal(err)
			}
			opt.Dtstart = near
			r, err := rrule.NewRRule(*opt)
			if err != nil {
				t.Fatal(err)
			}
			ref := r.Between(from.Add(-time.Hour), to, false)
			if len(ref) != len(got) {
				t.Fatalf("rrule-go gives %v", ref)
			}
			for i := range ref {
				if !ref[i].Equal(got[i]) {
					t.Errorf("occurrence %d: %v, stepping gives %v", i, got[i], ref[i])
				}
			}
		})
	}
}

// TestInstancesWithMovedOccurrences: a moved occurrence is listed where it
// takes place (in or out of the window by its new time, not its original
// one), the others where the rule puts them, by start; an exception
// removes a moved occurrence too.
func TestInstancesWithMovedOccurrences(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2030, 5, d, h, 0, 0, 0, time.UTC) }
	s := Series{Rule: "FREQ=DAILY;COUNT=5", Start: day(1, 9), Length: time.Hour, TimeZone: "UTC",
		Moved: []Moved{
			{Original: day(2, 9), Start: day(2, 7), End: day(2, 8)},   // earlier the same day
			{Original: day(4, 9), Start: day(4, 20), End: day(4, 22)}, // later and longer
			{Original: day(5, 9), Start: day(5, 9), End: day(5, 10)},  // moved back
		}}
	got, err := s.Instances(day(1, 0), day(6, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []Instance{
		{day(1, 9), day(1, 9), day(1, 10)},
		{day(2, 9), day(2, 7), day(2, 8)},
		{day(3, 9), day(3, 9), day(3, 10)},
		{day(4, 9), day(4, 20), day(4, 22)},
		{day(5, 9), day(5, 9), day(5, 10)},
	}
	if len(got) != len(want) {
		t.Fatalf("instances %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Original.Equal(want[i].Original) || !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("instance %d: %v, want %v", i, got[i], want[i])
		}
	}
	// By where they take place: the 4th's original time is in this window,
	// its new one is not; the 2nd's new time is.
	got, err = s.Instances(day(2, 6), day(4, 12))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Start.Equal(day(2, 7)) || !got[1].Start.Equal(day(3, 9)) {
		t.Fatalf("instances in a narrow window: %v", got)
	}
	s.Exceptions = []time.Time{day(4, 9)}
	got, _ = s.Instances(day(1, 0), day(6, 0))
	if len(got) != 4 {
		t.Fatalf("with the moved one removed: %v", got)
	}
	if ok, _ := s.IsOccurrence(day(4, 9)); ok {
		t.Error("a removed occurrence counts as one")
	}
	if ok, _ := s.IsOccurrence(day(3, 9)); !ok {
		t.Error("the 3rd occurrence does not count")
	}
	if ok, _ := s.IsOccurrence(day(3, 10)); ok {
		t.Error("a time between occurrences counts as one")
	}
	prev, next, err := s.Neighbours(day(3, 9), 30*24*time.Hour)
	if err != nil || !prev.Equal(day(2, 9)) || !next.Equal(day(5, 9)) {
		t.Fatalf("neighbours of the 3rd: %v %v %v (the 4th is removed)", prev, next, err)
	}
}

// TestEquivalent: rules are compared by what they give, not their words.
func TestEquivalent(t *testing.T) {
	start := time.Date(2030, 5, 6, 9, 0, 0, 0, time.UTC) // a Monday
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"FREQ=DAILY;COUNT=5", "RRULE:COUNT=5;FREQ=DAILY", true},
		{"FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;WKST=SU", true},
		{"FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO", true},
		{"FREQ=DAILY;COUNT=5", "FREQ=DAILY;UNTIL=20300510T090000Z", true},
		{"FREQ=DAILY;COUNT=5", "FREQ=DAILY;COUNT=3", false},
		{"FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=TU", false},
		{"FREQ=DAILY", "FREQ=DAILY;INTERVAL=2", false},
		{"FREQ=DAILY", "not a rule", false},
	} {
		if got := Equivalent(tc.a, tc.b, start, "Europe/Berlin"); got != tc.want {
			t.Errorf("Equivalent(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
