package awsadapter

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// WorkerHandler is the signature of the worker function's Lambda handler.
type WorkerHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// BatchBudget says how the worker spends an invocation's time. Lambda ends the runtime at the
// invocation's deadline; a batch that overruns it returns no partial batch response, so every
// record of the batch is delivered again, and a record on its last delivery moves to the
// dead-letter queue with its image still pending. So the handler finishes before the deadline.
type BatchBudget struct {
	// ResponseReserve is kept free at the end of the invocation to return the response
	// (encoding it and posting it to the Runtime API take milliseconds).
	ResponseReserve time.Duration
	// MarkReserve is kept free before ResponseReserve to record failures of last attempts:
	// the record that ran out of time, and those that could not be started. One UPDATE each.
	MarkReserve time.Duration
	// MinRecord is the least time a record is started with. A record needs one S3 read, the
	// thumbnail, one S3 write and two queries.
	MinRecord time.Duration
}

// DefaultBatchBudget is the worker's budget. MinRecord is 1 s: bench/thumbs measures about
// 0.11 s of one core for a 1–4 MP thumbnail, and the S3 and database calls take tens of
// milliseconds in a region; 1 s leaves room for a slower share of a vCPU (the default 512 MB
// function has about a third of one). With the stack defaults (30 s timeout, batches of 5)
// every record gets about 5.8 s; the minimum only matters for short timeouts or big batches.
var DefaultBatchBudget = BatchBudget{ResponseReserve: 250 * time.Millisecond, MarkReserve: 750 * time.Millisecond, MinRecord: time.Second}

// NewSQSHandler processes the records of an SQS event with w, one after the other, within the
// invocation's deadline (DefaultBatchBudget), and reports the records that failed in
// BatchItemFailures so that only they are retried. See NewSQSHandlerWithBudget.
func NewSQSHandler(w *images.Worker, maxReceiveCount int, log *slog.Logger) WorkerHandler {
	return NewSQSHandlerWithBudget(w, maxReceiveCount, log, DefaultBatchBudget)
}

// NewSQSHandlerWithBudget is NewSQSHandler with budget b. It never returns an error (which would
// retry the whole batch): a body that is not a job, a failing job, a panicking job, and records
// the deadline leaves no time for are each reported as that record's failure.
//
// When the context has a deadline (Lambda's always does), the time up to the deadline, less
// b.ResponseReserve and b.MarkReserve, is shared out:
//
//   - Records on their last delivery go first, so that running out of time hits records the queue
//     will deliver again.
//   - Each record runs under its own context deadline: an equal part of the time left for the
//     records not yet done (so time a fast record leaves is shared by the ones after it), but at
//     least b.MinRecord. A slow record (a held S3 read, a huge image) fails alone when its time is
//     up and cannot eat the reserve.
//   - A record is not started when less than b.MinRecord is left; it and every record after it
//     are reported as failures, and those on their last delivery are marked failed first
//     (images.Worker.Abandon), within the reserve.
//   - A record that fails on its last delivery is marked failed b.MarkReserve after its own
//     deadline at the latest, and never after the deadline less b.ResponseReserve.
func NewSQSHandlerWithBudget(w *images.Worker, maxReceiveCount int, log *slog.Logger, b BatchBudget) WorkerHandler {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		fail := func(it item) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: it.rec.MessageId})
		}
		items := make([]item, 0, len(ev.Records))
		for _, rec := range ev.Records {
			it := parseRecord(ctx, log, rec, maxReceiveCount)
			if it.err != nil {
				fail(it)
				continue
			}
			items = append(items, it)
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].at.Last() && !items[j].at.Last() })

		deadline, timed := ctx.Deadline()
		reserve := b.ResponseReserve + b.MarkReserve
		finishBy := deadline.Add(-b.ResponseReserve)
		for i, it := range items {
			left := time.Until(deadline) - reserve
			if ctx.Err() != nil || timed && left < b.MinRecord {
				for _, rest := range items[i:] {
					rest.log.WarnContext(ctx, "not enough of the invocation's time left to start the job; it will be delivered again", "left", left.String(), "minRecord", b.MinRecord.String())
					if timed {
						rest.at.FinishBy = finishBy
					}
					if _, err := abandon(ctx, w, rest); err != nil {
						fail(rest)
					}
				}
				break
			}
			budget := max(b.MinRecord, left/time.Duration(len(items)-i))
			if err := processRecord(ctx, w, it, timed, budget, b.MarkReserve, finishBy); err != nil {
				fail(it)
			}
		}
		return resp, nil
	}
}

// item is one record of a batch, parsed.
type item struct {
	rec events.SQSMessage
	job images.Job
	at  images.Attempt
	log *slog.Logger
	err error
}

func parseRecord(ctx context.Context, log *slog.Logger, rec events.SQSMessage, maxReceiveCount int) item {
	it := item{rec: rec, log: log.With("messageId", rec.MessageId)}
	job, err := images.ParseJob([]byte(rec.Body))
	if err != nil {
		it.log.ErrorContext(ctx, "message is not a job; it will end in the dead-letter queue", "err", err)
		it.err = err
		return it
	}
	count, err := strconv.Atoi(rec.Attributes["ApproximateReceiveCount"])
	if err != nil || count < 1 {
		// Without the count no attempt can be known to be the last; the image may stay
		// pending, but the message still ends in the dead-letter queue.
		it.log.WarnContext(ctx, "message has no valid ApproximateReceiveCount, taking it as the first delivery", "attribute", rec.Attributes["ApproximateReceiveCount"])
		count = 1
	}
	it.job, it.at = job, images.Attempt{ReceiveCount: count, MaxReceiveCount: maxReceiveCount}
	return it
}

// processRecord runs one job; with timed, under its own deadline of budget, recording a
// last-attempt failure by markReserve after that and never after finishBy.
func processRecord(ctx context.Context, w *images.Worker, it item, timed bool, budget, markReserve time.Duration, finishBy time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			it.log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	if timed {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
		recordDeadline, _ := ctx.Deadline()
		it.at.FinishBy = recordDeadline.Add(markReserve)
		if it.at.FinishBy.After(finishBy) {
			it.at.FinishBy = finishBy
		}
	}
	_, err = w.Process(ctx, it.job, it.at)
	return err
}

func abandon(ctx context.Context, w *images.Worker, it item) (_ images.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			it.log.ErrorContext(ctx, "abandoning the job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	return w.Abandon(ctx, it.job, it.at)
}
