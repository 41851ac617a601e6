package outlook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// weeklySeries is Mondays and Wednesdays 10:00-10:30 New York time, six
// occurrences from 3 March 2025 (US daylight saving starts 9 March).
func weeklySeries() *models.Event {
	ev := newEvent("Standup", at(3, 10, 0), at(3, 10, 30), "Eastern Standard Time")
	pattern := models.NewRecurrencePattern()
	pattern.SetTypeEscaped(ptr(models.WEEKLY_RECURRENCEPATTERNTYPE))
	pattern.SetInterval(ptr(int32(1)))
	pattern.SetDaysOfWeek([]models.DayOfWeek{models.MONDAY_DAYOFWEEK, models.WEDNESDAY_DAYOFWEEK})
	rng := models.NewRecurrenceRange()
	rng.SetTypeEscaped(ptr(models.NUMBERED_RECURRENCERANGETYPE))
	rng.SetNumberOfOccurrences(ptr(int32(6)))
	rng.SetStartDate(ptr(dateOnly(2025, 3, 3)))
	rec := models.NewPatternedRecurrence()
	rec.SetPattern(pattern)
	rec.SetRangeEscaped(rng)
	ev.SetRecurrence(rec)
	return ev
}

func viewConfig(from, to string, hdr ...string) *users.ItemCalendarViewRequestBuilderGetRequestConfiguration {
	return &users.ItemCalendarViewRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemCalendarViewRequestBuilderGetQueryParameters{StartDateTime: ptr(from), EndDateTime: ptr(to), Top: ptr(int32(50))},
		Headers:         headers(hdr...),
	}
}

func TestCalendarViewExpandsWeeklySeries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.userTokens())

	master, err := me(a).Events().Post(ctx, weeklySeries(), nil)
	must(t, err)
	if *master.GetTypeEscaped() != models.SERIESMASTER_EVENTTYPE || master.GetRecurrence() == nil {
		t.Fatalf("created type %v", master.GetTypeEscaped())
	}

	view, err := me(a).CalendarView().Get(ctx, viewConfig("2025-03-01T00:00:00Z", "2025-03-15T00:00:00Z"))
	must(t, err)
	var got []string
	for _, in := range view.GetValue() {
		if *in.GetTypeEscaped() != models.OCCURRENCE_EVENTTYPE || *in.GetSeriesMasterId() != *master.GetId() || *in.GetSubject() != "Standup" {
			t.Fatalf("instance %v type %v master %v", *in.GetId(), in.GetTypeEscaped(), in.GetSeriesMasterId())
		}
		got = append(got, *in.GetStart().GetDateTime())
	}
	// 10:00 EST is 15:00 UTC; after 9 March 10:00 EDT is 14:00 UTC.
	want := "2025-03-03T15:00:00.0000000,2025-03-05T15:00:00.0000000,2025-03-10T14:00:00.0000000,2025-03-12T14:00:00.0000000"
	if strings.Join(got, ",") != want {
		t.Fatalf("occurrences\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	// The same view in New York time shows the wall clock.
	local, err := me(a).CalendarView().Get(ctx, viewConfig("2025-03-01T00:00:00Z", "2025-03-15T00:00:00Z", "Prefer", `outlook.timezone="Eastern Standard Time"`))
	must(t, err)
	for _, in := range local.GetValue() {
		if !strings.HasSuffix(*in.GetStart().GetDateTime(), "T10:00:00.0000000") {
			t.Fatalf("local start %s", *in.GetStart().GetDateTime())
		}
	}

	// Move one occurrence (it becomes an exception) and cancel another.
	occ := view.GetValue()
	patch := models.NewEvent()
	patch.SetSubject(ptr("Standup (long)"))
	end := models.NewDateTimeTimeZone()
	end.SetDateTime(ptr("2025-03-05T16:00:00"))
	end.SetTimeZone(ptr("UTC"))
	patch.SetEnd(end)
	exc, err := me(a).Events().ByEventId(*occ[1].GetId()).Patch(ctx, patch, nil)
	must(t, err)
	if *exc.GetTypeEscaped() != models.EXCEPTION_EVENTTYPE || *exc.GetId() != *occ[1].GetId() || *exc.GetSeriesMasterId() != *master.GetId() {
		t.Fatalf("patched occurrence: type %v id %v", exc.GetTypeEscaped(), *exc.GetId())
	}
	must(t, me(a).Events().ByEventId(*occ[2].GetId()).Delete(ctx, nil))
	_, err = me(a).Events().ByEventId(*occ[2].GetId()).Get(ctx, nil)
	graphErr(t, err, http.StatusNotFound, "ErrorItemNotFound")

	view, err = me(a).CalendarView().Get(ctx, viewConfig("2025-03-01T00:00:00Z", "2025-03-31T00:00:00Z"))
	must(t, err)
	var summary []string
	for _, in := range view.GetValue() {
		summary = append(summary, fmt.Sprintf("%s %s %s", in.GetTypeEscaped().String(), (*in.GetStart().GetDateTime())[5:10], *in.GetSubject()))
	}
	wantSummary := []string{
		"occurrence 03-03 Standup", "exception 03-05 Standup (long)", "occurrence 03-12 Standup",
		"occurrence 03-17 Standup", "occurrence 03-19 Standup",
	}
	if strings.Join(summary, "|") != strings.Join(wantSummary, "|") {
		t.Fatalf("view after changes\n got %v\nwant %v", summary, wantSummary)
	}

	// /events lists the series master, not its instances.
	list, err := me(a).Events().Get(ctx, nil)
	must(t, err)
	if len(list.GetValue()) != 1 || *list.GetValue()[0].GetTypeEscaped() != models.SERIESMASTER_EVENTTYPE {
		t.Fatalf("events list has %d items", len(list.GetValue()))
	}
	// instances of the master within March.
	inst, err := me(a).Events().ByEventId(*master.GetId()).Instances().Get(ctx, &users.ItemEventsItemInstancesRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemEventsItemInstancesRequestBuilderGetQueryParameters{StartDateTime: ptr("2025-03-01T00:00:00Z"), EndDateTime: ptr("2025-04-01T00:00:00Z")},
	})
	must(t, err)
	if len(inst.GetValue()) != 5 {
		t.Fatalf("instances = %d, want 5", len(inst.GetValue()))
	}

	// calendarView needs a window.
	_, err = me(a).CalendarView().Get(ctx, nil)
	graphErr(t, err, http.StatusBadRequest, "ErrorInvalidParameter")
}

