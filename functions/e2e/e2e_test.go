package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
)

const bucket = "nimbus-images"

// stack is one deployment of the pipeline on local servers.
type stack struct {
	s3     *testenv.S3
	sqs    *testenv.SQS
	queue  *testenv.Queue
	env    map[string]string
	api    awsadapter.APIHandler
	worker awsadapter.WorkerHandler
	db     *pgx.Conn // direct superuser connection, for assertions
	// sqsFront, with stackOptions.faultySQS, stands between the functions and goaws.
	sqsFront *testenv.Faulty
}

type stackOptions struct {
	visibilityTimeout int // seconds
	maxReceiveCount   int
	maxUploadBytes    int
	// faultySQS puts a testenv.Faulty between the functions and goaws.
	faultySQS bool
}

// Database roles of the stack: the master user migrate connects as (no superuser, as on RDS),
// and the app role the api and worker connect as, which migrate creates.
const (
	masterUser     = "nimbus_master"
	masterPassword = "master-password"
	appUser        = "nimbus_app"
	masterSecret   = "arn:aws:secretsmanager:us-east-1:000000000000:secret:nimbus-master-AbCdEf"
	appSecret      = "arn:aws:secretsmanager:us-east-1:000000000000:secret:nimbus-app-AbCdEf"
)

