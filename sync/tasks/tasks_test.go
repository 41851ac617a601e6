package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/syncpending"
	"calsync/ent/syncrun"
	"calsync/internal/domain"
	"calsync/internal/scheduling"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
	"calsync/sync/emulator/emucore"
	"calsync/sync/tasks"
)

// TestEnqueueOnlyAfterCommit: a committed mutation counts a sync request
// for each syncing account of its hosts (before and after), for that
// booking only, and wakes one sync per account; a rolled-back one records
// and enqueues nothing. Repeated wake-ups coalesce until a sync handled
// the requests. A change written to the outbox instead (what many events
// show) is fanned out once, however often its task comes.
func TestEnqueueOnlyAfterCommit(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "q")
			other := env.SeedOrg(t, "q2")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			insp := asynq.NewInspector(env.App.Redis.Asynq)
			defer insp.Close()
			pending := func(queue string) []*asynq.TaskInfo {
				ts, err := insp.ListPendingTasks(queue)
				if err != nil && err.Error() != "asynq: queue not found" {
					t.Fatal(err)
				}
				return ts
			}
			ctx := viewer.SystemContext(context.Background(), org.ID)
			// The first host has a linked account, the second not.
			acct, err := env.App.Client().CalendarAccount.Create().SetProvider(domain.ProviderGoogle).
				SetAccountEmail("fw@example.com").SetCredentialMode(domain.CredentialPlatformApp).
				SetStatus(calendaraccount.StatusACTIVE).AddUserIDs(org.Fieldworker.ID).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			account := func() *ent.CalendarAccount {
				a, err := env.App.Client().CalendarAccount.Get(ctx, acct.ID)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}

			// The first field commits a change in the operation's
			// transaction; the second fails, so the whole operation rolls
			// back — and nothing may have been recorded or announced.
			r := admin.Do(t, `mutation($id:ID!,$other:ID!){
				a:rescheduleBooking(id:$id,startAt:"2030-01-07T10:00:00Z",endAt:"2030-01-07T11:00:00Z"){id}
				b:rescheduleBooking(id:$other,startAt:"2030-01-07T10:00:00Z",endAt:"2030-01-07T11:00:00Z"){id}}`,
				map[string]any{"id": strconv.Itoa(org.Booking.ID), "other": strconv.Itoa(other.Booking.ID)})
			if len(r.Errors) == 0 {
				t.Fatal("rescheduling another organization's booking succeeded")
			}
			b, err := env.App.Client().Booking.Get(ctx, org.Booking.ID)
			if err != nil || !b.StartAt.Equal(org.Booking.StartAt) {
				t.Fatalf("the rolled-back reschedule stuck: %v %v", b.StartAt, err)
			}
			if n := len(pending(tasks.QueueDefault)) + len(pending(tasks.QueueSync)); n != 0 {
				t.Fatalf("rolled-back mutation enqueued %d tasks", n)
			}
			if a := account(); a.SyncRequested != 0 {
				t.Fatalf("rolled-back mutation counted %d requests", a.SyncRequested)
			}

			// Rescheduled: its host's account syncs that booking.
			admin.MustDo(t, `mutation($id:ID!){rescheduleBooking(id:$id,startAt:"2030-01-08T10:00:00Z",endAt:"2030-01-08T11:00:00Z"){id}}`,
				map[string]any{"id": strconv.Itoa(org.Booking.ID)}, nil)
			if ts := pending(tasks.QueueDefault); len(ts) != 0 {
				t.Fatalf("a booking change queued %+v: its requests are recorded with it", ts)
			}
			syncs := pending(tasks.QueueSync)
			if len(syncs) != 1 || syncs[0].Type != tasks.TypeAccountSync || syncs[0].ID != "account-sync:"+strconv.Itoa(acct.ID)+":0" {
				t.Fatalf("sync tasks = %+v", syncs)
			}
			if a := account(); a.SyncRequested != 1 || a.SyncDone != 0 {
				t.Fatalf("requests counted: %+v", a)
			}
			if n, err := env.App.Client().SyncOutbox.Query().Count(viewer.AllTenantsContext(context.Background())); err != nil || n != 0 {
				t.Fatalf("a booking change wrote %d outbox rows (%v)", n, err)
			}
			// Reassigned from the linked fieldworker to the other: the old
			// host's account is asked again, and the wake-up coalesces
			// into the one still queued.
			admin.MustDo(t, `mutation($id:ID!,$h:[ID!]!){reassignBooking(id:$id,hostIDs:$h){id}}`,
				map[string]any{"id": strconv.Itoa(org.Booking.ID), "h": []string{strconv.Itoa(org.Fieldworker2.ID)}}, nil)
			if syncs := pending(tasks.QueueSync); len(syncs) != 1 {
				t.Fatalf("sync tasks after a second change = %+v", syncs)
			}
			pendingRows, err := env.App.Client().SyncPending.Query().All(ctx)
			if err != nil || len(pendingRows) != 1 || pendingRows[0].AccountID != acct.ID || pendingRows[0].BookingRef != org.Booking.ID || pendingRows[0].Seq != 2 {
				t.Fatalf("pending syncs: %+v %v", pendingRows, err)
			}

			// Once a sync has handled the requests (this account has no
			// calendar yet: nothing to write, the requests are handled all
			// the same), the next change wakes a task of its own — even
			// while the first wake-up is still there, as it is while its
			// sync finishes — instead of coalescing into it.
			if _, err := env.App.Engine.Sync(context.Background(), org.ID, acct.ID, syncrun.KindINCREMENTAL); err != nil {
				t.Fatal(err)
			}
			if a := account(); a.SyncDone != 2 {
				t.Fatalf("after the sync: %+v", a)
			}
			if n, _ := env.App.Client().SyncPending.Query().Count(ctx); n != 0 {
				t.Fatalf("%d pending syncs left after the sync", n)
			}
			admin.MustDo(t, `mutation($id:ID!,$h:[ID!]!){reassignBooking(id:$id,hostIDs:$h){id}}`,
				map[string]any{"id": strconv.Itoa(org.Booking.ID), "h": []string{strconv.Itoa(org.Fieldworker.ID)}}, nil)
			var ids []string
			for _, s := range pending(tasks.QueueSync) {
				ids = append(ids, s.ID)
			}
			slices.Sort(ids)
			if want := []string{"account-sync:" + strconv.Itoa(acct.ID) + ":0", "account-sync:" + strconv.Itoa(acct.ID) + ":2"}; !slices.Equal(ids, want) {
				t.Fatalf("sync tasks after a handled request = %q, want %q", ids, want)
			}

			// The outbox path: a row is handed out once, however often its
			// task comes, as a request for the whole account when it names
			// no bookings.
			before := account().SyncRequested
			id, err := scheduling.RecordChange(ctx, env.App.Client(), org.ID, nil, []int{org.Fieldworker.ID}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			h := &tasks.FanOut{Client: env.App.Client(), Queue: env.App.Queue, Log: env.App.Log}
			task, _, err := tasks.NewBookingsChangedTask(tasks.BookingsChangedPayload{OrgID: org.ID, OutboxID: id, UserIDs: []int{org.Fieldworker.ID}})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := h.ProcessTask(context.Background(), task); err != nil {
					t.Fatal(err)
				}
			}
			if a := account(); a.SyncRequested != before+1 {
				t.Fatalf("an outbox row fanned out %d times", a.SyncRequested-before)
			}
			if n, err := env.App.Client().SyncOutbox.Query().Count(viewer.AllTenantsContext(context.Background())); err != nil || n != 0 {
				t.Fatalf("outbox rows left after the fan-out: %d %v", n, err)
			}
			whole, err := env.App.Client().SyncPending.Query().Where(syncpending.AccountID(acct.ID), syncpending.BookingRef(0)).Exist(ctx)
			if err != nil || !whole {
				t.Fatalf("no whole-account request from the outbox row (%v)", err)
			}
			// A malformed payload is a permanent failure, not a retry loop.
			err = h.ProcessTask(context.Background(), asynq.NewTask(tasks.TypeBookingsChanged, []byte("{")))
			if err == nil || !isSkipRetry(err) {
				t.Fatalf("bad payload error = %v", err)
			}
		})
	}
}

