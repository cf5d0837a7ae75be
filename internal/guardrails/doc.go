// Package guardrails checks a plan against the project's rules before
// anything is deployed.
//
// A Rule has a neutral id (queue-dead-letter, iam-no-wildcards, ...), a
// severity (error or warning), a description, and one check per cloud. The
// cloud-neutral rule table is in rules.go; each cloud's checks live in one
// file (aws.go) and are selected in one place, the checks map. A cloud that
// has no check for a rule is reported by Unchecked, never silently passed.
//
// Evaluate runs every rule's check for the plan's cloud and returns the
// violations, each naming the rule, its severity, the resource URN and the
// property path, sorted by rule, URN and property so the output is stable.
// Rules marked Production only apply when the stack's nimbus:production is
// true.
//
// Documented exceptions (iam-no-wildcards on AWS): the EC2 network-interface
// actions a Lambda function in a VPC needs, whose resource AWS only accepts
// as "*"; object ARNs that end in "/*" below a named S3 bucket
// (arn:aws:s3:::images/originals/*); CloudWatch Logs ARNs of a named log
// group that end in ":*" (the log-stream suffix). Deny statements may use
// wildcards.
package guardrails
