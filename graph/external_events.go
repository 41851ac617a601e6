package graph

import (
	"context"
	"slices"

	"calsync/graph/model"
	"calsync/internal/broker"
	"calsync/internal/domain"
	"calsync/internal/viewer"
)

// externalEventsChanged answers Subscription.externalEventsChanged: one
// message per user of a changed calendar's account the subscriber
// follows. A fieldworker follows themself only (fieldworkerID naming
// anyone else is FORBIDDEN); admins and schedulers follow everyone, or the
// user fieldworkerID names.
func (r *Resolver) externalEventsChanged(ctx context.Context, fieldworkerID *int) (<-chan *model.ExternalEventsChangedEvent, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.UserID == 0 {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to subscribe")
	}
	only := 0 // everyone
	switch {
	case !v.CanSchedule():
		if fieldworkerID != nil && *fieldworkerID != v.UserID {
			return nil, domain.Errorf(domain.CodeForbidden, "fieldworkers follow only their own calendar")
		}
		only = v.UserID
	case fieldworkerID != nil:
		if _, err := r.Client.User.Get(ctx, *fieldworkerID); err != nil {
			return nil, notFound(err, "user", *fieldworkerID)
		}
		only = *fieldworkerID
	}
	changes := perUser(ctx, r.Broker.SubscribeExternal(ctx, v.OrgID))
	return subscribe(ctx, changes, r.Auth.StillValid, func(c userExternalChange) (*model.ExternalEventsChangedEvent, bool) {
		if only != 0 && c.userID != only {
			return nil, false
		}
		return &model.ExternalEventsChangedEvent{
			FieldworkerID: c.userID, AccountID: c.AccountID, CalendarID: c.CalendarID,
			From: c.From, To: c.To, At: c.At,
		}, true
	}), nil
}

// userExternalChange is one user's share of an ExternalChange.
type userExternalChange struct {
	broker.ExternalChange
	userID int
}

// perUser relays each change of src once per user it names, until src
// closes or ctx ends.
func perUser(ctx context.Context, src <-chan broker.ExternalChange) <-chan userExternalChange {
	out := make(chan userExternalChange)
	go func() {
		defer close(out)
		for ev := range src {
			var sent []int
			for _, id := range ev.UserIDs {
				if slices.Contains(sent, id) {
					continue
				}
				sent = append(sent, id)
				select {
				case out <- userExternalChange{ev, id}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
