package knative_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
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
	psProject  = "nimbus-test"
	psTopic    = "projects/nimbus-test/topics/jobs"
	psDLTopic  = "projects/nimbus-test/topics/jobs-dead"
	psSub      = "projects/nimbus-test/subscriptions/jobs-push"
	psDLSub    = "projects/nimbus-test/subscriptions/jobs-dead"
	psAttempts = 5
)

// pushDriver does what a Pub/Sub push subscription does, against pstest (Google's in-process
// Pub/Sub fake, whose subscriptions have dead-letter policies and delivery attempts): pull a
// message, POST it as a push envelope to the worker, acknowledge a 2xx, nack anything else so
// that it is redelivered and, after maxDeliveryAttempts, forwarded to the dead-letter topic.
type pushDriver struct {
	c       *pubsub.Client
	url     string
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
	if _, err := c.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: psDLSub, Topic: psDLTopic}); err != nil {
		t.Fatal(err)
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

// drain delivers until the subscription has nothing to pull, or ctx ends.
func (d *pushDriver) drain(t *testing.T, ctx context.Context) {
	t.Helper()
	for ctx.Err() == nil {
		resp, err := d.c.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: psSub, MaxMessages: 1, ReturnImmediately: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.ReceivedMessages) == 0 {
			return
		}
		for _, rm := range resp.ReceivedMessages {
			env := map[string]any{"message": map[string]any{"data": rm.Message.Data, "attributes": rm.Message.Attributes, "messageId": rm.Message.MessageId},
				"subscription": psSub, "deliveryAttempt": rm.DeliveryAttempt}
			body, _ := json.Marshal(env)
			code := 0
			if r, err := http.Post(d.url, "application/json", bytes.NewReader(body)); err == nil {
				code = r.StatusCode
				r.Body.Close()
			}
			d.answers = append(d.answers, code)
			if code/100 == 2 {
				_, err = d.c.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: psSub, AckIds: []string{rm.AckId}}), nil
			} else {
				err = d.c.SubscriptionAdminClient.ModifyAckDeadline(ctx, &pubsubpb.ModifyAckDeadlineRequest{Subscription: psSub, AckIds: []string{rm.AckId}, AckDeadlineSeconds: 0})
			}
			if err != nil {
				t.Fatal(err)
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
