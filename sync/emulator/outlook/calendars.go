package outlook

import (
	"net/http"
	"strings"
)

// mailboxOpLocked routes /calendars, /calendar, /events and /calendarView
// of user u. The caller holds e.mu.
func (e *Emulator) mailboxOpLocked(c *call, u *account, rest []string) (*response, *graphError) {
	switch rest[0] {
	case "calendars":
		if len(rest) == 1 {
			switch c.r.Method {
			case http.MethodGet:
				return e.listCalendarsLocked(c, u)
			case http.MethodPost:
				return e.postCalendarLocked(c, u)
			}
			return nil, errMethod(c.r.Method)
		}
		cal, gerr := findCalendar(u, rest[1])
		if gerr != nil {
			return nil, gerr
		}
		if len(rest) == 2 {
			return e.calendarItemLocked(c, u, cal)
		}
		return e.calendarScopedLocked(c, u, cal, rest[2:], true)
	case "calendar":
		cal := u.Calendars[u.DefaultCalendarID]
		if len(rest) == 1 {
			return e.calendarItemLocked(c, u, cal)
		}
		return e.calendarScopedLocked(c, u, cal, rest[1:], true)
	case "events", "calendarView":
		return e.calendarScopedLocked(c, u, u.Calendars[u.DefaultCalendarID], rest, false)
	}
	return nil, errSegment(rest[0])
}

// calendarScopedLocked serves events, events/{id}, events/{id}/instances,
// calendarView and calendarView/delta of one calendar. scoped says the
// path named the calendar, so event ids must belong to it.
func (e *Emulator) calendarScopedLocked(c *call, u *account, cal *calendarFolder, rest []string, scoped bool) (*response, *graphError) {
	get := c.r.Method == http.MethodGet
	switch {
	case rest[0] == "events" && len(rest) == 1:
		switch c.r.Method {
		case http.MethodGet:
			return e.listEventsLocked(c, u, cal)
		case http.MethodPost:
			return e.postEventLocked(c, u, cal)
		}
		return nil, errMethod(c.r.Method)
	case rest[0] == "events" && len(rest) >= 2:
		scope := ""
		if scoped {
			scope = cal.ID
		}
		ref, gerr := findEvent(u, rest[1], scope)
		if gerr != nil {
			return nil, gerr
		}
		if len(rest) == 2 {
			switch c.r.Method {
			case http.MethodGet:
				return e.getEventLocked(c, u, ref)
			case http.MethodPatch:
				return e.patchEventLocked(c, u, ref)
			case http.MethodDelete:
				return e.deleteEventLocked(c, u, ref)
			}
			return nil, errMethod(c.r.Method)
		}
		if len(rest) == 3 && rest[2] == "instances" && get {
			return e.instancesLocked(c, u, ref)
		}
		return nil, errSegment(rest[len(rest)-1])
	case rest[0] == "calendarView" && len(rest) == 1 && get:
		return e.calendarViewLocked(c, u, cal)
	case rest[0] == "calendarView" && len(rest) == 2 && isDeltaSegment(rest[1]) && get:
		return e.deltaLocked(c, u, cal)
	case rest[0] == "calendarView" || rest[0] == "events":
		if !get && len(rest) <= 2 {
			return nil, errMethod(c.r.Method)
		}
	}
	return nil, errSegment(rest[len(rest)-1])
}

// isDeltaSegment accepts the spellings of the delta function: delta,
// delta() (what msgraph-sdk-go sends) and microsoft.graph.delta[()].
func isDeltaSegment(s string) bool {
	s = strings.TrimSuffix(s, "()")
	return s == "delta" || s == "microsoft.graph.delta"
}

// findCalendar resolves a calendar id of u.
func findCalendar(u *account, id string) (*calendarFolder, *graphError) {
	if cal := u.Calendars[id]; cal != nil {
		return cal, nil
	}
	if p, ok := parseItemID(id); !ok || p.Kind != idKindCalendar {
		return nil, errIDMalformed()
	}
	return nil, errItemNotFound()
}

type calendarJSON struct {
	ODataContext                  string       `json:"@odata.context,omitempty"`
	ID                            string       `json:"id"`
	Name                          string       `json:"name"`
	Color                         string       `json:"color"`
	HexColor                      string       `json:"hexColor"`
	IsDefaultCalendar             bool         `json:"isDefaultCalendar"`
	ChangeKey                     string       `json:"changeKey"`
	CanShare                      bool         `json:"canShare"`
	CanViewPrivateItems           bool         `json:"canViewPrivateItems"`
	CanEdit                       bool         `json:"canEdit"`
	AllowedOnlineMeetingProviders []string     `json:"allowedOnlineMeetingProviders"`
	DefaultOnlineMeetingProvider  string       `json:"defaultOnlineMeetingProvider"`
	IsTallyingResponses           bool         `json:"isTallyingResponses"`
	IsRemovable                   bool         `json:"isRemovable"`
	Owner                         emailAddress `json:"owner"`
}

// renderCalendar is Graph's calendar representation.
func renderCalendar(u *account, cal *calendarFolder) calendarJSON {
	return calendarJSON{
		ID: cal.ID, Name: cal.Name, Color: cal.Color, HexColor: "", IsDefaultCalendar: cal.IsDefault,
		ChangeKey: cal.ChangeKey, CanShare: true, CanViewPrivateItems: true, CanEdit: true,
		AllowedOnlineMeetingProviders: []string{"teamsForBusiness"}, DefaultOnlineMeetingProvider: "teamsForBusiness",
		IsTallyingResponses: true, IsRemovable: !cal.IsDefault,
		Owner: emailAddress{Name: u.DisplayName, Address: u.Mail},
	}
}

