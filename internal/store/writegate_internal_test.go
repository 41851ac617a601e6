package store

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitingAtGate counts the goroutines blocked in writeGate.enter.
func waitingAtGate() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "[select") && strings.Contains(g, "(*writeGate).enter") {
			n++
		}
	}
	return n
}

// Writers get their turn in the order they came, and a wait ends with its
// context.
func TestWriteGateIsFirstComeFirstServed(t *testing.T) {
	g := newWriteGate()
	ctx := context.Background()
	if err := g.enter(ctx); err != nil {
		t.Fatal(err)
	}
	leave := g.leaver()
	const n = 6
	order := make(chan int, n)
	for i := range n {
		go func() {
			if err := g.enter(ctx); err != nil {
				t.Error(err)
				return
			}
			order <- i
			g.leaver()()
		}()
		// The next comes once this one waits.
		for deadline := time.Now().Add(10 * time.Second); waitingAtGate() < i+1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("writer %d never waited", i)
			}
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.enter(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a wait past its deadline: %v", err)
	}
	leave()
	leave() // once only: a second call must not take another's turn
	for want := range n {
		if got := <-order; got != want {
			t.Fatalf("writer %d went in %d-th", got, want)
		}
	}
	var none *writeGate
	if err := none.enter(ctx); err != nil {
		t.Fatal(err)
	}
	none.leaver()()
}

func TestReadsIsSelectOnly(t *testing.T) {
	for q, want := range map[string]bool{
		`SELECT "id" FROM "users"`: true,
		" \n(select 1)":            true,
		`UPDATE "calendar_accounts" SET "x" = 1 RETURNING 1`:         false,
		`INSERT INTO "t" ("a") VALUES (?) RETURNING "id"`:            false,
		`WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT a FROM x`: false,
		`DELETE FROM "t"`: false,
		"SEL":             false,
	} {
		if got := reads(q); got != want {
			t.Errorf("reads(%q) = %v, want %v", q, got, want)
		}
	}
}
