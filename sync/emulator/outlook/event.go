package outlook

import (
	"slices"
	"time"
)

// storedEvent is an event as the mailbox stores it: a single instance, a series
// master (Recurrence set) or, inside a master's Exceptions, a modified
// occurrence.
type storedEvent struct {
	ID                string                  `json:"id"`
	CalendarID        string                  `json:"calendarId"`
	Subject           string                  `json:"subject"`
	Body              itemBody                `json:"body"`
	Start             time.Time               `json:"start"` // UTC instant; for all-day events the date at 00:00 UTC
	End               time.Time               `json:"end"`
	StartTimeZone     string                  `json:"startTimeZone"`
	EndTimeZone       string                  `json:"endTimeZone"`
	IsAllDay          bool                    `json:"isAllDay"`
	Location          string                  `json:"location"`
	Sensitivity       string                  `json:"sensitivity"`
	ShowAs            string                  `json:"showAs"`
	Importance        string                  `json:"importance"`
	IsCancelled       bool                    `json:"isCancelled"`
	IsReminderOn      bool                    `json:"isReminderOn"`
	ReminderMinutes   int                     `json:"reminderMinutesBeforeStart"`
	ResponseRequested bool                    `json:"responseRequested"`
	Categories        []string                `json:"categories"`
	TransactionID     string                  `json:"transactionId,omitempty"`
	ICalUID           string                  `json:"iCalUId"`
	ChangeKey         string                  `json:"changeKey"`
	Created           time.Time               `json:"created"`
	Modified          time.Time               `json:"modified"`
	Recurrence        *recurrence             `json:"recurrence,omitempty"`
	ExtendedProps     []extendedProp          `json:"singleValueExtendedProperties,omitempty"`
	Attendees         []attendee              `json:"attendees,omitempty"`
	Exceptions        map[string]*storedEvent `json:"exceptions,omitempty"` // by occurrenceKey
	Cancelled         map[string]bool         `json:"cancelled,omitempty"`  // deleted occurrences, by occurrenceKey
	// OriginalStart and SeriesMasterID are set on exceptions only.
	OriginalStart  time.Time `json:"originalStart,omitzero"`
	SeriesMasterID string    `json:"seriesMasterId,omitempty"`
}

// itemBody is an event body.
type itemBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// extendedProp is a single-value extended property.
type extendedProp struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// attendee is an event attendee.
type attendee struct {
	Type         string          `json:"type"`
	EmailAddress emailAddress    `json:"emailAddress"`
	Status       *responseStatus `json:"status,omitempty"`
}

// emailAddress is a name and an address.
type emailAddress struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// responseStatus is an attendee's or the owner's response.
type responseStatus struct {
	Response string `json:"response"`
	Time     string `json:"time"`
}

// recurrence is Graph's patternedRecurrence, stored in its wire shape.
type recurrence struct {
	Pattern recurrencePattern `json:"pattern"`
	Range   recurrenceRange   `json:"range"`
}

// recurrencePattern is Graph's recurrencePattern.
type recurrencePattern struct {
	Type           string   `json:"type"`
	Interval       int      `json:"interval"`
	Month          int      `json:"month"`
	DayOfMonth     int      `json:"dayOfMonth"`
	DaysOfWeek     []string `json:"daysOfWeek"`
	FirstDayOfWeek string   `json:"firstDayOfWeek"`
	Index          string   `json:"index"`
}

// recurrenceRange is Graph's recurrenceRange.
type recurrenceRange struct {
	Type                string `json:"type"`
	StartDate           string `json:"startDate"`
	EndDate             string `json:"endDate"`
	RecurrenceTimeZone  string `json:"recurrenceTimeZone"`
	NumberOfOccurrences int    `json:"numberOfOccurrences"`
}

// eventType is Graph's event.type of a stored event.
func (ev *storedEvent) eventType() string {
	switch {
	case ev.SeriesMasterID != "":
		return "exception"
	case ev.Recurrence != nil:
		return "seriesMaster"
	default:
		return "singleInstance"
	}
}

// clone returns a deep copy, so an exception can start as a copy of its
// master and snapshots never share slices with live state.
func (ev *storedEvent) clone() *storedEvent {
	c := *ev
	c.Categories = slices.Clone(ev.Categories)
	c.ExtendedProps = slices.Clone(ev.ExtendedProps)
	c.Attendees = slices.Clone(ev.Attendees)
	if ev.Recurrence != nil {
		r := *ev.Recurrence
		r.Pattern.DaysOfWeek = slices.Clone(r.Pattern.DaysOfWeek)
		c.Recurrence = &r
	}
	c.Exceptions = nil
	if len(ev.Exceptions) > 0 {
		c.Exceptions = make(map[string]*storedEvent, len(ev.Exceptions))
		for k, x := range ev.Exceptions {
			c.Exceptions[k] = x.clone()
		}
	}
	c.Cancelled = nil
	if len(ev.Cancelled) > 0 {
		c.Cancelled = make(map[string]bool, len(ev.Cancelled))
		for k, v := range ev.Cancelled {
			c.Cancelled[k] = v
		}
	}
	return &c
}

// touch records a modification: a new change key and modification time.
func (ev *storedEvent) touch(now time.Time) {
	ev.ChangeKey = newChangeKey()
	ev.Modified = now
}

// instance is one item of a calendar view: a single event, an occurrence
// of a series, a modified occurrence (exception) or a series master.
type instance struct {
	ID            string
	Type          string
	Source        *storedEvent // the stored event whose fields it shows
	Master        *storedEvent // series master for occurrences and exceptions
	Start, End    time.Time
	OriginalStart time.Time
	CalendarID    string
}

// changeKey is what the instance's etag is made of.
func (in instance) changeKey() string {
	if in.Type == "occurrence" {
		return in.Master.ChangeKey
	}
	return in.Source.ChangeKey
}
