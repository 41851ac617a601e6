package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"calsync/internal/testenv"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHostileDocuments measures the CPU one hostile document costs
// the server before it is refused (go test -bench HostileDocuments
// ./internal/server/); cpu-ms/op is user+system time of the process.
func BenchmarkHostileDocuments(b *testing.B) {
	env := testenv.New(b, testenv.SQLite)
	h := env.App.Handler()
	for _, d := range hostileDocuments {
		body, _ := json.Marshal(map[string]any{"query": d.query, "variables": d.vars})
		b.Run(d.name, func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					b.Fatalf("status %d", rec.Code)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
