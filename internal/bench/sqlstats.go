package bench

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
)

// sqlStats times every SQL statement Calsync sends, by statement text,
// so a bench can say where the database time goes (-sqlstats).
type sqlStats struct {
	mu    sync.Mutex
	stats map[string]*sqlStat
}

type sqlStat struct {
	n     int
	total time.Duration
}

// inList folds IN lists of any length into one statement shape.
var inList = regexp.MustCompile(`IN \([^)]*\)`)

func (s *sqlStats) add(q string, d time.Duration) {
	if !strings.HasPrefix(q, "BEGIN ") && !strings.HasPrefix(q, "COMMIT ") {
		q = inList.ReplaceAllString(q, "IN (…)")
		if len(q) > 110 {
			q = q[:110] + "…"
		}
		q += " " + txOrigin()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[q]
	if st == nil {
		st = &sqlStat{}
		s.stats[q] = st
	}
	st.n++
	st.total += d
}

func (s *sqlStats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = map[string]*sqlStat{}
}

func (s *sqlStats) wrap(d dialect.Driver) dialect.Driver { return &timedDriver{Driver: d, s: s} }

// report writes the top statements by total time.
func (s *sqlStats) report(w io.Writer, top int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type row struct {
		q  string
		st *sqlStat
	}
	var rows []row
	var all time.Duration
	count := 0
	for q, st := range s.stats {
		rows = append(rows, row{q, st})
		all += st.total
		count += st.n
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].st.total > rows[j].st.total })
	fmt.Fprintf(w, "SQL: %d statements, %v in all, top statements by total time:\n", count, all.Round(time.Millisecond))
	for i, r := range rows {
		if i == top {
			break
		}
		q := r.q
		if len(q) > 240 {
			q = q[:240] + "…"
		}
		fmt.Fprintf(w, "  %8v %6d× %7.2fms  %s\n", r.st.total.Round(time.Millisecond), r.st.n, float64(r.st.total.Microseconds())/1000/float64(r.st.n), q)
	}
}

type timedDriver struct {
	dialect.Driver
	s *sqlStats
}

func (d *timedDriver) Exec(ctx context.Context, q string, args, v any) error {
	t := time.Now()
	defer func() { d.s.add(q, time.Since(t)) }()
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *timedDriver) Query(ctx context.Context, q string, args, v any) error {
	t := time.Now()
	defer func() { d.s.add(q, time.Since(t)) }()
	return d.Driver.Query(ctx, q, args, v)
}

func (d *timedDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	t := time.Now()
	from := txOrigin()
	tx, err := d.Driver.Tx(ctx)
	d.s.add("BEGIN "+from, time.Since(t))
	if err != nil {
		return nil, err
	}
	return &timedTx{Tx: tx, s: d.s, from: from}, nil
}

// txOrigin names the Calsync code that began a transaction (the first
// callers outside ent, the store, hooks and this file; ent begins one
// itself for a lone UpdateOne), so the report says which code pays for
// each BEGIN and COMMIT.
func txOrigin() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var names []string
	for len(names) < 2 {
		f, more := frames.Next()
		fn := f.Function
		if strings.HasPrefix(fn, "calsync/") && !strings.HasPrefix(fn, "calsync/ent") &&
			!strings.HasPrefix(fn, "calsync/internal/store.") && !strings.HasPrefix(fn, "calsync/internal/bench.") &&
			!strings.Contains(fn, "Hook") && !strings.Contains(fn, "(*App).open") {
			names = append(names, strings.TrimPrefix(fn, "calsync/"))
		}
		if !more {
			break
		}
	}
	if len(names) == 0 {
		return "(?)"
	}
	return "(" + strings.Join(names, " < ") + ")"
}

type timedTx struct {
	dialect.Tx
	s    *sqlStats
	from string
}

func (t *timedTx) Exec(ctx context.Context, q string, args, v any) error {
	t0 := time.Now()
	defer func() { t.s.add(q, time.Since(t0)) }()
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *timedTx) Query(ctx context.Context, q string, args, v any) error {
	t0 := time.Now()
	defer func() { t.s.add(q, time.Since(t0)) }()
	return t.Tx.Query(ctx, q, args, v)
}

func (t *timedTx) Commit() error {
	t0 := time.Now()
	defer func() { t.s.add("COMMIT "+t.from, time.Since(t0)) }()
	return t.Tx.Commit()
}
