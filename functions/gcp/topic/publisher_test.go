package topic_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/nimbus-iac/nimbus/functions/gcp/topic"
	"github.com/nimbus-iac/nimbus/functions/images"
)

const (
	testTopic = "projects/nimbus-test/topics/jobs"
	testID    = "0b5c8f9e-3d0f-4a53-9d5f-2f4c4b3f8a10"
)

// fake starts pstest with the topic created, and returns the options that reach it.
func fake(t *testing.T, opts ...pstest.ServerReactorOption) (*pstest.Server, []option.ClientOption) {
	t.Helper()
	srv := pstest.NewServer(opts...)
	t.Cleanup(func() { srv.Close() })
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	copts := []option.ClientOption{option.WithGRPCConn(conn)}
	c, err := pubsub.NewClient(context.Background(), "nimbus-test", copts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TopicAdminClient.CreateTopic(context.Background(), &pubsubpb.Topic{Name: testTopic}); err != nil {
		t.Fatal(err)
	}
	return srv, copts
}

func TestPublish(t *testing.T) {
	t.Parallel()
	srv, opts := fake(t)
	p, err := topic.NewPublisher(testTopic, opts...)
	if err != nil {
		t.Fatal(err)
	}
	job := images.Job{ID: testID, Key: images.OriginalKey(testID)}
	if err := p.Publish(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages on the topic, want 1", len(msgs))
	}
	var got images.Job
	if err := json.Unmarshal(msgs[0].Data, &got); err != nil {
		t.Fatalf("data %q is no job: %v", msgs[0].Data, err)
	}
	if diff := cmp.Diff(job, got); diff != "" {
		t.Errorf("data: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"type": "dev.nimbus.images.job", "imageId": testID}, msgs[0].Attributes); diff != "" {
		t.Errorf("attributes: -want +got:\n%s", diff)
	}
	if _, err := images.ParseJob(msgs[0].Data); err != nil {
		t.Errorf("the worker's parser refuses the data: %v", err)
	}
}

func TestPublishFails(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reason   string
		topic    string
		inject   []pstest.ServerReactorOption
		wantCode codes.Code
		maxTime  time.Duration
	}{
		"no such topic": {
			reason: "a topic that does not exist fails the publish", topic: "projects/nimbus-test/topics/missing",
			wantCode: codes.NotFound, maxTime: time.Second + topic.PublishTimeout,
		},
		"unavailable": {
			reason: "a server that keeps answering Unavailable fails within PublishTimeout", topic: testTopic,
			inject:  []pstest.ServerReactorOption{pstest.WithErrorInjection("Publish", codes.Unavailable, "down")},
			maxTime: time.Second + topic.PublishTimeout,
		},
		"permission denied": {
			reason: "a refused publish fails at once", topic: testTopic,
			inject:   []pstest.ServerReactorOption{pstest.WithErrorInjection("Publish", codes.PermissionDenied, "no publisher role")},
			wantCode: codes.PermissionDenied, maxTime: time.Second,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, opts := fake(t, tc.inject...)
			p, err := topic.NewPublisher(tc.topic, opts...)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = p.Publish(context.Background(), images.Job{ID: testID, Key: images.OriginalKey(testID)})
			took := time.Since(start)
			if err == nil {
				t.Fatalf("%s: publish succeeded", tc.reason)
			}
			if tc.wantCode != codes.OK && status.Code(err) != tc.wantCode {
				t.Errorf("%s: got %v, want code %s", tc.reason, err, tc.wantCode)
			}
			if took > tc.maxTime {
				t.Errorf("%s: took %s, want at most %s", tc.reason, took, tc.maxTime)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%s: %d messages on the topic, want 0", tc.reason, n)
			}
		})
	}
}

func TestParseTopic(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reason, topic, wantProject string
		wantErr                    bool
	}{
		"full name":    {reason: "projects/P/topics/T", topic: "projects/my-proj-1/topics/jobs", wantProject: "my-proj-1"},
		"id only":      {reason: "a bare id has no project", topic: "jobs", wantErr: true},
		"subscription": {reason: "a subscription is no topic", topic: "projects/my-proj-1/subscriptions/jobs", wantErr: true},
		"bad project":  {reason: "project ids are lower case", topic: "projects/My_Proj/topics/jobs", wantErr: true},
		"goog topic":   {reason: "topic ids start with a letter", topic: "projects/my-proj-1/topics/1jobs", wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := topic.ParseTopic(tc.topic)
			if (err != nil) != tc.wantErr || got != tc.wantProject {
				t.Errorf("%s: got %q, %v; want %q, error %t", tc.reason, got, err, tc.wantProject, tc.wantErr)
			}
		})
	}
}
