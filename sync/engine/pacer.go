package engine

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"calsync/internal/domain"
)

// Quota is a provider's request budget per user (Google: 600 per minute
// per user) or per mailbox (Outlook: 10,000 per 10 minutes).
type Quota struct {
	Requests int
	Per      time.Duration
	// Burst is how many requests may go at once before the pace sets in
	// (0: one batch, at most a quarter of Requests). The pace after it is
	// (Requests-Burst)/Per, so no window of Per carries more than
	// Requests. Outlook's budget is a sliding 10 minutes: half of it at
	// once lets a first sync of thousands of bookings finish in seconds
	// rather than spread over minutes.
	Burst int
	// Project is the provider's budget per Per for every account
	// together (Google: 10,000 a minute per Cloud project), this
	// process's share; 0: none. Past it Google answers every account with
	// 403 rateLimitExceeded, and each waits 30 s: paced, requests queue
	// up instead.
	Project int
}

// Pacer spaces an account's requests so a sync stays under its quota
// instead of running into 403/429 answers. Each call in a batch counts.
type Pacer struct {
	mu       sync.Mutex
	quotas   map[domain.Provider]Quota
	limiters map[int]*rate.Limiter
	projects map[domain.Provider]*rate.Limiter
	// shares is how many processes split each project budget (ShareProject).
	shares int
}

// NewPacer returns a Pacer enforcing quotas (missing providers: unpaced).
func NewPacer(quotas map[domain.Provider]Quota) *Pacer {
	p := &Pacer{quotas: quotas, limiters: map[int]*rate.Limiter{}, projects: map[domain.Provider]*rate.Limiter{}, shares: 1}
	for prov, q := range quotas {
		if q.Project > 0 && q.Per > 0 {
			limit, burst := projectPace(q, 1)
			p.projects[prov] = rate.NewLimiter(limit, burst)
		}
	}
	return p
}

// projectPace is the pace of one of n equal shares of q's project budget:
// a twentieth of the share at once (500 of Google's 10,000 for one
// process), then the rest spread, so no window of Per carries more than
// the share.
func projectPace(q Quota, n int) (rate.Limit, int) {
	share := max(q.Project/n, 1)
	burst := max(share/20, 1)
	return rate.Limit(float64(max(share-burst, 1)) / q.Per.Seconds()), burst
}

// ShareProject splits every project budget (Quota.Project) into n equal
// shares, this process keeping one: n processes work the same accounts'
// queues, and together must stay within the provider's budget.
func (p *Pacer) ShareProject(n int) {
	if p == nil {
		return
	}
	n = max(n, 1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if n == p.shares {
		return
	}
	p.shares = n
	for prov, l := range p.projects {
		limit, burst := projectPace(p.quotas[prov], n)
		l.SetLimit(limit)
		l.SetBurst(burst)
	}
}

// WaitProject blocks until n more requests fit in the provider's budget
// for all accounts (Quota.Project), for requests outside a sync's own
// pacing: reading a calendar.
func (p *Pacer) WaitProject(ctx context.Context, p0 domain.Provider, n int) error {
	if p == nil {
		return nil
	}
	l := p.projects[p0]
	if l == nil {
		return nil
	}
	return l.WaitN(ctx, min(n, l.Burst()))
}

// Wait blocks until n requests for the account fit in its quota.
func (p *Pacer) Wait(ctx context.Context, p0 domain.Provider, accountID, n int) error {
	if p == nil {
		return nil
	}
	q, ok := p.quotas[p0]
	if !ok || q.Requests <= 0 || q.Per <= 0 {
		return nil
	}
	p.mu.Lock()
	l := p.limiters[accountID]
	if l == nil {
		// A burst of one batch lets a small change go out at once. The
		// bucket starts full, so the refill rate leaves room for it: any
		// window of Per then carries at most burst + (Requests-burst) =
		// Requests, as the providers' sliding windows demand.
		burst := min(max(n, 50), max(q.Requests/4, 1))
		if q.Burst > 0 {
			burst = min(q.Burst, q.Requests)
		}
		perSecond := float64(q.Requests-burst) / q.Per.Seconds()
		l = rate.NewLimiter(rate.Limit(perSecond), burst)
		p.limiters[accountID] = l
	}
	p.mu.Unlock()
	if err := l.WaitN(ctx, min(n, l.Burst())); err != nil {
		return err
	}
	return p.WaitProject(ctx, p0, n)
}
