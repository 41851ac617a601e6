package emucore

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowReplyAfterTheChange: a fault with AfterHandler and no status
// lets the handler make its change at once and sends its real reply only
// after Latency.
func TestSlowReplyAfterTheChange(t *testing.T) {
	var handled atomic.Int64
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled.Store(time.Now().UnixNano())
		w.Header().Set("X-Made", "yes")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"c1"}`)
	})
	f := NewFaults(1)
	f.Add(Fault{Method: "POST", PathPrefix: "/watch", AfterHandler: true, Latency: 300 * time.Millisecond, Count: 1})
	srv := httptest.NewServer(f.Middleware(next, func(w http.ResponseWriter, r *http.Request, status int, reason string, retryAfter int) {
		t.Errorf("an error was written (%d)", status)
	}))
	defer srv.Close()

	start := time.Now()
	res, err := http.Post(srv.URL+"/watch", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	replied := time.Now()
	if res.StatusCode != http.StatusCreated || string(body) != `{"id":"c1"}` || res.Header.Get("X-Made") != "yes" {
		t.Fatalf("reply %d %q %v", res.StatusCode, body, res.Header)
	}
	at := time.Unix(0, handled.Load())
	if at.Before(start) || replied.Sub(at) < 300*time.Millisecond {
		t.Errorf("replied %v after the change; want at least the fault's 300ms", replied.Sub(at))
	}
	if n := len(f.List()); n != 0 {
		t.Errorf("%d rules left after their one use", n)
	}
}
