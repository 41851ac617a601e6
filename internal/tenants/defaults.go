package tenants

import (
	"context"

	"calsync/ent"
	"calsync/internal/domain"
	"calsync/internal/scheduling"
)

// Defaults are the statuses and types a new organization starts with, by
// name.
type Defaults struct {
	Statuses map[string]*ent.BookingStatus
	Types    map[string]*ent.BookingType
}

// CreateDefaults gives organization orgID its starting configuration:
// both providers on with the platform app, the default booking statuses
// (and the cancellation status) and booking types. db is the caller's
// (transactional) client; ctx may write to orgID.
func CreateDefaults(ctx context.Context, db *ent.Client, orgID int) (*Defaults, error) {
	for _, p := range domain.Providers {
		// On with the platform app: on the embedded default that is the
		// emulator, so linking can be tried at once.
		if err := db.ProviderConfig.Create().SetOrganizationID(orgID).SetProvider(p).
			SetEnabled(true).SetUsersCanOverride(true).Exec(ctx); err != nil {
			return nil, err
		}
	}
	d := &Defaults{Statuses: map[string]*ent.BookingStatus{}, Types: map[string]*ent.BookingType{}}
	// Completed bookings stay in calendars as a record when they are
	// deleted; quotes are never pushed. Cancelling gives "Cancelled",
	// which removes the events.
	for _, s := range []struct {
		name, color     string
		push, deleteCal bool
	}{
		{"Confirmed", "#0b8043", true, true},
		{"Tentative", "#f6bf26", true, true},
		{"Completed", "#616161", true, false},
		{"Quote", "#8e24aa", false, false},
	} {
		st, err := db.BookingStatus.Create().SetOrganizationID(orgID).SetName(s.name).SetColor(s.color).
			SetPushToCalendar(s.push).SetDeleteFromCalendar(s.deleteCal).Save(ctx)
		if err != nil {
			return nil, err
		}
		d.Statuses[s.name] = st
	}
	cancelled, err := scheduling.CreateCancellationStatus(ctx, db, orgID)
	if err != nil {
		return nil, err
	}
	d.Statuses[cancelled.Name] = cancelled
	for _, t := range []struct {
		name                             string
		sync, personal, def, unavailable bool
	}{
		{"Appointment", true, false, true, false},
		{"Training", false, false, false, false},
		{"Personal", true, true, false, false},
		{"Unavailable", true, false, false, true},
	} {
		bt, err := db.BookingType.Create().SetOrganizationID(orgID).SetName(t.name).SetSyncToCalendar(t.sync).
			SetPersonal(t.personal).SetDefault(t.def).SetUnavailable(t.unavailable).Save(ctx)
		if err != nil {
			return nil, err
		}
		d.Types[t.name] = bt
	}
	return d, nil
}
