package engine_test

import (
	"fmt"
	"strconv"
	"strings"
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
			f.waitIdle(t, "the creates' syncs")
			// A whole-account round of another origin (the start-up
			// reconcile pass spreads its syncs over a minute) may take the
			// change now and then: the change is made again, up to three
			// times, and must once be synced alone. Unscoped syncs never are.
			var runs []string
			for attempt := range 3 {
				before := f.lastRunID(t)
				title := fmt.Sprintf("Job 11 (moved %d)", attempt)
				f.mutate(t, `mutation($id:ID!,$t:String!){updateBooking(id:$id,input:{title:$t}){id}}`, map[string]any{"id": strconv.Itoa(last), "t": title})
				for i := range want {
					if strings.HasPrefix(want[i], "Job 11") {
						want[i] = title
					}
				}
				f.waitTitles(t, "renamed", want...)
				run := f.waitRun(t, "the change's sync", syncrun.KindINCREMENTAL, before)
				considered := run.Total + run.SkippedCount
				runs = append(runs, fmt.Sprintf("updated %d, considered %d (total %d, skipped %d)", run.UpdatedCount, considered, run.Total, run.SkippedCount))
				if run.UpdatedCount == 1 && considered <= 1 {
					break
				}
				if attempt == 2 {
					t.Errorf("the change's sync was never scoped to its booking: %v; want updated 1 of 13, considered 1", runs)
				}
				f.waitIdle(t, "the change's syncs")
			}

			before := f.lastRunID(t)
			f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
			run := f.waitRun(t, "re-sync", syncrun.KindRESYNC, before)
			if run.SkippedCount != 13 {
				t.Errorf("the re-sync considered %d pairs, want all 13", run.SkippedCount)
			}
		})
	}
}

// waitIdle waits until every sync request of the account has been handled
// and none arrived for 300 ms (the creates' last rounds, which may take
// the whole account, are over).
func (f *fixture) waitIdle(t *testing.T, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	lastReq, quietSince := -1, time.Now()
	for {
		r, d := f.counters(t)
		if r != lastReq || d < r {
			lastReq, quietSince = r, time.Now()
		} else if time.Since(quietSince) >= 300*time.Millisecond {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d sync requests, %d handled", what, r, d)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
