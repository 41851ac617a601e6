package domain

import "time"

// MovedOccurrence is one occurrence of a recurring booking that takes
// place elsewhere than its series puts it: OriginalStart names it (where
// the series puts it), StartAt and EndAt are where it is now.
type MovedOccurrence struct {
	OriginalStart time.Time `json:"originalStart"`
	StartAt       time.Time `json:"startAt"`
	EndAt         time.Time `json:"endAt"`
}

// MaxMovedOccurrences bounds how many occurrences of one booking may be
// moved.
const MaxMovedOccurrences = 500
