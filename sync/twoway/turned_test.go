package twoway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
)

// Two-way sync turned on while a full read of the destination calendar
// waits at the provider: the read, begun as busy time only, must not save
// its cursor and window over those the change cleared. The read that
// follows is then a full one that takes events back, so the events made
// before two-way sync began (first contact) become bookings, as well as
// the one that read was about.
func TestTurnedTwoWayDuringARead(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) { turnedTwoWayDuringARead(t, backend) })
	}
}

func turnedTwoWayDuringARead(t *testing.T, backend testenv.Backend) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-turned-"+strings.ToLower(string(k.Provider)), opts{direction: "PUSH_ONLY", backend: backend})
		start := hour(4, 10)
		before := f.create(t, "Own errand", start, start.Add(time.Hour), false)
		f.settle(t) // read as busy time, the cursor saved

		faults, prefix := f.env.App.Emulators.GoogleFaults, "/google/"
		if k.Provider == domain.ProviderMicrosoft {
			faults, prefix = f.env.App.Emulators.MicrosoftFaults, "/graph/"
		}
		// The next provider read (the one the new event's notification
		// asks for) is told its cursor expired, and the full read it then
		// makes waits 3 s at the provider.
		faults.Add(emucore.Fault{ID: "expired", Method: "GET", PathPrefix: prefix, Status: http.StatusGone, Count: 1})
		faults.Add(emucore.Fault{ID: "slow-read", Method: "GET", PathPrefix: prefix, Latency: 3 * time.Second, Count: 1})
		later := f.create(t, "Later errand", start.Add(2*time.Hour), start.Add(3*time.Hour), false)
		until(t, "a read waiting at the provider", func() (bool, string) {
			return len(faults.List()) == 0, fmt.Sprintf("%+v", faults.List())
		})
		f.admin.MustDo(t, `mutation($p:Provider!){updateProviderConfig(input:{provider:$p,enabled:true,syncDirection:TWO_WAY}){id}}`,
			map[string]any{"p": string(k.Provider)}, nil)
		if c := f.destination(t); !c.ReadsBack || c.SyncCursor != "" {
			t.Fatalf("turned two-way before the read ended: reads back %v, cursor %q", c.ReadsBack, c.SyncCursor)
		}
		until(t, "bookings made from both events", func() (bool, string) {
			return f.bookingOf(t, before) != nil && f.bookingOf(t, later) != nil,
				fmt.Sprintf("made before two-way sync: %v, the one read under way: %v", f.bookingOf(t, before) != nil, f.bookingOf(t, later) != nil)
		})
		f.settle(t)
		// The full read after the reset saved its cursor and window.
		if c := f.destination(t); c.SyncCursor == "" || c.WindowFrom == nil {
			t.Fatalf("after the full read: cursor %q, window from %v", c.SyncCursor, c.WindowFrom)
		}
	})
}
