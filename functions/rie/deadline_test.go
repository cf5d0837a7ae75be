package rie

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// TestWorkerDeadlineUnderEmulator runs the real worker main under aws-lambda-rie with a 3 s
// function timeout, which the emulator enforces as Lambda does: at the deadline it stops the
// runtime and answers with a timeout error instead of the function's response. Five jobs, four of
// them on their last delivery; the S3 server holds the reads of four originals, so those jobs
// cannot finish. With the worker's budget (1 s kept at the end, records started with at least
// 1 s) the first job is done, the next held one runs out of its time, and the rest are not
// started. The invocation must answer before the deadline with a partial batch response listing
// the four unfinished or unstarted records, and every image on its last delivery must end failed,
// not pending; the one on its first delivery stays pending for its next delivery.
func TestWorkerDeadlineUnderEmulator(t *testing.T) {
	t.Parallel()
	emulator(t) // fail or skip early, before starting servers
	pg := testenv.StartPostgres(t)
	dbURL := pg.CreateDatabase(t, "images")
	s3 := testenv.StartS3(t, "images")
	ctx := context.Background()
	pool := postgres.NewPool(func(context.Context) (*pgxpool.Config, error) { return pgxpool.ParseConfig(dbURL) })
	t.Cleanup(pool.Close)
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(pool)
	blobs := awsadapter.NewS3Blobs(s3.Client(), s3.Bucket)

	// In batch order; all but "first" are on their last delivery (receive count 3 of 3).
	names := []string{"done", "held1", "held2", "held3", "first"}
	ids := map[string]string{}
	var records []events.SQSMessage
	for _, n := range names {
		id := images.NewID()
		ids[n] = id
		if err := blobs.Put(ctx, images.OriginalKey(id), imagestest.PNG(64, 48), images.TypePNG); err != nil {
			t.Fatal(err)
		}
		if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 1}); err != nil {
			t.Fatal(err)
		}
		count := "3"
		if n == "first" {
			count = "1"
		}
		body, _ := json.Marshal(images.Job{ID: id, Key: images.OriginalKey(id)})
		records = append(records, events.SQSMessage{
			MessageId: "m-" + n, ReceiptHandle: "rh-" + n, Body: string(body),
			Attributes:  map[string]string{"ApproximateReceiveCount": count, "SentTimestamp": "1700000000000"},
			EventSource: "aws:sqs", EventSourceARN: "arn:aws:sqs:" + testenv.Region + ":" + testenv.AccountID + ":jobs", AWSRegion: testenv.Region,
		})
		if n != "done" {
			_, release := s3.HoldGets(images.OriginalKey(id), 0)
			t.Cleanup(release)
		}
	}

	const timeout = 3 * time.Second
	worker := start(t, "./cmd/worker",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=3",
		"DB_URL="+dbURL,
		"AWS_REGION="+testenv.Region, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_ENDPOINT_URL_S3="+s3.Endpoint,
		"IMAGES_BUCKET="+s3.Bucket,
		"JOBS_MAX_RECEIVE_COUNT=3",
	)
	payload, err := json.Marshal(events.SQSEvent{Records: records})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	status, body := invoke(t, worker, payload)
	took := time.Since(began)

	var resp struct {
		events.SQSEventResponse
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(body, &resp); status != 200 || err != nil || resp.ErrorType != "" {
		t.Fatalf("worker answered %d %s (%v), want 200 with a partial batch response", status, body, err)
	}
	if took >= timeout || strings.Contains(worker.Logs(), "Task timed out") {
		t.Errorf("the invocation took %s of its %s; the emulator's logs say it timed out: %v", took, timeout, strings.Contains(worker.Logs(), "Task timed out"))
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	statuses := map[string]images.Status{}
	for _, n := range names {
		img, err := store.Get(ctx, ids[n])
		if err != nil {
			t.Fatal(err)
		}
		statuses[n] = img.Status
	}
	type result struct {
		Failed   []string
		Statuses map[string]images.Status
	}
	want := result{
		Failed:   []string{"m-first", "m-held1", "m-held2", "m-held3"},
		Statuses: map[string]images.Status{"done": "done", "held1": "failed", "held2": "failed", "held3": "failed", "first": "pending"},
	}
	if diff := cmp.Diff(want, result{failed, statuses}, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("after one invocation (%s): -want +got:\n%s", took, diff)
	}
	if started := strings.Count(worker.Logs(), "not enough of the invocation's time left"); started < 2 {
		t.Errorf("the worker logged %d records as not started, want at least the two after the first held one", started)
	}
	t.Logf("invocation took %s of %s", took, timeout)
}
