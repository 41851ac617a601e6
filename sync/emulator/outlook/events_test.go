package outlook_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// newEvent builds an SDK event.
func newEvent(subject string, start, end time.Time, zone string) *models.Event {
	ev := models.NewEvent()
	ev.SetSubject(ptr(subject))
	s := models.NewDateTimeTimeZone()
	s.SetDateTime(ptr(start.Format("2006-01-02T15:04:05")))
	s.SetTimeZone(ptr(zone))
	en := models.NewDateTimeTimeZone()
	en.SetDateTime(ptr(end.Format("2006-01-02T15:04:05")))
	en.SetTimeZone(ptr(zone))
	ev.SetStart(s)
	ev.SetEnd(en)
	return ev
}

func at(day, hour, min int) time.Time { return time.Date(2025, 3, day, hour, min, 0, 0, time.UTC) }

func TestCalendarsListAndCreate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.userTokens())

	body := models.NewCalendar()
	body.SetName(ptr("Calsync"))
	created, err := me(a).Calendars().Post(ctx, body, nil)
	must(t, err)
	if created.GetId() == nil || *created.GetName() != "Calsync" || *created.GetIsDefaultCalendar() || created.GetChangeKey() == nil {
		t.Fatalf("created calendar = %+v", created)
	}
	list, err := me(a).Calendars().Get(ctx, nil)
	must(t, err)
	var names []string
	for _, c := range list.GetValue() {
		names = append(names, *c.GetName())
	}
	if strings.Join(names, ",") != "Calendar,Calsync" {
		t.Fatalf("calendars = %v", names)
	}
	got, err := me(a).Calendars().ByCalendarId(*created.GetId()).Get(ctx, nil)
	must(t, err)
	if *got.GetId() != *created.GetId() || *got.GetOwner().GetAddress() != "adele@contoso.example" {
		t.Fatalf("get calendar = %v", got.GetId())
	}

	_, err = me(a).Calendars().Post(ctx, body, nil)
	graphErr(t, err, http.StatusConflict, "ErrorFolderExists")

	def, err := me(a).Calendar().Get(ctx, nil)
	must(t, err)
	err = me(a).Calendars().ByCalendarId(*def.GetId()).Delete(ctx, nil)
	graphErr(t, err, http.StatusBadRequest, "ErrorDeleteDistinguishedFolder")

	must(t, me(a).Calendars().ByCalendarId(*created.GetId()).Delete(ctx, nil))
	_, err = me(a).Calendars().ByCalendarId(*created.GetId()).Get(ctx, nil)
	graphErr(t, err, http.StatusNotFound, "ErrorItemNotFound")
	_, err = me(a).Calendars().ByCalendarId("not-an-id").Get(ctx, nil)
	graphErr(t, err, http.StatusBadRequest, "ErrorInvalidIdMalformed")
}

func TestEventCreateWithTransactionIDIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.UserPrincipalName)

	ev := newEvent("Booking #42", at(4, 9, 0), at(4, 10, 0), "UTC")
	ev.SetTransactionId(ptr("calsync-booking-42"))
	first, err := mb.Events().Post(ctx, ev, nil)
	must(t, err)
	// A retry after a timeout sends the same body again.
	second, err := mb.Events().Post(ctx, ev, nil)
	must(t, err)
	if *first.GetId() != *second.GetId() || *second.GetTransactionId() != "calsync-booking-42" {
		t.Fatalf("retried POST made another event: %s vs %s", *first.GetId(), *second.GetId())
	}
	list, err := mb.Events().Get(ctx, nil)
	must(t, err)
	if len(list.GetValue()) != 1 {
		t.Fatalf("%d events, want 1", len(list.GetValue()))
	}
	// Another transactionId is another event.
	ev.SetTransactionId(ptr("calsync-booking-43"))
	third, err := mb.Events().Post(ctx, ev, nil)
	must(t, err)
	if *third.GetId() == *first.GetId() {
		t.Fatal("different transactionId returned the same event")
	}
}

func TestEventGetPatchDeleteAndIfMatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.userTokens())

	ev := newEvent("Planning", at(5, 14, 0), at(5, 15, 0), "UTC")
	body := models.NewItemBody()
	body.SetContentType(ptr(models.TEXT_BODYTYPE))
	body.SetContent(ptr("Agenda: roadmap"))
	ev.SetBody(body)
	loc := models.NewLocation()
	loc.SetDisplayName(ptr("Room 1"))
	ev.SetLocation(loc)
	ev.SetShowAs(ptr(models.FREE_FREEBUSYSTATUS))
	ev.SetSensitivity(ptr(models.PRIVATE_SENSITIVITY))
	ev.SetCategories([]string{"Calsync"})
	created, err := me(a).Events().Post(ctx, ev, nil)
	must(t, err)
	id := *created.GetId()
	if !strings.HasPrefix(id, "AAMk") || len(id) < 60 {
		t.Fatalf("id %q does not look like an Outlook id", id)
	}
	if *created.GetTypeEscaped() != models.SINGLEINSTANCE_EVENTTYPE || *created.GetBodyPreview() != "Agenda: roadmap" ||
		*created.GetLocation().GetDisplayName() != "Room 1" || *created.GetShowAs() != models.FREE_FREEBUSYSTATUS ||
		*created.GetSensitivity() != models.PRIVATE_SENSITIVITY || created.GetICalUId() == nil || created.GetWebLink() == nil ||
		*created.GetOrganizer().GetEmailAddress().GetAddress() != "adele@contoso.example" {
		t.Fatalf("created event fields wrong")
	}
	if got := *created.GetStart().GetDateTime(); got != "2025-03-05T14:00:00.0000000" || *created.GetStart().GetTimeZone() != "UTC" {
		t.Fatalf("start = %s %s", got, *created.GetStart().GetTimeZone())
	}
	etag1, _ := created.GetAdditionalData()["@odata.etag"].(*string)
	if etag1 == nil || *etag1 != `W/"`+*created.GetChangeKey()+`"` {
		t.Fatalf("@odata.etag = %v, changeKey %s", etag1, *created.GetChangeKey())
	}

	got, err := me(a).Events().ByEventId(id).Get(ctx, nil)
	must(t, err)
	if *got.GetSubject() != "Planning" || *got.GetChangeKey() != *created.GetChangeKey() {
		t.Fatal("get returned something else")
	}

	patch := models.NewEvent()
	patch.SetSubject(ptr("Planning (moved)"))
	updated, err := me(a).Events().ByEventId(id).Patch(ctx, patch, &users.ItemEventsEventItemRequestBuilderPatchRequestConfiguration{
		Headers: headers("If-Match", *etag1),
	})
	must(t, err)
	if *updated.GetSubject() != "Planning (moved)" || *updated.GetChangeKey() == *created.GetChangeKey() {
		t.Fatal("patch did not change subject and change key")
	}
	if *updated.GetLocation().GetDisplayName() != "Room 1" {
		t.Fatal("patch dropped a property it did not send")
	}

	// The old etag is stale now: 412 for PATCH and DELETE.
	_, err = me(a).Events().ByEventId(id).Patch(ctx, patch, &users.ItemEventsEventItemRequestBuilderPatchRequestConfiguration{
		Headers: headers("If-Match", *etag1),
	})
	graphErr(t, err, http.StatusPreconditionFailed, "ErrorIrresolvableConflict")
	err = me(a).Events().ByEventId(id).Delete(ctx, &users.ItemEventsEventItemRequestBuilderDeleteRequestConfiguration{
		Headers: headers("If-Match", *etag1),
	})
	graphErr(t, err, http.StatusPreconditionFailed, "ErrorIrresolvableConflict")

	must(t, me(a).Events().ByEventId(id).Delete(ctx, nil))
	_, err = me(a).Events().ByEventId(id).Get(ctx, nil)
	oe := graphErr(t, err, http.StatusNotFound, "ErrorItemNotFound")
	if oe.GetErrorEscaped().GetInnerError() == nil {
		t.Fatal("error lacks innerError")
	}
	err = me(a).Events().ByEventId(id).Delete(ctx, nil)
	graphErr(t, err, http.StatusNotFound, "ErrorItemNotFound")
	_, err = me(a).Events().ByEventId("definitely-not-an-id").Get(ctx, nil)
	graphErr(t, err, http.StatusBadRequest, "ErrorInvalidIdMalformed")
}

