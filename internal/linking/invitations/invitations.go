// Package invitations sends authorization emails — single-use links that
// lead a fieldworker to the provider's consent — and follows those links.
package invitations

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/invitation"
	"calsync/ent/user"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/linking/consent"
	"calsync/internal/linking/credentials"
	"calsync/internal/linking/outbox"
	"calsync/internal/linking/switches"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// Options configures the Service.
type Options struct {
	Client      *ent.Client
	Credentials *credentials.Service
	// Consent starts the consent an authorization link leads to.
	Consent   *consent.Service
	Outbox    *outbox.Outbox
	PublicURL string
	Now       func() time.Time
}

// Service sends and follows authorization links.
type Service struct {
	client    *ent.Client
	creds     *credentials.Service
	consent   *consent.Service
	outbox    *outbox.Outbox
	publicURL string
	now       func() time.Time
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{client: o.Client, creds: o.Credentials, consent: o.Consent, outbox: o.Outbox,
		publicURL: strings.TrimSuffix(o.PublicURL, "/"), now: o.Now}
}

func (s *Service) db(ctx context.Context) *ent.Client {
	return store.ClientFrom(ctx, s.client)
}

// InvitationTTL is how long an authorization link stays valid.
const InvitationTTL = 7 * 24 * time.Hour

// MaxInvitations bounds one SendAuthorizationEmails call.
const MaxInvitations = 1000

// InvitePath is where authorization links point.
const InvitePath = "/invite/"

