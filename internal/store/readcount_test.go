package store_test

import (
	"testing"
	"time"

	"calsync/ent/calendaraccount"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// TestCountRead: a notification's read request is counted in one
// statement; a numbered message counts once (a replay or an older number
// counts nothing), an unnumbered one always; another organization's or a
// missing calendar counts nothing.
func TestCountRead(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			ctx := newOrg(t, db.Client)
			v, _ := viewer.FromContext(ctx)
			a, err := db.Client.CalendarAccount.Create().SetProvider(domain.ProviderGoogle).SetAccountEmail("fw@store.test").
				SetCredentialMode(domain.CredentialPlatformApp).SetStatus(calendaraccount.StatusACTIVE).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c, err := db.Client.ProviderCalendar.Create().SetAccountID(a.ID).SetCalendarID("primary").SetName("Primary").
				SetReadDone(3).SetReadRequested(3).SetChannelID("ch-1").Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 1, 9, 30, 0, 0, time.FixedZone("X", 3600))
			type want struct {
				requested, done int
				ok              bool
			}
			for i, step := range []struct {
				org, cal int
				channel  string
				message  int64
				want     want
			}{
				{v.OrgID, c.ID, "ch-1", 5, want{4, 3, true}},
				{v.OrgID, c.ID, "ch-1", 5, want{}}, // a replay
				{v.OrgID, c.ID, "ch-1", 4, want{}}, // an older message
				{v.OrgID, c.ID, "ch-1", 9, want{5, 3, true}},
				{v.OrgID, c.ID, "ch-1", 0, want{6, 3, true}}, // unnumbered (Graph)
				{v.OrgID, c.ID, "ch-0", 10, want{}},          // a channel since replaced
				{v.OrgID + 1, c.ID, "ch-1", 0, want{}},       // not this organization's
				{v.OrgID, c.ID + 1000, "ch-1", 0, want{}},    // gone
			} {
				r, d, ok, err := db.CountRead(ctx, step.org, step.cal, step.channel, step.message, now)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got := (want{r, d, ok}); got != step.want {
					t.Fatalf("step %d: got %+v, want %+v", i, got, step.want)
				}
			}
			got, err := db.Client.ProviderCalendar.Get(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ReadRequested != 6 || got.ChannelMessage != 9 || !got.UpdatedAt.Equal(now) {
				t.Fatalf("row after the counts: requested %d, message %d, updated %v", got.ReadRequested, got.ChannelMessage, got.UpdatedAt)
			}
		})
	}
}
