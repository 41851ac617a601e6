package engine_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/internal/domain"
	"calsync/internal/testenv"
)

// recurringKind is a recurring booking and, written out by hand, the
// occurrences a calendar must show for it (Helsinki wall clocks; dates for
// all-day bookings).
type recurringKind struct {
	title, rule string
	start       time.Time // Helsinki; all-day: the date
	allDay      bool
	exceptions  []time.Time
	// moves are occurrences moved (original start, start, end).
	moves [][3]time.Time
	want  []string
}

func recurringKinds(t *testing.T) []recurringKind {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, hel) }
	return []recurringKind{
		{
			title: "Weekly Mon and Wed", rule: "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", start: at(2031, 3, 3, 9),
			exceptions: []time.Time{at(2031, 3, 5, 9)},
			// Monday the 10th moved to Tuesday afternoon.
			moves: [][3]time.Time{{at(2031, 3, 10, 9), at(2031, 3, 11, 13), at(2031, 3, 11, 15)}},
			want:  []string{"2031-03-03 09:00", "2031-03-11 13:00", "2031-03-12 09:00", "2031-03-17 09:00"},
		},
		{
			// Crosses the start of summer time (30 March 2031): the wall
			// clock stays at 10:00.
			title: "Last Friday", rule: "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20310430T235959Z", start: at(2031, 1, 31, 10),
			want: []string{"2031-01-31 10:00", "2031-02-28 10:00", "2031-03-28 10:00", "2031-04-25 10:00"},
		},
		{
			title: "Working days", rule: "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=7", start: at(2031, 5, 1, 8),
			exceptions: []time.Time{at(2031, 5, 6, 8)},
			want:       []string{"2031-05-01 08:00", "2031-05-02 08:00", "2031-05-05 08:00", "2031-05-07 08:00", "2031-05-08 08:00", "2031-05-09 08:00"},
		},
		{
			title: "Quarterly on the 15th", rule: "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15;COUNT=3", start: at(2031, 1, 15, 9),
			want: []string{"2031-01-15 09:00", "2031-04-15 09:00", "2031-07-15 09:00"},
		},
		{
			title: "Second Tuesday of March", rule: "FREQ=YEARLY;BYMONTH=3;BYDAY=2TU;COUNT=3", start: at(2031, 3, 11, 14),
			want: []string{"2031-03-11 14:00", "2032-03-09 14:00", "2033-03-08 14:00"},
		},
		{
			title: "Every other Monday, all day", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=3", allDay: true,
			start: time.Date(2031, 2, 3, 0, 0, 0, 0, time.UTC),
			// The 17th moved to Wednesday the 19th.
			moves: [][3]time.Time{{time.Date(2031, 2, 17, 0, 0, 0, 0, time.UTC), time.Date(2031, 2, 19, 0, 0, 0, 0, time.UTC), time.Date(2031, 2, 20, 0, 0, 0, 0, time.UTC)}},
			want:  []string{"2031-02-03", "2031-02-19", "2031-03-03"},
		},
	}
}

