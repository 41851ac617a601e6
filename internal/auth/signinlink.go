package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"calsync/ent"
	"calsync/ent/authtoken"
	"calsync/ent/signinlink"
	"calsync/internal/audit"
	"calsync/internal/domain"
	"calsync/internal/store"
	"calsync/internal/viewer"
)

// SignInLinkTTL is how long a one-time sign-in link stays valid.
const SignInLinkTTL = 7 * 24 * time.Hour

// SignInPath is where one-time sign-in links point.
const SignInPath = "/signin/"

// signInLinkPrefix makes a leaked sign-in token recognisable.
const signInLinkPrefix = "csl_"

// IssueSignInLink makes a one-time link with which u sets a password and
// signs in (a new organization's first admin, a password reset), in ctx's
// transaction if any. Earlier unused links of u stop working. Only the
// token's hash is stored; the token is returned once.
func (s *Service) IssueSignInLink(ctx context.Context, u *ent.User) (string, time.Time, error) {
	sys := viewer.SystemContext(ctx, u.OrganizationID)
	db := s.db(ctx)
	now := s.now()
	if err := db.SignInLink.Update().
		Where(signinlink.UserID(u.ID), signinlink.UsedAtIsNil(), signinlink.RevokedAtIsNil()).
		SetRevokedAt(now).Exec(sys); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: revoke sign-in links: %w", err)
	}
	tok, err := NewToken(signInLinkPrefix)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := now.Add(SignInLinkTTL)
	if err := db.SignInLink.Create().SetOrganizationID(u.OrganizationID).SetUserID(u.ID).
		SetTokenHash(HashToken(tok)).SetExpiresAt(exp).Exec(sys); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: create sign-in link: %w", err)
	}
	return tok, exp, nil
}

// RevokeAccess ends every way u signs in — the password, sessions and
// bearer tokens — before a new sign-in link is issued (a reset).
func (s *Service) RevokeAccess(ctx context.Context, u *ent.User) error {
	sys := audit.WithAction(viewer.SystemContext(ctx, u.OrganizationID), "user.reset_password")
	db := s.db(ctx)
	if err := db.User.UpdateOneID(u.ID).ClearPasswordHash().Exec(sys); err != nil {
		return fmt.Errorf("auth: clear password: %w", err)
	}
	if err := db.AuthToken.Update().Where(authtoken.UserID(u.ID), authtoken.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Exec(sys); err != nil {
		return fmt.Errorf("auth: revoke tokens: %w", err)
	}
	return nil
}

// SignInLinkState is what a sign-in link's page shows: whose link it is
// when it is good, or why it is refused.
type SignInLinkState struct {
	OK                                bool
	UserName, UserEmail, Organization string
	// Title and Message explain a refused link.
	Title, Message string
}

// checkSignInLink finds the link of token and says whether it is good.
func (s *Service) checkSignInLink(ctx context.Context, token string) (*ent.SignInLink, *SignInLinkState, error) {
	bad := func(title, msg string) (*ent.SignInLink, *SignInLinkState, error) {
		return nil, &SignInLinkState{Title: title, Message: msg}, nil
	}
	if token == "" || len(token) > 200 {
		return bad("Link not valid", "This sign-in link is incomplete. Ask your administrator for a new one.")
	}
	// Nobody is signed in: the token alone says whose link this is.
	l, err := s.db(ctx).SignInLink.Query().Where(signinlink.TokenHash(HashToken(token))).
		WithUser(func(q *ent.UserQuery) { q.WithOrganization() }).Only(viewer.AllTenantsContext(ctx))
	if ent.IsNotFound(err) {
		return bad("Link not valid", "This sign-in link is not valid. Ask your administrator for a new one.")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: load sign-in link: %w", err)
	}
	u := l.Edges.User
	switch {
	case l.UsedAt != nil:
		return bad("Link already used", "This sign-in link has already been used. Sign in with your password, or ask your administrator for a new link.")
	case l.RevokedAt != nil:
		return bad("Link replaced", "A newer sign-in link was issued for you; use the latest one.")
	case !s.now().Before(l.ExpiresAt):
		return bad("Link expired", "This sign-in link has expired. Ask your administrator for a new one.")
	case u == nil || !u.Active:
		return bad("Link not valid", "This user is no longer active.")
	}
	st := &SignInLinkState{OK: true, UserName: u.Name, UserEmail: u.Email}
	if u.Edges.Organization != nil {
		st.Organization = u.Edges.Organization.Name
	}
	return l, st, nil
}

// DescribeSignInLink says whose a sign-in link is, or why it cannot be
// used. It changes nothing.
func (s *Service) DescribeSignInLink(ctx context.Context, token string) (*SignInLinkState, error) {
	_, st, err := s.checkSignInLink(ctx, token)
	return st, err
}

// SignInLinkResult is the outcome of using a sign-in link: a new session
// when OK, else the state explaining the refusal.
type SignInLinkResult struct {
	State     *SignInLinkState
	Token     string
	ExpiresAt time.Time
}

// UseSignInLink consumes a sign-in link: it sets the user's password and
// opens a browser session, all or nothing. A used, replaced, expired or
// unknown link changes nothing; a password too short or too long is a
// BAD_USER_INPUT error on "password" and leaves the link usable.
func (s *Service) UseSignInLink(ctx context.Context, token, password string) (*SignInLinkResult, error) {
	l, st, err := s.checkSignInLink(ctx, token)
	if err != nil || !st.OK {
		return &SignInLinkResult{State: st}, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, domain.InvalidField("password", err)
	}
	h, err := s.HashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	u := l.Edges.User
	sys := audit.WithAction(viewer.SystemContext(ctx, u.OrganizationID), "user.sign_in_link")
	res := &SignInLinkResult{State: st}
	err = store.InTx(sys, s.client, func(ctx context.Context) error {
		db := s.db(ctx)
		// Claimed with a condition: of two uses at once, one wins.
		n, err := db.SignInLink.Update().Where(signinlink.ID(l.ID), signinlink.UsedAtIsNil(), signinlink.RevokedAtIsNil(),
			signinlink.ExpiresAtGT(s.now())).SetUsedAt(s.now()).Save(ctx)
		if err != nil {
			return err
		}
		if n != 1 {
			return errLinkGone
		}
		if err := db.User.UpdateOneID(u.ID).SetPasswordHash(h).Exec(ctx); err != nil {
			return err
		}
		tok, err := NewToken(sessionPrefix)
		if err != nil {
			return err
		}
		exp := s.now().Add(s.sessionTTL)
		if err := db.AuthToken.Create().SetOrganizationID(u.OrganizationID).SetUserID(u.ID).
			SetKind(authtoken.KindSESSION).SetTokenHash(HashToken(tok)).SetExpiresAt(exp).Exec(ctx); err != nil {
			return err
		}
		res.Token, res.ExpiresAt = tok, exp
		return nil
	})
	if errors.Is(err, errLinkGone) {
		return &SignInLinkResult{State: &SignInLinkState{Title: "Link already used", Message: "This sign-in link has already been used."}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: use sign-in link: %w", err)
	}
	return res, nil
}

var errLinkGone = errors.New("sign-in link used meanwhile")

// SetSessionCookie sets the browser session cookie of a session opened
// outside GraphQL (a sign-in link).
func (s *Service) SetSessionCookie(w http.ResponseWriter, token string, exp time.Time) {
	http.SetCookie(w, s.cookie(token, exp))
}
