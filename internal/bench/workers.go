package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"calsync/ent/eventlink"
	"calsync/internal/viewer"
)

// workerProcs are `calsync worker` processes started beside the bench's
// in-process Calsync, sharing its PostgreSQL database and Redis: the same
// queues, locks and calendars (bench push -workers).
type workerProcs struct {
	cmds []*exec.Cmd
}

// startWorkers starts n worker processes of this binary with the
// harness's configuration and waits until each is running.
func (h *harness) startWorkers(ctx context.Context, n int) (*workerProcs, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	w := &workerProcs{}
	for i := range n {
		dir, err := os.MkdirTemp(h.dataDir, "worker-")
		if err != nil {
			w.stop()
			return nil, err
		}
		cmd := exec.CommandContext(ctx, exe, "worker")
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"),
			"DATABASE_URL=" + h.cfg.DatabaseURL,
			"REDIS_URL=" + h.cfg.RedisURL,
			"CALSYNC_SECRET_KEY=" + h.cfg.SecretKey,
			"CALSYNC_DATA_DIR=" + dir,
			"CALSYNC_PUBLIC_URL=" + h.cfg.PublicURL,
			"CALSYNC_PROVIDERS=" + h.cfg.Providers,
			"CALSYNC_SEED_DEMO=false",
			"CALSYNC_METRICS_ADDR=off",
			"CALSYNC_LOG_LEVEL=info", // "worker running" says it is up
			"CALSYNC_WORKER_CONCURRENCY=" + strconv.Itoa(h.cfg.Concurrency),
			"CALSYNC_GOOGLE_QUOTA_PER_MINUTE=" + strconv.Itoa(h.cfg.GoogleQuotaPerMinute),
			"CALSYNC_GOOGLE_PROJECT_QUOTA_PER_MINUTE=" + strconv.Itoa(h.cfg.GoogleProjectQuotaPerMinute),
			"CALSYNC_MICROSOFT_QUOTA_PER_10_MINUTES=" + strconv.Itoa(h.cfg.MicrosoftQuotaPer10Minutes),
		}
		out, err := cmd.StderrPipe()
		if err != nil {
			w.stop()
			return nil, err
		}
		cmd.Stdout = cmd.Stderr
		if err := cmd.Start(); err != nil {
			w.stop()
			return nil, fmt.Errorf("bench: start worker %d: %w", i+1, err)
		}
		w.cmds = append(w.cmds, cmd)
		ready := make(chan struct{})
		var tail []string
		var mu sync.Mutex
		go func() {
			sc := bufio.NewScanner(out)
			once := sync.Once{}
			for sc.Scan() {
				line := sc.Text()
				mu.Lock()
				tail = append(tail, line)
				if len(tail) > 20 {
					tail = tail[1:]
				}
				mu.Unlock()
				if strings.Contains(line, "worker running") {
					once.Do(func() { close(ready) })
				}
			}
			_, _ = io.Copy(io.Discard, out)
		}()
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			w.stop()
			mu.Lock()
			defer mu.Unlock()
			return nil, fmt.Errorf("bench: worker %d did not start: %s", i+1, strings.Join(tail, "\n"))
		}
	}
	return w, nil
}

// cpu is the worker processes' CPU time so far.
func (w *workerProcs) cpu() time.Duration {
	var total time.Duration
	for _, c := range w.cmds {
		if d, ok := procCPU(strconv.Itoa(c.Process.Pid)); ok {
			total += d
		}
	}
	return total
}

func (w *workerProcs) stop() {
	for _, c := range w.cmds {
		if c.Process != nil {
			_ = c.Process.Signal(os.Interrupt)
		}
	}
	for _, c := range w.cmds {
		if c.Process != nil {
			done := make(chan struct{})
			go func() { _ = c.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = c.Process.Kill()
				<-done
			}
		}
	}
}

// pollSynced reports the event links recorded as synced, by any process,
// to seen with the time each was written, every 200 ms until ctx ends
// (with worker processes the in-process commit hook hears only this
// process's syncs). Each poll looks 5 s back, for writes committed late;
// sweep looks back to a given time (a phase's end checks its whole span).
func (h *harness) pollSynced(ctx context.Context, seen func(pairOf, time.Time, time.Time)) (sweep func(from time.Time)) {
	sys := viewer.SystemContext(ctx, h.orgID)
	var mu sync.Mutex
	done := map[int]time.Time{}
	look := func(from time.Time) {
		links, err := h.app.Client().EventLink.Query().
			Where(eventlink.UpdatedAtGTE(from), eventlink.StateEQ(eventlink.StateSYNCED)).All(sys)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, l := range links {
			if at, ok := done[l.ID]; (ok && !l.UpdatedAt.After(at)) || l.Agreed.Start.IsZero() {
				continue
			}
			done[l.ID] = l.UpdatedAt
			seen(pairOf{strconv.Itoa(l.BookingRef), l.UserID}, l.Agreed.Start, l.UpdatedAt)
		}
	}
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			look(time.Now().Add(-5 * time.Second))
		}
	}()
	return look
}