func TestCalendarViewPaging(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)
	for i := range 5 {
		_, err := mb.Events().Post(ctx, newEvent(fmt.Sprintf("E%d", i), at(10+i, 9, 0), at(10+i, 10, 0), "UTC"), nil)
		must(t, err)
	}
	cfg := viewConfig("2025-03-10T00:00:00Z", "2025-03-20T00:00:00Z")
	cfg.QueryParameters.Top = ptr(int32(2))
	page, err := mb.CalendarView().Get(ctx, cfg)
	must(t, err)
	var subjects []string
	for {
		for _, ev := range page.GetValue() {
			subjects = append(subjects, *ev.GetSubject())
		}
		next := page.GetOdataNextLink()
		if next == nil {
			break
		}
		if !strings.HasPrefix(*next, e.srv.URL+"/graph/v1.0/") {
			t.Fatalf("nextLink %q is not absolute", *next)
		}
		page, err = users.NewItemCalendarViewRequestBuilder(*next, a).Get(ctx, nil)
		must(t, err)
	}
	if strings.Join(subjects, ",") != "E0,E1,E2,E3,E4" {
		t.Fatalf("paged subjects = %v", subjects)
	}

	// Behind a TLS-terminating proxy links follow X-Forwarded-Proto and Host.
	tok, err := e.daemonTokens().Token()
	must(t, err)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/graph/v1.0/users/"+e.user.ID+"/calendarView?startDateTime=2025-03-10T00:00:00Z&endDateTime=2025-03-20T00:00:00Z&$top=1", nil)
	req.Host = "calendar.example.test"
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var body map[string]any
	must(t, json.NewDecoder(resp.Body).Decode(&body))
	if next, _ := body["@odata.nextLink"].(string); !strings.HasPrefix(next, "https://calendar.example.test/graph/v1.0/users/") {
		t.Fatalf("nextLink behind proxy = %q", next)
	}
}

func extProp(id, value string) models.SingleValueLegacyExtendedPropertyable {
	p := models.NewSingleValueLegacyExtendedProperty()
	p.SetId(ptr(id))
	p.SetValue(ptr(value))
	return p
}

