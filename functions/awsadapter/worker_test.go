package awsadapter_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

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
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
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
