package gcal

import (
	"encoding/json"
	"fmt"
)

const snapshotFormat = "calsync-gcal-emulator/1"

type snapshotFile struct {
	Format string `json:"format"`
	State  *store `json:"state"`
}

// Snapshot returns the whole state as JSON: accounts, calendars, events
// and tombstones, OAuth clients, grants and tokens, service accounts,
// channels and settings. Pending consent pages and quota counts are not
// included; fault rules belong to the shared emucore.Faults.
func (e *Emulator) Snapshot() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := json.Marshal(snapshotFile{Format: snapshotFormat, State: e.st})
	if err != nil {
		return nil, fmt.Errorf("gcal: snapshot: %w", err)
	}
	return b, nil
}

// Restore replaces the state with a snapshot. On error the state is left
// as it was.
func (e *Emulator) Restore(data []byte) error {
	var f snapshotFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("gcal: restore: %w", err)
	}
	if f.Format != snapshotFormat || f.State == nil {
		return fmt.Errorf("gcal: restore: not a %s snapshot", snapshotFormat)
	}
	st := f.State
	fresh := newStore()
	if st.Accounts == nil {
		st.Accounts = fresh.Accounts
	}
	if st.Calendars == nil {
		st.Calendars = fresh.Calendars
	}
	if st.Clients == nil {
		st.Clients = fresh.Clients
	}
	if st.ServiceAccounts == nil {
		st.ServiceAccounts = fresh.ServiceAccounts
	}
	if st.Grants == nil {
		st.Grants = fresh.Grants
	}
	if st.RefreshTokens == nil {
		st.RefreshTokens = fresh.RefreshTokens
	}
	if st.AccessTokens == nil {
		st.AccessTokens = fresh.AccessTokens
	}
	if st.Codes == nil {
		st.Codes = fresh.Codes
	}
	if st.Channels == nil {
		st.Channels = fresh.Channels
	}
	if st.Config.QuotaWindowSeconds <= 0 {
		st.Config.QuotaWindowSeconds = 60
	}
	if st.Config.RateLimitStatus != 403 && st.Config.RateLimitStatus != 429 {
		st.Config.RateLimitStatus = 403
	}
	for id, cal := range st.Calendars {
		if cal == nil {
			return fmt.Errorf("gcal: restore: calendar %q is empty", id)
		}
		if cal.Events == nil {
			cal.Events = map[string]*event{}
		}
		for evID, ev := range cal.Events {
			if ev == nil || ev.Body == nil {
				return fmt.Errorf("gcal: restore: event %q of %q is empty", evID, id)
			}
			if err := ev.index(cal.location()); err != nil {
				return fmt.Errorf("gcal: restore: event %q of %q: %w", evID, id, err)
			}
		}
	}
	e.mu.Lock()
	e.st = st
	e.authRequests = map[string]*authRequest{}
	e.signer, e.signerPEM = nil, ""
	e.applyQuotaConfig()
	e.mu.Unlock()
	return nil
}
