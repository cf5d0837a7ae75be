// Package queuetest is the conformance suite every queue implementation runs under the fake cloud.
package queuetest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/queue"
)

// Cloud holds the cloud-specific checks of the contract.
type Cloud struct {
	// DeadLetter checks that the queue dead-letters after maxReceiveCount deliveries, that only the
	// queue may feed its DLQ, and that an alarm watches the DLQ.
	DeadLetter func(t *testing.T, r componenttest.Result, maxReceiveCount int)
	// Encrypted checks that both queues are encrypted at rest.
	Encrypted func(t *testing.T, r componenttest.Result)
	// Grants checks the cloud part of Publish and Subscribe.
	Grants func(t *testing.T, publish, subscribe link.Grant)
	// MaxReceiveCount the contract's queue is created with: default 3; a cloud whose floor is
	// higher (Pub/Sub's 5) sets its floor.
	MaxReceiveCount int
}

// Run checks an implementation against the queue contract.
func Run(t *testing.T, newQueue queue.Constructor, cloud Cloud) {
	receives := cloud.MaxReceiveCount
	if receives == 0 {
		receives = 3
	}
	t.Run("contract", func(t *testing.T) {
		var outs map[string]any
		var publish, subscribe link.Grant
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			q, err := newQueue(ctx, "jobs", &queue.QueueArgs{MaxReceiveCount: receives})
			if err != nil {
				return err
			}
			publish = q.Publish()
			subscribe, err = q.Subscribe(queue.SubscribeArgs{BatchSize: 5, MaxConcurrency: 4})
			if err != nil {
				return err
			}
			outs = componenttest.Await(t, pulumi.Map{"name": q.Name, "address": q.Address, "dlq": q.DeadLetterAddress})
			return nil
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		r.AssertContained(t, queue.Type, "jobs")
		for k, v := range outs {
			if s, _ := v.(string); s == "" {
				t.Errorf("output %s is empty", k)
			}
		}
		if outs["address"] == outs["dlq"] {
			t.Errorf("the queue and its dead-letter queue share the address %v", outs["address"])
		}
		if diff := cmp.Diff([]string{"QUEUE_URL"}, componenttest.EnvKeys(publish.Env)); diff != "" {
			t.Errorf("publish env (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"MAX_RECEIVE_COUNT"}, componenttest.EnvKeys(subscribe.Env)); diff != "" {
			t.Errorf("subscribe env (-want +got):\n%s", diff)
		}
		if publish.Access != link.Publish || subscribe.Access != link.Subscribe {
			t.Errorf("grant access: want publish and subscribe, got %s and %s", publish.Access, subscribe.Access)
		}
		cloud.DeadLetter(t, r, receives)
		cloud.Encrypted(t, r)
		cloud.Grants(t, publish, subscribe)
	})

	t.Run("invalid args register nothing", func(t *testing.T) {
		cases := map[string]struct {
			args queue.QueueArgs
			want string
		}{
			"max receive count": {queue.QueueArgs{MaxReceiveCount: -1}, `queue "jobs": MaxReceiveCount must be between 1 and 1000, got -1`},
			"retention":         {queue.QueueArgs{RetentionSeconds: 30}, `queue "jobs": RetentionSeconds must be between 60 and 1209600, got 30`},
			"dlq shorter":       {queue.QueueArgs{RetentionSeconds: 7200, DeadLetterRetentionSeconds: 3600}, `queue "jobs": DeadLetterRetentionSeconds must be at least RetentionSeconds (7200), got 3600`},
			"visibility":        {queue.QueueArgs{VisibilityTimeoutSeconds: 50000}, `queue "jobs": VisibilityTimeoutSeconds must be between 0 and 43200, got 50000`},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
					_, err := newQueue(ctx, "jobs", &tc.args)
					return err
				}, tc.want)
			})
		}
	})

	t.Run("invalid subscription", func(t *testing.T) {
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			q, err := newQueue(ctx, "jobs", nil)
			if err != nil {
				return err
			}
			_, err = q.Subscribe(queue.SubscribeArgs{BatchSize: 11, MaxConcurrency: 1})
			return err
		})
		for _, want := range []string{
			`queue "jobs": subscription BatchSize must be between 1 and 10, got 11`,
			`queue "jobs": subscription MaxConcurrency must be between 2 and 1000, got 1`,
		} {
			if r.Err == nil || !strings.Contains(r.Err.Error(), want) {
				t.Errorf("want error %q, got %v", want, r.Err)
			}
		}
	})
}