// newStack starts the servers, sets the functions' environment as the components do (the
// contract's variables: secret database auth through PgBouncer, the secrets in a local Secrets
// Manager) plus the endpoint overrides, runs the migrate function as the master user, which
// creates the app role, and builds the api and worker functions from that environment as their
// mains do: they connect as the app role. Tests that use it cannot run in parallel (the AWS SDK
// reads the process environment).
func newStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	pg := testenv.StartPostgres(t)
	pg.CreateOwner(t, "images", masterUser, masterPassword)
	appPassword := "app-" + images.NewID()
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{Users: map[string]string{masterUser: masterPassword, appUser: appPassword}})
	secrets := testenv.StartSecretsManager(t, map[string]string{
		masterSecret: `{"username":"` + masterUser + `","password":"` + masterPassword + `"}`,
		appSecret:    `{"username":"` + appUser + `","password":"` + appPassword + `"}`,
	})
	st := &stack{s3: testenv.StartS3(t, bucket), sqs: testenv.StartSQS(t)}
	st.queue = st.sqs.CreateQueue(t, testenv.QueueOptions{VisibilityTimeout: opts.visibilityTimeout, MaxReceiveCount: opts.maxReceiveCount})
	sqsEndpoint := st.sqs.Endpoint
	if opts.faultySQS {
		st.sqsFront = testenv.StartFaulty(t, st.sqs.Endpoint)
		sqsEndpoint = st.sqsFront.Endpoint
	}
	st.env = map[string]string{
		"IMAGES_BUCKET":                    bucket,
		"JOBS_QUEUE_URL":                   st.queue.URL,
		"JOBS_MAX_RECEIVE_COUNT":           fmt.Sprint(opts.maxReceiveCount),
		"MAX_UPLOAD_BYTES":                 fmt.Sprint(opts.maxUploadBytes),
		"DB_HOST":                          bouncer.Host,
		"DB_PORT":                          fmt.Sprint(bouncer.Port),
		"DB_NAME":                          "images",
		"DB_AUTH":                          "secret",
		"DB_USER":                          appUser,
		"DB_SECRET_ARN":                    appSecret,
		"DB_SSLMODE":                       "disable", // PgBouncer here speaks no TLS; TestDBVerifyFull covers verify-full
		"DB_MAX_CONNS":                     "2",
		"AWS_ENDPOINT_URL_S3":              st.s3.Endpoint,
		"AWS_ENDPOINT_URL_SQS":             sqsEndpoint,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": secrets.Endpoint,
		"AWS_REGION":                       testenv.Region,
		"AWS_ACCESS_KEY_ID":                "test",
		"AWS_SECRET_ACCESS_KEY":            "test",
		"AWS_CONFIG_FILE":                  t.TempDir() + "/none",
		"AWS_SHARED_CREDENTIALS_FILE":      t.TempDir() + "/none",
		"AWS_EC2_METADATA_DISABLED":        "true",
	}
	if opts.maxUploadBytes == 0 {
		delete(st.env, "MAX_UPLOAD_BYTES")
	}
	for k, v := range st.env {
		t.Setenv(k, v)
	}
	// migrate gets the master user and the app role's name and secret, as its component sets.
	migrateEnv := map[string]string{"DB_USER": masterUser, "DB_SECRET_ARN": masterSecret, "DB_APP_USER": appUser, "DB_APP_SECRET_ARN": appSecret}
	ctx := context.Background()
	migrate, err := awsadapter.NewMigrateFunction(ctx, func(k string) string {
		if v, ok := migrateEnv[k]; ok {
			return v
		}
		return os.Getenv(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := testenv.Invoke(ctx, migrate, map[string]any{}, nil); err != nil {
		t.Fatalf("migrate function: %v", err)
	}
	if st.api, err = awsadapter.NewAPIFunction(ctx, os.Getenv); err != nil {
		t.Fatal(err)
	}
	if st.worker, err = awsadapter.NewWorkerFunction(ctx, os.Getenv); err != nil {
		t.Fatal(err)
	}
	if st.db, err = pgx.Connect(ctx, pg.URL("images")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.db.Close(context.Background()) })
	// A test-only trigger logs every row UPDATE of images with the user who made it, so that
	// tests count state transitions as the database saw them. It runs with its owner's rights
	// (SECURITY DEFINER): the app role may not write image_updates.
	if _, err := st.db.Exec(ctx, `
		CREATE TABLE image_updates (id uuid, old_status text, new_status text, by_user text);
		CREATE FUNCTION log_image_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN INSERT INTO image_updates VALUES (OLD.id, OLD.status, NEW.status, session_user); RETURN NEW; END $$;
		CREATE TRIGGER log_image_update AFTER UPDATE ON images FOR EACH ROW EXECUTE FUNCTION log_image_update();`); err != nil {
		t.Fatal(err)
	}
	return st
}

// call invokes the API function with an API Gateway event and decodes its JSON body.
func (st *stack) call(t *testing.T, method, path string, headers map[string]string, body []byte) (int, map[string]any) {
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	if err := testenv.Invoke(context.Background(), st.api, testenv.APIGatewayRequest(method, path, headers, body), &resp); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("%s %s: %d with a body that is no JSON: %q", method, path, resp.StatusCode, resp.Body)
	}
	return resp.StatusCode, m
}

func (st *stack) upload(t *testing.T, body []byte, contentType string) string {
	t.Helper()
	code, m := st.call(t, "POST", "/images", map[string]string{"Content-Type": contentType}, body)
	if code != 202 {
		t.Fatalf("upload: %d %v", code, m)
	}
	id, _ := m["id"].(string)
	if diff := cmp.Diff(map[string]any{"id": id, "status": "pending", "statusUrl": "/images/" + id}, m); diff != "" {
		t.Fatalf("upload answer: -want +got:\n%s", diff)
	}
	return id
}

func (st *stack) status(t *testing.T, id string) map[string]any {
	t.Helper()
	code, m := st.call(t, "GET", "/images/"+id, nil, nil)
	if code != 200 {
		t.Fatalf("GET /images/%s: %d %v", id, code, m)
	}
	return m
}

