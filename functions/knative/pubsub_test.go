package knative_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nimbus-iac/nimbus/functions/gcp"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
)

const (
	psProject = "nimbus-test"
	psTopic   = "projects/nimbus-test/topics/jobs"
	psDLTopic = "projects/nimbus-test/topics/jobs-dead"
	psSub     = "projects/nimbus-test/subscriptions/jobs-push"
	psDLSub   = "projects/nimbus-test/subscriptions/jobs-dead"
	// psDLPushSub is the dead-letter topic's push subscription to the worker's /deadletter.
	psDLPushSub = "projects/nimbus-test/subscriptions/jobs-dead-push"
	psAttempts  = 5
)

// pushDriver does what a Pub/Sub push subscription does, against pstest (Google's in-process
// Pub/Sub fake, whose subscriptions have dead-letter policies and delivery attempts): pull a
// message, POST it as a push envelope to the worker, acknowledge a 2xx, nack anything else so
// that it is redelivered and, after maxDeliveryAttempts, forwarded to the dead-letter topic.
// A nacked message is hidden for backoff (the subscription's retry policy's minimumBackoff).
type pushDriver struct {
	c   *pubsub.Client
	url string
	// sub is the subscription pulled, psSub when empty.
	sub     string
	backoff time.Duration
	answers []int
}

func newPubSub(t *testing.T) (*pstest.Server, *pubsub.Client) {
	t.Helper()
	srv := pstest.NewServer()
	t.Cleanup(func() { srv.Close() })
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := pubsub.NewClient(context.Background(), psProject, option.WithGRPCConn(conn))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tp := range []string{psTopic, psDLTopic} {
		if _, err := c.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: tp}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{psDLSub, psDLPushSub} {
		if _, err := c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: psDLTopic, AckDeadlineSeconds: 10}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: psSub, Topic: psTopic, AckDeadlineSeconds: 10,
		DeadLetterPolicy: &pubsubpb.DeadLetterPolicy{DeadLetterTopic: psDLTopic, MaxDeliveryAttempts: psAttempts}}); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// pubsubStack is the stack with the api publishing to pstest and the worker taking pushes.
func pubsubStack(t *testing.T) (*stack, *pstest.Server, *pubsub.Client) {
	t.Helper()
	srv, c := newPubSub(t)
	// The Cloud Run images, which alone link Pub/Sub; blobs stay on the local S3 store.
	st := newStackOn(t, "-gcp", func(env map[string]string) {
		delete(env, "JOBS_BROKER_URL")
		env["IMAGES_STORE"] = "s3"
		env["JOBS_TOPIC"] = psTopic
		env["JOBS_QUEUE_URL"] = psTopic
		env["PUBSUB_EMULATOR_HOST"] = srv.Addr
		env["JOBS_DELIVERY"] = "pubsub-push"
		env["JOBS_MAX_RECEIVE_COUNT"] = strconv.Itoa(psAttempts)
	})
	return st, srv, c
}

// drain delivers until the subscription has nothing to pull (none hidden by a backoff either),
// or ctx ends. It may run on its own goroutine: problems are reported with t.Error.
func (d *pushDriver) drain(t *testing.T, ctx context.Context) {
	sub := d.sub
	if sub == "" {
		sub = psSub
	}
	var lastNack time.Time
	for ctx.Err() == nil {
		resp, err := d.c.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: sub, MaxMessages: 1, ReturnImmediately: true})
		if err != nil {
			t.Error(err)
			return
		}
		if len(resp.ReceivedMessages) == 0 {
			if time.Since(lastNack) > d.backoff+300*time.Millisecond {
				return
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for _, rm := range resp.ReceivedMessages {
			env := map[string]any{"message": map[string]any{"data": rm.Message.Data, "attributes": rm.Message.Attributes, "messageId": rm.Message.MessageId},
				"subscription": sub, "deliveryAttempt": rm.DeliveryAttempt}
			if rm.DeliveryAttempt == 0 { // no dead-letter policy: Pub/Sub sends no deliveryAttempt
				delete(env, "deliveryAttempt")
			}
			body, _ := json.Marshal(env)
			code := 0
			if r, err := http.Post(d.url, "application/json", bytes.NewReader(body)); err == nil {
				code = r.StatusCode
				r.Body.Close()
			}
			d.answers = append(d.answers, code)
			if code/100 == 2 {
				_, err = d.c.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: sub, AckIds: []string{rm.AckId}}), nil
			} else {
				lastNack = time.Now()
				err = d.c.SubscriptionAdminClient.ModifyAckDeadline(ctx, &pubsubpb.ModifyAckDeadlineRequest{Subscription: sub, AckIds: []string{rm.AckId}, AckDeadlineSeconds: int32(d.backoff / time.Second)})
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}
}

