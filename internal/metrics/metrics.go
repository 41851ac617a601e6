// Package metrics holds Calsync's Prometheus metrics in a registry the app
// owns (never the global one, so tests and replicas in one process do not
// collide). The API, domain and sync packages do not import it: they see
// small interfaces (server.Observer, engine.PushObserver) that *Metrics
// implements, and the wiring connects them.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// QueueDepth is the number of tasks in one state of one queue.
type QueueDepth struct {
	Queue, State string
	Tasks        int
}

// Sources are read on each scrape, for gauges no code path updates.
type Sources struct {
	// QueueDepths reports the task queues (asynq's Inspector).
	QueueDepths func(ctx context.Context) ([]QueueDepth, error)
	// CalendarAccounts counts calendar accounts by status (one grouped
	// query); statuses missing from the answer are reported as 0 if
	// listed in AccountStatuses.
	CalendarAccounts func(ctx context.Context) (map[string]int, error)
	AccountStatuses  []string
	// Logger receives scrape errors (default: discarded).
	Logger *slog.Logger
}

// Metrics records Calsync's metrics.
type Metrics struct {
	registry *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	operations    *prometheus.CounterVec
	operationTime *prometheus.HistogramVec
	tasks         *prometheus.CounterVec
	taskTime      *prometheus.HistogramVec
	providerReqs  *prometheus.CounterVec
	providerTime  *prometheus.HistogramVec
	pushLag       prometheus.Histogram
	webhooks      *prometheus.CounterVec

	names operationNames
}

// New returns Metrics registered in a registry of their own, with the Go
// runtime and process collectors.
func New(src Sources) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calsync_http_requests_total", Help: "HTTP requests served, by route (the mux pattern) and status code.",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "calsync_http_request_duration_seconds", Help: "Time to serve an HTTP request, by route (websocket upgrades not included).", Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calsync_graphql_operations_total", Help: "GraphQL operations executed, by operation name and outcome (ok or error).",
		}, []string{"operation", "outcome"}),
		operationTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "calsync_graphql_operation_duration_seconds", Help: "Time to a GraphQL operation's (first) response, by operation name.", Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calsync_tasks_total", Help: "Task attempts processed by this worker, by type and outcome (ok, error or postponed).",
		}, []string{"type", "outcome"}),
		taskTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "calsync_task_duration_seconds", Help: "Time a task attempt took, by type.", Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"type"}),
		providerReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calsync_provider_requests_total", Help: "HTTP requests to calendar providers, by provider, operation (method and path template) and status code (\"error\" when no answer came).",
		}, []string{"provider", "operation", "code"}),
		providerTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "calsync_provider_request_duration_seconds", Help: "Time to a provider's answer, by provider and operation.", Buckets: prometheus.DefBuckets,
		}, []string{"provider", "operation"}),
		pushLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "calsync_push_lag_seconds", Help: "Time from a booking change's commit to the provider acknowledging the calendar event it changed (incremental syncs).",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300, 900, 3600},
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "calsync_webhook_deliveries_total", Help: "Change notifications received from providers, by provider and the status answered (202/200 handled, 403 forged, 404 unknown channel, 400 malformed, 413 too large, 503 busy).",
		}, []string{"provider", "code"}),
	}
	r.MustRegister(m.httpRequests, m.httpDuration, m.operations, m.operationTime, m.tasks, m.taskTime,
		m.providerReqs, m.providerTime, m.pushLag, m.webhooks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&scraped{src: src, log: orDiscard(src.Logger)})
	return m
}

// Registry is where the metrics live (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in Prometheus' text format. A failing
// source (Redis or the database down) leaves its gauges out of the scrape
// rather than failing it.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveHTTP records one served request; route is the mux pattern that
// matched ("" when none did: recorded as "unmatched").
func (m *Metrics) ObserveHTTP(route string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	if code == http.StatusSwitchingProtocols {
		return // a websocket's lifetime is not a response time
	}
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// Webhooks counts the notifications next answers at /webhooks/{provider}
// by provider ("other" for any other path, so the label stays bounded)
// and status code.
func (m *Metrics) Webhooks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		provider := "other"
		switch strings.TrimPrefix(r.URL.Path, "/webhooks/") {
		case "google":
			provider = "google"
		case "microsoft":
			provider = "microsoft"
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.webhooks.WithLabelValues(provider, strconv.Itoa(rec.code)).Inc()
	})
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	code    int
	written bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.written {
		s.code, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(b)
}

// ObserveOperation records one GraphQL operation by the name its client
// gave it (see operationNames for how the label stays bounded).
func (m *Metrics) ObserveOperation(name string, failed bool, d time.Duration) {
	label := m.names.label(name)
	m.operations.WithLabelValues(label, outcome(failed)).Inc()
	m.operationTime.WithLabelValues(label).Observe(d.Seconds())
}

// ObserveTask records one task attempt; postponed attempts (rate limited,
// lock held) are neither ok nor errors.
func (m *Metrics) ObserveTask(taskType string, err error, postponed bool, d time.Duration) {
	o := outcome(err != nil)
	if err != nil && postponed {
		o = "postponed"
	}
	m.tasks.WithLabelValues(taskType, o).Inc()
	m.taskTime.WithLabelValues(taskType).Observe(d.Seconds())
}

// ObservePushLag records how long after its commit a booking change was
// acknowledged by a provider.
func (m *Metrics) ObservePushLag(d time.Duration) {
	m.pushLag.Observe(max(d, 0).Seconds())
}

func outcome(failed bool) string {
	if failed {
		return "error"
	}
	return "ok"
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// maxOperationNames bounds the operation label: clients choose operation
// names, so past this many distinct ones the rest are counted as "other".
const maxOperationNames = 200

var operationName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// operationNames turns client-chosen operation names into label values:
// "anonymous" for none, "other" for odd ones and for new names once
// maxOperationNames are known.
type operationNames struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (n *operationNames) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !operationName.MatchString(name) {
		return "other"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen[name] {
		return name
	}
	if len(n.seen) >= maxOperationNames {
		return "other"
	}
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	n.seen[name] = true
	return name
}

// scraped collects the gauges read from their sources on each scrape.
type scraped struct {
	src Sources
	log *slog.Logger
}

var (
	queueDepthDesc = prometheus.NewDesc("calsync_queue_depth", "Tasks in a queue, by queue and state (pending, active, scheduled, retry, archived).", []string{"queue", "state"}, nil)
	accountsDesc   = prometheus.NewDesc("calsync_calendar_accounts", "Calendar accounts, by status.", []string{"status"}, nil)
)

func (s *scraped) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- accountsDesc
}

func (s *scraped) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.src.QueueDepths != nil {
		depths, err := s.src.QueueDepths(ctx)
		if err != nil {
			s.log.Warn("metrics: queue depth", slog.Any("error", err))
			ch <- prometheus.NewInvalidMetric(queueDepthDesc, err)
		}
		for _, d := range depths {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(d.Tasks), d.Queue, d.State)
		}
	}
	if s.src.CalendarAccounts != nil {
		counts, err := s.src.CalendarAccounts(ctx)
		if err != nil {
			s.log.Warn("metrics: calendar accounts", slog.Any("error", err))
			ch <- prometheus.NewInvalidMetric(accountsDesc, err)
			return
		}
		if counts == nil {
			counts = map[string]int{}
		}
		for _, st := range s.src.AccountStatuses {
			if _, ok := counts[st]; !ok {
				counts[st] = 0
			}
		}
		for st, n := range counts {
			ch <- prometheus.MustNewConstMetric(accountsDesc, prometheus.GaugeValue, float64(n), st)
		}
	}
}
