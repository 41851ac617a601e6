package consent

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/invitation"
	"calsync/ent/linkattempt"
	"calsync/ent/pastcalendaraccount"
	"calsync/ent/providercalendar"
	"calsync/ent/providerconfig"
	"calsync/ent/user"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/viewer"
)

// Outcome is what the callback page tells the person.
type Outcome struct {
	OK bool
	// Title and Message are shown on the page.
	Title   string
	Message string
	// FromInvitation: the flow began at an authorization email, so the
	// person may not be signed in; show a confirmation page.
	FromInvitation bool
	AccountEmail   string
	Provider       domain.Provider
}

func failure(p domain.Provider, title, msg string) *Outcome {
	return &Outcome{Provider: p, Title: title, Message: msg}
}

// Callback completes a consent: it checks the single-use state, exchanges
// the code with its PKCE verifier, refuses grants without calendar access,
// stores the encrypted tokens, prepares the destination calendar and
// queues the initial sync. Every refusal leaves the database as it was
// (except that the state is spent).
func (s *Service) Callback(ctx context.Context, p domain.Provider, q url.Values, nonce string) (*Outcome, error) {
	state := q.Get("state")
	if state == "" || len(state) > 200 {
		return failure(p, "Link not recognised", "This page was opened without a valid sign-in state. Start linking again from Calsync."), nil
	}
	// The provider redirects a browser that carries no session we rely on:
	// the state alone says which attempt, in which organization, this is.
	all := viewer.AllTenantsContext(ctx)
	att, err := s.client.LinkAttempt.Query().Where(linkattempt.StateHash(linking.HashToken(state))).WithUser().Only(all)
	if ent.IsNotFound(err) {
		return failure(p, "Link not recognised", "This sign-in is unknown. Start linking again from Calsync."), nil
	}
	if err != nil {
		return nil, fmt.Errorf("linking: load attempt: %w", err)
	}
	fromInv := att.InvitationID != nil
	if att.Provider != p {
		return failure(p, "Link not recognised", "This sign-in was meant for another provider."), nil
	}
	if att.UsedAt != nil {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Already used", Message: "This sign-in was already completed or abandoned. Start linking again from Calsync."}, nil
	}
	if !s.now().Before(att.ExpiresAt) {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Link expired", Message: "The sign-in took too long. Start linking again from Calsync."}, nil
	}
	if att.NonceHash == "" || nonce == "" || !hmacEqual(linking.HashToken(nonce), att.NonceHash) {
		// The consent came back to a browser that did not start it: a
		// link forwarded to someone else must not connect their calendar
		// to this user.
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Different browser",
			Message: "This sign-in was started in another browser. Start linking again from Calsync, in this browser."}, nil
	}
	org := att.OrganizationID
	// State and nonce are verified: the system completes the consent the
	// attempt's user began.
	sys := viewer.SystemContext(ctx, org)
	// Spend the state first: a replayed callback must find it used.
	n, err := s.client.LinkAttempt.Update().Where(linkattempt.ID(att.ID), linkattempt.UsedAtIsNil()).SetUsedAt(s.now()).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("linking: spend attempt: %w", err)
	}
	if n != 1 {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Already used", Message: "This sign-in was already completed."}, nil
	}
	if e := q.Get("error"); e != "" {
		msg := "Calsync was not given access to your calendar, so nothing was linked."
		if e != "access_denied" {
			msg = "The provider reported an error (" + e + "): nothing was linked."
		}
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: msg}, nil
	}
	code := q.Get("code")
	if code == "" {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: "The provider sent no authorization code."}, nil
	}
	u := att.Edges.User
	if u == nil || !u.Active {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: "This user is deactivated."}, nil
	}
	pc, err := s.requireSwitch(sys, u, p)
	if err != nil {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: err.Error()}, nil
	}
	app, err := s.creds.App(pc)
	if err != nil {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: err.Error()}, nil
	}
	verifier, err := s.box.Open(att.CodeVerifierEnc, "link-attempt:verifier")
	if err != nil {
		return nil, fmt.Errorf("linking: verifier: %w", err)
	}
	pr, err := s.creds.Provider(p)
	if err != nil {
		return nil, err
	}
	grant, err := pr.Exchange(ctx, app, code, string(verifier))
	if errors.Is(err, linking.ErrMissingScope) {
		if grant != nil && grant.Token != nil {
			// Nothing will use this partial grant: give it back.
			if rerr := pr.Revoke(ctx, app, grant.Token); rerr != nil {
				s.log.WarnContext(ctx, "revoke partial grant failed", "error", rerr)
			}
		}
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Calendar permission missing",
			Message: "You signed in but did not tick the box that lets Calsync see and edit your calendar. Start again and check the calendar permission box on the consent screen."}, nil
	}
	if err != nil {
		s.log.WarnContext(ctx, "code exchange failed", "provider", string(p), "error", err)
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: "The provider did not accept the sign-in. Start linking again."}, nil
	}
	if grant.Identity.Email == "" {
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: "The provider did not tell which account signed in."}, nil
	}
	ts := pr.TokenSource(ctx, app, grant.Token)
	acct, err := s.saveLink(ctx, pc, u, linkedAccount{
		provider: p, mode: pc.CredentialMode, email: domain.NormalizeEmail(grant.Identity.Email), subject: grant.Identity.Subject,
		scopes: grant.Scopes, token: grant, invitationID: att.InvitationID, by: u.ID,
	}, func(ctx context.Context, existingDest string) (string, []linking.Calendar, error) {
		return s.prepareCalendars(ctx, pr, pc, u, ts, "", existingDest)
	})
	if err != nil {
		if domain.CodeOf(err) == "" {
			s.log.WarnContext(ctx, "link failed", slog.String("provider", string(p)), slog.Int("user_id", u.ID), slog.Any("error", err))
		}
		return &Outcome{Provider: p, FromInvitation: fromInv, Title: "Not linked", Message: problemMessage(p, grant.Identity.Email, err)}, nil
	}
	// The initial sync is queued with the link and starts at once: say so,
	// and where the bookings go.
	return &Outcome{OK: true, Provider: p, FromInvitation: fromInv, AccountEmail: acct.AccountEmail, Title: "Calendar linked",
		Message: fmt.Sprintf("%s is now linked to Calsync. Your bookings are being copied into %s now, and new or changed bookings follow within seconds.",
			acct.AccountEmail, s.destinationName(sys, acct))}, nil
}

