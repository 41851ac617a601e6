package broker

import (
	"context"
	"time"
)

// ConflictChange tells that a two-way sync conflict was opened, changed
// (the provider's side moved again) or resolved.
type ConflictChange struct {
	OrgID      int `json:"org"`
	ConflictID int `json:"conflict"`
	// UserID is the fieldworker whose calendar holds the event.
	UserID int       `json:"user"`
	State  string    `json:"state"`
	At     time.Time `json:"at"`
}

const topicConflicts = "conflicts"

// PublishConflictChange sends ev to every replica.
func (b *Broker) PublishConflictChange(ctx context.Context, ev ConflictChange) error {
	return b.publish(ctx, topicConflicts, ev.OrgID, ev)
}

// SubscribeConflicts delivers an organization's conflict changes until ctx
// ends.
func (b *Broker) SubscribeConflicts(ctx context.Context, org int) <-chan ConflictChange {
	return subscribeTyped[ConflictChange](ctx, b, topicConflicts, org)
}
