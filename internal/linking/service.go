package linking

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/providerconfig"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/secret"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Jobs queues background work once the transaction that asked for it has
// committed.
type Jobs interface {
	// AccountLinked queues the initial sync of a newly linked account.
	AccountLinked(ctx context.Context, orgID, accountID int)
	// EmailQueued queues the delivery of an outbox message.
	EmailQueued(ctx context.Context, orgID, emailID int)
	// AccountResync queues a full re-sync of an account.
	AccountResync(ctx context.Context, orgID, accountID int) error
}

// StatusNotifier hears about account status changes (NEEDS_REAUTH…).
type StatusNotifier interface {
	AccountStatusChanged(ctx context.Context, orgID, accountID int, userIDs []int, status, lastError string)
}

// Locker serializes work on one key across processes (token refreshes of
// one account: Microsoft rotates refresh tokens, so two concurrent
// refreshes would invalidate each other).
type Locker interface {
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), err error)
}

// Releaser stops managing a user's events in an account as the user
// leaves it (the sync engine): leave is run while the account's calendar
// is locked against syncs, and the events are removed (remove) or left.
type Releaser interface {
	ReleaseUser(ctx context.Context, a *ent.CalendarAccount, userID int, remove bool, leave func(context.Context) error) error
}

// Options configures the Service.
type Options struct {
	Client    *ent.Client
	Box       *secret.Box
	Providers map[domain.Provider]Provider
	// Platform holds the operator's OAuth apps (client id and secret; the
	// redirect URL is derived from PublicURL).
	Platform  map[domain.Provider]OAuthApp
	PublicURL string
	Jobs      Jobs
	Notifier  StatusNotifier
	Locker    Locker
	// Releaser applies the unlink policy to Calsync's events (nil: the
	// events are left as they are).
	Releaser Releaser
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service links and unlinks calendar accounts.
type Service struct {
	client    *ent.Client
	box       *secret.Box
	providers map[domain.Provider]Provider
	platform  map[domain.Provider]OAuthApp
	publicURL string
	jobs      Jobs
	notifier  StatusNotifier
	locker    Locker
	releaser  Releaser
	now       func() time.Time
	log       *slog.Logger
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{client: o.Client, box: o.Box, providers: o.Providers, platform: o.Platform,
		publicURL: strings.TrimSuffix(o.PublicURL, "/"), jobs: o.Jobs, notifier: o.Notifier, locker: o.Locker,
		releaser: o.Releaser, now: o.Now, log: o.Logger}
}

// AttemptTTL is how long a consent may take.
const AttemptTTL = 15 * time.Minute

func (s *Service) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, s.client)
}

func (s *Service) provider(p domain.Provider) (Provider, error) {
	pr, ok := s.providers[p]
	if !ok {
		return nil, domain.Errorf(domain.CodeBadUserInput, "provider %s is not available on this server", p)
	}
	return pr, nil
}

// CallbackPath is where the provider sends the user back.
func CallbackPath(p domain.Provider) string {
	return "/oauth/" + strings.ToLower(string(p)) + "/callback"
}

// ParseProvider reads a provider from a URL path segment.
func ParseProvider(s string) (domain.Provider, bool) {
	switch strings.ToUpper(s) {
	case string(domain.ProviderGoogle):
		return domain.ProviderGoogle, true
	case string(domain.ProviderMicrosoft):
		return domain.ProviderMicrosoft, true
	}
	return "", false
}

