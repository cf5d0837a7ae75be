package knative_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/artifact"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/knative"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

const bucket = "nimbus-images"

var (
	workDir string
	binMu   sync.Mutex
	bins    = map[string]string{}
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "nimbus-knative-test-")
	if err != nil {
		panic(err)
	}
	workDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// binary builds the main package pkg for the host once per run, with the artifacts' flags.
func binary(t *testing.T, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := bins[pkg]; ok {
		return p
	}
	dir, err := os.MkdirTemp(workDir, "bin-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outs, err := artifact.BuildBinaries(ctx, artifact.BinaryOptions{Dir: "..", GOARCH: runtime.GOARCH}, dir, pkg)
	if err != nil {
		t.Fatalf("cannot build %s: %v", pkg, err)
	}
	bins[pkg] = outs[0]
	return outs[0]
}

// server is a server binary running as a process.
type server struct {
	name string
	cmd  *exec.Cmd
	URL  string
	log  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs the binary with env (and PORT=port, HOST=127.0.0.1) until the test ends, and waits
// for its /healthz.
func start(t *testing.T, name, bin string, env map[string]string, port int) *server {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PORT=" + strconv.Itoa(port), "HOST=127.0.0.1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &server{name: name, cmd: cmd, URL: fmt.Sprintf("http://127.0.0.1:%d", port), log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, s.log.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("%s exited before it was ready (%v):\n%s", name, s.err, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 15s: %v\n%s", name, err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) kill() {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// stack is the api and worker servers on local PostgreSQL and S3, with a Broker ingress.
type stack struct {
	s3         *testenv.S3
	broker     *testenv.Broker
	env        map[string]string
	db         *pgx.Conn
	api        *server
	worker     *server
	workerPort int
	images     string // the binaries' suffix: "" for Knative's, "-gcp" for Cloud Run's
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t, func(map[string]string) {})
}

// newStackWith is newStack with the servers' environment changed by edit.
func newStackWith(t *testing.T, edit func(map[string]string)) *stack {
	t.Helper()
	return newStackOn(t, "", edit)
}

// newStackOn is newStackWith running the images whose mains are ./cmd/api-server+images and
// ./cmd/worker-server+images.
func newStackOn(t *testing.T, images string, edit func(map[string]string)) *stack {
	t.Helper()
	pg := testenv.StartPostgres(t)
	const user, password = "nimbus_app", "app 'password"
	url := pg.CreateOwner(t, "images", user, password)
	ctx := context.Background()
	pool := postgres.NewPool(func(context.Context) (*pgxpool.Config, error) { return pgxpool.ParseConfig(url) })
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	st := &stack{s3: testenv.StartS3(t, bucket), broker: testenv.StartBroker(t), images: images}
	st.env = map[string]string{
		"IMAGES_BUCKET":         bucket,
		"JOBS_BROKER_URL":       st.broker.URL,
		"DB_HOST":               pg.Host,
		"DB_PORT":               strconv.Itoa(pg.Port),
		"DB_NAME":               "images",
		"DB_USER":               user,
		"DB_PASSWORD":           password,
		"DB_SSLMODE":            "disable",
		"AWS_ENDPOINT_URL_S3":   st.s3.Endpoint,
		"AWS_REGION":            testenv.Region,
		"AWS_ACCESS_KEY_ID":     "test",
		"AWS_SECRET_ACCESS_KEY": "test",
		"SHUTDOWN_GRACE":        "10s",
	}
	var err error
	if st.db, err = pgx.Connect(ctx, pg.URL("images")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.db.Close(context.Background()) })
	if _, err := st.db.Exec(ctx, `
		CREATE TABLE image_updates (id uuid, old_status text, new_status text);
		CREATE FUNCTION log_image_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
		BEGIN INSERT INTO image_updates VALUES (OLD.id, OLD.status, NEW.status); RETURN NEW; END $$;
		CREATE TRIGGER log_image_update AFTER UPDATE ON images FOR EACH ROW EXECUTE FUNCTION log_image_update();`); err != nil {
		t.Fatal(err)
	}
	edit(st.env)
	st.api = start(t, "api-server"+images, binary(t, "./cmd/api-server"+images), st.env, freePort(t))
	st.workerPort = freePort(t)
	st.worker = st.startWorker(t)
	return st
}

func (st *stack) startWorker(t *testing.T) *server {
	t.Helper()
	return start(t, "worker-server"+st.images, binary(t, "./cmd/worker-server"+st.images), st.env, st.workerPort)
}

func (st *stack) trigger(retry int, backoff time.Duration) *testenv.Trigger {
	u := fmt.Sprintf("http://127.0.0.1:%d", st.workerPort)
	return &testenv.Trigger{Subscriber: u + knative.EventsPath, DeadLetterSink: u + knative.DeadLetterPath, Retry: retry, BackoffDelay: backoff}
}

// upload POSTs body to the api server and returns the status code and the decoded answer.
func (st *stack) upload(t *testing.T, body []byte) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(st.api.URL+"/images", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("upload: %d with a body that is no JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, m
}

func (st *stack) uploaded(t *testing.T, body []byte) string {
	t.Helper()
	code, m := st.upload(t, body)
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %v", code, m)
	}
	return m["id"].(string)
}

func (st *stack) status(t *testing.T, id string) map[string]any {
	t.Helper()
	resp, err := http.Get(st.api.URL + "/images/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (st *stack) updates(t *testing.T, id string) []string {
	t.Helper()
	rows, _ := st.db.Query(context.Background(), `SELECT old_status || '>' || new_status FROM image_updates WHERE id = $1::uuid`, id)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// published returns the one event the broker took for image id.
func (st *stack) published(t *testing.T, id string) event.Event {
	t.Helper()
	var got []event.Event
	for _, ev := range st.broker.Events() {
		if ev.ID() == id {
			got = append(got, ev)
		}
	}
	if len(got) == 0 {
		t.Fatalf("the broker took no event with id %s; it has %d events", id, len(st.broker.Events()))
	}
	return got[0]
}

func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestPipeline: an upload is published to the broker as a binary-mode CloudEvent, and the
// Trigger's delivery of it to the worker, in binary and in structured mode, makes the thumbnail.
func TestPipeline(t *testing.T) {
	st := newStack(t)
	for name, structured := range map[string]bool{"binary": false, "structured": true} {
		t.Run(name, func(t *testing.T) {
			id := st.uploaded(t, imagestest.PNG(640, 480))
			ev := st.published(t, id)
			want := map[string]string{"type": knative.JobEventType, "source": knative.DefaultEventSource, "datacontenttype": "application/json"}
			got := map[string]string{"type": ev.Type(), "source": ev.Source(), "datacontenttype": ev.DataContentType()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("published event attributes: -want +got:\n%s", diff)
			}
			tr := st.trigger(2, 10*time.Millisecond)
			tr.Structured = structured
			out, err := tr.Deliver(deadline(t, 30*time.Second), ev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(testenv.Outcome{Delivered: true, Attempts: 1, LastStatus: 200}, out); diff != "" {
				t.Fatalf("delivery: -want +got:\n%s", diff)
			}
			if got := st.status(t, id); got["status"] != "done" || got["thumbnailKey"] != images.ThumbnailKey(id) {
				t.Errorf("status after delivery: %v, want done with thumbnail %s", got, images.ThumbnailKey(id))
			}
			if n := st.s3.Puts(images.ThumbnailKey(id)); n != 1 {
				t.Errorf("thumbnail written %d times, want 1", n)
			}
		})
	}
}

// TestPoisonEventDeadLettered: a job whose original cannot be thumbnailed fails every delivery;
// after 1+retry attempts it reaches the dead-letter sink, which marks the image failed.
func TestPoisonEventDeadLettered(t *testing.T) {
	st := newStack(t)
	id := st.uploaded(t, imagestest.PNG(64, 64))
	if _, err := st.s3.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(images.OriginalKey(id)), Body: bytes.NewReader(imagestest.CorruptPNG())}); err != nil {
		t.Fatal(err)
	}
	tr := st.trigger(2, 10*time.Millisecond)
	out, err := tr.Deliver(deadline(t, 30*time.Second), st.published(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testenv.Outcome{Attempts: 3, LastStatus: 500, DeadLettered: true, DeadLetterAttempts: 1}, out); diff != "" {
		t.Fatalf("delivery: -want +got:\n%s", diff)
	}
	got := st.status(t, id)
	if got["status"] != "failed" {
		t.Errorf("status after dead-lettering: %v, want failed", got)
	}
	if diff := cmp.Diff([]string{"pending>failed"}, st.updates(t, id)); diff != "" {
		t.Errorf("state transitions: -want +got:\n%s", diff)
	}
	// A later delivery of the same event, and a second dead letter of it, are acknowledged
	// and change nothing.
	if out, err := tr.Deliver(deadline(t, 30*time.Second), st.published(t, id)); err != nil || !out.Delivered {
		t.Errorf("delivery after failure: %+v, %v; want acknowledged", out, err)
	}
	dls := &testenv.Trigger{Subscriber: tr.DeadLetterSink}
	if out, err := dls.Deliver(deadline(t, 30*time.Second), st.published(t, id)); err != nil || !out.Delivered {
		t.Errorf("second dead letter: %+v, %v; want acknowledged", out, err)
	}
	if diff := cmp.Diff([]string{"pending>failed"}, st.updates(t, id)); diff != "" {
		t.Errorf("state transitions after a second dead letter: -want +got:\n%s", diff)
	}
}

// TestNotAJob: an event that carries no job is answered 400, which Knative does not retry: it
// goes to the dead-letter sink at once, which acknowledges it.
func TestNotAJob(t *testing.T) {
	st := newStack(t)
	ev := event.New()
	ev.SetID("not-a-job")
	ev.SetSource("/elsewhere")
	ev.SetType(knative.JobEventType)
	if err := ev.SetData(event.ApplicationJSON, map[string]string{"id": "nope"}); err != nil {
		t.Fatal(err)
	}
	out, err := st.trigger(3, 10*time.Millisecond).Deliver(deadline(t, 30*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testenv.Outcome{Attempts: 1, LastStatus: 400, DeadLettered: true, DeadLetterAttempts: 1}, out); diff != "" {
		t.Fatalf("delivery: -want +got:\n%s", diff)
	}
}

// TestDuplicateDelivery: the same event delivered twice, also after a retried publish, gives one
// thumbnail and one state transition.
func TestDuplicateDelivery(t *testing.T) {
	st := newStack(t)
	st.broker.FailNext(1, http.StatusServiceUnavailable)
	id := st.uploaded(t, imagestest.JPEG(800, 600))
	if got := st.broker.Posts(); got != 2 {
		t.Errorf("the api POSTed %d times to the broker, want 2 (one failed, one retry)", got)
	}
	ev := st.published(t, id)
	tr := st.trigger(1, 10*time.Millisecond)
	for i := range 2 {
		out, err := tr.Deliver(deadline(t, 30*time.Second), ev)
		if err != nil || !out.Delivered {
			t.Fatalf("delivery %d: %+v, %v", i+1, out, err)
		}
	}
	if n := st.s3.Puts(images.ThumbnailKey(id)); n != 1 {
		t.Errorf("thumbnail written %d times, want 1", n)
	}
	if diff := cmp.Diff([]string{"pending>done"}, st.updates(t, id)); diff != "" {
		t.Errorf("state transitions: -want +got:\n%s", diff)
	}
}

// TestPublishFails: when the broker keeps failing, the upload is answered 503 and its record
// stays pending, as the Lambda API does for a failed SQS send.
func TestPublishFails(t *testing.T) {
	st := newStack(t)
	st.broker.FailNext(knative.PublishAttempts, http.StatusInternalServerError)
	code, m := st.upload(t, imagestest.PNG(32, 32))
	if code != http.StatusServiceUnavailable {
		t.Fatalf("upload with the broker down: %d %v, want 503", code, m)
	}
	if got := st.broker.Posts(); got != knative.PublishAttempts {
		t.Errorf("the api POSTed %d times, want %d", got, knative.PublishAttempts)
	}
	var pending int
	if err := st.db.QueryRow(context.Background(), `SELECT count(*) FROM images WHERE status = 'pending'`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 1 {
		t.Errorf("%d pending records, want 1", pending)
	}
}

// TestKilledWorker: a worker killed with SIGKILL in the middle of a job loses nothing: the Trigger
// retries, a new worker takes the redelivered event and finishes the job.
func TestKilledWorker(t *testing.T) {
	st := newStack(t)
	id := st.uploaded(t, imagestest.PNG(320, 240))
	waiting, release := st.s3.HoldGets("originals/", 0)
	defer release()
	tr := st.trigger(6, 200*time.Millisecond)
	type result struct {
		out testenv.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := tr.Deliver(deadline(t, 60*time.Second), st.published(t, id))
		done <- result{out, err}
	}()
	waitUntil(t, func() bool { return waiting() == 1 }, "the worker to read the original")
	if err := st.worker.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-st.worker.done
	release()
	st.worker = st.startWorker(t)
	r := <-done
	if r.err != nil || !r.out.Delivered || r.out.Attempts < 2 {
		t.Fatalf("delivery across the kill: %+v, %v; want delivered after a retry", r.out, r.err)
	}
	if got := st.status(t, id); got["status"] != "done" {
		t.Errorf("status: %v, want done", got)
	}
	if diff := cmp.Diff([]string{"pending>done"}, st.updates(t, id)); diff != "" {
		t.Errorf("state transitions: -want +got:\n%s", diff)
	}
}

// TestSIGTERMDrains: on SIGTERM the worker refuses new connections but finishes the request in
// flight, answers it 200, and exits 0.
func TestSIGTERMDrains(t *testing.T) {
	st := newStack(t)
	id := st.uploaded(t, imagestest.PNG(320, 240))
	waiting, release := st.s3.HoldGets("originals/", 0)
	defer release()
	tr := st.trigger(0, 10*time.Millisecond)
	done := make(chan testenv.Outcome, 1)
	go func() {
		out, _ := tr.Deliver(deadline(t, 60*time.Second), st.published(t, id))
		done <- out
	}()
	waitUntil(t, func() bool { return waiting() == 1 }, "the worker to read the original")
	if err := st.worker.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", st.workerPort), 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, "the worker to refuse new connections")
	select {
	case <-st.worker.done:
		t.Fatalf("the worker exited with a request in flight: %v", st.worker.err)
	default:
	}
	release()
	out := <-done
	if diff := cmp.Diff(testenv.Outcome{Delivered: true, Attempts: 1, LastStatus: 200}, out); diff != "" {
		t.Errorf("in-flight delivery: -want +got:\n%s", diff)
	}
	select {
	case <-st.worker.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not exit after draining")
	}
	if st.worker.err != nil {
		t.Errorf("worker exit: %v, want 0", st.worker.err)
	}
	if got := st.status(t, id); got["status"] != "done" {
		t.Errorf("status: %v, want done", got)
	}
}

func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
