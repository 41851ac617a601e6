package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// writeMarks keeps the engine's recent writes to calendars in Redis, as
// keys that expire, so the process that receives a calendar's
// notification (an API process) knows a worker process just wrote to it
// (engine.WriteMarks). Failures only cost a read.
type writeMarks struct {
	rdb    *redis.Client
	prefix string
}

func (w writeMarks) key(accountID int, calendarID string) string {
	// Calendar ids are long and free-form (Graph's are base64): a digest.
	sum := sha256.Sum256([]byte(calendarID))
	return w.prefix + ":wrote:" + strconv.Itoa(accountID) + ":" + hex.EncodeToString(sum[:8])
}

// Mark implements engine.WriteMarks.
func (w writeMarks) Mark(ctx context.Context, accountID int, calendarID string, ttl time.Duration) {
	_ = w.rdb.Set(ctx, w.key(accountID, calendarID), "1", ttl).Err()
}

// Marked implements engine.WriteMarks.
func (w writeMarks) Marked(ctx context.Context, accountID int, calendarID string) bool {
	n, err := w.rdb.Exists(ctx, w.key(accountID, calendarID)).Result()
	return err == nil && n > 0
}