// updates returns the status changes the database recorded for id, as "old>new". Every one
// must have been made by the app role.
func (st *stack) updates(t *testing.T, id string) []string {
	t.Helper()
	rows, _ := st.db.Query(context.Background(), `SELECT old_status || '>' || new_status, by_user FROM image_updates WHERE id = $1::uuid`, id)
	var out []string
	for rows.Next() {
		var change, by string
		if err := rows.Scan(&change, &by); err != nil {
			t.Fatal(err)
		}
		if by != appUser {
			t.Errorf("image %s went %s as %q, want the app role %q", id, change, by, appUser)
		}
		out = append(out, change)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (st *stack) recordStatus(t *testing.T, id string) string {
	t.Helper()
	var s string
	if err := st.db.QueryRow(context.Background(), `SELECT status FROM images WHERE id = $1::uuid`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (st *stack) esm(handler any) *testenv.EventSourceMapping {
	return &testenv.EventSourceMapping{Client: st.sqs.Client(), Queue: st.queue, Handler: handler}
}

func (st *stack) send(t *testing.T, body string) {
	t.Helper()
	if _, err := st.sqs.Client().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(st.queue.URL), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

func (st *stack) queueEmpty(t *testing.T, q *testenv.Queue) bool {
	v, f := st.sqs.Counts(t, q)
	return v+f == 0
}

func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func jobBody(id string) string {
	b, _ := json.Marshal(images.Job{ID: id, Key: images.OriginalKey(id)})
	return string(b)
}

// TestUploadToThumbnail: an upload through the API is stored, recorded pending and
// queued; the worker, fed by the queue, stores a 256 px JPEG thumbnail and marks the
// record done, which the API then reports. Bad uploads are refused with JSON errors
// and leave nothing behind.
func TestUploadToThumbnail(t *testing.T) {
	st := newStack(t, stackOptions{visibilityTimeout: 5, maxReceiveCount: 3, maxUploadBytes: 200_000})
	original := imagestest.JPEG(800, 600)
	id := st.upload(t, original, "image/jpeg")

	stored, ct := st.s3.Object(t, images.OriginalKey(id))
	if !bytes.Equal(stored, original) || ct != "image/jpeg" {
		t.Errorf("original in S3: %d bytes (%s), want the %d uploaded bytes (image/jpeg)", len(stored), ct, len(original))
	}
	if diff := cmp.Diff(map[string]any{"id": id, "status": "pending"}, st.status(t, id)); diff != "" {
		t.Errorf("status before the worker ran: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{jobBody(id)}, st.sqs.Bodies(t, st.queue)); diff != "" {
		t.Errorf("queued jobs: -want +got:\n%s", diff)
	}

	batches, err := st.esm(st.worker).Run(deadline(t, 20*time.Second), func() bool { return st.recordStatus(t, id) == "done" })
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if len(b.Failed) > 0 || b.InvokeErr != nil {
			t.Errorf("batch failed: %v %v", b.Failed, b.InvokeErr)
		}
	}
	want := map[string]any{"id": id, "status": "done", "thumbnailKey": "thumbnails/" + id + ".jpg"}
	if diff := cmp.Diff(want, st.status(t, id)); diff != "" {
		t.Errorf("status after the worker ran: -want +got:\n%s", diff)
	}
	thumb, ct := st.s3.Object(t, "thumbnails/"+id+".jpg")
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb))
	if err != nil {
		t.Fatalf("thumbnail is no JPEG: %v", err)
	}
	got := map[string]any{"size": [2]int{cfg.Width, cfg.Height}, "contentType": ct, "puts": st.s3.Puts("thumbnails/" + id + ".jpg"),
		"updates": st.updates(t, id), "queueEmpty": st.queueEmpty(t, st.queue), "dlqEmpty": st.queueEmpty(t, st.queue.DLQ)}
	wantAll := map[string]any{"size": [2]int{256, 192}, "contentType": "image/jpeg", "puts": 1,
		"updates": []string{"pending>done"}, "queueEmpty": true, "dlqEmpty": true}
	if diff := cmp.Diff(wantAll, got); diff != "" {
		t.Errorf("after processing: -want +got:\n%s", diff)
	}

	t.Run("BadUploads", func(t *testing.T) {
		cases := map[string]struct {
			body        []byte
			contentType string
			status      int
			mentions    string
		}{
			"Text":     {body: []byte("just text"), contentType: "image/png", status: 415, mentions: "image/jpeg, image/png, image/gif"},
			"TooLarge": {body: append(imagestest.PNG(1, 1), make([]byte, 200_000)...), contentType: "image/png", status: 413, mentions: "limit is 200000 bytes"},
			"Empty":    {contentType: "image/png", status: 400, mentions: "empty upload"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				code, m := st.call(t, "POST", "/images", map[string]string{"Content-Type": tc.contentType}, tc.body)
				if msg, _ := m["error"].(string); code != tc.status || !strings.Contains(msg, tc.mentions) {
					t.Errorf("status %d %v; want %d with an error mentioning %q", code, m, tc.status, tc.mentions)
				}
			})
		}
		for path, want := range map[string]int{"/images/not-an-id": 400, "/images/" + images.NewID(): 404, "/nope": 404} {
			if code, m := st.call(t, "GET", path, nil, nil); code != want || m["error"] == nil {
				t.Errorf("GET %s: %d %v; want %d with an error", path, code, m, want)
			}
		}
		if keys := st.s3.Keys(t, "originals/"); len(keys) != 1 {
			t.Errorf("originals after refused uploads: %v, want only the accepted one", keys)
		}
		if !st.queueEmpty(t, st.queue) {
			t.Error("a refused upload queued a job")
		}
	})
}

// TestPoisonImageGoesToDLQ: bytes that sniff as PNG but do not decode are accepted by
// the API; the worker fails them on every delivery, marks the image failed on the last
// (ApproximateReceiveCount = maxReceiveCount), and the message lands in the DLQ after
// exactly maxReceiveCount deliveries. The API then reports failed.
// TestQueueFailures puts a failing server between the API and goaws. While SQS is down (every
// attempt answered 503), an upload is refused with 503 and Retry-After and its record stays
// pending, not failed; a transient failure (two 500s) is absorbed by the SDK's retryer and the
// upload is accepted; once SQS is back, the client's retry of the refused upload is accepted and
// the worker finishes it.
func TestQueueFailures(t *testing.T) {
	st := newStack(t, stackOptions{visibilityTimeout: 5, maxReceiveCount: 3, faultySQS: true})
	upload := func() (int, events.APIGatewayV2HTTPResponse, map[string]any) {
		t.Helper()
		var resp events.APIGatewayV2HTTPResponse
		if err := testenv.Invoke(context.Background(), st.api, testenv.APIGatewayRequest("POST", "/images", map[string]string{"Content-Type": "image/png"}, imagestest.PNG(64, 64)), &resp); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal([]byte(resp.Body), &m)
		return resp.StatusCode, resp, m
	}

	st.sqsFront.Down(503, "ServiceUnavailable")
	code, resp, body := upload()
	_, failedCalls := st.sqsFront.Requests()
	rows, _ := st.db.Query(context.Background(), `SELECT status FROM images`)
	refused, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"code": code, "retryAfter": resp.Headers["Retry-After"], "records": refused, "queued": len(st.sqs.Bodies(t, st.queue)), "attempts": failedCalls}
	want := map[string]any{"code": 503, "retryAfter": "1", "records": []string{"pending"}, "queued": 0, "attempts": 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("upload while SQS is down: -want +got:\n%s\nbody: %v", diff, body)
	}

	st.sqsFront.Up()
	st.sqsFront.FailNext(2, 500, "InternalFailure")
	code, _, body = upload()
	if code != 202 {
		t.Fatalf("upload through two transient 500s: %d %v, want 202 (the SDK retries)", code, body)
	}
	code, _, retried := upload() // the client retrying the refused upload
	if code != 202 {
		t.Fatalf("retried upload: %d %v", code, retried)
	}
	ids := []string{body["id"].(string), retried["id"].(string)}
	if _, err := st.esm(st.worker).Run(deadline(t, 20*time.Second), func() bool { return st.queueEmpty(t, st.queue) }); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if s := st.status(t, id)["status"]; s != "done" {
			t.Errorf("image %s is %v after the worker, want done", id, s)
		}
	}
	var statuses []string
	rows, _ = st.db.Query(context.Background(), `SELECT status FROM images ORDER BY status`)
	if statuses, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"done", "done", "pending"}, statuses); diff != "" {
		t.Errorf("records: -want +got (the refused upload's record stays pending, never failed):\n%s", diff)
	}
}

