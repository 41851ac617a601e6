// Package outbox queues linking's emails (authorization links, requests
// to link again) for delivery: a message is written to the outbox table
// and its delivery queued once the transaction that wrote it commits.
package outbox

import (
	"context"
	"net/mail"

	"calsync/ent"
	"calsync/internal/store"
)

// Deliveries queues the delivery of an outbox message (the task queue).
type Deliveries interface {
	EmailQueued(ctx context.Context, orgID, emailID int)
}

// Outbox writes emails for delivery.
type Outbox struct {
	client     *ent.Client
	deliveries Deliveries
}

// New returns an Outbox; deliveries nil leaves messages for a later pass.
func New(client *ent.Client, deliveries Deliveries) *Outbox {
	return &Outbox{client: client, deliveries: deliveries}
}

// Queue writes an email to u as sys (the outbox is written by the system
// alone: its messages hold single-use links) in ctx's transaction, if
// any, and queues its delivery once that has committed.
func (o *Outbox) Queue(ctx, sys context.Context, u *ent.User, kind, subject, text, htmlBody string) error {
	to := (&mail.Address{Name: u.Name, Address: u.Email}).String()
	m, err := store.ClientFrom(ctx, o.client).EmailMessage.Create().SetTo(to).
		SetSubject(subject).SetBody(text).SetHTMLBody(htmlBody).SetKind(kind).SetUserID(u.ID).Save(sys)
	if err != nil {
		return err
	}
	if o.deliveries == nil {
		return nil
	}
	store.AfterCommit(ctx, func(ctx context.Context) { o.deliveries.EmailQueued(ctx, u.OrganizationID, m.ID) })
	return nil
}