func userPath(u *account) string { return "users('" + u.ID + "')" }

// listCalendarsLocked serves GET .../calendars.
func (e *Emulator) listCalendarsLocked(c *call, u *account) (*response, *graphError) {
	lq, gerr := parseListQuery(c.query)
	if gerr != nil {
		return nil, gerr
	}
	cals := sortedCalendars(u)
	total := len(cals)
	page := 10
	if lq.Top > 0 {
		page = lq.Top
	}
	from := min(lq.Skip, total)
	to := min(from+page, total)
	items := make([]any, 0, to-from)
	for _, cal := range cals[from:to] {
		v, err := applySelect(renderCalendar(u, cal), lq.Select)
		if err != nil {
			return nil, errBadRequest("Invalid $select.")
		}
		items = append(items, v)
	}
	body := map[string]any{"@odata.context": c.odataContext(userPath(u) + "/calendars"), "value": items}
	if to < total {
		body["@odata.nextLink"] = pageLink(c, to)
	}
	if lq.Count {
		body["@odata.count"] = total
	}
	return jsonResponse(http.StatusOK, body), nil
}

// postCalendarLocked creates a calendar from {name[, color]}.
func (e *Emulator) postCalendarLocked(c *call, u *account) (*response, *graphError) {
	fields, gerr := decodeObject(c.body)
	if gerr != nil {
		return nil, gerr
	}
	var name, color string
	for k, raw := range fields {
		switch {
		case strings.HasPrefix(k, "@"):
		case k == "name":
			if gerr := decodeString(raw, &name, "Edm.String"); gerr != nil {
				return nil, gerr
			}
		case k == "color":
			if gerr := decodeString(raw, &color, "microsoft.graph.calendarColor"); gerr != nil {
				return nil, gerr
			}
		case k == "hexColor" || k == "isDefaultCalendar" || k == "id" || k == "changeKey" || k == "owner":
		default:
			return nil, errUnknownProperty(k, "microsoft.graph.calendar")
		}
	}
	cal, gerr := e.createCalendarLocked(u, name)
	if gerr != nil {
		return nil, gerr
	}
	if color != "" {
		cal.Color = color
	}
	out := renderCalendar(u, cal)
	out.ODataContext = c.odataContext(userPath(u) + "/calendars/$entity")
	return jsonResponse(http.StatusCreated, out), nil
}

// createCalendarLocked adds a calendar; names are unique per mailbox.
func (e *Emulator) createCalendarLocked(u *account, name string) (*calendarFolder, *graphError) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, errInvalidRequest("The calendar name must not be empty.")
	}
	for _, c := range u.Calendars {
		if strings.EqualFold(c.Name, name) {
			return nil, newGraphError(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
		}
	}
	cal := &calendarFolder{ID: newCalendarID(), Name: name, Color: "auto", ChangeKey: newChangeKey(), Created: e.clock.Now().UTC(), Events: map[string]*storedEvent{}}
	u.Calendars[cal.ID] = cal
	return cal, nil
}

// calendarItemLocked serves GET, PATCH and DELETE of one calendar.
func (e *Emulator) calendarItemLocked(c *call, u *account, cal *calendarFolder) (*response, *graphError) {
	switch c.r.Method {
	case http.MethodGet:
		out := renderCalendar(u, cal)
		out.ODataContext = c.odataContext(userPath(u) + "/calendars/$entity")
		v, err := applySelect(out, parseSelect(queryParam(c.query, "select")))
		if err != nil {
			return nil, errBadRequest("Invalid $select.")
		}
		return jsonResponse(http.StatusOK, v), nil
	case http.MethodPatch:
		fields, gerr := decodeObject(c.body)
		if gerr != nil {
			return nil, gerr
		}
		for k, raw := range fields {
			switch k {
			case "name":
				var name string
				if gerr := decodeString(raw, &name, "Edm.String"); gerr != nil {
					return nil, gerr
				}
				if strings.TrimSpace(name) == "" {
					return nil, errInvalidRequest("The calendar name must not be empty.")
				}
				cal.Name = strings.TrimSpace(name)
			case "color":
				if gerr := decodeString(raw, &cal.Color, "microsoft.graph.calendarColor"); gerr != nil {
					return nil, gerr
				}
			default:
				if !strings.HasPrefix(k, "@") {
					if _, known := map[string]bool{"hexColor": true, "isDefaultCalendar": true, "id": true, "changeKey": true, "owner": true, "canEdit": true, "canShare": true}[k]; !known {
						return nil, errUnknownProperty(k, "microsoft.graph.calendar")
					}
				}
			}
		}
		cal.ChangeKey = newChangeKey()
		out := renderCalendar(u, cal)
		out.ODataContext = c.odataContext(userPath(u) + "/calendars/$entity")
		return jsonResponse(http.StatusOK, out), nil
	case http.MethodDelete:
		if cal.IsDefault {
			return nil, newGraphError(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.")
		}
		for _, ev := range cal.Events {
			e.forgetEventLocked(u, ev)
			e.changedLocked(u, cal.ID, ev.ID, "deleted")
		}
		delete(u.Calendars, cal.ID)
		return noContentResponse(), nil
	}
	return nil, errMethod(c.r.Method)
}
