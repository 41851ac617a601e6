package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/redis/go-redis/v9"

	"calsync/ent"
	"calsync/ent/authtoken"
	"calsync/ent/organization"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Cookie and header names.
const (
	SessionCookie = "calsync_session"
	CSRFHeader    = "X-CSRF-Token"
)

// Options configures the Service.
type Options struct {
	Client *ent.Client
	// CSRFKey signs CSRF tokens; at least 32 bytes.
	CSRFKey []byte
	// SecureCookies sets the Secure attribute (behind HTTPS).
	SecureCookies bool
	// SessionTTL is how long a browser session lasts (default 14 days).
	SessionTTL time.Duration
	Now        func() time.Time
	Logger     *slog.Logger

	// Redis holds the sign-in throttle's counters, shared by every
	// replica (required).
	Redis redis.UniversalClient
	// KeyPrefix starts every Redis key of the throttle (the app's
	// prefix; default "calsync").
	KeyPrefix string
	// The sign-in throttle (see guessThrottle for the whole rule):
	// FreeAttempts is how many wrong passwords one client address may
	// give for one email before each further attempt from that address
	// for that email must wait (default 5). Failures elsewhere do not
	// count: nobody can lock the owner out from their own address.
	FreeAttempts int
	// FreeAttemptsPerAddress is the same for one client address, all
	// emails together (default 20: offices share an address).
	FreeAttemptsPerAddress int
	// EmailFailureBudget is how many wrong passwords one email may have
	// from all addresses together in EmailFailureWindow (defaults 100 and
	// 1 h, the window starting at its first failure). Past it, attempts
	// on the email wait until the window ends, except from addresses that
	// signed in to it within KnownAddressTTL (default 30 days).
	EmailFailureBudget int
	EmailFailureWindow time.Duration
	KnownAddressTTL    time.Duration
	// RetryDelay is the first wait after the free attempts; it doubles
	// with each further failure (default 1 s) up to MaxRetryDelay
	// (default 15 min).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// PasswordChecks bounds the argon2 computations (password checks and
	// hashes of new passwords) running at once in this process (default
	// runtime.GOMAXPROCS). PasswordCheckQueue more may wait up to
	// PasswordCheckWait for a slot (defaults: 4×PasswordChecks, 1 s);
	// beyond that one is refused with HTTP 503 / UNAVAILABLE.
	PasswordChecks     int
	PasswordCheckQueue int
	PasswordCheckWait  time.Duration
}

// Service signs users in and authenticates requests.
type Service struct {
	client     *ent.Client
	csrfKey    []byte
	secure     bool
	sessionTTL time.Duration
	now        func() time.Time
	log        *slog.Logger
	throttle   *guessThrottle
	gate       *passwordGate
	meter      hashMeter
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Client == nil {
		return nil, errors.New("auth: no ent client")
	}
	if len(o.CSRFKey) < 32 {
		return nil, errors.New("auth: CSRF key must be at least 32 bytes")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 14 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Redis == nil {
		return nil, errors.New("auth: no Redis client (the sign-in throttle keeps its counters there)")
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "calsync"
	}
	if o.FreeAttempts <= 0 {
		o.FreeAttempts = defaultFreeAttempts
	}
	if o.FreeAttemptsPerAddress <= 0 {
		o.FreeAttemptsPerAddress = defaultFreeAttemptsPerAddr
	}
	if o.EmailFailureBudget <= 0 {
		o.EmailFailureBudget = defaultEmailBudget
	}
	if o.EmailFailureWindow <= 0 {
		o.EmailFailureWindow = defaultEmailWindow
	}
	if o.KnownAddressTTL <= 0 {
		o.KnownAddressTTL = defaultKnownAddressTTL
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = defaultBaseDelay
	}
	if o.MaxRetryDelay <= 0 {
		o.MaxRetryDelay = defaultMaxDelay
	}
	if o.MaxRetryDelay < o.RetryDelay {
		o.MaxRetryDelay = o.RetryDelay
	}
	if o.PasswordChecks <= 0 {
		o.PasswordChecks = runtime.GOMAXPROCS(0)
	}
	if o.PasswordCheckQueue <= 0 {
		o.PasswordCheckQueue = 4 * o.PasswordChecks
	}
	if o.PasswordCheckWait <= 0 {
		o.PasswordCheckWait = time.Second
	}
	return &Service{
		client: o.Client, csrfKey: o.CSRFKey, secure: o.SecureCookies, sessionTTL: o.SessionTTL, now: o.Now, log: o.Logger,
		throttle: &guessThrottle{
			rdb: o.Redis, prefix: o.KeyPrefix, freePerPair: o.FreeAttempts, freePerAddr: o.FreeAttemptsPerAddress,
			emailBudget: o.EmailFailureBudget, emailWindow: o.EmailFailureWindow, knownTTL: o.KnownAddressTTL,
			base: o.RetryDelay, max: o.MaxRetryDelay, now: o.Now,
		},
		gate: newPasswordGate(o.PasswordChecks, o.PasswordCheckQueue, o.PasswordCheckWait),
	}, nil
}

// db returns the transaction of the current operation if there is one:
// on SQLite a second connection would wait on the operation's own lock.
func (s *Service) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, s.client)
}

