package awsadapter_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
)

func awsConfig(t *testing.T, endpoint string) aws.Config {
	t.Helper()
	cfg := aws.Config{Region: testenv.Region, Credentials: testCreds}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return cfg
}

// TestS3Blobs runs the blob store against gofakes3. The client is given only an
// endpoint override, so it must switch to path-style addressing by itself.
func TestS3Blobs(t *testing.T) {
	t.Parallel()
	s := testenv.StartS3(t, "images-bucket")
	blobs := awsadapter.NewS3Blobs(awsadapter.NewS3Client(awsConfig(t, s.Endpoint), ""), "images-bucket")
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nbytes")
	if err := blobs.Put(ctx, "originals/x", png, images.TypePNG); err != nil {
		t.Fatal(err)
	}
	got, err := blobs.Get(ctx, "originals/x")
	if err != nil {
		t.Fatal(err)
	}
	stored, ct := s.Object(t, "originals/x")
	if diff := cmp.Diff([]any{png, png, images.TypePNG}, []any{got, stored, ct}); diff != "" {
		t.Errorf("(Get, stored, content type): -want +got:\n%s", diff)
	}
	if _, err := blobs.Get(ctx, "originals/missing"); !errors.Is(err, images.ErrNotFound) {
		t.Errorf("Get of a missing key: err = %v, want images.ErrNotFound", err)
	}
	blobs.MaxGetBytes = 4
	if _, err := blobs.Get(ctx, "originals/x"); err == nil {
		t.Error("Get of an object over MaxGetBytes: want an error")
	}
}

// TestS3ClientHonoursEndpointEnv checks that AWS_ENDPOINT_URL_S3 alone, read the way the
// functions read their environment, points the client at the local server in path style.
func TestS3ClientHonoursEndpointEnv(t *testing.T) {
	t.Parallel()
	s := testenv.StartS3(t, "env-bucket")
	env := map[string]string{
		"AWS_ENDPOINT_URL_S3": s.Endpoint, "AWS_REGION": testenv.Region,
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
	}
	getenv := func(k string) string { return env[k] }
	cfg := awsadapter.AWSConfig(getenv)
	client := awsadapter.NewS3Client(cfg, awsadapter.EndpointsFromEnv(getenv).S3)
	if o := client.Options(); !o.UsePathStyle || aws.ToString(o.BaseEndpoint) != s.Endpoint {
		t.Errorf("client options: path style %v, endpoint %q; want true, %q", o.UsePathStyle, aws.ToString(o.BaseEndpoint), s.Endpoint)
	}
	if err := awsadapter.NewS3Blobs(client, "env-bucket").Put(context.Background(), "k", []byte("v"), "text/plain"); err != nil {
		t.Fatalf("put through the env-configured client: %v", err)
	}
	if s.Puts("k") != 1 {
		t.Errorf("the local server saw %d writes of k, want 1", s.Puts("k"))
	}
}

// TestAWSConfig checks the environment Lambda provides is enough, and that a missing piece is
// named when the credentials are first used.
func TestAWSConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok"}
	cfg := awsadapter.AWSConfig(func(k string) string { return env[k] })
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := []string{cfg.Region, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}
	if diff := cmp.Diff([]string{"eu-west-1", "AKIA", "s", "tok"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	_, err = awsadapter.AWSConfig(func(string) string { return "" }).Credentials.Retrieve(context.Background())
	want := "cannot sign AWS requests: AWS_ACCESS_KEY_ID, AWS_REGION, AWS_SECRET_ACCESS_KEY not set (Lambda sets them for the execution role)"
	if err == nil || err.Error() != want {
		t.Errorf("error: want %q, got %v", want, err)
	}
}

// TestSQSPublisher publishes a job to goaws and reads back the contract's body.
func TestSQSPublisher(t *testing.T) {
	t.Parallel()
	q := testenv.StartSQS(t)
	queue := q.CreateQueue(t, testenv.QueueOptions{})
	pub := awsadapter.NewSQSPublisher(&awsadapter.SQS{Config: awsConfig(t, ""), Endpoint: q.Endpoint}, queue.URL)
	id := images.NewID()
	if err := pub.Publish(context.Background(), images.Job{ID: id, Key: images.OriginalKey(id)}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`{"id":"` + id + `","key":"originals/` + id + `"}`}, q.Bodies(t, queue)); diff != "" {
		t.Errorf("queue contents: -want +got:\n%s", diff)
	}
	bad := awsadapter.NewSQSPublisher(&awsadapter.SQS{Config: awsConfig(t, ""), Endpoint: q.Endpoint}, queue.URL+"-missing")
	if err := bad.Publish(context.Background(), images.Job{ID: id, Key: images.OriginalKey(id)}); err == nil {
		t.Error("publish to a missing queue: want an error")
	}
}

