package bench

import (
	"bytes"
	"context"
	"math"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"calsync/internal/domain"
)

// spin burns CPU until stop is closed.
func spin(stop <-chan struct{}) {
	x := 1.0
	for {
		select {
		case <-stop:
			_ = x
			return
		default:
		}
		for range 10_000 {
			x = math.Sqrt(x + 1)
		}
	}
}

func TestCPUSharesByLabel(t *testing.T) {
	a, err := startAttribution(nil)
	if err != nil || !a.on {
		t.Fatalf("no profile: %v", err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	asPart(context.Background(), partEmulator, func(context.Context) {
		go func() { defer wg.Done(); spin(stop) }() // inherits the label
	})
	go func() { defer wg.Done(); spin(stop) }() // Calsync's
	time.Sleep(600 * time.Millisecond)
	close(stop)
	wg.Wait()
	shares := a.stop()
	// Two goroutines spun side by side: each about half the samples.
	if s := shares[partEmulator]; s < 0.2 || s > 0.8 {
		t.Fatalf("emulator share %.2f of %v, want about half", s, shares)
	}
	if s := shares[partClient]; s != 0 {
		t.Fatalf("client share %.2f, want none", s)
	}
	if cpuShares([]byte("not a profile")) != nil {
		t.Fatal("shares read from garbage")
	}
}

// goroutines is the goroutine profile as text, with each goroutine's labels.
func goroutines(t *testing.T) string {
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// labelledWith reports whether a goroutine group of the profile that has
// frame in its stack carries part's label.
func labelledWith(profile, frame, part string) bool {
	for g := range strings.SplitSeq(profile, "\n\n") {
		if strings.Contains(g, frame) && strings.Contains(g, `"`+partLabel+`":"`+part+`"`) {
			return true
		}
	}
	return false
}

func TestBenchPartsAreLabelled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Calsync end to end")
	}
	ctx := context.Background()
	h, err := start(ctx, Options{Provider: domain.ProviderGoogle})
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	if _, err := h.seed(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The emulator's server, and the connection the client keeps to
	// Calsync's API, carry their parts' labels; Calsync's server none.
	p := goroutines(t)
	if !labelledWith(p, "net/http.(*Server).Serve", partEmulator) {
		t.Fatalf("the emulator's server is not labelled:\n%s", p)
	}
	if !labelledWith(p, "net/http.(*persistConn).readLoop", partClient) {
		t.Fatalf("the client's connection is not labelled:\n%s", p)
	}
	n := 0
	for g := range strings.SplitSeq(p, "\n\n") {
		if strings.Contains(g, "net/http.(*Server).Serve") && !strings.Contains(g, partLabel) {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no unlabelled server (Calsync's API):\n%s", p)
	}
}

func TestPushSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Calsync end to end")
	}
	res, err := Push(context.Background(), PushOptions{Options: Options{Provider: domain.ProviderGoogle}, Fieldworkers: 4, Rate: 10, Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changes != 20 || res.Missing != 0 || res.P99Ms <= 0 || res.CPUMsPerChange <= 0 {
		t.Fatalf("result %+v", res)
	}
	// The phase was profiled: Calsync's part is reported, within the
	// process's CPU (its split is TestCPUSharesByLabel's).
	if res.CalsyncCPUMsPerChange <= 0 || res.CalsyncCPUMsPerChange > res.CPUMsPerChange {
		t.Fatalf("attribution %+v", res.PushPhase)
	}
}
