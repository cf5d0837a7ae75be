package link

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

var _ Binding = GCPBinding{}

// GCPBinding is a GCP resource's part of a grant. On GCP a grant lives on the resource: an IAM
// member on a topic, a subscription or a bucket, a Cloud SQL IAM database user, a push
// subscription to the consumer. All of them name the consumer's service account, which exists
// only once the consumer is created, so the resource hands out Apply functions and the
// consumer's implementation (the Cloud Run function) calls each, once its service account
// exists, with a GCPConsumer describing it. The resource keeps the knowledge of its own IAM
// roles and resource types; the consumer needs no cloud switch and no resource-specific code.
type GCPBinding struct {
	// Env are further settings keyed relative to the link name, like Grant.Env (a topic's full
	// name, which the container servers read).
	Env map[string]Value
	// Grants create the resource-side grants for one consumer's service account (IAM members, a
	// database user); GCPConsumer.Service is nil.
	Grants []GCPApply
	// Deliveries create what delivers to the consumer's service (a push subscription and its
	// invoker); GCPConsumer.Service is set.
	Deliveries []GCPApply
	// MaxConcurrency caps the deliveries a subscription makes at once (0: no cap): the consumer
	// keeps its most instances times its request concurrency within it.
	MaxConcurrency int
}

// Cloud is "gcp".
func (GCPBinding) Cloud() string { return "gcp" }

// GCPApply creates, for consumer c, the grants of one binding, naming them from name (unique
// per consumer and link, e.g. "api-images") and registering them with opts (the consumer's
// parent and provider). It returns what the consumer needs from them.
type GCPApply func(ctx *pulumi.Context, name string, c GCPConsumer, opts ...pulumi.ResourceOption) (GCPApplied, error)

// GCPConsumer is the identity, and for an HTTP consumer the service, the grants are for.
type GCPConsumer struct {
	// Email is the consumer's service account's email; Member is "serviceAccount:" + Email.
	Email, Member pulumi.StringInput
	// Service is the consumer's Cloud Run service, for Deliveries; nil for Grants, which must
	// exist before it runs.
	Service *GCPService
}

// GCPService is a Cloud Run service a grant delivers to.
type GCPService struct {
	// Name, Location and Project identify it (for a roles/run.invoker member on it).
	Name, Location, Project pulumi.StringInput
	// URL is its HTTPS address, the push endpoint's base.
	URL pulumi.StringInput
}

// GCPApplied is what applying a binding gave the consumer.
type GCPApplied struct {
	// Env are settings known only once the grant exists (the database user a service account
	// logs in as), keyed relative to the link name.
	Env map[string]Value
	// Ready are the grants the consumer's live revision waits for: it must not serve before it
	// may use the resource.
	Ready []pulumi.Resource
}
