// Package azservicebus is the Service Bus resources nimbus creates on Azure, as typed wrappers
// registered with package rawres: azure-native's servicebus/v3 module is listed by the module
// proxy but its checksum is not in the checksum database, so it cannot be required (issue 10).
// Each wrapper has only the properties nimbus sets or reads, and registers what the SDK's NewX
// would: the same token (the default Service Bus API version, 2024-01-01, in azure-native
// 3.16.0), package version, aliases and defaults. schema_test.go pins all of it to the
// servicebus SDK's generated source at tag v3.16.0, extracted verbatim into testdata/.
package azservicebus

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (pulumi-azure-native-sdk/v3 v3.16.0, the base
// module's pulumi-plugin.json) registers resources, so these share the default provider (and
// any explicit one) with the typed app, storage, resources, ... resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// APIVersion is the Service Bus REST API version azure-native 3.16.0 serves the unversioned
// servicebus tokens with; another needs another provider version or a versioned token.
const APIVersion = "2024-01-01"

// NamespaceType is a Service Bus namespace, the container of queues and the unit of SKU,
// network and auth settings.
var NamespaceType = rawres.Type[NamespaceArgs]{Package: AzureNative, Token: "azure-native:servicebus:Namespace"}

// NamespaceArgs are a namespace's inputs.
type NamespaceArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// Location is an Azure region; the resource group's when nil.
	Location pulumi.StringPtrInput `pulumi:"location"`
	// NamespaceName is the namespace's globally unique name (6-50 characters); autonamed from
	// the resource name when nil.
	NamespaceName pulumi.StringPtrInput `pulumi:"namespaceName"`
	Sku           *SkuArgs              `pulumi:"sku"`
	// DisableLocalAuth turns off SAS keys, so only Entra identities (RBAC) can connect.
	DisableLocalAuth pulumi.BoolPtrInput `pulumi:"disableLocalAuth"`
	// MinimumTlsVersion is "1.0", "1.1" or "1.2".
	MinimumTlsVersion pulumi.StringPtrInput `pulumi:"minimumTlsVersion"`
	// ZoneRedundant spreads a Premium namespace over availability zones.
	ZoneRedundant pulumi.BoolPtrInput `pulumi:"zoneRedundant"`
	// PublicNetworkAccess is Enabled, Disabled or SecuredByPerimeter; NewNamespace sets
	// Enabled when nil, as the SDK's NewNamespace does.
	PublicNetworkAccess pulumi.StringPtrInput `pulumi:"publicNetworkAccess"`
	Tags                pulumi.StringMapInput `pulumi:"tags"`
}

// SkuArgs are a namespace's SKU.
type SkuArgs struct {
	// Name is Basic, Standard or Premium (Basic has no topics; dead-lettering works on all).
	Name pulumi.StringInput `pulumi:"name"`
	// Tier is Basic, Standard or Premium, the same as Name.
	Tier pulumi.StringPtrInput `pulumi:"tier"`
	// Capacity is a Premium namespace's messaging units: 1, 2, 4, 8 or 16.
	Capacity pulumi.IntPtrInput `pulumi:"capacity"`
}

// Namespace is a namespace's outputs. Its id is the namespace's ARM resource id, the scope of
// role assignments and metric alerts.
type Namespace struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// ServiceBusEndpoint is https://NAME.servicebus.windows.net:443/; clients take its host.
	ServiceBusEndpoint pulumi.StringOutput `pulumi:"serviceBusEndpoint"`
}

// NamespaceAliases are the types the SDK's NewNamespace aliases (the API-versioned tokens).
var NamespaceAliases = []string{
	"azure-native:servicebus/v20140901:Namespace",
	"azure-native:servicebus/v20150801:Namespace",
	"azure-native:servicebus/v20170401:Namespace",
	"azure-native:servicebus/v20180101preview:Namespace",
	"azure-native:servicebus/v20210101preview:Namespace",
	"azure-native:servicebus/v20210601preview:Namespace",
	"azure-native:servicebus/v20211101:Namespace",
	"azure-native:servicebus/v20220101preview:Namespace",
	"azure-native:servicebus/v20221001preview:Namespace",
	"azure-native:servicebus/v20230101preview:Namespace",
	"azure-native:servicebus/v20240101:Namespace",
	"azure-native:servicebus/v20250501preview:Namespace",
}

