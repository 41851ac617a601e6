// Package emulator serves local, faithful stand-ins for Google Calendar and
// Microsoft Graph (and their OAuth servers) on one HTTP handler tree, so
// Calsync and the official SDKs can run without the real services:
//
//	/google/...             Google Calendar API v3, batch, OAuth (package gcal)
//	/graph/v1.0/...         Microsoft Graph (package outlook)
//	/microsoft/{tenant}/... Microsoft identity platform (package outlook)
//	/_emulator/google/...   control API of the Google emulator
//	/_emulator/microsoft/...control API of the Microsoft emulator
//	/_emulator/             index page; POST /_emulator/snapshot saves state
//
// It runs in-process (tests, the demo) or standalone (`calsync emulate`).
package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"calsync/sync/emulator/emucore"
	"calsync/sync/emulator/gcal"
	"calsync/sync/emulator/outlook"
)

// Options configures both emulators.
type Options struct {
	Clock      emucore.Clock
	HTTPClient *http.Client
	Logger     *slog.Logger
	// AllowInsecureWebhooks accepts http:// notification addresses on
	// loopback (tests, demo).
	AllowInsecureWebhooks bool
	// SnapshotPath, when set, is loaded at start if it exists and written
	// by Save (and POST /_emulator/snapshot).
	SnapshotPath string
	// FaultSeed makes fractional fault injection repeatable.
	FaultSeed uint64
}

// Server is both emulators behind one handler.
type Server struct {
	Google    *gcal.Emulator
	Microsoft *outlook.Emulator
	// GoogleFaults and MicrosoftFaults inject failures (also reachable
	// through each control API's /faults).
	GoogleFaults, MicrosoftFaults *emucore.Faults

	mux      *http.ServeMux
	snapshot string
	saveMu   sync.Mutex
}

// snapshotFile is the on-disk form of both emulators' state.
type snapshotFile struct {
	Google    json.RawMessage `json:"google"`
	Microsoft json.RawMessage `json:"microsoft"`
}

// New builds the emulators, restoring the snapshot file if there is one.
func New(o Options) (*Server, error) {
	gf, mf := emucore.NewFaults(o.FaultSeed), emucore.NewFaults(o.FaultSeed+1)
	s := &Server{
		Google: gcal.New(gcal.Options{Clock: o.Clock, HTTPClient: o.HTTPClient, Logger: o.Logger,
			Faults: gf, AllowInsecureWebhooks: o.AllowInsecureWebhooks}),
		Microsoft: outlook.New(outlook.Options{Clock: o.Clock, HTTPClient: o.HTTPClient, Logger: o.Logger,
			Faults: mf, AllowInsecureWebhooks: o.AllowInsecureWebhooks}),
		GoogleFaults: gf, MicrosoftFaults: mf,
		snapshot: o.SnapshotPath,
	}
	if o.SnapshotPath != "" {
		if err := s.load(); err != nil {
			s.Close()
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/google/", s.Google)
	mux.Handle("/graph/", s.Microsoft)
	mux.Handle("/microsoft/", s.Microsoft)
	mux.Handle("/_emulator/google/", http.StripPrefix("/_emulator/google", s.Google.ControlHandler()))
	mux.Handle("/_emulator/microsoft/", http.StripPrefix("/_emulator/microsoft", s.Microsoft.ControlHandler()))
	mux.HandleFunc("POST /_emulator/snapshot", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Save(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_emulator/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(indexPage))
	})
	s.mux = mux
	return s, nil
}

// ServeHTTP serves the emulators.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) load() error {
	data, err := os.ReadFile(s.snapshot)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: read snapshot: %w", err)
	}
	var f snapshotFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("emulator: snapshot %s is not valid: %w", s.snapshot, err)
	}
	if len(f.Google) > 0 {
		if err := s.Google.Restore(f.Google); err != nil {
			return fmt.Errorf("emulator: restore google: %w", err)
		}
	}
	if len(f.Microsoft) > 0 {
		if err := s.Microsoft.Restore(f.Microsoft); err != nil {
			return fmt.Errorf("emulator: restore microsoft: %w", err)
		}
	}
	return nil
}

// Save writes both emulators' state to the snapshot file, atomically and
// with mode 0600, since it holds tokens and signing keys: the data goes to
// a new private file that replaces the old one, so permissions the old
// file had are not kept.
func (s *Server) Save() error {
	if s.snapshot == "" {
		return errors.New("emulator: no snapshot file configured")
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	g, err := s.Google.Snapshot()
	if err != nil {
		return fmt.Errorf("emulator: snapshot google: %w", err)
	}
	m, err := s.Microsoft.Snapshot()
	if err != nil {
		return fmt.Errorf("emulator: snapshot microsoft: %w", err)
	}
	data, err := json.Marshal(snapshotFile{Google: g, Microsoft: m})
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.snapshot), ".emulator-snapshot-*")
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("emulator: write snapshot: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("emulator: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.snapshot); err != nil {
		return fmt.Errorf("emulator: save snapshot: %w", err)
	}
	return nil
}

// Close stops background work (notification delivery, expiry sweeps).
func (s *Server) Close() {
	s.Google.Close()
	s.Microsoft.Close()
}

const indexPage = `<!doctype html><html><head><meta charset="utf-8"><title>Calsync emulators</title></head>
<body style="font-family:sans-serif;max-width:48em;margin:2em auto">
<h1>Calsync provider emulators</h1>
<ul>
<li><a href="/_emulator/google/">Google Calendar</a> — API at <code>/google/calendar/v3/</code>, OAuth at <code>/google/o/oauth2/v2/auth</code> and <code>/google/token</code></li>
<li><a href="/_emulator/microsoft/">Microsoft Graph</a> — API at <code>/graph/v1.0/</code>, identity at <code>/microsoft/{tenant}/oauth2/v2.0/</code></li>
</ul>
<p>POST <code>/_emulator/snapshot</code> writes the state to the snapshot file, when one is configured.</p>
</body></html>`
