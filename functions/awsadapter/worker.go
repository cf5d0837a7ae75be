package awsadapter

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// WorkerHandler is the signature of the worker function's Lambda handler.
type WorkerHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// NewSQSHandler processes each record of an SQS event with w, one after the other, and
// reports the records that failed in BatchItemFailures so that only they are retried.
// It never returns an error (which would retry the whole batch): a body that is not a
// job, a failing job, a panicking job, and records left when the invocation runs out
// of time are each reported as that record's failure.
func NewSQSHandler(w *images.Worker, maxReceiveCount int, log *slog.Logger) WorkerHandler {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, rec := range ev.Records {
			if err := processRecord(ctx, w, maxReceiveCount, log, rec); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return resp, nil
	}
}

func processRecord(ctx context.Context, w *images.Worker, maxReceiveCount int, log *slog.Logger, rec events.SQSMessage) (err error) {
	log = log.With("messageId", rec.MessageId)
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	if err := ctx.Err(); err != nil {
		log.WarnContext(ctx, "invocation out of time, leaving the message for a retry")
		return err
	}
	job, err := images.ParseJob([]byte(rec.Body))
	if err != nil {
		log.ErrorContext(ctx, "message is not a job; it will end in the dead-letter queue", "err", err)
		return err
	}
	count, err := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
	if err != nil || count < 1 {
		// Without the count no attempt can be known to be the last; the image may stay
		// pending, but the message still ends in the dead-letter queue.
		log.WarnContext(ctx, "message has no valid ApproximateReceiveCount, taking it as the first delivery", "attribute", rec.Attributes["ApproximateReceiveCount"])
		count = 1
	}
	_, err = w.Process(ctx, job, images.Attempt{ReceiveCount: count, MaxReceiveCount: maxReceiveCount})
	return err
}
