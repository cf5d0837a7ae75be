package azure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// Receive loop bounds.
const (
	// JobTimeout bounds the processing of one message, as the other workers' JobTimeout does.
	// It is longer than Service Bus's default lock duration (1 minute), so locks are renewed.
	JobTimeout = 2 * time.Minute
	// DefaultConcurrency is how many messages a loop holds and processes at once: the
	// database pool's default size (DB_MAX_CONNS), so that no job waits for a connection.
	DefaultConcurrency = 2
	// SettleTimeout bounds one Complete or Abandon.
	SettleTimeout = 10 * time.Second
	// MinRenewEvery and DefaultRenewEvery bound the wait between two lock renewals: half of
	// the time the lock has left, at least MinRenewEvery; DefaultRenewEvery when the message
	// says nothing of its lock.
	MinRenewEvery     = 100 * time.Millisecond
	DefaultRenewEvery = 10 * time.Second
	// MaxReceiveBackoff caps the wait after a failed receive (it starts at 1 s and doubles).
	MaxReceiveBackoff = 30 * time.Second
)

// Receiver is the part of *azservicebus.Receiver (in peek-lock mode) that the loop uses. No
// Service Bus emulator runs where the tests run, so the loop is tested against a fake of this
// interface that models locks, delivery counts and maxDeliveryCount.
type Receiver interface {
	ReceiveMessages(ctx context.Context, maxMessages int, options *azservicebus.ReceiveMessagesOptions) ([]*azservicebus.ReceivedMessage, error)
	CompleteMessage(ctx context.Context, message *azservicebus.ReceivedMessage, options *azservicebus.CompleteMessageOptions) error
	AbandonMessage(ctx context.Context, message *azservicebus.ReceivedMessage, options *azservicebus.AbandonMessageOptions) error
	RenewMessageLock(ctx context.Context, message *azservicebus.ReceivedMessage, options *azservicebus.RenewMessageLockOptions) error
	Close(ctx context.Context) error
}

var _ Receiver = (*azservicebus.Receiver)(nil)

// LoopConfig configures NewLoop.
type LoopConfig struct {
	Receiver Receiver
	Worker   *images.Worker
	// MaxDeliveryCount is the queue's maxDeliveryCount (nimbus queue.maxReceiveCount): the
	// delivery whose DeliveryCount reaches it is the last, and a job failing on it marks its
	// image failed before the message is abandoned into the dead-letter queue.
	MaxDeliveryCount int
	// Concurrency is how many messages are processed at once; 0 means DefaultConcurrency.
	Concurrency int
	// Grace is how long the jobs in flight may go on after the loop is stopped; then they are
	// cancelled, and their messages abandoned (or, on the last delivery, their images marked
	// failed). 0 cancels them at once.
	Grace time.Duration
	// JobTimeout bounds one message's processing; 0 means JobTimeout.
	JobTimeout time.Duration
	Logger     *slog.Logger
}

// Loop receives jobs from a Service Bus queue and processes them; see the package
// documentation.
type Loop struct {
	cfg LoopConfig
	log *slog.Logger
}

