package broker

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func newTestBroker(t *testing.T) *Broker {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	b := New(rdb, "calsynctest", nil)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	return b
}

// TestExternalChangeRoundTrip: a published change reaches the subscribers
// of its organization whole (span and users included), not those of
// another organization nor of another topic, and a subscriber arriving
// after others left still hears the next one.
func TestExternalChangeRoundTrip(t *testing.T) {
	b := newTestBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	mine := b.SubscribeExternal(ctx, 7)
	mine2 := b.SubscribeExternal(ctx, 7)
	theirs := b.SubscribeExternal(ctx, 8)
	bookings := b.SubscribeBookings(ctx, 7)

	from := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(48 * time.Hour)
	at := time.Date(2030, 2, 27, 12, 30, 0, 0, time.UTC)
	want := ExternalChange{OrgID: 7, AccountID: 11, CalendarID: 12, UserIDs: []int{21, 22}, From: &from, To: &to, At: at}
	if err := b.PublishExternalChange(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	full := ExternalChange{OrgID: 7, AccountID: 11, CalendarID: 13, UserIDs: []int{21}, At: at}
	if err := b.PublishExternalChange(context.Background(), full); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]<-chan ExternalChange{"first": mine, "second": mine2} {
		got := receive(t, ch)
		if got.OrgID != 7 || got.AccountID != 11 || got.CalendarID != 12 || len(got.UserIDs) != 2 || got.UserIDs[0] != 21 || got.UserIDs[1] != 22 ||
			got.From == nil || !got.From.Equal(from) || got.To == nil || !got.To.Equal(to) || !got.At.Equal(at) {
			t.Fatalf("%s subscriber got %+v, want %+v", name, got, want)
		}
		got = receive(t, ch)
		if got.CalendarID != 13 || got.From != nil || got.To != nil {
			t.Fatalf("%s subscriber got %+v after a full read, want calendar 13 without a span", name, got)
		}
	}
	select {
	case ev := <-theirs:
		t.Fatalf("another organization's subscriber got %+v", ev)
	case ev := <-bookings:
		t.Fatalf("a booking subscriber got %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}

	cancel()

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	again := b.SubscribeExternal(ctx2, 7)
	if err := b.PublishExternalChange(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, again); got.CalendarID != 12 {
		t.Fatalf("a subscriber after the feed restarted got %+v", got)
	}
}

func receive(t *testing.T, ch <-chan ExternalChange) ExternalChange {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no change delivered")
	}
	return ExternalChange{}
}
