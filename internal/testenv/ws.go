package testenv

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	coderws "github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// WSSession dials /graphql with the client's session cookie and returns a
// write function and a reader of the next message other than the
// protocol's keep-alives.
func (e *Env) WSSession(t testing.TB, c *Client, protocol string, keepAlive ...string) (write func(any), next func(time.Duration) map[string]any) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	u := strings.Replace(e.Server.URL, "http", "ws", 1) + "/graphql"
	hdr := http.Header{}
	base, _ := http.NewRequest(http.MethodGet, e.Server.URL, nil)
	for _, ck := range c.HTTP.Jar.Cookies(base.URL) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := coderws.Dial(ctx, u, &coderws.DialOptions{Subprotocols: []string{protocol}, HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("websocket dial: %v", err)
	}
	t.Cleanup(func() { conn.Close(coderws.StatusNormalClosure, "") })
	write = func(v any) {
		if err := wsjson.Write(ctx, conn, v); err != nil {
			t.Errorf("websocket write: %v", err)
		}
	}
	msgs := make(chan map[string]any, 16)
	go func() {
		defer close(msgs)
		for {
			var m map[string]any
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				return
			}
			if m["type"] == "ping" {
				_ = wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
				continue
			}
			if slices.Contains(keepAlive, fmt.Sprint(m["type"])) {
				continue
			}
			msgs <- m
		}
	}()
	next = func(d time.Duration) map[string]any {
		select {
		case m := <-msgs:
			return m
		case <-time.After(d):
			return nil
		}
	}
	return write, next
}

// Subscribe opens a graphql-transport-ws subscription as c and returns a
// reader of the next message (nil after d without one). It returns once
// the server has registered the subscription.
func (e *Env) Subscribe(t testing.TB, c *Client, query string, vars map[string]any) func(time.Duration) map[string]any {
	t.Helper()
	write, next := e.WSSession(t, c, "graphql-transport-ws")
	write(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	if ack := next(5 * time.Second); ack == nil || ack["type"] != "connection_ack" {
		t.Fatalf("expected connection_ack, got %v", ack)
	}
	write(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
	// The resolver runs asynchronously after "subscribe"; give it a moment
	// so events published right after are not missed.
	time.Sleep(100 * time.Millisecond)
	return next
}

// SubscribeLegacy speaks the legacy graphql-ws (subscriptions-transport-ws)
// protocol.
func (e *Env) SubscribeLegacy(t testing.TB, c *Client, query string) func(time.Duration) map[string]any {
	t.Helper()
	write, next := e.WSSession(t, c, "graphql-ws", "ka", "connection_ack")
	write(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	write(map[string]any{"id": "1", "type": "start", "payload": map[string]any{"query": query}})
	time.Sleep(100 * time.Millisecond)
	return next
}
