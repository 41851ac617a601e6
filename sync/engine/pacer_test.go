package engine

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"calsync/internal/domain"
)

// TestPacerStaysInsideTheWindow: however requests are grouped, no window
// of the quota's length carries more than the quota.
func TestPacerStaysInsideTheWindow(t *testing.T) {
	for _, q := range []Quota{{Requests: 200, Per: time.Second}, {Requests: 200, Per: time.Second, Burst: 100}} {
		paceWithin(t, q)
	}
}

// TestPacerBurst: with a burst, that many requests go at once.
func TestPacerBurst(t *testing.T) {
	p := NewPacer(map[domain.Provider]Quota{domain.ProviderMicrosoft: {Requests: 10000, Per: 10 * time.Minute, Burst: 5000}})
	start := time.Now()
	for range 250 { // 5,000 in $batch requests of 20
		if err := p.Wait(context.Background(), domain.ProviderMicrosoft, 1, 20); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("5,000 requests within the burst took %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := p.Wait(ctx, domain.ProviderMicrosoft, 1, 20); err == nil {
		t.Fatal("a batch past the burst went at once; the pace after it must hold")
	}
}

func paceWithin(t *testing.T, q Quota) {
	t.Helper()
	p := NewPacer(map[domain.Provider]Quota{domain.ProviderGoogle: q})
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
	if n, at := busiestSecond(sent); n > 200 {
		t.Fatalf("%d requests within one second from %v; quota 200", n, at.Sub(start))
	}
	if len(sent) < 200 {
		t.Fatalf("only %d requests in 1.5 s: pacing far below the quota", len(sent))
	}
}

// TestPacerProjectBudget: every account's requests, and reads outside a
// sync, share the provider's budget for the whole project: many accounts
// each well inside their own quota stay inside it together.
func TestPacerProjectBudget(t *testing.T) {
	// 600 a second per account, 200 a second for the project.
	p := NewPacer(map[domain.Provider]Quota{domain.ProviderGoogle: {Requests: 600, Per: time.Second, Project: 200}})
	ctx := context.Background()
	var mu sync.Mutex
	var sent []time.Time
	start := time.Now()
	var wg sync.WaitGroup
	for account := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < 1500*time.Millisecond {
				var err error
				if account == 0 {
					err = p.WaitProject(ctx, domain.ProviderGoogle, 1) // a read
				} else {
					err = p.Wait(ctx, domain.ProviderGoogle, account, 5)
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := 5
				if account == 0 {
					n = 1
				}
				mu.Lock()
				for range n {
					sent = append(sent, time.Now())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(sent, func(a, b time.Time) int { return a.Compare(b) })
	if n, at := busiestSecond(sent); n > 200 {
		t.Fatalf("%d requests of all accounts within one second from %v; project budget 200", n, at.Sub(start))
	}
	if len(sent) < 250 {
		t.Fatalf("only %d requests in 1.5 s: the budget of 200 a second was not used", len(sent))
	}
	// Microsoft has no project budget here: reads are not held back.
	if err := p.WaitProject(ctx, domain.ProviderMicrosoft, 1000); err != nil {
		t.Fatal(err)
	}
}

// TestPacerProjectShares: two processes sharing the project budget
// (ShareProject(2)) together stay inside it; back to one share, a process
// uses the whole budget again.
func TestPacerProjectShares(t *testing.T) {
	q := map[domain.Provider]Quota{domain.ProviderGoogle: {Requests: 600, Per: time.Second, Project: 200}}
	ctx := context.Background()
	procs := []*Pacer{NewPacer(q), NewPacer(q)}
	for _, p := range procs {
		p.ShareProject(2)
	}
	run := func(ps []*Pacer, d time.Duration) []time.Time {
		var mu sync.Mutex
		var sent []time.Time
		start := time.Now()
		var wg sync.WaitGroup
		for i, p := range ps {
			for account := range 5 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Since(start) < d {
						if err := p.Wait(ctx, domain.ProviderGoogle, i*10+account, 5); err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						for range 5 {
							sent = append(sent, time.Now())
						}
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		slices.SortFunc(sent, func(a, b time.Time) int { return a.Compare(b) })
		return sent
	}
	sent := run(procs, 1500*time.Millisecond)
	if n, _ := busiestSecond(sent); n > 200 {
		t.Fatalf("two processes sent %d requests within one second; project budget 200", n)
	}
	if len(sent) < 250 {
		t.Fatalf("only %d requests in 1.5 s: the shares of 100 a second were not used", len(sent))
	}
	// The other process is gone: one share again.
	procs[0].ShareProject(1)
	sent = run(procs[:1], 1500*time.Millisecond)
	if n, _ := busiestSecond(sent); n > 200 || len(sent) < 250 {
		t.Fatalf("alone again: %d requests in 1.5 s, %d in the busiest second; want the whole budget of 200 a second", len(sent), n)
	}
}

// busiestSecond returns the most requests of sent (in order) within one
// second, and when that second starts.
func busiestSecond(sent []time.Time) (int, time.Time) {
	most, at := 0, time.Time{}
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < time.Second; j++ {
			n++
		}
		if n > most {
			most, at = n, sent[i]
		}
	}
	return most, at
}
