package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"calsync/internal/broker"
	"calsync/internal/testenv"
)

const eeChangedQuery = `subscription($f:ID){externalEventsChanged(fieldworkerId:$f){fieldworkerId accountId calendarId from to at}}`

type eeChanged struct {
	FieldworkerID, AccountID, CalendarID string
	From, To                             *time.Time
	At                                   time.Time
}

// eeNext reads the next message of a subscription: an event, or nil after
// wait without one. A message that is no event fails the test.
func eeNext(t *testing.T, who string, next func(time.Duration) map[string]any, wait time.Duration) *eeChanged {
	t.Helper()
	m := next(wait)
	if m == nil {
		return nil
	}
	var got struct {
		Type    string
		Payload struct {
			Data   *struct{ ExternalEventsChanged eeChanged }
			Errors []any
		}
	}
	raw, _ := json.Marshal(m)
	if err := json.Unmarshal(raw, &got); err != nil || got.Type != "next" || got.Payload.Data == nil || len(got.Payload.Errors) > 0 {
		t.Fatalf("%s: got %s, want an event", who, raw)
	}
	return &got.Payload.Data.ExternalEventsChanged
}

// TestExternalEventsChanged: a published change of imported events reaches
// each subscriber once per user of the account they follow — fieldworkers
// themselves only, admins and schedulers everyone or the fieldworker they
// name — and never another organization's subscribers; a fieldworker may
// not follow someone else.
func TestExternalEventsChanged(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "eec")
			other := env.SeedOrg(t, "eec2")
			fw, fw2 := org.Fieldworker, org.Fieldworker2
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			scheduler := env.SignIn(t, org.Scheduler.Email, testenv.Password)
			fwc := env.SignIn(t, fw.Email, testenv.Password)
			fw2c := env.SignIn(t, fw2.Email, testenv.Password)
			otherAdmin := env.SignIn(t, other.Admin.Email, testenv.Password)
			id := func(n int) map[string]any { return map[string]any{"f": strconv.Itoa(n)} }

			// Refusals: a fieldworker naming someone else; a user of no
			// organization of the subscriber's.
			for _, c := range []struct {
				who  string
				c    *testenv.Client
				f    int
				code string
			}{
				{"fieldworker following another", fwc, fw2.ID, "FORBIDDEN"},
				{"fieldworker following another organization's", fwc, other.Fieldworker.ID, "FORBIDDEN"},
				{"admin following another organization's", admin, other.Fieldworker.ID, "NOT_FOUND"},
			} {
				// A resolver's refusal arrives as a result carrying only
				// errors (graphql-transport-ws "next").
				m := env.Subscribe(t, c.c, eeChangedQuery, id(c.f))(5 * time.Second)
				var got struct {
					Type    string
					Payload struct {
						Data   json.RawMessage
						Errors []testenv.GQLError
					}
				}
				raw, _ := json.Marshal(m)
				if err := json.Unmarshal(raw, &got); err != nil || got.Type != "next" || string(got.Payload.Data) != "null" ||
					len(got.Payload.Errors) != 1 || got.Payload.Errors[0].Code() != c.code {
					t.Errorf("%s: got %s, want %s", c.who, raw, c.code)
				}
			}

			subs := map[string]func(time.Duration) map[string]any{
				"admin":                   env.Subscribe(t, admin, eeChangedQuery, nil),
				"admin following fw2":     env.Subscribe(t, admin, eeChangedQuery, id(fw2.ID)),
				"scheduler":               env.Subscribe(t, scheduler, eeChangedQuery, nil),
				"fieldworker":             env.Subscribe(t, fwc, eeChangedQuery, nil),
				"fieldworker as themself": env.Subscribe(t, fwc, eeChangedQuery, id(fw.ID)),
				"fieldworker2":            env.Subscribe(t, fw2c, eeChangedQuery, nil),
				"other organization":      env.Subscribe(t, otherAdmin, eeChangedQuery, nil),
			}

			from := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
			to := from.AddDate(0, 0, 7)
			at := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
			ctx := context.Background()
			// A shared account's calendar, then the first fieldworker's
			// own after a full read (no span).
			if err := env.App.Broker.PublishExternalChange(ctx, broker.ExternalChange{
				OrgID: org.ID, AccountID: 501, CalendarID: 601, UserIDs: []int{fw.ID, fw2.ID}, From: &from, To: &to, At: at,
			}); err != nil {
				t.Fatal(err)
			}
			if err := env.App.Broker.PublishExternalChange(ctx, broker.ExternalChange{
				OrgID: org.ID, AccountID: 502, CalendarID: 602, UserIDs: []int{fw.ID}, At: at.Add(time.Minute),
			}); err != nil {
				t.Fatal(err)
			}

			type ev struct {
				user        int
				acct, cal   int
				span        bool
				minuteLater bool
			}
			shared := func(u int) ev { return ev{u, 501, 601, true, false} }
			own := ev{fw.ID, 502, 602, false, true}
			for who, want := range map[string][]ev{
				"admin":                   {shared(fw.ID), shared(fw2.ID), own},
				"admin following fw2":     {shared(fw2.ID)},
				"scheduler":               {shared(fw.ID), shared(fw2.ID), own},
				"fieldworker":             {shared(fw.ID), own},
				"fieldworker as themself": {shared(fw.ID), own},
				"fieldworker2":            {shared(fw2.ID)},
				"other organization":      nil,
			} {
				for i, w := range want {
					got := eeNext(t, who, subs[who], 5*time.Second)
					if got == nil {
						t.Fatalf("%s: message %d missing", who, i+1)
					}
					wantAt := at
					if w.minuteLater {
						wantAt = at.Add(time.Minute)
					}
					spanOK := got.From == nil && got.To == nil
					if w.span {
						spanOK = got.From != nil && got.From.Equal(from) && got.To != nil && got.To.Equal(to)
					}
					if got.FieldworkerID != strconv.Itoa(w.user) || got.AccountID != strconv.Itoa(w.acct) || got.CalendarID != strconv.Itoa(w.cal) ||
						!got.At.Equal(wantAt) || !spanOK {
						t.Errorf("%s: message %d = %+v, want %+v", who, i+1, fmt.Sprintf("%+v", *got), w)
					}
				}
				if got := eeNext(t, who, subs[who], 300*time.Millisecond); got != nil {
					t.Errorf("%s: unexpected message %+v", who, *got)
				}
			}
		})
	}
}

