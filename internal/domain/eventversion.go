package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"calsync/internal/recurrence"
)

// EventVersion is one side's version of a calendar event, as two-way sync
// compares them: what Calsync last agreed with the provider (on an event
// link), or either side of a conflict.
type EventVersion struct {
	Title       string    `json:"title"`
	Location    string    `json:"location,omitempty"`
	Description string    `json:"description,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	AllDay      bool      `json:"allDay,omitempty"`
	// Rule is a series' RRULE without "RRULE:"; "" for a single event, or
	// a series whose rule is not known (one Calsync cannot keep, or a
	// link recorded before rules were).
	Rule string `json:"rule,omitempty"`
	// Deleted: the event (or, on Calsync's side, the booking) is gone.
	Deleted bool `json:"deleted,omitempty"`
	// Occurrences are a series' cancelled and moved occurrences; nil when
	// not known (a single event, or a link recorded before they were
	// kept).
	Occurrences *SeriesOccurrences `json:"occurrences,omitempty"`
}

// SameTime reports whether v and o take the same time: the same start,
// end and, where both rules are known, equivalent rules.
func (v EventVersion) SameTime(o EventVersion) bool {
	return v.Start.Equal(o.Start) && v.End.Equal(o.End) && v.AllDay == o.AllDay && v.SameRule(o)
}

// SameRule reports whether v's and o's rules give the same occurrences
// (recurrence.Equivalent from v's start); an unknown rule is the same as
// any.
func (v EventVersion) SameRule(o EventVersion) bool {
	return v.Rule == "" || o.Rule == "" || recurrence.Equivalent(v.Rule, o.Rule, v.Start, "UTC")
}

// SameContent reports whether v and o have the same title, location and
// description, whitespace aside: providers hand text back with their own
// line breaks and spacing (Outlook's text bodies), which is not an edit.
func (v EventVersion) SameContent(o EventVersion) bool {
	same := func(a, b string) bool {
		return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
	}
	return same(v.Title, o.Title) && same(v.Location, o.Location) && same(v.Description, o.Description)
}

// Clip cuts s to at most n bytes on a rune boundary (for text from
// providers stored in bounded columns).
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