// config loads the organization's settings for p (nil when never set).
func (s *Service) config(ctx context.Context, p domain.Provider) (*ent.ProviderConfig, error) {
	pc, err := s.db(ctx).ProviderConfig.Query().Where(providerconfig.ProviderEQ(p)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return pc, err
}

// appFor returns the OAuth app the organization uses for p.
func (s *Service) appFor(pc *ent.ProviderConfig) (OAuthApp, error) {
	return s.appForMode(pc, pc.CredentialMode)
}

// appForMode returns the OAuth app of a credential mode: an account keeps
// the app it was linked with even after the organization switches modes
// (its tokens were issued to that app).
func (s *Service) appForMode(pc *ent.ProviderConfig, mode domain.CredentialMode) (OAuthApp, error) {
	p := pc.Provider
	var app OAuthApp
	switch mode {
	case domain.CredentialPlatformApp:
		app = s.platform[p]
		if app.ClientID == "" {
			return app, domain.Errorf(domain.CodeBadUserInput, "this server has no platform app for %s: use a private app or a service account", p)
		}
	case domain.CredentialPrivateApp:
		if pc.ClientID == "" || len(pc.ClientSecretEnc) == 0 {
			return app, domain.Errorf(domain.CodeBadUserInput, "the organization's private %s app is not configured", p)
		}
		sec, err := s.box.Open(pc.ClientSecretEnc, secretAD(pc.OrganizationID, p, "client_secret"))
		if err != nil {
			return app, fmt.Errorf("linking: client secret: %w", err)
		}
		app = OAuthApp{ClientID: pc.ClientID, ClientSecret: string(sec), Tenant: pc.MsTenantID}
	default:
		return app, domain.Errorf(domain.CodeBadUserInput, "%s uses a service account: no consent is needed", p)
	}
	if app.Tenant == "" {
		app.Tenant = "common"
	}
	app.RedirectURL = s.publicURL + CallbackPath(p)
	return app, nil
}

func secretAD(org int, p domain.Provider, what string) string {
	return fmt.Sprintf("provider-config:%d:%s:%s", org, p, what)
}

func tokenAD(org int, p domain.Provider, email string) string {
	return fmt.Sprintf("account-token:%d:%s:%s", org, p, strings.ToLower(email))
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how single-use tokens (state, invitations) are stored.
func HashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func (s *Service) requireSwitch(ctx context.Context, u *ent.User, p domain.Provider) (*ent.ProviderConfig, error) {
	pc, err := s.config(ctx, p)
	if err != nil {
		return nil, err
	}
	sw := EffectiveSwitch(pc, u, p)
	if !sw.Enabled {
		return nil, domain.Errorf(domain.CodeForbidden, "%s calendar sync is off for %s (%s)", p.DisplayName(), u.Email, describe(sw.Reason))
	}
	return pc, nil
}

func describe(r Reason) string {
	switch r {
	case ReasonAdminChoice:
		return "set by an administrator"
	case ReasonUserChoice:
		return "your own choice"
	case ReasonInactive:
		return "the user is deactivated"
	case ReasonNotConfigured:
		return "not set up for this organization"
	}
	return "organization setting"
}

// StartPath is Calsync's page that begins a consent in the browser.
const StartPath = "/link/"

// StartLink begins linking the viewer's own calendar: it records a
// single-use attempt bound to the user and returns the URL of Calsync's
// start page, to open in the browser that will do the consent.
func (s *Service) StartLink(ctx context.Context, p domain.Provider) (string, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return "", domain.Errorf(domain.CodeUnauthenticated, "sign in to link a calendar")
	}
	u, err := s.db(ctx).User.Get(ctx, v.UserID)
	if err != nil {
		return "", err
	}
	token, err := s.newAttempt(ctx, u, p, nil)
	if err != nil {
		return "", err
	}
	return s.publicURL + StartPath + token, nil
}

// newAttempt records an attempt and returns its start-page token.
func (s *Service) newAttempt(ctx context.Context, u *ent.User, p domain.Provider, invitationID *int) (string, error) {
	if _, err := s.provider(p); err != nil {
		return "", err
	}
	pc, err := s.requireSwitch(ctx, u, p)
	if err != nil {
		return "", err
	}
	if _, err := s.appFor(pc); err != nil {
		return "", err
	}
	start, verifier := randomToken(), oauth2.GenerateVerifier()
	state := stateFor(start)
	venc, err := s.box.Seal([]byte(verifier), "link-attempt:verifier")
	if err != nil {
		return "", err
	}
	// As the viewer: users start their own links (rule.AllowIfSelf); an
	// invitation's attempt is made by the system once its token is checked.
	c := s.db(ctx).LinkAttempt.Create().SetUserID(u.ID).SetProvider(p).SetStateHash(HashToken(state)).
		SetStartHash(HashToken(start)).SetCodeVerifierEnc(venc).SetExpiresAt(s.now().Add(AttemptTTL))
	if invitationID != nil {
		c.SetInvitationID(*invitationID)
	}
	if err := c.Exec(ctx); err != nil {
		return "", fmt.Errorf("linking: record attempt: %w", err)
	}
	return start, nil
}

// stateFor derives the OAuth state from the start token, so neither is
// stored in clear and any replica can begin the consent.
func stateFor(start string) string {
	sum := sha256.Sum256([]byte("calsync-oauth-state:" + start))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tokenJSON is the stored (encrypted) token set.
type tokenJSON struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

func (s *Service) sealToken(org int, p domain.Provider, email string, t *oauth2.Token) ([]byte, error) {
	data, err := json.Marshal(tokenJSON{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry})
	if err != nil {
		return nil, err
	}
	return s.box.Seal(data, tokenAD(org, p, email))
}

func (s *Service) openToken(a *ent.CalendarAccount) (*oauth2.Token, error) {
	if len(a.TokenEnc) == 0 {
		return nil, errors.New("linking: account has no token")
	}
	data, err := s.box.Open(a.TokenEnc, tokenAD(a.OrganizationID, a.Provider, a.AccountEmail))
	if err != nil {
		return nil, fmt.Errorf("linking: token: %w", err)
	}
	var t tokenJSON
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("linking: token: %w", err)
	}
	return &oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}, nil
}