// destinationName names the calendar Calsync's events go to, for people.
func (s *Service) destinationName(ctx context.Context, a *ent.CalendarAccount) string {
	c, err := s.client.ProviderCalendar.Query().
		Where(providercalendar.AccountID(a.ID), providercalendar.CalendarID(a.DestinationCalendarID)).Only(ctx)
	if err != nil || c.Primary || c.Name == "" {
		return "its main calendar"
	}
	return fmt.Sprintf("its calendar \u201c%s\u201d", c.Name)
}

func hmacEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func existingID(a *ent.CalendarAccount) int {
	if a == nil {
		return 0
	}
	return a.ID
}

// prepareCalendars lists the account's calendars and picks (or creates)
// the destination: the primary calendar, or a secondary one named after
// the organization.
func (s *Service) prepareCalendars(ctx context.Context, pr linking.Provider, pc *ent.ProviderConfig, u *ent.User, ts oauth2.TokenSource, userEmail, existingDest string) (string, []linking.Calendar, error) {
	cals, err := pr.Calendars(ctx, ts, userEmail)
	if err != nil {
		return "", nil, &providerError{op: "read calendars", err: err}
	}
	if pc.Destination != providerconfig.DestinationSECONDARY {
		for _, c := range cals {
			if c.Primary {
				return c.ID, cals, nil
			}
		}
		return "", nil, domain.Errorf(domain.CodeBadUserInput, "the account has no primary calendar")
	}
	if existingDest != "" && slices.ContainsFunc(cals, func(c linking.Calendar) bool { return c.ID == existingDest }) {
		return existingDest, cals, nil
	}
	org, err := s.client.Organization.Get(ctx, u.OrganizationID)
	if err != nil {
		return "", nil, err
	}
	for _, c := range cals {
		if c.Name == org.Name && c.CanWrite && !c.Primary {
			return c.ID, cals, nil // created by an earlier link of this account
		}
	}
	c, err := pr.CreateCalendar(ctx, ts, userEmail, org.Name, u.TimeZone)
	if err != nil {
		return "", nil, &providerError{op: fmt.Sprintf("create the %q calendar", org.Name), err: err}
	}
	return c.ID, append(cals, c), nil
}

type linkedAccount struct {
	provider     domain.Provider
	mode         domain.CredentialMode
	email        string
	subject      string
	scopes       []string
	token        *linking.Grant
	invitationID *int
	// by is who links it (recorded when it replaces an earlier account).
	by int
}

