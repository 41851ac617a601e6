package engine

import (
	"context"
	"testing"
	"time"

	"calsync/internal/domain"
)

// TestPacerStaysInsideTheWindow: however requests are grouped, no window
// of the quota's length carries more than the quota.
func TestPacerStaysInsideTheWindow(t *testing.T) {
	p := NewPacer(map[domain.Provider]Quota{domain.ProviderGoogle: {Requests: 200, Per: time.Second}})
	ctx := context.Background()
	var sent []time.Time
	start := time.Now()
	for time.Since(start) < 1500*time.Millisecond {
		if err := p.Wait(ctx, domain.ProviderGoogle, 1, 10); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for range 10 {
			sent = append(sent, now)
		}
	}
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < time.Second; j++ {
			n++
		}
		if n > 200 {
			t.Fatalf("%d requests within one second from %v; quota 200", n, sent[i].Sub(start))
		}
	}
	if len(sent) < 200 {
		t.Fatalf("only %d requests in 1.5 s: pacing far below the quota", len(sent))
	}
}