func TestSingleValueExtendedProperties(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)
	const propID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CalsyncBookingId"

	tagged := newEvent("Tagged", at(11, 9, 0), at(11, 10, 0), "UTC")
	tagged.SetSingleValueExtendedProperties([]models.SingleValueLegacyExtendedPropertyable{extProp(propID, "booking-7")})
	created, err := mb.Events().Post(ctx, tagged, nil)
	must(t, err)
	_, err = mb.Events().Post(ctx, newEvent("Untagged", at(11, 11, 0), at(11, 12, 0), "UTC"), nil)
	must(t, err)
	other := newEvent("Other booking", at(11, 13, 0), at(11, 14, 0), "UTC")
	other.SetSingleValueExtendedProperties([]models.SingleValueLegacyExtendedPropertyable{extProp(propID, "booking-8")})
	_, err = mb.Events().Post(ctx, other, nil)
	must(t, err)

	// Not returned unless expanded.
	plain, err := mb.Events().ByEventId(*created.GetId()).Get(ctx, nil)
	must(t, err)
	if len(plain.GetSingleValueExtendedProperties()) != 0 {
		t.Fatal("extended properties returned without $expand")
	}
	expand := fmt.Sprintf("singleValueExtendedProperties($filter=id eq '%s')", propID)
	got, err := mb.Events().ByEventId(*created.GetId()).Get(ctx, &users.ItemEventsEventItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemEventsEventItemRequestBuilderGetQueryParameters{Expand: []string{expand}},
	})
	must(t, err)
	props := got.GetSingleValueExtendedProperties()
	if len(props) != 1 || *props[0].GetValue() != "booking-7" || !strings.EqualFold(*props[0].GetId(), propID) {
		t.Fatalf("expanded properties = %v", props)
	}

	// Find an event by its tag.
	filter := fmt.Sprintf("singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq 'booking-7')", propID)
	found, err := mb.Events().Get(ctx, &users.ItemEventsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemEventsRequestBuilderGetQueryParameters{Filter: ptr(filter), Expand: []string{expand}},
	})
	must(t, err)
	if len(found.GetValue()) != 1 || *found.GetValue()[0].GetId() != *created.GetId() ||
		*found.GetValue()[0].GetSingleValueExtendedProperties()[0].GetValue() != "booking-7" {
		t.Fatalf("filter found %d events", len(found.GetValue()))
	}
	// Every tagged event, newest subject order.
	all, err := mb.Events().Get(ctx, &users.ItemEventsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemEventsRequestBuilderGetQueryParameters{
			Filter:  ptr(fmt.Sprintf("singleValueExtendedProperties/any(ep: ep/id eq '%s')", propID)),
			Orderby: []string{"subject desc"},
			Select:  []string{"subject"},
		},
	})
	must(t, err)
	if len(all.GetValue()) != 2 || *all.GetValue()[0].GetSubject() != "Tagged" || all.GetValue()[0].GetStart() != nil {
		t.Fatalf("tagged events = %d (select must drop start)", len(all.GetValue()))
	}
	_, err = mb.Events().Get(ctx, &users.ItemEventsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemEventsRequestBuilderGetQueryParameters{Filter: ptr("subject eq ")},
	})
	graphErr(t, err, http.StatusBadRequest, "BadRequest")
}