// NewNamespace registers a namespace.
func NewNamespace(ctx *pulumi.Context, name string, args *NamespaceArgs, opts ...pulumi.ResourceOption) (*Namespace, error) {
	a := NamespaceArgs{}
	if args != nil {
		a = *args
	}
	if a.PublicNetworkAccess == nil {
		a.PublicNetworkAccess = pulumi.StringPtr("Enabled")
	}
	opts = append(opts, rawres.Aliases(NamespaceAliases))
	return rawres.New[Namespace](ctx, NamespaceType, name, &a, opts...)
}

// QueueType is a queue of a namespace, with its own dead-letter subqueue (QUEUE/$deadletterqueue).
var QueueType = rawres.Type[QueueArgs]{Package: AzureNative, Token: "azure-native:servicebus:Queue"}

// QueueArgs are a queue's inputs. Durations are ISO 8601 ("PT1M", "P14D").
type QueueArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// NamespaceName is the name (not the id) of the queue's namespace.
	NamespaceName pulumi.StringInput `pulumi:"namespaceName"`
	// QueueName is autonamed from the resource name when nil.
	QueueName pulumi.StringPtrInput `pulumi:"queueName"`
	// MaxDeliveryCount is how many deliveries a message gets before it is dead-lettered;
	// Azure's default is 10.
	MaxDeliveryCount pulumi.IntPtrInput `pulumi:"maxDeliveryCount"`
	// LockDuration is how long a received message stays invisible to other receivers (peek
	// lock), at most PT5M; Azure's default is PT1M.
	LockDuration pulumi.StringPtrInput `pulumi:"lockDuration"`
	// DeadLetteringOnMessageExpiration dead-letters expired messages instead of dropping them.
	DeadLetteringOnMessageExpiration pulumi.BoolPtrInput `pulumi:"deadLetteringOnMessageExpiration"`
	// DefaultMessageTimeToLive is how long an unreceived message lives.
	DefaultMessageTimeToLive pulumi.StringPtrInput `pulumi:"defaultMessageTimeToLive"`
	// MaxSizeInMegabytes is the queue's capacity: 1024, 2048, 3072, 4096 or 5120 (Standard).
	MaxSizeInMegabytes pulumi.IntPtrInput `pulumi:"maxSizeInMegabytes"`
	// RequiresSession makes receivers accept sessions (ordered groups); nimbus leaves it false.
	RequiresSession pulumi.BoolPtrInput `pulumi:"requiresSession"`
}

// Queue is a queue's outputs. Its id is the queue's ARM resource id, the scope of the
// sender's and receiver's role assignments.
type Queue struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// QueueAliases are the types the SDK's NewQueue aliases.
var QueueAliases = []string{
	"azure-native:servicebus/v20140901:Queue",
	"azure-native:servicebus/v20150801:Queue",
	"azure-native:servicebus/v20170401:Queue",
	"azure-native:servicebus/v20180101preview:Queue",
	"azure-native:servicebus/v20210101preview:Queue",
	"azure-native:servicebus/v20210601preview:Queue",
	"azure-native:servicebus/v20211101:Queue",
	"azure-native:servicebus/v20220101preview:Queue",
	"azure-native:servicebus/v20221001preview:Queue",
	"azure-native:servicebus/v20230101preview:Queue",
	"azure-native:servicebus/v20240101:Queue",
	"azure-native:servicebus/v20250501preview:Queue",
}

// NewQueue registers a queue.
func NewQueue(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	opts = append(opts, rawres.Aliases(QueueAliases))
	return rawres.New[Queue](ctx, QueueType, name, args, opts...)
}
