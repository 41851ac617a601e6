package bench

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// held is an event as the emulated provider holds it.
type held struct {
	booking string
	start   time.Time
}

// calendarOf returns the account of u (nil until linked).
func (h *harness) calendarOf(ctx context.Context, u *ent.User) (*ent.CalendarAccount, error) {
	a, err := h.app.Client().CalendarAccount.Query().
		Where(calendaraccount.ProviderEQ(h.provider), calendaraccount.HasUsersWith(user.ID(u.ID))).
		Only(viewer.SystemContext(ctx, h.orgID))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return a, err
}

// events reads what the account's destination calendar holds.
func (h *harness) events(a *ent.CalendarAccount) ([]held, error) {
	var raws []json.RawMessage
	var err error
	if h.provider == domain.ProviderGoogle {
		raws, err = h.emu.Google.CalendarEvents(a.DestinationCalendarID, false)
	} else {
		raws, err = h.emu.Microsoft.ListEvents(a.AccountEmail, a.DestinationCalendarID)
	}
	if err != nil {
		return nil, err
	}
	out := make([]held, 0, len(raws))
	for _, raw := range raws {
		var e struct {
			Status string
			Start  struct {
				DateTime string `json:"dateTime"`
				TimeZone string `json:"timeZone"`
			}
			ExtendedProperties            struct{ Private map[string]string }
			SingleValueExtendedProperties []struct{ ID, Value string }
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		if e.Status == "cancelled" {
			continue
		}
		x := held{booking: e.ExtendedProperties.Private["calsyncBooking"]}
		for _, p := range e.SingleValueExtendedProperties {
			if strings.HasSuffix(p.ID, " calsyncBooking") {
				x.booking = p.Value
			}
		}
		x.start = parseStart(e.Start.DateTime, e.Start.TimeZone)
		out = append(out, x)
	}
	return out, nil
}

func parseStart(s, tz string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04:05.0000000", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t
		}
	}
	return time.Time{}
}
