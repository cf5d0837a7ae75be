package fargate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/awsadapter/fargate"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// baseEnv is a complete api environment (the Lambda function's) without PORT.
func baseEnv() map[string]string {
	return map[string]string{"IMAGES_BUCKET": "images", "JOBS_QUEUE_URL": "http://sqs.test/q", "DB_URL": "postgres://u:p@127.0.0.1:1/db?sslmode=disable"}
}

func TestLoadEnv(t *testing.T) {
	t.Parallel()
	api, err := awsadapter.LoadEnv(awsadapter.FunctionAPI, func(k string) string { return baseEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		set    map[string]string
		unset  []string
		want   fargate.Env
		errs   []string // each must be in the error, which must name the variable
	}{
		"Defaults": {reason: "Without PORT and SHUTDOWN_GRACE the server listens on 8080 and drains for 25s.",
			want: fargate.Env{API: api, Port: 8080, ShutdownGrace: 25 * time.Second}},
		"Set": {reason: "PORT and SHUTDOWN_GRACE are taken, surrounding spaces trimmed.", set: map[string]string{"PORT": " 9000 ", "SHUTDOWN_GRACE": "100s"},
			want: fargate.Env{API: api, Port: 9000, ShutdownGrace: 100 * time.Second}},
		"PortZero": {reason: "PORT=0 is no port.", set: map[string]string{"PORT": "0"},
			errs: []string{`PORT must be a port number between 1 and 65535, got "0"`}},
		"PortNotANumber": {reason: "PORT=abc is no port.", set: map[string]string{"PORT": "abc"},
			errs: []string{`PORT must be a port number between 1 and 65535, got "abc"`}},
		"PortTooLarge": {reason: "PORT=65536 is past the range.", set: map[string]string{"PORT": "65536"},
			errs: []string{`PORT must be a port number between 1 and 65535, got "65536"`}},
		"BadGrace": {reason: "SHUTDOWN_GRACE must be a positive duration.", set: map[string]string{"SHUTDOWN_GRACE": "-1s"},
			errs: []string{`SHUTDOWN_GRACE must be a positive Go duration such as 25s, got "-1s"`}},
		"MissingBucket": {reason: "The api function's variables are checked as on Lambda.", unset: []string{"IMAGES_BUCKET"},
			errs: []string{"IMAGES_BUCKET is required by the api function"}},
		"Everything": {reason: "Every problem is reported at once.", unset: []string{"IMAGES_BUCKET", "JOBS_QUEUE_URL"}, set: map[string]string{"PORT": "abc", "MAX_UPLOAD_BYTES": "-1"},
			errs: []string{"IMAGES_BUCKET is required", "JOBS_QUEUE_URL is required", `MAX_UPLOAD_BYTES must be a positive number of bytes, got "-1"`, `PORT must be a port number between 1 and 65535, got "abc"`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := baseEnv()
			for _, k := range tc.unset {
				delete(env, k)
			}
			for k, v := range tc.set {
				env[k] = v
			}
			got, err := fargate.LoadEnv(func(k string) string { return env[k] })
			if len(tc.errs) == 0 {
				if err != nil {
					t.Fatalf("%s\nunexpected error: %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s\nenv -want +got:\n%s", tc.reason, diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s\nwant an error, got %+v", tc.reason, got)
			}
			var missing []string
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					missing = append(missing, want)
				}
			}
			if diff := cmp.Diff([]string(nil), missing); diff != "" {
				t.Errorf("%s\nparts missing from the error %q: -want +got:\n%s", tc.reason, err, diff)
			}
		})
	}
}

// TestCredentials: static keys win; otherwise the container credentials endpoint is asked, with
// the authorization token, as ECS (and EKS Pod Identity) serve it.
func TestCredentials(t *testing.T) {
	t.Parallel()
	var gotAuth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"AccessKeyId":"ASIATASK","SecretAccessKey":"task-secret","Token":"task-token","Expiration":"`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`"}`)
	}))
	t.Cleanup(srv.Close)
	cases := map[string]struct {
		reason string
		env    map[string]string
		want   *aws.Credentials // nil: no provider (the static keys of awsadapter.AWSConfig apply)
	}{
		"StaticKeys": {reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY win over the endpoint.",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL}},
		"Nothing": {reason: "No endpoint named: no provider.", env: map[string]string{}},
		"FullURI": {reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI is asked, with AWS_CONTAINER_AUTHORIZATION_TOKEN.",
			env:  map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"},
			want: &aws.Credentials{AccessKeyID: "ASIATASK", SecretAccessKey: "task-secret", SessionToken: "task-token"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := fargate.Credentials(func(k string) string { return tc.env[k] })
			if tc.want == nil {
				if p != nil {
					t.Errorf("%s\ngot a provider %T, want none", tc.reason, p)
				}
				return
			}
			if p == nil {
				t.Fatalf("%s\nno provider", tc.reason)
			}
			c, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
			if diff := cmp.Diff(*tc.want, got); diff != "" {
				t.Errorf("%s\ncredentials -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]string{"tok"}, gotAuth); diff != "" {
				t.Errorf("Authorization headers sent -want +got:\n%s", diff)
			}
		})
	}
}

// stack is the server built by NewAPIServer against gofakes3, goaws and PostgreSQL, on a
// listener of its own.
type stack struct {
	s3     *testenv.S3
	sqs    *testenv.SQS
	queue  *testenv.Queue
	srv    *fargate.Server
	url    string
	ln     net.Listener
	cancel context.CancelFunc
	done   chan error
}

func newStack(t *testing.T, wrap func(http.Handler) http.Handler) *stack {
	t.Helper()
	pg := testenv.StartPostgres(t)
	dbURL := pg.CreateDatabase(t, "images")
	pool := postgres.NewPool(awsadapter.DBConfigFunc(awsadapter.DBEnv{URL: dbURL}, "", nil, nil))
	if _, err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	st := &stack{s3: testenv.StartS3(t, "images-bucket"), sqs: testenv.StartSQS(t)}
	st.queue = st.sqs.CreateQueue(t, testenv.QueueOptions{})
	env := map[string]string{
		"IMAGES_BUCKET": "images-bucket", "JOBS_QUEUE_URL": st.queue.URL, "DB_URL": dbURL, "SHUTDOWN_GRACE": "20s",
		"AWS_REGION": testenv.Region, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_ENDPOINT_URL_S3": st.s3.Endpoint, "AWS_ENDPOINT_URL_SQS": st.sqs.Endpoint,
	}
	srv, err := fargate.NewAPIServer(context.Background(), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		srv.Handler = wrap(srv.Handler)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st.srv, st.ln, st.url, st.cancel, st.done = srv, ln, "http://"+ln.Addr().String(), cancel, make(chan error, 1)
	go func() { st.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-st.done
	})
	return st
}

func decode[T any](t *testing.T, resp *http.Response, wantStatus int) T {
	t.Helper()
	defer resp.Body.Close()
	var v T
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, wantStatus, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("answer is no JSON: %v: %s", err, body)
	}
	return v
}

// TestRoundTrip: POST /images stores the original in S3, records it in PostgreSQL and queues the
// job on SQS; GET /images/{id} reads the record back; GET /healthz answers.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	st := newStack(t, nil)
	png := imagestest.PNG(64, 48)
	resp, err := http.Post(st.url+"/images", "image/png", bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	up := decode[images.UploadResponse](t, resp, http.StatusAccepted)
	if resp, err = http.Get(st.url + up.StatusURL); err != nil {
		t.Fatal(err)
	}
	status := decode[images.StatusResponse](t, resp, http.StatusOK)
	if diff := cmp.Diff(images.StatusResponse{ID: up.ID, Status: images.StatusPending}, status); diff != "" {
		t.Errorf("GET %s -want +got:\n%s", up.StatusURL, diff)
	}
	stored, ct := st.s3.Object(t, images.OriginalKey(up.ID))
	if diff := cmp.Diff([]any{png, images.TypePNG}, []any{stored, ct}); diff != "" {
		t.Errorf("original in S3 (body, content type) -want +got:\n%s", diff)
	}
	want := []string{`{"id":"` + up.ID + `","key":"` + images.OriginalKey(up.ID) + `"}`}
	if diff := cmp.Diff(want, st.sqs.Bodies(t, st.queue)); diff != "" {
		t.Errorf("queued jobs -want +got:\n%s", diff)
	}
	if resp, err = http.Get(st.url + "/healthz"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d, want 200", resp.StatusCode)
	}
}

// TestDrain: when the context ends (as on SIGTERM) with an upload in flight, the server refuses
// new connections, lets the upload finish (202, job queued) and then returns nil.
func TestDrain(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{}, 1)
	st := newStack(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				entered <- struct{}{}
			}
			h.ServeHTTP(w, r)
		})
	})
	png := imagestest.PNG(64, 48)
	pr, pw := io.Pipe()
	answer := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Post(st.url+"/images", "image/png", pr)
		if err != nil {
			t.Errorf("upload in flight: %v", err)
		}
		answer <- resp
	}()
	if _, err := pw.Write(png[:16]); err != nil {
		t.Fatal(err)
	}
	<-entered
	st.cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", st.ln.Addr().String(), 100*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after the context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-st.done:
		t.Fatalf("the server returned with a request in flight: %v", err)
	default:
	}
	if _, err := pw.Write(png[16:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	resp := <-answer
	if resp == nil {
		t.FailNow()
	}
	up := decode[images.UploadResponse](t, resp, http.StatusAccepted)
	select {
	case err := <-st.done:
		if err != nil {
			t.Errorf("Serve after the drain: %v, want nil", err)
		}
		st.done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not return after draining")
	}
	if got := len(st.sqs.Bodies(t, st.queue)); got != 1 {
		t.Errorf("jobs queued for the drained upload %s: %d, want 1", up.ID, got)
	}
}