// SendAuthorizationEmails emails each user a single-use link that leads
// to the provider's consent (who may is the Invitation policy's: admins).
// A new link revokes the user's earlier unused ones. Returns the
// invitations created.
func (s *Service) SendAuthorizationEmails(ctx context.Context, userIDs []int, p domain.Provider) ([]*ent.Invitation, error) {
	v, _ := viewer.FromContext(ctx)
	db := s.db(ctx)
	// Asked first, so a refusal comes before any validation or lookup.
	if err := invitation.Policy.EvalMutation(ctx, db.Invitation.Create().Mutation()); err != nil {
		return nil, err
	}
	if len(userIDs) == 0 {
		return nil, domain.InvalidField("userIds", fmt.Errorf("choose at least one fieldworker"))
	}
	if len(userIDs) > MaxInvitations {
		return nil, domain.InvalidField("userIds", fmt.Errorf("at most %d at once", MaxInvitations))
	}
	if _, err := s.creds.Provider(p); err != nil {
		return nil, err
	}
	pc, err := s.creds.Config(ctx, p)
	if err != nil {
		return nil, err
	}
	if pc == nil || pc.CredentialMode == domain.CredentialServiceAccount {
		return nil, domain.Errorf(domain.CodeBadUserInput, "%s needs no authorization emails: it is not set up for user consent", p.DisplayName())
	}
	org, err := db.Organization.Get(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	var out []*ent.Invitation
	ctx = audit.WithAction(ctx, "invitation.send")
	// The outbox is written by the system alone (its messages hold
	// single-use links): queueing the email is delivery work, not the
	// sender's own change.
	sys := viewer.SystemContext(ctx, v.OrgID)
	for _, id := range userIDs {
		u, err := db.User.Get(ctx, id)
		if ent.IsNotFound(err) {
			return nil, domain.NotFound("user", id)
		}
		if err != nil {
			return nil, err
		}
		if !u.Active {
			return nil, domain.InvalidField("userIds", fmt.Errorf("%s is deactivated", u.Email))
		}
		if sw := switches.Effective(pc, u, p); !sw.Enabled {
			return nil, domain.InvalidField("userIds", fmt.Errorf("%s calendar sync is off for %s (%s)", p.DisplayName(), u.Email, switches.Describe(sw.Reason)))
		}
		if err := db.Invitation.Update().
			Where(invitation.UserID(u.ID), invitation.ProviderEQ(p), invitation.UsedAtIsNil(), invitation.RevokedAtIsNil()).
			SetRevokedAt(s.now()).Exec(ctx); err != nil {
			return nil, err
		}
		token := linking.NewToken()
		c := db.Invitation.Create().SetUserID(u.ID).SetProvider(p).SetTokenHash(linking.HashToken(token)).
			SetExpiresAt(s.now().Add(InvitationTTL))
		if v.UserID != 0 {
			c.SetSentByID(v.UserID)
		}
		inv, err := c.Save(ctx)
		if err != nil {
			return nil, err
		}
		link := s.publicURL + InvitePath + token
		text := fmt.Sprintf("Hello %s,\n\n%s asks you to connect your %s calendar to Calsync, so your bookings appear in it and your busy times are respected.\n\nGrant permission: %s\n\nThe link works once and expires on %s. If you did not expect this email, ignore it.\n",
			u.Name, org.Name, p.DisplayName(), link, inv.ExpiresAt.UTC().Format("2 January 2006 15:04 MST"))
		htmlBody := fmt.Sprintf(`<p>Hello %s,</p><p>%s asks you to connect your %s calendar to Calsync, so your bookings appear in it and your busy times are respected.</p><p><a href="%s">Grant permission</a></p><p>The link works once and expires on %s. If you did not expect this email, ignore it.</p>`,
			html.EscapeString(u.Name), html.EscapeString(org.Name), p.DisplayName(), html.EscapeString(link), inv.ExpiresAt.UTC().Format("2 January 2006 15:04 MST"))
		if err := s.outbox.Queue(ctx, sys, u, "authorization", fmt.Sprintf("%s: connect your %s calendar", org.Name, p.DisplayName()), text, htmlBody); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// InviteFieldworkers emails an authorization link to every active
// fieldworker whose sync is on for pc's provider, except those already
// linked and those holding a pending (unused, unrevoked, unexpired) link:
// toggling a provider off and on, or changing its app, neither emails
// anyone twice nor replaces links people may be about to use.
func (s *Service) InviteFieldworkers(ctx context.Context, pc *ent.ProviderConfig) error {
	p := pc.Provider
	fws, err := s.db(ctx).User.Query().
		Where(user.Active(true), user.RoleEQ(viewer.RoleFieldworker),
			user.Not(user.HasCalendarAccountsWith(calendaraccount.ProviderEQ(p),
				calendaraccount.StatusIn(calendaraccount.StatusACTIVE, calendaraccount.StatusERROR, calendaraccount.StatusNEEDS_REAUTH))),
		).Order(ent.Asc(user.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	pending, err := s.db(ctx).Invitation.Query().
		Where(invitation.ProviderEQ(p), invitation.UsedAtIsNil(), invitation.RevokedAtIsNil(), invitation.ExpiresAtGT(s.now())).
		Select(invitation.FieldUserID).Ints(ctx)
	if err != nil {
		return err
	}
	invited := make(map[int]bool, len(pending))
	for _, id := range pending {
		invited[id] = true
	}
	var ids []int
	for _, u := range fws {
		if !invited[u.ID] && switches.Effective(pc, u, p).Enabled {
			ids = append(ids, u.ID)
		}
	}
	for start := 0; start < len(ids); start += MaxInvitations {
		if _, err := s.SendAuthorizationEmails(ctx, ids[start:min(start+MaxInvitations, len(ids))], p); err != nil {
			return err
		}
	}
	return nil
}

// InvitationOutcome is what an authorization link leads to.
type InvitationOutcome struct {
	// RedirectURL is Calsync's start page for the consent, when the link
	// is good.
	RedirectURL string
	// Title and Message explain a refused link.
	Title, Message string
}

// FollowInvitation checks an authorization link's token and, when it is
// good, starts the consent for its user. Used, revoked, expired or
// unknown tokens change nothing.
func (s *Service) FollowInvitation(ctx context.Context, token string) (*InvitationOutcome, error) {
	bad := func(title, msg string) (*InvitationOutcome, error) {
		return &InvitationOutcome{Title: title, Message: msg}, nil
	}
	if token == "" || len(token) > 200 {
		return bad("Link not valid", "This authorization link is incomplete. Ask your administrator for a new one.")
	}
	// Nobody is signed in: the token alone says which invitation, in which
	// organization, this is.
	all := viewer.AllTenantsContext(ctx)
	inv, err := s.client.Invitation.Query().Where(invitation.TokenHash(linking.HashToken(token))).WithUser().Only(all)
	if ent.IsNotFound(err) {
		return bad("Link not valid", "This authorization link is not valid. Ask your administrator for a new one.")
	}
	if err != nil {
		return nil, fmt.Errorf("linking: load invitation: %w", err)
	}
	switch {
	case inv.UsedAt != nil:
		return bad("Link already used", "This link has already been used to connect a calendar. Nothing more to do.")
	case inv.RevokedAt != nil:
		return bad("Link replaced", "A newer authorization link was sent to you; use the latest email.")
	case !s.now().Before(inv.ExpiresAt):
		return bad("Link expired", "This authorization link has expired. Ask your administrator for a new one.")
	case inv.Edges.User == nil || !inv.Edges.User.Active:
		return bad("Link not valid", "This user is no longer active.")
	}
	// The token was checked above: the system starts the consent for the
	// invited user, who is not signed in.
	sys := viewer.SystemContext(ctx, inv.OrganizationID)
	u := inv.Edges.User
	start, err := s.consent.StartInvited(sys, u, inv.Provider, inv.ID)
	if err != nil {
		if domain.CodeOf(err) != "" {
			return bad("Cannot connect now", linking.UserMessage(err))
		}
		return nil, err
	}
	return &InvitationOutcome{RedirectURL: start}, nil
}
