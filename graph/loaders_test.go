package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestLoadersPerOperation: the fields of one operation share loaders,
// another operation gets its own.
func TestLoadersPerOperation(t *testing.T) {
	r := &Resolver{}
	var got []*loaders
	capture := func(ctx context.Context) graphql.ResponseHandler {
		field := graphql.WithFieldContext(ctx, &graphql.FieldContext{})
		if r.loaders(ctx) != r.loaders(field) {
			t.Fatal("two fields of one operation got different loaders")
		}
		got = append(got, r.loaders(ctx))
		return nil
	}
	r.WithLoaders(context.Background(), capture)
	r.WithLoaders(context.Background(), capture)
	if len(got) != 2 || got[0] == got[1] {
		t.Fatal("two operations share loaders")
	}
	if r.loaders(context.Background()) == r.loaders(context.Background()) {
		t.Fatal("loaders shared outside any operation")
	}
}
