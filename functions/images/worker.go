package images

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrMalformedJob is wrapped by ParseJob's errors: the message is not a job and no
// number of retries will make it one.
var ErrMalformedJob = errors.New("malformed job")

// ParseJob decodes a queue message body of the form {"id":"<uuid>","key":"originals/<uuid>"}.
func ParseJob(body []byte) (Job, error) {
	var j Job
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&j); err != nil {
		return Job{}, fmt.Errorf("%w: %q is not JSON {\"id\",\"key\"}: %w", ErrMalformedJob, truncate(string(body), 100), err)
	}
	if dec.More() {
		return Job{}, fmt.Errorf("%w: %q has data after the JSON object", ErrMalformedJob, truncate(string(body), 100))
	}
	id, err := ParseID(j.ID)
	if err != nil {
		return Job{}, fmt.Errorf("%w: %w", ErrMalformedJob, err)
	}
	if j.Key != OriginalKey(id) {
		return Job{}, fmt.Errorf("%w: key %q must be %q", ErrMalformedJob, truncate(j.Key, 100), OriginalKey(id))
	}
	return Job{ID: id, Key: j.Key}, nil
}

// Attempt says which delivery of a message this is.
type Attempt struct {
	// ReceiveCount is how many times the queue has delivered the message, this time
	// included (SQS's ApproximateReceiveCount); 1 on the first delivery.
	ReceiveCount int
	// MaxReceiveCount is the number of deliveries after which the queue moves the
	// message to its dead-letter queue.
	MaxReceiveCount int
	// FinishBy, when set, is the latest time by which a failure on the last attempt must
	// be recorded: the platform ends the delivery then. Zero allows 5 s after the work
	// ends. The work itself is bounded by the context given to Process.
	FinishBy time.Time
}

// Last reports whether no delivery will follow this one.
func (a Attempt) Last() bool { return a.ReceiveCount >= a.MaxReceiveCount }

// Result says what Process did.
type Result string

// The results of Process.
const (
	// ResultDone: the thumbnail is stored and the record marked done.
	ResultDone Result = "done"
	// ResultAlreadyFinished: the record was not pending; nothing was done.
	ResultAlreadyFinished Result = "already-finished"
	// ResultRetry: processing failed and the message should be delivered again.
	ResultRetry Result = "retry"
	// ResultMarkedFailed: processing failed on the last attempt; the record is now
	// failed and the message goes to the dead-letter queue.
	ResultMarkedFailed Result = "marked-failed"
)

// WorkerConfig holds what NewWorker needs.
type WorkerConfig struct {
	Blobs BlobStore
	Meta  MetadataStore
	// MaxPixels bounds width*height of originals; 0 means DefaultMaxPixels.
	MaxPixels int64
	// Logger gets one line per job; nil means slog.Default().
	Logger *slog.Logger
}

// Worker processes jobs; it is safe for concurrent use.
type Worker struct {
	blobs     BlobStore
	meta      MetadataStore
	maxPixels int64
	log       *slog.Logger
}

// NewWorker returns a Worker.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	var errs []error
	if cfg.Blobs == nil {
		errs = append(errs, errors.New("images: WorkerConfig.Blobs is required"))
	}
	if cfg.Meta == nil {
		errs = append(errs, errors.New("images: WorkerConfig.Meta is required"))
	}
	if cfg.MaxPixels < 0 {
		errs = append(errs, fmt.Errorf("images: WorkerConfig.MaxPixels must be 0 (default) or positive, got %d", cfg.MaxPixels))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	w := &Worker{blobs: cfg.Blobs, meta: cfg.Meta, maxPixels: cfg.MaxPixels, log: cfg.Logger}
	if w.maxPixels == 0 {
		w.maxPixels = DefaultMaxPixels
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	return w, nil
}

// Process handles one delivery of a job. A non-nil error means the message must not be
// acknowledged, so that the queue delivers it again or, after its last attempt, moves
// it to the dead-letter queue.
func (w *Worker) Process(ctx context.Context, job Job, at Attempt) (Result, error) {
	log := w.log.With("id", job.ID, "receiveCount", at.ReceiveCount, "maxReceiveCount", at.MaxReceiveCount)
	img, err := w.meta.Get(ctx, job.ID)
	if err != nil {
		// Without a record there is nothing to mark failed; the message still goes to
		// the dead-letter queue after its last attempt, where it can be inspected.
		log.ErrorContext(ctx, "cannot read image record", "err", err)
		return ResultRetry, fmt.Errorf("cannot read record of image %q: %w", job.ID, err)
	}
	if img.Status != StatusPending {
		log.InfoContext(ctx, "image already finished, acknowledging without work", "status", img.Status)
		return ResultAlreadyFinished, nil
	}

	transitioned, err := w.thumbnail(ctx, job)
	if err != nil {
		return w.fail(ctx, log, job, at, err)
	}
	if !transitioned {
		log.InfoContext(ctx, "image finished by another delivery meanwhile")
		return ResultAlreadyFinished, nil
	}
	log.InfoContext(ctx, "thumbnail stored", "thumbnailKey", ThumbnailKey(job.ID))
	return ResultDone, nil
}

func (w *Worker) thumbnail(ctx context.Context, job Job) (bool, error) {
	original, err := w.blobs.Get(ctx, job.Key)
	if err != nil {
		return false, fmt.Errorf("cannot load original %q: %w", job.Key, err)
	}
	thumb, err := w.makeThumbnail(ctx, original)
	if err != nil {
		return false, fmt.Errorf("cannot make thumbnail of %q: %w", job.Key, err)
	}
	key := ThumbnailKey(job.ID)
	if err := w.blobs.Put(ctx, key, thumb, TypeJPEG); err != nil {
		return false, fmt.Errorf("cannot store thumbnail %q: %w", key, err)
	}
	ok, err := w.meta.MarkDone(ctx, job.ID, key)
	if err != nil {
		return false, fmt.Errorf("cannot mark image %q done: %w", job.ID, err)
	}
	return ok, nil
}

// makeThumbnail runs Thumbnail, which is CPU work that cannot be interrupted, so that ctx
// still bounds the job: when ctx ends first the job fails with ctx's error and the result,
// when it comes, is dropped.
func (w *Worker) makeThumbnail(ctx context.Context, original []byte) ([]byte, error) {
	type result struct {
		thumb []byte
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("thumbnailing panicked: %v", p)}
			}
		}()
		thumb, err := Thumbnail(original, ThumbnailMaxSide, w.maxPixels)
		done <- result{thumb, err}
	}()
	select {
	case r := <-done:
		return r.thumb, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("thumbnailing did not finish in time: %w", ctx.Err())
	}
}

