package link

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

var _ Binding = AWSBinding{}

// AWSBinding is an AWS resource's part of a grant. On AWS a grant lives on the consumer: the
// consumer's implementation adds Statements to its role's policy, lets its security group reach
// each Reach, and creates the EventSource's mapping to itself. AWS resources hand out only plain
// environment values: secrets are read at run time, by the ARN in the environment, with the
// permission the statements grant.
type AWSBinding struct {
	// Statements are IAM policy statements added to the consumer's role.
	Statements []Statement
	// Reach lists security groups the consumer must be allowed to reach, on one port each.
	Reach []Reach
	// EventSource, when set, makes the resource invoke the consumer.
	EventSource *EventSource
}

// Cloud is "aws".
func (AWSBinding) Cloud() string { return "aws" }

// Statement is one IAM policy statement that allows Actions on Resources.
type Statement struct {
	Sid       string
	Actions   []string
	Resources pulumi.StringArrayInput
	// Conditions narrow the statement further (all must hold); none by default.
	Conditions []Condition
}

// Condition is one IAM condition: Operator (StringLike, StringEquals, ...) applied to the
// request's Key, which must match one of Values. Values are known when the program runs (key
// prefixes, not resource identifiers), so a plan shows them as they will be deployed.
type Condition struct {
	Operator string
	Key      string
	Values   []string
}

// Reach allows the consumer's security group to reach SecurityGroupID on Port (TCP).
type Reach struct {
	Description     string
	SecurityGroupID pulumi.StringInput
	Port            int
}

// EventSource is a queue that invokes the consumer with batches of messages.
type EventSource struct {
	// SourceARN is the queue's ARN.
	SourceARN pulumi.StringInput
	// BatchSize is the most messages in one invocation.
	BatchSize int
	// BatchWindowSeconds is how long to gather a batch before invoking.
	BatchWindowSeconds int
	// MaxConcurrency caps concurrent invocations from this source (2 to 1000), so consumers
	// cannot flood what they write to.
	MaxConcurrency int
	// VisibilityTimeoutSeconds is the queue's visibility timeout, checked against the consumer's
	// timeout.
	VisibilityTimeoutSeconds int
}
