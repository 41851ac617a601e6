package consent

import (
	"context"
	"fmt"

	"golang.org/x/oauth2"

	"calsync/ent"
	"calsync/ent/linkattempt"
	"calsync/internal/domain"
	"calsync/internal/linking"
	"calsync/internal/viewer"
)

// NonceCookie carries the nonce binding a consent to the browser that
// began it.
const NonceCookie = "calsync_link"

// StartInfo describes a pending consent for its confirmation page.
type StartInfo struct {
	// OK is false when the start link cannot be used (Title/Message say why).
	OK             bool
	Title, Message string
	Provider       domain.Provider
	UserName       string
	UserEmail      string
	Organization   string
}

func (s *Service) loadStart(ctx context.Context, token string) (*ent.LinkAttempt, *StartInfo, error) {
	bad := func(title, msg string) (*ent.LinkAttempt, *StartInfo, error) {
		return nil, &StartInfo{Title: title, Message: msg}, nil
	}
	if token == "" || len(token) > 200 {
		return bad("Link not valid", "This page was opened with an incomplete link. Start linking again from Calsync.")
	}
	// The browser opening the start page may be signed in to nothing: the
	// token alone says which attempt, in which organization, this is.
	all := viewer.AllTenantsContext(ctx)
	att, err := s.client.LinkAttempt.Query().Where(linkattempt.StartHash(linking.HashToken(token))).WithUser().Only(all)
	if ent.IsNotFound(err) {
		return bad("Link not valid", "This link is unknown. Start linking again from Calsync.")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("linking: load attempt: %w", err)
	}
	switch {
	case att.UsedAt != nil || att.NonceHash != "":
		return bad("Already started", "This link was already used. Start linking again from Calsync.")
	case !s.now().Before(att.ExpiresAt):
		return bad("Link expired", "This link has expired. Start linking again from Calsync.")
	case att.Edges.User == nil || !att.Edges.User.Active:
		return bad("Link not valid", "This user is no longer active.")
	}
	// The token matched: the system reads the organization's name for the page.
	org, err := s.client.Organization.Get(viewer.SystemContext(ctx, att.OrganizationID), att.OrganizationID)
	if err != nil {
		return nil, nil, err
	}
	u := att.Edges.User
	return att, &StartInfo{OK: true, Provider: att.Provider, UserName: u.Name, UserEmail: u.Email, Organization: org.Name}, nil
}

// DescribeStart says whose calendar a start link would link, for the
// confirmation page: the person sees which Calsync user and organization
// they are about to give access to before going to the provider.
func (s *Service) DescribeStart(ctx context.Context, token string) (*StartInfo, error) {
	_, info, err := s.loadStart(ctx, token)
	return info, err
}

// Begin spends a start link: it binds the attempt to a fresh nonce (the
// caller sets it as a cookie in this browser) and returns the provider's
// consent URL.
func (s *Service) Begin(ctx context.Context, token string) (consentURL, nonce string, info *StartInfo, err error) {
	att, info, err := s.loadStart(ctx, token)
	if err != nil || !info.OK {
		return "", "", info, err
	}
	// The start token was checked by loadStart: the system binds the
	// attempt to this browser for its user, who need not be signed in here.
	sys := viewer.SystemContext(ctx, att.OrganizationID)
	u := att.Edges.User
	pc, err := s.requireSwitch(sys, u, att.Provider)
	if err != nil {
		return "", "", &StartInfo{Title: "Cannot connect now", Message: linking.UserMessage(err)}, nil
	}
	app, err := s.creds.App(pc)
	if err != nil {
		return "", "", &StartInfo{Title: "Cannot connect now", Message: linking.UserMessage(err)}, nil
	}
	pr, err := s.creds.Provider(att.Provider)
	if err != nil {
		return "", "", nil, err
	}
	verifier, err := s.box.Open(att.CodeVerifierEnc, "link-attempt:verifier")
	if err != nil {
		return "", "", nil, fmt.Errorf("linking: verifier: %w", err)
	}
	nonce = linking.NewToken()
	// Only the first Begin wins: a start link opens one consent.
	n, err := s.client.LinkAttempt.Update().
		Where(linkattempt.ID(att.ID), linkattempt.Or(linkattempt.NonceHashIsNil(), linkattempt.NonceHash(""))).
		SetNonceHash(linking.HashToken(nonce)).Save(sys)
	if err != nil {
		return "", "", nil, err
	}
	if n != 1 {
		return "", "", &StartInfo{Title: "Already started", Message: "This link was already used. Start linking again from Calsync."}, nil
	}
	return pr.AuthCodeURL(app, stateFor(token), oauth2.S256ChallengeFromVerifier(string(verifier)), u.Email), nonce, info, nil
}
