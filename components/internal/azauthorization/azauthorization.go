// Package azauthorization is the Azure role assignment nimbus creates for every grant (a
// function's identity on a queue, a container, a registry), as a typed wrapper registered with
// package rawres instead of azure-native's authorization/v3 module (27,000 lines of generated
// Go, linked whole). It registers what the SDK's NewRoleAssignment would: the same token, the
// package version, its versioned aliases and its default principal type. schema_test.go pins
// all of that to the module's generated source at v3.16.0.
package azauthorization

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// Built-in role definitions nimbus grants, by their fixed ids (the same in every tenant). A
// role assignment's roleDefinitionId is RoleDefinitionID(subscription, one of these).
const (
	// ServiceBusDataSender may send to queues and topics.
	ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"
	// ServiceBusDataReceiver may receive from queues and subscriptions.
	ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"
	// StorageBlobDataReader may read blobs.
	StorageBlobDataReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
	// StorageBlobDataContributor may read, write and delete blobs.
	StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
	// AcrPull may pull images from a container registry.
	AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
)

// RoleDefinitionID is the ARM id of built-in role role in subscription.
func RoleDefinitionID(subscription pulumi.StringInput, role string) pulumi.StringOutput {
	return pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscription, role)
}

// RoleAssignmentType is a role assignment: a principal holds a role at a scope (a resource's
// id) and below it.
var RoleAssignmentType = rawres.Type[RoleAssignmentArgs]{Package: AzureNative, Token: "azure-native:authorization:RoleAssignment"}

// RoleAssignmentArgs are a role assignment's inputs.
type RoleAssignmentArgs struct {
	// PrincipalId is the object id of the identity (a managed identity's principalId).
	PrincipalId pulumi.StringInput `pulumi:"principalId"`
	// PrincipalType is User (the SDK's default when nil), Group or ServicePrincipal; a managed
	// identity is a ServicePrincipal, and saying so spares the replication delay of a new one.
	PrincipalType pulumi.StringPtrInput `pulumi:"principalType"`
	// RoleDefinitionId is the role's ARM id (RoleDefinitionID).
	RoleDefinitionId pulumi.StringInput `pulumi:"roleDefinitionId"`
	// Scope is the id of the resource the role holds on: a queue, a container, a registry.
	Scope pulumi.StringInput `pulumi:"scope"`
	// RoleAssignmentName is the assignment's GUID; azure-native makes one when nil.
	RoleAssignmentName pulumi.StringPtrInput `pulumi:"roleAssignmentName"`
	Description        pulumi.StringPtrInput `pulumi:"description"`
	// Condition narrows the role (an ABAC expression: blob actions under a prefix only), with
	// ConditionVersion "2.0".
	Condition        pulumi.StringPtrInput `pulumi:"condition"`
	ConditionVersion pulumi.StringPtrInput `pulumi:"conditionVersion"`
}

// RoleAssignment is a role assignment's outputs.
type RoleAssignment struct {
	pulumi.CustomResourceState

	Name  pulumi.StringOutput `pulumi:"name"`
	Scope pulumi.StringOutput `pulumi:"scope"`
}

// RoleAssignmentAliases are the types the SDK's NewRoleAssignment aliases.
var RoleAssignmentAliases = func() []string {
	var out []string
	for _, v := range []string{"20150701", "20171001preview", "20180101preview", "20180901preview", "20200301preview",
		"20200401preview", "20200801preview", "20201001preview", "20220401"} {
		out = append(out, fmt.Sprintf("azure-native:authorization/v%s:RoleAssignment", v))
	}
	return out
}()

// NewRoleAssignment registers a role assignment with the SDK's default and aliases.
func NewRoleAssignment(ctx *pulumi.Context, name string, args *RoleAssignmentArgs, opts ...pulumi.ResourceOption) (*RoleAssignment, error) {
	a := RoleAssignmentArgs{}
	if args != nil {
		a = *args
	}
	if a.PrincipalType == nil {
		a.PrincipalType = pulumi.StringPtr("User")
	}
	opts = append(opts, rawres.Aliases(RoleAssignmentAliases))
	return rawres.New[RoleAssignment](ctx, RoleAssignmentType, name, &a, opts...)
}
