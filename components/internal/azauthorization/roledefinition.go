package azauthorization

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// RoleDefinitionType is a custom role: a set of actions, assignable at the scopes it lists and
// below them. nimbus defines one where no built-in role is as narrow as a grant needs.
var RoleDefinitionType = rawres.Type[RoleDefinitionArgs]{Package: AzureNative, Token: "azure-native:authorization:RoleDefinition"}

// RoleDefinitionArgs are a custom role's inputs.
type RoleDefinitionArgs struct {
	// Scope is where the definition is created: a subscription or a resource group id.
	Scope pulumi.StringInput `pulumi:"scope"`
	// RoleDefinitionId is the role's GUID, its name; azure-native makes one when nil.
	RoleDefinitionId pulumi.StringPtrInput `pulumi:"roleDefinitionId"`
	// RoleName is the role's display name, unique in the tenant (the directory), not only in the
	// subscription.
	RoleName    pulumi.StringPtrInput `pulumi:"roleName"`
	Description pulumi.StringPtrInput `pulumi:"description"`
	// RoleType is CustomRole.
	RoleType    pulumi.StringPtrInput `pulumi:"roleType"`
	Permissions []PermissionArgs      `pulumi:"permissions"`
	// AssignableScopes are where the role may be assigned (at them or below): subscriptions,
	// resource groups or management groups, not single resources; an assignment of it is still
	// scoped to one resource.
	AssignableScopes pulumi.StringArrayInput `pulumi:"assignableScopes"`
}

// PermissionArgs are the control-plane actions a role allows.
type PermissionArgs struct {
	Actions pulumi.StringArrayInput `pulumi:"actions"`
}

// RoleDefinition is a custom role's outputs. An assignment names it by
// RoleDefinitionID(subscription, Name).
type RoleDefinition struct {
	pulumi.CustomResourceState

	// Name is the role's GUID.
	Name     pulumi.StringOutput    `pulumi:"name"`
	RoleName pulumi.StringPtrOutput `pulumi:"roleName"`
}

// RoleDefinitionAliases are the types the SDK's NewRoleDefinition aliases.
var RoleDefinitionAliases = func() []string {
	var out []string
	for _, v := range []string{"20150701", "20180101preview", "20220401", "20220501preview"} {
		out = append(out, fmt.Sprintf("azure-native:authorization/v%s:RoleDefinition", v))
	}
	return out
}()

// NewRoleDefinition registers a custom role with the SDK's aliases.
func NewRoleDefinition(ctx *pulumi.Context, name string, args *RoleDefinitionArgs, opts ...pulumi.ResourceOption) (*RoleDefinition, error) {
	opts = append(opts, rawres.Aliases(RoleDefinitionAliases))
	return rawres.New[RoleDefinition](ctx, RoleDefinitionType, name, args, opts...)
}
