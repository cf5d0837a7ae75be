package awsadapter_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// panicky is a blob store whose reads of one key panic.
type panicky struct {
	*imagestest.Blobs
	key string
}

func (p panicky) Get(ctx context.Context, key string) ([]byte, error) {
	if key == p.key {
		panic("decoder bug")
	}
	return p.Blobs.Get(ctx, key)
}

func jobBody(id string) string {
	return `{"id":"` + id + `","key":"originals/` + id + `"}`
}

func record(msgID, body string, receiveCount string) events.SQSMessage {
	attrs := map[string]string{"SentTimestamp": "1520621625029", "SenderId": "AROAIWPX5BD2BHG722MW4:sender", "ApproximateFirstReceiveTimestamp": "1520621634884"}
	if receiveCount != "" {
		attrs["ApproximateReceiveCount"] = receiveCount
	}
	return events.SQSMessage{MessageId: msgID, ReceiptHandle: "rh-" + msgID, Body: body, Attributes: attrs,
		EventSource: "aws:sqs", EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:jobs", AWSRegion: "us-east-1"}
}

func TestSQSHandler(t *testing.T) {
	t.Parallel()
	var (
		good    = images.NewID()
		corrupt = images.NewID()
		boom    = images.NewID()
		done    = images.NewID()
		noCount = images.NewID()
	)
	type want struct {
		failures []string
		statuses map[string]images.Status
	}
	cases := map[string]struct {
		reason  string
		records []events.SQSMessage
		ctx     func() context.Context
		want    want
	}{
		"MixedBatch": {
			reason: "Only the poison, undecodable and panicking messages fail; the others are acknowledged.",
			records: []events.SQSMessage{
				record("m-poison", "not json at all", "1"),
				record("m-good", jobBody(good), "1"),
				record("m-corrupt", jobBody(corrupt), "1"),
				record("m-panic", jobBody(boom), "1"),
				record("m-done", jobBody(done), "4"),
				record("m-wrongkey", `{"id":"`+good+`","key":"originals/../secrets"}`, "1"),
			},
			want: want{failures: []string{"m-poison", "m-corrupt", "m-panic", "m-wrongkey"},
				statuses: map[string]images.Status{good: "done", corrupt: "pending", boom: "pending", done: "done", noCount: "pending"}},
		},
		"LastAttempt": {
			reason:  "At the queue's maximum receive count an undecodable image is marked failed, and the message still fails.",
			records: []events.SQSMessage{record("m-corrupt", jobBody(corrupt), "3")},
			want:    want{failures: []string{"m-corrupt"}, statuses: map[string]images.Status{good: "pending", corrupt: "failed", boom: "pending", done: "done", noCount: "pending"}},
		},
		"MissingReceiveCount": {
			reason:  "Without ApproximateReceiveCount the delivery counts as the first: it fails but does not mark the image failed.",
			records: []events.SQSMessage{record("m-nocount", jobBody(noCount), "")},
			want:    want{failures: []string{"m-nocount"}, statuses: map[string]images.Status{good: "pending", corrupt: "pending", boom: "pending", done: "done", noCount: "pending"}},
		},
		"OutOfTime": {
			reason:  "Records left when the invocation's context is done fail without being processed.",
			records: []events.SQSMessage{record("m-good", jobBody(good), "1")},
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			want: want{failures: []string{"m-good"}, statuses: map[string]images.Status{good: "pending", corrupt: "pending", boom: "pending", done: "done", noCount: "pending"}},
		},
		"Empty": {
			reason: "An empty batch fails nothing.",
			want:   want{statuses: map[string]images.Status{good: "pending", corrupt: "pending", boom: "pending", done: "done", noCount: "pending"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blobs, meta := &imagestest.Blobs{}, &imagestest.Meta{}
			ctx := context.Background()
			_ = blobs.Put(ctx, images.OriginalKey(good), imagestest.PNG(10, 10), images.TypePNG)
			_ = blobs.Put(ctx, images.OriginalKey(corrupt), imagestest.CorruptPNG(), images.TypePNG)
			_ = blobs.Put(ctx, images.OriginalKey(noCount), imagestest.CorruptPNG(), images.TypePNG)
			for _, id := range []string{good, corrupt, boom, noCount} {
				meta.Put(images.Image{ID: id, Status: images.StatusPending})
			}
			meta.Put(images.Image{ID: done, Status: images.StatusDone})
			w, err := images.NewWorker(images.WorkerConfig{Blobs: panicky{Blobs: blobs, key: images.OriginalKey(boom)}, Meta: meta, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctx != nil {
				ctx = tc.ctx()
			}
			var resp events.SQSEventResponse
			// Through the Lambda handler wrapper, as the runtime calls it.
			err = testenv.Invoke(ctx, awsadapter.NewSQSHandler(w, 3, quiet), events.SQSEvent{Records: tc.records}, &resp)
			if err != nil {
				t.Fatalf("the handler returned an error, which would retry the whole batch: %v", err)
			}
			got := want{statuses: map[string]images.Status{}}
			for _, f := range resp.BatchItemFailures {
				got.failures = append(got.failures, f.ItemIdentifier)
			}
			for id, img := range meta.Images() {
				got.statuses[id] = img.Status
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// slowBlobs holds reads of the keys in slow until the caller's context ends, like an S3 read
// that hangs, and counts reads.
type slowBlobs struct {
	*imagestest.Blobs
	slow  map[string]bool
	reads *readCounts
}

type readCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *readCounts) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[key]
}

func (s slowBlobs) Get(ctx context.Context, key string) ([]byte, error) {
	s.reads.mu.Lock()
	s.reads.n[key]++
	s.reads.mu.Unlock()
	if s.slow[key] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Blobs.Get(ctx, key)
}

// TestSQSHandlerDeadline runs batches under a real deadline (a context with a timeout, as
// aws-lambda-go gives the handler), scaled down: 1.2 s invocations, reserves of 50 + 150 ms and
// records started with at least 300 ms. Slow records (reads that hang) must fail alone, last deliveries go first and are marked
// failed when they cannot finish, records the deadline leaves no time for are not started, and
// the handler always answers before the deadline.
func TestSQSHandlerDeadline(t *testing.T) {
	t.Parallel()
	budget := awsadapter.BatchBudget{ResponseReserve: 50 * time.Millisecond, MarkReserve: 150 * time.Millisecond, MinRecord: 300 * time.Millisecond}
	const timeout = 1200 * time.Millisecond
	ids := map[string]string{}
	for _, n := range []string{"good", "good2", "slow", "slowLast", "slowLast2", "slowLast3", "slowLast4", "first"} {
		ids[n] = images.NewID()
	}
	type want struct {
		failures []string
		statuses map[string]images.Status
	}
	cases := map[string]struct {
		reason  string
		records []events.SQSMessage
		slow    []string
		want    want
		// notStarted are the records whose originals must never be read.
		notStarted []string
	}{
		"SlowRecordFailsAlone": {
			reason:  "A hanging read uses up its own share only: it fails, and the records after it are done.",
			records: []events.SQSMessage{record("m-slow", jobBody(ids["slow"]), "1"), record("m-good", jobBody(ids["good"]), "1"), record("m-good2", jobBody(ids["good2"]), "1")},
			slow:    []string{"slow"},
			want:    want{failures: []string{"m-slow"}, statuses: map[string]images.Status{"slow": "pending", "good": "done", "good2": "done"}},
		},
		"LastAttemptMarkedFailed": {
			reason:  "A last delivery that runs out of its time is marked failed before the deadline, not left pending.",
			records: []events.SQSMessage{record("m-good", jobBody(ids["good"]), "1"), record("m-slowLast", jobBody(ids["slowLast"]), "3")},
			slow:    []string{"slowLast"},
			want:    want{failures: []string{"m-slowLast"}, statuses: map[string]images.Status{"good": "done", "slowLast": "failed"}},
		},
		"NotStarted": {
			reason: "Budgets of at least 300 ms in 1 s of usable time: three slow last deliveries run out of time and are marked failed; " +
				"then 100 ms are left, so the fourth last delivery is not started but marked failed, and the first delivery is not started and stays pending.",
			records: []events.SQSMessage{record("m-first", jobBody(ids["first"]), "1"), record("m-slowLast", jobBody(ids["slowLast"]), "3"),
				record("m-slowLast2", jobBody(ids["slowLast2"]), "3"), record("m-slowLast3", jobBody(ids["slowLast3"]), "3"), record("m-slowLast4", jobBody(ids["slowLast4"]), "3")},
			slow: []string{"slowLast", "slowLast2", "slowLast3", "slowLast4"},
			want: want{failures: []string{"m-first", "m-slowLast", "m-slowLast2", "m-slowLast3", "m-slowLast4"},
				statuses: map[string]images.Status{"first": "pending", "slowLast": "failed", "slowLast2": "failed", "slowLast3": "failed", "slowLast4": "failed"}},
			notStarted: []string{"first", "slowLast4"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			blobs, meta := &imagestest.Blobs{}, &imagestest.Meta{}
			slow := map[string]bool{}
			for _, n := range tc.slow {
				slow[images.OriginalKey(ids[n])] = true
			}
			for n := range tc.want.statuses {
				_ = blobs.Put(context.Background(), images.OriginalKey(ids[n]), imagestest.PNG(10, 10), images.TypePNG)
				meta.Put(images.Image{ID: ids[n], Status: images.StatusPending})
			}
			reads := &readCounts{n: map[string]int{}}
			w, err := images.NewWorker(images.WorkerConfig{Blobs: slowBlobs{Blobs: blobs, slow: slow, reads: reads}, Meta: meta, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			deadline, _ := ctx.Deadline()
			var resp events.SQSEventResponse
			if err := testenv.Invoke(ctx, awsadapter.NewSQSHandlerWithBudget(w, 3, quiet, budget), events.SQSEvent{Records: tc.records}, &resp); err != nil {
				t.Fatalf("the handler returned an error, which would retry the whole batch: %v", err)
			}
			if late := time.Since(deadline); late > -budget.ResponseReserve/2 {
				t.Errorf("%s\nthe handler answered %s after the deadline less half the response reserve; it must answer before", tc.reason, late+budget.ResponseReserve/2)
			}
			got := want{statuses: map[string]images.Status{}}
			for _, f := range resp.BatchItemFailures {
				got.failures = append(got.failures, f.ItemIdentifier)
			}
			imgs := meta.Images()
			for n := range tc.want.statuses {
				got.statuses[n] = imgs[ids[n]].Status
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
			for _, n := range tc.notStarted {
				if r := reads.count(images.OriginalKey(ids[n])); r != 0 {
					t.Errorf("%s\n%s was read %d times, want it not started", tc.reason, n, r)
				}
			}
		})
	}
}

func TestNewFunctionsRejectBadEnv(t *testing.T) {
	t.Parallel()
	empty := func(string) string { return "" }
	_, errAPI := awsadapter.NewAPIFunction(context.Background(), empty)
	_, errWorker := awsadapter.NewWorkerFunction(context.Background(), empty)
	_, errMigrate := awsadapter.NewMigrateFunction(context.Background(), empty)
	for name, err := range map[string]error{"api": errAPI, "worker": errWorker, "migrate": errMigrate} {
		if err == nil {
			t.Errorf("%s function with an empty environment: want an error", name)
		}
	}
}
