package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"calsync/ent"
	"calsync/ent/emailmessage"
	"calsync/internal/mail"
	"calsync/internal/viewer"
)

// TypeEmailSend delivers one outbox message.
const TypeEmailSend = "email:send"

// EmailPayload names the message.
type EmailPayload struct {
	OrgID     int `json:"org_id"`
	MessageID int `json:"message_id"`
}

// NewEmailTask builds the delivery task; the task id makes a repeated
// enqueue of the same message harmless.
func NewEmailTask(p EmailPayload) (*asynq.Task, []asynq.Option, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, nil, fmt.Errorf("tasks: %w", err)
	}
	return asynq.NewTask(TypeEmailSend, data), []asynq.Option{
		asynq.Queue(QueueDefault), asynq.MaxRetry(8), asynq.TaskID(fmt.Sprintf("email:%d", p.MessageID)),
	}, nil
}

// Sender delivers an email.
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// SendEmail handles email:send. With no Sender configured the message
// stays in the outbox (state OUTBOX) for admins to read.
type SendEmail struct {
	Client *ent.Client
	Sender Sender // nil: no SMTP
	Now    func() time.Time
}

// ProcessTask implements asynq.Handler.
func (h *SendEmail) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p EmailPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.OrgID <= 0 {
		return fmt.Errorf("tasks: bad %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	ctx = viewer.SystemContext(ctx, p.OrgID)
	m, err := h.Client.EmailMessage.Get(ctx, p.MessageID)
	if ent.IsNotFound(err) {
		return nil // deleted since: nothing to send
	}
	if err != nil {
		return fmt.Errorf("tasks: load email: %w", err)
	}
	if m.State == emailmessage.StateSENT || m.State == emailmessage.StateOUTBOX {
		return nil // a repeated task: already handled
	}
	if h.Sender == nil {
		return h.Client.EmailMessage.UpdateOne(m).SetState(emailmessage.StateOUTBOX).Exec(ctx)
	}
	err = h.Sender.Send(ctx, mail.Message{To: m.To, Subject: m.Subject, Text: m.Body, HTML: m.HTMLBody})
	up := h.Client.EmailMessage.UpdateOne(m).AddAttempts(1)
	if err != nil {
		retried, _ := asynq.GetRetryCount(ctx)
		max, _ := asynq.GetMaxRetry(ctx)
		state := emailmessage.StateQUEUED
		permanent := errors.Is(err, mail.ErrBadAddress)
		if retried >= max || permanent {
			state = emailmessage.StateFAILED
		}
		if permanent {
			err = fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		if uerr := up.SetState(state).SetLastError(err.Error()).Exec(ctx); uerr != nil {
			// One failure, one log line (the worker's): it says both.
			return fmt.Errorf("tasks: send email %d: %w (recording the failure: %v)", m.ID, err, uerr)
		}
		return fmt.Errorf("tasks: send email %d: %w", m.ID, err)
	}
	return up.SetState(emailmessage.StateSENT).SetSentAt(h.Now()).ClearLastError().Exec(ctx)
}
