package engine

import (
	"slices"
	"strings"

	"calsync/internal/recurrence"
)

// MovedFields are what a moved occurrence is written with: its own time,
// and the series' content (an occurrence once changed no longer follows
// its series).
var MovedFields = []Field{FieldTitle, FieldDescription, FieldLocation, FieldTime, FieldBusy}

// RewritesMoved reports whether op leaves a series whose moved occurrences
// adapters must (re)write: a create, or an update that sent the rule or
// what the moved occurrences show.
func (op Op) RewritesMoved() bool {
	if strings.TrimSpace(op.Event.RRule) == "" || len(op.Event.Moved) == 0 {
		return false
	}
	switch {
	case op.Kind == OpCreate, op.Kind == OpUpdate && len(op.Fields) == 0:
		return true
	case op.Kind != OpUpdate:
		return false
	}
	return slices.ContainsFunc(op.Fields, func(f Field) bool { return f == FieldRecurrence || slices.Contains(MovedFields, f) })
}

// Occurrence is series ev's moved occurrence m as an event of its own:
// m's times and the series' content, without a rule.
func (ev Event) Occurrence(m recurrence.Moved) Event {
	ev.Start, ev.End = m.Start, m.End
	ev.RRule, ev.ExDates, ev.Moved = "", nil, nil
	return ev
}
