package app

import (
	"context"

	"golang.org/x/oauth2"

	"calsync/internal/domain"
	"calsync/sync/engine"
	"calsync/sync/inbound"
)

// pacedSource makes reads of a provider's calendars wait for the
// provider's budget for all accounts (engine.Quota.Project), which the
// engine's writes spend too. A read of several pages counts as one
// request.
type pacedSource struct {
	inbound.Source
	pacer    *engine.Pacer
	provider domain.Provider
}

func (s pacedSource) ReadEvents(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, cursor string, w inbound.Window, each func(inbound.Page) error) (string, error) {
	if err := s.pacer.WaitProject(ctx, s.provider, 1); err != nil {
		return "", err
	}
	return s.Source.ReadEvents(ctx, ts, cal, cursor, w, each)
}

func (s pacedSource) GetEvent(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, id string) (inbound.Event, error) {
	if err := s.pacer.WaitProject(ctx, s.provider, 1); err != nil {
		return inbound.Event{}, err
	}
	return s.Source.GetEvent(ctx, ts, cal, id)
}

func (s pacedSource) Instances(ctx context.Context, ts oauth2.TokenSource, cal engine.CalendarRef, seriesID string, w inbound.Window) ([]inbound.Instance, error) {
	if err := s.pacer.WaitProject(ctx, s.provider, 1); err != nil {
		return nil, err
	}
	return s.Source.Instances(ctx, ts, cal, seriesID, w)
}
