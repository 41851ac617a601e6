package bench

import (
	"context"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/user"
	"calsync/internal/domain"
	"calsync/internal/viewer"
	"calsync/sync/emulator"
)

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
func (h *harness) events(a *ent.CalendarAccount) ([]emulator.HeldEvent, error) {
	if h.provider == domain.ProviderGoogle {
		return h.emu.GoogleEvents(a.DestinationCalendarID)
	}
	return h.emu.MicrosoftEvents(a.AccountEmail, a.DestinationCalendarID)
}
