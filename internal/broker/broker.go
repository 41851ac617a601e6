// Package broker fans change events out to GraphQL subscribers on every
// replica through Redis pub/sub: one pattern subscription per process,
// dispatched in memory to local subscribers.
package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"calsync/internal/redisconn"
)

// BookingChange is one booking event as published.
type BookingChange struct {
	OrgID     int    `json:"org"`
	BookingID int    `json:"booking"`
	Kind      string `json:"kind"`
	// HostIDs are the hosts before and after the change, so a fieldworker
	// removed from a booking hears about it too.
	HostIDs []int     `json:"hosts"`
	At      time.Time `json:"at"`
}

// Broker publishes and delivers events.
type Broker struct {
	rdb    *redis.Client
	prefix string
	log    *slog.Logger

	mu     sync.Mutex
	subs   map[int]map[*subscriber]struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// AccountChange is a calendar account's new status as published.
type AccountChange struct {
	OrgID     int       `json:"org"`
	AccountID int       `json:"account"`
	UserIDs   []int     `json:"users"`
	Status    string    `json:"status"`
	LastError string    `json:"last_error,omitempty"`
	At        time.Time `json:"at"`
}

// SyncProgress is a sync run's progress as published.
type SyncProgress struct {
	OrgID     int    `json:"org"`
	AccountID int    `json:"account"`
	RunID     int    `json:"run"`
	UserIDs   []int  `json:"users"`
	State     string `json:"state"`
	Total     int    `json:"total"`
	Done      int    `json:"done"`
}

// Topics.
const (
	topicBookings = "bookings"
	topicAccounts = "accounts"
	topicSync     = "sync"
)

type subscriber struct {
	topic string
	ch    chan json.RawMessage
}

// New returns a Broker publishing under channel prefix (e.g. "calsync").
func New(rdb *redis.Client, prefix string, log *slog.Logger) *Broker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Broker{rdb: rdb, prefix: prefix, log: log, subs: map[int]map[*subscriber]struct{}{}}
}

func (b *Broker) channel(topic string, org int) string {
	return b.prefix + ":" + topic + ":" + strconv.Itoa(org)
}

// Start subscribes to Redis; it returns once the subscription is active.
func (b *Broker) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ps := b.rdb.PSubscribe(ctx, b.prefix+":"+topicBookings+":*", b.prefix+":"+topicAccounts+":*", b.prefix+":"+topicSync+":*", b.prefix+":"+topicExternal+":*",
		b.prefix+":"+topicConflicts+":*")
	if _, err := ps.Receive(ctx); err != nil {
		cancel()
		ps.Close()
		return fmt.Errorf("broker: subscribe: %w", err)
	}
	b.cancel = cancel
	b.done = make(chan struct{})
	go func() {
		defer close(b.done)
		defer ps.Close()
		ch := ps.Channel(redis.WithChannelHealthCheckInterval(redisconn.PubSubHealthCheck))
		for {
			select {
			case <-ctx.Done():
				return
			case msg, ok := <-ch:
				if !ok {
					return
				}
				b.dispatch(msg)
			}
		}
	}()
	return nil
}

func (b *Broker) dispatch(msg *redis.Message) {
	rest := strings.TrimPrefix(msg.Channel, b.prefix+":")
	topic, orgStr, ok := strings.Cut(rest, ":")
	org, err := strconv.Atoi(orgStr)
	if !ok || err != nil {
		b.log.Warn("broker: unexpected channel", slog.String("channel", msg.Channel))
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[org] {
		if s.topic != topic {
			continue
		}
		select {
		case s.ch <- json.RawMessage(msg.Payload):
		default:
			// A subscriber that does not keep up loses events rather than
			// stalling everyone; it can re-query.
			b.log.Warn("broker: subscriber too slow, event dropped", slog.Int("org_id", org), slog.String("topic", topic))
		}
	}
}

// Stop ends the Redis subscription.
func (b *Broker) Stop() {
	if b.cancel != nil {
		b.cancel()
		<-b.done
	}
}

func (b *Broker) publish(ctx context.Context, topic string, org int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	if err := b.rdb.Publish(ctx, b.channel(topic, org), data).Err(); err != nil {
		return fmt.Errorf("broker: publish: %w", err)
	}
	return nil
}

// PublishBookingChange sends ev to every replica.
func (b *Broker) PublishBookingChange(ctx context.Context, ev BookingChange) error {
	return b.publish(ctx, topicBookings, ev.OrgID, ev)
}

// PublishAccountChange sends ev to every replica.
func (b *Broker) PublishAccountChange(ctx context.Context, ev AccountChange) error {
	return b.publish(ctx, topicAccounts, ev.OrgID, ev)
}

// PublishSyncProgress sends ev to every replica.
func (b *Broker) PublishSyncProgress(ctx context.Context, ev SyncProgress) error {
	return b.publish(ctx, topicSync, ev.OrgID, ev)
}

// SubscribeSync delivers an organization's sync progress until ctx ends.
func (b *Broker) SubscribeSync(ctx context.Context, org int) <-chan SyncProgress {
	return subscribeTyped[SyncProgress](ctx, b, topicSync, org)
}

// SubscribeBookings delivers an organization's booking changes until ctx ends.
func (b *Broker) SubscribeBookings(ctx context.Context, org int) <-chan BookingChange {
	return subscribeTyped[BookingChange](ctx, b, topicBookings, org)
}

// SubscribeAccounts delivers an organization's account changes until ctx ends.
func (b *Broker) SubscribeAccounts(ctx context.Context, org int) <-chan AccountChange {
	return subscribeTyped[AccountChange](ctx, b, topicAccounts, org)
}

func subscribeTyped[T any](ctx context.Context, b *Broker, topic string, org int) <-chan T {
	s := &subscriber{topic: topic, ch: make(chan json.RawMessage, 64)}
	b.mu.Lock()
	if b.subs[org] == nil {
		b.subs[org] = map[*subscriber]struct{}{}
	}
	b.subs[org][s] = struct{}{}
	b.mu.Unlock()
	out := make(chan T)
	go func() {
		defer close(out)
		defer func() {
			b.mu.Lock()
			delete(b.subs[org], s)
			if len(b.subs[org]) == 0 {
				delete(b.subs, org)
			}
			b.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case raw := <-s.ch:
				var ev T
				if err := json.Unmarshal(raw, &ev); err != nil {
					b.log.Warn("broker: bad message", slog.String("topic", topic), slog.Any("error", err))
					continue
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
