package bench

import (
	"context"
	"math"
	"testing"
	"time"

	"calsync/ent"
	"calsync/internal/domain"
)

func TestTrackerMatchesMessagesToChanges(t *testing.T) {
	fw := &inboundFW{user: &ent.User{ID: 7}}
	tr := newTracker([]*inboundFW{fw})
	t0 := time.Now()
	day := t0.Truncate(time.Hour).Add(48 * time.Hour)
	tr.changed(7, day, t0)
	tr.changed(7, day.Add(5*time.Hour), t0.Add(10*time.Millisecond))
	// A message naming a span that misses the second change answers the
	// first only; one before a change answers nothing.
	from, to := day, day.Add(time.Hour)
	tr.message(externalMessage{FieldworkerID: "7", From: &from, To: &to}, t0.Add(-time.Millisecond))
	tr.message(externalMessage{FieldworkerID: "7", From: &from, To: &to}, t0.Add(50*time.Millisecond))
	if n, pending := tr.progress(); n != 1 || pending != 1 {
		t.Fatalf("answered %d, pending %d; want 1, 1", n, pending)
	}
	// A full read (no span) answers what is left; other users' messages
	// change nothing.
	tr.message(externalMessage{FieldworkerID: "8"}, t0.Add(60*time.Millisecond))
	tr.message(externalMessage{FieldworkerID: "7"}, t0.Add(90*time.Millisecond))
	lat, missing, messages := tr.result()
	if missing != 0 || messages != 4 || len(lat) != 2 || lat[0] != 50*time.Millisecond || lat[1] != 80*time.Millisecond {
		t.Fatalf("lat %v, missing %d, messages %d", lat, missing, messages)
	}
}

func TestExpectedSteadyRate(t *testing.T) {
	read := time.Now()
	exp := read.Add(6 * 24 * time.Hour)
	fws := []*inboundFW{
		{provider: domain.ProviderGoogle, calendar: &ent.ProviderCalendar{LastReadAt: &read, ChannelExpiresAt: &exp}},
		{provider: domain.ProviderMicrosoft, calendar: &ent.ProviderCalendar{LastReadAt: &read, ChannelExpiresAt: &exp}},
	}
	renew, rate := expectedSteadyRate(fws, 15*time.Minute)
	want := 3600.0/930 + (2.0/120+1.0/120)/2
	if renew != 5*24*time.Hour || math.Abs(rate-want) > 1e-9 {
		t.Fatalf("renew every %s, %f requests per calendar-hour; want 120h, %f", renew, rate, want)
	}
}

func TestInboundSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Calsync end to end")
	}
	res, err := Inbound(context.Background(), InboundOptions{Fieldworkers: 4, Rate: 10, Duration: 2 * time.Second, Quiet: time.Second,
		TwoWayEdits: 10, TwoWayRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changes != 20 || res.Missing != 0 || res.NotImported != 0 || res.P99Ms <= 0 {
		t.Fatalf("result %+v", res)
	}
	if res.TwoWayBookings == 0 || res.TwoWayEdits != 10 || res.TwoWayMissing != 0 || res.TwoWayP99Ms <= 0 {
		t.Fatalf("two-way result %+v", res)
	}
}
