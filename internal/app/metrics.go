package app

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/internal/metrics"
	"calsync/internal/viewer"
	"calsync/sync/tasks"
)

// MetricsHandler serves /metrics (on CALSYNC_METRICS_ADDR, apart from
// the API).
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return mux
}

// newMetrics gives the metrics their scrape-time sources: the queues and
// the calendar accounts.
func (a *App) newMetrics() *metrics.Metrics {
	// Every status is reported, 0 when no account has it (a status
	// missing here is still reported when an account has it).
	var statuses []string
	for _, s := range []calendaraccount.Status{calendaraccount.StatusACTIVE, calendaraccount.StatusNEEDS_REAUTH,
		calendaraccount.StatusREVOKED, calendaraccount.StatusDISCONNECTED, calendaraccount.StatusERROR} {
		statuses = append(statuses, string(s))
	}
	return metrics.New(metrics.Sources{
		QueueDepths:      a.queueDepths,
		CalendarAccounts: a.accountsByStatus,
		AccountStatuses:  statuses,
		Logger:           a.Log,
	})
}

// queueDepths reads the worker's queues; a queue that has never held a
// task does not exist in Redis yet and counts as empty.
func (a *App) queueDepths(context.Context) ([]metrics.QueueDepth, error) {
	existing, err := a.inspector.Queues()
	if err != nil {
		return nil, err
	}
	var out []metrics.QueueDepth
	for _, q := range []string{tasks.QueueSync, tasks.QueueDefault} {
		var info asynq.QueueInfo
		if slices.Contains(existing, q) {
			i, err := a.inspector.GetQueueInfo(q)
			if err != nil {
				return nil, err
			}
			info = *i
		}
		for _, s := range []struct {
			state string
			n     int
		}{{"pending", info.Pending}, {"active", info.Active}, {"scheduled", info.Scheduled}, {"retry", info.Retry}, {"archived", info.Archived}} {
			out = append(out, metrics.QueueDepth{Queue: q, State: s.state, Tasks: s.n})
		}
	}
	return out, nil
}

// accountsByStatus counts calendar accounts of all organizations by
// status, in one grouped query.
func (a *App) accountsByStatus(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	err := a.DB.Client.CalendarAccount.Query().GroupBy(calendaraccount.FieldStatus).
		Aggregate(ent.Count()).Scan(viewer.AllTenantsContext(ctx), &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Status] = r.Count
	}
	return out, nil
}

// observeTasks records each task attempt's outcome and time.
func observeTasks(m *metrics.Metrics) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			start := time.Now()
			err := next.ProcessTask(ctx, t)
			m.ObserveTask(t.Type(), err, err != nil && !tasks.IsFailure(err), time.Since(start))
			return err
		})
	}
}
