// Package redisconn provides the Redis that asynq and pub/sub use: the one
// named by REDIS_URL, or an in-process miniredis for the embedded default.
package redisconn

import (
	"context"
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
		return &Conn{
			Asynq:    asynq.RedisClientOpt{Addr: m.Addr()},
			Client:   redis.NewClient(&redis.Options{Addr: m.Addr()}),
			Embedded: m,
		}, nil
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
	return &Conn{Asynq: opt, Client: c}, nil
}

// Close closes the client and stops the embedded server.
func (c *Conn) Close() error {
	err := c.Client.Close()
	if c.Embedded != nil {
		c.Embedded.Close()
	}
	return err
}
