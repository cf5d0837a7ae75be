// Package link is how a consumer (a function or a service) is given the resources it uses.
//
// A resource never hands out more than one use needs. Each resource component offers methods that
// return a [Grant] for exactly one kind of use (a queue's Publish or Subscribe, a bucket's Read or
// Write on one key prefix, a database's Connect as the application or Migrate as its owner), and
// the consumer applies every grant it is given:
//
//   - Env: the settings the consumer needs to reach the resource, as environment variables. Never a
//     secret: identity-based auth, or the reference (ARN, id) of a secret the consumer may read.
//   - AWS: the IAM statements (exact actions on exact ARNs, narrowed by conditions where a resource
//     is wider than the use: listing a bucket under one prefix), the security groups the consumer
//     must be able to reach, and an event source that invokes the consumer (queue subscriptions).
//
// Other clouds add their part next to AWS (GCP and Azure role bindings, Knative triggers). A
// consumer on cloud X rejects a grant that has no X part, so a resource from another cloud cannot be
// linked by mistake.
//
// Env keys in a grant are relative ("QUEUE_URL"); [Named] prefixes them with the link name chosen by
// the composition ("JOBS" gives JOBS_QUEUE_URL), so one function can use two queues.
package link