// TestExtendedPropertyValueFunctions: Graph documents contains and
// startswith (besides eq and ne) on a string extended property's value,
// compared case-insensitively; the emulator refuses them elsewhere.
func TestExtendedPropertyValueFunctions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mb := user(e.adapter(e.daemonTokens()), e.user.ID)
	const propID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CalsyncBookingId"
	const otherID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Note"
	for _, ev := range []struct{ subject, id, value string }{
		{"Seven", propID, "calsync:booking-7"},
		{"Eight", propID, "calsync:booking-8"},
		{"Foreign", otherID, "calsync:booking-9"},
		{"Plain", "", ""},
	} {
		m := newEvent(ev.subject, at(11, 9, 0), at(11, 10, 0), "UTC")
		if ev.id != "" {
			m.SetSingleValueExtendedProperties([]models.SingleValueLegacyExtendedPropertyable{extProp(ev.id, ev.value)})
		}
		_, err := mb.Events().Post(ctx, m, nil)
		must(t, err)
	}
	matching := func(cond string) string {
		return fmt.Sprintf("singleValueExtendedProperties/Any(ep: ep/id eq '%s' and %s)", propID, cond)
	}
	cases := []struct {
		name, filter string
		want         []string // subjects, in subject order; nil: 400
	}{
		{"startswith", matching("startswith(ep/value, 'calsync:')"), []string{"Eight", "Seven"}},
		{"startswith ignores case", matching("startswith(ep/value, 'CALSYNC:Booking-7')"), []string{"Seven"}},
		{"contains", matching("contains(ep/value, 'ing-8')"), []string{"Eight"}},
		{"contains nothing", matching("contains(ep/value, 'booking-9')"), []string{}},
		{"not contains", matching("not contains(ep/value, '-7')"), []string{"Eight"}},
		{"compared with false", matching("startswith(ep/value, 'calsync:booking-8') eq false"), []string{"Seven"}},
		{"startswith on subject", "startswith(subject, 'S')", nil},
		{"startswith on the id", "singleValueExtendedProperties/Any(ep: startswith(ep/id, 'String'))", nil},
		{"endswith", matching("endswith(ep/value, '7')"), nil},
		{"number argument", matching("contains(ep/value, 7)"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := mb.Events().Get(ctx, &users.ItemEventsRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemEventsRequestBuilderGetQueryParameters{Filter: ptr(tc.filter), Orderby: []string{"subject"}},
			})
			if tc.want == nil {
				graphErr(t, err, http.StatusBadRequest, "BadRequest")
				return
			}
			must(t, err)
			got := []string{}
			for _, ev := range res.GetValue() {
				got = append(got, *ev.GetSubject())
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("$filter=%s found %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

// TestTopOutsideRange: $top must lie in 1..1000 on every list; outside it
// Graph answers 400 in its error shape instead of clamping.
func TestTopOutsideRange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mb := user(e.adapter(e.daemonTokens()), e.user.ID)
	for _, s := range []string{"One", "Two"} {
		_, err := mb.Events().Post(ctx, newEvent(s, at(11, 9, 0), at(11, 10, 0), "UTC"), nil)
		must(t, err)
	}
	lists := []struct {
		name string
		get  func(top int32) (int, error)
	}{
		{"events", func(top int32) (int, error) {
			r, err := mb.Events().Get(ctx, &users.ItemEventsRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemEventsRequestBuilderGetQueryParameters{Top: &top}})
			if err != nil {
				return 0, err
			}
			return len(r.GetValue()), nil
		}},
		{"calendarView", func(top int32) (int, error) {
			r, err := mb.CalendarView().Get(ctx, &users.ItemCalendarViewRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemCalendarViewRequestBuilderGetQueryParameters{
					StartDateTime: ptr("2025-03-10T00:00:00Z"), EndDateTime: ptr("2025-03-20T00:00:00Z"), Top: &top}})
			if err != nil {
				return 0, err
			}
			return len(r.GetValue()), nil
		}},
		{"calendars", func(top int32) (int, error) {
			r, err := mb.Calendars().Get(ctx, &users.ItemCalendarsRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemCalendarsRequestBuilderGetQueryParameters{Top: &top}})
			if err != nil {
				return 0, err
			}
			return len(r.GetValue()), nil
		}},
	}
	cases := []struct {
		top  int32
		want int // items on the page; -1: 400
	}{{0, -1}, {-5, -1}, {1001, -1}, {1, 1}, {1000, 2}}
	for _, l := range lists {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s top=%d", l.name, tc.top), func(t *testing.T) {
				n, err := l.get(tc.top)
				if tc.want < 0 {
					if ge := graphErr(t, err, http.StatusBadRequest, "BadRequest"); !strings.Contains(*ge.GetErrorEscaped().GetMessage(), "$top") {
						t.Fatalf("message %q does not name $top", *ge.GetErrorEscaped().GetMessage())
					}
					return
				}
				must(t, err)
				if l.name == "calendars" {
					tc.want = 1 // the user has one calendar
				}
				if n != tc.want {
					t.Fatalf("%d items, want %d", n, tc.want)
				}
			})
		}
	}
}

