package queue_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/queue/queuetest"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

const (
	topicType        = "gcp:pubsub/topic:Topic"
	subscriptionType = "gcp:pubsub/subscription:Subscription"
	topicMemberType  = "gcp:pubsub/topicIAMMember:TopicIAMMember"
	subMemberType    = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember"
	alertPolicyType  = "gcp:monitoring/alertPolicy:AlertPolicy"
	runInvokerType   = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
)

func TestPubSubQueueConformance(t *testing.T) {
	queuetest.Run(t, queue.PubSub{}.New, queuetest.Cloud{
		MaxReceiveCount: queue.MinDeliveryAttempts,
		DeadLetter: func(t *testing.T, r componenttest.Result, maxReceiveCount int) {
			// The dead-letter policy is on the consumer's push subscription (TestPubSubBindings);
			// here: a dead-letter topic, a pull subscription that keeps its messages, an alert
			// on that subscription.
			dlt := r.Named(t, topicType, "jobs-dlq")
			kept := r.Named(t, subscriptionType, "jobs-dlq")
			if got := componenttest.Str(kept.Inputs, "topic"); got != dlt.ID {
				t.Errorf("the keeping subscription reads %q, want the dead-letter topic %q", got, dlt.ID)
			}
			got := map[string]any{
				"topic retention": componenttest.Str(dlt.Inputs, "messageRetentionDuration"),
				"kept retention":  componenttest.Str(kept.Inputs, "messageRetentionDuration"),
				"expires":         componenttest.Prop(kept.Inputs, "expirationPolicy.ttl"),
			}
			want := map[string]any{"topic retention": "1209600s", "kept retention": "604800s", "expires": ""}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dead-letter retention: 14 days on the topic, Pub/Sub's most (7 days) on the subscription, never expiring (-want +got):\n%s", diff)
			}
			alert := r.One(t, alertPolicyType)
			filter := componenttest.Str(alert.Inputs, "conditions.0.conditionThreshold.filter")
			if want := `resource.labels.subscription_id = "` + componenttest.Str(kept.Outputs, "name") + `"`; !strings.Contains(filter, want) {
				t.Errorf("the alert's filter %q does not watch the keeping subscription (%s)", filter, want)
			}
		},
		Encrypted: func(t *testing.T, r componenttest.Result) {
			// Pub/Sub encrypts every message at rest with Google-managed keys; no setting.
			if n := len(r.ByType(topicType)); n != 2 {
				t.Errorf("want the topic and its dead-letter topic, got %d topics", n)
			}
		},
		Grants: func(t *testing.T, publish, subscribe link.Grant) {
			p := componenttest.Binding[link.GCPBinding](t, publish)
			if len(p.Grants) != 1 || len(p.Deliveries) != 0 {
				t.Errorf("publish: want one grant and no delivery, got %d and %d", len(p.Grants), len(p.Deliveries))
			}
			s := componenttest.Binding[link.GCPBinding](t, subscribe)
			if len(s.Grants) != 0 || len(s.Deliveries) != 1 || s.MaxConcurrency != 4 {
				t.Errorf("subscribe: want no grant, one delivery and MaxConcurrency 4, got %d, %d and %d", len(s.Grants), len(s.Deliveries), s.MaxConcurrency)
			}
		},
	})
}

