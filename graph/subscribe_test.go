package graph

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestSubscribe: events the subscriber may not see are dropped, the others
// arrive in order; the subscription ends at the first event after its
// session stops being valid, when its source closes, and when its client
// goes away even while a message waits to be taken.
func TestSubscribe(t *testing.T) {
	evenOnly := func(n int) (string, bool) { return strconv.Itoa(n), n%2 == 0 }
	always := func(context.Context) bool { return true }

	t.Run("filters and relays until the source closes", func(t *testing.T) {
		src := make(chan int)
		out := subscribe(context.Background(), src, always, evenOnly)
		go func() {
			for i := 1; i <= 6; i++ {
				src <- i
			}
			close(src)
		}()
		var got []string
		for m := range out {
			got = append(got, m)
		}
		if want := "[2 4 6]"; fmt.Sprint(got) != want {
			t.Fatalf("got %v, want %s", got, want)
		}
	})

	t.Run("ends once the session is no longer valid", func(t *testing.T) {
		src := make(chan int, 8)
		var valid atomic.Bool
		valid.Store(true)
		out := subscribe(context.Background(), src, func(context.Context) bool { return valid.Load() }, evenOnly)
		src <- 2
		if m := next(t, out); m != "2" {
			t.Fatalf("got %q, want 2", m)
		}
		valid.Store(false) // revoked, signed out or deactivated
		src <- 4
		select {
		case m, ok := <-out:
			if ok {
				t.Fatalf("got %q after the session ended", m)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("subscription still open after its session ended")
		}
	})

	t.Run("ends when the client goes away", func(t *testing.T) {
		src := make(chan int, 32)
		ctx, cancel := context.WithCancel(context.Background())
		out := subscribe(ctx, src, always, evenOnly)
		// Nobody reads: fill the buffer and block the relay on a send.
		for i := 0; i < 2*(cap(out)+2); i++ {
			src <- 2
		}
		time.Sleep(20 * time.Millisecond)
		cancel()
		deadline := time.After(2 * time.Second)
		for {
			select {
			case _, ok := <-out:
				if !ok {
					return
				}
			case <-deadline:
				t.Fatal("subscription still open after its client went away")
			}
		}
	})
}

func next(t *testing.T, out <-chan string) string {
	t.Helper()
	select {
	case m, ok := <-out:
		if !ok {
			t.Fatal("subscription ended early")
		}
		return m
	case <-time.After(2 * time.Second):
		t.Fatal("no message")
	}
	return ""
}
