package link

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

var _ Binding = KubernetesBinding{}

// KubernetesBinding is a Kubernetes resource's part of a grant. On Kubernetes a grant lives on
// the consumer's side of the cluster: its environment (plain values and secretKeyRefs rendered in
// its pod spec), and, for a queue's Subscribe, a Knative Trigger that delivers the queue's events
// to the consumer, which the consumer's implementation creates once its Service exists.
type KubernetesBinding struct {
	// Env are further settings keyed relative to the link name, like Grant.Env (a queue's
	// BROKER_URL, which the container servers read).
	Env map[string]Value
	// SharedEnv are settings under their own, unprefixed names, because the library reading them
	// fixes the names (the S3 SDK's AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, ...). Two links may
	// both set one only to the same value.
	SharedEnv map[string]Value
	// Files are settings, keyed relative to the link name, whose value is the path of a file the
	// consumer's pods mount from one key of a Secret (a CA bundle to verify a server with): the
	// file's content is in no manifest and no environment variable.
	Files map[string]SecretFile
	// Subscription, when set, makes the consumer subscribe to a Broker with a Trigger.
	Subscription *Subscription
}

// SecretFile is one key of a Secret in the consumer's namespace, mounted read-only as a file.
type SecretFile struct {
	Secret pulumi.StringInput
	Key    string
}

// Cloud is "kubernetes".
func (KubernetesBinding) Cloud() string { return "kubernetes" }

// Subscription is a Knative Eventing Trigger the consumer creates to itself.
type Subscription struct {
	// Broker is the name of the Broker (in the consumer's namespace) the Trigger subscribes to.
	Broker pulumi.StringInput
	// EventType is the CloudEvents type the Trigger filters on.
	EventType string
	// Retry is how many times a failed delivery is retried (deliveries = Retry + 1).
	Retry int
	// BackoffDelay is the ISO 8601 duration of the first retry's delay, doubled per retry
	// (backoffPolicy exponential).
	BackoffDelay string
	// DeadLetterBroker is the Broker failed events are sent to after the last retry; it keeps
	// them for inspection. The consumer subscribes its dead-letter path to it.
	DeadLetterBroker pulumi.StringInput
	// DeadLetterPath is the consumer's path that takes a dead-lettered event ("/deadletter").
	DeadLetterPath string
	// MaxConcurrency caps the events the consumer processes at once (0: no cap of the queue's),
	// so consumers cannot flood what they write to.
	MaxConcurrency int
}