// TestPubSubBindings applies the queue's bindings as the Cloud Run function does: publish is
// roles/pubsub.publisher on the topic for the consumer; subscribe is a push subscription to the
// consumer's service with the dead-letter policy, retries, an OIDC token of the queue's push
// identity (which may invoke that service only), and the Pub/Sub service agent's grants without
// which dead-lettering silently does nothing.
func TestPubSubBindings(t *testing.T) {
	var env map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		q, err := queue.PubSub{MinBackoff: "5s", MaxBackoff: "300s"}.New(ctx, "jobs", &queue.QueueArgs{MaxReceiveCount: 6, VisibilityTimeoutSeconds: 360})
		if err != nil {
			return err
		}
		sub, err := q.Subscribe(queue.SubscribeArgs{})
		if err != nil {
			return err
		}
		api := link.GCPConsumer{Email: pulumi.String("api@p.iam.gserviceaccount.com"), Member: pulumi.String("serviceAccount:api@p.iam.gserviceaccount.com")}
		worker := link.GCPConsumer{Email: pulumi.String("worker@p.iam.gserviceaccount.com"), Member: pulumi.String("serviceAccount:worker@p.iam.gserviceaccount.com"),
			Service: &link.GCPService{Name: pulumi.String("worker"), Location: pulumi.String("europe-west1"), Project: pulumi.String("p"), URL: pulumi.String("https://worker-123.europe-west1.run.app")}}
		pb, err := link.As[link.GCPBinding](link.Named("JOBS", q.Publish()))
		if err != nil {
			return err
		}
		if _, err := pb.Grants[0](ctx, "api-jobs", api); err != nil {
			return err
		}
		sb, err := link.As[link.GCPBinding](link.Named("JOBS", sub))
		if err != nil {
			return err
		}
		env = componenttest.AwaitEnv(t, sb.Env)
		_, err = sb.Deliveries[0](ctx, "worker-jobs", worker)
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	topic := r.Named(t, topicType, "jobs")
	push := r.Named(t, subscriptionType, "worker-jobs")
	invoker := r.One(t, "gcp:serviceaccount/account:Account")
	got := map[string]any{}
	for _, k := range []string{"topic", "ackDeadlineSeconds", "deadLetterPolicy", "retryPolicy", "pushConfig", "expirationPolicy"} {
		got[k] = componenttest.Prop(push.Inputs, k)
	}
	email := componenttest.Str(invoker.Outputs, "email")
	want := map[string]any{
		"topic":              topic.ID,
		"ackDeadlineSeconds": 360.0,
		"deadLetterPolicy":   map[string]any{"deadLetterTopic": r.Named(t, topicType, "jobs-dlq").ID, "maxDeliveryAttempts": 6.0},
		"retryPolicy":        map[string]any{"minimumBackoff": "5s", "maximumBackoff": "300s"},
		"pushConfig": map[string]any{"pushEndpoint": "https://worker-123.europe-west1.run.app/",
			"oidcToken": map[string]any{"serviceAccountEmail": email, "audience": topic.ID}},
		"expirationPolicy": map[string]any{"ttl": ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("push subscription (-want +got):\n%s", diff)
	}
	// Dead letters are pushed to the worker's /deadletter too, so that jobs dead-lettered without
	// a last attempt the worker answered are marked failed.
	failed := r.Named(t, subscriptionType, "worker-jobs-dlq-push")
	gotFailed := map[string]any{}
	for _, k := range []string{"topic", "ackDeadlineSeconds", "deadLetterPolicy", "retryPolicy", "pushConfig", "messageRetentionDuration"} {
		gotFailed[k] = componenttest.Prop(failed.Inputs, k)
	}
	wantFailed := map[string]any{
		"topic":              r.Named(t, topicType, "jobs-dlq").ID,
		"ackDeadlineSeconds": 360.0,
		"deadLetterPolicy":   nil,
		"retryPolicy":        map[string]any{"minimumBackoff": "5s", "maximumBackoff": "300s"},
		"pushConfig": map[string]any{"pushEndpoint": "https://worker-123.europe-west1.run.app/deadletter",
			"oidcToken": map[string]any{"serviceAccountEmail": email, "audience": topic.ID}},
		"messageRetentionDuration": "604800s",
	}
	if diff := cmp.Diff(wantFailed, gotFailed); diff != "" {
		t.Errorf("dead-letter push subscription (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"DELIVERY": "pubsub-push", "PUSH_AUDIENCE": topic.ID, "PUSH_SERVICE_ACCOUNT": email}, env); diff != "" {
		t.Errorf("the worker's settings to verify pushes (-want +got):\n%s", diff)
	}

	agent := "serviceAccount:service-" + fakecloud.GCPProjectNumber + "@gcp-sa-pubsub.iam.gserviceaccount.com"
	members := map[string]string{}
	for typ, on := range map[string]string{topicMemberType: "topic", subMemberType: "subscription", runInvokerType: "name"} {
		for _, m := range r.ByType(typ) {
			members[typ[strings.LastIndex(typ, ":")+1:]+" "+m.Name] = componenttest.Str(m.Inputs, "role") + " " + componenttest.Str(m.Inputs, "member") + " on " + componenttest.Str(m.Inputs, on)
		}
	}
	wantMembers := map[string]string{
		"TopicIAMMember api-jobs-publish":               "roles/pubsub.publisher serviceAccount:api@p.iam.gserviceaccount.com on " + componenttest.Str(topic.Outputs, "name"),
		"ServiceIamMember worker-jobs-invoke":           "roles/run.invoker serviceAccount:" + email + " on worker",
		"TopicIAMMember worker-jobs-dead-letter":        "roles/pubsub.publisher " + agent + " on " + componenttest.Str(r.Named(t, topicType, "jobs-dlq").Outputs, "name"),
		"SubscriptionIAMMember worker-jobs-dead-letter": "roles/pubsub.subscriber " + agent + " on " + componenttest.Str(push.Outputs, "name"),
	}
	if diff := cmp.Diff(wantMembers, members); diff != "" {
		t.Errorf("IAM members (-want +got):\n%s", diff)
	}
}

func TestPubSubInvalid(t *testing.T) {
	cases := map[string]struct {
		q    queue.PubSub
		args queue.QueueArgs
		want []string
	}{
		"pubsub limits": {
			args: queue.QueueArgs{MaxReceiveCount: 3, RetentionSeconds: 8 * 24 * 3600},
			want: []string{
				`queue "jobs": MaxReceiveCount must be 5 to 100 on gcp (Pub/Sub's maxDeliveryAttempts), got 3: a smaller count is not raised silently, set at least 5`,
				`queue "jobs": RetentionSeconds must be at most 604800 (7 days) on gcp`,
			},
		},
		"backoff": {
			q:    queue.PubSub{MinBackoff: "1m", MaxBackoff: "5s"},
			args: queue.QueueArgs{MaxReceiveCount: 5},
			want: []string{`queue "jobs": MinBackoff must be whole seconds from 0s to 600s like 10s, got "1m"`, `queue "jobs": MinBackoff (1m) must not exceed MaxBackoff (5s)`},
		},
		"alerts": {
			args: queue.QueueArgs{MaxReceiveCount: 5, Alerts: alerts.AlertsArgs{Existing: "arn:aws:sns:eu-west-1:123456789012:alarms"}},
			want: []string{`queue "jobs": alerts "jobs-alerts": Existing must be a Cloud Monitoring notification channel like projects/my-project/notificationChannels/123 on GCP`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.q.New(ctx, "jobs", &tc.args)
				return err
			}, tc.want...)
		})
	}
}
