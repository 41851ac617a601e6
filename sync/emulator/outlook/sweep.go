package outlook

import (
	"context"
	"log/slog"
	"time"
)

// sweepInterval is how often (real time) the background sweep runs. Every
// request also sweeps first, so with a fake clock expiry is visible on the
// next request after Advance.
const sweepInterval = time.Second

// sweepLoop runs sweep every sweepInterval until ctx ends.
func (e *Emulator) sweepLoop(ctx context.Context) {
	defer close(e.bgDone)
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.sweep()
		}
	}
}

// sweep expires subscriptions (sending reauthorizationRequired shortly
// before) and drops dead codes, consents and tokens.
func (e *Emulator) sweep() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now().UTC()
	for id, s := range e.st.Subscriptions {
		switch {
		case !now.Before(s.Expiration):
			delete(e.st.Subscriptions, id)
			e.logger.Info("outlook subscription expired", slog.String("subscription_id", id))
		case s.LifecycleNotificationURL != "" && !s.ReauthSent && s.Expiration.Sub(now) <= reauthLead:
			s.ReauthSent = true
			e.lifecycleLocked(s, LifecycleReauthorizationRequired, now)
		}
	}
	for k, p := range e.st.Consents {
		if now.After(p.Expires) {
			delete(e.st.Consents, k)
		}
	}
	for k, c := range e.st.Codes {
		if now.After(c.Expires.Add(time.Hour)) {
			delete(e.st.Codes, k)
		}
	}
	for k, at := range e.st.AccessTokens {
		// Kept a day past expiry so Graph can still say "expired".
		if now.After(at.Expires.Add(24 * time.Hour)) {
			delete(e.st.AccessTokens, k)
		}
	}
	for k, rt := range e.st.RefreshTokens {
		if now.After(rt.Expires) {
			delete(e.st.RefreshTokens, k)
		}
	}
}
