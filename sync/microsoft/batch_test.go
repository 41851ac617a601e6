package microsoft_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"calsync/sync/emulator/emucore"
	"calsync/sync/engine"
	"calsync/sync/microsoft"
)

// TestBatchSplitsAndMapsEachAnswer sends more than MaxBatch operations of
// every kind, some of which fail, and checks each result and what the
// calendar holds.
func TestBatchSplitsAndMapsEachAnswer(t *testing.T) {
	e := newCalEnv(t)
	max := e.ms.MaxBatch()

	// 21 creates: one $batch of 20, then a single request.
	var creates []engine.Op
	for i := range max + 1 {
		creates = append(creates, create(booking(t, i)))
	}
	batches, requests := e.batches.Load(), e.graphRequests.Load()
	made := e.mustApply(t, creates...)
	if got := e.batches.Load() - batches; got != 1 {
		t.Fatalf("%d $batch requests for %d creates, want 1", got, len(creates))
	}
	if got := e.graphRequests.Load() - requests; got != 2 {
		t.Fatalf("%d Graph requests for %d creates, want 2 (a batch and a single create)", got, len(creates))
	}
	if ids := ids(made); len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(creates) || len(e.stored(t)) != len(creates) {
		t.Fatalf("%d distinct ids, %d stored, want %d", len(slices.Compact(slices.Sorted(slices.Values(ids)))), len(e.stored(t)), len(creates))
	}
	remote := func(i int) engine.Remote { return made[i].Remote }
	must(t, e.emu.DeleteEvent(e.adele.ID, remote(20).ID)) // gone before the next batch

	// 25 mixed operations: ops 0-19 in one batch (op 17 refused before
	// sending), ops 20-24 in a second.
	var ops []engine.Op
	want := make([]error, 25) // nil: success
	for i := range 10 {
		ev := booking(t, i)
		ev.Title = fmt.Sprintf("Booking %d, renamed", i)
		ops = append(ops, update(remote(i), ev, engine.FieldTitle))
	}
	stale := remote(10)
	stale.ETag = "c3RhbGU="
	ops = append(ops, update(stale, booking(t, 10), engine.FieldTitle))
	want[10] = engine.ErrPrecondition
	for i := 11; i <= 15; i++ {
		ops = append(ops, del(remote(i)))
	}
	ops = append(ops, del(remote(20))) // already gone: success
	bad := booking(t, 50)
	bad.RRule = "FREQ=MINUTELY"
	ops = append(ops, create(bad))
	want[17] = engine.ErrInvalid
	for i := 51; i <= 56; i++ {
		ops = append(ops, create(booking(t, i)))
	}
	ops = append(ops, update(remote(20), booking(t, 20), engine.FieldTitle))
	want[24] = engine.ErrNotFound

	batches = e.batches.Load()
	res := e.apply(t, ops...)
	if got := e.batches.Load() - batches; got != 2 {
		t.Fatalf("%d $batch requests for 25 operations, want 2", got)
	}
	for i, r := range res {
		if want[i] == nil {
			if r.Err != nil {
				t.Errorf("op %d: %v", i, r.Err)
			}
			continue
		}
		wantSentinel(t, fmt.Sprintf("op %d", i), r.Err, want[i])
	}
	stored := e.storedByID(t)
	for i := range 10 {
		g := stored[remote(i).ID]
		if g.Subject != fmt.Sprintf("Booking %d, renamed", i) || g.ChangeKey != res[i].Remote.ETag {
			t.Errorf("event %d: subject %q changeKey %q, result etag %q", i, g.Subject, g.ChangeKey, res[i].Remote.ETag)
		}
	}
	if g := stored[remote(10).ID]; g.Subject != "Booking 10" {
		t.Errorf("the stale update changed event 10: %q", g.Subject)
	}
	for i := 11; i <= 15; i++ {
		if _, ok := stored[remote(i).ID]; ok {
			t.Errorf("event %d was not deleted", i)
		}
	}
	for i := 18; i <= 23; i++ {
		if g, ok := stored[res[i].Remote.ID]; !ok || g.Subject != fmt.Sprintf("Booking %d", 51+i-18) {
			t.Errorf("create %d: stored %+v", i, g)
		}
	}
	// 21 - 5 deleted - 1 deleted as the user + 6 created.
	if len(stored) != 21 {
		t.Errorf("%d events stored, want 21", len(stored))
	}
}

