package gcal

import (
	"encoding/json"
	"strconv"
)

// writableEventFields are the Event fields a client may set (discovery
// document, Event schema, minus output-only fields). Others are dropped.
var writableEventFields = map[string]bool{
	"anyoneCanAddSelf": true, "attachments": true, "attendees": true, "attendeesOmitted": true,
	"birthdayProperties": true, "colorId": true, "conferenceData": true, "description": true,
	"end": true, "endTimeUnspecified": true, "eventType": true, "extendedProperties": true,
	"focusTimeProperties": true, "gadget": true, "guestsCanInviteOthers": true, "guestsCanModify": true,
	"guestsCanSeeOtherGuests": true, "location": true, "outOfOfficeProperties": true, "privateCopy": true,
	"recurrence": true, "reminders": true, "source": true, "start": true, "summary": true,
	"transparency": true, "visibility": true, "workingLocationProperties": true, "eventLabelId": true,
}

// eventInput is a validated client body.
type eventInput struct {
	body     map[string]any
	status   string // "" when not sent
	sequence int64  // -1 when not sent
}

// parseEventInput keeps the writable fields of a client Event body and
// reads status and sequence. keepNulls keeps explicit nulls, which a patch
// uses to clear fields. The result is validated by validateEventFields.
func parseEventInput(raw map[string]any, keepNulls bool) (eventInput, *Error) {
	in := eventInput{body: map[string]any{}, sequence: -1}
	for k, v := range raw {
		switch {
		case k == "status":
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok || (s != "confirmed" && s != "tentative" && s != "cancelled") {
				return in, errInvalid("Invalid value for status: "+jsonString(v)).at("parameter", "status")
			}
			in.status = s
		case k == "sequence":
			if v == nil {
				continue
			}
			f, ok := v.(float64)
			if !ok || f < 0 || f != float64(int64(f)) {
				return in, errInvalid("Invalid sequence value.")
			}
			in.sequence = int64(f)
		case writableEventFields[k] && (v != nil || keepNulls):
			in.body[k] = v
		}
	}
	return in, nil
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// validateEventFields checks the field types and the limits Google
// enforces on what the emulator interprets.
func validateEventFields(b map[string]any, exception bool) *Error {
	for _, k := range []string{"summary", "description", "location", "colorId", "transparency", "visibility", "eventType"} {
		if v, ok := b[k]; ok {
			if _, isStr := v.(string); !isStr {
				return errInvalid("Invalid value for: " + k)
			}
		}
	}
	if c, ok := b["colorId"].(string); ok && c != "" {
		if n, err := strconv.Atoi(c); err != nil || n < 1 || n > 11 {
			return errInvalid("Invalid color ID: " + c)
		}
	}
	if t, ok := b["transparency"].(string); ok && t != "opaque" && t != "transparent" {
		return errInvalid("Invalid transparency value: " + t)
	}
	if v, ok := b["visibility"].(string); ok {
		switch v {
		case "default", "public", "private", "confidential":
		default:
			return errInvalid("Invalid visibility value: " + v)
		}
	}
	if r, ok := b["recurrence"]; ok {
		lines, ok := r.([]any)
		if !ok {
			return errInvalid("Invalid recurrence rule.")
		}
		for _, l := range lines {
			if _, ok := l.(string); !ok {
				return errInvalid("Invalid recurrence rule.")
			}
		}
		if exception && len(lines) > 0 {
			return errInvalid("Invalid recurrence rule.")
		}
		if len(lines) == 0 {
			delete(b, "recurrence")
		}
	}
	if err := validateReminders(b["reminders"]); err != nil {
		return err
	}
	if err := validateExtendedProperties(b["extendedProperties"]); err != nil {
		return err
	}
	if a, ok := b["attendees"]; ok {
		list, ok := a.([]any)
		if !ok {
			return errInvalid("Invalid value for: attendees")
		}
		for _, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				return errInvalid("Invalid value for: attendees")
			}
			if em, _ := m["email"].(string); em == "" {
				return errRequired("Missing attendee email.")
			}
		}
	}
	return nil
}

func validateReminders(v any) *Error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errInvalid("Invalid value for: reminders")
	}
	useDefault, _ := m["useDefault"].(bool)
	overrides, _ := m["overrides"].([]any)
	if useDefault && len(overrides) > 0 {
		return newError(400, "calendar", "cannotUseDefaultRemindersAndSpecifyOverride",
			"Cannot specify both default reminders and overrides at the same time.")
	}
	if len(overrides) > 5 {
		return errInvalid("Too many reminders.")
	}
	for _, o := range overrides {
		om, ok := o.(map[string]any)
		if !ok {
			return errInvalid("Invalid value for: reminders.overrides")
		}
		method, _ := om["method"].(string)
		if method != "email" && method != "popup" {
			return errRequired("Missing reminder method.")
		}
		minutes, ok := om["minutes"].(float64)
		if !ok || minutes < 0 || minutes > 40320 {
			return errInvalid("Invalid reminder minutes.")
		}
	}
	return nil
}

// Limits from the extended-properties guide.
const (
	maxPropKey   = 44
	maxPropValue = 1024
	maxProps     = 300
	maxPropBytes = 32 * 1024
)

func validateExtendedProperties(v any) *Error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errInvalid("Invalid value for: extendedProperties")
	}
	count, size := 0, 0
	for _, scope := range []string{"private", "shared"} {
		raw, ok := m[scope]
		if !ok || raw == nil {
			continue
		}
		props, ok := raw.(map[string]any)
		if !ok {
			return errInvalid("Invalid value for: extendedProperties." + scope)
		}
		for k, pv := range props {
			if pv == nil {
				continue
			}
			s, ok := pv.(string)
			if !ok {
				return errInvalid("Invalid value for: extendedProperties." + scope + "." + k)
			}
			if len(k) > maxPropKey {
				return errInvalid("Extended property key too long: " + k)
			}
			if len(s) > maxPropValue {
				return errInvalid("Extended property value too long for key: " + k)
			}
			count++
			size += len(k) + len(s)
		}
	}
	if count > maxProps || size > maxPropBytes {
		return errInvalid("Too many extended properties.")
	}
	return nil
}
