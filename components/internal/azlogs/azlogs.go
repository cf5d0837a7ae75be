// Package azlogs is the Log Analytics workspace a Container Apps environment sends its apps' logs
// to, as a typed wrapper registered with package rawres instead of azure-native's
// operationalinsights/v3 module (linked whole, like every generated SDK package), and the one
// invoke nimbus needs of that module: the workspace's shared key, which the environment's log
// agent writes with. It registers and invokes what the SDK's NewWorkspace and GetSharedKeysOutput
// would: the same tokens, the package version and the workspace's versioned aliases.
// schema_test.go pins all of that to the module's generated source at v3.16.0.
package azlogs

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// WorkspaceType is a Log Analytics workspace.
var WorkspaceType = rawres.Type[WorkspaceArgs]{Package: AzureNative, Token: "azure-native:operationalinsights:Workspace"}

// WorkspaceArgs are a workspace's inputs.
type WorkspaceArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// WorkspaceName is 4 to 63 letters, digits and hyphens; autonamed when nil.
	WorkspaceName pulumi.StringPtrInput `pulumi:"workspaceName"`
	Location      pulumi.StringPtrInput `pulumi:"location"`
	// Sku is PerGB2018, the pay-as-you-go tier.
	Sku *WorkspaceSkuArgs `pulumi:"sku"`
	// RetentionInDays is how long the data is kept: 30 to 730 on PerGB2018.
	RetentionInDays pulumi.IntPtrInput    `pulumi:"retentionInDays"`
	Tags            pulumi.StringMapInput `pulumi:"tags"`
}

// WorkspaceSkuArgs is a workspace's pricing tier.
type WorkspaceSkuArgs struct {
	Name pulumi.StringInput `pulumi:"name"`
}

// Workspace is a workspace's outputs.
type Workspace struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// CustomerId is the workspace's id in the data plane (a GUID), what a Container Apps
	// environment's logAnalyticsConfiguration.customerId names.
	CustomerId pulumi.StringOutput `pulumi:"customerId"`
}

// WorkspaceAliases are the types the SDK's NewWorkspace aliases.
var WorkspaceAliases = func() []string {
	var out []string
	for _, v := range []string{"20151101preview", "20200301preview", "20200801", "20201001", "20210601",
		"20211201preview", "20221001", "20230901", "20250201", "20250701"} {
		out = append(out, "azure-native:operationalinsights/v"+v+":Workspace")
	}
	return out
}()

// NewWorkspace registers a workspace with the SDK's aliases.
func NewWorkspace(ctx *pulumi.Context, name string, args *WorkspaceArgs, opts ...pulumi.ResourceOption) (*Workspace, error) {
	opts = append(opts, rawres.Aliases(WorkspaceAliases))
	return rawres.New[Workspace](ctx, WorkspaceType, name, args, opts...)
}

// GetSharedKeysToken is the invoke that reads a workspace's shared keys.
const GetSharedKeysToken = "azure-native:operationalinsights:getSharedKeys"

// PrimarySharedKey is the workspace's primary shared key, read with the getSharedKeys invoke
// once the workspace exists (unknown in a preview that creates it), always a Pulumi secret: it
// is encrypted in the state and masked in every output. Its arguments are outputs of the
// workspace, so the invoke waits for it. The invoke creates nothing.
func PrimarySharedKey(ctx *pulumi.Context, resourceGroupName pulumi.StringInput, w *Workspace, opts ...pulumi.InvokeOption) pulumi.StringOutput {
	out := ctx.InvokeOutput(GetSharedKeysToken, pulumi.Map{
		"resourceGroupName": resourceGroupName,
		"workspaceName":     w.Name,
	}, pulumi.MapOutput{}, pulumi.InvokeOutputOptions{
		InvokeOptions: append([]pulumi.InvokeOption{pulumi.Version(AzureNative.Version)}, opts...),
	}).(pulumi.MapOutput)
	return pulumi.ToSecret(rawres.String(out, "primarySharedKey")).(pulumi.StringOutput)
}
