package outlook

import (
	"encoding/json"
	"fmt"
	"time"
)

// snapshotVersion is bumped when the snapshot format changes incompatibly.
const snapshotVersion = 1

type snapshotFile struct {
	Version  int    `json:"version"`
	Provider string `json:"provider"`
	State    *state `json:"state"`
}

// Snapshot returns the whole state as JSON (tenants, users, calendars,
// events, apps, grants, tokens, subscriptions, delta tokens, limits).
// Throttling counters and in-flight deliveries are not part of it.
func (e *Emulator) Snapshot() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := json.Marshal(snapshotFile{Version: snapshotVersion, Provider: "microsoft", State: e.st})
	if err != nil {
		return nil, fmt.Errorf("outlook: snapshot: %w", err)
	}
	return b, nil
}

// Restore replaces the whole state with a snapshot taken by Snapshot.
func (e *Emulator) Restore(data []byte) error {
	var f snapshotFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("outlook: restore: %w: %w", ErrInvalid, err)
	}
	if f.Version != snapshotVersion || f.State == nil {
		return fmt.Errorf("outlook: restore: unsupported snapshot (version %d): %w", f.Version, ErrInvalid)
	}
	f.State.fillMaps()
	if f.State.Throttle.WindowSeconds <= 0 {
		f.State.Throttle = defaultThrottle()
	}
	e.replaceState(f.State)
	return nil
}

// Reset forgets everything: directory, mailboxes, tokens, subscriptions,
// throttling counters and injected faults.
func (e *Emulator) Reset() {
	e.replaceState(newState())
	e.faults.Clear()
}

// replaceState swaps in st and resets what is derived from the state.
func (e *Emulator) replaceState(st *state) {
	e.mu.Lock()
	e.st = st
	cfg := st.Throttle
	e.mu.Unlock()
	e.keys.reset()
	e.window.Reset()
	e.window.SetLimit(cfg.Requests, time.Duration(cfg.WindowSeconds)*time.Second)
}
