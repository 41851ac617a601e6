package gcal_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/calendar/v3"

	"calsync/sync/emulator/emucore"
)

func msgNumber(t *testing.T, h http.Header) int {
	t.Helper()
	n, err := strconv.Atoi(h.Get("X-Goog-Message-Number"))
	if err != nil {
		t.Fatalf("bad message number %q", h.Get("X-Goog-Message-Number"))
	}
	return n
}

func TestWatchDeliversNotifications(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	hk := newHook(t)

	ch, err := svc.Events.Watch("primary", &calendar.Channel{Id: "chan-1", Type: "web_hook", Address: hk.srv.URL + "/hook", Token: "target=calsync"}).Do()
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	if ch.ResourceId == "" || !strings.Contains(ch.ResourceUri, "/calendars/primary/events") || ch.Kind != "api#channel" {
		t.Fatalf("channel %+v", ch)
	}
	wantExp := e.clock.Now().Add(7 * 24 * time.Hour).UnixMilli()
	if ch.Expiration != wantExp {
		t.Fatalf("default expiration %d, want %d (7 days)", ch.Expiration, wantExp)
	}

	first := hk.next(t, "chan-1")
	if first.Get("X-Goog-Resource-State") != "sync" || msgNumber(t, first) != 1 || first.Get("X-Test-Method") != "POST" ||
		first.Get("X-Test-Body-Length") != "0" || first.Get("X-Goog-Channel-Token") != "target=calsync" ||
		first.Get("X-Goog-Resource-Id") != ch.ResourceId || first.Get("X-Goog-Resource-Uri") != ch.ResourceUri ||
		first.Get("X-Goog-Channel-Expiration") == "" {
		t.Fatalf("sync message %v", first)
	}

	// Each change gives one "exists" message with a growing number; a
	// change "as the user" too.
	if _, err := svc.Events.Insert("primary", newEvent("seen000001", "a", e.clock.Now())).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.emu.PatchEventAsUser("ann@example.com", "seen000001", []byte(`{"summary":"b"}`)); err != nil {
		t.Fatal(err)
	}
	last := 1
	for range 2 {
		h := hk.next(t, "chan-1")
		if h.Get("X-Goog-Resource-State") != "exists" || msgNumber(t, h) <= last {
			t.Fatalf("change message %v after %d", h, last)
		}
		last = msgNumber(t, h)
	}

	// A second channel on the same calendar shares the resource id.
	ch2, err := svc.Events.Watch("primary", &calendar.Channel{Id: "chan-2", Type: "web_hook", Address: hk.srv.URL + "/hook"}).Do()
	if err != nil || ch2.ResourceId != ch.ResourceId {
		t.Fatalf("second channel %v %+v", err, ch2)
	}
	hk.next(t, "chan-2") // sync

	// channels.stop needs the right pair; afterwards chan-1 hears nothing.
	apiErr(t, svc.Channels.Stop(&calendar.Channel{Id: "chan-1", ResourceId: "wrong"}).Do(), 404, "notFound")
	apiErr(t, svc.Channels.Stop(&calendar.Channel{Id: "chan-1"}).Do(), 400, "required")
	if err := svc.Channels.Stop(&calendar.Channel{Id: "chan-1", ResourceId: ch.ResourceId}).Do(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	apiErr(t, svc.Channels.Stop(&calendar.Channel{Id: "chan-1", ResourceId: ch.ResourceId}).Do(), 404, "notFound")
	before := hk.count("chan-1")
	if err := svc.Events.Delete("primary", "seen000001").Do(); err != nil {
		t.Fatal(err)
	}
	if h := hk.next(t, "chan-2"); h.Get("X-Goog-Resource-State") != "exists" || msgNumber(t, h) != 2 {
		t.Fatalf("chan-2 message %v", h)
	}
	if hk.count("chan-1") != before {
		t.Fatalf("stopped channel still notified")
	}
}

func TestWatchExpiryAndDroppedNotifications(t *testing.T) {
	e := newEnv(t)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	hk := newHook(t)
	if _, err := svc.Events.Watch("primary", &calendar.Channel{Id: "long", Type: "web_hook", Address: hk.srv.URL}).Do(); err != nil {
		t.Fatal(err)
	}
	hk.next(t, "long")

	// Drop the next notification: message 2 never arrives, 3 does.
	e.faults.Add(emucore.Fault{DropNotifications: true, Count: 1})
	for _, id := range []string{"drop000001", "drop000002"} {
		if _, err := e.emu.InsertEventAsUser("ann@example.com", []byte(`{"id":"`+id+`","start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"}}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n := msgNumber(t, hk.next(t, "long")); n != 3 {
		t.Fatalf("after a dropped message got number %d, want 3", n)
	}

	// A channel asked to live one minute stops delivering after it.
	exp := e.clock.Now().Add(time.Minute).UnixMilli()
	ch, err := svc.Events.Watch("primary", &calendar.Channel{Id: "short", Type: "web_hook", Address: hk.srv.URL, Expiration: exp}).Do()
	if err != nil || ch.Expiration != exp {
		t.Fatalf("short watch: %v %+v", err, ch)
	}
	hk.next(t, "short")
	e.clock.Advance(2 * time.Minute)
	if _, err := e.emu.InsertEventAsUser("ann@example.com", []byte(`{"id":"late000001","start":{"date":"2030-01-01"},"end":{"date":"2030-01-02"}}`)); err != nil {
		t.Fatal(err)
	}
	if n := msgNumber(t, hk.next(t, "long")); n != 4 {
		t.Fatalf("long channel number %d, want 4", n)
	}
	if hk.count("short") != 1 {
		t.Fatal("expired channel delivered")
	}
	for _, c := range e.emu.Channels() {
		if c.ID == "short" {
			t.Fatal("expired channel still listed")
		}
	}
}

func TestWatchValidation(t *testing.T) {
	e := newEnvWith(t, false)
	e.account("ann@example.com", "")
	svc := e.service("ann@example.com")
	for _, tc := range []struct {
		name   string
		ch     *calendar.Channel
		reason string
	}{
		{"http address", &calendar.Channel{Id: "a", Type: "web_hook", Address: "http://127.0.0.1:9/hook"}, "push.webhookUrlNotHttps"},
		{"long id", &calendar.Channel{Id: strings.Repeat("x", 65), Type: "web_hook", Address: "https://127.0.0.1:1/h"}, "channelIdInvalid"},
		{"no id", &calendar.Channel{Type: "web_hook", Address: "https://127.0.0.1:1/h"}, "required"},
		{"bad type", &calendar.Channel{Id: "a", Type: "email", Address: "https://127.0.0.1:1/h"}, "invalid"},
		{"long token", &calendar.Channel{Id: "a", Type: "web_hook", Address: "https://127.0.0.1:1/h", Token: strings.Repeat("t", 257)}, "invalid"},
		{"past expiration", &calendar.Channel{Id: "a", Type: "web_hook", Address: "https://127.0.0.1:1/h", Expiration: 1000}, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Events.Watch("primary", tc.ch).Do()
			apiErr(t, err, 400, tc.reason)
		})
	}
	// https is accepted; the same id again is not unique.
	if _, err := svc.Events.Watch("primary", &calendar.Channel{Id: "ok", Type: "web_hook", Address: "https://127.0.0.1:1/h"}).Do(); err != nil {
		t.Fatalf("https watch: %v", err)
	}
	_, err := svc.Events.Watch("primary", &calendar.Channel{Id: "ok", Type: "web_hook", Address: "https://127.0.0.1:1/h"}).Do()
	apiErr(t, err, 400, "channelIdNotUnique")
}