func TestEventBadInput(t *testing.T) {
	e := newEnv(t)
	tok, err := e.daemonTokens().Token()
	must(t, err)
	url := e.srv.URL + "/graph/v1.0/users/" + e.user.ID + "/events"
	cases := []struct {
		name, body, code string
	}{
		{"malformed json", `{"subject":`, "BadRequest"},
		{"not an object", `[1,2]`, "BadRequest"},
		{"bad date", `{"subject":"x","start":{"dateTime":"tomorrow","timeZone":"UTC"},"end":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"}}`, "RequestBodyRead"},
		{"bad zone", `{"subject":"x","start":{"dateTime":"2025-03-05T09:00:00","timeZone":"Mars/Olympus"},"end":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"}}`, "TimeZoneNotSupportedException"},
		{"unknown property", `{"subjekt":"x","start":{"dateTime":"2025-03-05T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"}}`, "RequestBodyRead"},
		{"bad enum", `{"showAs":"sleeping","start":{"dateTime":"2025-03-05T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"}}`, "RequestBodyRead"},
		{"no start", `{"subject":"x"}`, "ErrorInvalidRequest"},
		{"end before start", `{"start":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-05T09:00:00","timeZone":"UTC"}}`, "ErrorInvalidRequest"},
		{"bad extended property id", `{"start":{"dateTime":"2025-03-05T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"},"singleValueExtendedProperties":[{"id":"nonsense","value":"1"}]}`, "ErrorInvalidExtendedPropertyValue"},
		{"bad recurrence", `{"start":{"dateTime":"2025-03-05T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-05T10:00:00","timeZone":"UTC"},"recurrence":{"pattern":{"type":"weekly","interval":1},"range":{"type":"noEnd","startDate":"2025-03-05"}}}`, "ErrorInvalidRequest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			defer resp.Body.Close()
			var out struct {
				Error struct {
					Code       string `json:"code"`
					Message    string `json:"message"`
					InnerError struct {
						RequestID string `json:"request-id"`
						Date      string `json:"date"`
					} `json:"innerError"`
				} `json:"error"`
			}
			must(t, json.NewDecoder(resp.Body).Decode(&out))
			if resp.StatusCode != http.StatusBadRequest || out.Error.Code != tc.code || out.Error.Message == "" || out.Error.InnerError.RequestID == "" {
				t.Fatalf("got %d %+v, want 400 %s", resp.StatusCode, out.Error, tc.code)
			}
		})
	}
}

func TestGzipRequestBody(t *testing.T) {
	e := newEnv(t)
	tok, err := e.daemonTokens().Token()
	must(t, err)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = io.WriteString(zw, `{"subject":"Zipped","start":{"dateTime":"2025-03-06T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-06T09:30:00","timeZone":"UTC"}}`)
	must(t, zw.Close())
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graph/v1.0/users/"+e.user.UserPrincipalName+"/events", &buf)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var ev map[string]any
	must(t, json.NewDecoder(resp.Body).Decode(&ev))
	if resp.StatusCode != http.StatusCreated || ev["subject"] != "Zipped" {
		t.Fatalf("gzip POST: %d %v", resp.StatusCode, ev)
	}
	// The SDK compresses its own request bodies.
	before := e.gzipped.Load()
	_, err = user(e.adapter(e.daemonTokens()), e.user.ID).Events().Post(context.Background(), newEvent("From SDK", at(6, 10, 0), at(6, 11, 0), "UTC"), nil)
	must(t, err)
	if e.gzipped.Load() == before {
		t.Fatal("the SDK request did not arrive gzip-compressed")
	}
	events, err := e.emu.ListEvents(e.user.ID, "default")
	must(t, err)
	if len(events) != 2 {
		t.Fatalf("stored %d events", len(events))
	}
}

