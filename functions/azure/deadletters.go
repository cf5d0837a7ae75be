package azure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// Dead-letter scan bounds.
const (
	// DefaultScanEvery is the wait between two passes of the dead-letter scanner.
	DefaultScanEvery = 30 * time.Second
	// MinScanEvery is the shortest wait between two passes allowed: a pass is at least one
	// request to Service Bus.
	MinScanEvery = time.Second
	// PeekBatch is how many dead letters one PeekMessages asks for.
	PeekBatch = 100
	// PeekTimeout bounds one PeekMessages.
	PeekTimeout = 30 * time.Second
	// MarkTimeout bounds the marking of one dead-lettered job's image.
	MarkTimeout = 10 * time.Second
)

// Peeker is the part of *azservicebus.Receiver that the dead-letter scanner uses, on a receiver
// of the queue's dead-letter subqueue (ReceiverOptions.SubQueue: azservicebus.SubQueueDeadLetter).
// Peeking neither locks nor removes a message. No Service Bus emulator runs where the tests run,
// so the scanner is tested against a fake of this interface that returns the dead letters in
// sequence-number order from FromSequenceNumber on, as Service Bus's peek does.
type Peeker interface {
	PeekMessages(ctx context.Context, maxMessageCount int, options *azservicebus.PeekMessagesOptions) ([]*azservicebus.ReceivedMessage, error)
	Close(ctx context.Context) error
}

var _ Peeker = (*azservicebus.Receiver)(nil)

// DeadLetterConfig configures NewDeadLetterScanner.
type DeadLetterConfig struct {
	// Peeker peeks the queue's dead-letter subqueue.
	Peeker Peeker
	Worker *images.Worker
	// Every is the wait between two passes, at least MinScanEvery; 0 means DefaultScanEvery.
	Every  time.Duration
	Logger *slog.Logger
}

// DeadLetterScanner marks failed the images of the jobs Service Bus dead-lettered without a last
// attempt having run: every delivery of the job ended without the worker answering (the worker
// killed, out of memory, its lock running out each time) or the job expired unreceived
// (the queue dead-letters on expiry). Such an image would otherwise stay pending for ever, since
// only a failing last delivery marks it failed in the receive loop. See the package
// documentation.
//
// It only peeks: every dead letter stays in the subqueue, for inspection, redrive and the
// dead-letter alert, which counts them. A pass peeks from the sequence number after the last one
// it has handled, in sequence-number order, and calls images.Worker.DeadLettered (a conditional
// mark-failed: a done or already failed image is left alone) for each dead letter that is a job;
// one that is not is logged and passed over. A database error ends the pass at that dead letter,
// so that the next pass looks at it again. The position is kept in memory only: after a restart
// the scanner starts again from the beginning of the subqueue, looking at every dead letter once
// more, which marking's idempotence makes harmless (a database call per dead letter kept).
type DeadLetterScanner struct {
	cfg DeadLetterConfig
	log *slog.Logger
	// next is the sequence number the next pass peeks from; only Run's goroutine (or the caller
	// of Scan) touches it.
	next int64
}

// NewDeadLetterScanner returns the scanner of cfg; it does no I/O.
func NewDeadLetterScanner(cfg DeadLetterConfig) (*DeadLetterScanner, error) {
	var errs []error
	if cfg.Peeker == nil {
		errs = append(errs, errors.New("azure: DeadLetterConfig.Peeker is required"))
	}
	if cfg.Worker == nil {
		errs = append(errs, errors.New("azure: DeadLetterConfig.Worker is required"))
	}
	if cfg.Every != 0 && cfg.Every < MinScanEvery {
		errs = append(errs, fmt.Errorf("azure: DeadLetterConfig.Every must be 0 (%s) or at least %s, got %s", DefaultScanEvery, MinScanEvery, cfg.Every))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Every == 0 {
		cfg.Every = DefaultScanEvery
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &DeadLetterScanner{cfg: cfg, log: cfg.Logger.With("subqueue", "deadletter")}, nil
}

// Run scans at once, then every Every, until ctx ends (SIGTERM); it then closes the peeker and
// returns nil. A pass cut short by ctx's end changes nothing that a later start would miss. A
// failed pass is logged and the next one starts at the next turn; Run never gives up on its own.
func (s *DeadLetterScanner) Run(ctx context.Context) error {
	s.log.InfoContext(ctx, "scanning the dead letters", "every", s.cfg.Every.String())
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), SettleTimeout)
			defer cancel()
			if err := s.cfg.Peeker.Close(cctx); err != nil {
				s.log.Warn("cannot close the dead-letter receiver", "err", err)
			}
			s.log.Info("dead-letter scanner stopped")
			return nil
		case <-timer.C:
		}
		if _, err := s.Scan(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "dead-letter scan failed; the dead letters not yet handled are looked at again at the next pass", "err", err, "in", s.cfg.Every.String())
		}
		timer.Reset(s.cfg.Every)
	}
}

