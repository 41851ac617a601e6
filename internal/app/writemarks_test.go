package app

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// TestWriteMarksAreSharedAndExpire: a write marked by one process is seen
// by another using the same Redis, for that calendar only, until the mark
// expires.
func TestWriteMarksAreSharedAndExpire(t *testing.T) {
	m := miniredis.RunT(t)
	worker := writeMarks{rdb: redis.NewClient(&redis.Options{Addr: m.Addr()}), prefix: "t"}
	api := writeMarks{rdb: redis.NewClient(&redis.Options{Addr: m.Addr()}), prefix: "t"}
	ctx := context.Background()
	long := "AAMkAGI2TG93AAA=" + string(make([]byte, 300)) // Graph ids are long
	worker.Mark(ctx, 7, long, 2*time.Second)
	if !api.Marked(ctx, 7, long) {
		t.Fatal("another process does not see the write")
	}
	if api.Marked(ctx, 7, "other") || api.Marked(ctx, 8, long) {
		t.Fatal("a write marks another calendar")
	}
	if other := (writeMarks{rdb: api.rdb, prefix: "u"}); other.Marked(ctx, 7, long) {
		t.Fatal("a write is seen under another prefix")
	}
	m.FastForward(2 * time.Second)
	if api.Marked(ctx, 7, long) {
		t.Fatal("the mark outlived its time")
	}
}