func TestPoisonImageGoesToDLQ(t *testing.T) {
	st := newStack(t, stackOptions{visibilityTimeout: 1, maxReceiveCount: 3})
	id := st.upload(t, imagestest.CorruptPNG(), "image/png")

	batches, err := st.esm(st.worker).Run(deadline(t, 30*time.Second), func() bool { return !st.queueEmpty(t, st.queue.DLQ) })
	if err != nil {
		t.Fatal(err)
	}
	var deliveries, failedDeliveries []string
	for _, b := range batches {
		for _, r := range b.Records {
			deliveries = append(deliveries, r.Attributes["ApproximateReceiveCount"])
		}
		failedDeliveries = append(failedDeliveries, b.Failed...)
	}
	st.status(t, id)
	got := map[string]any{
		"receiveCounts":    deliveries,
		"failedDeliveries": len(failedDeliveries),
		"dlq":              st.sqs.Bodies(t, st.queue.DLQ),
		"queueEmpty":       st.queueEmpty(t, st.queue),
		"status":           st.status(t, id)["status"],
		"updates":          st.updates(t, id),
		"thumbnails":       st.s3.Keys(t, "thumbnails/"),
	}
	want := map[string]any{
		"receiveCounts":    []string{"1", "2", "3"},
		"failedDeliveries": 3,
		"dlq":              []string{jobBody(id)},
		"queueEmpty":       true,
		"status":           "failed",
		"updates":          []string{"pending>failed"},
		"thumbnails":       []string(nil),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if msg, _ := st.status(t, id)["error"].(string); !strings.Contains(msg, "could not be decoded") {
		t.Errorf("failed status error = %q, want it to say the image could not be decoded", msg)
	}
}

// TestMalformedJobFailsAlone: a message that is not a job, in the same batch as a
// good one, fails only itself: the good job is done and acknowledged, the poison
// message is retried and ends in the DLQ.
func TestMalformedJobFailsAlone(t *testing.T) {
	st := newStack(t, stackOptions{visibilityTimeout: 1, maxReceiveCount: 2})
	st.send(t, "{this is not a job")
	id := st.upload(t, imagestest.GIF(300, 100), "image/gif")

	m := st.esm(st.worker)
	first, err := m.PollOnce(deadline(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var poisonID string
	for _, r := range first.Records {
		if r.Body == "{this is not a job" {
			poisonID = r.MessageId
		}
	}
	if len(first.Records) != 2 || poisonID == "" {
		t.Fatalf("first batch has %d records (poison found: %v); want both messages in one batch", len(first.Records), poisonID != "")
	}
	if diff := cmp.Diff([]string{poisonID}, first.Failed); diff != "" || first.InvokeErr != nil {
		t.Errorf("batch item failures of the mixed batch: -want +got:\n%s (invoke error %v)", diff, first.InvokeErr)
	}
	if s := st.recordStatus(t, id); s != "done" {
		t.Errorf("good job's image is %s, want done", s)
	}
	if _, err := m.Run(deadline(t, 20*time.Second), func() bool { return !st.queueEmpty(t, st.queue.DLQ) }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"{this is not a job"}, st.sqs.Bodies(t, st.queue.DLQ)); diff != "" {
		t.Errorf("dead-letter queue: -want +got:\n%s", diff)
	}
	if !st.queueEmpty(t, st.queue) {
		t.Error("the queue still holds messages")
	}
}

// TestDuplicateDelivery: SQS delivers at least once. Copies of a job, in the same
// batch, in a later batch after the image is done, or raced by two worker instances,
// make one state transition; sequential copies make one thumbnail write.
func TestDuplicateDelivery(t *testing.T) {
	st := newStack(t, stackOptions{visibilityTimeout: 5, maxReceiveCount: 3})

	t.Run("SameBatchAndLater", func(t *testing.T) {
		id := st.upload(t, imagestest.PNG(400, 300), "image/png")
		st.send(t, jobBody(id)) // a duplicate of the job the API queued
		st.send(t, jobBody(id))
		batches, err := st.esm(st.worker).Run(deadline(t, 20*time.Second), func() bool { return st.queueEmpty(t, st.queue) })
		if err != nil {
			t.Fatal(err)
		}
		st.send(t, jobBody(id)) // a redelivery long after the image is done
		later, err := st.esm(st.worker).Run(deadline(t, 20*time.Second), func() bool { return st.queueEmpty(t, st.queue) })
		if err != nil {
			t.Fatal(err)
		}
		records, failed := 0, 0
		for _, b := range append(batches, later...) {
			records += len(b.Records)
			failed += len(b.Failed)
		}
		got := map[string]any{"records": records, "failed": failed, "puts": st.s3.Puts("thumbnails/" + id + ".jpg"),
			"updates": st.updates(t, id), "status": st.status(t, id)["status"], "dlqEmpty": st.queueEmpty(t, st.queue.DLQ)}
		want := map[string]any{"records": 4, "failed": 0, "puts": 1, "updates": []string{"pending>done"}, "status": "done", "dlqEmpty": true}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("-want +got:\n%s", diff)
		}
	})

	t.Run("RacingInstances", func(t *testing.T) {
		id := st.upload(t, imagestest.PNG(1200, 900), "image/png")
		for range 3 {
			st.send(t, jobBody(id))
		}
		// Two worker instances (each its own pool and clients), one message per
		// invocation, polling at once.
		ctx := deadline(t, 20*time.Second)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			w, err := awsadapter.NewWorkerFunction(ctx, os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			m := st.esm(w)
			m.BatchSize = 1
			wg.Go(func() {
				_, errs[i] = m.Run(ctx, func() bool { return st.queueEmpty(t, st.queue) })
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]any{"updates": st.updates(t, id), "thumbnails": st.s3.Keys(t, "thumbnails/"+id), "status": st.status(t, id)["status"]}
		want := map[string]any{"updates": []string{"pending>done"}, "thumbnails": []string{"thumbnails/" + id + ".jpg"}, "status": "done"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("-want +got:\n%s", diff)
		}
	})
}

// Environment of the worker subprocess of TestWorkerKilledMidBatch.
const (
	childEnv         = "NIMBUS_E2E_WORKER_CHILD"
	childQueueURLEnv = "NIMBUS_E2E_QUEUE_URL"
	childQueueARNEnv = "NIMBUS_E2E_QUEUE_ARN"
)

// TestWorkerKilledMidBatch: a worker process (this test binary, re-executed as a
// worker polling goaws) receives a batch of five jobs, finishes the first, and is
// killed with SIGKILL while it waits for the second original (the S3 server holds that
// read). Nothing was acknowledged, so after the visibility timeout all five messages
// come back; a new worker finishes them. Nothing is lost, and the image finished before
// the kill is not processed again.
func TestWorkerKilledMidBatch(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		runChildWorker(t)
		return
	}
	const n = 5
	st := newStack(t, stackOptions{visibilityTimeout: 4, maxReceiveCount: 3})
	var ids []string
	for i := range n {
		ids = append(ids, st.upload(t, imagestest.PNG(320+i, 240), "image/png"))
	}
	waiting, release := st.s3.HoldGets("originals/", 1)
	defer release()

	var out bytes.Buffer
	child := exec.Command(os.Args[0], "-test.run=^TestWorkerKilledMidBatch$", "-test.v")
	child.Env = append(os.Environ(), childEnv+"=1", childQueueURLEnv+"="+st.queue.URL, childQueueARNEnv+"="+st.queue.ARN)
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()

	thumbs := func() (total int) {
		for _, id := range ids {
			total += st.s3.Puts("thumbnails/" + id + ".jpg")
		}
		return total
	}
	stop := time.Now().Add(30 * time.Second)
	for thumbs() < 1 || waiting() < 1 {
		select {
		case err := <-exited:
			t.Fatalf("worker process exited (%v) before it was killed:\n%s", err, out.String())
		default:
		}
		if time.Now().After(stop) {
			_ = child.Process.Kill()
			t.Fatalf("worker process did not reach the middle of its batch (thumbnails %d, held reads %d):\n%s", thumbs(), waiting(), out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-exited
	release()

	visible, inFlight := st.sqs.Counts(t, st.queue)
	done := 0
	for _, id := range ids {
		if st.recordStatus(t, id) == "done" {
			done++
		}
	}
	if diff := cmp.Diff([3]int{0, n, 1}, [3]int{visible, inFlight, done}); diff != "" {
		t.Fatalf("right after the kill (visible, in flight, done): -want +got:\n%s\nworker output:\n%s", diff, out.String())
	}

	batches, err := st.esm(st.worker).Run(deadline(t, 30*time.Second), func() bool {
		for _, id := range ids {
			if st.recordStatus(t, id) != "done" {
				return false
			}
		}
		return st.queueEmpty(t, st.queue)
	})
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, b := range batches {
		if len(b.Failed) > 0 || b.InvokeErr != nil {
			t.Errorf("redelivered batch failed: %v %v", b.Failed, b.InvokeErr)
		}
		for _, r := range b.Records {
			counts = append(counts, r.Attributes["ApproximateReceiveCount"])
		}
	}
	puts := map[string]int{}
	updates := map[string][]string{}
	for _, id := range ids {
		puts[id] = st.s3.Puts("thumbnails/" + id + ".jpg")
		updates[id] = st.updates(t, id)
	}
	wantPuts, wantUpdates := map[string]int{}, map[string][]string{}
	for _, id := range ids {
		wantPuts[id], wantUpdates[id] = 1, []string{"pending>done"}
	}
	got := map[string]any{"receiveCounts": counts, "puts": puts, "updates": updates, "dlqEmpty": st.queueEmpty(t, st.queue.DLQ)}
	want := map[string]any{"receiveCounts": []string{"2", "2", "2", "2", "2"}, "puts": wantPuts, "updates": wantUpdates, "dlqEmpty": true}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("after redelivery: -want +got:\n%s", diff)
	}
}

// runChildWorker is the worker process of TestWorkerKilledMidBatch: the worker function
// built from the environment as cmd/worker builds it, fed by an event source mapping,
// until it is killed (or, as a safety net, for a minute).
func runChildWorker(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := awsadapter.NewWorkerFunction(ctx, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	q := &testenv.Queue{URL: os.Getenv(childQueueURLEnv), ARN: os.Getenv(childQueueARNEnv)}
	q.Name = q.URL[strings.LastIndex(q.URL, "/")+1:]
	m := &testenv.EventSourceMapping{Client: (&testenv.SQS{Endpoint: os.Getenv("AWS_ENDPOINT_URL_SQS")}).Client(), Queue: q, Handler: w}
	for ctx.Err() == nil {
		b, err := m.PollOnce(ctx)
		if err != nil {
			t.Log(err)
			continue
		}
		if len(b.Records) > 0 {
			ids := make([]string, 0, len(b.Records))
			for _, r := range b.Records {
				ids = append(ids, r.MessageId)
			}
			sort.Strings(ids)
			t.Logf("batch of %d done, failed %v", len(ids), b.Failed)
		}
	}
}
