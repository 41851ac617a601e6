package outlook

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// renderOptions says how to show events to one request.
type renderOptions struct {
	Prefs     preferences
	Owner     *account
	BaseURL   string         // scheme://host of the request
	ExpandExt *extPropExpand // nil: no singleValueExtendedProperties
}

// extPropExpand is a parsed $expand=singleValueExtendedProperties(...).
type extPropExpand struct {
	IDs []string // empty: all
}

type dateTimeTZ struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

type locationJSON struct {
	DisplayName  string         `json:"displayName"`
	LocationType string         `json:"locationType"`
	UniqueID     *string        `json:"uniqueId,omitempty"`
	UniqueIDType string         `json:"uniqueIdType"`
	Address      map[string]any `json:"address,omitempty"`
}

type recipientJSON struct {
	EmailAddress emailAddress `json:"emailAddress"`
}

// eventJSON is Graph's event representation, field for field.
type eventJSON struct {
	ODataType                  string         `json:"@odata.type,omitempty"`
	ODataEtag                  string         `json:"@odata.etag"`
	ID                         string         `json:"id"`
	CreatedDateTime            string         `json:"createdDateTime"`
	LastModifiedDateTime       string         `json:"lastModifiedDateTime"`
	ChangeKey                  string         `json:"changeKey"`
	Categories                 []string       `json:"categories"`
	TransactionID              *string        `json:"transactionId"`
	OriginalStartTimeZone      string         `json:"originalStartTimeZone"`
	OriginalEndTimeZone        string         `json:"originalEndTimeZone"`
	ICalUID                    string         `json:"iCalUId"`
	ReminderMinutesBeforeStart int            `json:"reminderMinutesBeforeStart"`
	IsReminderOn               bool           `json:"isReminderOn"`
	HasAttachments             bool           `json:"hasAttachments"`
	Subject                    string         `json:"subject"`
	BodyPreview                string         `json:"bodyPreview"`
	Importance                 string         `json:"importance"`
	Sensitivity                string         `json:"sensitivity"`
	IsAllDay                   bool           `json:"isAllDay"`
	IsCancelled                bool           `json:"isCancelled"`
	IsOrganizer                bool           `json:"isOrganizer"`
	ResponseRequested          bool           `json:"responseRequested"`
	SeriesMasterID             *string        `json:"seriesMasterId"`
	ShowAs                     string         `json:"showAs"`
	Type                       string         `json:"type"`
	WebLink                    string         `json:"webLink"`
	OnlineMeetingURL           *string        `json:"onlineMeetingUrl"`
	IsOnlineMeeting            bool           `json:"isOnlineMeeting"`
	OnlineMeetingProvider      string         `json:"onlineMeetingProvider"`
	AllowNewTimeProposals      bool           `json:"allowNewTimeProposals"`
	OccurrenceID               *string        `json:"occurrenceId"`
	IsDraft                    bool           `json:"isDraft"`
	HideAttendees              bool           `json:"hideAttendees"`
	OriginalStart              *string        `json:"originalStart,omitempty"`
	ResponseStatus             responseStatus `json:"responseStatus"`
	Body                       itemBody       `json:"body"`
	Start                      dateTimeTZ     `json:"start"`
	End                        dateTimeTZ     `json:"end"`
	Location                   locationJSON   `json:"location"`
	Locations                  []locationJSON `json:"locations"`
	Recurrence                 *recurrence    `json:"recurrence"`
	Attendees                  []attendee     `json:"attendees"`
	Organizer                  recipientJSON  `json:"organizer"`
	OnlineMeeting              *struct{}      `json:"onlineMeeting"`
	ExtendedProps              []extendedProp `json:"singleValueExtendedProperties,omitempty"`
}

// occurrenceDeltaJSON is the slim shape delta uses for plain occurrences.
type occurrenceDeltaJSON struct {
	ODataType      string     `json:"@odata.type"`
	ODataEtag      string     `json:"@odata.etag"`
	ID             string     `json:"id"`
	SeriesMasterID string     `json:"seriesMasterId"`
	Type           string     `json:"type"`
	Start          dateTimeTZ `json:"start"`
	End            dateTimeTZ `json:"end"`
}

// removedJSON marks a deleted item in a delta page.
type removedJSON struct {
	ODataType string            `json:"@odata.type"`
	ID        string            `json:"id"`
	Removed   map[string]string `json:"@removed"`
}

func etag(changeKey string) string { return `W/"` + changeKey + `"` }

// formatDT renders an instant (or an all-day floating date) in the
// preferred zone the way Graph does.
func formatDT(t time.Time, allDay bool, p preferences) dateTimeTZ {
	layout := "2006-01-02T15:04:05.0000000"
	if allDay {
		return dateTimeTZ{DateTime: t.Format(layout), TimeZone: p.zoneName()}
	}
	return dateTimeTZ{DateTime: t.In(p.Location).Format(layout), TimeZone: p.zoneName()}
}

