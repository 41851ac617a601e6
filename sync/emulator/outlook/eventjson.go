package outlook

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// decodeObject parses a request body that must be one JSON object.
func decodeObject(body []byte) (map[string]json.RawMessage, *graphError) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

func errConvert(raw json.RawMessage, typ string) *graphError {
	lit := strings.Trim(string(raw), `"`)
	if len(lit) > 80 {
		lit = lit[:80]
	}
	return errRequestBodyRead("Cannot convert the literal '%s' to the expected type '%s'.", lit, typ)
}

func errUnknownProperty(name, typ string) *graphError {
	return errRequestBodyRead("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", name, typ)
}

func errValidation(format string, args ...any) *graphError {
	return newGraphError(400, "ErrorPropertyValidationFailure", format, args...)
}

// eventReadOnly are event properties Graph defines but ignores on write.
var eventReadOnly = map[string]bool{
	"id": true, "changeKey": true, "createdDateTime": true, "lastModifiedDateTime": true,
	"iCalUId": true, "uid": true, "webLink": true, "bodyPreview": true, "type": true,
	"seriesMasterId": true, "isOrganizer": true, "organizer": true, "responseStatus": true,
	"hasAttachments": true, "occurrenceId": true, "originalStart": true, "isCancelled": true,
	"originalStartTimeZone": true, "originalEndTimeZone": true, "onlineMeeting": true,
	"onlineMeetingUrl": true, "isOnlineMeeting": true, "onlineMeetingProvider": true,
	"allowNewTimeProposals": true, "hideAttendees": true, "isDraft": true, "locations": true,
	"attachments": true, "extensions": true, "multiValueExtendedProperties": true,
	"instances": true, "calendar": true, "cancelledOccurrences": true, "exceptionOccurrences": true,
}

var validSensitivity = []string{"normal", "personal", "private", "confidential"}
var validShowAs = []string{"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"}
var validImportance = []string{"low", "normal", "high"}

// dtInput is a dateTimeTimeZone as the client sent it.
type dtInput struct {
	Wall time.Time // wall clock, in time.UTC as a carrier
	Zone string
	Loc  *time.Location
}

// eventPatch applies a JSON object of event properties to ev. creating
// allows transactionId; everything else follows PATCH semantics (only the
// properties present change).
func applyEventPatch(ev *storedEvent, fields map[string]json.RawMessage, creating bool) *graphError {
	var start, end *dtInput
	allDayChanged := false
	for name, raw := range fields {
		if strings.HasPrefix(name, "@") || strings.Contains(name, "@odata.") {
			continue
		}
		var gerr *graphError
		switch name {
		case "subject":
			gerr = decodeString(raw, &ev.Subject, "Edm.String")
		case "body":
			gerr = decodeBody(raw, &ev.Body)
		case "start":
			start, gerr = decodeDateTimeTZ(raw)
		case "end":
			end, gerr = decodeDateTimeTZ(raw)
		case "isAllDay":
			var v bool
			gerr = decodeBool(raw, &v)
			allDayChanged = v != ev.IsAllDay
			ev.IsAllDay = v
		case "location":
			gerr = decodeLocation(raw, &ev.Location)
		case "sensitivity":
			gerr = decodeEnum(raw, &ev.Sensitivity, validSensitivity, "microsoft.graph.sensitivity")
		case "showAs":
			gerr = decodeEnum(raw, &ev.ShowAs, validShowAs, "microsoft.graph.freeBusyStatus")
		case "importance":
			gerr = decodeEnum(raw, &ev.Importance, validImportance, "microsoft.graph.importance")
		case "isReminderOn":
			gerr = decodeBool(raw, &ev.IsReminderOn)
		case "responseRequested":
			gerr = decodeBool(raw, &ev.ResponseRequested)
		case "reminderMinutesBeforeStart":
			if isNull(raw) {
				break
			}
			if err := json.Unmarshal(raw, &ev.ReminderMinutes); err != nil || ev.ReminderMinutes < 0 {
				gerr = errConvert(raw, "Edm.Int32")
			}
		case "categories":
			var cats []string
			if !isNull(raw) {
				if err := json.Unmarshal(raw, &cats); err != nil {
					gerr = errConvert(raw, "Collection(Edm.String)")
				}
			}
			ev.Categories = cats
		case "transactionId":
			if creating {
				gerr = decodeString(raw, &ev.TransactionID, "Edm.String")
			}
		case "recurrence":
			if isNull(raw) {
				ev.Recurrence = nil
				break
			}
			var rec recurrence
			if err := json.Unmarshal(raw, &rec); err != nil {
				gerr = errConvert(raw, "microsoft.graph.patternedRecurrence")
				break
			}
			if gerr = normaliseRecurrence(&rec); gerr == nil {
				ev.Recurrence = &rec
			}
		case "singleValueExtendedProperties":
			gerr = decodeExtendedProps(raw, ev)
		case "attendees":
			var atts []attendee
			if !isNull(raw) {
				if err := json.Unmarshal(raw, &atts); err != nil {
					gerr = errConvert(raw, "Collection(microsoft.graph.attendee)")
				}
			}
			for i := range atts {
				if atts[i].Type == "" {
					atts[i].Type = "required"
				}
				atts[i].Status = &responseStatus{Response: "none", Time: "0001-01-01T00:00:00Z"}
			}
			ev.Attendees = atts
		default:
			if !eventReadOnly[name] {
				gerr = errUnknownProperty(name, "microsoft.graph.event")
			}
		}
		if gerr != nil {
			return gerr
		}
	}
	if creating && (start == nil || end == nil) {
		return errInvalidRequest("Your request can't be completed. The start and end properties of an event are required.")
	}
	return resolveTimes(ev, start, end, allDayChanged)
}

