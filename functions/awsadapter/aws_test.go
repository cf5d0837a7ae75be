package awsadapter_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// awsConfig is the functions' own SDK configuration (AWSConfig) for an environment with test
// credentials and, when endpoint is not empty, AWS_ENDPOINT_URL=endpoint.
func awsConfig(t *testing.T, endpoint string) aws.Config {
	t.Helper()
	env := map[string]string{"AWS_REGION": testenv.Region, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL": endpoint}
	return awsadapter.AWSConfig(func(k string) string { return env[k] })
}

// TestS3Blobs runs the blob store against gofakes3. The client is given only an
// endpoint override, so it must switch to path-style addressing by itself.
func TestS3Blobs(t *testing.T) {
	t.Parallel()
	s := testenv.StartS3(t, "images-bucket")
	blobs := awsadapter.NewS3Blobs(awsadapter.NewS3Client(awsConfig(t, s.Endpoint)), "images-bucket")
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

// TestEndpointEnv checks that every client takes its endpoint from the variables the SDK
// defines, with the SDK's precedence: AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL, and
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignoring both (nil is the regional endpoint).
func TestEndpointEnv(t *testing.T) {
	t.Parallel()
	const global, s3URL, sqsURL, smURL = "http://global.test", "http://s3.test", "http://sqs.test", "http://sm.test"
	type endpoints struct{ S3, SQS, SecretsManager string }
	specific := map[string]string{"AWS_ENDPOINT_URL_S3": s3URL, "AWS_ENDPOINT_URL_SQS": sqsURL, "AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := map[string]struct {
		reason string
		env    map[string]string
		want   endpoints
	}{
		"None":         {reason: "Without overrides every client resolves its regional endpoint.", env: with(nil)},
		"GlobalOnly":   {reason: "AWS_ENDPOINT_URL applies to every client.", env: with(nil, "AWS_ENDPOINT_URL", global), want: endpoints{global, global, global}},
		"SpecificOnly": {reason: "Each service variable applies to its own client only.", env: with(nil, "AWS_ENDPOINT_URL_SQS", sqsURL), want: endpoints{SQS: sqsURL}},
		"SpecificWins": {reason: "A service variable wins over the global one; the others keep the global.",
			env: with(nil, "AWS_ENDPOINT_URL", global, "AWS_ENDPOINT_URL_SECRETS_MANAGER", smURL), want: endpoints{global, global, smURL}},
		"AllSpecific": {reason: "Every service variable wins for its client.", env: with(specific, "AWS_ENDPOINT_URL", global), want: endpoints{s3URL, sqsURL, smURL}},
		"Ignored":     {reason: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them all.", env: with(specific, "AWS_ENDPOINT_URL", global, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := awsadapter.AWSConfig(func(k string) string { return tc.env[k] })
			s3o, sqso, smo := awsadapter.NewS3Client(cfg).Options(), awsadapter.NewSQSClient(cfg).Options(), awsadapter.NewSecretsManagerClient(cfg).Options()
			got := endpoints{aws.ToString(s3o.BaseEndpoint), aws.ToString(sqso.BaseEndpoint), aws.ToString(smo.BaseEndpoint)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nresolved endpoints -want +got:\n%s", tc.reason, diff)
			}
			if s3o.UsePathStyle != (got.S3 != "") {
				t.Errorf("S3 path style %v with endpoint %q: want path style exactly when overridden", s3o.UsePathStyle, got.S3)
			}
			if _, ok := sqso.Retryer.(*retry.Standard); !ok {
				t.Errorf("SQS retryer is %T, want the SDK's standard retryer", sqso.Retryer)
			}
			if _, ok := smo.Retryer.(*retry.Standard); !ok {
				t.Errorf("Secrets Manager retryer is %T, want the SDK's standard retryer", smo.Retryer)
			}
		})
	}
}

// TestEndpointEnvReachesServers sets the variables in the process environment, as Lambda (or a
// local run) does, builds the clients as the functions do, and sends real requests: S3 through
// AWS_ENDPOINT_URL_S3 to gofakes3, SQS through the global AWS_ENDPOINT_URL to goaws, Secrets
// Manager through AWS_ENDPOINT_URL_SECRETS_MANAGER to the local fake. The SDK's clients consult the
// process environment themselves, so this is the case the table above cannot cover.
func TestEndpointEnvReachesServers(t *testing.T) {
	s := testenv.StartS3(t, "env-bucket")
	q := testenv.StartSQS(t)
	queue := q.CreateQueue(t, testenv.QueueOptions{})
	sm := testenv.StartSecretsManager(t, map[string]string{"arn:s": "value"})
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": q.Endpoint, "AWS_ENDPOINT_URL_S3": s.Endpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.Endpoint,
		"AWS_REGION": testenv.Region, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
	} {
		t.Setenv(k, v)
	}
	deps, err := awsadapter.NewDeps(context.Background(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := awsadapter.NewS3Blobs(awsadapter.NewS3Client(deps.AWS), "env-bucket").Put(ctx, "k", []byte("v"), "text/plain"); err != nil {
		t.Fatalf("put through the env-configured client: %v", err)
	}
	id := images.NewID()
	if err := awsadapter.NewSQSPublisher(awsadapter.NewSQSClient(deps.AWS), queue.URL).Publish(ctx, images.Job{ID: id, Key: images.OriginalKey(id)}); err != nil {
		t.Fatalf("publish through the env-configured client: %v", err)
	}
	v, err := deps.Secrets.GetSecretString(ctx, "arn:s")
	if err != nil {
		t.Fatalf("secret through the env-configured client: %v", err)
	}
	got := []any{s.Puts("k"), len(q.Bodies(t, queue)), v}
	if diff := cmp.Diff([]any{1, 1, "value"}, got); diff != "" {
		t.Errorf("(S3 writes, queued messages, secret) -want +got:\n%s", diff)
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

// TestSQSPublisher publishes a job to goaws through the SDK's client and reads back the
// contract's body.
func TestSQSPublisher(t *testing.T) {
	t.Parallel()
	q := testenv.StartSQS(t)
	queue := q.CreateQueue(t, testenv.QueueOptions{})
	client := awsadapter.NewSQSClient(awsConfig(t, q.Endpoint))
	id := images.NewID()
	if err := awsadapter.NewSQSPublisher(client, queue.URL).Publish(context.Background(), images.Job{ID: id, Key: images.OriginalKey(id)}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`{"id":"` + id + `","key":"originals/` + id + `"}`}, q.Bodies(t, queue)); diff != "" {
		t.Errorf("queue contents: -want +got:\n%s", diff)
	}
	err := awsadapter.NewSQSPublisher(client, queue.URL+"-missing").Publish(context.Background(), images.Job{ID: id, Key: images.OriginalKey(id)})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("publish to a missing queue: err = %v, want the SDK's QueueDoesNotExist", err)
	}
}

// TestSQSPublisherRetries puts a server that fails the first requests in front of goaws: the
// SDK's standard retryer (3 attempts) must absorb server errors and throttling, and give up
// after its last attempt.
func TestSQSPublisherRetries(t *testing.T) {
	t.Parallel()
	q := testenv.StartSQS(t)
	type want struct {
		ok               bool
		requests, failed int
		messages         int
	}
	cases := map[string]struct {
		reason string
		fail   int
		status int
		code   string
		want   want
	}{
		"ServerErrors": {reason: "Two 500s, then goaws: the third attempt publishes.", fail: 2, status: 500, code: "InternalFailure",
			want: want{ok: true, requests: 3, failed: 2, messages: 1}},
		"Throttled": {reason: "A throttling answer is retried (after the SDK's longer throttling backoff).", fail: 1, status: 400, code: "ThrottlingException",
			want: want{ok: true, requests: 2, failed: 1, messages: 1}},
		"Persistent": {reason: "Three 503s exhaust the three attempts: the publish fails and nothing is queued.", fail: 3, status: 503, code: "ServiceUnavailable",
			want: want{requests: 3, failed: 3}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			queue := q.CreateQueue(t, testenv.QueueOptions{})
			front := testenv.StartFaulty(t, q.Endpoint)
			front.FailNext(tc.fail, tc.status, tc.code)
			id := images.NewID()
			err := awsadapter.NewSQSPublisher(awsadapter.NewSQSClient(awsConfig(t, front.Endpoint)), queue.URL).Publish(context.Background(), images.Job{ID: id, Key: images.OriginalKey(id)})
			got := want{ok: err == nil, messages: len(q.Bodies(t, queue))}
			got.requests, got.failed = front.Requests()
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s\npublish error: %v", tc.reason, diff, err)
			}
		})
	}
}