// TestSubscriptionEndsWhenTheRoleChanges: a scheduler's open subscription
// ends at the first event after an admin makes them a fieldworker, rather
// than go on delivering other fieldworkers' changes.
func TestSubscriptionEndsWhenTheRoleChanges(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "demoted")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	scheduler := env.SignIn(t, org.Scheduler.Email, testenv.Password)
	next := env.Subscribe(t, scheduler, eeChangedQuery, nil)
	publish := func() {
		t.Helper()
		err := env.App.Broker.PublishExternalChange(context.Background(), broker.ExternalChange{
			OrgID: org.ID, AccountID: 1, CalendarID: 2, UserIDs: []int{org.Fieldworker.ID}, At: time.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	publish()
	if ev := eeNext(t, "scheduler", next, 5*time.Second); ev == nil || ev.FieldworkerID != strconv.Itoa(org.Fieldworker.ID) {
		t.Fatalf("before the change: %+v", ev)
	}
	admin.MustDo(t, `mutation($id:ID!){updateUser(id:$id,input:{role:FIELDWORKER}){id}}`, map[string]any{"id": org.Scheduler.ID}, nil)
	publish()
	if m := next(2 * time.Second); m != nil && m["type"] == "next" {
		t.Fatalf("a demoted scheduler still receives other fieldworkers' changes: %v", m)
	}
}