// NewLoop returns the receive loop of cfg; it does no I/O.
func NewLoop(cfg LoopConfig) (*Loop, error) {
	var errs []error
	if cfg.Receiver == nil {
		errs = append(errs, errors.New("azure: LoopConfig.Receiver is required"))
	}
	if cfg.Worker == nil {
		errs = append(errs, errors.New("azure: LoopConfig.Worker is required"))
	}
	if cfg.MaxDeliveryCount < 1 {
		errs = append(errs, fmt.Errorf("azure: LoopConfig.MaxDeliveryCount must be the queue's maxDeliveryCount, at least 1, got %d", cfg.MaxDeliveryCount))
	}
	if cfg.Concurrency < 0 || cfg.Grace < 0 || cfg.JobTimeout < 0 {
		errs = append(errs, fmt.Errorf("azure: LoopConfig.Concurrency, Grace and JobTimeout must not be negative, got %d, %s and %s", cfg.Concurrency, cfg.Grace, cfg.JobTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.JobTimeout == 0 {
		cfg.JobTimeout = JobTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Loop{cfg: cfg, log: cfg.Logger}, nil
}

// Run receives until ctx ends (SIGTERM: KEDA scales the app in), then stops receiving, lets
// the jobs in flight finish for up to Grace, cancels the rest (their messages are abandoned),
// closes the receiver and returns nil. Every message it received is settled by then: completed
// only after its job committed (or its record was already finished), abandoned otherwise. A
// failed receive is logged and retried after a backoff; Run never gives up on its own.
func (l *Loop) Run(ctx context.Context) error {
	// Jobs run under their own context, which ends Grace after ctx does.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	slots := make(chan struct{}, l.cfg.Concurrency)
	var wg sync.WaitGroup
	backoff := time.Second
	l.log.InfoContext(ctx, "receiving jobs", "concurrency", l.cfg.Concurrency, "maxDeliveryCount", l.cfg.MaxDeliveryCount)
	for ctx.Err() == nil {
		// Wait for a free slot, then ask for as many messages as there are free slots, so the
		// loop never holds a message it cannot start (its lock would run out unused).
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		free := 1
	fill:
		for free < l.cfg.Concurrency {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		msgs, err := l.cfg.Receiver.ReceiveMessages(ctx, free, nil)
		for i := len(msgs); i < free; i++ {
			<-slots
		}
		if err != nil && ctx.Err() == nil {
			l.log.ErrorContext(ctx, "cannot receive from the queue; trying again", "err", err, "in", backoff.String())
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, MaxReceiveBackoff)
		} else if err == nil {
			backoff = time.Second
		}
		// Even a message received as the loop is stopped is started: it is a job in flight,
		// finished within Grace or cancelled and abandoned like the others.
		for _, m := range msgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				l.handle(jobCtx, m)
			}()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if n := len(slots); n == 0 {
		<-done
	} else {
		l.log.Info("stopping: letting the jobs in flight finish", "jobs", n, "grace", l.cfg.Grace.String())
		timer := time.NewTimer(l.cfg.Grace)
		select {
		case <-done:
			timer.Stop()
		case <-timer.C:
			l.log.Warn("shutdown grace over: cancelling the jobs in flight; their messages are abandoned")
			cancelJobs()
			<-done
		}
	}
	cctx, cancel := context.WithTimeout(context.Background(), SettleTimeout)
	defer cancel()
	if err := l.cfg.Receiver.Close(cctx); err != nil {
		l.log.Warn("cannot close the receiver", "err", err)
	}
	l.log.Info("receive loop stopped; every message held was settled")
	return nil
}

func (l *Loop) attempt(m *azservicebus.ReceivedMessage) images.Attempt {
	n := int(m.DeliveryCount)
	if n < 1 {
		n = 1 // as on SQS, a missing count is the first delivery
	}
	return images.Attempt{ReceiveCount: n, MaxReceiveCount: l.cfg.MaxDeliveryCount}
}

func (l *Loop) msgLog(m *azservicebus.ReceivedMessage) *slog.Logger {
	return l.log.With("messageId", m.MessageID, "deliveryCount", m.DeliveryCount)
}

// handle processes one message and settles it: complete once the job committed (or its
// record was already finished), abandon otherwise, so that Service Bus redelivers it or, past
// maxDeliveryCount, dead-letters it. Its lock is renewed while the job runs.
func (l *Loop) handle(ctx context.Context, m *azservicebus.ReceivedMessage) {
	log := l.msgLog(m)
	job, err := images.ParseJob(m.Body)
	if err != nil {
		// Redelivered until maxDeliveryCount, each refused at once, then dead-lettered
		// intact for inspection (see doc.go).
		log.ErrorContext(ctx, "message carries no job; abandoned, Service Bus dead-letters it after its deliveries", "err", err)
		l.abandon(ctx, log, m)
		return
	}
	log = log.With("id", job.ID)
	jctx, cancel := context.WithTimeout(ctx, l.cfg.JobTimeout)
	stopRenew := l.renew(jctx, log, m)
	res, err := l.process(jctx, log, job, l.attempt(m))
	stopRenew()
	cancel()
	if err != nil {
		// Not completed: redelivered, or after the last delivery (the record then marked
		// failed by Process) dead-lettered.
		log.WarnContext(ctx, "job failed; abandoning its message", "result", string(res), "err", err)
		l.abandon(ctx, log, m)
		return
	}
	l.complete(ctx, log, m)
}

func (l *Loop) process(ctx context.Context, log *slog.Logger, job images.Job, at images.Attempt) (res images.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			res, err = images.ResultRetry, fmt.Errorf("job panicked: %v", p)
		}
	}()
	return l.cfg.Worker.Process(ctx, job, at)
}

// renew keeps m's lock until the returned stop is called: it renews when half of the lock's
// remaining time has passed. A renewal that fails is logged and tried again at the next turn;
// a lost lock is not fatal to the job (its message is redelivered and the record's conditional
// transitions make the redelivery a no-op once the job committed).
func (l *Loop) renew(ctx context.Context, log *slog.Logger, m *azservicebus.ReceivedMessage) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			every := DefaultRenewEvery
			if m.LockedUntil != nil {
				every = max(time.Until(*m.LockedUntil)/2, MinRenewEvery)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
			rctx, rcancel := context.WithTimeout(ctx, SettleTimeout)
			err := l.cfg.Receiver.RenewMessageLock(rctx, m, nil)
			rcancel()
			if err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "cannot renew the message's lock", "err", err)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (l *Loop) complete(ctx context.Context, log *slog.Logger, m *azservicebus.ReceivedMessage) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), SettleTimeout)
	defer cancel()
	if err := l.cfg.Receiver.CompleteMessage(sctx, m, nil); err != nil {
		// The job is committed; the redelivery finds the record finished and completes it.
		log.WarnContext(ctx, "cannot complete the message of a finished job; it will be redelivered and completed without work", "err", err)
	}
}

func (l *Loop) abandon(ctx context.Context, log *slog.Logger, m *azservicebus.ReceivedMessage) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), SettleTimeout)
	defer cancel()
	if err := l.cfg.Receiver.AbandonMessage(sctx, m, nil); err != nil {
		// Its lock runs out and Service Bus redelivers it all the same.
		log.WarnContext(ctx, "cannot abandon the message; it is redelivered when its lock expires", "err", err)
	}
}