// Kind says how a request was authenticated.
type Kind int

// The ways a request can be authenticated.
const (
	KindNone Kind = iota
	KindSession
	KindBearer
)

// Request is what the middleware learned about the caller; resolvers use it
// to set cookies and check CSRF.
type Request struct {
	Kind    Kind
	TokenID int
	// CSRFValid is true when a session-authenticated request carried the
	// right X-CSRF-Token header.
	CSRFValid bool
	// Addr is the client's IP: the TCP peer (RemoteAddr), never
	// X-Forwarded-For, which any client can write (there is no
	// trusted-proxy setting). Invalid outside HTTP.
	Addr         netip.Addr
	sessionToken string
	w            http.ResponseWriter
}

// CSRFToken returns the CSRF token of the current session, or "".
func (s *Service) CSRFToken(r *Request) string {
	if r == nil || r.Kind != KindSession {
		return ""
	}
	return csrfFor(s.csrfKey, r.sessionToken)
}

type requestKey struct{}

// RequestFromContext returns the authentication facts of the current request.
func RequestFromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

var errBadCredentials = domain.Errorf(domain.CodeUnauthenticated, "wrong email or password")

// maxSignInCandidates bounds the accounts one sign-in tries (one argon2
// check each) when an email exists in several organizations.
const maxSignInCandidates = 5

// SignInResult is a new browser session.
type SignInResult struct {
	User      *ent.User
	Token     string
	CSRFToken string
	ExpiresAt time.Time
}

// SignIn checks a password and opens a session. Without orgSlug it tries
// every organization (the oldest few) where the email has an account and
// signs in where the password matches; orgSlug is needed only when the
// password matches in several. Nothing about other organizations is told
// before a password matched. Failed attempts are throttled (guessThrottle:
// per email and client address, per address, and a larger budget per
// email), and the password checks share a bounded pool. When
// the request came over HTTP, the session cookie is set on the response.
func (s *Service) SignIn(ctx context.Context, email, password, orgSlug string) (*SignInResult, error) {
	email = domain.NormalizeEmail(email)
	req := RequestFromContext(ctx)
	var addr netip.Addr
	if req != nil {
		addr = req.Addr
	}
	att, wait, err := s.throttle.begin(ctx, email, addr)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, s.tooManyAttempts(wait)
	}
	matched, err := s.matchPassword(ctx, email, password, orgSlug)
	if err != nil {
		s.abandon(ctx, att)
		if errors.Is(err, errPasswordChecksBusy) {
			return nil, s.busy()
		}
		return nil, err
	}
	if len(matched) == 0 {
		return nil, errBadCredentials // the attempt stays counted
	}
	s.settle(ctx, att)
	if len(matched) > 1 {
		// Only someone who knows the password learns that it opens
		// accounts in several organizations.
		return nil, domain.Errorf(domain.CodeBadUserInput, "this email and password open accounts in several organizations: give the organization")
	}
	u := matched[0]
	tok, err := NewToken(sessionPrefix)
	if err != nil {
		return nil, err
	}
	exp := s.now().Add(s.sessionTTL)
	at, err := s.db(ctx).AuthToken.Create().
		SetOrganizationID(u.OrganizationID).SetUserID(u.ID).SetKind(authtoken.KindSESSION).
		SetTokenHash(HashToken(tok)).SetExpiresAt(exp).Save(viewer.SystemContext(ctx, u.OrganizationID))
	if err != nil {
		return nil, fmt.Errorf("auth: create session: %w", err)
	}
	if req != nil {
		req.Kind, req.TokenID, req.sessionToken = KindSession, at.ID, tok
		req.CSRFValid = true
		if req.w != nil {
			http.SetCookie(req.w, s.cookie(tok, exp))
		}
	}
	return &SignInResult{User: u, Token: tok, CSRFToken: csrfFor(s.csrfKey, tok), ExpiresAt: exp}, nil
}

