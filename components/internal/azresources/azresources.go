// Package azresources is the Azure Resource Manager resources nimbus creates (the resource
// group every Azure resource of a stack lives in, and the deployment script that runs a
// deploy-time job during `pulumi up`), as typed wrappers registered with package rawres instead
// of azure-native's resources/v3 module, which would be linked whole. Each wrapper has only the
// properties nimbus sets or reads, and registers what the SDK's NewX would: the same token, the
// package version, its versioned aliases and its input defaults. schema_test.go pins all of
// that to the module's generated source at v3.16.0.
package azresources

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// ResourceGroupType is a resource group. Its id is /subscriptions/S/resourceGroups/NAME.
var ResourceGroupType = rawres.Type[ResourceGroupArgs]{Package: AzureNative, Token: "azure-native:resources:ResourceGroup"}

// ResourceGroupArgs are a resource group's inputs.
type ResourceGroupArgs struct {
	// ResourceGroupName is autonamed from the resource name when nil.
	ResourceGroupName pulumi.StringPtrInput `pulumi:"resourceGroupName"`
	// Location is the Azure region of the group's metadata; it cannot change once created.
	Location pulumi.StringPtrInput `pulumi:"location"`
	Tags     pulumi.StringMapInput `pulumi:"tags"`
}

// ResourceGroup is a resource group's outputs.
type ResourceGroup struct {
	pulumi.CustomResourceState

	Name     pulumi.StringOutput `pulumi:"name"`
	Location pulumi.StringOutput `pulumi:"location"`
}

// ResourceGroupAliases are the types the SDK's NewResourceGroup aliases.
var ResourceGroupAliases = versioned("ResourceGroup",
	"20151101", "20160201", "20160701", "20160901", "20170510", "20180201", "20180501", "20190301",
	"20190501", "20190510", "20190701", "20190801", "20191001", "20200601", "20200801", "20201001",
	"20210101", "20210401", "20220901", "20230701", "20240301", "20240701", "20241101", "20250301",
	"20250401")

// NewResourceGroup registers a resource group with the SDK's aliases.
func NewResourceGroup(ctx *pulumi.Context, name string, args *ResourceGroupArgs, opts ...pulumi.ResourceOption) (*ResourceGroup, error) {
	opts = append(opts, rawres.Aliases(ResourceGroupAliases))
	return rawres.New[ResourceGroup](ctx, ResourceGroupType, name, args, opts...)
}

// AzureCliScriptType is a deployment script of kind AzureCLI
// (Microsoft.Resources/deploymentScripts, API version 2023-08-01): Azure runs scriptContent in a
// container of the azure-cli image, signed in as the script's user-assigned identity, and the
// resource (hence the ARM deployment azure-native makes of it, hence `pulumi up`) fails when
// the script exits non-zero. It runs again whenever the resource changes, forceUpdateTag
// included.
//
// The service runs the script in a container instance and keeps its files in a storage account
// it creates in the same resource group, or in storageAccountSettings' account. It mounts that
// account's file share with the account key, so an account with allowSharedKeyAccess false
// cannot be used (the container never starts: MicrosoftDocs/azure-docs issues 119179 and
// 120857). The wrapper therefore has no storageAccountSettings: the service's own temporary
// account is created and deleted by the service, is not in the plan, and, like the container,
// is deleted when the script succeeds (cleanupPreference OnSuccess) or when retentionInterval
// ends.
var AzureCliScriptType = rawres.Type[AzureCliScriptArgs]{Package: AzureNative, Token: "azure-native:resources:AzureCliScript"}

