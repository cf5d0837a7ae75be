// Package link is how a consumer (a function or a service) is given the resources it uses.
//
// A resource never hands out more than one use needs. Each resource component offers methods that
// return a [Grant] for exactly one kind of use (a queue's Publish or Subscribe, a bucket's Read or
// Write on one key prefix, a database's Connect as the application or Migrate as its owner). A
// grant has a neutral half and a cloud's half:
//
//   - Resource, Access: what is granted, for errors and docs.
//   - Env: the settings the consumer needs to reach the resource, as environment variables. Each
//     is a [PlainValue] (link.Plain: names, URLs, ARNs) or a [SecretRef] (an entry of a secret the
//     platform injects at run time). Never a secret's value.
//   - Binding: the cloud-specific rest, deferred: the consumer's implementation applies it once
//     the consumer's identity exists, because on some clouds the grant lives on the resource and
//     names the consumer's principal. Each cloud has one binding type; a consumer takes its own
//     with [As] and fails, naming both clouds, on a binding of another cloud or none.
//
// AWS ([AWSBinding]): the grant lives on the consumer. IAM statements (exact actions on exact ARNs,
// narrowed by conditions where a resource is wider than the use) go into the consumer's role
// policy; security groups to reach become egress on the consumer's group and ingress on theirs; an
// event source becomes a mapping that invokes the consumer. AWS resources hand out plain values
// only (a secret's ARN, read at run time); the AWS function rejects a SecretRef, Lambda having no
// secret references in its environment. docs/links.md sets the four clouds side by side.
//
// Kubernetes ([KubernetesBinding]): the grant is on the consumer's side of the cluster. Env adds
// settings under the link's prefix (a queue's BROKER_URL), SharedEnv settings whose names a
// library fixes (the S3 SDK's AWS_* variables; two links may set one only to the same value), and
// a [Subscription] is the Knative Trigger the consumer creates to itself (Broker, event type,
// retry, backoff, dead-letter Broker and path, MaxConcurrency). Secrets are SecretRefs, rendered
// as valueFrom.secretKeyRef.
//
// GCP ([GCPBinding]): the grant lives on the resource and names the consumer's service account,
// so the resource hands out [GCPApply] functions. The consumer, once its service account exists,
// applies the Grants with [ApplyGCPGrants] (each under the consumer's and link's name, their Env
// merged, their Ready awaited by its service), and the Deliveries once its service exists.
//
// Azure ([AzureBinding]): the grant is a role assignment on the resource for the consumer's
// user-assigned managed identity, so the resource hands out [AzureApply] functions, which the
// consumer applies with [ApplyAzureGrants] once its identity exists and before its app; a
// subscription also carries the KEDA [AzureScaleRule] the consumer's app scales on.
//
// Env keys in a grant are relative ("QUEUE_URL"); [Named] prefixes them with the link name chosen by
// the composition ("JOBS" gives JOBS_QUEUE_URL), so one function can use two queues.
package link
