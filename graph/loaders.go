package graph

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"calsync/ent"
	"calsync/ent/calendaraccount"
	"calsync/ent/invitation"
	"calsync/ent/providerconfig"
	"calsync/graph/model"
	"calsync/internal/domain"
)

// loaders batch what the objects of one response read from the database:
// a page of users asking for calendarSync costs three queries, not three
// per user.
type loaders struct {
	calendarSync *dataloadgen.Loader[syncKey, *model.CalendarSync]
	// synced holds the syncs a page of users read for its nodes in one
	// batch (primeCalendarSyncs), by the user objects of that page.
	mu     sync.Mutex
	synced map[syncKey]*model.CalendarSync
	// calendar batches the calendar view's per-object reads.
	calendar *calendarLoaders
}

// syncKey is one user's sync for one provider.
type syncKey struct {
	user     *ent.User
	provider domain.Provider
}

func (r *Resolver) newLoaders() *loaders {
	return &loaders{
		// Without a cache a loader only batches, so what a mutation has
		// just changed, or a subscription's next event reads, is never
		// answered from an earlier load.
		calendarSync: dataloadgen.NewLoader(r.loadCalendarSyncs, dataloadgen.WithoutCache()),
		calendar:     r.newCalendarLoaders(),
	}
}

type loadersKey struct{}

// WithLoaders gives each operation its own loaders (the server registers it
// with AroundOperations): its fields batch their loads together, and
// nothing outlives it.
func (r *Resolver) WithLoaders(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, loadersKey{}, r.newLoaders()))
}

// loaders returns the loaders of ctx's operation; outside one, each call
// gets its own (correct, but nothing is batched).
func (r *Resolver) loaders(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return r.newLoaders()
}

// primeCalendarSyncs reads, in one batch, the syncs of users for every
// provider when the selection of ctx's field (a connection of users) asks
// their nodes for calendarSync or calendarSyncs. The loader would batch
// them too, but only the loads that reach it within its wait: on a busy
// machine a page is split into several batches. When the read fails,
// each field asks the loader, and reports the error itself.
func (r *Resolver) primeCalendarSyncs(ctx context.Context, users []*ent.User) {
	if asks := selected(ctx, []string{"User", "Node"}, []string{"edges", "node"}, "calendarSync", "calendarSyncs"); len(users) == 0 || len(asks) == 0 {
		return
	}
	keys := make([]syncKey, 0, len(users)*len(domain.Providers))
	for _, u := range users {
		for _, p := range domain.Providers {
			keys = append(keys, syncKey{user: u, provider: p})
		}
	}
	syncs, _ := r.loadCalendarSyncs(ctx, keys)
	if syncs == nil {
		return
	}
	l := r.loaders(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.synced == nil {
		l.synced = make(map[syncKey]*model.CalendarSync, len(keys))
	}
	for i, k := range keys {
		if syncs[i] != nil {
			l.synced[k] = syncs[i]
		}
	}
}

// primed returns the syncs of keys read by primeCalendarSyncs, or nil if
// any of them was not.
func (l *loaders) primed(keys ...syncKey) []*model.CalendarSync {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*model.CalendarSync, len(keys))
	for i, k := range keys {
		if out[i] = l.synced[k]; out[i] == nil {
			return nil
		}
	}
	return out
}

// loadCalendarSyncs describes the syncs of keys in three queries: the
// organization's provider configurations, the users' calendar accounts and
// their invitations.
func (r *Resolver) loadCalendarSyncs(ctx context.Context, keys []syncKey) ([]*model.CalendarSync, []error) {
	var providers []domain.Provider
	var userIDs []int
	for _, k := range keys {
		if !slices.Contains(providers, k.provider) {
			providers = append(providers, k.provider)
		}
		if !slices.Contains(userIDs, k.user.ID) {
			userIDs = append(userIDs, k.user.ID)
		}
	}
	db := r.db(ctx)
	pcs, err := db.ProviderConfig.Query().Where(providerconfig.ProviderIn(providers...)).All(ctx)
	if err != nil {
		return nil, []error{err}
	}
	configs := map[domain.Provider]*ent.ProviderConfig{}
	for _, pc := range pcs {
		configs[pc.Provider] = pc
	}
	accounts, err := latestAccounts(ctx, db, userIDs, providers)
	if err != nil {
		return nil, []error{err}
	}
	invs, err := db.Invitation.Query().Where(invitation.UserIDIn(userIDs...), invitation.ProviderIn(providers...)).
		Order(ent.Desc(invitation.FieldCreatedAt), ent.Desc(invitation.FieldID)).All(ctx)
	if err != nil {
		return nil, []error{err}
	}
	invitations := map[userProvider]*ent.Invitation{}
	for _, inv := range invs {
		k := userProvider{inv.UserID, inv.Provider}
		if _, seen := invitations[k]; !seen {
			invitations[k] = inv
		}
	}
	out := make([]*model.CalendarSync, len(keys))
	for i, k := range keys {
		up := userProvider{k.user.ID, k.provider}
		out[i] = describeSync(configs[k.provider], k.user, k.provider, accounts[up], invitations[up])
	}
	return out, nil
}

// userProvider is one user's link to one provider.
type userProvider struct {
	userID   int
	provider domain.Provider
}

// linkedUser is the column latestAccounts adds to each account row: the
// user it was found through (an account may serve several users).
const linkedUser = "linked_user_id"

// latestAccounts returns each user's most recently updated account per
// provider, in one query over the accounts joined with their users.
func latestAccounts(ctx context.Context, db *ent.Client, userIDs []int, providers []domain.Provider) (map[userProvider]*ent.CalendarAccount, error) {
	q := db.CalendarAccount.Query().Where(calendaraccount.ProviderIn(providers...)).
		Order(ent.Desc(calendaraccount.FieldUpdatedAt), ent.Desc(calendaraccount.FieldID))
	q.Modify(func(s *sql.Selector) {
		t := sql.Table(calendaraccount.UsersTable)
		account, user := calendaraccount.UsersPrimaryKey[0], calendaraccount.UsersPrimaryKey[1]
		s.Join(t).On(s.C(calendaraccount.FieldID), t.C(account)).
			Where(sql.InInts(t.C(user), userIDs...)).
			AppendSelect(sql.As(t.C(user), linkedUser))
	})
	rows, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	out := map[userProvider]*ent.CalendarAccount{}
	for _, a := range rows {
		v, err := a.Value(linkedUser)
		if err != nil {
			return nil, err
		}
		var id int
		switch v := v.(type) {
		case int64:
			id = int(v)
		case int:
			id = v
		default:
			return nil, fmt.Errorf("graph: %s is %T", linkedUser, v)
		}
		if k := (userProvider{id, a.Provider}); out[k] == nil {
			out[k] = a
		}
	}
	return out, nil
}
