package consent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/pastcalendaraccount"
	"calsync/ent/providerconfig"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/linking/switches"
	"calsync/internal/viewer"
)

// Unlink disconnects a user's calendar for p (the user themself or an
// admin). When no other user shares the account, the grant is revoked at
// the provider and the tokens are deleted.
//
// Calsync's events in the calendar are first removed or kept per the
// organization's unlink policy (while the credentials still work).
func (s *Service) Unlink(ctx context.Context, userID int, p domain.Provider) (*ent.CalendarAccount, error) {
	return s.unlink(ctx, userID, p, false)
}

// unlink is Unlink; deactivation records that as the reason. It runs as
// the viewer: the User, PastCalendarAccount and CalendarAccount policies
// let users leave their own accounts and admins anyone's.
func (s *Service) unlink(ctx context.Context, userID int, p domain.Provider, deactivation bool) (*ent.CalendarAccount, error) {
	if err := s.AuthorizeFor(ctx, userID); err != nil {
		return nil, err
	}
	v, _ := viewer.FromContext(ctx)
	db := s.db(ctx)
	u, err := db.User.Get(ctx, userID)
	if ent.IsNotFound(err) {
		return nil, domain.NotFound("user", userID)
	}
	if err != nil {
		return nil, err
	}
	ctx = audit.WithAction(ctx, "calendar.unlink")
	a, err := accountOf(ctx, db, u.ID, p)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, domain.Errorf(domain.CodeNotFound, "%s has no linked %s calendar", u.Email, p.DisplayName())
	}
	why := departure{reason: pastcalendaraccount.ReasonUNLINKED_BY_ADMIN, by: v.UserID}
	if v.UserID == userID {
		why.reason = pastcalendaraccount.ReasonUNLINKED_BY_USER
	}
	if deactivation {
		why.reason = pastcalendaraccount.ReasonDEACTIVATED
	}
	return s.detach(ctx, db, a, u.ID, why)
}

// departure is why and by whom (0: Calsync itself) a user leaves an
// account; it is kept as a PastCalendarAccount.
type departure struct {
	reason pastcalendaraccount.Reason
	by     int
}

// detach removes the user from the account, recording the departure, and,
// when nobody is left, revokes and forgets the account's credentials. It
// runs as ctx's viewer, under the policies of what it changes.
func (s *Service) detach(ctx context.Context, db *ent.Client, a *ent.CalendarAccount, userID int, why departure) (*ent.CalendarAccount, error) {
	left := false
	leave := func(context.Context) error {
		if left {
			return nil
		}
		if err := db.User.UpdateOneID(userID).RemoveCalendarAccountIDs(a.ID).Exec(ctx); err != nil {
			return err
		}
		c := db.PastCalendarAccount.Create().SetUserID(userID).SetAccountID(a.ID).SetProvider(a.Provider).
			SetAccountEmail(a.AccountEmail).SetCredentialMode(a.CredentialMode).SetUnlinkedAt(s.now()).SetReason(why.reason)
		if why.by != 0 {
			c.SetUnlinkedByID(why.by)
		}
		if err := c.Exec(ctx); err != nil {
			return fmt.Errorf("linking: record past account: %w", err)
		}
		left = true
		return nil
	}
	if s.releaser != nil {
		pc, err := s.creds.Config(ctx, a.Provider)
		if err != nil {
			return nil, err
		}
		remove := pc == nil || pc.UnlinkPolicy == providerconfig.UnlinkPolicyREMOVE
		err = s.releaser.ReleaseUser(ctx, a, userID, remove, leave)
		if err != nil {
			// The user asked to be unlinked: do so even if the provider
			// cannot be reached; what is left is logged.
			s.log.WarnContext(ctx, "removing events on unlink failed", slog.Int("account_id", a.ID), slog.Any("error", err))
			if lerr := leave(ctx); lerr != nil {
				return nil, lerr
			}
		}
	} else if err := leave(ctx); err != nil {
		return nil, err
	}
	others, err := db.CalendarAccount.QueryUsers(a).Count(ctx)
	if err != nil {
		return nil, err
	}
	if others == 0 {
		up := db.CalendarAccount.UpdateOne(a)
		if err := s.creds.Revoke(ctx, a); err != nil {
			// The tokens are deleted anyway: an unreachable provider must
			// not keep a user linked against their will.
			s.log.WarnContext(ctx, "revoke at provider failed", slog.Int("account_id", a.ID), slog.Any("error", err))
			up.SetLastError("revoking at the provider failed: " + err.Error())
		}
		// rule.AllowDisconnectUnheld: the last user leaving may do this.
		if a, err = up.ClearTokenEnc().SetStatus(calendaraccount.StatusDISCONNECTED).Save(ctx); err != nil {
			return nil, err
		}
	}
	// Otherwise the account row is as it was: leaving changed the user's
	// edge, and a fieldworker who left may no longer read the account.
	if s.notifier != nil {
		s.notifier.AccountStatusChanged(ctx, a.OrganizationID, a.ID, []int{userID}, string(a.Status), a.LastError)
	}
	return a, nil
}

