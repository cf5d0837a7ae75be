package azure_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/azure"
	"github.com/nimbus-iac/nimbus/functions/images"
)

// fakeSender records what is sent, or fails, or blocks until its context ends.
type fakeSender struct {
	sent     []*azservicebus.Message
	err      error
	block    bool
	deadline time.Duration // how long the context had left
}

func (f *fakeSender) SendMessage(ctx context.Context, m *azservicebus.Message, _ *azservicebus.SendMessageOptions) error {
	if d, ok := ctx.Deadline(); ok {
		f.deadline = time.Until(d)
	}
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, m)
	return nil
}

func TestPublisher(t *testing.T) {
	t.Parallel()
	const id = "0b5f7a3e-8d4c-4b7e-9b1a-2f3c4d5e6f70"
	job := images.Job{ID: id, Key: images.OriginalKey(id)}
	broken := errors.New("amqp: link detached")
	type sent struct {
		Body, MessageID, Subject, ContentType string
		Props                                 map[string]any
	}
	for name, tc := range map[string]struct {
		reason  string
		sender  *fakeSender
		want    []sent
		wantErr error
	}{
		"sent": {reason: "the job's JSON, its id as MessageID (duplicate detection), type and imageId", sender: &fakeSender{},
			want: []sent{{Body: `{"id":"` + id + `","key":"originals/` + id + `"}`, MessageID: id, Subject: azure.JobType, ContentType: "application/json",
				Props: map[string]any{"type": azure.JobType, "imageId": id}}}},
		"refused":  {reason: "a failed send is returned", sender: &fakeSender{err: broken}, wantErr: broken},
		"too slow": {reason: "a send that does not return before its context ends fails with the context's error", sender: &fakeSender{block: true}, wantErr: context.DeadlineExceeded},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.wantErr == context.DeadlineExceeded {
				// Keep the test short: the caller's own shorter deadline bounds it too.
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				err := azure.NewPublisher("jobs", tc.sender).Publish(ctx, job)
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("%s: %v, want %v", tc.reason, err, tc.wantErr)
				}
				return
			}
			err := azure.NewPublisher("jobs", tc.sender).Publish(context.Background(), job)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s: %v, want %v", tc.reason, err, tc.wantErr)
			}
			if tc.sender.deadline <= 0 || tc.sender.deadline > azure.PublishTimeout {
				t.Errorf("%s: the send had %s left, want at most PublishTimeout (%s)", tc.reason, tc.sender.deadline, azure.PublishTimeout)
			}
			var got []sent
			for _, m := range tc.sender.sent {
				got = append(got, sent{Body: string(m.Body), MessageID: *m.MessageID, Subject: *m.Subject, ContentType: *m.ContentType, Props: m.ApplicationProperties})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
