package broker

import (
	"context"
	"log/slog"
	"sync"
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
// until ctx ends. It returns once the subscription is active.
func (b *Broker) SubscribeExternal(ctx context.Context, org int) <-chan ExternalChange {
	release := b.holdExternalFeed()
	out := subscribeTyped[ExternalChange](ctx, b, topicExternal, org)
	context.AfterFunc(ctx, release)
	return out
}

// The pattern subscription Start makes covers the topics it names; the
// external topic has a pattern subscription of its own, shared by the
// process's subscribers of the topic and held while there is one. Its
// messages go through dispatch like the others.
//
// Were Start to subscribe to the topic too, subscribers would get each
// change twice: then this feed is to go (SubscribeExternal keeps only
// subscribeTyped).
var externalFeeds = struct {
	sync.Mutex
	m map[*Broker]*externalFeed
}{m: map[*Broker]*externalFeed{}}

type externalFeed struct {
	holders int
	cancel  context.CancelFunc
	done    chan struct{}
}

// holdExternalFeed makes sure b receives the external topic, starting the
// pattern subscription for the first holder; release lets go of it, and
// the last release ends it. Should Redis refuse the subscription, the
// subscriber hears nothing (as when the connection breaks) and it is
// tried again for the next one.
func (b *Broker) holdExternalFeed() (release func()) {
	externalFeeds.Lock()
	defer externalFeeds.Unlock()
	f := externalFeeds.m[b]
	if f == nil {
		// Not the subscriber's context: the feed outlives it when others
		// hold it too.
		fctx, cancel := context.WithCancel(context.Background())
		ps := b.rdb.PSubscribe(fctx, b.prefix+":"+topicExternal+":*")
		if _, err := ps.Receive(fctx); err != nil {
			cancel()
			ps.Close()
			b.log.Warn("broker: subscribe to imported-event changes", slog.Any("error", err))
			return func() {}
		}
		f = &externalFeed{cancel: cancel, done: make(chan struct{})}
		go func() {
			defer close(f.done)
			defer ps.Close()
			ch := ps.Channel()
			for {
				select {
				case <-fctx.Done():
					return
				case msg, ok := <-ch:
					if !ok {
						return
					}
					b.dispatch(msg)
				}
			}
		}()
		externalFeeds.m[b] = f
	}
	f.holders++
	var once sync.Once
	return func() {
		once.Do(func() {
			externalFeeds.Lock()
			defer externalFeeds.Unlock()
			if f.holders--; f.holders == 0 {
				f.cancel()
				<-f.done
				delete(externalFeeds.m, b)
			}
		})
	}
}
