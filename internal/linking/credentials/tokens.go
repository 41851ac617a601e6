package credentials

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/viewer"
)

// refreshMargin refreshes tokens a little before they expire.
const refreshMargin = time.Minute

// TokenSource returns the credentials to call the provider for account:
// stored OAuth tokens (refreshed and persisted as needed, one refresh at a
// time per account across all workers) or the organization's service
// credentials impersonating the account's email.
func (s *Service) TokenSource(ctx context.Context, a *ent.CalendarAccount) (oauth2.TokenSource, error) {
	if ts := s.sources.get(a, s.now()); ts != nil {
		return ts, nil
	}
	ts, err := s.tokenSource(ctx, a)
	if err != nil {
		return nil, err
	}
	s.sources.put(a, ts, s.now())
	return ts, nil
}

// sourceTTL is how long an account's token source is reused: syncs and
// reads one after another share its access token (no settings read, no
// token read and decryption, no lock) while it is valid. A provider that
// refuses it (Invalidate) makes the next call read the stored token again;
// settings changed meanwhile (a new app secret) are read within this time.
const sourceTTL = time.Minute

// sourceCache holds recently made token sources by account.
type sourceCache struct {
	mu sync.Mutex
	m  map[int]cachedSource
}

type cachedSource struct {
	ts    oauth2.TokenSource
	mode  domain.CredentialMode
	email string
	until time.Time
}

func (c *sourceCache) get(a *ent.CalendarAccount, now time.Time) oauth2.TokenSource {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[a.ID]
	if !ok || e.mode != a.CredentialMode || e.email != a.AccountEmail || !now.Before(e.until) {
		return nil
	}
	return e.ts
}

func (c *sourceCache) put(a *ent.CalendarAccount, ts oauth2.TokenSource, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int]cachedSource{}
	}
	if len(c.m) >= 4096 {
		for id, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, id)
			}
		}
	}
	c.m[a.ID] = cachedSource{ts: ts, mode: a.CredentialMode, email: a.AccountEmail, until: now.Add(sourceTTL)}
}

// Forget drops the account's cached token source (unlinked, linked
// again): the next call reads its stored token.
func (s *Service) Forget(accountID int) {
	s.sources.mu.Lock()
	defer s.sources.mu.Unlock()
	delete(s.sources.m, accountID)
}

func (s *Service) tokenSource(ctx context.Context, a *ent.CalendarAccount) (oauth2.TokenSource, error) {
	pr, err := s.Provider(a.Provider)
	if err != nil {
		return nil, err
	}
	// Credentials are for the engine's workers (and the unlink releaser),
	// which act for nobody: the system reads the organization's settings.
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	pc, err := s.Config(sys, a.Provider)
	if err != nil {
		return nil, err
	}
	if pc == nil {
		return nil, domain.Errorf(domain.CodeBadUserInput, "%s is not configured", a.Provider)
	}
	if a.CredentialMode == domain.CredentialServiceAccount {
		creds, err := s.ServiceCredentials(pc)
		if err != nil {
			return nil, err
		}
		return pr.ServiceTokenSource(ctx, creds, a.AccountEmail)
	}
	app, err := s.AppForMode(pc, a.CredentialMode)
	if err != nil {
		return nil, err
	}
	return &storedTokenSource{ctx: context.WithoutCancel(ctx), s: s, pr: pr, app: app, accountID: a.ID, org: a.OrganizationID}, nil
}

// Invalidator is implemented by token sources that can be told the
// provider refused their access token (HTTP 401 before its expiry: revoked
// or expired early); the next Token() then refreshes.
type Invalidator interface{ Invalidate() }

var _ Invalidator = (*storedTokenSource)(nil)

// storedTokenSource serves an account's stored tokens. It keeps a context
// because oauth2.TokenSource's Token() takes none.
type storedTokenSource struct {
	ctx       context.Context
	s         *Service
	pr        linking.Provider
	app       linking.OAuthApp
	accountID int
	org       int

	mu     sync.Mutex
	cached *oauth2.Token
	// rejected is the access token the provider refused, if any.
	rejected string
}

// Invalidate marks the current access token as refused by the provider.
func (t *storedTokenSource) Invalidate() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cached != nil {
		t.rejected = t.cached.AccessToken
		t.cached = nil
	}
}

func (t *storedTokenSource) valid(tok *oauth2.Token) bool {
	return tok != nil && tok.AccessToken != "" && tok.AccessToken != t.rejected &&
		(tok.Expiry.IsZero() || t.s.now().Add(refreshMargin).Before(tok.Expiry))
}