// UnlinkAll disconnects every calendar of a user (deactivation).
func (s *Service) UnlinkAll(ctx context.Context, userID int) error {
	for _, p := range domain.Providers {
		if _, err := s.unlink(ctx, userID, p, true); err != nil && domain.CodeOf(err) != domain.CodeNotFound {
			return err
		}
	}
	return nil
}

// LastAccount returns the account userID was last linked to for p and
// left, or nil; the viewer's privacy rules apply (staff see anyone's,
// fieldworkers their own).
func (s *Service) LastAccount(ctx context.Context, userID int, p domain.Provider) (*ent.PastCalendarAccount, error) {
	pa, err := s.db(ctx).PastCalendarAccount.Query().
		Where(pastcalendaraccount.UserID(userID), pastcalendaraccount.ProviderEQ(p)).
		Order(ent.Desc(pastcalendaraccount.FieldUnlinkedAt), ent.Desc(pastcalendaraccount.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return pa, err
}

// ServiceSyncResult reports, per user, whether service-account sync could
// be turned on (an unknown or mismatched email is reported here).
type ServiceSyncResult struct {
	UserID  int
	Account *ent.CalendarAccount
	Error   string
}

// EnableServiceSync turns on sync for users in SERVICE_ACCOUNT mode: no
// consent, Calsync impersonates each user's email. Users do it for
// themselves; admins for anyone (AuthorizeFor).
func (s *Service) EnableServiceSync(ctx context.Context, userIDs []int, p domain.Provider) ([]ServiceSyncResult, error) {
	v, _ := viewer.FromContext(ctx)
	if len(userIDs) == 0 || len(userIDs) > 1000 {
		return nil, domain.InvalidField("userIds", errors.New("give 1 to 1000 users"))
	}
	// All of them first: a refusal leaves no one half-linked.
	for _, id := range userIDs {
		if err := s.AuthorizeFor(ctx, id); err != nil {
			return nil, err
		}
	}
	pr, err := s.creds.Provider(p)
	if err != nil {
		return nil, err
	}
	pc, err := s.creds.Config(ctx, p)
	if err != nil {
		return nil, err
	}
	if pc == nil || pc.CredentialMode != domain.CredentialServiceAccount {
		return nil, domain.Errorf(domain.CodeBadUserInput, "%s is not set up with a service account", p.DisplayName())
	}
	creds, err := s.creds.ServiceCredentials(pc)
	if err != nil {
		return nil, err
	}
	var out []ServiceSyncResult
	for _, id := range userIDs {
		u, err := s.db(ctx).User.Get(ctx, id)
		if ent.IsNotFound(err) {
			return nil, domain.NotFound("user", id)
		}
		if err != nil {
			return nil, err
		}
		res := ServiceSyncResult{UserID: id}
		if sw := switches.Effective(pc, u, p); !sw.Enabled {
			res.Error = fmt.Sprintf("%s calendar sync is off for %s (%s)", p.DisplayName(), u.Email, switches.Describe(sw.Reason))
			out = append(out, res)
			continue
		}
		ts, err := pr.ServiceTokenSource(ctx, creds, u.Email)
		if err != nil {
			err = &providerError{op: "service token", err: err}
		} else {
			res.Account, err = s.saveLink(ctx, pc, u, linkedAccount{provider: p, mode: domain.CredentialServiceAccount, email: u.Email, by: v.UserID},
				func(ctx context.Context, existingDest string) (string, []linking.Calendar, error) {
					return s.prepareCalendars(ctx, pr, pc, u, ts, u.Email, existingDest)
				})
		}
		if err != nil {
			// The admin reads one sentence per user; the details are logged
			// once, here.
			res.Error = problemMessage(p, u.Email, err)
			if domain.CodeOf(err) == "" {
				s.log.WarnContext(ctx, "service account sync failed", slog.String("provider", string(p)),
					slog.Int("user_id", u.ID), slog.Any("error", err))
			}
		}
		out = append(out, res)
	}
	return out, nil
}
