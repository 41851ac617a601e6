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