// Abandon handles a delivery that the platform gives no time to process (the invocation's
// deadline is too close to start it). The message is not acknowledged, so that the queue
// delivers it again; on the last attempt the record is first marked failed, so that it does
// not stay pending while the message moves to the dead-letter queue. A record that is no
// longer pending is acknowledged.
func (w *Worker) Abandon(ctx context.Context, job Job, at Attempt) (Result, error) {
	log := w.log.With("id", job.ID, "receiveCount", at.ReceiveCount, "maxReceiveCount", at.MaxReceiveCount)
	cause := errors.New("not started: too little of the invocation's time was left")
	if !at.Last() {
		log.WarnContext(ctx, "no time left to process the job, the queue will retry")
		return ResultRetry, cause
	}
	reason := fmt.Sprintf("the image could not be processed in time after %d attempts", at.ReceiveCount)
	detached, cancel := w.finishing(ctx, at)
	defer cancel()
	marked, err := w.meta.MarkFailed(detached, job.ID, reason)
	if err != nil {
		log.ErrorContext(ctx, "last attempt not started and the record cannot be marked failed", "err", err)
		return ResultRetry, errors.Join(cause, fmt.Errorf("cannot mark image %q failed: %w", job.ID, err))
	}
	if !marked {
		img, err := w.meta.Get(detached, job.ID)
		if err == nil && img.Status != StatusPending {
			log.InfoContext(ctx, "image already finished, acknowledging without work", "status", img.Status)
			return ResultAlreadyFinished, nil
		}
		log.ErrorContext(ctx, "last attempt not started and no pending record was marked failed; the message goes to the dead-letter queue", "err", err)
		return ResultRetry, cause
	}
	log.ErrorContext(ctx, "last attempt not started, image marked failed; the message goes to the dead-letter queue")
	return ResultMarkedFailed, cause
}

// DeadLettered handles a job the queue has dead-lettered without the worker seeing its last
// attempt (every delivery failed before the worker could answer: it was unreachable, or timed
// out): the record is marked failed if it is still pending. ResultMarkedFailed when marked,
// ResultAlreadyFinished when the record is not pending (a worker's last attempt marked it, or it
// is done); an error, to be retried, when the store cannot be reached.
func (w *Worker) DeadLettered(ctx context.Context, job Job) (Result, error) {
	marked, err := w.meta.MarkFailed(ctx, job.ID, "the image could not be processed: every delivery of its job failed")
	if err != nil {
		return ResultRetry, fmt.Errorf("cannot mark dead-lettered image %q failed: %w", job.ID, err)
	}
	if !marked {
		return ResultAlreadyFinished, nil
	}
	return ResultMarkedFailed, nil
}

// finishing returns the context for recording a last-attempt failure: detached from ctx,
// which may already be done, and bounded by at.FinishBy (or detachedTimeout).
func (w *Worker) finishing(ctx context.Context, at Attempt) (context.Context, context.CancelFunc) {
	detached := context.WithoutCancel(ctx)
	by := time.Now().Add(detachedTimeout)
	if !at.FinishBy.IsZero() && at.FinishBy.Before(by) {
		by = at.FinishBy
	}
	return context.WithDeadline(detached, by)
}

func (w *Worker) fail(ctx context.Context, log *slog.Logger, job Job, at Attempt, cause error) (Result, error) {
	if !at.Last() {
		log.WarnContext(ctx, "processing failed, the queue will retry", "err", cause)
		return ResultRetry, cause
	}
	reason := fmt.Sprintf("the image could not be processed after %d attempts", at.ReceiveCount)
	if errors.Is(cause, ErrUndecodable) {
		reason = "the image could not be decoded as JPEG, PNG or GIF (or is over the size limit)"
	}
	// The record must tell the truth even when the job ran out of time.
	detached, cancel := w.finishing(ctx, at)
	defer cancel()
	if _, err := w.meta.MarkFailed(detached, job.ID, reason); err != nil {
		log.ErrorContext(ctx, "last attempt failed and the record cannot be marked failed", "err", err, "cause", cause)
		return ResultRetry, errors.Join(cause, fmt.Errorf("cannot mark image %q failed: %w", job.ID, err))
	}
	log.ErrorContext(ctx, "last attempt failed, image marked failed; the message goes to the dead-letter queue", "err", cause)
	return ResultMarkedFailed, cause
}
