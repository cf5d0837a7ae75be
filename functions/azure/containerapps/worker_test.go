package containerapps_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/azure"
	"github.com/nimbus-iac/nimbus/functions/azure/containerapps"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/knative"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// emptyQueue is a Service Bus queue with nothing to receive (no Service Bus emulator runs
// here): a receive waits for its context's end.
type emptyQueue struct {
	mu       sync.Mutex
	receives int
	closed   bool
}

var _ azure.Receiver = (*emptyQueue)(nil)

func (q *emptyQueue) ReceiveMessages(ctx context.Context, _ int, _ *azservicebus.ReceiveMessagesOptions) ([]*azservicebus.ReceivedMessage, error) {
	q.mu.Lock()
	q.receives++
	q.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

func (q *emptyQueue) CompleteMessage(context.Context, *azservicebus.ReceivedMessage, *azservicebus.CompleteMessageOptions) error {
	return errors.New("fake: nothing was received")
}

func (q *emptyQueue) AbandonMessage(context.Context, *azservicebus.ReceivedMessage, *azservicebus.AbandonMessageOptions) error {
	return errors.New("fake: nothing was received")
}

func (q *emptyQueue) RenewMessageLock(context.Context, *azservicebus.ReceivedMessage, *azservicebus.RenewMessageLockOptions) error {
	return errors.New("fake: nothing was received")
}

func (q *emptyQueue) Close(context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	return nil
}

// deadLetters is a dead-letter subqueue as a peek sees it: its dead letters in sequence-number
// order from FromSequenceNumber on; nothing is ever removed. It records where each peek started.
type deadLetters struct {
	mu     sync.Mutex
	dead   []*azservicebus.ReceivedMessage
	peeks  []int64
	closed bool
}

var _ azure.Peeker = (*deadLetters)(nil)

func (d *deadLetters) PeekMessages(_ context.Context, max int, opts *azservicebus.PeekMessagesOptions) ([]*azservicebus.ReceivedMessage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	from := *opts.FromSequenceNumber
	d.peeks = append(d.peeks, from)
	var out []*azservicebus.ReceivedMessage
	for _, m := range d.dead {
		if *m.SequenceNumber >= from && len(out) < max {
			c := *m
			out = append(out, &c)
		}
	}
	return out, nil
}

func (d *deadLetters) Close(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

func (d *deadLetters) peekedFrom(seq int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.peeks {
		if p >= seq {
			return true
		}
	}
	return false
}

// TestWorkerMarksDeadLettered: the worker Container Apps runs (the receive loop and the
// dead-letter scanner, composed by Worker) marks failed the image of a job Service Bus
// dead-lettered without a last attempt, leaves a done image done, removes no dead letter, and on
// SIGTERM stops both and closes both receivers. The records are in the real PostgreSQL.
func TestWorkerMarksDeadLettered(t *testing.T) {
	pg := testenv.StartPostgres(t)
	url := pg.URL("postgres")
	pool := postgres.NewPool(func(context.Context) (*pgxpool.Config, error) { return pgxpool.ParseConfig(url) })
	t.Cleanup(pool.Close)
	ctx := context.Background()
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	meta := postgres.NewStore(pool)
	ids := map[string]string{}
	for _, name := range []string{"pending", "done"} {
		id := images.NewID()
		ids[name] = id
		if err := meta.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: "image/png", SizeBytes: 10}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := meta.MarkDone(ctx, ids["done"], images.ThumbnailKey(ids["done"])); err != nil || !ok {
		t.Fatalf("MarkDone: %v, %v", ok, err)
	}
	dl := &deadLetters{}
	for i, name := range []string{"pending", "done"} {
		msg, err := azure.JobMessage(images.Job{ID: ids[name], Key: images.OriginalKey(ids[name])})
		if err != nil {
			t.Fatal(err)
		}
		seq := int64(i + 1)
		dl.dead = append(dl.dead, &azservicebus.ReceivedMessage{MessageID: ids[name], Body: msg.Body, SequenceNumber: &seq, DeliveryCount: 5})
	}
	w, err := images.NewWorker(images.WorkerConfig{Blobs: &imagestest.Blobs{}, Meta: meta, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	q := &emptyQueue{}
	env := knative.Env{Push: knative.PushEnv{Delivery: knative.DeliveryServiceBus, MaxReceiveCount: 5}, DB: knative.DBEnv{MaxConns: 2}, ShutdownGrace: 6 * time.Second}
	r, err := containerapps.Worker(q, dl, w, env, azure.MinScanEvery, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	// A pass that peeked past both dead letters has handled both.
	deadline := time.Now().Add(20 * time.Second)
	for !dl.peekedFrom(3) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the scanner to pass both dead letters")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop() // SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the worker did not stop")
	}
	got := map[string]string{}
	for name, id := range ids {
		img, err := meta.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = string(img.Status)
	}
	if diff := cmp.Diff(map[string]string{"pending": "failed", "done": "done"}, got); diff != "" {
		t.Errorf("records: -want +got:\n%s", diff)
	}
	q.mu.Lock()
	receives, qClosed := q.receives, q.closed
	q.mu.Unlock()
	dl.mu.Lock()
	left, dlClosed := len(dl.dead), dl.closed
	dl.mu.Unlock()
	if receives == 0 || !qClosed || !dlClosed {
		t.Errorf("receive loop: %d receives, closed %v; dead-letter receiver closed %v; want the loop to have received and both closed", receives, qClosed, dlClosed)
	}
	if left != 2 {
		t.Errorf("%d dead letters left, want both", left)
	}
}

// TestWorkerWithoutScanner: no dead-letter receiver, or a scan of 0, is the receive loop alone.
func TestWorkerWithoutScanner(t *testing.T) {
	t.Parallel()
	w, err := images.NewWorker(images.WorkerConfig{Blobs: &imagestest.Blobs{}, Meta: &imagestest.Meta{}})
	if err != nil {
		t.Fatal(err)
	}
	env := knative.Env{Push: knative.PushEnv{MaxReceiveCount: 5}}
	for name, tc := range map[string]struct {
		reason string
		dl     azure.Peeker
		scan   time.Duration
		want   string
	}{
		"scanner":     {reason: "both, side by side", dl: &deadLetters{}, scan: time.Second, want: "containerapps.Receivers"},
		"scan off":    {reason: "JOBS_DEADLETTER_SCAN=0", dl: &deadLetters{}, scan: 0, want: "*azure.Loop"},
		"no receiver": {reason: "no dead-letter receiver", dl: nil, scan: time.Second, want: "*azure.Loop"},
	} {
		r, err := containerapps.Worker(&emptyQueue{}, tc.dl, w, env, tc.scan, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := typeName(r); got != tc.want {
			t.Errorf("%s (%s): %s, want %s", name, tc.reason, got, tc.want)
		}
	}
}

func typeName(r knative.Receiver) string {
	switch r.(type) {
	case *azure.Loop:
		return "*azure.Loop"
	case containerapps.Receivers:
		return "containerapps.Receivers"
	}
	return "something else"
}

// TestDeadLetterScanEnv: JOBS_DEADLETTER_SCAN is read when the worker server is built, a bad
// value refused naming the variable.
func TestDeadLetterScanEnv(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		value   string
		want    time.Duration
		wantErr string
	}{
		"unset":      {value: "", want: 30 * time.Second},
		"set":        {value: "2m", want: 2 * time.Minute},
		"off":        {value: "0", want: 0},
		"too often":  {value: "10ms", wantErr: `JOBS_DEADLETTER_SCAN must be a Go duration of at least 1s such as 30s, or 0 (no dead-letter scan), got "10ms"`},
		"negative":   {value: "-1s", wantErr: `got "-1s"`},
		"not a time": {value: "30", wantErr: `got "30"`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			getenv := with("JOBS_DELIVERY", "servicebus", "JOBS_MAX_RECEIVE_COUNT", "10", "JOBS_DEADLETTER_SCAN", tc.value)
			got, err := containerapps.DeadLetterScan(getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("DeadLetterScan: %v, want an error saying %q", err, tc.wantErr)
				}
				// The worker server refuses it too, without I/O.
				cred := &countingCredential{}
				if _, err := knative.NewWorkerServer(getenv, containerapps.PlatformEnv(cred, getenv)); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("NewWorkerServer: %v, want an error saying %q", err, tc.wantErr)
				}
				if cred.calls != 0 {
					t.Errorf("building the server asked for %d tokens, want none", cred.calls)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("DeadLetterScan: %s, %v; want %s", got, err, tc.want)
			}
			srv, err := knative.NewWorkerServer(getenv, containerapps.PlatformEnv(&countingCredential{}, getenv))
			if err != nil {
				t.Fatal(err)
			}
			want := "containerapps.Receivers"
			if tc.want == 0 {
				want = "*azure.Loop"
			}
			if got := typeName(srv.Receiver); got != want {
				t.Errorf("the worker's receiver is %s, want %s", got, want)
			}
		})
	}
}

// receiverFunc is a knative.Receiver.
type receiverFunc func(ctx context.Context) error

func (f receiverFunc) Run(ctx context.Context) error { return f(ctx) }

// TestReceivers: Run returns once every receiver has returned; the end of ctx stops them all
// (nil); one stopping by itself stops the others, and Run names it.
func TestReceivers(t *testing.T) {
	t.Parallel()
	untilDone := func(stopped *bool, mu *sync.Mutex) receiverFunc {
		return func(ctx context.Context) error {
			<-ctx.Done()
			mu.Lock()
			*stopped = true
			mu.Unlock()
			return nil
		}
	}
	for name, tc := range map[string]struct {
		reason  string
		other   func(ctx context.Context) error
		cancel  bool
		wantErr string
	}{
		"stopped":          {reason: "SIGTERM stops both", other: func(ctx context.Context) error { <-ctx.Done(); return nil }, cancel: true},
		"ended by itself":  {reason: "one returning nil early stops the other", other: func(context.Context) error { return nil }, wantErr: "the scanner stopped by itself"},
		"failed by itself": {reason: "one failing stops the other", other: func(context.Context) error { return errors.New("boom") }, wantErr: "scanner: boom"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var stopped bool
			rs := containerapps.Receivers{"loop": untilDone(&stopped, &mu), "scanner": receiverFunc(tc.other)}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- rs.Run(ctx) }()
			if tc.cancel {
				cancel()
			}
			select {
			case err := <-done:
				if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
					t.Errorf("%s: Run: %v, want %q", tc.reason, err, tc.wantErr)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s: Run did not return", tc.reason)
			}
			mu.Lock()
			defer mu.Unlock()
			if !stopped {
				t.Errorf("%s: Run returned before the loop had stopped", tc.reason)
			}
		})
	}
}
