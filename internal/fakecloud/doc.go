// Package fakecloud is an in-memory fake of the clouds nimbus deploys to, for
// programs run under pulumi.WithMocks: unit tests, component conformance
// suites and the offline `nimbus plan`.
//
// A Cloud implements pulumi.MockResourceMonitor. For every registered resource
// it returns the outputs the real provider would compute, in the provider's
// formats, so that a reference from one resource to another shows up in the
// consumer's inputs as the real identifier would (an alias ARN ending in
// ":live", an SQS queue URL, an RDS proxy endpoint, ...):
//
//   - Outputs are the inputs merged with the computed properties, like a
//     provider's Create. Inputs the program set are never overwritten, except
//     properties the provider always computes (arn, id-like fields).
//   - Every generated value (autonamed names, ids, ARNs, endpoints) is derived
//     from the resource's URN with a hash: the same program gives the same
//     values in every run, on every machine. Nothing is random.
//   - Account, region and the other fixed placeholders come from Options
//     (defaults: account 123456789012, region us-east-1); an explicit
//     provider's `region` input overrides the region for its resources.
//   - A resource type without an explicit model gets generic outputs (inputs,
//     an autonamed `name` if absent, an id); Generic reports how many
//     resources of each type used it, so gaps are visible, never silent.
//   - Component resources (Custom=false) are recorded with their inputs and
//     no id; the mock monitor does not pass their registered outputs on.
//   - Invokes (Call) are modelled per token; an unknown token is an error
//     naming it, so a program never silently gets an empty result.
//
// Resources returns everything registered, components included, in
// registration order; it and ByType and Generic are safe for concurrent use.
//
// Adding a model: write a func(*Request) (id string, computed
// resource.PropertyMap) in the cloud's file (aws.go) and add it to that
// file's model table under the provider's type token; add a row to the table
// test. See docs/plan.md.
package fakecloud
