package queue

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
)

// Broker classes.
const (
	// BrokerKafka is Knative's Kafka broker: events are records of a Kafka topic, replicated and
	// kept for the topic's retention whether delivered or not. The default.
	BrokerKafka = "Kafka"
	// BrokerInMemory is the multi-tenant channel-based broker over the InMemoryChannel: events
	// live in one dispatcher's memory and a restart loses them. Only for a stack that asks.
	BrokerInMemory = "MTChannelBasedBroker"
)

// JobEventType is the CloudEvents type of a job (docs/function-contract.md, Containers).
const JobEventType = "dev.nimbus.images.job"

var (
	_ Constructor = Knative{}.New
	_ granter     = knativeGrants{}
)

// Knative makes queues of Knative Eventing Brokers. Its New is a [Constructor].
type Knative struct {
	// Namespace holds the Brokers (the network's namespace). Required.
	Namespace pulumi.StringInput
	// BrokerClass is BrokerKafka (default) or BrokerInMemory.
	BrokerClass string
	// KafkaConfig names the ConfigMap (NAMESPACE/NAME) with the Kafka broker's bootstrap servers,
	// partitions, replication and retention: default knative-eventing/kafka-broker-config, the one
	// Knative's Kafka broker installs.
	KafkaConfig string
	// BackoffDelay is the first retry's delay, an ISO 8601 duration doubled on every retry:
	// default PT0.5S.
	BackoffDelay string
}

var (
	isoDuration = regexp.MustCompile(`^PT([0-9]+(\.[0-9]+)?S|[0-9]+M([0-9]+(\.[0-9]+)?S)?)$`)
	configRef   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`)
)

func (k Knative) withDefaults(name string) (Knative, error) {
	check.Default(&k.BrokerClass, BrokerKafka)
	check.Default(&k.KafkaConfig, "knative-eventing/kafka-broker-config")
	check.Default(&k.BackoffDelay, "PT0.5S")
	p := check.For("queue", name)
	if k.Namespace == nil {
		p.Add("Namespace is required on kubernetes")
	}
	p.OneOf("BrokerClass", k.BrokerClass, BrokerKafka, BrokerInMemory)
	if !configRef.MatchString(k.KafkaConfig) {
		p.Add("KafkaConfig must be NAMESPACE/NAME of a ConfigMap, got %q", k.KafkaConfig)
	}
	if !isoDuration.MatchString(k.BackoffDelay) {
		p.Add("BackoffDelay must be an ISO 8601 duration of seconds or minutes like PT0.5S or PT1M, got %q", k.BackoffDelay)
	}
	return k, p.Err()
}

// New creates a Broker for the queue's events and a second Broker of the same class that keeps
// dead-lettered ones. Retries, backoff and the dead-letter sink are on the Trigger the consumer
// creates from its Subscribe grant.
func (k Knative) New(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	k, err := k.withDefaults(name)
	if err != nil {
		return nil, err
	}
	if args != nil && (len(args.Alerts.Emails) > 0 || args.Alerts.Existing != "") {
		return nil, fmt.Errorf("queue %q: Alerts are not implemented on kubernetes: watch the dead-letter Broker %s-dlq with the cluster's monitoring, and leave Emails and Existing empty", name, name)
	}
	q, _, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)
	main, mainURL, err := knativeBroker(k, ctx, name, parent)
	if err != nil {
		return nil, err
	}
	dlq, dlqURL, err := knativeBroker(k, ctx, name+"-dlq", parent)
	if err != nil {
		return nil, err
	}
	q.Name = main.Metadata.Name().Elem()
	q.Address = mainURL
	q.DeadLetterAddress = dlqURL
	q.AlertTarget = pulumi.String("").ToStringOutput()
	q.grants = knativeGrants{
		broker: q.Name, brokerURL: mainURL, deadLetter: dlq.Metadata.Name().Elem(),
		retry: q.args.MaxReceiveCount - 1, backoff: k.BackoffDelay,
	}
	return q, q.finish(ctx)
}

// knativeBroker creates one Broker and returns it with its ingress URL: status.address.url once
// Knative's controller set it, else the URL Knative documents for the class, computed from the
// namespace and name (with no controller, as in a plan or on an API server alone, status stays
// empty). It is a function, not a method of Knative: a method whose signature names a generated
// SDK resource type makes every package using Knative instantiate the SDK's generic output
// methods for every builtin type (about 7,500 functions, 5 s of the stacks package's compile;
// docs/benchmarks.md).
func knativeBroker(k Knative, ctx *pulumi.Context, name string, parent pulumi.ResourceOption) (*apiextensions.CustomResource, pulumi.StringOutput, error) {
	spec := kubernetes.UntypedArgs{}
	host := "broker-ingress.knative-eventing.svc.cluster.local"
	if k.BrokerClass == BrokerKafka {
		host = "kafka-broker-ingress.knative-eventing.svc.cluster.local"
		ns, cm := splitRef(k.KafkaConfig)
		spec["config"] = pulumi.Map{"apiVersion": pulumi.String("v1"), "kind": pulumi.String("ConfigMap"), "namespace": pulumi.String(ns), "name": pulumi.String(cm)}
	}
	b, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("eventing.knative.dev/v1"),
		Kind:       pulumi.String("Broker"),
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(name),
			Namespace:   k.Namespace,
			Annotations: pulumi.StringMap{"eventing.knative.dev/broker.class": pulumi.String(k.BrokerClass)},
		},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, parent)
	if err != nil {
		return nil, pulumi.StringOutput{}, fmt.Errorf("cannot create broker %q: %w", name, err)
	}
	url := pulumi.All(b.Metadata.Namespace().Elem(), b.Metadata.Name().Elem(), b.OtherFields).ApplyT(func(v []any) string {
		if u := statusURL(v[2]); u != "" {
			return u
		}
		return fmt.Sprintf("http://%s/%s/%s", host, v[0], v[1])
	}).(pulumi.StringOutput)
	return b, url, nil
}

func statusURL(fields any) string {
	m, _ := fields.(map[string]any)
	status, _ := m["status"].(map[string]any)
	addr, _ := status["address"].(map[string]any)
	u, _ := addr["url"].(string)
	return u
}

func splitRef(ref string) (string, string) {
	for i := range ref {
		if ref[i] == '/' {
			return ref[:i], ref[i+1:]
		}
	}
	return "", ref
}

type knativeGrants struct {
	broker, brokerURL, deadLetter pulumi.StringOutput
	retry                         int
	backoff                       string
}

func (g knativeGrants) publish() link.Binding {
	return link.KubernetesBinding{Env: map[string]link.Value{"BROKER_URL": link.Plain(g.brokerURL)}}
}

func (g knativeGrants) subscribe(a SubscribeArgs) link.Binding {
	return link.KubernetesBinding{Subscription: &link.Subscription{
		Broker:           g.broker,
		EventType:        JobEventType,
		Retry:            g.retry,
		BackoffDelay:     g.backoff,
		DeadLetterBroker: g.deadLetter,
		DeadLetterPath:   "/deadletter",
		MaxConcurrency:   a.MaxConcurrency,
	}}
}
