package graph

import "context"

// subscribe relays a subscription's events from source to the subscriber.
// message turns an event into what the subscriber receives, or reports
// false for one they may not see. The subscription ends when source closes
// or ctx ends (the client went away), and at the first event after
// stillValid says no (the session or bearer token was revoked, or the user
// deactivated, since subscribing).
func subscribe[E, M any](ctx context.Context, source <-chan E, stillValid func(context.Context) bool, message func(E) (M, bool)) <-chan M {
	out := make(chan M, 16)
	go func() {
		defer close(out)
		for ev := range source {
			if !stillValid(ctx) {
				return
			}
			msg, ok := message(ev)
			if !ok {
				continue
			}
			select {
			case out <- msg:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