// resolveTimes turns the sent start/end into stored instants, checking the
// all-day rules Outlook enforces.
func resolveTimes(ev *storedEvent, start, end *dtInput, allDayChanged bool) *graphError {
	if start == nil && end == nil && !allDayChanged {
		return nil
	}
	// Re-express the current values as wall clocks when only part changes.
	if start == nil {
		start = currentWall(ev.Start, ev.StartTimeZone, ev.IsAllDay != allDayChanged)
	}
	if end == nil {
		end = currentWall(ev.End, ev.EndTimeZone, ev.IsAllDay != allDayChanged)
	}
	if ev.IsAllDay {
		if !isMidnight(start.Wall) || !isMidnight(end.Wall) {
			return errValidation("At least one property failed validation. The start and end of an all-day event must be at midnight.")
		}
		ev.Start, ev.End = start.Wall, end.Wall
	} else {
		ev.Start = wallIn(start.Wall, start.Loc).UTC()
		ev.End = wallIn(end.Wall, end.Loc).UTC()
	}
	ev.StartTimeZone, ev.EndTimeZone = start.Zone, end.Zone
	if ev.End.Before(ev.Start) {
		return errInvalidRequest("The end time of the event must not be before its start time.")
	}
	if ev.IsAllDay && !ev.End.After(ev.Start) {
		return errValidation("At least one property failed validation. An all-day event must last at least one day.")
	}
	return nil
}

// currentWall expresses a stored time as the wall clock of its zone.
// wasAllDay says how the stored time was kept.
func currentWall(t time.Time, zone string, wasAllDay bool) *dtInput {
	loc, ok := loadZone(zone)
	if !ok {
		loc = time.UTC
	}
	if wasAllDay {
		return &dtInput{Wall: t, Zone: zone, Loc: loc}
	}
	w := t.In(loc)
	return &dtInput{Wall: time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC), Zone: zone, Loc: loc}
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// wallIn reads a wall clock (carried in UTC) as a time in loc.
func wallIn(wall time.Time, loc *time.Location) time.Time {
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
}

func decodeString(raw json.RawMessage, dst *string, typ string) *graphError {
	if isNull(raw) {
		*dst = ""
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return errConvert(raw, typ)
	}
	return nil
}

func decodeBool(raw json.RawMessage, dst *bool) *graphError {
	if isNull(raw) {
		return errConvert(raw, "Edm.Boolean")
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return errConvert(raw, "Edm.Boolean")
	}
	return nil
}

func decodeEnum(raw json.RawMessage, dst *string, valid []string, typ string) *graphError {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return errConvert(raw, typ)
	}
	for _, v := range valid {
		if strings.EqualFold(v, s) {
			*dst = v
			return nil
		}
	}
	return errRequestBodyRead("The value '%s' is not valid for the enum type '%s'.", s, typ)
}