// renderInstance builds the full Graph representation of in.
func renderInstance(in instance, o renderOptions) eventJSON {
	src := in.Source
	out := eventJSON{
		ODataEtag:                  etag(in.changeKey()),
		ID:                         in.ID,
		CreatedDateTime:            graphTime(src.Created),
		LastModifiedDateTime:       graphTime(src.Modified),
		ChangeKey:                  in.changeKey(),
		Categories:                 nonNil(src.Categories),
		OriginalStartTimeZone:      src.StartTimeZone,
		OriginalEndTimeZone:        src.EndTimeZone,
		ICalUID:                    src.ICalUID,
		ReminderMinutesBeforeStart: src.ReminderMinutes,
		IsReminderOn:               src.IsReminderOn,
		Subject:                    src.Subject,
		BodyPreview:                bodyPreview(src.Body),
		Importance:                 src.Importance,
		Sensitivity:                src.Sensitivity,
		IsAllDay:                   src.IsAllDay,
		IsCancelled:                src.IsCancelled,
		IsOrganizer:                true,
		ResponseRequested:          src.ResponseRequested,
		ShowAs:                     src.ShowAs,
		Type:                       in.Type,
		WebLink:                    webLink(o, in.ID),
		OnlineMeetingProvider:      "unknown",
		AllowNewTimeProposals:      true,
		ResponseStatus:             responseStatus{Response: "organizer", Time: "0001-01-01T00:00:00Z"},
		Body:                       src.Body,
		Start:                      formatDT(in.Start, src.IsAllDay, o.Prefs),
		End:                        formatDT(in.End, src.IsAllDay, o.Prefs),
		Location:                   renderLocation(src.Location),
		Locations:                  []locationJSON{},
		Attendees:                  nonNil(src.Attendees),
	}
	if src.TransactionID != "" {
		out.TransactionID = &src.TransactionID
	}
	if src.Location != "" {
		out.Locations = []locationJSON{out.Location}
	}
	if o.Owner != nil {
		out.Organizer = recipientJSON{EmailAddress: emailAddress{Name: o.Owner.DisplayName, Address: o.Owner.Mail}}
	}
	switch in.Type {
	case "seriesMaster":
		out.Recurrence = src.Recurrence
	case "occurrence", "exception":
		id := in.Master.ID
		out.SeriesMasterID = &id
		os := graphTime(in.OriginalStart)
		out.OriginalStart = &os
		occ := "OID." + in.Master.ID + "." + in.OriginalStart.UTC().Format(time.DateOnly)
		out.OccurrenceID = &occ
	}
	if o.ExpandExt != nil {
		out.ExtendedProps = selectExtProps(src.ExtendedProps, o.ExpandExt)
	}
	return out
}

func renderOccurrenceDelta(in instance, o renderOptions) occurrenceDeltaJSON {
	return occurrenceDeltaJSON{
		ODataType:      "#microsoft.graph.event",
		ODataEtag:      etag(in.changeKey()),
		ID:             in.ID,
		SeriesMasterID: in.Master.ID,
		Type:           in.Type,
		Start:          formatDT(in.Start, in.Source.IsAllDay, o.Prefs),
		End:            formatDT(in.End, in.Source.IsAllDay, o.Prefs),
	}
}

func selectExtProps(props []extendedProp, x *extPropExpand) []extendedProp {
	out := []extendedProp{}
	for _, p := range props {
		if len(x.IDs) == 0 {
			out = append(out, p)
			continue
		}
		for _, id := range x.IDs {
			if strings.EqualFold(id, p.ID) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func renderLocation(name string) locationJSON {
	if name == "" {
		return locationJSON{LocationType: "default", UniqueIDType: "unknown"}
	}
	id := name
	return locationJSON{DisplayName: name, LocationType: "default", UniqueID: &id, UniqueIDType: "private"}
}

// webLink is where a person opens the event: the owner's agenda page in
// this emulator, on the week of the event with the event highlighted, or,
// when no request gave the emulator's own address (the Go API), Outlook on
// the web's item link. Either way absolute, as Graph's webLink is.
func webLink(o renderOptions, id string) string {
	if o.BaseURL == "" || o.Owner == nil {
		return "https://outlook.office365.com/owa/?itemid=" + url.QueryEscape(id) + "&exvsurl=1&path=/calendar/item"
	}
	return o.BaseURL + ControlPrefix + "/users/" + url.PathEscape(o.Owner.ID) + "/page?itemid=" + url.QueryEscape(id)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

// bodyPreview is the first 255 characters of the body as plain text.
func bodyPreview(b itemBody) string {
	text := b.Content
	if b.ContentType == "html" {
		text = html.UnescapeString(tagPattern.ReplaceAllString(text, " "))
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > 255 {
		r := []rune(text)
		text = string(r[:255])
	}
	return text
}
