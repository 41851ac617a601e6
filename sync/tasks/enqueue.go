package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
)

// EnqueueOnce enqueues t under the TaskID in opts. While a task with that
// id is queued or running the new one is redundant (it would do the same
// work) and is dropped; a task that has finished for good — archived after
// its last retry, or completed and retained — no longer blocks the id and
// is replaced. Without this, an archived sync would silence its account
// until asynq forgot it. The task carries ctx's trace context (withTrace).
func EnqueueOnce(ctx context.Context, c *asynq.Client, insp *asynq.Inspector, t *asynq.Task, opts ...asynq.Option) error {
	queue, id := target(opts)
	_, err := enqueue(ctx, c, t, opts...)
	if !errors.Is(err, asynq.ErrTaskIDConflict) || id == "" || insp == nil {
		return err
	}
	info, ierr := insp.GetTaskInfo(queue, id)
	if ierr != nil || (info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted) {
		return err // still queued or running (or just gone): redundant
	}
	if derr := insp.DeleteTask(queue, id); derr != nil && !errors.Is(derr, asynq.ErrTaskNotFound) {
		return fmt.Errorf("tasks: replace finished task %s: %w", id, derr)
	}
	if _, err := enqueue(ctx, c, t, opts...); err != nil {
		return fmt.Errorf("tasks: enqueue %s: %w", id, err)
	}
	return nil
}

// target is the queue and task id opts name (QueueDefault, "" when unset).
func target(opts []asynq.Option) (queue, id string) {
	queue = QueueDefault
	for _, o := range opts {
		switch o.Type() {
		case asynq.QueueOpt:
			queue, _ = o.Value().(string)
		case asynq.TaskIDOpt:
			id, _ = o.Value().(string)
		}
	}
	return queue, id
}