func deadLetters(t *testing.T, c *pubsub.Client) []string {
	t.Helper()
	resp, err := c.SubscriptionAdminClient.Pull(context.Background(), &pubsubpb.PullRequest{Subscription: psDLSub, MaxMessages: 10, ReturnImmediately: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range resp.ReceivedMessages {
		out = append(out, string(m.Message.Data))
	}
	return out
}

func TestPubSubPipeline(t *testing.T) {
	st, _, c := pubsubStack(t)
	id := st.uploaded(t, imagestest.PNG(64, 64))
	d := &pushDriver{c: c, url: st.worker.URL + gcp.PushPath}
	d.drain(t, deadline(t, 30*time.Second))
	if diff := cmp.Diff([]int{200}, d.answers); diff != "" {
		t.Errorf("push answers: -want +got:\n%s", diff)
	}
	if got := st.status(t, id)["status"]; got != "done" {
		t.Errorf("status %v, want done", got)
	}
	if got := st.s3.Puts(images.ThumbnailKey(id)); got != 1 {
		t.Errorf("%d thumbnail writes, want 1", got)
	}
}

func TestPubSubPoisonDeadLettered(t *testing.T) {
	st, srv, c := pubsubStack(t)
	id := st.uploaded(t, imagestest.PNG(64, 64))
	if _, err := st.s3.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(images.OriginalKey(id)), Body: bytes.NewReader(imagestest.CorruptPNG())}); err != nil {
		t.Fatal(err)
	}
	// And a message that is no job at all.
	srv.Publish(psTopic, []byte("not a job"), nil)
	d := &pushDriver{c: c, url: st.worker.URL + gcp.PushPath}
	d.drain(t, deadline(t, 60*time.Second))
	counts := map[int]int{}
	for _, a := range d.answers {
		counts[a]++
	}
	if diff := cmp.Diff(map[int]int{500: psAttempts, 400: psAttempts}, counts); diff != "" {
		t.Errorf("push answers: -want +got:\n%s", diff)
	}
	if got := st.status(t, id)["status"]; got != "failed" {
		t.Errorf("status %v, want failed", got)
	}
	if diff := cmp.Diff([]string{"pending>failed"}, st.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
	if got := deadLetters(t, c); len(got) != 2 {
		t.Errorf("dead letters %q, want the poison job and the non-job", got)
	}
}

func TestPubSubDuplicates(t *testing.T) {
	st, srv, c := pubsubStack(t)
	id := st.uploaded(t, imagestest.PNG(64, 64))
	job, _ := json.Marshal(images.Job{ID: id, Key: images.OriginalKey(id)})
	srv.Publish(psTopic, job, nil)
	srv.Publish(psTopic, job, nil)
	d := &pushDriver{c: c, url: st.worker.URL + gcp.PushPath}
	d.drain(t, deadline(t, 30*time.Second))
	if diff := cmp.Diff([]int{200, 200, 200}, d.answers); diff != "" {
		t.Errorf("push answers: -want +got:\n%s", diff)
	}
	if got := st.s3.Puts(images.ThumbnailKey(id)); got != 1 {
		t.Errorf("%d thumbnail writes, want 1", got)
	}
	if diff := cmp.Diff([]string{"pending>done"}, st.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
}

// TestPubSubKilledWorker: a worker killed with SIGKILL in the middle of a push loses nothing: the
// push is not acknowledged, Pub/Sub redelivers it after its backoff, and the restarted worker
// finishes the job once.
func TestPubSubKilledWorker(t *testing.T) {
	st, _, c := pubsubStack(t)
	id := st.uploaded(t, imagestest.PNG(320, 240))
	waiting, release := st.s3.HoldGets("originals/", 0)
	defer release()
	d := &pushDriver{c: c, url: st.worker.URL + gcp.PushPath, backoff: time.Second}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		d.drain(t, deadline(t, 60*time.Second))
	}()
	waitUntil(t, func() bool { return waiting() == 1 }, "the worker to read the original")
	if err := st.worker.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-st.worker.done
	release()
	st.worker = st.startWorker(t)
	<-drained
	if len(d.answers) < 2 || d.answers[0] != 0 || d.answers[len(d.answers)-1] != 200 {
		t.Errorf("push answers %v: want the killed delivery unanswered (0), then 200 from the restarted worker", d.answers)
	}
	if got := st.status(t, id)["status"]; got != "done" {
		t.Errorf("status %v, want done", got)
	}
	if diff := cmp.Diff([]string{"pending>done"}, st.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
	if got := deadLetters(t, c); len(got) != 0 {
		t.Errorf("dead letters %q, want none", got)
	}
}

// TestPubSubUnreachableWorker: when every delivery fails before the worker can answer (it is
// down), no last attempt marks the image failed; the dead-letter topic's push subscription to
// the worker's /deadletter does, once the worker is back, and the pull subscription keeps the
// dead letter.
func TestPubSubUnreachableWorker(t *testing.T) {
	st, _, c := pubsubStack(t)
	id := st.uploaded(t, imagestest.PNG(64, 64))
	st.worker.kill()
	<-st.worker.done
	d := &pushDriver{c: c, url: st.worker.URL + gcp.PushPath}
	d.drain(t, deadline(t, 30*time.Second))
	if diff := cmp.Diff([]int{0, 0, 0, 0, 0}, d.answers); diff != "" {
		t.Errorf("push answers to a stopped worker: -want +got:\n%s", diff)
	}
	if got := st.status(t, id)["status"]; got != "pending" {
		t.Fatalf("status %v before the dead letter is consumed, want pending", got)
	}
	st.worker = st.startWorker(t)
	dl := &pushDriver{c: c, url: st.worker.URL + gcp.DeadLetterPath, sub: psDLPushSub}
	dl.drain(t, deadline(t, 30*time.Second))
	// Pub/Sub delivers at least once, and pstest forwards a dead-lettered message again on every
	// pull of the source subscription until it is gone: the dead-letter endpoint must be
	// idempotent. Every delivery is acknowledged; the image changes once.
	if len(dl.answers) == 0 || slices.ContainsFunc(dl.answers, func(c int) bool { return c != 200 }) {
		t.Errorf("dead-letter push answers %v, want 200s", dl.answers)
	}
	if got := st.status(t, id)["status"]; got != "failed" {
		t.Errorf("status %v, want failed", got)
	}
	if diff := cmp.Diff([]string{"pending>failed"}, st.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
	if got := deadLetters(t, c); len(got) != 1 {
		t.Errorf("dead letters on the pull subscription %q, want the job", got)
	}
}
