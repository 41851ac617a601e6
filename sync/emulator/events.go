package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// HeldEvent is an event as an emulated calendar holds it, in a form common
// to both providers (for tests and benchmarks that check outcomes).
type HeldEvent struct {
	ID          string
	Title       string
	Description string
	Start, End  time.Time
	// Tags are the private extended properties (Google) or the
	// single-value extended properties by name (Microsoft).
	Tags map[string]string
}

// GoogleEvents lists the non-deleted events of a Google calendar.
func (s *Server) GoogleEvents(calendarID string) ([]HeldEvent, error) {
	raws, err := s.Google.CalendarEvents(calendarID, false)
	if err != nil {
		return nil, err
	}
	return decodeHeld(raws)
}

// MicrosoftEvents lists the events of a user's Outlook calendar.
func (s *Server) MicrosoftEvents(user, calendarID string) ([]HeldEvent, error) {
	raws, err := s.Microsoft.ListEvents(user, calendarID)
	if err != nil {
		return nil, err
	}
	return decodeHeld(raws)
}

func decodeHeld(raws []json.RawMessage) ([]HeldEvent, error) {
	out := make([]HeldEvent, 0, len(raws))
	for _, raw := range raws {
		var e struct {
			ID, Summary, Subject, Status string
			Description                  string
			Body                         struct{ Content string }
			Start, End                   struct {
				DateTime string `json:"dateTime"`
				Date     string `json:"date"`
				TimeZone string `json:"timeZone"`
			}
			ExtendedProperties            struct{ Private map[string]string }
			SingleValueExtendedProperties []struct{ ID, Value string }
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("emulator: decode event: %w", err)
		}
		if e.Status == "cancelled" {
			continue
		}
		h := HeldEvent{ID: e.ID, Title: e.Summary + e.Subject, Description: e.Description + e.Body.Content, Tags: e.ExtendedProperties.Private}
		if h.Tags == nil {
			h.Tags = map[string]string{}
		}
		for _, p := range e.SingleValueExtendedProperties {
			// Graph ids look like "String {guid} Name calsyncBooking".
			h.Tags[p.ID[strings.LastIndex(p.ID, " ")+1:]] = p.Value
		}
		h.Start = parseWhen(e.Start.DateTime, e.Start.Date, e.Start.TimeZone)
		h.End = parseWhen(e.End.DateTime, e.End.Date, e.End.TimeZone)
		out = append(out, h)
	}
	return out, nil
}

// parseWhen reads Google's RFC 3339 dateTime or date, or Graph's local
// dateTime with its zone.
func parseWhen(dateTime, date, zone string) time.Time {
	if t, err := time.Parse(time.RFC3339, dateTime); err == nil {
		return t
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04:05.0000000", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, dateTime, loc); err == nil {
			return t
		}
	}
	t, _ := time.ParseInLocation("2006-01-02", date, loc)
	return t
}