// TestSQSPublisherTimeout checks that a publish is bounded by its own timeout, retries included,
// when the endpoint accepts connections but never answers.
func TestSQSPublisherTimeout(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	pub := awsadapter.NewSQSPublisher(awsadapter.NewSQSClient(awsConfig(t, srv.URL)), srv.URL+"/000000000000/q")
	pub.Timeout = 300 * time.Millisecond
	start := time.Now()
	err := pub.Publish(context.Background(), images.Job{ID: images.NewID(), Key: "k"})
	if took := time.Since(start); err == nil || took > 3*time.Second {
		t.Errorf("publish to a hung endpoint: err = %v after %s, want an error after about 300ms", err, took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("publish to a hung endpoint: err = %v, want context.DeadlineExceeded", err)
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

// TestMigrateFunction invokes the migrate function through the Lambda wrapper against a real
// database, as a master user that is no superuser, with the app role's secret read from Secrets
// Manager through the SDK: the first run applies the migrations and creates the role, the second
// applies nothing, and a rotated secret's password takes effect on the next run.
func TestMigrateFunction(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateOwner(t, "images", "nimbus_master", "master-pw")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{Users: map[string]string{"nimbus_master": "master-pw", "nimbus_app": "pw1"}})
	sm := testenv.StartSecretsManager(t, map[string]string{
		"arn:app":   `{"username":"nimbus_app","password":"pw1"}`,
		"arn:other": `{"username":"someone_else","password":"x"}`,
	})
	env := map[string]string{
		"DB_URL": bouncer.URLAs("nimbus_master", "master-pw", "images"), "DB_APP_USER": "nimbus_app", "DB_APP_SECRET_ARN": "arn:app",
		"AWS_REGION": testenv.Region, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.Endpoint,
	}
	ctx := context.Background()
	fn, err := awsadapter.NewMigrateFunction(ctx, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var first, second awsadapter.MigrateResult
	if err := testenv.Invoke(ctx, fn, map[string]any{}, &first); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Invoke(ctx, fn, map[string]any{}, &second); err != nil {
		t.Fatal(err)
	}
	want := []awsadapter.MigrateResult{{Applied: []string{"0001_create_images"}}, {Applied: []string{}}}
	if diff := cmp.Diff(want, []awsadapter.MigrateResult{first, second}, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("migrate results: -want +got:\n%s", diff)
	}
	connects := func(url string) error {
		p := postgres.NewPool(awsadapter.DBConfigFunc(awsadapter.DBEnv{URL: url}, "", nil, nil))
		defer p.Close()
		_, err := postgres.NewStore(p).Get(ctx, images.NewID())
		if errors.Is(err, images.ErrNotFound) {
			return nil
		}
		return err
	}
	if err := connects(bouncer.URLAs("nimbus_app", "pw1", "images")); err != nil {
		t.Errorf("the app role through PgBouncer with the secret's password: %v", err)
	}
	sm.Set("arn:app", `{"username":"nimbus_app","password":"pw2"}`)
	if err := testenv.Invoke(ctx, fn, map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := connects(pg.URLAs("nimbus_app", "pw2", "images")); err != nil {
		t.Errorf("the app role with the rotated password: %v", err)
	}
	if sm.Reads("arn:app") != 3 {
		t.Errorf("the app secret was read %d times in 3 runs, want once per run", sm.Reads("arn:app"))
	}

	env["DB_APP_SECRET_ARN"] = "arn:other"
	other, err := awsadapter.NewMigrateFunction(ctx, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	err = testenv.Invoke(ctx, other, map[string]any{}, nil)
	if wantErr := `secret arn:other is for user "someone_else" but DB_APP_USER is "nimbus_app"`; err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("a secret for another user: err = %v, want one containing %q", err, wantErr)
	}
}

// TestMigrateFunctionWithoutAppRole: without DB_APP_USER (an external pooler, whose URL is the only
// credential) migrate manages no role and says why.
func TestMigrateFunctionWithoutAppRole(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	url := pg.CreateDatabase(t, "images")
	var logs bytes.Buffer
	deps := awsadapter.Deps{AWS: awsConfig(t, ""), Secrets: &fakeSecrets{}, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	env, err := awsadapter.LoadEnv("migrate", func(k string) string { return map[string]string{"DB_URL": url}[k] })
	if err != nil {
		t.Fatal(err)
	}
	var res awsadapter.MigrateResult
	if err := testenv.Invoke(context.Background(), awsadapter.MigrateFunction(env, deps), map[string]any{}, &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "DB_APP_USER is not set, so no app role is managed") || len(res.Applied) != 1 {
		t.Errorf("applied %v, logs:\n%s\nwant the migration applied and the reason no role is managed logged", res.Applied, logs.String())
	}
}
