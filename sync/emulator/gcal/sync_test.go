package gcal_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"google.golang.org/api/calendar/v3"
)

func TestListPagingAndIncrementalSync(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	base := e.clock.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for i := range 7 {
		if _, err := svc.Events.Insert("primary", newEvent(fmt.Sprintf("page%07d", i), fmt.Sprintf("E%d", i), base.Add(time.Duration(i)*time.Hour))).Do(); err != nil {
			t.Fatal(err)
		}
	}

	// Full sync in pages of 3: 3 pages, the token on the last only.
	pages := 0
	call := svc.Events.List("primary").MaxResults(3)
	var items []*calendar.Event
	var syncToken, page string
	for {
		if page != "" {
			call.PageToken(page)
		}
		res, err := call.Do()
		if err != nil {
			t.Fatal(err)
		}
		pages++
		items = append(items, res.Items...)
		if res.NextPageToken == "" {
			syncToken = res.NextSyncToken
			break
		}
		if res.NextSyncToken != "" {
			t.Fatalf("nextSyncToken on page %d", pages)
		}
		page = res.NextPageToken
	}
	if pages != 3 || len(items) != 7 || syncToken == "" || uniqueIDs(items) != 7 {
		t.Fatalf("pages %d items %d unique %d token %q", pages, len(items), uniqueIDs(items), syncToken)
	}

	// Nothing changed: the incremental sync is empty.
	res, err := svc.Events.List("primary").SyncToken(syncToken).Do()
	if err != nil || len(res.Items) != 0 || res.NextSyncToken == "" {
		t.Fatalf("empty incremental: %v %+v", err, res)
	}

	// Change one, delete one (via the API and as the user), add one.
	if _, err := svc.Events.Patch("primary", "page0000001", &calendar.Event{Summary: "moved"}).Do(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Events.Delete("primary", "page0000002").Do(); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.DeleteEventAsUser("ann@example.com", "page0000003"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Events.Insert("primary", newEvent("page0000009", "new", base)).Do(); err != nil {
		t.Fatal(err)
	}
	changed, next := listAll(t, svc.Events.List("primary").SyncToken(syncToken).MaxResults(2))
	byID := map[string]*calendar.Event{}
	for _, ev := range changed {
		byID[ev.Id] = ev
	}
	if len(changed) != 4 || byID["page0000001"].Summary != "moved" || byID["page0000002"].Status != "cancelled" ||
		byID["page0000003"].Status != "cancelled" || byID["page0000009"].Status != "confirmed" {
		t.Fatalf("changes %d: %+v", len(changed), byID)
	}
	if byID["page0000002"].Summary != "" {
		t.Fatalf("a deleted event in a sync carries only identifiers, got %+v", byID["page0000002"])
	}
	res, err = svc.Events.List("primary").SyncToken(next).Do()
	if err != nil || len(res.Items) != 0 {
		t.Fatalf("second incremental: %v %d items", err, len(res.Items))
	}

	// Full listing hides deleted events unless showDeleted.
	all, _ := listAll(t, svc.Events.List("primary"))
	withDeleted, _ := listAll(t, svc.Events.List("primary").ShowDeleted(true))
	if len(all) != 6 || len(withDeleted) != 8 {
		t.Fatalf("live %d, with deleted %d", len(all), len(withDeleted))
	}
}

func TestSyncTokenInvalidationAndExpiry(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	if _, err := svc.Events.Insert("primary", newEvent("tok0000001", "x", e.clock.Now())).Do(); err != nil {
		t.Fatal(err)
	}
	_, token := listAll(t, svc.Events.List("primary"))

	if status, body := e.ctl("POST", "/calendars/ann@example.com/invalidate-sync-tokens", nil); status != http.StatusNoContent {
		t.Fatalf("invalidate: %d %s", status, body)
	}
	_, err := svc.Events.List("primary").SyncToken(token).Do()
	apiErr(t, err, 410, "fullSyncRequired")

	// After a full resync the new token works, until the retention passes.
	_, token = listAll(t, svc.Events.List("primary"))
	if _, err := svc.Events.List("primary").SyncToken(token).Do(); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if status, _ := e.ctl("PUT", "/config", map[string]int{"syncTokenRetentionSeconds": 60}); status != 200 {
		t.Fatalf("config status %d", status)
	}
	e.clock.Advance(2 * time.Minute)
	_, err = svc.Events.List("primary").SyncToken(token).Do()
	apiErr(t, err, 410, "fullSyncRequired")

	_, err = svc.Events.List("primary").SyncToken("garbage").Do()
	apiErr(t, err, 400, "invalid")
}

func TestSyncTokenForbiddenCombinations(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	_, token := listAll(t, svc.Events.List("primary"))
	now := e.clock.Now().Format(time.RFC3339)
	for name, call := range map[string]*calendar.EventsListCall{
		"iCalUID":                 svc.Events.List("primary").ICalUID("x@google.com"),
		"orderBy":                 svc.Events.List("primary").OrderBy("updated"),
		"privateExtendedProperty": svc.Events.List("primary").PrivateExtendedProperty("a=b"),
		"q":                       svc.Events.List("primary").Q("lunch"),
		"sharedExtendedProperty":  svc.Events.List("primary").SharedExtendedProperty("a=b"),
		"timeMin":                 svc.Events.List("primary").TimeMin(now),
		"timeMax":                 svc.Events.List("primary").TimeMax(now),
		"updatedMin":              svc.Events.List("primary").UpdatedMin(now),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := call.SyncToken(token).Do()
			apiErr(t, err, 400, "invalid")
		})
	}
	_, err := svc.Events.List("primary").OrderBy("startTime").Do()
	apiErr(t, err, 400, "badRequest")
	_, err = svc.Events.List("primary").TimeMin(now).TimeMax(now).Do()
	apiErr(t, err, 400, "timeRangeEmpty")
	_, err = svc.Events.List("primary").TimeMin("yesterday").Do()
	apiErr(t, err, 400, "badRequest")
}

