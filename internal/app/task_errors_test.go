package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent/calendaraccount"
	"calsync/internal/app"
	"calsync/internal/config"
	"calsync/internal/domain"
	"calsync/internal/viewer"
	"calsync/sync/tasks"
)

// records keeps every log record a handler is given.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }

func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}

func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// atLeast returns the records at level min or above.
func (r *records) atLeast(min slog.Level) []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []slog.Record
	for _, rec := range r.recs {
		if rec.Level >= min {
			out = append(out, rec)
		}
	}
	return out
}

func attrsOf(rec slog.Record) map[string]string {
	m := map[string]string{}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// TestTaskFailureLoggedOnce: each failed attempt of a task is one log line
// (at the default level, Info, and above), from the worker, naming the
// task's type, the ids in its payload and the error; a retried failure is
// a warning, the last one an error.
func TestTaskFailureLoggedOnce(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg.DataDir = t.TempDir()
	cfg.SecretKey = base64.StdEncoding.EncodeToString(key)
	cfg.SeedDemo = false
	cfg.Concurrency = 2
	cfg.RedisURL = "" // the app's own miniredis: nothing else's tasks or logs
	rec := &records{}
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)

	// An organization that never set Google up: syncing its account fails
	// (no credentials), retryably. The account has a sync request counted,
	// as a booking change would leave: without one the sync has nothing to
	// do and succeeds at once (unless the start-up reconcile pass happened
	// to count one first).
	db := a.Client()
	org, err := db.Organization.Create().SetName("Org logs").SetSlug("logs").Save(viewer.AllTenantsContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := viewer.SystemContext(context.Background(), org.ID)
	acct, err := db.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail("w@logs.test").
		SetCredentialMode(domain.CredentialPlatformApp).SetStatus(calendaraccount.StatusACTIVE).
		SetDestinationCalendarID("primary").SetSyncRequested(1).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.StartWorker(); err != nil {
		t.Fatal(err)
	}
	// Let start-up's own lines (and the reconcile pass, which finds no
	// organization with Google set up) pass before counting.
	time.Sleep(500 * time.Millisecond)
	before := len(rec.atLeast(slog.LevelInfo))

	retried, _, err := tasks.NewAccountSyncTask(tasks.AccountSyncPayload{OrgID: org.ID, AccountID: acct.ID})
	if err != nil {
		t.Fatal(err)
	}
	// A payload the handler refuses outright: one attempt, no retries.
	refused := asynq.NewTask(tasks.TypeAccountSync, []byte(`{"org_id":1,"account_id":999,"kind":"SOMETIMES"}`))
	for _, task := range []*asynq.Task{retried, refused} {
		if _, err := a.Queue.Enqueue(task, asynq.Queue(tasks.QueueSync), asynq.MaxRetry(1)); err != nil {
			t.Fatal(err)
		}
	}
	insp := asynq.NewInspector(a.Redis.Asynq)
	defer insp.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		archived, _ := insp.ListArchivedTasks(tasks.QueueSync)
		if len(archived) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 tasks archived after 15 s", len(archived))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // asynq logs after archiving, too

	lines := rec.atLeast(slog.LevelInfo)[before:]
	type line struct{ level, task, org, account, final string }
	var got []line
	for _, r := range lines {
		m := attrsOf(r)
		if strings.HasPrefix(m["task_id"], "account-sync-later:") || r.Message == "reconcile pass queued" {
			// The start-up reconcile pass and its own sync of the
			// account, spread over a minute: on a loaded machine they
			// land inside the window.
			continue
		}
		if r.Message != "task failed" || m["task_type"] != tasks.TypeAccountSync || m["error"] == "" {
			t.Errorf("unexpected log line: %s %q %v", r.Level, r.Message, m)
			continue
		}
		got = append(got, line{r.Level.String(), m["task_type"], m["org_id"], m["account_id"], m["final"]})
	}
	org1, acct1 := strconv.Itoa(org.ID), strconv.Itoa(acct.ID)
	want := map[line]int{
		// Two attempts of the retried task, one line each.
		{"WARN", tasks.TypeAccountSync, org1, acct1, "false"}: 1,
		{"ERROR", tasks.TypeAccountSync, org1, acct1, "true"}: 1,
		// One attempt of the refused task.
		{"ERROR", tasks.TypeAccountSync, "1", "999", "true"}: 1,
	}
	for _, g := range got {
		want[g]--
	}
	for l, n := range want {
		if n != 0 {
			t.Errorf("log line %+v: %d missing (negative: extra); all lines: %+v", l, n, got)
		}
	}
}