// deadEndpoint returns a URL on which nothing listens.
func deadEndpoint(t *testing.T) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return "http://127.0.0.1:" + strconv.Itoa(port), port
}

// TestFunctionsDoNoIOAtInit builds every function against endpoints and a database
// where nothing listens: construction must succeed at once (cold starts do no network
// or database work), the API's health check must answer without them, and the first
// real request must fail with a 503 rather than hang or crash.
func TestFunctionsDoNoIOAtInit(t *testing.T) {
	t.Parallel()
	endpoint, port := deadEndpoint(t)
	deps := awsadapter.Deps{AWS: awsConfig(t, endpoint), Secrets: &fakeSecrets{}, Logger: quiet}
	db := awsadapter.DBEnv{URL: "postgres://u:p@127.0.0.1:" + strconv.Itoa(port) + "/db?sslmode=disable&connect_timeout=2"}
	start := time.Now()
	api, err := awsadapter.APIFunction(awsadapter.Env{Bucket: "b", QueueURL: endpoint + "/q", MaxUploadBytes: 1 << 20, DB: db}, deps)
	if err != nil {
		t.Fatal(err)
	}
	worker, err := awsadapter.WorkerFunction(awsadapter.Env{Bucket: "b", MaxReceiveCount: 3, DB: db}, deps)
	if err != nil {
		t.Fatal(err)
	}
	migrate := awsadapter.MigrateFunction(awsadapter.Env{DB: db}, deps)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("constructing the functions took %s; they must not touch the network", d)
	}
	if worker == nil || migrate == nil {
		t.Fatal("nil handler")
	}
	ctx := context.Background()
	var resp events.APIGatewayV2HTTPResponse
	if err := testenv.Invoke(ctx, api, testenv.APIGatewayRequest("GET", "/healthz", nil, nil), &resp); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /healthz with nothing reachable: %d %v", resp.StatusCode, err)
	}
	if err := testenv.Invoke(ctx, api, testenv.APIGatewayRequest("GET", "/images/"+images.NewID(), nil, nil), &resp); err != nil || resp.StatusCode != 503 {
		t.Errorf("GET /images/{id} with the database down: %d %v; want 503", resp.StatusCode, err)
	}
	var mres awsadapter.MigrateResult
	if err := testenv.Invoke(ctx, migrate, struct{}{}, &mres); err == nil {
		t.Error("migrate with the database down: want an error")
	}
}

// TestMigrateFunction invokes the migrate function through the Lambda handler wrapper
// against a real database, twice.
func TestMigrateFunction(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateDatabase(t, "images")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{})
	fn, err := awsadapter.NewMigrateFunction(context.Background(), func(k string) string {
		return map[string]string{"DB_URL": bouncer.URL("images")}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	var first, second awsadapter.MigrateResult
	if err := testenv.Invoke(context.Background(), fn, map[string]any{}, &first); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Invoke(context.Background(), fn, map[string]any{}, &second); err != nil {
		t.Fatal(err)
	}
	want := []awsadapter.MigrateResult{{Applied: []string{"0001_create_images"}}, {Applied: []string{}}}
	if diff := cmp.Diff(want, []awsadapter.MigrateResult{first, second}, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("migrate results: -want +got:\n%s", diff)
	}
}
