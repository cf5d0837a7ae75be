package rie

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/jpeg"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
)

// TestFunctionsUnderEmulator runs the real migrate, api and worker mains (built for the host)
// under aws-lambda-rie against local PostgreSQL, S3 (gofakes3) and SQS (goaws) servers, with the
// payloads Lambda sends: an invocation with no payload for migrate, API Gateway HTTP API 2.0
// events for api, an SQS event for worker.
func TestFunctionsUnderEmulator(t *testing.T) {
	t.Parallel()
	emulator(t) // fail or skip early, before starting servers
	pg := testenv.StartPostgres(t)
	dbURL := pg.CreateDatabase(t, "images")
	s3 := testenv.StartS3(t, "images")
	sqsSrv := testenv.StartSQS(t)
	queue := sqsSrv.CreateQueue(t, testenv.QueueOptions{MaxReceiveCount: 3})

	env := []string{
		"DB_URL=" + dbURL,
		"AWS_REGION=" + testenv.Region,
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_ENDPOINT_URL_S3=" + s3.Endpoint,
		"AWS_ENDPOINT_URL_SQS=" + sqsSrv.Endpoint,
		"IMAGES_BUCKET=" + s3.Bucket,
		"JOBS_QUEUE_URL=" + queue.URL,
		"JOBS_MAX_RECEIVE_COUNT=3",
	}

	// migrate: invoked with an empty event, answers what it applied.
	migrate := start(t, "./cmd/migrate", env...)
	status, body := invoke(t, migrate, []byte(`{}`))
	var migrated struct {
		Applied []string `json:"applied"`
	}
	if err := json.Unmarshal(body, &migrated); status != 200 || err != nil || len(migrated.Applied) == 0 {
		t.Fatalf("migrate answered %d %s (%v), want 200 with applied migrations", status, body, err)
	}

	api := start(t, "./cmd/api", env...)
	callAPI := func(method, target string, headers map[string]string, reqBody []byte) (events.APIGatewayV2HTTPResponse, map[string]any) {
		t.Helper()
		payload, err := json.Marshal(testenv.APIGatewayRequest(method, target, headers, reqBody))
		if err != nil {
			t.Fatal(err)
		}
		status, body := invoke(t, api, payload)
		if status != 200 {
			t.Fatalf("%s %s: emulator answered %d %s", method, target, status, body)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("%s %s: answer %s is not an API Gateway response: %v", method, target, body, err)
		}
		respBody := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if respBody, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		var doc map[string]any
		if err := json.Unmarshal(respBody, &doc); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, target, respBody, err)
		}
		return resp, doc
	}

	resp, doc := callAPI("GET", "/healthz", nil, nil)
	if diff := cmp.Diff(map[string]any{"status": "ok"}, doc); resp.StatusCode != 200 || diff != "" {
		t.Errorf("GET /healthz: status %d, body -want +got:\n%s", resp.StatusCode, diff)
	}

	resp, doc = callAPI("POST", "/images", map[string]string{"content-type": "image/png"}, imagestest.PNG(640, 480))
	id, _ := doc["id"].(string)
	if resp.StatusCode != 202 || id == "" || doc["status"] != "pending" || doc["statusUrl"] != "/images/"+id {
		t.Fatalf("POST /images: status %d, body %v; want 202 pending with an id", resp.StatusCode, doc)
	}
	if _, ct := s3.Object(t, images.OriginalKey(id)); ct == "" {
		t.Errorf("original %s stored without a content type", images.OriginalKey(id))
	}
	bodies := sqsSrv.Bodies(t, queue)
	if len(bodies) != 1 {
		t.Fatalf("queue holds %d messages, want the one job", len(bodies))
	}
	var job images.Job
	if err := json.Unmarshal([]byte(bodies[0]), &job); err != nil || job != (images.Job{ID: id, Key: images.OriginalKey(id)}) {
		t.Fatalf("job message %s (%v), want id %s", bodies[0], err, id)
	}

	resp, doc = callAPI("GET", "/images/"+id, nil, nil)
	if resp.StatusCode != 200 || doc["status"] != "pending" {
		t.Errorf("GET /images/%s before the worker: status %d, body %v; want 200 pending", id, resp.StatusCode, doc)
	}

	// worker: one good job and one message that is not a job in the same batch. Only the bad
	// one must come back in the partial batch response.
	worker := start(t, "./cmd/worker", env...)
	record := func(msgID, body string) events.SQSMessage {
		return events.SQSMessage{
			MessageId:      msgID,
			ReceiptHandle:  "rh-" + msgID,
			Body:           body,
			Attributes:     map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000"},
			EventSource:    "aws:sqs",
			EventSourceARN: queue.ARN,
			AWSRegion:      testenv.Region,
		}
	}
	payload, err := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{record("m-good", bodies[0]), record("m-bad", "not a job")}})
	if err != nil {
		t.Fatal(err)
	}
	status, body = invoke(t, worker, payload)
	var batch events.SQSEventResponse
	if err := json.Unmarshal(body, &batch); status != 200 || err != nil {
		t.Fatalf("worker answered %d %s (%v)", status, body, err)
	}
	want := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "m-bad"}}}
	if diff := cmp.Diff(want, batch); diff != "" {
		t.Errorf("worker partial batch response -want +got:\n%s", diff)
	}

	resp, doc = callAPI("GET", "/images/"+id, nil, nil)
	if resp.StatusCode != 200 || doc["status"] != "done" || doc["thumbnailKey"] != images.ThumbnailKey(id) {
		t.Errorf("GET /images/%s after the worker: status %d, body %v; want done with thumbnailKey", id, resp.StatusCode, doc)
	}
	thumb, _ := s3.Object(t, images.ThumbnailKey(id))
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb))
	if err != nil || cfg.Width != images.ThumbnailMaxSide || cfg.Height != 192 {
		t.Errorf("thumbnail is %dx%d (%v), want a 256x192 JPEG", cfg.Width, cfg.Height, err)
	}
}
