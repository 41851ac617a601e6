package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	coderws "github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"calsync/internal/testenv"
)

// openFiles counts this process's file descriptors (the test server runs
// in it).
func openFiles(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(ents)
}

// TestWebsocketRefusedInitClosesSocket: a connection_init with a bad or
// missing token closes the socket with 4403 within a second on
// graphql-transport-ws, and with connection_error on the legacy protocol;
// fifty such connections leave no descriptor behind (they used to panic
// inside gqlgen and stay in CLOSE-WAIT).
func TestWebsocketRefusedInitClosesSocket(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	url := strings.Replace(env.Server.URL, "http", "ws", 1) + "/graphql"

	refuse := func(t *testing.T, protocol string, payload map[string]any) (closeCode coderws.StatusCode, messages []map[string]any) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := coderws.Dial(ctx, url, &coderws.DialOptions{Subprotocols: []string{protocol}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer conn.CloseNow()
		init := map[string]any{"type": "connection_init"}
		if payload != nil {
			init["payload"] = payload
		}
		if err := wsjson.Write(ctx, conn, init); err != nil {
			t.Fatalf("write: %v", err)
		}
		deadline, cancelRead := context.WithTimeout(ctx, time.Second)
		defer cancelRead()
		for {
			var m map[string]any
			err := wsjson.Read(deadline, conn, &m)
			if err != nil {
				var ce coderws.CloseError
				if errors.As(err, &ce) {
					return ce.Code, messages
				}
				t.Fatalf("%s: no close frame within a second: %v (messages %v)", protocol, err, messages)
			}
			messages = append(messages, m)
		}
	}

	cases := []struct {
		name    string
		payload map[string]any
	}{
		{"no payload", nil},
		{"no token", map[string]any{}},
		{"not bearer", map[string]any{"authorization": "Basic abc"}},
		{"unknown token", map[string]any{"authorization": "Bearer csb_nothing"}},
	}
	for _, c := range cases {
		t.Run("graphql-transport-ws/"+c.name, func(t *testing.T) {
			code, _ := refuse(t, "graphql-transport-ws", c.payload)
			if code != 4403 {
				t.Fatalf("close code %d, want 4403", code)
			}
		})
		t.Run("graphql-ws/"+c.name, func(t *testing.T) {
			code, msgs := refuse(t, "graphql-ws", c.payload)
			if len(msgs) == 0 || msgs[0]["type"] != "connection_error" {
				t.Fatalf("legacy protocol: messages %v, want connection_error first", msgs)
			}
			if code != 4403 {
				t.Fatalf("legacy close code %d, want 4403", code)
			}
		})
	}

	t.Run("fifty refused connections leave no descriptor", func(t *testing.T) {
		// Warm up: the first connections open pooled resources.
		refuse(t, "graphql-transport-ws", map[string]any{"authorization": "Bearer bad"})
		time.Sleep(100 * time.Millisecond)
		before := openFiles(t)
		for range 50 {
			refuse(t, "graphql-transport-ws", map[string]any{"authorization": "Bearer bad"})
		}
		var after int
		for range 250 { // the server closes its side just after the client sees the frame
			after = openFiles(t)
			if after-before < 5 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if after-before >= 5 {
			t.Fatalf("open files %d before, %d after 50 refused websockets", before, after)
		}
		t.Logf("open files: %d before, %d after 50 refused websockets", before, after)
	})
}

// TestSubscriptionsPerSocketBounded: one socket holds at most 20
// subscriptions at once; ending one frees its place.
func TestSubscriptionsPerSocketBounded(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "acme")
	admin := env.SignIn(t, org.Admin.Email, org.Password)
	send, next := env.WSSession(t, admin, "graphql-transport-ws")
	send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	if m := next(5 * time.Second); m["type"] != "connection_ack" {
		t.Fatalf("init: %v", m)
	}
	sub := func(id string) {
		send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": "subscription{bookingChanged{kind}}"}})
	}
	refusal := func(m map[string]any) bool {
		return m != nil && (m["type"] == "next" || m["type"] == "error") && strings.Contains(fmt.Sprint(m["payload"]), "at most 20 subscriptions")
	}
	for i := range 21 {
		sub(fmt.Sprint("s", i))
	}
	// Subscriptions start concurrently: exactly one of the 21 is refused.
	m := next(5 * time.Second)
	if !refusal(m) {
		t.Fatalf("21 subscriptions: %v", m)
	}
	refused := m["id"]
	for m != nil && m["type"] != "complete" {
		m = next(5 * time.Second)
	}
	if extra := next(300 * time.Millisecond); extra != nil {
		t.Fatalf("after the refusal: %v", extra)
	}
	open := "s0"
	if refused == "s0" {
		open = "s1"
	}
	send(map[string]any{"id": open, "type": "complete"})
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		id := fmt.Sprint("again", i)
		sub(id)
		// A refusal answers at once; an accepted subscription says nothing.
		m := next(300 * time.Millisecond)
		for m != nil && m["type"] == "complete" && m["id"] == open {
			m = next(300 * time.Millisecond) // the server confirms the completion
		}
		if m == nil {
			break // accepted: the completed subscription's place was given back
		}
		if !refusal(m) || time.Now().After(deadline) {
			t.Fatalf("no place freed after completing a subscription: %v", m)
		}
		// Up to the refused one's own completion: the server's
		// confirmation of the completed subscription may come between.
		for m != nil && (m["type"] != "complete" || m["id"] != id) {
			m = next(time.Second)
		}
	}
}