// AzureCliScriptArgs are a deployment script's inputs.
type AzureCliScriptArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// ScriptName is autonamed from the resource name when nil.
	ScriptName pulumi.StringPtrInput `pulumi:"scriptName"`
	// Location is where the container instance runs (and the service's storage account lives).
	Location pulumi.StringPtrInput `pulumi:"location"`
	// Kind is always AzureCLI: NewAzureCliScript sets it, as the SDK's does.
	Kind pulumi.StringInput `pulumi:"kind"`
	// AzCliVersion is the azure-cli image's tag, "2.67.0".
	AzCliVersion pulumi.StringInput `pulumi:"azCliVersion"`
	// ScriptContent is the script's body, run with bash.
	ScriptContent pulumi.StringPtrInput `pulumi:"scriptContent"`
	// EnvironmentVariables are the script's environment. Only plain values: nimbus passes no
	// secret to a script.
	EnvironmentVariables []EnvironmentVariableArgs `pulumi:"environmentVariables"`
	// ForceUpdateTag, when it changes, runs the script again even if nothing else changed.
	ForceUpdateTag pulumi.StringPtrInput `pulumi:"forceUpdateTag"`
	// Identity is the user-assigned identity the script signs in as.
	Identity *ManagedServiceIdentityArgs `pulumi:"identity"`
	// RetentionInterval is how long (ISO 8601, PT1H to PT26H) the service keeps the script
	// resource after it ends; it then deletes it.
	RetentionInterval pulumi.StringInput `pulumi:"retentionInterval"`
	// Timeout is the longest run, ISO 8601 up to P1D (the SDK's default when nil).
	Timeout pulumi.StringPtrInput `pulumi:"timeout"`
	// CleanupPreference is Always (the SDK's default when nil), OnSuccess or OnExpiration: when
	// the container instance and the service's storage account are deleted.
	CleanupPreference pulumi.StringPtrInput `pulumi:"cleanupPreference"`
	Tags              pulumi.StringMapInput `pulumi:"tags"`
}

// EnvironmentVariableArgs is one plain environment variable of a script.
type EnvironmentVariableArgs struct {
	Name  pulumi.StringInput    `pulumi:"name"`
	Value pulumi.StringPtrInput `pulumi:"value"`
}

// ManagedServiceIdentityArgs are the identities a script runs as: Type UserAssigned, and the
// ARM ids of the identities (azure-native takes the list and sends ARM's map).
type ManagedServiceIdentityArgs struct {
	Type                   pulumi.StringPtrInput   `pulumi:"type"`
	UserAssignedIdentities pulumi.StringArrayInput `pulumi:"userAssignedIdentities"`
}

// AzureCliScript is a deployment script's outputs.
type AzureCliScript struct {
	pulumi.CustomResourceState

	Name              pulumi.StringOutput `pulumi:"name"`
	ProvisioningState pulumi.StringOutput `pulumi:"provisioningState"`
}

// AzureCliScriptAliases are the types the SDK's NewAzureCliScript aliases (the PowerShell kind
// too: both kinds are one ARM type).
var AzureCliScriptAliases = append(append(versioned("AzureCliScript", "20191001preview", "20201001", "20230801"),
	versioned("AzurePowerShellScript", "20191001preview", "20201001", "20230801")...),
	"azure-native:resources:AzurePowerShellScript")

// NewAzureCliScript registers a deployment script of kind AzureCLI with the SDK's defaults
// (cleanupPreference Always, timeout P1D) and aliases.
func NewAzureCliScript(ctx *pulumi.Context, name string, args *AzureCliScriptArgs, opts ...pulumi.ResourceOption) (*AzureCliScript, error) {
	a := AzureCliScriptArgs{}
	if args != nil {
		a = *args
	}
	a.Kind = pulumi.String("AzureCLI")
	if a.CleanupPreference == nil {
		a.CleanupPreference = pulumi.StringPtr("Always")
	}
	if a.Timeout == nil {
		a.Timeout = pulumi.StringPtr("P1D")
	}
	opts = append(opts, rawres.Aliases(AzureCliScriptAliases))
	return rawres.New[AzureCliScript](ctx, AzureCliScriptType, name, &a, opts...)
}

// versioned are the tokens azure-native:resources/vVERSION:RESOURCE of versions.
func versioned(resource string, versions ...string) []string {
	return AzureNative.Versioned("resources", resource, versions...)
}