// saveLink stores the account and attaches the user to it, in one
// transaction; calendars are prepared first (network) with the
// destination the account already had.
func (s *Service) saveLink(ctx context.Context, pc *ent.ProviderConfig, u *ent.User, la linkedAccount,
	calendars func(ctx context.Context, existingDest string) (string, []linking.Calendar, error)) (*ent.CalendarAccount, error) {
	org := u.OrganizationID
	// The system's, also for EnableServiceSync: the account row is found
	// by its address across users (it may be shared with users the viewer
	// cannot read) and the User policy refuses users joining an account
	// (rule.AllowSelfUpdate), so the write is the system's once the user's
	// action was authorized — the callback by its verified state,
	// EnableServiceSync by AuthorizeFor.
	sys := audit.WithAction(viewer.SystemContext(ctx, org), "calendar.link")
	existing, err := s.client.CalendarAccount.Query().Where(calendaraccount.ProviderEQ(la.provider), calendaraccount.AccountEmail(la.email)).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if existing != nil && existing.ProviderSubject != "" && la.subject != "" && existing.ProviderSubject != la.subject {
		// Same address, different account: an address is not an identity
		// (a directory admin can put any address on a user). Never hand
		// one person's linked calendar to another.
		return nil, domain.Errorf(domain.CodeConflict, "%s is already linked to a different %s account; ask an administrator", la.email, la.provider.DisplayName())
	}
	var dest string
	if existing != nil {
		dest = existing.DestinationCalendarID
	}
	dest, cals, err := calendars(sys, dest)
	if err != nil {
		return nil, err
	}
	var tokEnc []byte
	if la.token != nil {
		if tokEnc, err = s.creds.SealToken(org, la.provider, la.email, la.token.Token); err != nil {
			return nil, err
		}
	}
	if ent.TxFromContext(ctx) != nil {
		// Inside a caller's transaction a second one would wait on its
		// lock (SQLite): callers run this outside transactions.
		return nil, errors.New("linking: saveLink must not run inside a transaction")
	}
	// A fieldworker has at most one account per provider: an earlier one
	// is left (its events per the unlink policy) once this one is saved.
	old, err := accountOf(sys, s.client, u.ID, la.provider)
	if err != nil {
		return nil, err
	}
	if old != nil && old.ID == existingID(existing) {
		old = nil
	}
	tx, err := s.client.Tx(sys)
	if err != nil {
		return nil, err
	}
	acct, err := func() (*ent.CalendarAccount, error) {
		db := tx.Client()
		if la.invitationID != nil {
			// The link must still be good now: not replaced, used or
			// expired while the person was at the provider.
			n, err := db.Invitation.Update().Where(invitation.ID(*la.invitationID), invitation.UsedAtIsNil(),
				invitation.RevokedAtIsNil(), invitation.ExpiresAtGT(s.now())).SetUsedAt(s.now()).Save(sys)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, domain.Errorf(domain.CodeConflict, "this authorization link was replaced, used or has expired; use the latest email")
			}
		}
		var a *ent.CalendarAccount
		if existing == nil {
			c := db.CalendarAccount.Create().SetProvider(la.provider).SetAccountEmail(la.email).SetCredentialMode(la.mode).
				SetProviderSubject(la.subject).SetScopes(la.scopes).SetStatus(calendaraccount.StatusACTIVE).
				SetDestinationCalendarID(dest).AddUserIDs(u.ID)
			if tokEnc != nil {
				c.SetTokenEnc(tokEnc)
			}
			if a, err = c.Save(sys); err != nil {
				return nil, err
			}
		} else {
			up := db.CalendarAccount.UpdateOne(existing).SetCredentialMode(la.mode).SetProviderSubject(la.subject).
				SetScopes(la.scopes).SetStatus(calendaraccount.StatusACTIVE).ClearLastError().
				SetDestinationCalendarID(dest)
			member, err := db.CalendarAccount.QueryUsers(existing).Where(user.ID(u.ID)).Exist(sys)
			if err != nil {
				return nil, err
			}
			if !member {
				up.AddUserIDs(u.ID)
			}
			if tokEnc != nil {
				up.SetTokenEnc(tokEnc)
			} else {
				up.ClearTokenEnc()
			}
			if a, err = up.Save(sys); err != nil {
				return nil, err
			}
		}
		if err := upsertCalendars(sys, db, a, cals); err != nil {
			return nil, err
		}
		return a, nil
	}()
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	s.creds.Forget(acct.ID) // new tokens: a token source made before reads them
	if old != nil {
		if _, err := s.detach(sys, s.client, old, u.ID, departure{reason: pastcalendaraccount.ReasonREPLACED, by: la.by}); err != nil {
			s.log.WarnContext(ctx, "leaving the previous account failed", slog.Int("account_id", old.ID), slog.Any("error", err))
		}
	}
	if s.jobs != nil {
		s.jobs.AccountLinked(ctx, org, acct.ID)
	}
	if s.notifier != nil {
		s.notifier.AccountStatusChanged(ctx, org, acct.ID, []int{u.ID}, string(acct.Status), "")
	}
	return acct, nil
}

// upsertCalendars records the account's calendars; the primary calendar is
// selected (its events shown in Calsync) the first time it is seen.
func upsertCalendars(ctx context.Context, db *ent.Client, a *ent.CalendarAccount, cals []linking.Calendar) error {
	have, err := db.ProviderCalendar.Query().Where(providercalendar.AccountID(a.ID)).All(ctx)
	if err != nil {
		return err
	}
	for _, c := range cals {
		i := slices.IndexFunc(have, func(h *ent.ProviderCalendar) bool { return h.CalendarID == c.ID })
		if i >= 0 {
			if err := db.ProviderCalendar.UpdateOne(have[i]).SetName(c.Name).SetPrimary(c.Primary).SetColor(c.Color).SetAccessRole(c.AccessRole).Exec(ctx); err != nil {
				return err
			}
			continue
		}
		if err := db.ProviderCalendar.Create().SetAccountID(a.ID).SetCalendarID(c.ID).SetName(c.Name).
			SetPrimary(c.Primary).SetColor(c.Color).SetAccessRole(c.AccessRole).SetSelected(c.Primary).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
