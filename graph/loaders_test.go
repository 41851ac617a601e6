package graph

import (
	"context"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// TestLoadersLiveAsLongAsTheirOperation: the fields of one operation share
// loaders, another operation gets its own, and an operation's loaders are
// dropped when its context ends.
func TestLoadersLiveAsLongAsTheirOperation(t *testing.T) {
	r := &Resolver{}
	opCtx, end := context.WithCancel(context.Background())
	one := graphql.WithOperationContext(opCtx, &graphql.OperationContext{})
	other := graphql.WithOperationContext(opCtx, &graphql.OperationContext{})
	// Fields see the operation's context with values of their own.
	field := graphql.WithFieldContext(one, &graphql.FieldContext{})
	if r.loaders(one) != r.loaders(field) {
		t.Fatal("two fields of one operation got different loaders")
	}
	if r.loaders(one) == r.loaders(other) {
		t.Fatal("two operations share loaders")
	}
	end()
	deadline := time.Now().Add(2 * time.Second)
	for {
		r.operations.mu.Lock()
		n := len(r.operations.ops)
		r.operations.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d operations' loaders kept after their contexts ended", n)
		}
		time.Sleep(time.Millisecond)
	}
	// A context that never ends keeps nothing.
	forever := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{})
	if r.loaders(forever) == r.loaders(forever) {
		t.Fatal("loaders kept for an operation whose context never ends")
	}
	if len(r.operations.ops) != 0 {
		t.Fatal("loaders registered for an operation whose context never ends")
	}
}