func isSkipRetry(err error) bool { return errors.Is(err, asynq.SkipRetry) }

// TestEnqueueOnceReplacesFinishedTasks: a sync task archived after its last
// retry must not silence its account.
func TestEnqueueOnceReplacesFinishedTasks(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	insp := asynq.NewInspector(env.App.Redis.Asynq)
	defer insp.Close()
	task, opts, err := tasks.NewAccountSyncTask(tasks.AccountSyncPayload{OrgID: 1, AccountID: 7})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := tasks.EnqueueOnce(ctx, env.App.Queue, insp, task, opts...); err != nil {
		t.Fatal(err)
	}
	// Queued: a second one is redundant.
	if err := tasks.EnqueueOnce(ctx, env.App.Queue, insp, task, opts...); !errors.Is(err, asynq.ErrTaskIDConflict) {
		t.Fatalf("second enqueue while queued: %v", err)
	}
	if err := insp.ArchiveTask(tasks.QueueSync, "account-sync:7:0"); err != nil {
		t.Fatal(err)
	}
	if err := tasks.EnqueueOnce(ctx, env.App.Queue, insp, task, opts...); err != nil {
		t.Fatalf("enqueue after archive: %v", err)
	}
	info, err := insp.GetTaskInfo(tasks.QueueSync, "account-sync:7:0")
	if err != nil || info.State != asynq.TaskStatePending {
		t.Fatalf("task after replacement: %+v %v", info, err)
	}
}