// TestBatchInnerThrottling: the outer $batch succeeds, one inner request
// is throttled; the rest of that batch is applied and the following batch
// is not sent.
func TestBatchInnerThrottling(t *testing.T) {
	e := newCalEnv(t)
	var creates []engine.Op
	for i := range 3 {
		creates = append(creates, create(booking(t, i)))
	}
	made := e.mustApply(t, creates...)

	e.faults.Add(emucore.Fault{Method: "PATCH", PathPrefix: "/graph/v1.0/me/calendars/" + e.cal.CalendarID + "/events/" + made[1].Remote.ID,
		Status: 429, RetryAfter: 7, Count: 1})
	var ops []engine.Op
	for i := range 3 {
		ev := booking(t, i)
		ev.Title = "Renamed"
		ops = append(ops, update(made[i].Remote, ev, engine.FieldTitle))
	}
	for i := 10; i < 32; i++ { // 22 creates: the rest of batch 1 and all of batch 2
		ops = append(ops, create(booking(t, i)))
	}
	batches := e.batches.Load()
	res := e.apply(t, ops...)
	if got := e.batches.Load() - batches; got != 1 {
		t.Fatalf("%d $batch requests, want 1 (the second batch held back)", got)
	}
	wantRateLimited(t, "the throttled update", res[1].Err, 7*time.Second)
	var ge *microsoft.GraphError
	if !errors.As(res[1].Err, &ge) || ge.StatusCode != 429 || ge.Code != "ApplicationThrottled" {
		t.Fatalf("err = %v, want Graph's inner 429 reachable", res[1].Err)
	}
	for i := range 20 {
		if i != 1 && res[i].Err != nil {
			t.Errorf("op %d of the first batch: %v", i, res[i].Err)
		}
	}
	for i := 20; i < len(ops); i++ {
		wantRateLimited(t, fmt.Sprintf("op %d of the held-back batch", i), res[i].Err, 7*time.Second)
		if !strings.Contains(res[i].Err.Error(), "not sent") {
			t.Errorf("op %d: %v does not say it was not sent", i, res[i].Err)
		}
	}
	stored := e.storedByID(t)
	if len(stored) != 3+17 {
		t.Fatalf("%d events stored, want 20 (3 + the 17 creates of the first batch)", len(stored))
	}
	if stored[made[1].Remote.ID].Subject != "Booking 1" || stored[made[0].Remote.ID].Subject != "Renamed" {
		t.Fatalf("subjects %q and %q", stored[made[1].Remote.ID].Subject, stored[made[0].Remote.ID].Subject)
	}

	// After the wait, the retry of the failed ops applies them once.
	var retry []engine.Op
	for i, r := range res {
		if r.Err != nil {
			retry = append(retry, ops[i])
		}
	}
	e.mustApply(t, retry...)
	if n := len(e.stored(t)); n != 3+22 {
		t.Fatalf("%d events stored after the retry, want 25", n)
	}
}

// TestBatchInnerFailures: a 503 inside a batch is a plain error of that
// operation only, and a write whose answer was lost is not repeated.
func TestBatchInnerFailures(t *testing.T) {
	e := newCalEnv(t)
	events := "/graph/v1.0/me/calendars/" + e.cal.CalendarID + "/events"
	// The first POST fails after it created the event; the second fails
	// outright (answers are matched to their requests by id, in order).
	e.faults.Add(emucore.Fault{Method: "POST", PathPrefix: events, Status: 504, AfterHandler: true, Count: 1})
	ops := []engine.Op{create(booking(t, 1)), create(booking(t, 2)), create(booking(t, 3))}
	res := e.apply(t, ops...)
	wantPlain(t, "create whose answer was lost", res[0].Err)
	if res[1].Err != nil || res[2].Err != nil {
		t.Fatalf("other creates: %v, %v", res[1].Err, res[2].Err)
	}
	e.faults.Add(emucore.Fault{Method: "POST", PathPrefix: events, Status: 503, Count: 1})
	res = e.apply(t, ops...)
	wantPlain(t, "create answered 503", res[0].Err)
	var ge *microsoft.GraphError
	if !errors.As(res[0].Err, &ge) || ge.StatusCode != 503 {
		t.Fatalf("err = %v, want Graph's 503", res[0].Err)
	}
	res = e.mustApply(t, ops...)
	if n := len(e.stored(t)); n != 3 {
		t.Fatalf("%d events stored, want 3", n)
	}
	if g := e.storedOne(t, res[0].Remote.ID); g.Subject != "Booking 1" {
		t.Fatalf("stored %q", g.Subject)
	}
}