// accountOf returns u's linked account for p, if any (the latest, should
// two concurrent links have attached the user to two).
func accountOf(ctx context.Context, db *ent.Client, userID int, p domain.Provider) (*ent.CalendarAccount, error) {
	a, err := db.CalendarAccount.Query().
		Where(calendaraccount.ProviderEQ(p), calendaraccount.HasUsersWith(user.ID(userID))).
		Order(ent.Desc(calendaraccount.FieldUpdatedAt), ent.Desc(calendaraccount.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return a, err
}

// Config returns the organization's settings for p (nil when never set).
func (s *Service) Config(ctx context.Context, p domain.Provider) (*ent.ProviderConfig, error) {
	return s.config(ctx, p)
}

// SetReleaser wires the sync engine in after construction (the engine
// needs this service's token sources, so it is built second).
func (s *Service) SetReleaser(r Releaser) { s.releaser = r }

// AuthorizeFor asks the User policy whether the viewer may act on
// userID's calendar links (link, unlink, re-sync): the system and admins
// for anyone of their organization, users for themselves
// (rule.AllowSelfUpdate). Operations call it before any lookup or provider
// call, so a refusal costs nothing and reads the same whether or not the
// user exists; the writes that follow are checked again by their own
// entities' policies.
func (s *Service) AuthorizeFor(ctx context.Context, userID int) error {
	return user.Policy.EvalMutation(ctx, s.db(ctx).User.UpdateOneID(userID).Mutation())
}

// Resync queues a re-sync of a user's calendar for p: the last 30 days and
// the future pushed again, events deleted at the provider recreated. Users
// re-sync their own; admins anyone's (AuthorizeFor).
func (s *Service) Resync(ctx context.Context, userID int, p domain.Provider) (*ent.CalendarAccount, error) {
	if err := s.AuthorizeFor(ctx, userID); err != nil {
		return nil, err
	}
	u, err := s.db(ctx).User.Get(ctx, userID)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("user", userID)
	}
	if err != nil {
		return nil, err
	}
	a, err := accountOf(ctx, s.db(ctx), u.ID, p)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Status == calendaraccount.StatusDISCONNECTED {
		return nil, domain.Errorf(domain.CodeNotFound, "%s has no linked %s calendar", u.Email, p.DisplayName())
	}
	if a.Status == calendaraccount.StatusNEEDS_REAUTH {
		return nil, domain.Errorf(domain.CodeBadUserInput, "link the %s calendar again first: the provider no longer accepts the old grant", p.DisplayName())
	}
	if s.jobs == nil {
		return nil, domain.Errorf(domain.CodeInternal, "no task queue")
	}
	if err := s.jobs.AccountResync(ctx, a.OrganizationID, a.ID); err != nil {
		return nil, err
	}
	return a, nil
}
