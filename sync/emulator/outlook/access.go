package outlook

import (
	"fmt"
	"strings"
)

// RevokeGrant withdraws a user's consent to an app: its refresh tokens stop
// working (invalid_grant) and the next sign-in asks for consent again.
// Access tokens already issued stay valid until they expire, as at
// Microsoft; use ExpireAccessTokens to end them early.
func (e *Emulator) RevokeGrant(user, clientID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return err
	}
	key := grantKey(u.ID, strings.ToLower(clientID))
	if _, ok := e.st.Grants[key]; !ok {
		return fmt.Errorf("outlook: grant of %s to %s: %w", u.UserPrincipalName, clientID, ErrNotFound)
	}
	delete(e.st.Grants, key)
	for _, rt := range e.st.RefreshTokens {
		if rt.UserID == u.ID && rt.ClientID == strings.ToLower(clientID) {
			rt.Revoked = true
		}
	}
	return nil
}

// RefreshTokensIssued counts the unexpired refresh tokens the identity
// platform has issued to an app for a user: one per sign-in and one per
// refresh. Since
// a redeemed refresh token stays valid (as at Entra ID), this is how a
// test sees how many refreshes a client made.
func (e *Emulator) RefreshTokensIssued(user, clientID string) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rt := range e.st.RefreshTokens {
		if rt.UserID == u.ID && rt.ClientID == strings.ToLower(clientID) {
			n++
		}
	}
	return n, nil
}

// RevokeSignInSessions invalidates every refresh token of the user, as
// Graph's revokeSignInSessions does.
func (e *Emulator) RevokeSignInSessions(user string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return err
	}
	e.revokeSessionsLocked(u)
	return nil
}

func (e *Emulator) revokeSessionsLocked(u *account) {
	u.TokensValidFrom = e.clock.Now().UTC()
	u.RevokedBelow = e.st.TokenSeq + 1
}

// ExpireAccessTokens makes issued access tokens expire now, so Graph
// answers 401 until the client refreshes. Empty user or clientID match all.
// It returns how many tokens it expired.
func (e *Emulator) ExpireAccessTokens(user, clientID string) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	userID := ""
	if user != "" {
		u, err := e.mustUserLocked(user)
		if err != nil {
			return 0, err
		}
		userID = u.ID
	}
	now := e.clock.Now().UTC()
	n := 0
	for _, at := range e.st.AccessTokens {
		if (userID == "" || at.UserID == userID) && (clientID == "" || at.ClientID == strings.ToLower(clientID)) && at.Expires.After(now) {
			at.Expires = now
			n++
		}
	}
	return n, nil
}

// ExpireDeltaTokens forgets every delta and skip token of the user, so the
// next delta request answers 410 SyncStateNotFound.
func (e *Emulator) ExpireDeltaTokens(user string) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.mustUserLocked(user)
	if err != nil {
		return 0, err
	}
	n := 0
	for k, d := range e.st.DeltaStates {
		if d.UserID == u.ID {
			delete(e.st.DeltaStates, k)
			n++
		}
	}
	return n, nil
}
