package broker

import (
	"context"
	"time"
)

// ExternalChange tells that imported events of one calendar changed: the
// importer publishes it after writing them, and the calendar views of the
// account's users re-read the span.
type ExternalChange struct {
	OrgID     int `json:"org"`
	AccountID int `json:"account"`
	// CalendarID is the ProviderCalendar whose events changed.
	CalendarID int `json:"calendar"`
	// UserIDs are the users of the account (an account may be shared).
	UserIDs []int `json:"users"`
	// From and To bound the span the changes touch; nil after a full read.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	At   time.Time  `json:"at"`
}

const topicExternal = "external"

// PublishExternalChange sends ev to every replica.
func (b *Broker) PublishExternalChange(ctx context.Context, ev ExternalChange) error {
	return b.publish(ctx, topicExternal, ev.OrgID, ev)
}

// SubscribeExternal delivers an organization's imported-event changes
// until ctx ends.
func (b *Broker) SubscribeExternal(ctx context.Context, org int) <-chan ExternalChange {
	return subscribeTyped[ExternalChange](ctx, b, topicExternal, org)
}
