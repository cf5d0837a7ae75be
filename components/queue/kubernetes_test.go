package queue_test

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/queue/queuetest"
)

const brokerType = "kubernetes:eventing.knative.dev/v1:Broker"

func TestKnativeQueueConformance(t *testing.T) {
	queuetest.Run(t, queue.Knative{Namespace: pulumi.String("nimbus")}.New, queuetest.Cloud{
		DeadLetter: func(t *testing.T, r componenttest.Result, maxReceiveCount int) {
			// The retries (maxReceiveCount-1) are on the consumer's Trigger (see Grants); here:
			// a second broker of the same class, next to the first, keeps what is dead-lettered.
			var got []string
			for _, b := range r.ByType(brokerType) {
				got = append(got, componenttest.Str(b.Outputs, "metadata.namespace")+"/"+componenttest.Str(b.Outputs, "metadata.name"))
			}
			sort.Strings(got) // registration order is not deterministic
			if diff := cmp.Diff([]string{"nimbus/jobs", "nimbus/jobs-dlq"}, got); diff != "" {
				t.Errorf("brokers (-want +got):\n%s", diff)
			}
		},
		Encrypted: func(t *testing.T, r componenttest.Result) {
			// Durable by default: the Kafka class, configured by the Kafka broker's ConfigMap
			// (its topics are encrypted at rest where the Kafka cluster's storage is).
			for _, b := range r.ByType(brokerType) {
				class := componenttest.Prop(b.Inputs, "metadata.annotations")
				want := map[string]any{"eventing.knative.dev/broker.class": "Kafka"}
				if diff := cmp.Diff(want, class); diff != "" {
					t.Errorf("broker %s class (-want +got):\n%s", b.Name, diff)
				}
				cfg := componenttest.Prop(b.Inputs, "spec.config")
				wantCfg := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "namespace": "knative-eventing", "name": "kafka-broker-config"}
				if diff := cmp.Diff(wantCfg, cfg); diff != "" {
					t.Errorf("broker %s config (-want +got):\n%s", b.Name, diff)
				}
			}
		},
		Grants: func(t *testing.T, publish, subscribe link.Grant) {
			if got := componenttest.Binding[link.KubernetesBinding](t, publish); got.Subscription != nil || len(got.Env) != 1 || got.Env["BROKER_URL"] == nil {
				t.Errorf("publish: want BROKER_URL and no subscription, got %+v", got)
			}
			s := componenttest.Binding[link.KubernetesBinding](t, subscribe).Subscription
			if s == nil {
				t.Fatal("subscribe grant has no subscription")
			}
			got := []any{s.EventType, s.Retry, s.BackoffDelay, s.DeadLetterPath, s.MaxConcurrency}
			// MaxReceiveCount 3 is 3 deliveries: the first and 2 retries.
			if diff := cmp.Diff([]any{"dev.nimbus.images.job", 2, "PT0.5S", "/deadletter", 4}, got); diff != "" {
				t.Errorf("subscription type, retry, backoff, dead-letter path, max concurrency (-want +got):\n%s", diff)
			}
		},
	})
}

// TestKnativeQueueAddresses checks the ingress URLs the grants hand out: Knative's documented
// in-cluster URL of the class's ingress for the namespace and broker, while no controller has set
// status.address.url.
func TestKnativeQueueAddresses(t *testing.T) {
	cases := map[string]struct {
		reason string
		k      queue.Knative
		want   map[string]any
	}{
		"kafka": {
			reason: "the Kafka class is the default; its ingress is kafka-broker-ingress",
			k:      queue.Knative{Namespace: pulumi.String("nimbus")},
			want: map[string]any{
				"address": "http://kafka-broker-ingress.knative-eventing.svc.cluster.local/nimbus/jobs",
				"dlq":     "http://kafka-broker-ingress.knative-eventing.svc.cluster.local/nimbus/jobs-dlq",
				"env":     "http://kafka-broker-ingress.knative-eventing.svc.cluster.local/nimbus/jobs",
				"name":    "jobs",
			},
		},
		"in memory": {
			reason: "the channel-based broker is served by broker-ingress",
			k:      queue.Knative{Namespace: pulumi.String("dev"), BrokerClass: queue.BrokerInMemory},
			want: map[string]any{
				"address": "http://broker-ingress.knative-eventing.svc.cluster.local/dev/jobs",
				"dlq":     "http://broker-ingress.knative-eventing.svc.cluster.local/dev/jobs-dlq",
				"env":     "http://broker-ingress.knative-eventing.svc.cluster.local/dev/jobs",
				"name":    "jobs",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got map[string]any
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				q, err := tc.k.New(ctx, "jobs", nil)
				if err != nil {
					return err
				}
				b := componenttest.Binding[link.KubernetesBinding](t, q.Publish())
				got = componenttest.Await(t, pulumi.Map{"address": q.Address, "dlq": q.DeadLetterAddress, "name": q.Name})
				got["env"] = componenttest.AwaitEnv(t, b.Env)["BROKER_URL"]
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
			if tc.k.BrokerClass == queue.BrokerInMemory {
				for _, b := range r.ByType(brokerType) {
					if componenttest.Prop(b.Inputs, "spec.config") != nil {
						t.Errorf("broker %s: the in-memory class takes the cluster's default channel, got a config", b.Name)
					}
				}
			}
		})
	}
	for name, tc := range map[string]struct {
		k    queue.Knative
		args *queue.QueueArgs
		want string
	}{
		"class":     {queue.Knative{Namespace: pulumi.String("n"), BrokerClass: "RabbitMQ"}, nil, `queue "jobs": BrokerClass must be one of [Kafka MTChannelBasedBroker], got "RabbitMQ"`},
		"backoff":   {queue.Knative{Namespace: pulumi.String("n"), BackoffDelay: "500ms"}, nil, `queue "jobs": BackoffDelay must be an ISO 8601 duration`},
		"namespace": {queue.Knative{}, nil, `queue "jobs": Namespace is required on kubernetes`},
		"alerts":    {queue.Knative{Namespace: pulumi.String("n")}, &queue.QueueArgs{Alerts: alerts.AlertsArgs{Emails: []string{"ops@example.com"}}}, `queue "jobs": Alerts are not implemented on kubernetes`},
	} {
		t.Run("invalid "+name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.k.New(ctx, "jobs", tc.args)
				return err
			}, tc.want)
		})
	}
}