// matchPassword returns the active accounts with email (in the
// organization orgSlug, when given) whose password is password. Each
// candidate costs one argon2 check, all in one slot of the gate; with no
// candidate the dummy hash is checked, so an unknown email takes as long
// as a known one.
func (s *Service) matchPassword(ctx context.Context, email, password, orgSlug string) ([]*ent.User, error) {
	q := s.db(ctx).User.Query().Where(user.Email(email), user.Active(true))
	if orgSlug != "" {
		q = q.Where(user.HasOrganizationWith(organization.Slug(orgSlug)))
	}
	// The oldest accounts first: an organization created later cannot
	// push the original ones out of the candidates.
	users, err := q.Order(ent.Asc(user.FieldID)).Limit(maxSignInCandidates).All(viewer.AllTenantsContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("auth: sign in: %w", err)
	}
	var matched []*ent.User
	err = s.gate.run(ctx, func() {
		if len(users) == 0 {
			s.meter.check(dummyHash, password)
			return
		}
		for _, u := range users {
			if u.PasswordHash == "" {
				s.meter.check(dummyHash, password) // same cost, never a match
				continue
			}
			if s.meter.check(u.PasswordHash, password) {
				matched = append(matched, u)
			}
		}
	})
	return matched, err
}

// VerifyPassword checks the password of user userID (the viewer's own,
// before changing it), throttled and bounded like a sign-in. A wrong
// password is a BAD_USER_INPUT error on field.
func (s *Service) VerifyPassword(ctx context.Context, userID int, password, field string) error {
	u, err := s.db(ctx).User.Get(ctx, userID)
	if ent.IsNotFound(err) {
		return domain.NotFound("user", userID)
	}
	if err != nil {
		return fmt.Errorf("auth: verify password: %w", err)
	}
	req := RequestFromContext(ctx)
	var addr netip.Addr
	if req != nil {
		addr = req.Addr
	}
	att, wait, err := s.throttle.begin(ctx, u.Email, addr)
	if err != nil {
		return err
	}
	if wait > 0 {
		return s.tooManyAttempts(wait)
	}
	ok := false
	err = s.gate.run(ctx, func() {
		if u.PasswordHash == "" {
			s.meter.check(dummyHash, password)
			return
		}
		ok = s.meter.check(u.PasswordHash, password)
	})
	if err != nil {
		s.abandon(ctx, att)
		if errors.Is(err, errPasswordChecksBusy) {
			return s.busy()
		}
		return err
	}
	if !ok {
		return domain.InvalidField(field, errors.New("wrong password"))
	}
	s.settle(ctx, att)
	return nil
}

// HashPassword hashes a new password (setPassword, createUser) in a slot
// of the same gate as the checks: a hash costs what a check costs, so a
// path hashing outside the gate would bring back the burst the gate
// exists to stop. Callers decide first that the change is allowed. When
// the server is busy the answer is UNAVAILABLE (HTTP 503), as for a
// sign-in.
func (s *Service) HashPassword(ctx context.Context, password string) (string, error) {
	var (
		h    string
		herr error
	)
	err := s.gate.run(ctx, func() { h, herr = s.meter.hash(password) })
	if errors.Is(err, errPasswordChecksBusy) {
		return "", s.busy()
	}
	if err != nil {
		return "", err
	}
	return h, herr
}

// settle records a right password. Failing to is logged, not fatal: the
// password was right, and the counter only stays higher than it should.
func (s *Service) settle(ctx context.Context, att *attempt) {
	if err := att.succeeded(ctx); err != nil {
		s.log.WarnContext(ctx, "sign-in throttle: forget failures", slog.Any("error", err))
	}
}

func (s *Service) abandon(ctx context.Context, att *attempt) {
	if err := att.abandoned(ctx); err != nil {
		s.log.WarnContext(ctx, "sign-in throttle: take back an attempt", slog.Any("error", err))
	}
}

// tooManyAttempts answers a throttled attempt (the transport makes it HTTP
// 429 with Retry-After):
// TOO_MANY_REQUESTS with retryAfterSeconds.
func (s *Service) tooManyAttempts(wait time.Duration) error {
	secs := retrySeconds(wait)
	return limitError(domain.CodeTooManyRequests, secs, fmt.Sprintf("too many wrong passwords: try again in %d seconds", secs))
}

// busy answers a password check refused by the gate (the transport makes it
// HTTP 503 with Retry-After): UNAVAILABLE.
func (s *Service) busy() error {
	secs := retrySeconds(s.gate.maxWait)
	return limitError(domain.CodeUnavailable, secs, "the server is busy checking passwords: try again shortly")
}

