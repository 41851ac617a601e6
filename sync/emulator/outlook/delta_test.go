package outlook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// deltaPage is one delta response as a sync engine sees it.
type deltaPage struct {
	items   []models.Eventable
	next    string
	delta   string
	applied []string
}

func getDelta(t *testing.T, b *users.ItemCalendarViewDeltaRequestBuilder, cfg *users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration) (deltaPage, error) {
	t.Helper()
	if cfg == nil {
		cfg = &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{}
	}
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	cfg.Options = append(cfg.Options, abs.RequestOption(inspect))
	res, err := b.GetAsDeltaGetResponse(context.Background(), cfg)
	if err != nil {
		return deltaPage{}, err
	}
	p := deltaPage{items: res.GetValue(), applied: inspect.GetResponseHeaders().Get("Preference-Applied")}
	if v := res.GetOdataNextLink(); v != nil {
		p.next = *v
	}
	if v := res.GetOdataDeltaLink(); v != nil {
		p.delta = *v
	}
	return p, nil
}

func removed(ev models.Eventable) bool {
	r, ok := ev.GetAdditionalData()["@removed"]
	return ok && r != nil
}

func subjects(items []models.Eventable) string {
	var out []string
	for _, ev := range items {
		switch {
		case removed(ev):
			out = append(out, "removed")
		case ev.GetSubject() != nil:
			out = append(out, *ev.GetSubject())
		default:
			out = append(out, "slim:"+ev.GetTypeEscaped().String())
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestDeltaPagingChangesAndExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.userTokens())
	var ids []string
	for i := range 5 {
		ev, err := me(a).Events().Post(ctx, newEvent(fmt.Sprintf("E%d", i), at(10+i, 9, 0), at(10+i, 10, 0), "UTC"), nil)
		must(t, err)
		ids = append(ids, *ev.GetId())
	}
	// Outside the window: never reported.
	_, err := me(a).Events().Post(ctx, newEvent("Later", at(28, 9, 0), at(28, 10, 0), "UTC"), nil)
	must(t, err)

	// First call without a window is refused.
	_, err = getDelta(t, me(a).CalendarView().Delta(), nil)
	graphErr(t, err, http.StatusBadRequest, "ErrorInvalidParameter")

	cfg := &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemCalendarViewDeltaRequestBuilderGetQueryParameters{StartDateTime: ptr("2025-03-09T00:00:00Z"), EndDateTime: ptr("2025-03-20T00:00:00Z")},
		Headers:         headers("Prefer", "odata.maxpagesize=2"),
	}
	page, err := getDelta(t, me(a).CalendarView().Delta(), cfg)
	must(t, err)
	var sizes []int
	var all []models.Eventable
	for {
		sizes = append(sizes, len(page.items))
		all = append(all, page.items...)
		if len(page.applied) == 0 || !strings.Contains(page.applied[0], "odata.maxpagesize=2") {
			t.Fatalf("Preference-Applied = %v", page.applied)
		}
		if page.next == "" {
			break
		}
		if page.delta != "" {
			t.Fatal("a page has both nextLink and deltaLink")
		}
		u, err := url.Parse(page.next)
		must(t, err)
		if u.Host != strings.TrimPrefix(e.srv.URL, "http://") || u.Query().Get("$skiptoken") == "" {
			t.Fatalf("nextLink %s", page.next)
		}
		page, err = getDelta(t, users.NewItemCalendarViewDeltaRequestBuilder(page.next, a), &users.ItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{Headers: headers("Prefer", "odata.maxpagesize=2")})
		must(t, err)
	}
	if fmt.Sprint(sizes) != "[2 2 1]" || subjects(all) != "E0,E1,E2,E3,E4" {
		t.Fatalf("pages %v with %s", sizes, subjects(all))
	}
	du, err := url.Parse(page.delta)
	must(t, err)
	if du.Query().Get("$deltatoken") == "" {
		t.Fatalf("deltaLink %s", page.delta)
	}

	// Nothing changed: an empty round.
	again, err := getDelta(t, users.NewItemCalendarViewDeltaRequestBuilder(page.delta, a), nil)
	must(t, err)
	if len(again.items) != 0 || again.delta == "" {
		t.Fatalf("idle round returned %d items", len(again.items))
	}

	// Change one, delete one, add one — through the API and "as the user".
	patch := models.NewEvent()
	patch.SetSubject(ptr("E1 renamed"))
	_, err = me(a).Events().ByEventId(ids[1]).Patch(ctx, patch, nil)
	must(t, err)
	must(t, me(a).Events().ByEventId(ids[2]).Delete(ctx, nil))
	if st := e.control(http.MethodPost, "/users/"+e.user.ID+"/calendars/default/events", map[string]any{
		"subject": "Added in Outlook",
		"start":   map[string]string{"dateTime": "2025-03-15T09:00:00", "timeZone": "UTC"},
		"end":     map[string]string{"dateTime": "2025-03-15T09:30:00", "timeZone": "UTC"},
	}, nil); st != http.StatusCreated {
		t.Fatalf("control create: %d", st)
	}
	changes, err := getDelta(t, users.NewItemCalendarViewDeltaRequestBuilder(again.delta, a), nil)
	must(t, err)
	if subjects(changes.items) != "Added in Outlook,E1 renamed,removed" {
		t.Fatalf("changes = %s", subjects(changes.items))
	}
	for _, ev := range changes.items {
		if removed(ev) {
			if *ev.GetId() != ids[2] {
				t.Fatalf("removed id %s, want %s", *ev.GetId(), ids[2])
			}
			r, _ := ev.GetAdditionalData()["@removed"].(map[string]any)
			if reason, _ := r["reason"].(*string); reason == nil || *reason != "deleted" {
				t.Fatalf("@removed = %#v", ev.GetAdditionalData()["@removed"])
			}
		}
	}

	// The control API expires the user's delta tokens: 410, start over.
	var out map[string]int
	if st := e.control(http.MethodPost, "/users/"+e.user.UserPrincipalName+"/deltaTokens/expire", nil, &out); st != http.StatusOK || out["expired"] == 0 {
		t.Fatalf("expire delta: %d %v", st, out)
	}
	_, err = getDelta(t, users.NewItemCalendarViewDeltaRequestBuilder(changes.delta, a), nil)
	graphErr(t, err, http.StatusGone, "SyncStateNotFound")
	// A made-up token is gone too.
	_, err = getDelta(t, users.NewItemCalendarViewDeltaRequestBuilder(e.srv.URL+"/graph/v1.0/me/calendarView/delta?$deltatoken=bogus", a), nil)
	graphErr(t, err, http.StatusGone, "SyncStateNotFound")
}