func TestListFilters(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	day := e.clock.Now().Add(72 * time.Hour).Truncate(24 * time.Hour)
	mine := newEvent("filter0001", "Team lunch", day.Add(12*time.Hour))
	mine.ExtendedProperties = &calendar.EventExtendedProperties{Private: map[string]string{"calsync": "1", "booking": "b-7"}}
	other := newEvent("filter0002", "Dentist", day.Add(15*time.Hour))
	other.Location = "Lunchroom street"
	late := newEvent("filter0003", "Late", day.Add(48*time.Hour))
	for _, ev := range []*calendar.Event{mine, other, late} {
		if _, err := svc.Events.Insert("primary", ev).Do(); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(call *calendar.EventsListCall) []string {
		items, _ := listAll(t, call)
		var out []string
		for _, it := range items {
			out = append(out, it.Id)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		call *calendar.EventsListCall
		want []string
	}{
		{"private property", svc.Events.List("primary").PrivateExtendedProperty("calsync=1"), []string{"filter0001"}},
		{"two properties", svc.Events.List("primary").PrivateExtendedProperty("calsync=1", "booking=b-8"), nil},
		{"q", svc.Events.List("primary").Q("lunch"), []string{"filter0001", "filter0002"}},
		{"iCalUID", svc.Events.List("primary").ICalUID("filter0002@google.com"), []string{"filter0002"}},
		{"window", svc.Events.List("primary").TimeMin(day.Format(time.RFC3339)).TimeMax(day.Add(24 * time.Hour).Format(time.RFC3339)).SingleEvents(true).OrderBy("startTime"), []string{"filter0001", "filter0002"}},
		{"timeMin is exclusive on the end", svc.Events.List("primary").TimeMin(day.Add(13 * time.Hour).Format(time.RFC3339)).SingleEvents(true).OrderBy("startTime"), []string{"filter0002", "filter0003"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(tc.call)
			if fmt.Sprint(sortedCopy(got)) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func uniqueIDs(items []*calendar.Event) int {
	seen := map[string]bool{}
	for _, it := range items {
		seen[it.Id] = true
	}
	return len(seen)
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
