package store

import (
	"context"
	"errors"
	"fmt"

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

// InTx runs fn in the transaction ctx already carries (the GraphQL
// operation's), or in a new one of client that it commits when fn
// succeeds and rolls back when it fails. Inside fn, ClientFrom and
// AfterCommit see that transaction.
func InTx(ctx context.Context, client *ent.Client, fn func(ctx context.Context) error) error {
	if ent.TxFromContext(ctx) != nil {
		return fn(ctx)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback() // not left open, holding its connection and locks
			panic(p)
		}
	}()
	if err := fn(ent.NewContext(ent.NewTxContext(ctx, tx), tx.Client())); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}