// Token returns a valid access token, refreshing under the account's lock.
func (t *storedTokenSource) Token() (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.valid(t.cached) {
		return t.cached, nil
	}
	// A token refresh is background work for whichever worker needs it.
	ctx := viewer.SystemContext(t.ctx, t.org)
	// The stored token is good most of the time: no lock to use it.
	a, tok, err := t.stored(ctx)
	if err != nil {
		return nil, err
	}
	if t.valid(tok) {
		t.cached = tok
		return tok, nil
	}
	if t.s.locker != nil {
		unlock, err := t.s.locker.Lock(ctx, "calsync:account-token:"+strconv.Itoa(t.accountID), 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("linking: lock account token: %w", err)
		}
		defer unlock()
		// Another worker may have refreshed while we waited: read again.
		if a, tok, err = t.stored(ctx); err != nil {
			return nil, err
		}
		if t.valid(tok) {
			t.cached = tok
			return tok, nil
		}
	}
	// Hand the provider's token source an expired copy so it refreshes
	// even when the stored expiry says the refused token is still good.
	stale := *tok
	stale.Expiry = time.Unix(1, 0)
	fresh, err := t.pr.TokenSource(ctx, t.app, &stale).Token()
	if errors.Is(err, linking.ErrInvalidGrant) {
		t.s.markNeedsReauth(ctx, a, err)
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("linking: refresh: %w", err)
	}
	if fresh.RefreshToken == "" {
		fresh.RefreshToken = tok.RefreshToken
	}
	enc, err := t.s.SealToken(a.OrganizationID, a.Provider, a.AccountEmail, fresh)
	if err != nil {
		return nil, err
	}
	// Persist before use: Microsoft has already retired the old refresh
	// token, so losing the new one would lose the link.
	if err := t.s.client.CalendarAccount.UpdateOne(a).SetTokenEnc(enc).Exec(ctx); err != nil {
		return nil, fmt.Errorf("linking: persist refreshed token: %w", err)
	}
	t.cached, t.rejected = fresh, ""
	return fresh, nil
}

// stored reads the account and its stored token.
func (t *storedTokenSource) stored(ctx context.Context) (*ent.CalendarAccount, *oauth2.Token, error) {
	a, err := t.s.client.CalendarAccount.Get(ctx, t.accountID)
	if err != nil {
		return nil, nil, fmt.Errorf("linking: load account: %w", err)
	}
	if a.Status != calendaraccount.StatusACTIVE && a.Status != calendaraccount.StatusERROR {
		return nil, nil, fmt.Errorf("linking: account %d is %s: %w", a.ID, a.Status, linking.ErrInvalidGrant)
	}
	tok, err := t.s.openToken(a)
	if err != nil {
		return nil, nil, err
	}
	return a, tok, nil
}

// markNeedsReauth stops an account whose grant the provider refused and
// tells its users.
func (s *Service) markNeedsReauth(ctx context.Context, a *ent.CalendarAccount, cause error) {
	msg := "The provider no longer accepts Calsync's access (revoked, expired or password changed). Link the calendar again."
	err := s.client.CalendarAccount.UpdateOne(a).SetStatus(calendaraccount.StatusNEEDS_REAUTH).SetLastError(msg).Exec(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "mark account needs reauth failed", "account_id", a.ID, "error", err)
		return
	}
	s.log.WarnContext(ctx, "calendar account needs reauthorization", "account_id", a.ID, "error", cause)
	users, _ := a.QueryUsers().IDs(ctx)
	if s.notifier != nil {
		s.notifier.AccountStatusChanged(ctx, a.OrganizationID, a.ID, users, string(calendaraccount.StatusNEEDS_REAUTH), msg)
	}
	for _, uid := range users {
		if err := s.queueReauthEmail(ctx, a, uid); err != nil {
			s.log.WarnContext(ctx, "queue reauth email failed", "account_id", a.ID, "user_id", uid, "error", err)
		}
	}
}

// queueReauthEmail asks a user of a for a new link.
func (s *Service) queueReauthEmail(ctx context.Context, a *ent.CalendarAccount, userID int) error {
	if s.outbox == nil {
		return nil
	}
	// A worker found the grant dead (token refresh): nobody acts here.
	sys := viewer.SystemContext(ctx, a.OrganizationID)
	u, err := s.client.User.Get(sys, userID)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("Hello %s,\n\nCalsync can no longer reach your %s calendar %s: access was revoked or has expired. Sign in to Calsync and link the calendar again so your bookings keep appearing in it.\n",
		u.Name, a.Provider.DisplayName(), a.AccountEmail)
	return s.outbox.Queue(sys, sys, u, "reauth", "Reconnect your "+a.Provider.DisplayName()+" calendar", text, "")
}
