package outlook_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// TestConcurrentCreates hammers one mailbox from two apps (each within its
// four-request concurrency limit) while delta, views and the control API
// read it; run with -race.
func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	daemon := user(e.adapter(e.daemonTokens()), e.user.ID)
	delegated := me(e.adapter(e.userTokens()))
	const workers, perWorker = 4, 8

	var wg sync.WaitGroup
	errs := make(chan error, 2*workers*perWorker+8)
	ids := make(chan string, 2*workers*perWorker)
	for w := range workers {
		for _, mb := range []*users.UserItemRequestBuilder{daemon, delegated} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					ev := newEvent(fmt.Sprintf("w%d-%d", w, i), at(17, 8+i, 0), at(17, 8+i, 30), "UTC")
					created, err := mb.Events().Post(ctx, ev, nil)
					if err != nil {
						errs <- err
						return
					}
					ids <- *created.GetId()
				}
			}()
		}
	}
	// Readers running alongside.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if _, err := e.emu.ListEvents(e.user.ID, "default"); err != nil {
				errs <- err
			}
			if _, err := e.emu.Snapshot(); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if len(seen) != 2*workers*perWorker {
		t.Fatalf("%d events created, want %d", len(seen), 2*workers*perWorker)
	}
	stored, err := e.emu.ListEvents(e.user.ID, "default")
	must(t, err)
	if len(stored) != 2*workers*perWorker {
		t.Fatalf("%d events stored", len(stored))
	}
	top := int32(100)
	list, err := daemon.Events().Get(ctx, &users.ItemEventsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemEventsRequestBuilderGetQueryParameters{Top: &top},
	})
	must(t, err)
	if len(list.GetValue()) != 2*workers*perWorker {
		t.Fatalf("list shows %d", len(list.GetValue()))
	}
}