// TestReconcileAllQueuesEveryLinkedAccount: the safety-net pass queues a
// sync for each active account and none for disconnected ones.
func TestReconcileAllQueuesEveryLinkedAccount(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "rec")
	ctx := viewer.SystemContext(context.Background(), org.ID)
	db := env.App.Client()
	mk := func(email string, status calendaraccount.Status) int {
		a, err := db.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail(email).
			SetCredentialMode(domain.CredentialPlatformApp).SetStatus(status).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	active := mk("a@rec.test", calendaraccount.StatusACTIVE)
	mk("b@rec.test", calendaraccount.StatusDISCONNECTED)
	insp := asynq.NewInspector(env.App.Redis.Asynq)
	defer insp.Close()
	h := &tasks.ReconcileAll{Client: db, Queue: env.App.Queue, Inspector: insp, Log: env.App.Log}
	if err := h.ProcessTask(context.Background(), asynq.NewTask(tasks.TypeReconcileAll, nil)); err != nil {
		t.Fatal(err)
	}
	ts, err := insp.ListPendingTasks(tasks.QueueSync)
	if err != nil || len(ts) != 1 || ts[0].ID != "account-sync:"+strconv.Itoa(active)+":0" {
		t.Fatalf("queued syncs: %+v %v", ts, err)
	}
	// The pass counts a request, as any announcement does.
	if a, err := db.CalendarAccount.Get(ctx, active); err != nil || a.SyncRequested != 1 {
		t.Fatalf("requests counted: %+v %v", a, err)
	}
}

// TestReconcilePurgesByTheAppClock: the reconcile pass removes link
// attempts that expired more than a day ago by the application's clock, not
// the machine's.
func TestReconcilePurgesByTheAppClock(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "clk")
	ctx := viewer.SystemContext(context.Background(), org.ID)
	db := env.App.Client()
	mk := func(n int, expires time.Time) {
		db.LinkAttempt.Create().SetUserID(org.Fieldworker.ID).SetProvider(domain.ProviderGoogle).
			SetStateHash(fmt.Sprint("state", n)).SetStartHash(fmt.Sprint("start", n)).SetCodeVerifierEnc([]byte("x")).
			SetExpiresAt(expires).SaveX(ctx)
	}
	now := time.Now()
	mk(1, now.Add(15*time.Minute))
	mk(2, now.Add(-25*time.Hour))
	fake := emucore.NewFakeClock(now)
	insp := asynq.NewInspector(env.App.Redis.Asynq)
	defer insp.Close()
	h := &tasks.ReconcileAll{Client: db, Queue: env.App.Queue, Inspector: insp, Log: env.App.Log, Now: fake.Now}
	pass := func() int {
		t.Helper()
		if err := h.ProcessTask(context.Background(), asynq.NewTask(tasks.TypeReconcileAll, nil)); err != nil {
			t.Fatal(err)
		}
		return db.LinkAttempt.Query().CountX(ctx)
	}
	if n := pass(); n != 1 {
		t.Fatalf("%d attempts left, want the unexpired one", n)
	}
	fake.Advance(48 * time.Hour)
	if n := pass(); n != 0 {
		t.Fatalf("%d attempts left two days later by the app's clock", n)
	}
}