// ScanResult counts what one pass did.
type ScanResult struct {
	// Peeked is how many dead letters the pass looked at (its last one included, if it failed).
	Peeked int
	// Marked is how many images it marked failed.
	Marked int
	// Finished is how many jobs' images were already done or failed.
	Finished int
	// NotJobs is how many dead letters carried no job.
	NotJobs int
}

// Scan makes one pass: it peeks the dead letters from its position on, in batches of PeekBatch
// until a peek returns none, and handles each (see DeadLetterScanner). It returns what it did and
// the first error, a failed peek or a failed marking, which ends the pass; the position then stays
// at the dead letter not handled. Run calls it; it is not safe to call while Run runs.
func (s *DeadLetterScanner) Scan(ctx context.Context) (ScanResult, error) {
	var res ScanResult
	for {
		from := s.next
		pctx, cancel := context.WithTimeout(ctx, PeekTimeout)
		msgs, err := s.cfg.Peeker.PeekMessages(pctx, PeekBatch, &azservicebus.PeekMessagesOptions{FromSequenceNumber: &from})
		cancel()
		if err != nil {
			return res, fmt.Errorf("cannot peek the dead letters from sequence number %d: %w", from, err)
		}
		if len(msgs) == 0 {
			if res.Peeked > 0 {
				s.log.InfoContext(ctx, "dead letters scanned", "peeked", res.Peeked, "marked", res.Marked, "finished", res.Finished, "notJobs", res.NotJobs, "next", s.next)
			}
			return res, nil
		}
		for _, m := range msgs {
			if m.SequenceNumber == nil {
				// Service Bus numbers every message it stores; a peek without one is no
				// dead letter to go on from.
				return res, fmt.Errorf("a peeked dead letter (message id %q) has no sequence number", m.MessageID)
			}
			seq := *m.SequenceNumber
			if seq < s.next {
				// Not after the position: already handled (a peek gives nothing before
				// FromSequenceNumber, but the position must never move back).
				continue
			}
			res.Peeked++
			if err := s.handle(ctx, m, &res); err != nil {
				return res, err
			}
			s.next = seq + 1
		}
		if s.next == from {
			// Nothing after the position: do not ask again for the same dead letters.
			return res, nil
		}
	}
}

// handle marks the image of one dead letter failed if it is still pending; an error leaves the
// dead letter to the next pass.
func (s *DeadLetterScanner) handle(ctx context.Context, m *azservicebus.ReceivedMessage, res *ScanResult) error {
	log := s.log.With("messageId", m.MessageID, "sequenceNumber", *m.SequenceNumber, "deliveryCount", m.DeliveryCount)
	if m.DeadLetterReason != nil {
		log = log.With("deadLetterReason", *m.DeadLetterReason)
	}
	job, err := images.ParseJob(m.Body)
	if err != nil {
		// Nothing names an image; the dead letter stays for inspection.
		res.NotJobs++
		log.WarnContext(ctx, "dead letter carries no job; passed over, kept in the dead-letter queue", "err", err)
		return nil
	}
	log = log.With("id", job.ID)
	mctx, cancel := context.WithTimeout(ctx, MarkTimeout)
	defer cancel()
	r, err := s.cfg.Worker.DeadLettered(mctx, job)
	if err != nil {
		return fmt.Errorf("dead letter at sequence number %d (message id %q): %w", *m.SequenceNumber, m.MessageID, err)
	}
	switch r {
	case images.ResultMarkedFailed:
		res.Marked++
		log.ErrorContext(ctx, "job dead-lettered without a last attempt, image marked failed")
	default:
		res.Finished++
	}
	return nil
}
