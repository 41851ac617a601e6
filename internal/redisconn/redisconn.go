// Package redisconn provides the Redis that asynq and pub/sub use: the one
// named by REDIS_URL, or an in-process miniredis for the embedded default.
package redisconn

import (
	"context"
	"errors"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Conn is a Redis endpoint usable by asynq and go-redis.
type Conn struct {
	// Asynq connects asynq clients, servers and inspectors.
	Asynq asynq.RedisConnOpt
	// Client is a go-redis client for pub/sub.
	Client *redis.Client
	// Queue is the client asynq's task clients and worker use, with Idle
	// attached (its adaptive polling).
	Queue *redis.Client
	Idle  *Idle
	// Embedded is the in-process server, nil when REDIS_URL is used.
	Embedded *miniredis.Miniredis
}

// Open connects to url, or starts an in-process miniredis when url is empty.
func Open(ctx context.Context, url string) (*Conn, error) {
	if url == "" {
		m, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("redisconn: start embedded redis: %w", err)
		}
		c := &Conn{
			Asynq:    asynq.RedisClientOpt{Addr: m.Addr()},
			Client:   redis.NewClient(&redis.Options{Addr: m.Addr()}),
			Queue:    redis.NewClient(&redis.Options{Addr: m.Addr()}),
			Embedded: m,
		}
		c.Idle = NewIdle(c.Queue)
		return c, nil
	}
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		return nil, fmt.Errorf("redisconn: REDIS_URL: %w", err)
	}
	ropt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisconn: REDIS_URL: %w", err)
	}
	c := redis.NewClient(ropt)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redisconn: connect: %w", err)
	}
	qopt := *ropt
	q := redis.NewClient(&qopt)
	return &Conn{Asynq: opt, Client: c, Queue: q, Idle: NewIdle(q)}, nil
}

// Close closes the client and stops the embedded server.
func (c *Conn) Close() error {
	err := errors.Join(c.Client.Close(), c.Queue.Close())
	if c.Embedded != nil {
		c.Embedded.Close()
	}
	return err
}
