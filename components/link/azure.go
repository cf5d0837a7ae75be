package link

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var _ Binding = AzureBinding{}

// AzureBinding is an Azure resource's part of a grant. On Azure a grant is a role assignment of
// a built-in data role to the consumer's user-assigned managed identity, scoped to the resource
// itself (a queue, a blob container), or a database role for that identity. The identity exists
// only once the consumer is created, so the resource hands out Apply functions that the
// consumer's implementation (the Container Apps function) calls once its identity exists and
// before its app, with an AzureConsumer describing it.
type AzureBinding struct {
	// Env are further settings keyed relative to the link name, like Grant.Env (a queue's name
	// and namespace host, which the container servers read).
	Env map[string]Value
	// Grants create the resource-side grants for one consumer's identity.
	Grants []AzureApply
	// Scale is the KEDA rule the consumer scales on, for a subscription: Container Apps runs
	// more replicas as the queue fills, authenticated with the consumer's identity.
	Scale *AzureScaleRule
	// MaxConcurrency caps the jobs processed at once (0: no cap): the consumer keeps its most
	// replicas times the messages each holds within it.
	MaxConcurrency int
}

// Cloud is "azure".
func (AzureBinding) Cloud() string { return "azure" }

// AzureApply creates, for consumer c, the grants of one binding, naming them from name (unique
// per consumer and link, e.g. "api-jobs") and registering them with opts (the consumer's parent
// and provider). It returns what the consumer needs from them.
type AzureApply func(ctx *pulumi.Context, name string, c AzureConsumer, opts ...pulumi.ResourceOption) (AzureApplied, error)

// AzureConsumer is the user-assigned managed identity the grants are for.
type AzureConsumer struct {
	// PrincipalID is the identity's object id, a role assignment's principalId.
	PrincipalID pulumi.StringInput
	// ClientID is the identity's client id (AZURE_CLIENT_ID; a database role is made for it).
	ClientID pulumi.StringInput
	// Name is the identity's name, the database role it logs in as.
	Name pulumi.StringInput
	// TenantID is the Microsoft Entra tenant of the identity (a Flexible Server's Entra
	// administrator names it). Optional: only grants that need it check it.
	TenantID pulumi.StringInput
}

// AzureApplied is what applying a binding gave the consumer.
type AzureApplied struct {
	// Env are settings known only once the grant exists, keyed relative to the link name.
	Env map[string]Value
	// Ready are the grants the consumer's app waits for: it must not run before it may use the
	// resource.
	Ready []pulumi.Resource
}

// AzureScaleRule is a KEDA scale rule of a Container App: Type is the scaler
// ("azure-servicebus"), Metadata its settings (namespace, queueName, messageCount), and the
// rule authenticates with the app's managed identity, never a connection string.
type AzureScaleRule struct {
	Name     string
	Type     string
	Metadata map[string]pulumi.StringInput
}

// ApplyAzureGrants applies a binding's Grants for consumer c, naming them from name ("api-jobs"),
// and merges what they give: Env (a key set by two grants is an error naming it) and Ready,
// which the consumer's app must wait for.
func ApplyAzureGrants(ctx *pulumi.Context, name string, b AzureBinding, c AzureConsumer, opts ...pulumi.ResourceOption) (AzureApplied, error) {
	out := AzureApplied{Env: map[string]Value{}}
	if c.PrincipalID == nil || c.ClientID == nil || c.Name == nil {
		return out, fmt.Errorf("cannot apply the grants of %q: the consumer needs its managed identity's PrincipalID, ClientID and Name", name)
	}
	for i, apply := range b.Grants {
		if apply == nil {
			return out, fmt.Errorf("cannot apply grant %d of %q: it is nil", i, name)
		}
		got, err := apply(ctx, name, c, opts...)
		if err != nil {
			return out, fmt.Errorf("cannot apply grant %d of %q: %w", i, name, err)
		}
		if err := mergeEnv(out.Env, got.Env); err != nil {
			return out, fmt.Errorf("cannot apply grant %d of %q: %w", i, name, err)
		}
		out.Ready = append(out.Ready, got.Ready...)
	}
	return out, nil
}