// TestRecurrencePatterns checks each patternedRecurrence type through the
// Go API (the same code the SDK path uses).
func TestRecurrencePatterns(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, pattern, rng string
		want               []string // start dates in March–June 2025
	}{
		{"daily every 2 days, 3 times", `{"type":"daily","interval":2}`, `{"type":"numbered","startDate":"2025-03-03","numberOfOccurrences":3}`,
			[]string{"03-03", "03-05", "03-07"}},
		{"weekly until an end date", `{"type":"weekly","interval":2,"daysOfWeek":["friday"]}`, `{"type":"endDate","startDate":"2025-03-03","endDate":"2025-04-04"}`,
			[]string{"03-07", "03-21", "04-04"}},
		{"absolute monthly on the 15th", `{"type":"absoluteMonthly","interval":1,"dayOfMonth":15}`, `{"type":"numbered","startDate":"2025-03-01","numberOfOccurrences":3}`,
			[]string{"03-15", "04-15", "05-15"}},
		{"relative monthly, last Friday", `{"type":"relativeMonthly","interval":1,"daysOfWeek":["friday"],"index":"last"}`, `{"type":"numbered","startDate":"2025-03-01","numberOfOccurrences":3}`,
			[]string{"03-28", "04-25", "05-30"}},
		{"relative monthly, first weekend day", `{"type":"relativeMonthly","interval":1,"daysOfWeek":["saturday","sunday"],"index":"first"}`, `{"type":"numbered","startDate":"2025-03-01","numberOfOccurrences":3}`,
			[]string{"03-01", "04-05", "05-03"}},
		{"absolute yearly", `{"type":"absoluteYearly","interval":1,"month":4,"dayOfMonth":1}`, `{"type":"noEnd","startDate":"2025-03-01"}`,
			[]string{"04-01"}},
		{"relative yearly, second Tuesday of May", `{"type":"relativeYearly","interval":1,"month":5,"daysOfWeek":["tuesday"],"index":"second"}`, `{"type":"noEnd","startDate":"2025-01-01"}`,
			[]string{"05-13"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cal, err := e.emu.CreateCalendar(e.user.ID, tc.name)
			must(t, err)
			body := `{"subject":"S","start":{"dateTime":"2025-03-03T09:00:00","timeZone":"UTC"},"end":{"dateTime":"2025-03-03T09:30:00","timeZone":"UTC"},` +
				`"recurrence":{"pattern":` + tc.pattern + `,"range":` + tc.rng + `}}`
			_, err = e.emu.CreateEvent(e.user.ID, cal.ID, []byte(body))
			must(t, err)
			items, err := e.emu.ListInstances(e.user.ID, cal.ID, at(1, 0, 0), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
			must(t, err)
			var got []string
			for _, raw := range items {
				var ev struct {
					Start struct{ DateTime string } `json:"start"`
				}
				must(t, json.Unmarshal(raw, &ev))
				got = append(got, ev.Start.DateTime[5:10])
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("occurrences %v, want %v", got, tc.want)
			}
		})
	}
}

// TestOccurrenceCannotCrossItsNeighbours: as Exchange, an occurrence moves
// freely between the days of the occurrences around it, not onto them.
func TestOccurrenceCannotCrossItsNeighbours(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.userTokens())
	_, err := me(a).Events().Post(ctx, weeklySeries(), nil)
	must(t, err)
	view, err := me(a).CalendarView().Get(ctx, viewConfig("2025-03-01T00:00:00Z", "2025-03-15T00:00:00Z"))
	must(t, err)
	occ := view.GetValue() // Mon 3, Wed 5, Mon 10, Wed 12 March
	moveTo := func(id, start, end string) error {
		patch := models.NewEvent()
		s, en := models.NewDateTimeTimeZone(), models.NewDateTimeTimeZone()
		s.SetDateTime(ptr(start))
		s.SetTimeZone(ptr("UTC"))
		en.SetDateTime(ptr(end))
		en.SetTimeZone(ptr("UTC"))
		patch.SetStart(s)
		patch.SetEnd(en)
		_, err := me(a).Events().ByEventId(id).Patch(ctx, patch, nil)
		return err
	}
	// Wed 5 onto Mon 10 (the next one's day) and onto Mon 3 (the last one's).
	graphErr(t, moveTo(*occ[1].GetId(), "2025-03-10T20:00:00", "2025-03-10T20:30:00"), http.StatusBadRequest, "ErrorOccurrenceCrossingBoundary")
	graphErr(t, moveTo(*occ[1].GetId(), "2025-03-03T20:00:00", "2025-03-03T20:30:00"), http.StatusBadRequest, "ErrorOccurrenceCrossingBoundary")
	// Between them: Tue 4 and Sun 9.
	must(t, moveTo(*occ[1].GetId(), "2025-03-04T18:00:00", "2025-03-04T18:30:00"))
	must(t, moveTo(*occ[2].GetId(), "2025-03-09T18:00:00", "2025-03-09T18:30:00"))
	// The neighbour where it is now counts: Mon 10 (moved to Sun 9) leaves
	// Wed 12 free to go to Mon 10, not to Sun 9.
	must(t, moveTo(*occ[3].GetId(), "2025-03-10T18:00:00", "2025-03-10T18:30:00"))
	graphErr(t, moveTo(*occ[3].GetId(), "2025-03-09T20:00:00", "2025-03-09T20:30:00"), http.StatusBadRequest, "ErrorOccurrenceCrossingBoundary")
}
