package domain

import (
	"testing"
	"time"
)

func TestEventVersionComparisons(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := EventVersion{Title: "Visit", Description: "Line one\nLine two", Start: at, End: at.Add(time.Hour)}
	b := a
	b.Description = "Line one\r\n  Line two \r\n"
	if !a.SameContent(b) {
		t.Error("a text body handed back with other line breaks counts as an edit")
	}
	b.Title = "Visit (moved)"
	if a.SameContent(b) {
		t.Error("a new title is not seen")
	}
	c := a
	c.Start = at.In(time.FixedZone("+02", 7200))
	if !a.SameTime(c) {
		t.Error("the same instant in another zone counts as a move")
	}
	c.End = c.End.Add(time.Minute)
	if a.SameTime(c) {
		t.Error("a longer event is not seen")
	}
	if Clip("ääää", 3) != "ä" || Clip("abc", 5) != "abc" {
		t.Errorf("Clip: %q %q", Clip("ääää", 3), Clip("abc", 5))
	}
}
