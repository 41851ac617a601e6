package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

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
}

// Service signs users in and authenticates requests.
type Service struct {
	client     *ent.Client
	csrfKey    []byte
	secure     bool
	sessionTTL time.Duration
	now        func() time.Time
	log        *slog.Logger
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
	return &Service{client: o.Client, csrfKey: o.CSRFKey, secure: o.SecureCookies, sessionTTL: o.SessionTTL, now: o.Now, log: o.Logger}, nil
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
	CSRFValid    bool
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

// SignInResult is a new browser session.
type SignInResult struct {
	User      *ent.User
	Token     string
	CSRFToken string
	ExpiresAt time.Time
}

// SignIn checks a password and opens a session. orgSlug is needed only when
// the email exists in several organizations. When the request came over
// HTTP, the session cookie is set on the response.
func (s *Service) SignIn(ctx context.Context, email, password, orgSlug string) (*SignInResult, error) {
	email = domain.NormalizeEmail(email)
	sys := viewer.AllTenantsContext(ctx)
	q := s.db(ctx).User.Query().Where(user.Email(email), user.Active(true))
	if orgSlug != "" {
		q = q.Where(user.HasOrganizationWith(organization.Slug(orgSlug)))
	}
	users, err := q.Limit(2).All(sys)
	if err != nil {
		return nil, fmt.Errorf("auth: sign in: %w", err)
	}
	if len(users) > 1 {
		CheckPassword(dummyHash, password)
		return nil, domain.Errorf(domain.CodeBadUserInput, "this email belongs to several organizations: give the organization")
	}
	if len(users) == 0 || users[0].PasswordHash == "" {
		CheckPassword(dummyHash, password)
		return nil, errBadCredentials
	}
	u := users[0]
	if !CheckPassword(u.PasswordHash, password) {
		return nil, errBadCredentials
	}
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
	if r := RequestFromContext(ctx); r != nil {
		r.Kind, r.TokenID, r.sessionToken = KindSession, at.ID, tok
		r.CSRFValid = true
		if r.w != nil {
			http.SetCookie(r.w, s.cookie(tok, exp))
		}
	}
	return &SignInResult{User: u, Token: tok, CSRFToken: csrfFor(s.csrfKey, tok), ExpiresAt: exp}, nil
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
	at, err := s.client.AuthToken.Query().
		Where(authtoken.TokenHash(HashToken(tok))).
		WithUser().Only(sys)
	if ent.IsNotFound(err) {
		return viewer.Viewer{}, nil, domain.Errorf(domain.CodeUnauthenticated, "invalid or expired token")
	}
	if err != nil {
		return viewer.Viewer{}, nil, fmt.Errorf("auth: look up token: %w", err)
	}
	now := s.now()
	u := at.Edges.User
	if at.RevokedAt != nil || !now.Before(at.ExpiresAt) || u == nil || !u.Active {
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
	return viewer.Viewer{UserID: u.ID, OrgID: u.OrganizationID, Role: u.Role}, at, nil
}

// Middleware authenticates each request from its session cookie or bearer
// token and puts the viewer and the Request facts on the context. A request
// with a bad token is answered 401; one with no token goes on anonymous.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{w: w}
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
// (sign-out), not expired, its user still active. Long-lived subscriptions
// check it before each event.
func (s *Service) StillValid(ctx context.Context) bool {
	r := RequestFromContext(ctx)
	if r == nil || r.TokenID == 0 {
		return false
	}
	at, err := s.client.AuthToken.Query().Where(authtoken.ID(r.TokenID)).WithUser().Only(viewer.AllTenantsContext(ctx))
	if err != nil {
		return false
	}
	return at.RevokedAt == nil && s.now().Before(at.ExpiresAt) && at.Edges.User != nil && at.Edges.User.Active
}