func TestTimeZones(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)

	// 09:00 Pacific on 3 March 2025 is 17:00 UTC (PST, UTC-8).
	created, err := mb.Events().Post(ctx, newEvent("West coast sync", at(3, 9, 0), at(3, 10, 0), "Pacific Standard Time"), nil)
	must(t, err)
	if *created.GetStart().GetDateTime() != "2025-03-03T17:00:00.0000000" || *created.GetStart().GetTimeZone() != "UTC" ||
		*created.GetOriginalStartTimeZone() != "Pacific Standard Time" {
		t.Fatalf("UTC view: %s %s (original %s)", *created.GetStart().GetDateTime(), *created.GetStart().GetTimeZone(), *created.GetOriginalStartTimeZone())
	}
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	got, err := mb.Events().ByEventId(*created.GetId()).Get(ctx, &users.ItemEventsEventItemRequestBuilderGetRequestConfiguration{
		Headers: headers("Prefer", `outlook.timezone="W. Europe Standard Time"`),
		Options: []abs.RequestOption{inspect},
	})
	must(t, err)
	if *got.GetStart().GetDateTime() != "2025-03-03T18:00:00.0000000" || *got.GetStart().GetTimeZone() != "W. Europe Standard Time" {
		t.Fatalf("Berlin view: %s %s", *got.GetStart().GetDateTime(), *got.GetStart().GetTimeZone())
	}
	if pa := inspect.GetResponseHeaders().Get("Preference-Applied"); len(pa) == 0 || !strings.Contains(pa[0], "W. Europe Standard Time") {
		t.Fatalf("Preference-Applied = %v", pa)
	}
	// IANA names work in Prefer and in bodies alike.
	got, err = mb.Events().ByEventId(*created.GetId()).Get(ctx, &users.ItemEventsEventItemRequestBuilderGetRequestConfiguration{
		Headers: headers("Prefer", `outlook.timezone="Asia/Tokyo"`),
	})
	must(t, err)
	if *got.GetEnd().GetDateTime() != "2025-03-04T03:00:00.0000000" {
		t.Fatalf("Tokyo end = %s", *got.GetEnd().GetDateTime())
	}
	_, err = mb.Events().ByEventId(*created.GetId()).Get(ctx, &users.ItemEventsEventItemRequestBuilderGetRequestConfiguration{
		Headers: headers("Prefer", `outlook.timezone="Atlantis Standard Time"`),
	})
	graphErr(t, err, http.StatusBadRequest, "TimeZoneNotSupportedException")

	// All-day events keep their date whatever the zone.
	allDay := newEvent("Holiday", at(7, 0, 0), at(8, 0, 0), "Europe/Paris")
	allDay.SetIsAllDay(ptr(true))
	ad, err := mb.Events().Post(ctx, allDay, &users.ItemEventsRequestBuilderPostRequestConfiguration{
		Headers: headers("Prefer", `outlook.timezone="Pacific Standard Time"`),
	})
	must(t, err)
	if *ad.GetStart().GetDateTime() != "2025-03-07T00:00:00.0000000" || !*ad.GetIsAllDay() {
		t.Fatalf("all-day start = %s", *ad.GetStart().GetDateTime())
	}
	notMidnight := newEvent("Bad all-day", at(7, 9, 0), at(8, 9, 0), "UTC")
	notMidnight.SetIsAllDay(ptr(true))
	_, err = mb.Events().Post(ctx, notMidnight, nil)
	graphErr(t, err, http.StatusBadRequest, "ErrorPropertyValidationFailure")
}

// TestWebLinkIsAbsoluteAndShowsTheEvent: an event's webLink is an
// absolute URL. From Graph and the control API it opens the owner's
// agenda page in the emulator on the event's week with the event
// highlighted, however far from today it lies; the Go API, which knows no
// address of the emulator, gives Outlook on the web's item link.
func TestWebLinkIsAbsoluteAndShowsTheEvent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mb := user(e.adapter(e.daemonTokens()), e.user.ID)
	far := time.Date(2031, 6, 18, 9, 0, 0, 0, time.UTC) // years after the emulated today
	created, err := mb.Events().Post(ctx, newEvent("Far away", far, far.Add(time.Hour), "UTC"), nil)
	must(t, err)
	id := *created.GetId()

	var fromControl struct {
		Value []struct{ ID, WebLink string }
	}
	if st := e.control(http.MethodGet, "/users/"+e.user.ID+"/calendars/default/events", nil, &fromControl); st != http.StatusOK || len(fromControl.Value) != 1 {
		t.Fatalf("control list: %d %+v", st, fromControl)
	}
	stored, err := e.emu.ListEvents(e.user.ID, "default")
	must(t, err)
	var fromGo struct{ WebLink string }
	must(t, json.Unmarshal(stored[0], &fromGo))

	srv, err := url.Parse(e.srv.URL)
	must(t, err)
	cases := []struct {
		name, link   string
		host, path   string
		opensHereToo bool
	}{
		{"Graph", *created.GetWebLink(), srv.Host, "/_emulator/microsoft/users/" + e.user.ID + "/page", true},
		{"control API", fromControl.Value[0].WebLink, srv.Host, "/_emulator/microsoft/users/" + e.user.ID + "/page", true},
		{"Go API", fromGo.WebLink, "outlook.office365.com", "/owa/", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.link)
			if err != nil || !u.IsAbs() || u.Host != tc.host || u.Path != tc.path || u.Query().Get("itemid") != id {
				t.Fatalf("webLink %q: want an absolute link to %s%s for item %s", tc.link, tc.host, tc.path, id)
			}
			if !tc.opensHereToo {
				return
			}
			res, err := http.Get(tc.link)
			must(t, err)
			defer res.Body.Close()
			page, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(page), `hl" id="`+id+`"`) || !strings.Contains(string(page), "Far away") {
				t.Fatalf("webLink page %d does not show the event highlighted:\n%s", res.StatusCode, page)
			}
		})
	}
}
