package link

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Access names a kind of use. Resources document which ones they offer.
type Access string

// The kinds of use the components offer.
const (
	Publish   Access = "publish"   // send messages to a queue
	Subscribe Access = "subscribe" // be invoked with a queue's messages, and delete them when done
	Read      Access = "read"      // read objects
	Write     Access = "write"     // write objects
	Connect   Access = "connect"   // open database connections (through the pooler when there is one)
	Migrate   Access = "migrate"   // connect as the database's owner to change its schema and manage its roles
)

// Grant is what a resource hands a consumer for one kind of use.
type Grant struct {
	// Resource is the component's name and Access the use, for error messages and docs.
	Resource string
	Access   Access
	// Env are settings for the consumer, keyed relative to the link name. Never secrets.
	Env map[string]pulumi.StringInput
	// AWS is the AWS part of the grant; empty for resources on other clouds.
	AWS AWSGrant
}

// AWSGrant is the AWS part of a Grant.
type AWSGrant struct {
	// Statements are IAM policy statements added to the consumer's role.
	Statements []Statement
	// Reach lists security groups the consumer must be allowed to reach, on one port each.
	Reach []Reach
	// EventSource, when set, makes the resource invoke the consumer.
	EventSource *EventSource
}

// Empty reports whether the grant has no AWS part at all.
func (g AWSGrant) Empty() bool {
	return len(g.Statements) == 0 && len(g.Reach) == 0 && g.EventSource == nil
}

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

// Link is a grant under the name the consumer knows it by.
type Link struct {
	Name  string
	Grant Grant
}

var linkName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// Named gives a grant the name its environment variables are prefixed with.
func Named(name string, g Grant) Link { return Link{Name: name, Grant: g} }

// Validate checks a set of links: names are upper-case identifiers, no two links set the same
// environment variable.
func Validate(links []Link) error {
	seen := map[string]string{}
	for _, l := range links {
		if !linkName.MatchString(l.Name) {
			return fmt.Errorf("link name %q must match %s", l.Name, linkName)
		}
		for k := range l.Grant.Env {
			key := l.Name + "_" + k
			if other, ok := seen[key]; ok {
				return fmt.Errorf("links %q and %q both set %s", other, l.Grant.Resource, key)
			}
			seen[key] = l.Grant.Resource
		}
	}
	return nil
}

// Environment merges the links' settings into environment variables, prefixing each key with its
// link's name. Keys come out sorted, so plans are stable.
func Environment(links []Link) pulumi.StringMap {
	env := pulumi.StringMap{}
	for _, l := range links {
		for k, v := range l.Grant.Env {
			env[l.Name+"_"+k] = v
		}
	}
	return env
}

// Keys returns the environment variable names the links set, sorted.
func Keys(links []Link) []string {
	var keys []string
	for k := range Environment(links) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
