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

// Grant is what a resource hands a consumer for one kind of use. Only Binding knows the cloud.
type Grant struct {
	// Resource is the component's name and Access the use, for error messages and docs.
	Resource string
	Access   Access
	// Env are settings for the consumer, keyed relative to the link name: plain values or
	// references to secrets, never a secret's value.
	Env map[string]Value
	// Binding is the cloud-specific rest of the grant (permissions, reach, triggers), applied by
	// the consumer's implementation once the consumer's identity exists. Every resource sets it.
	Binding Binding
}

// Binding is the cloud-specific, deferred part of a grant. Each cloud has its own binding type
// (AWSBinding, ...) and its consumers take it with [As]: a consumer cannot apply another cloud's
// binding, because where a grant lives and whom it names differ by cloud.
type Binding interface {
	// Cloud is the nimbus:cloud name of the binding's cloud ("aws", "kubernetes", ...).
	Cloud() string
}

// As returns the link's binding as a consumer on B's cloud needs it, or an error naming both
// clouds when the resource is on another one (or handed out no binding).
func As[B Binding](l Link) (B, error) {
	var want B
	switch b := l.Grant.Binding.(type) {
	case B:
		return b, nil
	case nil:
		return want, fmt.Errorf("link %s (%s %s) has no binding, but this consumer runs on %s and needs a binding for %s", l.Name, l.Grant.Access, l.Grant.Resource, want.Cloud(), want.Cloud())
	default:
		return want, fmt.Errorf("link %s (%s %s) is bound for %s, but this consumer runs on %s: link it to a resource on %s", l.Name, l.Grant.Access, l.Grant.Resource, b.Cloud(), want.Cloud(), want.Cloud())
	}
}

// Value is an environment value: a [PlainValue] or a [SecretRef]. No other kinds exist.
type Value interface{ isValue() }

// PlainValue is a setting the consumer may read in clear: a name, a URL, an ARN.
type PlainValue struct{ Value pulumi.StringInput }

// Plain wraps a setting that is not secret.
func Plain(v pulumi.StringInput) PlainValue { return PlainValue{Value: v} }

// SecretRef points at one entry of a secret the platform injects into the consumer's environment
// at run time, so the value is in neither the manifest nor the state: on Kubernetes a
// secretKeyRef (Name is the Secret, Key its data key), on Cloud Run a secret reference (Name the
// secret, Key its version), on Azure a Key Vault reference (Name the secret's URI, Key empty)
// or, with Key AzureInlineSecret, a Container App secret whose value is Name (a Pulumi secret).
type SecretRef struct {
	Name pulumi.StringInput
	Key  string
}

// AzureInlineSecret is the Key of an Azure SecretRef whose Name is the secret's value itself: the
// consumer's Container App keeps it among its configuration.secrets and gives it to the
// container by secretRef, so it is in no environment value and no plain output.
const AzureInlineSecret = "containerapp-secret"

func (PlainValue) isValue() {}
func (SecretRef) isValue()  {}

// Link is a grant under the name the consumer knows it by.
type Link struct {
	Name  string
	Grant Grant
}

var linkName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// Named gives a grant the name its environment variables are prefixed with.
func Named(name string, g Grant) Link { return Link{Name: name, Grant: g} }

// Validate checks a set of links: names are upper-case identifiers, no two links set the same
// environment variable, every value is plain or a secret reference.
func Validate(links []Link) error {
	seen := map[string]string{}
	for _, l := range links {
		if !linkName.MatchString(l.Name) {
			return fmt.Errorf("link name %q must match %s", l.Name, linkName)
		}
		for k, v := range l.Grant.Env {
			key := l.Name + "_" + k
			if other, ok := seen[key]; ok {
				return fmt.Errorf("links %q and %q both set %s", other, l.Grant.Resource, key)
			}
			seen[key] = l.Grant.Resource
			if v == nil {
				return fmt.Errorf("link %s sets %s to nil; want link.Plain(...) or a link.SecretRef", l.Name, key)
			}
		}
	}
	return nil
}

// Environment merges the links' settings into environment variables, prefixing each key with its
// link's name. A consumer renders the values the way its platform takes them.
func Environment(links []Link) map[string]Value {
	env := map[string]Value{}
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
