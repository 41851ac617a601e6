// Package consent connects and disconnects a user's calendar: the start
// page and its single-use attempt, OAuth state and PKCE, the callback,
// saving a link (consented or through service credentials), re-syncs,
// unlinking and the record of departed accounts.
package consent

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/linking/credentials"
	"calsync/internal/linking/switches"
	"calsync/internal/secret"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Jobs queues an account's syncs once the transaction that asked for them
// has committed.
type Jobs interface {
	// AccountLinked queues the initial sync of a newly linked account.
	AccountLinked(ctx context.Context, orgID, accountID int)
	// AccountResync queues a full re-sync of an account.
	AccountResync(ctx context.Context, orgID, accountID int) error
}

// Releaser stops managing a user's events in an account as the user
// leaves it (the sync engine): leave is run while the account's calendar
// is locked against syncs, and the events are removed (remove) or left.
type Releaser interface {
	ReleaseUser(ctx context.Context, a *ent.CalendarAccount, userID int, remove bool, leave func(context.Context) error) error
}

// Options configures the Service.
type Options struct {
	Client *ent.Client
	// Box encrypts the PKCE verifier of an attempt.
	Box         *secret.Box
	Credentials *credentials.Service
	PublicURL   string
	Jobs        Jobs
	Notifier    credentials.StatusNotifier
	// Releaser applies the unlink policy to Calsync's events (nil: the
	// events are left as they are).
	Releaser Releaser
	// Imports hears about calendars chosen for import (nil: nobody).
	Imports ImportJobs
	Now     func() time.Time
	Logger  *slog.Logger
}

// Service links and unlinks calendar accounts.
type Service struct {
	client    *ent.Client
	box       *secret.Box
	creds     *credentials.Service
	publicURL string
	jobs      Jobs
	notifier  credentials.StatusNotifier
	releaser  Releaser
	imports   ImportJobs
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
	return &Service{client: o.Client, box: o.Box, creds: o.Credentials,
		publicURL: strings.TrimSuffix(o.PublicURL, "/"), jobs: o.Jobs, notifier: o.Notifier,
		releaser: o.Releaser, imports: o.Imports, now: o.Now, log: o.Logger}
}

// AttemptTTL is how long a consent may take.
const AttemptTTL = 15 * time.Minute

func (s *Service) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, s.client)
}

func (s *Service) requireSwitch(ctx context.Context, u *ent.User, p domain.Provider) (*ent.ProviderConfig, error) {
	pc, err := s.creds.Config(ctx, p)
	if err != nil {
		return nil, err
	}
	sw := switches.Effective(pc, u, p)
	if !sw.Enabled {
		return nil, domain.Errorf(domain.CodeForbidden, "%s calendar sync is off for %s (%s)", p.DisplayName(), u.Email, switches.Describe(sw.Reason))
	}
	return pc, nil
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

// StartInvited begins the consent an authorization link leads to, for
// its user, who is not signed in (the caller checked the link's token and
// acts as the system): it returns the URL of Calsync's start page.
func (s *Service) StartInvited(ctx context.Context, u *ent.User, p domain.Provider, invitationID int) (string, error) {
	token, err := s.newAttempt(ctx, u, p, &invitationID)
	if err != nil {
		return "", err
	}
	return s.publicURL + StartPath + token, nil
}

// newAttempt records an attempt and returns its start-page token.
func (s *Service) newAttempt(ctx context.Context, u *ent.User, p domain.Provider, invitationID *int) (string, error) {
	if _, err := s.creds.Provider(p); err != nil {
		return "", err
	}
	pc, err := s.requireSwitch(ctx, u, p)
	if err != nil {
		return "", err
	}
	if _, err := s.creds.App(pc); err != nil {
		return "", err
	}
	start, verifier := linking.NewToken(), oauth2.GenerateVerifier()
	state := stateFor(start)
	venc, err := s.box.Seal([]byte(verifier), "link-attempt:verifier")
	if err != nil {
		return "", err
	}
	// As the viewer: users start their own links (rule.AllowIfSelf); an
	// invitation's attempt is made by the system once its token is checked.
	c := s.db(ctx).LinkAttempt.Create().SetUserID(u.ID).SetProvider(p).SetStateHash(linking.HashToken(state)).
		SetStartHash(linking.HashToken(start)).SetCodeVerifierEnc(venc).SetExpiresAt(s.now().Add(AttemptTTL))
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