// TestRecurrenceReachesBothProviders creates recurring bookings of several
// kinds (with removed and moved occurrences) and reads back, from each emulated provider, the occurrences its
// calendar view shows: Google expanding the RRULE it was given, Outlook the
// pattern Calsync mapped the rule onto.
func TestRecurrenceReachesBothProviders(t *testing.T) {
	from, to := time.Date(2030, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "rec")
			kinds := recurringKinds(t)
			for _, kind := range kinds {
				f.createRecurring(t, kind)
			}
			var got map[string][]string
			deadline := time.Now().Add(15 * time.Second)
			for {
				got = f.occurrences(t, from, to)
				done := true
				for _, kind := range kinds {
					done = done && slices.Equal(got[kind.title], kind.want)
				}
				if done {
					break
				}
				if time.Now().After(deadline) {
					for _, kind := range kinds {
						if !slices.Equal(got[kind.title], kind.want) {
							t.Errorf("%s (%s): occurrences %q, want %q", kind.title, kind.rule, got[kind.title], kind.want)
						}
					}
					t.FailNow()
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// TestUnsupportedRecurrenceIsRefusedWhenWritten: a rule some calendar
// cannot carry never gets stored, and the error names the part.
func TestUnsupportedRecurrenceIsRefusedWhenWritten(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "norec")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	start := time.Date(2031, 3, 3, 7, 0, 0, 0, time.UTC)
	input := func(rule string) map[string]any {
		return map[string]any{"in": map[string]any{
			"title": "Twice a day", "startAt": start.Format(time.RFC3339), "endAt": start.Add(time.Hour).Format(time.RFC3339),
			"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(org.Fieldworker.ID)}, "recurrence": rule,
		}}
	}
	const create = `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`
	for rule, msg := range map[string]string{
		"FREQ=DAILY;BYHOUR=9,15":           "recurrence: BYHOUR is not supported: Outlook calendars cannot repeat within a day; create one recurring booking per time",
		"FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO": "recurrence: BYWEEKNO is not supported: Outlook calendars cannot repeat in numbered weeks of the year; use FREQ=WEEKLY with INTERVAL",
		"FREQ=MONTHLY;BYDAY=2TU,2TH":       "recurrence: BYDAY=2TU,2TH is not supported: Outlook calendars repeat on one numbered weekday of the month; create one booking per weekday",
	} {
		r := admin.Do(t, create, input(rule))
		if len(r.Errors) != 1 || r.Errors[0].Code() != string(domain.CodeBadUserInput) || r.Errors[0].Extensions["field"] != "recurrence" || r.Errors[0].Message != msg {
			t.Errorf("%s: errors %+v, want BAD_USER_INPUT on recurrence: %q", rule, r.Errors, msg)
		}
	}
	// The same rules are refused on update, and a supported one is taken.
	var out struct{ CreateBooking struct{ ID string } }
	admin.MustDo(t, create, input("FREQ=DAILY;COUNT=3"), &out)
	r := admin.Do(t, `mutation($id:ID!,$r:String){updateBooking(id:$id,input:{recurrence:$r}){id}}`,
		map[string]any{"id": out.CreateBooking.ID, "r": "FREQ=HOURLY"})
	if len(r.Errors) != 1 || r.Errors[0].Code() != string(domain.CodeBadUserInput) || !strings.Contains(r.Errors[0].Message, "FREQ=HOURLY is not supported") {
		t.Errorf("update to FREQ=HOURLY: errors %+v", r.Errors)
	}
}

func (f *fixture) createRecurring(t *testing.T, k recurringKind) {
	t.Helper()
	start, end := k.start, k.start.Add(time.Hour)
	if k.allDay {
		end = k.start.AddDate(0, 0, 1)
	}
	ex := make([]string, len(k.exceptions))
	for i, x := range k.exceptions {
		ex[i] = x.Format(time.RFC3339)
	}
	var out struct{ CreateBooking struct{ ID string } }
	f.admin.MustDo(t, `mutation($in:CreateBookingInput!){createBooking(input:$in){id}}`, map[string]any{"in": map[string]any{
		"title": k.title, "startAt": start.Format(time.RFC3339), "endAt": end.Format(time.RFC3339), "allDay": k.allDay,
		"timeZone": "Europe/Helsinki", "hostIDs": []string{strconv.Itoa(f.org.Fieldworker.ID)},
		"recurrence": k.rule, "recurrenceExceptions": ex,
	}}, &out)
	for _, m := range k.moves {
		f.admin.MustDo(t, `mutation($id:ID!,$o:Time!,$s:Time!,$e:Time!){moveOccurrence(bookingId:$id,originalStart:$o,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": out.CreateBooking.ID, "o": m[0], "s": m[1], "e": m[2]}, nil)
	}
}

// occurrences reads the calendar view of [from, to) at the provider, by
// event title: Helsinki wall clocks, or dates for all-day events.
func (f *fixture) occurrences(t *testing.T, from, to time.Time) map[string][]string {
	t.Helper()
	hel, _ := time.LoadLocation("Europe/Helsinki")
	// Google's and Graph's event JSON, as far as the view needs it.
	type instance struct {
		Summary, Subject, Status string
		IsAllDay                 bool
		Start                    struct{ DateTime, Date, TimeZone string }
	}
	var items []instance
	if f.kit.Provider == domain.ProviderGoogle {
		var page struct{ Items []instance }
		if err := json.Unmarshal(f.googleInstances(t, from, to), &page); err != nil {
			t.Fatal(err)
		}
		items = page.Items
	} else {
		raws, err := f.env.App.Emulators.Microsoft.ListInstances(f.account.AccountEmail, f.account.DestinationCalendarID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			var in instance
			if err := json.Unmarshal(raw, &in); err != nil {
				t.Fatal(err)
			}
			items = append(items, in)
		}
	}
	out := map[string][]string{}
	for _, in := range items {
		if in.Status == "cancelled" {
			continue
		}
		var s string
		switch {
		case in.Start.Date != "": // Google all-day
			s = in.Start.Date
		case in.IsAllDay: // Graph all-day: a floating midnight
			s = in.Start.DateTime[:len(time.DateOnly)]
		default:
			tm, err := time.Parse(time.RFC3339, in.Start.DateTime)
			if err != nil {
				loc, lerr := time.LoadLocation(in.Start.TimeZone)
				if lerr != nil {
					t.Fatalf("start %+v: %v", in.Start, lerr)
				}
				if tm, err = time.ParseInLocation("2006-01-02T15:04:05.0000000", in.Start.DateTime, loc); err != nil {
					t.Fatalf("start %+v: %v", in.Start, err)
				}
			}
			s = tm.In(hel).Format("2006-01-02 15:04")
		}
		title := in.Summary + in.Subject
		out[title] = append(out[title], s)
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// googleInstances lists the fieldworker's calendar through the Google
// emulator's Calendar API with singleEvents=true: each occurrence of a
// series as Google expands it.
func (f *fixture) googleInstances(t *testing.T, from, to time.Time) []byte {
	t.Helper()
	g := f.env.App.Emulators.Google
	clients := g.Clients()
	if len(clients) == 0 {
		t.Fatal("no OAuth client registered at the Google emulator")
	}
	tok, err := g.GrantAccess(f.account.AccountEmail, clients[0].ClientID, []string{"https://www.googleapis.com/auth/calendar"}, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	q := url.Values{
		"singleEvents": {"true"}, "orderBy": {"startTime"}, "maxResults": {"2500"},
		"timeMin": {from.Format(time.RFC3339)}, "timeMax": {to.Format(time.RFC3339)},
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/google/calendar/v3/calendars/"+url.PathEscape(f.account.DestinationCalendarID)+"/events?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("events.list: %d %v %s", res.StatusCode, err, body)
	}
	return body
}
