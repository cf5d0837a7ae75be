// Package azmsi is the user-assigned managed identity every Azure function runs as, as a typed
// wrapper registered with package rawres instead of azure-native's managedidentity/v3 module
// (linked whole, like every generated SDK package). It registers what the SDK's
// NewUserAssignedIdentity would: the same token, the package version and its versioned aliases.
// schema_test.go pins all of that to the module's generated source at v3.16.0.
package azmsi

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// UserAssignedIdentityType is a user-assigned managed identity: a Microsoft Entra service
// principal that Azure resources (a container app, a job) run as, and that role assignments
// name.
var UserAssignedIdentityType = rawres.Type[UserAssignedIdentityArgs]{Package: AzureNative, Token: "azure-native:managedidentity:UserAssignedIdentity"}

// UserAssignedIdentityArgs are an identity's inputs.
type UserAssignedIdentityArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// ResourceName is the identity's name, 3 to 128 characters; autonamed when nil.
	ResourceName pulumi.StringPtrInput `pulumi:"resourceName"`
	// Location is an Azure region; the resource group's when nil.
	Location pulumi.StringPtrInput `pulumi:"location"`
	Tags     pulumi.StringMapInput `pulumi:"tags"`
}

// UserAssignedIdentity is an identity's outputs. Its id is
// /subscriptions/S/resourceGroups/G/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME,
// what a container app's identity.userAssignedIdentities, a registry credential's identity and a
// KEDA rule's identity name.
type UserAssignedIdentity struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// ClientId is the identity's application id (AZURE_CLIENT_ID of the code running as it).
	ClientId pulumi.StringOutput `pulumi:"clientId"`
	// PrincipalId is its service principal's object id, a role assignment's principalId.
	PrincipalId pulumi.StringOutput `pulumi:"principalId"`
	// TenantId is the Microsoft Entra tenant the identity belongs to.
	TenantId pulumi.StringOutput `pulumi:"tenantId"`
}

// UserAssignedIdentityAliases are the types the SDK's NewUserAssignedIdentity aliases.
var UserAssignedIdentityAliases = func() []string {
	var out []string
	for _, v := range []string{"20150831preview", "20181130", "20210930preview", "20220131preview", "20230131",
		"20230731preview", "20241130", "20250131preview"} {
		out = append(out, "azure-native:managedidentity/v"+v+":UserAssignedIdentity")
	}
	return out
}()

// NewUserAssignedIdentity registers an identity with the SDK's aliases.
func NewUserAssignedIdentity(ctx *pulumi.Context, name string, args *UserAssignedIdentityArgs, opts ...pulumi.ResourceOption) (*UserAssignedIdentity, error) {
	opts = append(opts, rawres.Aliases(UserAssignedIdentityAliases))
	return rawres.New[UserAssignedIdentity](ctx, UserAssignedIdentityType, name, args, opts...)
}