func TestDeltaOfSeriesAndSecondaryCalendar(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.adapter(e.daemonTokens())
	mb := user(a, e.user.ID)
	body := models.NewCalendar()
	body.SetName(ptr("Team"))
	cal, err := mb.Calendars().Post(ctx, body, nil)
	must(t, err)
	master, err := mb.Calendars().ByCalendarId(*cal.GetId()).Events().Post(ctx, weeklySeries(), nil)
	must(t, err)
	// An event in the default calendar is not in the Team calendar's view.
	_, err = mb.Events().Post(ctx, newEvent("Default cal", at(4, 9, 0), at(4, 10, 0), "UTC"), nil)
	must(t, err)

	builder := mb.Calendars().ByCalendarId(*cal.GetId()).CalendarView().Delta()
	page, err := builder.GetAsDeltaGetResponse(ctx, &users.ItemCalendarsItemCalendarViewDeltaRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemCalendarsItemCalendarViewDeltaRequestBuilderGetQueryParameters{StartDateTime: ptr("2025-03-01T00:00:00Z"), EndDateTime: ptr("2025-03-08T00:00:00Z")},
	})
	must(t, err)
	if got := subjects(page.GetValue()); got != "Standup,slim:occurrence,slim:occurrence" {
		t.Fatalf("series delta = %s", got)
	}
	for _, ev := range page.GetValue() {
		if ev.GetTypeEscaped().String() == "occurrence" && (*ev.GetSeriesMasterId() != *master.GetId() || ev.GetStart() == nil) {
			t.Fatal("slim occurrence lacks seriesMasterId or start")
		}
	}
	if page.GetOdataDeltaLink() == nil {
		t.Fatal("no deltaLink")
	}
	// Cancelling an occurrence shows as removed.
	var occID string
	for _, ev := range page.GetValue() {
		if ev.GetTypeEscaped().String() == "occurrence" && strings.HasPrefix(*ev.GetStart().GetDateTime(), "2025-03-05") {
			occID = *ev.GetId()
		}
	}
	must(t, mb.Events().ByEventId(occID).Delete(ctx, nil))
	next, err := users.NewItemCalendarsItemCalendarViewDeltaRequestBuilder(*page.GetOdataDeltaLink(), a).GetAsDeltaGetResponse(ctx, nil)
	must(t, err)
	if len(next.GetValue()) != 1 || !removed(next.GetValue()[0]) || *next.GetValue()[0].GetId() != occID {
		t.Fatalf("after cancelling an occurrence: %s", subjects(next.GetValue()))
	}
}
