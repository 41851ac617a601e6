package google_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"calsync/internal/linking"
	"calsync/sync/emulator/emucore"
)

func TestCreateCalendarIsVisibleInTheEmulator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.link(personal)
	ts := e.client.TokenSource(ctx, e.app, g.Token)

	cal, err := e.client.CreateCalendar(ctx, ts, "", "Calsync – Acme Plumbing", "America/New_York")
	if err != nil {
		t.Fatalf("create calendar: %v", err)
	}
	if cal.ID == "" || cal.Name != "Calsync – Acme Plumbing" || cal.Primary || !cal.CanWrite {
		t.Fatalf("created = %+v", cal)
	}
	stored, err := e.emu.Calendars(personal)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range stored {
		if c.ID == cal.ID {
			found = true
			if c.Summary != cal.Name || c.TimeZone != "America/New_York" || c.Primary || c.Owner != personal {
				t.Errorf("emulator calendar = %+v", c)
			}
		}
	}
	if !found {
		t.Fatalf("calendar %s not in the emulator: %+v", cal.ID, stored)
	}

	// Without a time zone the calendar takes the account's.
	cal2, err := e.client.CreateCalendar(ctx, ts, "", "Second", "")
	if err != nil {
		t.Fatalf("create calendar without zone: %v", err)
	}

	cals, err := e.client.Calendars(ctx, ts, "")
	if err != nil {
		t.Fatalf("calendars: %v", err)
	}
	if len(cals) != 3 {
		t.Fatalf("calendars = %+v, want primary and two secondaries", cals)
	}
	if p := cals[0]; p.ID != personal || !p.Primary || !p.CanWrite || p.Color == "" || p.Name != personal || p.AccessRole != "owner" {
		t.Errorf("first calendar = %+v, want the writable primary with a colour", p)
	}
	byID := map[string]linking.Calendar{}
	for _, c := range cals {
		byID[c.ID] = c
	}
	if c := byID[cal.ID]; c.Name != cal.Name || c.Primary || !c.CanWrite {
		t.Errorf("listed secondary = %+v", c)
	}
	if c := byID[cal2.ID]; c.Name != "Second" {
		t.Errorf("listed second secondary = %+v", c)
	}
	stored, _ = e.emu.Calendars(personal)
	for _, c := range stored {
		if c.ID == cal2.ID && c.TimeZone != "Europe/Berlin" {
			t.Errorf("calendar without zone has %s, want the account's Europe/Berlin", c.TimeZone)
		}
	}
}

func TestCalendarsWithoutCalendarScope(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, scope := range []string{"calendar.events", "calendar.readonly"} {
		t.Run(scope, func(t *testing.T) {
			tok, err := e.emu.GrantAccess(personal, clientID, []string{"openid", scope}, true)
			if err != nil {
				t.Fatal(err)
			}
			ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"})
			_, err = e.client.CreateCalendar(ctx, ts, "", "Calsync", "")
			wantSentinel(t, err, linking.ErrMissingScope)
			if scope == "calendar.events" {
				_, err = e.client.Calendars(ctx, ts, "")
				wantSentinel(t, err, linking.ErrMissingScope)
			}
		})
	}
	stored, _ := e.emu.Calendars(personal)
	if len(stored) != 1 {
		t.Fatalf("emulator calendars = %+v, want only the primary", stored)
	}
}

func TestCalendarFaultsArePlainErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.link(personal)
	ts := e.client.TokenSource(ctx, e.app, g.Token)
	for _, tc := range []struct {
		name   string
		fault  emucore.Fault
		create bool
	}{
		{name: "503 on list", fault: emucore.Fault{Status: 503}},
		{name: "500 on list", fault: emucore.Fault{Status: 500}},
		{name: "429 on list", fault: emucore.Fault{Status: 429, RetryAfter: 3}},
		{name: "403 rate limit on list", fault: emucore.Fault{Status: 403, Reason: "rateLimitExceeded"}},
		{name: "503 on insert", fault: emucore.Fault{Status: 503}, create: true},
		{name: "429 on insert", fault: emucore.Fault{Status: 429}, create: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fault
			f.PathPrefix, f.Count = "/google/calendar/v3/", 1
			e.fault(f)
			call := func() error {
				if tc.create {
					_, err := e.client.CreateCalendar(ctx, ts, "", "Calsync "+tc.name, "")
					return err
				}
				_, err := e.client.Calendars(ctx, ts, "")
				return err
			}
			err := call()
			wantPlain(t, err)
			var ge *googleapi.Error
			if !errors.As(err, &ge) || ge.Code != tc.fault.Status {
				t.Fatalf("err = %v, want a *googleapi.Error with code %d", err, tc.fault.Status)
			}
			// The SDK does not retry on its own: the next call succeeds.
			if err := call(); err != nil {
				t.Fatalf("call after the fault: %v", err)
			}
		})
	}
}

func TestCalendarBadInputs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.link(personal)
	ts := oauth2.StaticTokenSource(g.Token)
	before := len(e.rec.requests("/google/calendar/v3/"))

	if _, err := e.client.Calendars(ctx, nil, ""); err == nil {
		t.Error("Calendars with a nil token source succeeded")
	}
	if _, err := e.client.CreateCalendar(ctx, nil, "", "Calsync", ""); err == nil {
		t.Error("CreateCalendar with a nil token source succeeded")
	}
	if _, err := e.client.CreateCalendar(ctx, ts, "", "  ", ""); err == nil {
		t.Error("CreateCalendar with an empty name succeeded")
	}
	if n := len(e.rec.requests("/google/calendar/v3/")) - before; n != 0 {
		t.Errorf("%d API requests sent for bad inputs", n)
	}
	_, err := e.client.CreateCalendar(ctx, ts, "", "Calsync", "Mars/Olympus_Mons")
	wantPlain(t, err)
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != 400 {
		t.Fatalf("err = %v, want a 400 for the unknown zone", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.client.Calendars(cancelled, ts, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: err = %v", err)
	}
}