// limitError is a refusal the client may retry after secs seconds (the
// error presenter adds extensions.retryAfterSeconds).
func limitError(code domain.Code, secs int, msg string) error {
	return &domain.Error{Code: code, Message: msg, RetryAfter: time.Duration(secs) * time.Second}
}

func (s *Service) cookie(tok string, exp time.Time) *http.Cookie {
	return &http.Cookie{
		Name: SessionCookie, Value: tok, Path: "/", Expires: exp,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}

// SignOut revokes the current session (or bearer token) and clears the cookie.
func (s *Service) SignOut(ctx context.Context) error {
	r := RequestFromContext(ctx)
	v, _ := viewer.FromContext(ctx)
	if r == nil || r.Kind == KindNone {
		return domain.Errorf(domain.CodeUnauthenticated, "not signed in")
	}
	if err := s.revoke(viewer.SystemContext(ctx, v.OrgID), r.TokenID); err != nil {
		return err
	}
	if r.w != nil && r.Kind == KindSession {
		http.SetCookie(r.w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	r.Kind = KindNone
	return nil
}

func (s *Service) revoke(ctx context.Context, id int) error {
	err := s.db(ctx).AuthToken.Update().
		Where(authtoken.ID(id), authtoken.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	return nil
}

// MaxBearerTTL is the longest a bearer token may live.
const MaxBearerTTL = 365 * 24 * time.Hour

// CreateBearer issues a bearer token for the viewer (mobile apps). The token
// is returned once; only its hash is kept.
func (s *Service) CreateBearer(ctx context.Context, name string, ttl time.Duration) (string, *ent.AuthToken, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.UserID == 0 {
		return "", nil, domain.Errorf(domain.CodeUnauthenticated, "sign in first")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return "", nil, domain.InvalidField("name", errors.New("must be 1 to 200 characters"))
	}
	if ttl <= 0 || ttl > MaxBearerTTL {
		return "", nil, domain.InvalidField("ttlDays", errors.New("must be between 1 and 365"))
	}
	tok, err := NewToken(bearerPrefix)
	if err != nil {
		return "", nil, err
	}
	at, err := s.db(ctx).AuthToken.Create().
		SetUserID(v.UserID).SetKind(authtoken.KindBEARER).SetName(name).
		SetTokenHash(HashToken(tok)).SetExpiresAt(s.now().Add(ttl)).
		Save(viewer.SystemContext(ctx, v.OrgID))
	if err != nil {
		return "", nil, fmt.Errorf("auth: create bearer: %w", err)
	}
	return tok, at, nil
}

// Authenticate resolves a raw session or bearer token to a viewer.
func (s *Service) Authenticate(ctx context.Context, tok string) (viewer.Viewer, *ent.AuthToken, error) {
	if tok == "" {
		return viewer.Viewer{}, nil, domain.Errorf(domain.CodeUnauthenticated, "no token")
	}
	sys := viewer.AllTenantsContext(ctx)
	at, u, err := s.tokenAndUser(sys, HashToken(tok))
	if err != nil {
		return viewer.Viewer{}, nil, fmt.Errorf("auth: look up token: %w", err)
	}
	now := s.now()
	if at == nil || at.RevokedAt != nil || !now.Before(at.ExpiresAt) || u == nil || !u.Active {
		return viewer.Viewer{}, nil, domain.Errorf(domain.CodeUnauthenticated, "invalid or expired token")
	}
	wantPrefix := sessionPrefix
	if at.Kind == authtoken.KindBEARER {
		wantPrefix = bearerPrefix
	}
	if !strings.HasPrefix(tok, wantPrefix) {
		return viewer.Viewer{}, nil, domain.Errorf(domain.CodeUnauthenticated, "invalid or expired token")
	}
	// Record use at most once a minute: a write per request would be waste.
	if at.LastUsedAt == nil || now.Sub(*at.LastUsedAt) > time.Minute {
		if err := s.client.AuthToken.UpdateOneID(at.ID).SetLastUsedAt(now).Exec(sys); err != nil {
			s.log.WarnContext(ctx, "auth token last-used update failed", slog.Any("error", err))
		}
	}
	return viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID, Role: u.Role, Operator: u.Operator}, at, nil
}

// tokenAndUser reads the token whose hash is hash and its user in one
// statement (every authenticated request pays for it); nil, nil when there
// is no such token.
func (s *Service) tokenAndUser(ctx context.Context, hash string) (*ent.AuthToken, *ent.User, error) {
	var rows []struct {
		ID         int        `sql:"id"`
		Kind       string     `sql:"kind"`
		ExpiresAt  time.Time  `sql:"expires_at"`
		RevokedAt  *time.Time `sql:"revoked_at"`
		LastUsedAt *time.Time `sql:"last_used_at"`
		UserID     int        `sql:"user_id"`
		OrgID      int        `sql:"user_organization_id"`
		Role       string     `sql:"user_role"`
		Operator   bool       `sql:"user_operator"`
		Active     bool       `sql:"user_active"`
	}
	err := s.client.AuthToken.Query().Where(authtoken.TokenHash(hash)).Limit(1).
		Modify(func(q *entsql.Selector) {
			t := entsql.Table(user.Table)
			q.Join(t).On(q.C(authtoken.FieldUserID), t.C(user.FieldID))
			q.Select(q.C(authtoken.FieldID), q.C(authtoken.FieldKind), q.C(authtoken.FieldExpiresAt),
				q.C(authtoken.FieldRevokedAt), q.C(authtoken.FieldLastUsedAt), q.C(authtoken.FieldUserID),
				entsql.As(t.C(user.FieldOrganizationID), "user_organization_id"), entsql.As(t.C(user.FieldRole), "user_role"),
				entsql.As(t.C(user.FieldOperator), "user_operator"), entsql.As(t.C(user.FieldActive), "user_active"))
		}).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	r := rows[0]
	at := &ent.AuthToken{ID: r.ID, Kind: authtoken.Kind(r.Kind), ExpiresAt: r.ExpiresAt, RevokedAt: r.RevokedAt,
		LastUsedAt: r.LastUsedAt, UserID: r.UserID}
	u := &ent.User{ID: r.UserID, OrganizationID: r.OrgID, Role: viewer.Role(r.Role), Operator: r.Operator, Active: r.Active}
	return at, u, nil
}

// Middleware authenticates each request from its session cookie or bearer
// token and puts the viewer and the Request facts on the context. A request
// with a bad token is answered 401; one with no token goes on anonymous.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{w: w, Addr: peerAddr(r.RemoteAddr)}
		ctx := context.WithValue(r.Context(), requestKey{}, req)
		var tok string
		kind := KindNone
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, val, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || val == "" {
				writeUnauthenticated(w, "Authorization must be \"Bearer <token>\"")
				return
			}
			tok, kind = strings.TrimSpace(val), KindBearer
		} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			tok, kind = c.Value, KindSession
		}
		if kind != KindNone {
			v, at, err := s.Authenticate(ctx, tok)
			if err != nil {
				if domain.CodeOf(err) == domain.CodeUnauthenticated && kind == KindSession {
					// A stale cookie must not lock the browser out of
					// signing in again: drop it and go on anonymous.
					http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
					next.ServeHTTP(w, r.WithContext(ctx))
					return
				}
				if domain.CodeOf(err) == domain.CodeUnauthenticated {
					writeUnauthenticated(w, err.Error())
					return
				}
				s.log.ErrorContext(ctx, "authenticate failed", slog.Any("error", err))
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			if (kind == KindBearer) != (at.Kind == authtoken.KindBEARER) {
				writeUnauthenticated(w, "invalid or expired token")
				return
			}
			req.Kind, req.TokenID = kind, at.ID
			if kind == KindSession {
				req.sessionToken = tok
				req.CSRFValid = csrfValid(s.csrfKey, tok, r.Header.Get(CSRFHeader))
			}
			ctx = viewer.NewContext(ctx, v)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeUnauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="calsync"`)
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":"UNAUTHENTICATED"}}]}`, msg)
}

// StillValid reports whether the session or bearer token the current
// request (or websocket) was authenticated with is still good: not revoked
// (sign-out), not expired, its user still active and in the role they
// subscribed with (a demoted scheduler's open subscription ends rather
// than go on showing what the role no longer may see). Long-lived
// subscriptions check it before each event.
func (s *Service) StillValid(ctx context.Context) bool {
	r := RequestFromContext(ctx)
	if r == nil || r.TokenID == 0 {
		return false
	}
	at, err := s.client.AuthToken.Query().Where(authtoken.ID(r.TokenID)).WithUser().Only(viewer.AllTenantsContext(ctx))
	if err != nil {
		return false
	}
	u := at.Edges.User
	if at.RevokedAt != nil || !s.now().Before(at.ExpiresAt) || u == nil || !u.Active {
		return false
	}
	v, ok := viewer.FromContext(ctx)
	return !ok || v.Role == "" || v.Role == u.Role
}
