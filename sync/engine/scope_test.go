package engine_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"calsync/ent/syncrun"
	"calsync/internal/testenv"
)

// TestChangeSyncsOnlyItsBooking: an incremental sync after one booking
// changed compares that booking's pairs only, however many bookings the
// fieldworker hosts; a re-sync compares them all.
func TestChangeSyncsOnlyItsBooking(t *testing.T) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			f := setup(t, k, "scope")
			start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
			want := []string{"Visit scope"}
			var last int
			for i := range 12 {
				title := fmt.Sprintf("Job %02d", i)
				last = f.createBooking(t, title, start.Add(time.Duration(i)*time.Hour), f.org.Fieldworker.ID)
				want = append(want, title)
			}
			f.waitTitles(t, "all pushed", want...)
			time.Sleep(300 * time.Millisecond) // let the last rounds finish
			before := f.lastRunID(t)
			f.mutate(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Job 11 (moved)"}){id}}`, map[string]any{"id": strconv.Itoa(last)})
			for i := range want {
				if want[i] == "Job 11" {
					want[i] = "Job 11 (moved)"
				}
			}
			f.waitTitles(t, "renamed", want...)
			run := f.waitRun(t, "the change's sync", syncrun.KindINCREMENTAL, before)
			if considered := run.Total + run.SkippedCount; run.UpdatedCount != 1 || considered > 1 {
				t.Errorf("the change's sync updated %d and considered %d pairs (total %d, skipped %d), want 1 of 13",
					run.UpdatedCount, considered, run.Total, run.SkippedCount)
			}

			before = f.lastRunID(t)
			f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			run = f.waitRun(t, "re-sync", syncrun.KindRESYNC, before)
			if run.SkippedCount != 13 {
				t.Errorf("the re-sync considered %d pairs, want all 13", run.SkippedCount)
			}
		})
	}
}
