package bench

import (
	"bytes"
	"context"
	"io"
	"runtime/pprof"

	"github.com/google/pprof/profile"
)

// The bench runs Calsync, the emulated providers and its own GraphQL
// clients in one process, so the process's CPU time is more than
// Calsync's. The emulator's goroutines (its servers, the notifications
// it sends) and the clients' (their requests and the connections they
// dial) carry a profiler label, and a CPU profile of each phase tells how
// much of the process's time they took (attribution).
const partLabel = "bench_part"

// The labelled parts of the process that are not Calsync.
const (
	partEmulator = "emulator"
	partClient   = "client"
)

// asPart runs fn with the goroutine labelled as part: what it starts
// (servers, connections, their goroutines) inherits the label.
func asPart(ctx context.Context, part string, fn func(context.Context)) {
	pprof.Do(ctx, pprof.Labels(partLabel, part), fn)
}

// attribution is a CPU profile of a phase being taken.
type attribution struct {
	buf bytes.Buffer
	on  bool
}

// startAttribution starts the phase's CPU profile, also written to
// profile when it is not nil. With the profiler already in use elsewhere
// the phase has no attribution (stop returns nil).
func startAttribution(profile io.Writer) (*attribution, error) {
	a := &attribution{}
	var w io.Writer = &a.buf
	if profile != nil {
		w = io.MultiWriter(profile, &a.buf)
	}
	if err := pprof.StartCPUProfile(w); err != nil {
		if profile != nil {
			return nil, err // asked for: say why there is none
		}
		return a, nil
	}
	a.on = true
	return a, nil
}

// stop ends the profile and returns the share of the process's sampled
// CPU time each labelled part took (0 without a profile or samples).
func (a *attribution) stop() (shares map[string]float64) {
	if !a.on {
		return nil
	}
	pprof.StopCPUProfile()
	a.on = false
	return cpuShares(a.buf.Bytes())
}

// cpuShares reads a CPU profile and returns the share of its CPU time
// whose samples carry each value of partLabel.
func cpuShares(raw []byte) map[string]float64 {
	p, err := profile.ParseData(raw)
	if err != nil {
		return nil
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	if idx < 0 {
		return nil
	}
	var total int64
	by := map[string]int64{}
	for _, s := range p.Sample {
		v := s.Value[idx]
		total += v
		if parts := s.Label[partLabel]; len(parts) > 0 {
			by[parts[0]] += v
		}
	}
	if total == 0 {
		return nil
	}
	shares := make(map[string]float64, len(by))
	for part, v := range by {
		shares[part] = float64(v) / float64(total)
	}
	return shares
}
