// Package graph is Calsync's GraphQL API: thin resolvers over the domain
// packages; authorization lives in the ent privacy rules.
package graph

import (
	"context"
	"log/slog"
	"slices"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/syncconflict"
	"calsync/graph/model"
	"calsync/internal/auth"
	"calsync/internal/broker"
	"calsync/internal/directory"
	"calsync/internal/domain"
	"calsync/internal/linking/consent"
	"calsync/internal/linking/invitations"
	"calsync/internal/linking/settings"
	"calsync/internal/linking/switches"
	"calsync/internal/scheduling"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Resolver holds the API's dependencies.
type Resolver struct {
	Client     *ent.Client
	Auth       *auth.Service
	Scheduling *scheduling.Service
	Directory  *directory.Directory
	Broker     *broker.Broker
	// Settings applies provider settings and users' sync choices.
	Settings *settings.Service
	// Consent links and unlinks calendars.
	Consent *consent.Service
	// Invitations sends authorization emails.
	Invitations *invitations.Service
	// Keys converts service-account key formats (the Google adapter).
	Keys settings.KeyConverter
	// TwoWay resolves two-way sync conflicts (sync/twoway).
	TwoWay ConflictResolver
	Log    *slog.Logger
}

// ConflictResolver settles a two-way sync conflict as the viewer chooses.
type ConflictResolver interface {
	Resolve(ctx context.Context, id int, keep syncconflict.Resolution) (*ent.SyncConflict, error)
}

// db returns the operation's transactional client, or the plain one for
// queries (which run outside a transaction).
func (r *Resolver) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, r.Client)
}

func notFound(err error, kind string, id int) error {
	if ent.IsNotFound(err) {
		return domain.NotFound(kind, id)
	}
	return err
}

// calendarSync describes u's sync for p: the effective switch, what the
// user can do, the linked account and the last authorization email. The
// operation's loader answers a page of users in one batch.
func (r *Resolver) calendarSync(ctx context.Context, u *ent.User, p domain.Provider) (*model.CalendarSync, error) {
	l, k := r.loaders(ctx), syncKey{user: u, provider: p}
	if s := l.primed(k); s != nil {
		return s[0], nil
	}
	return l.calendarSync.Load(ctx, k)
}

// describeSync decides u's sync for p from the organization's configuration
// pc (nil: never set up), u's latest account and latest invitation for p.
func describeSync(pc *ent.ProviderConfig, u *ent.User, p domain.Provider, acct *ent.CalendarAccount, inv *ent.Invitation) *model.CalendarSync {
	sw := switches.Effective(pc, u, p)
	mode := domain.CredentialPlatformApp
	if pc != nil {
		mode = pc.CredentialMode
	}
	out := &model.CalendarSync{Provider: p, Enabled: sw.Enabled, Reason: model.SyncSwitchReason(sw.Reason), CredentialMode: mode, Action: model.CalendarSyncActionNone,
		Account: acct, LastInvitation: inv}
	switch {
	case !sw.Enabled:
	case acct != nil && acct.Status == calendaraccount.StatusNEEDS_REAUTH:
		out.Action = model.CalendarSyncActionRelink
	case acct != nil && acct.Status == calendaraccount.StatusACTIVE:
	case mode == domain.CredentialServiceAccount:
		out.Action = model.CalendarSyncActionEnableServiceSync
	default:
		out.Action = model.CalendarSyncActionLink
	}
	return out
}

// followable checks who may follow account and sync events: whoever may
// act on the user's calendar links (the User policy, through
// consent.AuthorizeFor: the viewer for themself, admins for anyone);
// userID nil: everyone they may see.
func (r *Resolver) followable(ctx context.Context, userID *int) (viewer.Viewer, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.UserID == 0 {
		return v, domain.Errorf(domain.CodeUnauthenticated, "sign in to subscribe")
	}
	if userID != nil {
		if err := r.Consent.AuthorizeFor(ctx, *userID); err != nil {
			return v, err
		}
	}
	if userID != nil {
		if _, err := r.Client.User.Get(ctx, *userID); err != nil {
			return v, notFound(err, "user", *userID)
		}
	}
	return v, nil
}

// follows tells whether an event about users reaches a subscriber: with
// userID (already allowed by followable), only events about them; without,
// events about anyone the viewer may act for — asked of the User policy,
// as linking does (consent.AuthorizeFor).
func (r *Resolver) follows(ctx context.Context, userID *int, users []int) bool {
	if userID != nil {
		return slices.Contains(users, *userID)
	}
	return slices.ContainsFunc(users, func(id int) bool { return r.Consent.AuthorizeFor(ctx, id) == nil })
}

// subjectUser is the user a calendar operation acts on: userID, or the
// viewer themself.
func subjectUser(ctx context.Context, userID *int) int {
	if userID != nil {
		return *userID
	}
	v, _ := viewer.FromContext(ctx)
	return v.UserID
}
