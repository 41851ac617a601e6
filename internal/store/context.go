package store

import (
	"context"

	"calsync/ent"
)

// ClientFrom returns the client of the transaction the operation runs in
// (a GraphQL mutation's, see entgql.Transactioner), or fallback outside
// one. Services use it so their writes join the operation's transaction —
// on SQLite a second connection would wait on that transaction's lock.
func ClientFrom(ctx context.Context, fallback *ent.Client) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return fallback
}

// AfterCommit runs fn once the transaction in ctx has committed — never
// for one that rolls back — or at once when ctx carries no transaction.
// fn gets a context that neither carries the finished transaction nor is
// cancelled with the request.
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	after := ent.NewTxContext(ent.NewContext(context.WithoutCancel(ctx), nil), nil)
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		fn(after)
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(c context.Context, tx *ent.Tx) error {
			if err := next.Commit(c, tx); err != nil {
				return err
			}
			fn(after)
			return nil
		})
	})
}
