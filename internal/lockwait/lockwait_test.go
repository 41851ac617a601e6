package lockwait

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPollTakesTheLockOnceFree(t *testing.T) {
	tries := 0
	err := Poll(context.Background(), func() (bool, error) {
		tries++
		return tries == 3, nil
	})
	if err != nil || tries != 3 {
		t.Fatalf("Poll = %v after %d tries, want nil after 3", err, tries)
	}
}

func TestPollReturnsTheTrysError(t *testing.T) {
	boom := errors.New("connection refused")
	tries := 0
	err := Poll(context.Background(), func() (bool, error) {
		tries++
		if tries == 2 {
			return false, boom
		}
		return false, nil
	})
	if !errors.Is(err, boom) || tries != 2 {
		t.Fatalf("Poll = %v after %d tries, want the try's error after 2", err, tries)
	}
}

func TestPollStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	err := Poll(ctx, func() (bool, error) {
		tries++
		if tries == 2 {
			cancel()
		}
		return false, nil
	})
	if !errors.Is(err, context.Canceled) || tries != 2 {
		t.Fatalf("Poll = %v after %d tries, want context.Canceled after 2", err, tries)
	}
}

func TestPausesDoubleUpToMost(t *testing.T) {
	var got []time.Duration
	for w := First; len(got) < 5; w = next(w) {
		got = append(got, w)
	}
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pauses %v, want %v", got, want)
		}
	}
}