func decodeBody(raw json.RawMessage, dst *itemBody) *graphError {
	if isNull(raw) {
		*dst = itemBody{ContentType: "html"}
		return nil
	}
	var b struct {
		ContentType *string `json:"contentType"`
		Content     *string `json:"content"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return errConvert(raw, "microsoft.graph.itemBody")
	}
	if b.ContentType != nil {
		switch strings.ToLower(*b.ContentType) {
		case "text":
			dst.ContentType = "text"
		case "html":
			dst.ContentType = "html"
		default:
			return errRequestBodyRead("The value '%s' is not valid for the enum type 'microsoft.graph.bodyType'.", *b.ContentType)
		}
	}
	if b.Content != nil {
		dst.Content = *b.Content
	}
	if dst.ContentType == "" {
		dst.ContentType = "text"
	}
	return nil
}

func decodeLocation(raw json.RawMessage, dst *string) *graphError {
	if isNull(raw) {
		*dst = ""
		return nil
	}
	var l struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return errConvert(raw, "microsoft.graph.location")
	}
	*dst = l.DisplayName
	return nil
}

// dateTime layouts Graph accepts in a dateTimeTimeZone.
var dateTimeLayouts = []string{
	"2006-01-02T15:04:05.9999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

func decodeDateTimeTZ(raw json.RawMessage) (*dtInput, *graphError) {
	var v struct {
		DateTime *string `json:"dateTime"`
		TimeZone *string `json:"timeZone"`
	}
	if isNull(raw) {
		return nil, errInvalidRequest("The start and end properties of an event cannot be null.")
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, errConvert(raw, "microsoft.graph.dateTimeTimeZone")
	}
	zone := ""
	if v.TimeZone != nil {
		zone = *v.TimeZone
	}
	loc, ok := loadZone(zone)
	if !ok {
		return nil, errTimeZone(zone)
	}
	if zone == "" {
		zone = "UTC"
	}
	if v.DateTime == nil {
		return nil, errInvalidRequest("The dateTime property of a dateTimeTimeZone is required.")
	}
	wall, ok := parseWall(*v.DateTime, loc)
	if !ok {
		return nil, errConvert(json.RawMessage(`"`+*v.DateTime+`"`), "Edm.DateTime")
	}
	return &dtInput{Wall: wall, Zone: zone, Loc: loc}, nil
}

// parseWall reads a dateTime string as a wall clock in loc. A string with
// an explicit offset is converted into loc first.
func parseWall(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		w := t.In(loc)
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC), true
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// extPropTypes are the MAPI property types Graph accepts in an extended
// property id ("String {guid} Name foo", "Integer 0x1234", ...).
var extPropTypes = []string{"String", "Integer", "Boolean", "Binary", "SystemTime", "Short", "Long", "Double", "Float", "Currency", "CLSID", "Object", "ApplicationTime", "Error", "Null"}

func decodeExtendedProps(raw json.RawMessage, ev *storedEvent) *graphError {
	if isNull(raw) {
		return nil
	}
	var props []struct {
		ID    *string `json:"id"`
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(raw, &props); err != nil {
		return errConvert(raw, "Collection(microsoft.graph.singleValueLegacyExtendedProperty)")
	}
	for _, p := range props {
		if p.ID == nil || !validExtPropID(*p.ID) {
			id := ""
			if p.ID != nil {
				id = *p.ID
			}
			return newGraphError(400, "ErrorInvalidExtendedPropertyValue", "The extended property id '%s' is not valid.", id)
		}
		val := ""
		if p.Value != nil {
			val = *p.Value
		}
		replaced := false
		for i := range ev.ExtendedProps {
			if strings.EqualFold(ev.ExtendedProps[i].ID, *p.ID) {
				ev.ExtendedProps[i].Value = val
				replaced = true
			}
		}
		if !replaced {
			ev.ExtendedProps = append(ev.ExtendedProps, extendedProp{ID: *p.ID, Value: val})
		}
	}
	return nil
}

var extPropIDPattern = regexp.MustCompile(`^(?i:[a-z]+) (\{[0-9a-fA-F-]{36}\} (Name .+|Id 0x[0-9a-fA-F]+)|0x[0-9a-fA-F]+)$`)

func validExtPropID(id string) bool {
	typ, _, ok := strings.Cut(id, " ")
	if !ok || !extPropIDPattern.MatchString(id) {
		return false
	}
	for _, t := range extPropTypes {
		if strings.EqualFold(t, typ) {
			return true
		}
	}
	return false
}
