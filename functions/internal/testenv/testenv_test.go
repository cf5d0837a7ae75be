package testenv_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
)

// TestPostgresAndPgBouncer starts a cluster and a PgBouncer in front of it and checks
// that both answer, and that PgBouncer pools in transaction mode.
func TestPostgresAndPgBouncer(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	url := pg.CreateDatabase(t, "smoke")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{PoolSize: 1})
	ctx := context.Background()
	for name, u := range map[string]string{"postgres": url, "pgbouncer": bouncer.URL("smoke")} {
		c, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var one int
		if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Errorf("%s: SELECT 1 = %d, %v", name, one, err)
		}
		c.Close(ctx)
	}
	admin, err := pgx.Connect(ctx, bouncer.URL("pgbouncer"))
	if err != nil {
		t.Fatalf("pgbouncer admin console: %v", err)
	}
	defer admin.Close(ctx)
	rows, err := admin.Query(ctx, "SHOW CONFIG", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	mode := ""
	for rows.Next() {
		vals, _ := rows.Values()
		if len(vals) >= 2 && vals[0] == "pool_mode" {
			mode, _ = vals[1].(string)
		}
	}
	if mode != "transaction" {
		t.Errorf("pgbouncer pool_mode = %q, want transaction", mode)
	}
}

// TestGoawsRedrive checks the SQS semantics the end-to-end tests rely on, through the
// SDK client and the JSON front: a message that is never deleted is received exactly
// MaxReceiveCount times, with ApproximateReceiveCount 1, 2, ..., and then sits in the
// dead-letter queue.
func TestGoawsRedrive(t *testing.T) {
	t.Parallel()
	s := testenv.StartSQS(t)
	q := s.CreateQueue(t, testenv.QueueOptions{VisibilityTimeout: 1, MaxReceiveCount: 3})
	c := s.Client()
	ctx := context.Background()
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(`{"hello":"world"}`)}); err != nil {
		t.Fatal(err)
	}
	var counts []string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if v, _ := s.Counts(t, q.DLQ); v == 1 {
			break
		}
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), WaitTimeSeconds: 1, MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			if aws.ToString(m.Body) != `{"hello":"world"}` {
				t.Errorf("body = %q", aws.ToString(m.Body))
			}
			counts = append(counts, m.Attributes["ApproximateReceiveCount"])
		}
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, counts); diff != "" {
		t.Errorf("ApproximateReceiveCount of each receive: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{`{"hello":"world"}`}, s.Bodies(t, q.DLQ)); diff != "" {
		t.Errorf("dead-letter queue: -want +got:\n%s", diff)
	}
	if v, f := s.Counts(t, q); v+f != 0 {
		t.Errorf("source queue still holds %d visible and %d in-flight messages", v, f)
	}
}

// TestGoawsDeleteAndErrors checks that a deleted message is gone and that errors reach
// the SDK as errors.
func TestGoawsDeleteAndErrors(t *testing.T) {
	t.Parallel()
	s := testenv.StartSQS(t)
	q := s.CreateQueue(t, testenv.QueueOptions{VisibilityTimeout: 1})
	c := s.Client()
	ctx := context.Background()
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v, %d messages", err, len(out.Messages))
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.URL), ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // past the visibility timeout
	if v, f := s.Counts(t, q); v+f != 0 {
		t.Errorf("deleted message still in the queue (%d visible, %d in flight)", v, f)
	}
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL + "-nope"), MessageBody: aws.String("x")})
	var qne *types.QueueDoesNotExist
	if !errors.As(err, &qne) {
		t.Errorf("send to a missing queue: err = %v, want QueueDoesNotExist", err)
	}
}

// TestS3 checks gofakes3 through the SDK client, the write counter and read holds.
func TestS3(t *testing.T) {
	t.Parallel()
	s := testenv.StartS3(t, "bucket")
	c := s.Client()
	ctx := context.Background()
	for range 2 {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a/b.txt"), Body: strings.NewReader("hello"), ContentType: aws.String("text/plain")}); err != nil {
			t.Fatal(err)
		}
	}
	body, ct := s.Object(t, "a/b.txt")
	if diff := cmp.Diff([]any{"hello", "text/plain", 2, []string{"a/b.txt"}}, []any{string(body), ct, s.Puts("a/b.txt"), s.Keys(t, "a/")}); diff != "" {
		t.Errorf("(body, content type, puts, keys): -want +got:\n%s", diff)
	}
	waiting, release := s.HoldGets("a/", 1)
	get := func() error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a/b.txt")})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("first read should pass the hold: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- get() }()
	deadline := time.Now().Add(5 * time.Second)
	for waiting() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("second read was not held: %v", err)
	default:
	}
	release()
	if err := <-done; err != nil {
		t.Errorf("held read after release: %v", err)
	}
}
